// SPDX-License-Identifier: GPL-2.0
/* The cookie masters: key files, first load, comparison and rotation (the BPF side derives slot keys). */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/timex.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "keys.h"
#include "log.h"
#include "pin.h"

__u64 keys_clock_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_TAI, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static int random_master(struct xsc_master *m, const char *what)
{
	do {
		if (getrandom(m, sizeof(*m), 0) != sizeof(*m)) {
			pr_err("%s: getrandom: %s\n", what, strerror(errno));
			return -EIO;
		}
	} while (!(m->key.k0 | m->key.k1));	/* all-zero means "no key" to the programs */
	return 0;
}

/*
 * A shared key makes hosts agree on cookie slots only if their CLOCK_TAI agrees, and
 * CLOCK_TAI is UTC plus an offset that the time daemon may or may not set (chrony with
 * leapsectz sets 37 s, systemd-timesyncd leaves 0): say which this host has.
 */
static void note_tai_offset(const char *what)
{
	struct timex tx = {};

	if (adjtimex(&tx) >= 0)
		pr_notice("%s: this host's CLOCK_TAI is UTC + %d s; every host sharing the key "
			  "must have the same offset\n", what, tx.tai);
}

static int hex_value(int c)
{
	return isdigit(c) ? c - '0' : isxdigit(c) ? tolower(c) - 'a' + 10 : -1;
}

int key_file_read(const char *path, struct xsc_master *m, const char *what)
{
	char buf[XSC_KEY_HEX_DIGITS + 4];
	__u8 bytes[16] = {};
	struct stat st;
	ssize_t len;
	int fd, err = 0, n = 0;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		pr_err("%s: key file %s: %s\n", what, path, strerror(-err));
		return err;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		pr_err("%s: key file %s: not a regular file\n", what, path);
		err = -EINVAL;
	} else if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		pr_err("%s: key file %s: readable or writable by others (mode %04o); the secret "
		       "must be private: chmod 600 %s\n", what, path, st.st_mode & 07777, path);
		err = -EPERM;
	} else if (st.st_uid != geteuid() && st.st_uid != 0) {
		pr_err("%s: key file %s: owned by uid %u, neither us nor root\n", what, path,
		       st.st_uid);
		err = -EPERM;
	}
	len = err ? 0 : read(fd, buf, sizeof(buf));
	close(fd);
	if (err)
		return err;
	while (len > 0 && isspace((unsigned char)buf[len - 1]))
		len--;
	for (ssize_t i = 0; i < len && n <= XSC_KEY_HEX_DIGITS; i++, n++) {
		int v = hex_value((unsigned char)buf[i]);

		if (v < 0 || n == XSC_KEY_HEX_DIGITS) {
			n = -1;
			break;
		}
		bytes[n / 2] |= v << (n % 2 ? 0 : 4);
	}
	explicit_bzero(buf, sizeof(buf));
	if (n != XSC_KEY_HEX_DIGITS) {
		pr_err("%s: key file %s: want exactly %d hex digits (make one with 'xdp-syncookie "
		       "key generate FILE')\n", what, path, XSC_KEY_HEX_DIGITS);
		explicit_bzero(bytes, sizeof(bytes));
		return -EINVAL;
	}
	memcpy(&m->key.k0, bytes, 8);
	memcpy(&m->key.k1, bytes + 8, 8);
	explicit_bzero(bytes, sizeof(bytes));
	if (!(m->key.k0 | m->key.k1)) {
		pr_err("%s: key file %s: an all-zero key is known to everyone\n", what, path);
		return -EINVAL;
	}
	note_tai_offset(what);
	return 0;
}

int key_file_create(const char *path, const char *what)
{
	char hex[XSC_KEY_HEX_DIGITS + 2];
	struct xsc_master m;
	__u8 bytes[16];
	int fd, err = random_master(&m, what);

	if (err)
		return err;
	memcpy(bytes, &m.key.k0, 8);
	memcpy(bytes + 8, &m.key.k1, 8);
	for (int i = 0; i < 16; i++)
		snprintf(hex + 2 * i, 3, "%02x", bytes[i]);
	hex[XSC_KEY_HEX_DIGITS] = '\n';
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		err = -errno;
		pr_err("%s: %s: %s\n", what, path, strerror(errno));
	} else {
		if (fchmod(fd, 0600) || write(fd, hex, XSC_KEY_HEX_DIGITS + 1) !=
						XSC_KEY_HEX_DIGITS + 1 || fsync(fd)) {
			err = -errno ?: -EIO;
			pr_err("%s: writing %s: %s\n", what, path, strerror(-err));
			unlink(path);
		}
		close(fd);
	}
	explicit_bzero(hex, sizeof(hex));
	explicit_bzero(bytes, sizeof(bytes));
	explicit_bzero(&m, sizeof(m));
	return err;
}

