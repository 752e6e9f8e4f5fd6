// SPDX-License-Identifier: GPL-2.0
/* The cookie masters in the keyring: first load, comparison, rotation (keyfile.c: key files). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
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
		err = key_random(&fresh, what);
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
		err = key_random(&fresh, what);
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
