/* SPDX-License-Identifier: GPL-2.0 */
/* How counters, policies, port states and events read: as text lines and as JSON. */
#ifndef XSC_EXPORT_H
#define XSC_EXPORT_H

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

json_object *json_counters(const __u64 *totals);
json_object *json_policy(const struct xsc_policy *pol);
json_object *json_port(const struct port_view *v, const struct xsc_policy *pol);
json_object *json_event(const char *ifname, const struct xsc_event *ev);

#endif /* XSC_EXPORT_H */
