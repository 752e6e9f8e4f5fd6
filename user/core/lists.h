/* SPDX-License-Identifier: GPL-2.0 */
/* Allow and deny lists: prefixes read from text and files, put in force whole or edited live. */
#ifndef XSC_CORE_LISTS_H
#define XSC_CORE_LISTS_H

#include <stdbool.h>
#include <stddef.h>
#include "xsc/abi.h"

/* IPv4 and IPv6 prefixes, as the tries key them. */
struct prefix_set;

struct prefix_set *prefix_set_new(void);
void prefix_set_free(struct prefix_set *s);
/* How many prefixes of a family (4 or 6) the set holds. */
size_t prefix_set_count(const struct prefix_set *s, int family);
/*
 * Adds "198.18.0.0/15", "2001:db8::/32" or a bare address (a /32 or /128). Host bits
 * beyond the prefix length are an error, as is a set full at XSC_LIST_MAX_ENTRIES.
 * 0, or -EINVAL/-E2BIG/-ENOMEM with a reason in err.
 */
int prefix_set_add(struct prefix_set *s, const char *text, char *err, size_t errlen);
/* Reads a file of one prefix per line ('#' starts a comment, blank lines are skipped).
 * All or nothing: the first bad line is reported as "what: PATH:LINE: reason". */
int prefix_file_read(const char *path, struct prefix_set **out, const char *what);

/* "allow" or "deny". */
const char *list_name(enum xsc_list_kind kind);

/*
 * Puts s in force as the interface's whole list: new tries, filled, swapped in (a packet
 * sees the old list or the new one, per family), then the policy marks which lists are in
 * use. The attach path passes its own map fds and policy (lists_swap); the others name the
 * interface (lists_replace). 0 or -errno after a message.
 */
int lists_swap(int outer4_fd, int outer6_fd, enum xsc_list_kind kind, const struct prefix_set *s,
	       __u8 *policy_lists, const char *what);
int lists_replace(const char *ifname, enum xsc_list_kind kind, const struct prefix_set *s,
		  const char *what);
/* Adds or removes prefixes in the list in force. All or nothing: removing a prefix that is
 * not on the list, or adding past the capacity, changes nothing. */
int lists_edit(const char *ifname, enum xsc_list_kind kind, bool add, const struct prefix_set *s,
	       const char *what);
/* Calls fn with each prefix on the list ("198.18.0.0/15"); stops at a non-zero return. */
int lists_walk(const char *ifname, enum xsc_list_kind kind, int (*fn)(const char *prefix, void *arg),
	       void *arg, const char *what);

#endif /* XSC_CORE_LISTS_H */
