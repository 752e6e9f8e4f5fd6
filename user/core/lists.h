/* SPDX-License-Identifier: GPL-2.0 */
/* Allow and deny lists: prefix sets (prefix.h) put in force whole or edited live. */
#ifndef XSC_CORE_LISTS_H
#define XSC_CORE_LISTS_H

#include <stdbool.h>
#include <stddef.h>
#include "prefix.h"
#include "xsc/abi.h"

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
