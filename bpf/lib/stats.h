/* SPDX-License-Identifier: GPL-2.0 */
/* The counters: one per-CPU slot per reason, and each reason's verdict from its table row. */
#ifndef XSC_STATS_H
#define XSC_STATS_H

#include "proto.h"

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XSC_STAT_SLOTS);
	__type(key, __u32);
	__type(value, __u64);
} xsc_stats SEC(".maps");

#define XSC_REASON(num, name, verdict, short, desc) [num] = XSC_VERDICT_##verdict,
static const __u8 reason_verdicts[XSC_STAT_SLOTS] = {
#include "xsc/reasons.def"
};
#undef XSC_REASON

/* Counts the reason on this CPU (no atomics on the per-packet path) and returns its
 * verdict. A reason outside the table would be a bug: it is counted and dropped as one. */
static __always_inline enum xsc_verdict stat_count(int reason)
{
	__u32 key = reason >= 0 && reason < XSC_STAT_SLOTS ? reason : XSC_STAT_DROP_INTERNAL;
	__u64 *cnt = bpf_map_lookup_elem(&xsc_stats, &key);

	if (cnt)
		*cnt += 1;
	return reason_verdicts[key & (XSC_STAT_SLOTS - 1)];
}

#endif /* XSC_STATS_H */