static bool same_key(const struct xsc_key *a, const struct xsc_key *b)
{
	return a->k0 == b->k0 && a->k1 == b->k1;
}

int keys_load(int fd, bool created, const struct xsc_master *m, const char *what)
{
	struct xsc_keyring kr = {};
	struct xsc_master fresh;
	__u32 zero = 0;
	int err = 0;

	if (!created) {
		bool loaded;

		if (bpf_map_lookup_elem(fd, &zero, &kr))
			return -errno;
		loaded = kr.gen != 0;
		if (m && loaded && !same_key(&kr.master[kr.gen & 1], &m->key)) {
			pr_err("%s: this host already uses another cookie key (one key for every "
			       "interface); change it with 'xdp-syncookie key rotate --key-file "
			       "FILE'\n", what);
			err = -EEXIST;
		}
		explicit_bzero(&kr, sizeof(kr));
		if (err || loaded)
			return err;
	}
	if (!m) {
		err = random_master(&fresh, what);
		if (err)
			return err;
		m = &fresh;
	}
	/* Generation 1: the current master is master[1]; master[0] waits for a rotation. */
	kr = (struct xsc_keyring){ .gen = 1 };
	kr.master[1] = m->key;
	if (bpf_map_update_elem(fd, &zero, &kr, BPF_ANY)) {
		err = -errno;
		pr_err("%s: storing the cookie key: %s\n", what, strerror(errno));
	}
	explicit_bzero(&kr, sizeof(kr));
	explicit_bzero(&fresh, sizeof(fresh));
	return err;
}

static int open_keyring(const char *what)
{
	struct pin_paths pp;
	int fd, err = pin_paths(NULL, &pp);

	if (err) {
		pr_err("%s: no BPF filesystem at %s (set LIBXDP_BPFFS if it is elsewhere)\n", what,
		       pin_fs());
		return err;
	}
	fd = pin_open_map(&pp, XSC_MAP_KEYS, sizeof(struct xsc_keyring));
	if (fd == -ENOENT)
		pr_err("%s: nothing is attached (the key lives with the attachments)\n", what);
	else if (fd == -EPROTO)
		pr_err("%s: the key map is from another version of xdp-syncookie\n", what);
	else if (fd < 0)
		pr_err("%s: opening the key map: %s\n", what, strerror(-fd));
	return fd;
}

/*
 * Two writes, so that no program ever sees a master change under a generation that names
 * it: first the new master goes where the retired previous one was, with the window that
 * will be the replaced master's (until then it only lets the new master, ours, validate as
 * "previous"); then only the generation moves, one aligned 4-byte word. Readers of a
 * half-written master derive a key tagged with what they read, which no later lookup
 * matches (the cache compares masters).
 */
int keys_rotate(const struct xsc_master *m, const char *what)
{
	struct xsc_keyring kr;
	struct xsc_master fresh;
	__u32 zero = 0, next;
	int fd = open_keyring(what), err = 0;

	if (fd < 0)
		return fd;
	if (bpf_map_lookup_elem(fd, &zero, &kr)) {
		err = -errno;
		goto out;
	}
	if (!m) {
		err = random_master(&fresh, what);
		if (err)
			goto out;
		m = &fresh;
	}
	if (kr.gen && same_key(&kr.master[kr.gen & 1], &m->key)) {
		pr_info("%s: that key is already the current one\n", what);
		goto out;
	}
	next = kr.gen + 1;
	kr.master[next & 1] = m->key;
	kr.prev_until = keys_clock_ns() + XSC_COOKIE_VALID_NS;
	if (bpf_map_update_elem(fd, &zero, &kr, BPF_ANY)) {
		err = -errno;
		goto out;
	}
	kr.gen = next;
	if (bpf_map_update_elem(fd, &zero, &kr, BPF_ANY))
		err = -errno;
out:
	if (err)
		pr_err("%s: updating the key map: %s\n", what, strerror(-err));
	explicit_bzero(&kr, sizeof(kr));
	explicit_bzero(&fresh, sizeof(fresh));
	close(fd);
	return err;
}

int keys_status(__u32 *gen, __u64 *prev_until)
{
	struct xsc_keyring kr;
	struct pin_paths pp;
	__u32 zero = 0;
	int fd, err = pin_paths(NULL, &pp);

	if (err)
		return err;
	fd = pin_open_map(&pp, XSC_MAP_KEYS, sizeof(kr));
	if (fd < 0)
		return fd;
	err = bpf_map_lookup_elem(fd, &zero, &kr) ? -errno : 0;
	close(fd);
	*gen = kr.gen;
	*prev_until = kr.prev_until;
	explicit_bzero(&kr, sizeof(kr));
	return err;
}
