/* SPDX-License-Identifier: GPL-2.0 */
/* The reflection budget: token buckets, as GCRA, capping the cookie SYN-ACKs we send. */
#ifndef XSC_BUDGET_H
#define XSC_BUDGET_H

#include "../lib/parse.h"
#include "../lib/settings.h"

/*
 * Every bucket is per CPU, so no cache line is written by two CPUs on the SYN path; each
 * CPU holds an even share of the rate (xsc_budget_spread: the CPUs the interface's
 * receive queues can land on). With RSS, one prefix's flows spread over the queues as
 * evenly as its ports hash, so the shares add up to the budget. Where the receiving CPU
 * is not tied to a queue (veth, generic mode) more CPUs than that may hold a share, and
 * the cap is that much looser (docs/design.md, "Reflection budget").
 *
 * Per destination prefix: XSC_BUDGET_BUCKETS buckets a CPU, indexed by a hash of the
 * prefix. Prefixes that share a bucket share its budget: stricter, never looser, and a
 * spoofer who can aim a colliding prefix at a victim's bucket could as well spoof the
 * victim's own prefix. A random-source flood spreads over all buckets, each far below the
 * budget.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XSC_BUDGET_BUCKETS);
	__type(key, __u32);
	__type(value, __u64);
} xsc_budget SEC(".maps");

/* The interface's budget, in the same per-CPU shares. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} xsc_budget_cpu SEC(".maps");

/* Set at load: how many CPUs share the budgets (at least 1). */
const volatile __u32 xsc_budget_spread = 1;

/*
 * GCRA: a SYN-ACK may go if the bucket's time has not run more than a burst (1/8 s of the
 * rate) ahead of now; each one moves it on by the interval. The coarse clock's 4 ms steps
 * are far below a burst. Only this CPU writes tat.
 */
#define BUDGET_BURST_NS (1000000000ULL >> XSC_BUDGET_BURST_SHIFT)

static __always_inline bool budget_bucket_take(__u64 *tat, __u64 now, __u64 interval)
{
	__u64 t = *tat > now ? *tat : now;

	if (t - now > BUDGET_BURST_NS)
		return false;
	*tat = t + interval * xsc_budget_spread;
	return true;
}

/* The bucket of the client's /24 or /48: a multiplicative hash of its prefix bits. */
static __always_inline __u32 budget_bucket(const struct pkt *p)
{
	__u64 prefix;

	if (p->family == 4)
		prefix = bpf_ntohl(p->saddr[0]) >> (32 - XSC_BUDGET_PREFIX4);
	else
		prefix = ((__u64)bpf_ntohl(p->saddr[0]) << 32 | bpf_ntohl(p->saddr[1])) >>
				 (64 - XSC_BUDGET_PREFIX6) |
			 1ULL << 63;	/* IPv6 apart from IPv4 */
	return (prefix * 0x9e3779b97f4a7c15ULL) >> (64 - XSC_BUDGET_BUCKET_BITS);
}

/* Whether a cookie SYN-ACK to this SYN's source fits the budgets; the reason if not. */
static __always_inline int budget_take(const struct pkt *p, const struct xsc_policy *pol, __u64 now)
{
	__u32 key;
	__u64 *tat;

	if (pol->budget_prefix_ns) {
		key = budget_bucket(p);
		tat = bpf_map_lookup_elem(&xsc_budget, &key);
		if (tat && !budget_bucket_take(tat, now, pol->budget_prefix_ns))
			return XSC_STAT_DROP_BUDGET_PREFIX;
	}
	if (pol->budget_global_ns) {
		key = 0;
		tat = bpf_map_lookup_elem(&xsc_budget_cpu, &key);
		if (tat && !budget_bucket_take(tat, now, pol->budget_global_ns))
			return XSC_STAT_DROP_BUDGET_GLOBAL;
	}
	return XSC_CONTINUE;
}

#endif /* XSC_BUDGET_H */
