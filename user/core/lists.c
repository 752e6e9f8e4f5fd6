// SPDX-License-Identifier: GPL-2.0
/* Allow and deny lists: the tries behind xsc_lists4/6, filled from a prefix set or edited live. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "lists.h"
#include "log.h"
#include "pin.h"
#include "policy.h"

const char *list_name(enum xsc_list_kind kind)
{
	return kind == XSC_LIST_ALLOW ? "allow" : "deny";
}

static int trie_new(int family)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_NO_PREALLOC);
	int fd = bpf_map_create(BPF_MAP_TYPE_LPM_TRIE, family == 4 ? "xsc_list4" : "xsc_list6",
				family == 4 ? sizeof(struct xsc_lpm4_key) : sizeof(struct xsc_lpm6_key),
				sizeof(__u8), XSC_LIST_MAX_ENTRIES, &opts);

	return fd < 0 ? -errno : fd;
}

/* A new trie holding the set's prefixes of one family; its fd or -errno. */
static int trie_filled(int family, const struct prefix_set *s, const char *what)
{
	size_t n = prefix_set_count(s, family);
	__u8 one = 1;
	int fd = trie_new(family);

	if (fd < 0) {
		pr_err("%s: creating an IPv%d prefix trie: %s\n", what, family, strerror(-fd));
		return fd;
	}
	for (size_t i = 0; i < n; i++) {
		if (bpf_map_update_elem(fd, prefix_set_key(s, family, i), &one, BPF_ANY)) {
			int err = -errno;

			pr_err("%s: loading IPv%d prefix %zu of %zu: %s\n", what, family, i + 1, n,
			       strerror(-err));
			close(fd);
			return err;
		}
	}
	return fd;
}

static __u8 list_bit(enum xsc_list_kind kind, int family)
{
	if (kind == XSC_LIST_ALLOW)
		return family == 4 ? XSC_LISTS_ALLOW4 : XSC_LISTS_ALLOW6;
	return family == 4 ? XSC_LISTS_DENY4 : XSC_LISTS_DENY6;
}

int lists_swap(int outer4_fd, int outer6_fd, enum xsc_list_kind kind, const struct prefix_set *s,
	       __u8 *policy_lists, const char *what)
{
	int fd4, fd6, err = 0;
	__u32 key = kind, old4_id = 0;

	/* Both families are filled before either goes in: a failure changes nothing. */
	fd4 = trie_filled(4, s, what);
	if (fd4 < 0)
		return fd4;
	fd6 = trie_filled(6, s, what);
	if (fd6 < 0) {
		close(fd4);
		return fd6;
	}
	if (bpf_map_lookup_elem(outer4_fd, &key, &old4_id))
		old4_id = 0;
	if (bpf_map_update_elem(outer4_fd, &key, &fd4, BPF_ANY)) {
		err = -errno;
	} else if (bpf_map_update_elem(outer6_fd, &key, &fd6, BPF_ANY)) {
		int old4 = old4_id ? bpf_map_get_fd_by_id(old4_id) : -1;

		/* Both families or neither: the IPv4 trie that was in force goes back. */
		err = -errno;
		if (old4 >= 0) {
			bpf_map_update_elem(outer4_fd, &key, &old4, BPF_ANY);
			close(old4);
		} else {
			bpf_map_delete_elem(outer4_fd, &key);
		}
	}
	if (err)
		pr_err("%s: putting the %s list in force: %s\n", what, list_name(kind), strerror(-err));
	close(fd4);
	close(fd6);
	for (int family = 4; !err && family <= 6; family += 2) {
		if (prefix_set_count(s, family))
			*policy_lists |= list_bit(kind, family);
		else
			*policy_lists &= ~list_bit(kind, family);
	}
	return err;
}

/* The pinned maps of an interface's lists and policy. */
struct list_maps {
	int outer[2];		/* [0]: IPv4, [1]: IPv6 */
	int policy;
};

