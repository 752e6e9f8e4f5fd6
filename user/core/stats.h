/* SPDX-License-Identifier: GPL-2.0 */
/* Reading what the programs count: per-CPU counters summed, and each port's engage state. */
#ifndef XSC_STATS_H
#define XSC_STATS_H

#include <linux/types.h>
#include "pin.h"

/* Sums every counter slot of the stats map fd over CPUs into totals[XSC_STAT_SLOTS];
 * 0, -EPROTO if the map is not of this layout, or -errno. */
int stats_sum(int fd, __u64 *totals);
/* The same for an attachment's pinned counters. */
int stats_read(const struct pin_paths *pp, __u64 *totals);

/* One port's engage state with its CPUs' unpublished tallies folded in. */
struct port_view {
	__u16 port;
	struct xsc_port_state st;
	__u64 cookies_engaged;	/* cookie SYN-ACKs since it engaged (0 when not engaged) */
	__u64 cookies_total;	/* cookie SYN-ACKs since attach */
	__u32 syn_rate_now;	/* SYN/s over the last complete rate window, as of the read */
};

/* Calls fn for every port with any activity (SYNs judged, cookies, engages). Returns 0 or
 * -errno (-EPROTO: pins of another layout). */
int ports_read(const struct pin_paths *pp, int (*fn)(const struct port_view *v, void *arg),
	       void *arg);

#endif /* XSC_STATS_H */
