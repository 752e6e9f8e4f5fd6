// SPDX-License-Identifier: GPL-2.0
/* Benchmark sink on the attacker's link: counts what comes back (SYN-ACKs, RSTs), drops all. */
#define XSC_HOOK_XDP
#include "parse.h"

char LICENSE[] SEC("license") = "GPL";

enum sink_counter {
	SINK_FRAMES,		/* everything that arrived */
	SINK_SYNACKS,		/* TCP segments with exactly SYN and ACK (ECE allowed) */
	SINK_RSTS,		/* TCP segments with RST: the kernel's answer to a forged ACK */
	SINK_MAX,
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SINK_MAX);
	__type(key, __u32);
	__type(value, __u64);
} sink_counts SEC(".maps");

static __always_inline void bump(__u32 which)
{
	__u64 *v = bpf_map_lookup_elem(&sink_counts, &which);

	if (v)
		*v += 1;
}

/* The defender must have a static neighbour entry for us: ARP dies here too. */
SEC("xdp")
int xdp_sink(struct xdp_md *ctx)
{
	void *data = ctx_data(ctx), *data_end = ctx_data_end(ctx);
	struct ethhdr *eth = data;
	__u8 *flags = NULL;

	bump(SINK_FRAMES);
	if ((void *)(eth + 1) > data_end)
		return XDP_DROP;
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *iph = (void *)(eth + 1);

		if ((void *)(iph + 1) <= data_end && iph->protocol == IPPROTO_TCP &&
		    iph->ihl == 5)
			flags = (__u8 *)(iph + 1) + TCP_FLAGS_OFFSET;
	} else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = (void *)(eth + 1);

		if ((void *)(ip6 + 1) <= data_end && ip6->nexthdr == IPPROTO_TCP)
			flags = (__u8 *)(ip6 + 1) + TCP_FLAGS_OFFSET;
	}
	if (!flags || (void *)(flags + 1) > data_end)
		return XDP_DROP;
	if ((*flags & ~TH_ECE) == (TH_SYN | TH_ACK))
		bump(SINK_SYNACKS);
	else if (*flags & TH_RST)
		bump(SINK_RSTS);
	return XDP_DROP;
}
