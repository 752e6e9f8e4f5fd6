// SPDX-License-Identifier: GPL-2.0
/* Micro-benchmark helpers: the two baselines and a restorer that gives every run a fresh packet. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

char LICENSE[] SEC("license") = "GPL";

#define BENCH_PKT_MAX 256

/* The packet every run starts from, written by the benchmark before each case. */
__u8 pristine[BENCH_PKT_MAX];
__u32 pristine_len;

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} target SEC(".maps");

/* Baseline 1: the cheapest possible verdict. */
SEC("xdp")
int xdp_drop(struct xdp_md *ctx)
{
	return XDP_DROP;
}

/* What both swapping baselines do besides the addresses: MACs and ports trade places. */
static __always_inline void swap_macs_ports(struct ethhdr *eth, struct tcphdr *th)
{
	__u8 mac[6];
	__be16 port;

	__builtin_memcpy(mac, eth->h_dest, 6);
	__builtin_memcpy(eth->h_dest, eth->h_source, 6);
	__builtin_memcpy(eth->h_source, mac, 6);
	port = th->source;
	th->source = th->dest;
	th->dest = port;
}

/* Baseline 2: the least work that answers a packet, swapping Ethernet, IPv4 and port
 * fields and sending it back. */
SEC("xdp")
int xdp_swap_tx(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *iph = (void *)(eth + 1);
	struct tcphdr *th = (void *)(iph + 1);
	__be32 addr;

	if ((void *)(th + 1) > data_end)
		return XDP_DROP;
	addr = iph->saddr;
	iph->saddr = iph->daddr;
	iph->daddr = addr;
	swap_macs_ports(eth, th);
	return XDP_TX;
}

/* The same for IPv6: the macro benchmark's baseline for an IPv6 flood. */
SEC("xdp")
int xdp_swap_tx6(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct ipv6hdr *ip6 = (void *)(eth + 1);
	struct tcphdr *th = (void *)(ip6 + 1);
	struct in6_addr addr;

	if ((void *)(th + 1) > data_end)
		return XDP_DROP;
	addr = ip6->saddr;
	ip6->saddr = ip6->daddr;
	ip6->daddr = addr;
	swap_macs_ports(eth, th);
	return XDP_TX;
}

/* Not a baseline but a floor: the kernel's socket lookup of an IPv4 frame's tuple, which
 * the SYN and ACK paths pay once each, then XDP_DROP. */
SEC("xdp")
int xdp_lookup(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *data_end = (void *)(long)ctx->data_end;
	struct iphdr *iph = data + sizeof(struct ethhdr);
	struct tcphdr *th = (void *)(iph + 1);
	struct bpf_sock_tuple t;
	struct bpf_sock *sk;

	if ((void *)(th + 1) > data_end)
		return XDP_PASS;
	t.ipv4.saddr = iph->saddr;
	t.ipv4.daddr = iph->daddr;
	t.ipv4.sport = th->source;
	t.ipv4.dport = th->dest;
	sk = bpf_skc_lookup_tcp(ctx, &t, sizeof(t.ipv4), BPF_F_CURRENT_NETNS, 0);
	if (!sk)
		return XDP_PASS;
	bpf_sk_release(sk);
	return XDP_DROP;
}

/*
 * BPF_PROG_TEST_RUN with repeat runs every iteration on the same buffer, which the SYN
 * path rewrites into a SYN-ACK. This program puts the pristine frame back (length,
 * metadata and bytes) and tail-calls the program under test, so every iteration
 * measures the real first packet. Its own cost is measured by tail-calling xdp_drop.
 */
/* Puts the pristine frame back: length, metadata and bytes. */
static __always_inline int restore(struct xdp_md *ctx)
{
	__u32 len = pristine_len;
	int cur = ctx->data_end - ctx->data;
	int meta = ctx->data - ctx->data_meta;

	if (meta && bpf_xdp_adjust_meta(ctx, meta))
		return -1;
	if (cur != (int)len && bpf_xdp_adjust_head(ctx, cur - (int)len))
		return -1;
	/* The size again as 1..BENCH_PKT_MAX: Linux 6.1's verifier learns no lower bound from
	 * len != 0 and refuses a size that may be 0. */
	if (len == 0 || len > BENCH_PKT_MAX ||
	    bpf_xdp_store_bytes(ctx, 0, pristine, ((len - 1) & (BENCH_PKT_MAX - 1)) + 1))
		return -1;
	return 0;
}

SEC("xdp")
int xdp_restore(struct xdp_md *ctx)
{
	if (restore(ctx))
		return XDP_ABORTED;
	bpf_tail_call(ctx, &target, 0);
	return XDP_ABORTED;
}

/*
 * The forger: the pristine frame, a final ACK for a real cookie, with the bits of its
 * cookie that forge_isn_mask and forge_tsecr_mask name replaced by random ones on every
 * run, then the program under test. What an attacker who read the layout off one SYN-ACK
 * of its own would send: the slot and option bits right, the hash bits guessed.
 */
__u32 forge_ack_off;		/* offset of the TCP ack_seq */
__u32 forge_tsecr_off;		/* offset of the TSecr, 0: none */
__u32 forge_isn_mask;		/* bits of ack_seq - 1 to randomise */
__u32 forge_tsecr_mask;

static __always_inline int forge_word(struct xdp_md *ctx, __u32 off, __u32 mask, __u32 bias)
{
	__be32 w;
	__u32 v;

	if (bpf_xdp_load_bytes(ctx, off, &w, sizeof(w)))
		return -1;
	v = bpf_ntohl(w) - bias;
	v = (v & ~mask) | (bpf_get_prandom_u32() & mask);
	w = bpf_htonl(v + bias);
	return bpf_xdp_store_bytes(ctx, off, &w, sizeof(w));
}

SEC("xdp")
int xdp_forge(struct xdp_md *ctx)
{
	if (restore(ctx))
		return XDP_ABORTED;
	if (forge_word(ctx, forge_ack_off, forge_isn_mask, 1) ||
	    (forge_tsecr_off && forge_word(ctx, forge_tsecr_off, forge_tsecr_mask, 0)))
		return XDP_ABORTED;
	bpf_tail_call(ctx, &target, 0);
	return XDP_ABORTED;
}
