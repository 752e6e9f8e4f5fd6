/* SPDX-License-Identifier: GPL-2.0 */
/* How counters, policies, port states and events read: as text lines, JSON and Prometheus. */
#ifndef XSC_EXPORT_H
#define XSC_EXPORT_H

#include <net/if.h>
#include <stdio.h>
#include <json-c/json.h>
#include "stats.h"

/* Unix time (seconds) of a CLOCK_MONOTONIC time in ns, as the BPF side stamps them. */
double mono_to_unix(__u64 mono_ns);
/* Seconds from a CLOCK_MONOTONIC time in ns until now. */
double mono_age(__u64 mono_ns);

const char *signal_name(__u8 signal);

void text_counters(FILE *f, const __u64 *totals, bool all);
void text_policy(FILE *f, const struct xsc_policy *pol);
void text_port(FILE *f, const struct port_view *v, const struct xsc_policy *pol);
void text_event(FILE *f, const char *ifname, const struct xsc_event *ev);
/* "2026-12-02 00:20:01.123", local time. */
void text_time(char *buf, size_t len, double unix_s);
/* Per second between two reads of one interface: all packets and by verdict, each reason
 * that moved (all: every reason), each port sending cookies (all: every active port); every
 * line starts with prefix. */
void text_rates(FILE *f, const char *prefix, const struct stats_snapshot *prev,
		const struct stats_snapshot *cur, bool all);

json_object *json_counters(const __u64 *totals);
json_object *json_policy(const struct xsc_policy *pol);
json_object *json_port(const struct port_view *v, const struct xsc_policy *pol);
json_object *json_event(const char *ifname, const struct xsc_event *ev);

/* The Prometheus text exposition (0.0.4) of n interfaces: every family once, with each
 * interface's series under it. Returns 0, or the -errno of the first interface that could
 * not be read; that one is logged (pr_err, "metrics IFACE: cause"), reported by
 * xdp_syncookie_interface_up 0 and otherwise left out, and the rest is still written. */
int prom_write(FILE *f, char names[][IF_NAMESIZE], int n);

#endif /* XSC_EXPORT_H */
