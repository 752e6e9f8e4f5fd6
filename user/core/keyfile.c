// SPDX-License-Identifier: GPL-2.0
/* Cookie masters outside the maps: made at random, read from and written to key files. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/timex.h>
#include <unistd.h>
#include "keys.h"
#include "log.h"

int key_random(struct xsc_master *m, const char *what)
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
	/* The digits, the white space allowed after them, and one byte more: a longer file is
	 * refused, not read in part. */
	char buf[XSC_KEY_HEX_DIGITS + XSC_KEY_TRAILING_SPACE + 1];
	__u8 bytes[16] = {};
	struct stat st;
	ssize_t len;
	int fd, err = 0, n = 0;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;	/* before the message, which may change errno */
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
	if (len < 0) {
		err = -errno;
		pr_err("%s: key file %s: %s\n", what, path, strerror(errno));
	}
	close(fd);
	if (err)
		return err;
	if (len == (ssize_t)sizeof(buf)) {
		len = 0;
		n = -1;		/* longer than a key and its white space: no key */
	}
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
	int fd, err = key_random(&m, what);

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
