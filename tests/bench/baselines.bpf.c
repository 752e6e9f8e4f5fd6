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

/* Baseline 2: the least work that answers a packet, swapping Ethernet, IPv4 and port
 * fields and sending it back. */
SEC("xdp")
int xdp_swap_tx(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *iph = (void *)(eth + 1);
	struct tcphdr *th = (void *)(iph + 1);
	__u8 mac[6];
	__be32 addr;
	__be16 port;

	if ((void *)(th + 1) > data_end)
		return XDP_DROP;
	__builtin_memcpy(mac, eth->h_dest, 6);
	__builtin_memcpy(eth->h_dest, eth->h_source, 6);
	__builtin_memcpy(eth->h_source, mac, 6);
	addr = iph->saddr;
	iph->saddr = iph->daddr;
	iph->daddr = addr;
	port = th->source;
	th->source = th->dest;
	th->dest = port;
	return XDP_TX;
}

/*
 * BPF_PROG_TEST_RUN with repeat runs every iteration on the same buffer, which the SYN
 * path rewrites into a SYN-ACK. This program puts the pristine frame back (length,
 * metadata and bytes) and tail-calls the program under test, so every iteration
 * measures the real first packet. Its own cost is measured by tail-calling xdp_drop.
 */
SEC("xdp")
int xdp_restore(struct xdp_md *ctx)
{
	__u32 len = pristine_len;
	int cur = ctx->data_end - ctx->data;
	int meta = ctx->data - ctx->data_meta;

	if (meta && bpf_xdp_adjust_meta(ctx, meta))
		return XDP_ABORTED;
	if (cur != (int)len && bpf_xdp_adjust_head(ctx, cur - (int)len))
		return XDP_ABORTED;
	if (len == 0 || len > BENCH_PKT_MAX || bpf_xdp_store_bytes(ctx, 0, pristine, len))
		return XDP_ABORTED;
	bpf_tail_call(ctx, &target, 0);
	return XDP_ABORTED;
}
