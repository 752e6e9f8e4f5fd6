/* SPDX-License-Identifier: GPL-2.0 */
/* Gateway mode (attach --gateway): its kernel checks and its nftables table. */
#ifndef XSC_CORE_GATEWAY_H
#define XSC_CORE_GATEWAY_H

#include <stdbool.h>
#include <stddef.h>
#include "xsc/abi.h"

/* The table of the interface with this index: "xdp_syncookie_IFINDEX", family inet. */
void gateway_table_name(int ifindex, char *buf, size_t size);
/* Adds (or replaces, in one transaction) the interface's table: TCP that conntrack finds
 * invalid on ifname goes to SYNPROXY, or is dropped. 0, or -errno after a message. */
int gateway_rules_install(const char *what, const char *ifname, int ifindex,
			  const struct xsc_settings *s);
/* Removes the table; a table already gone is no error. */
int gateway_rules_remove(const char *what, int ifindex);
bool gateway_rules_present(int ifindex);
/* Before anything is set up: the raw cookie helpers, and forwarding on. */
int gateway_check_kernel(const char *what);
/* Once the table has loaded nf_conntrack: its kfuncs in BTF, nf_conntrack_tcp_loose 0. */
int gateway_check_conntrack(const char *what);

#endif /* XSC_CORE_GATEWAY_H */
