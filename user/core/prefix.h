/* SPDX-License-Identifier: GPL-2.0 */
/* Prefixes for the allow and deny lists: parsed from text and list files, formatted back. */
#ifndef XSC_CORE_PREFIX_H
#define XSC_CORE_PREFIX_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include "xsc/abi.h"

/* The longest prefix text: an IPv6 address with a "/128". */
#define PREFIX_TEXT_MAX (INET6_ADDRSTRLEN + 4)

/* IPv4 and IPv6 prefixes, as the tries key them. */
struct prefix_set;

struct prefix_set *prefix_set_new(void);
void prefix_set_free(struct prefix_set *s);
/* How many prefixes of a family (4 or 6) the set holds. */
size_t prefix_set_count(const struct prefix_set *s, int family);
/* The i-th prefix of a family: a struct xsc_lpm4_key or xsc_lpm6_key. */
const void *prefix_set_key(const struct prefix_set *s, int family, size_t i);
/*
 * Adds "198.18.0.0/15", "2001:db8::/32" or a bare address (a /32 or /128). Host bits
 * beyond the prefix length are an error, as is a set full at XSC_LIST_MAX_ENTRIES.
 * 0, or -EINVAL/-E2BIG/-ENOMEM with a reason in err.
 */
int prefix_set_add(struct prefix_set *s, const char *text, char *err, size_t errlen);
/* Formats a key of a family (4 or 6) as prefix_set_add reads it: "198.18.0.0/15". */
void prefix_format(int family, const void *key, char *buf, size_t len);

/* Reads a file of one prefix per line ('#' starts a comment, blank lines are skipped).
 * All or nothing: the first bad line is reported as "what: PATH:LINE: reason". */
int prefix_file_read(const char *path, struct prefix_set **out, const char *what);
/* The same from a stream already open; path only names it in messages. */
int prefix_file_parse(FILE *f, const char *path, struct prefix_set **out, const char *what);

#endif /* XSC_CORE_PREFIX_H */
