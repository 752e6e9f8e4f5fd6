// SPDX-License-Identifier: GPL-2.0
/* Allow and deny lists: prefix parsing, list files, and the tries behind xsc_lists4/6. */
#include <arpa/inet.h>
#include <ctype.h>
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

struct prefix_set {
	struct xsc_lpm4_key *v4;
	struct xsc_lpm6_key *v6;
	size_t n4, n6, cap4, cap6;
};

/* The longest prefix text: an IPv6 address with a "/128". */
#define PREFIX_TEXT_MAX (INET6_ADDRSTRLEN + 4)

struct prefix_set *prefix_set_new(void)
{
	return calloc(1, sizeof(struct prefix_set));
}

void prefix_set_free(struct prefix_set *s)
{
	if (!s)
		return;
	free(s->v4);
	free(s->v6);
	free(s);
}

size_t prefix_set_count(const struct prefix_set *s, int family)
{
	return !s ? 0 : family == 4 ? s->n4 : s->n6;
}

const char *list_name(enum xsc_list_kind kind)
{
	return kind == XSC_LIST_ALLOW ? "allow" : "deny";
}

/* Room for one more element in an array of size elements grown by doubling. */
static int grow(void **v, size_t *cap, size_t n, size_t size)
{
	size_t ncap = *cap ? *cap * 2 : 256;
	void *nv;

	if (n < *cap)
		return 0;
	if (n >= XSC_LIST_MAX_ENTRIES)
		return -E2BIG;
	nv = realloc(*v, ncap * size);
	if (!nv)
		return -ENOMEM;
	*v = nv;
	*cap = ncap;
	return 0;
}

/* Whether the bits of addr past len are all zero. */
static bool host_bits_clear(const __u8 *addr, int bytes, unsigned int len)
{
	for (unsigned int bit = len; bit < (unsigned int)bytes * 8; bit++)
		if (addr[bit / 8] & (0x80 >> (bit % 8)))
			return false;
	return true;
}

int prefix_set_add(struct prefix_set *s, const char *text, char *err, size_t errlen)
{
	char buf[PREFIX_TEXT_MAX + 1], *slash, *end;
	__u8 addr[16] = {};
	unsigned long len;
	int family, bytes, ret;

	if (strlen(text) > PREFIX_TEXT_MAX) {
		snprintf(err, errlen, "'%.*s...' is not a prefix", 20, text);
		return -EINVAL;
	}
	strcpy(buf, text);
	slash = strchr(buf, '/');
	if (slash)
		*slash = '\0';
	family = strchr(buf, ':') ? 6 : 4;
	bytes = family == 4 ? 4 : 16;
	if (inet_pton(family == 4 ? AF_INET : AF_INET6, buf, addr) != 1) {
		snprintf(err, errlen, "'%s' is not an IPv4 or IPv6 prefix (198.18.0.0/15, 2001:db8::/32)",
			 text);
		return -EINVAL;
	}
	len = bytes * 8;
	if (slash) {
		errno = 0;
		len = strtoul(slash + 1, &end, 10);
		if (!isdigit((unsigned char)slash[1]) || *end || errno || len > (unsigned long)bytes * 8) {
			snprintf(err, errlen, "'%s': the prefix length must be 0 to %d", text, bytes * 8);
			return -EINVAL;
		}
	}
	if (!host_bits_clear(addr, bytes, len)) {
		snprintf(err, errlen, "'%s' has bits set past its /%lu", text, len);
		return -EINVAL;
	}
	if (family == 4) {
		ret = grow((void **)&s->v4, &s->cap4, s->n4, sizeof(*s->v4));
		if (!ret) {
			s->v4[s->n4].prefixlen = len;
			memcpy(s->v4[s->n4++].addr, addr, 4);
		}
	} else {
		ret = grow((void **)&s->v6, &s->cap6, s->n6, sizeof(*s->v6));
		if (!ret) {
			s->v6[s->n6].prefixlen = len;
			memcpy(s->v6[s->n6++].addr, addr, 16);
		}
	}
	if (ret == -E2BIG)
		snprintf(err, errlen, "more than %d IPv%d prefixes", XSC_LIST_MAX_ENTRIES, family);
	else if (ret)
		snprintf(err, errlen, "%s", strerror(-ret));
	return ret;
}

int prefix_file_read(const char *path, struct prefix_set **out, const char *what)
{
	struct prefix_set *s = prefix_set_new();
	FILE *f = fopen(path, "re");
	char *line = NULL, *p, *end, err[160];
	size_t cap = 0;
	int lineno = 0, ret = 0;

	if (!s || !f) {
		ret = -errno;
		pr_err("%s: %s: %s\n", what, path, strerror(errno));
		goto out;
	}
	while (getline(&line, &cap, f) > 0) {
		lineno++;
		p = strchr(line, '#');
		if (p)
			*p = '\0';
		for (p = line; isspace((unsigned char)*p); p++)
			;
		for (end = p + strlen(p); end > p && isspace((unsigned char)end[-1]); end--)
			;
		*end = '\0';
		if (!*p)
			continue;
		if (strpbrk(p, " \t")) {
			snprintf(err, sizeof(err), "one prefix per line");
			ret = -EINVAL;
		} else {
			ret = prefix_set_add(s, p, err, sizeof(err));
		}
		if (ret) {
			pr_err("%s: %s:%d: %s\n", what, path, lineno, err);
			goto out;
		}
	}
	if (ferror(f)) {
		ret = -EIO;
		pr_err("%s: reading %s: %s\n", what, path, strerror(errno));
	}
out:
	free(line);
	if (f)
		fclose(f);
	if (ret) {
		prefix_set_free(s);
		s = NULL;
	}
	*out = s;
	return ret;
}

static int trie_new(int family)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_NO_PREALLOC);
	int fd = bpf_map_create(BPF_MAP_TYPE_LPM_TRIE, family == 4 ? "xsc_list4" : "xsc_list6",
				family == 4 ? sizeof(struct xsc_lpm4_key) : sizeof(struct xsc_lpm6_key),
				sizeof(__u8), XSC_LIST_MAX_ENTRIES, &opts);

	return fd < 0 ? -errno : fd;
}

static const void *set_key(const struct prefix_set *s, int family, size_t i)
{
	return family == 4 ? (const void *)&s->v4[i] : (const void *)&s->v6[i];
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
		if (bpf_map_update_elem(fd, set_key(s, family, i), &one, BPF_ANY)) {
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

	for (size_t i = 0; i < n; i++) {
		int family = i < s->n4 ? 4 : 6;
		size_t j = family == 4 ? i : i - s->n4;
		const void *k = set_key(s, family, j);

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
	size_t total = s->n4 + s->n6, i;
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
		int family = i < s->n4 ? 4 : 6;
		const void *k = set_key(s, family, family == 4 ? i : i - s->n4);
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
			const struct xsc_lpm6_key *k6 = k;

			inet_ntop(family == 4 ? AF_INET : AF_INET6, k6->addr, text, sizeof(text));
			pr_err("%s: %s %s/%u: %s; nothing changed\n", what, add ? "adding" : "removing",
			       text, k6->prefixlen,
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
	char addr[INET6_ADDRSTRLEN], text[PREFIX_TEXT_MAX + 1];
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
			inet_ntop(family == 4 ? AF_INET : AF_INET6, next.addr, addr, sizeof(addr));
			snprintf(text, sizeof(text), "%s/%u", addr, next.prefixlen);
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
