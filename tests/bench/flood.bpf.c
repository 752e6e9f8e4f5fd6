// SPDX-License-Identifier: GPL-2.0
/* SYN-flood generator: run with BPF_F_TEST_XDP_LIVE_FRAMES, rewrites a template SYN per frame. */
#define XSC_HOOK_XDP
#include "tcpopt.h"
#include "csum.h"

char LICENSE[] SEC("license") = "GPL";

/* Spoofed sources: IPv4 net | (random & mask); IPv6 keeps the template's /64 prefix and
 * randomizes the interface identifier. Set by the loader, which refuses anything outside
 * the benchmarking ranges 198.18.0.0/15 and 2001:2::/48. */
const volatile __u32 src4_net = 0xc6130000;	/* 198.19.0.0 */
const volatile __u32 src4_mask = 0xffff;	/* /16 */

#define EPHEMERAL_BASE 1024

/* Pacing: with interval_ns set, a frame is sent only when the next send time has come
 * and dropped (back to the page pool, nearly free) otherwise, so the kernel can build
 * frames flat out while the link sees an even rate instead of bursts. */
const volatile __u64 interval_ns;
#define MAX_LAG_NS 100000	/* 100 us of jitter is made up; a longer stall is not */
const volatile __u64 max_sent = ~0ULL;	/* the packet bound: nothing beyond it leaves */
__u64 next_tx_ns;
__u64 sent;		/* frames returned as XDP_TX */

/* The template SYN, written back in full before every frame is randomized: live-frame
 * pages are recycled, and a defender that answered with XDP_TX has rewritten them. */
#define TEMPLATE_MAX 128
__u8 template[TEMPLATE_MAX];
__u32 template_len;

static __always_inline void randomize_tcp(struct tcphdr *th)
{
	__u32 r = bpf_get_prandom_u32();

	th->source = bpf_htons(EPHEMERAL_BASE + (r & 0x7fff) + (r >> 17 & 0x3fff));
	th->seq = bpf_get_prandom_u32();
	th->check = 0;
}

SEC("xdp")
int xdp_flood(struct xdp_md *ctx)
{
	__u32 len = template_len;
	void *data, *data_end;
	struct ethhdr *eth;
	struct tcphdr *th;
	__u64 sum;

	if (sent >= max_sent)
		return XDP_DROP;
	if (interval_ns) {
		__u64 now = bpf_ktime_get_ns();

		if (now < next_tx_ns)
			return XDP_DROP;
		/* After a stall (between two BPF_PROG_TEST_RUN calls) start again from now:
		 * catching up would send a burst that overflows the receiver's ring. */
		next_tx_ns = (now - next_tx_ns > MAX_LAG_NS ? now : next_tx_ns) + interval_ns;
	}
	if (len == 0 || len > TEMPLATE_MAX || bpf_xdp_store_bytes(ctx, 0, template, len))
		return XDP_ABORTED;
	data = ctx_data(ctx);
	data_end = ctx_data_end(ctx);
	eth = data;
	if ((void *)(eth + 1) > data_end)
		return XDP_ABORTED;
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *iph = (void *)(eth + 1);

		th = (void *)(iph + 1);
		if ((void *)th + LINUX_SYN_HLEN > data_end)
			return XDP_ABORTED;
		iph->saddr = bpf_htonl(src4_net | (bpf_get_prandom_u32() & src4_mask));
		iph->check = 0;
		iph->check = csum_fold(csum_words(iph, IPV4_HLEN / 4));
		randomize_tcp(th);
		sum = csum_pseudo(4, &iph->saddr, &iph->daddr, LINUX_SYN_HLEN);
	} else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = (void *)(eth + 1);

		th = (void *)(ip6 + 1);
		if ((void *)th + LINUX_SYN_HLEN > data_end)
			return XDP_ABORTED;
		ip6->saddr.in6_u.u6_addr32[2] = bpf_get_prandom_u32();
		ip6->saddr.in6_u.u6_addr32[3] = bpf_get_prandom_u32();
		randomize_tcp(th);
		sum = csum_pseudo(6, ip6->saddr.in6_u.u6_addr32, ip6->daddr.in6_u.u6_addr32,
				  LINUX_SYN_HLEN);
	} else {
		return XDP_ABORTED;
	}
	th->check = csum_fold(sum + csum_words(th, LINUX_SYN_HLEN / 4));
	sent++;
	return XDP_TX;
}