static void list_maps_close(struct list_maps *m)
{
	for (int i = 0; i < 2; i++)
		if (m->outer[i] >= 0)
			close(m->outer[i]);
	if (m->policy >= 0)
		close(m->policy);
}

static int list_maps_open(const char *ifname, struct list_maps *m, const char *what)
{
	const char *names[] = { XSC_MAP_LISTS4, XSC_MAP_LISTS6, XSC_MAP_POLICY };
	int *fds[] = { &m->outer[0], &m->outer[1], &m->policy };
	struct pin_paths pp;
	int err = pin_paths(ifname, &pp);

	m->outer[0] = m->outer[1] = m->policy = -1;
	if (err) {
		pr_err("%s: no BPF filesystem at %s (set LIBXDP_BPFFS if it is elsewhere)\n", what,
		       pin_fs());
		return err;
	}
	for (int i = 0; i < 3; i++) {
		*fds[i] = pin_open_map(&pp, names[i], 0);
		if (*fds[i] < 0) {
			err = *fds[i];
			pr_err("%s: %s\n", what, err == -ENOENT ? "not attached" : strerror(-err));
			list_maps_close(m);
			return err;
		}
	}
	return 0;
}

/* Sets the policy's list bits, installing a new policy only if they changed. */
static int policy_set_lists(int policy_fd, __u8 (*update)(__u8 lists, void *arg), void *arg,
			    const char *what)
{
	struct xsc_policy *pol = malloc(sizeof(*pol));
	__u8 lists;
	int err;

	if (!pol)
		return -ENOMEM;
	err = policy_read(policy_fd, pol);
	if (!err) {
		lists = update(pol->lists, arg);
		if (lists != pol->lists) {
			pol->lists = lists;
			err = policy_install(policy_fd, pol);
		}
	}
	if (err)
		pr_err("%s: updating the policy's list marks: %s\n", what, strerror(-err));
	free(pol);
	return err;
}

struct swap_args {
	struct list_maps *m;
	enum xsc_list_kind kind;
	const struct prefix_set *s;
	const char *what;
	int err;
};

static __u8 swap_update(__u8 lists, void *arg)
{
	struct swap_args *a = arg;

	a->err = lists_swap(a->m->outer[0], a->m->outer[1], a->kind, a->s, &lists, a->what);
	return lists;
}

int lists_replace(const char *ifname, enum xsc_list_kind kind, const struct prefix_set *s,
		  const char *what)
{
	struct list_maps m;
	struct swap_args a = { .m = &m, .kind = kind, .s = s, .what = what };
	int err = list_maps_open(ifname, &m, what);

	if (err)
		return err;
	/* The tries go in before the policy marks them in use, and an emptied list is marked
	 * unused after: either way a packet sees a consistent pair. */
	err = policy_set_lists(m.policy, swap_update, &a, what);
	list_maps_close(&m);
	return a.err ?: err;
}

/* The trie in force for a list and family; an fd or -errno. */
static int trie_in_force(const struct list_maps *m, enum xsc_list_kind kind, int family)
{
	__u32 key = kind, id = 0;
	int fd;

	if (bpf_map_lookup_elem(m->outer[family == 4 ? 0 : 1], &key, &id))
		return -errno;
	fd = bpf_map_get_fd_by_id(id);
	return fd < 0 ? -errno : fd;
}

struct edit_args {
	int fd[2];
	enum xsc_list_kind kind;
};

static __u8 edit_update(__u8 lists, void *arg)
{
	struct edit_args *a = arg;
	__u8 key[sizeof(struct xsc_lpm6_key)];

	for (int i = 0; i < 2; i++) {
		int family = i ? 6 : 4;

		if (bpf_map_get_next_key(a->fd[i], NULL, key))
			lists &= ~list_bit(a->kind, family);
		else
			lists |= list_bit(a->kind, family);
	}
	return lists;
}

