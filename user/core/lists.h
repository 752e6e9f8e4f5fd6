/* SPDX-License-Identifier: GPL-2.0 */
/* TEMPORARY (branch service): the lead's declarations, until user/core/lists.h lands on main. */
#ifndef XSC_CORE_LISTS_H
#define XSC_CORE_LISTS_H

enum xsc_list_kind { XSC_LIST_ALLOW = 0, XSC_LIST_DENY = 1 };
struct prefix_set;
int prefix_file_read(const char *path, struct prefix_set **out, const char *what);
void prefix_set_free(struct prefix_set *s);
int lists_replace(const char *ifname, enum xsc_list_kind kind, const struct prefix_set *s,
		  const char *what);

#endif
