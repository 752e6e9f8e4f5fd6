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

/* Everything readers of live numbers want from one interface, read together: the
 * Prometheus exposition and stats --watch. */
struct stats_snapshot {
	__u64 read_ns;			/* CLOCK_MONOTONIC when the counters were read */
	__u64 totals[XSC_STAT_SLOTS];
	struct xsc_attach_info info;
	struct xsc_policy *pol;
	struct port_view *ports;	/* every port with activity, by port number */
	int n_ports;
};

/* Reads ifname's attachment whole into s; on error (-ENOENT: not attached, -EPROTO, or
 * -errno) s holds nothing to free. */
int snapshot_read(const char *ifname, struct stats_snapshot *s);
void snapshot_free(struct stats_snapshot *s);
/* The port's view in s, or NULL if it had no activity then. */
const struct port_view *snapshot_port(const struct stats_snapshot *s, __u16 port);

#endif /* XSC_STATS_H */
