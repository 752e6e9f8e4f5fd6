// SPDX-License-Identifier: GPL-2.0
/* Flood generator: run with BPF_F_TEST_XDP_LIVE_FRAMES, rewrites a template segment per frame. */
#define XSC_HOOK_XDP
#include "csum.h"

char LICENSE[] SEC("license") = "GPL";

/* Spoofed sources: the template's source address with the bits of src_mask replaced by
 * random ones (network byte order, so it works on the address as it lies in the frame).
 * IPv4 uses src_mask[0]; IPv6 src_mask[2] and [3], the interface identifier. The loader
 * refuses any prefix outside the benchmarking ranges 198.18.0.0/15 and 2001:2::/48. */
const volatile __be32 src_mask[4] = { bpf_htonl(0xffff) };
/* A forged ACK gets a random acknowledgement number too; a SYN keeps its zero. */
const volatile bool rand_ack;

#define EPHEMERAL_BASE 1024

/* Pacing: with interval_ns set, a frame is sent only when the next send time has come
 * and dropped (back to the page pool, nearly free) otherwise, so the kernel can build
 * frames flat out while the link sees an even rate instead of bursts. */
const volatile __u64 interval_ns;
#define MAX_LAG_NS 100000	/* 100 us of jitter is made up; a longer stall is not */
const volatile __u64 max_sent = ~0ULL;	/* the packet bound: nothing beyond it leaves */
__u64 next_tx_ns;
__u64 sent;		/* frames returned as XDP_TX */

/* The template segment (checksums valid), written back in full before every frame is
 * randomized: live-frame pages are recycled, and a defender that answered with XDP_TX
 * has rewritten them. */
#define TEMPLATE_MAX 128
__u8 template[TEMPLATE_MAX];
__u32 template_len;

/* RFC 1624 (eqn. 3): a field's change moves a checksum by ~old + new, so each frame
 * updates the template's checksums by the fields it replaced, whatever the segment's
 * length or options, instead of summing the headers again. */
static __always_inline __u64 replace32(__be32 *field, __be32 new)
{
	__u64 delta = (__u64)(__u32)~*field + new;

	*field = new;
	return delta;
}

static __always_inline __u64 replace16(__be16 *field, __be16 new)
{
	__u64 delta = (__u64)(__u16)~*field + new;

	*field = new;
	return delta;
}

static __always_inline void csum_update(__sum16 *check, __u64 delta)
{
	*check = csum_fold((__u16)~*check + delta);
}

static __always_inline __be32 random_bits(__be32 value, __be32 mask)
{
	return (value & ~mask) | (bpf_get_prandom_u32() & mask);
}

/* Source port, ISN and, for a forged ACK, the acknowledgement number. */
static __always_inline __u64 randomize_tcp(struct tcphdr *th)
{
	__u32 r = bpf_get_prandom_u32();
	__u64 delta;

	delta = replace16(&th->source, bpf_htons(EPHEMERAL_BASE + (r & 0x7fff) + (r >> 17 & 0x3fff)));
	delta += replace32(&th->seq, bpf_get_prandom_u32());
	if (rand_ack)
		delta += replace32(&th->ack_seq, bpf_get_prandom_u32());
	return delta;
}

SEC("xdp")
int xdp_flood(struct xdp_md *ctx)
{
	__u32 len = template_len;
	void *data, *data_end;
	struct ethhdr *eth;
	struct tcphdr *th;
	__u64 delta;

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
		if ((void *)(th + 1) > data_end)
			return XDP_ABORTED;
		delta = replace32(&iph->saddr, random_bits(iph->saddr, src_mask[0]));
		csum_update(&iph->check, delta);
	} else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = (void *)(eth + 1);
		__be32 *src = ip6->saddr.in6_u.u6_addr32;

		th = (void *)(ip6 + 1);
		if ((void *)(th + 1) > data_end)
			return XDP_ABORTED;
		delta = replace32(&src[2], random_bits(src[2], src_mask[2]));
		delta += replace32(&src[3], random_bits(src[3], src_mask[3]));
	} else {
		return XDP_ABORTED;
	}
	/* The source address is in the TCP pseudo-header too. */
	csum_update(&th->check, delta + randomize_tcp(th));
	sent++;
	return XDP_TX;
}