/* Undoes the first n changes of an edit that failed part-way. */
static void edit_undo(const int *fd, const struct prefix_set *s, const bool *changed, bool add, size_t n)
{
	__u8 one = 1;

	size_t n4 = prefix_set_count(s, 4);

	for (size_t i = 0; i < n; i++) {
		int family = i < n4 ? 4 : 6;
		const void *k = prefix_set_key(s, family, family == 4 ? i : i - n4);

		if (!changed[i])
			continue;
		if (add)
			bpf_map_delete_elem(fd[family == 4 ? 0 : 1], k);
		else
			bpf_map_update_elem(fd[family == 4 ? 0 : 1], k, &one, BPF_ANY);
	}
}

int lists_edit(const char *ifname, enum xsc_list_kind kind, bool add, const struct prefix_set *s,
	       const char *what)
{
	struct edit_args a = { .fd = { -1, -1 }, .kind = kind };
	size_t n4 = prefix_set_count(s, 4), total = n4 + prefix_set_count(s, 6), i;
	bool *changed = calloc(total + 1, sizeof(*changed));
	struct list_maps m;
	char text[PREFIX_TEXT_MAX];
	__u8 one = 1;
	int err = changed ? list_maps_open(ifname, &m, what) : -ENOMEM;

	if (err) {
		free(changed);
		return err;
	}
	for (int f = 0; f < 2 && !err; f++) {
		a.fd[f] = trie_in_force(&m, kind, f ? 6 : 4);
		if (a.fd[f] < 0) {
			err = a.fd[f];
			pr_err("%s: opening the %s list: %s\n", what, list_name(kind), strerror(-err));
		}
	}
	for (i = 0; i < total && !err; i++) {
		int family = i < n4 ? 4 : 6;
		const void *k = prefix_set_key(s, family, family == 4 ? i : i - n4);
		int fd = a.fd[family == 4 ? 0 : 1];

		if (add) {
			/* An exact prefix already there is fine, and not ours to undo. */
			err = bpf_map_update_elem(fd, k, &one, BPF_NOEXIST) ? -errno : 0;
			changed[i] = !err;
			if (err == -EEXIST)
				err = 0;
		} else {
			err = bpf_map_delete_elem(fd, k) ? -errno : 0;
			changed[i] = !err;
		}
		if (err) {
			prefix_format(family, k, text, sizeof(text));
			pr_err("%s: %s %s: %s; nothing changed\n", what, add ? "adding" : "removing",
			       text,
			       !add && err == -ENOENT ? "not on the list" :
			       err == -ENOSPC || err == -E2BIG ? "the list is full" : strerror(-err));
			edit_undo(a.fd, s, changed, add, i);
		}
	}
	if (!err)
		err = policy_set_lists(m.policy, edit_update, &a, what);
	for (int f = 0; f < 2; f++)
		if (a.fd[f] >= 0)
			close(a.fd[f]);
	list_maps_close(&m);
	free(changed);
	return err;
}

int lists_walk(const char *ifname, enum xsc_list_kind kind, int (*fn)(const char *prefix, void *arg),
	       void *arg, const char *what)
{
	struct xsc_lpm6_key key, next;
	char text[PREFIX_TEXT_MAX + 1];
	struct list_maps m;
	int err = list_maps_open(ifname, &m, what);

	for (int family = 4; !err && family <= 6; family += 2) {
		int fd = trie_in_force(&m, kind, family);
		void *prev = NULL;

		if (fd < 0) {
			err = fd;
			pr_err("%s: opening the %s list: %s\n", what, list_name(kind), strerror(-fd));
			break;
		}
		while (!err && !bpf_map_get_next_key(fd, prev, &next)) {
			prefix_format(family, &next, text, sizeof(text));
			err = fn(text, arg);
			key = next;
			prev = &key;
		}
		close(fd);
	}
	if (m.policy >= 0)
		list_maps_close(&m);
	return err;
}
