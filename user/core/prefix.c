// SPDX-License-Identifier: GPL-2.0
/* Prefixes for the allow and deny lists: parsing, list files and formatting; no BPF here. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "log.h"
#include "prefix.h"

struct prefix_set {
	struct xsc_lpm4_key *v4;
	struct xsc_lpm6_key *v6;
	size_t n4, n6, cap4, cap6;
};

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

const void *prefix_set_key(const struct prefix_set *s, int family, size_t i)
{
	return family == 4 ? (const void *)&s->v4[i] : (const void *)&s->v6[i];
}

void prefix_format(int family, const void *key, char *buf, size_t len)
{
	const struct xsc_lpm6_key *k = key;	/* prefixlen, then the address: both families */
	char addr[INET6_ADDRSTRLEN];

	inet_ntop(family == 4 ? AF_INET : AF_INET6, k->addr, addr, sizeof(addr));
	snprintf(buf, len, "%s/%u", addr, k->prefixlen);
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

int prefix_file_parse(FILE *f, const char *path, struct prefix_set **out, const char *what)
{
	struct prefix_set *s = prefix_set_new();
	char *line = NULL, *p, *end, err[160];
	size_t cap = 0;
	ssize_t len;
	int lineno = 0, ret = 0;

	if (!s) {
		ret = -ENOMEM;
		pr_err("%s: %s: %s\n", what, path, strerror(ENOMEM));
		goto out;
	}
	while ((len = getline(&line, &cap, f)) > 0) {
		lineno++;
		/* Or the rest of the line would go unread: "10.0.0.0/8\0junk" is no prefix. */
		if (memchr(line, '\0', len)) {
			ret = -EINVAL;
			pr_err("%s: %s:%d: a NUL byte: not a text file\n", what, path, lineno);
			goto out;
		}
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
	if (ret) {
		prefix_set_free(s);
		s = NULL;
	}
	*out = s;
	return ret;
}

int prefix_file_read(const char *path, struct prefix_set **out, const char *what)
{
	FILE *f = fopen(path, "re");
	int ret;

	if (!f) {
		ret = -errno;
		pr_err("%s: %s: %s\n", what, path, strerror(errno));
		*out = NULL;
		return ret;
	}
	ret = prefix_file_parse(f, path, out, what);
	fclose(f);
	return ret;
}
