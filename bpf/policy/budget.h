/* SPDX-License-Identifier: GPL-2.0 */
/* The reflection budget: token buckets, as GCRA, capping the cookie SYN-ACKs we send. */
#ifndef XSC_BUDGET_H
#define XSC_BUDGET_H

#include "../lib/parse.h"
#include "../lib/settings.h"

/*
 * Per destination prefix: the theoretical arrival time of the next SYN-ACK (GCRA), shared
 * by every CPU, since one flood's SYNs may all land on one CPU or on all of them. Only the
 * CPUs answering one prefix touch its line, with one atomic add per SYN-ACK.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, XSC_BUDGET_PREFIXES);
	__type(key, struct xsc_budget_key);
	__type(value, __u64);
} xsc_budget SEC(".maps");

/* The interface's budget, split over the CPUs: no line shared by every SYN-ACK. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} xsc_budget_cpu SEC(".maps");

/*
 * GCRA: a SYN-ACK may go if the bucket's time has not run more than a burst (1/8 s of the
 * rate) ahead of now; each one moves it on by the interval. The coarse clock's 4 ms steps
 * are far below a burst.
 */
#define BUDGET_BURST_NS (1000000000ULL >> XSC_BUDGET_BURST_SHIFT)

static __always_inline bool budget_cpu_take(__u64 now, __u64 interval)
{
	__u32 zero = 0;
	__u64 *tat = bpf_map_lookup_elem(&xsc_budget_cpu, &zero);
	__u64 t;

	if (!tat)
		return true;
	t = *tat > now ? *tat : now;
	if (t - now > BUDGET_BURST_NS)
		return false;
	*tat = t + interval;
	return true;
}

static __always_inline bool budget_prefix_take(const struct pkt *p, __u64 now, __u64 interval)
{
	struct xsc_budget_key key = { .family = p->family };
	__u64 *tat, t, first = now + interval;

	/* The /24 or /48 of the client: 3 or 6 bytes of its address, as on the wire. */
	if (p->family == 4)
		__builtin_memcpy(key.prefix, p->saddr, 3);
	else
		__builtin_memcpy(key.prefix, p->saddr, 6);
	tat = bpf_map_lookup_elem(&xsc_budget, &key);
	if (!tat) {
		bpf_map_update_elem(&xsc_budget, &key, &first, BPF_NOEXIST);
		return true;
	}
	t = *tat;
	if (t < now)	/* idle: catch up (losing a race here only moves it by an interval) */
		__sync_val_compare_and_swap(tat, t, now);
	t = __sync_fetch_and_add(tat, interval);
	if (t > now + BUDGET_BURST_NS) {
		__sync_fetch_and_sub(tat, interval);
		return false;
	}
	return true;
}

/* Whether a cookie SYN-ACK to this SYN's source fits the budgets; the reason if not. */
static __always_inline int budget_take(const struct pkt *p, const struct xsc_policy *pol, __u64 now)
{
	if (pol->budget_prefix_ns && !budget_prefix_take(p, now, pol->budget_prefix_ns))
		return XSC_STAT_DROP_BUDGET_PREFIX;
	if (pol->budget_global_ns &&
	    !budget_cpu_take(now, (__u64)pol->budget_global_ns * xsc_nr_cpus))
		return XSC_STAT_DROP_BUDGET_GLOBAL;
	return XSC_CONTINUE;
}

#endif /* XSC_BUDGET_H */
