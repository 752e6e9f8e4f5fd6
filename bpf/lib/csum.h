/* SPDX-License-Identifier: GPL-2.0 */
/* Internet checksums computed in software: sums of 32-bit words, folded at the end. */
#ifndef XSC_CSUM_H
#define XSC_CSUM_H

#include "parse.h"

/* Words are summed as they lie in memory; the folded result is stored the same way,
 * so no byte swapping is needed on either side (RFC 1071, byte-order independence). */
static __always_inline __u16 csum_fold(__u64 sum)
{
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

/* A field's part in an RFC 1624 update, HC' = ~(~HC + ~m + m'): its complement while old,
 * itself once new. Sized so that a 16-bit field is not widened with ones. */
#define CSUM_OLD16(x) ((__u64)(__u16) ~(x))
#define CSUM_OLD32(x) ((__u64)(__u32) ~(x))

/* Sum of the TCP pseudo-header: addresses, protocol and TCP length. */
static __always_inline __u64 csum_pseudo(__u8 family, const __be32 *saddr, const __be32 *daddr,
					 __u32 tcp_len)
{
	__u64 sum = bpf_htonl((IPPROTO_TCP << 16) | tcp_len);

	if (family == 4)
		return sum + saddr[0] + daddr[0];
#pragma unroll
	for (int i = 0; i < 4; i++)
		sum += (__u64)saddr[i] + daddr[i];
	return sum;
}

/* Sum of n 32-bit words the caller has already bounds-checked; with a constant n
 * (the common header sizes) it unrolls into n loads and adds. */
static __always_inline __u64 csum_words(const void *start, const int n)
{
	const __u32 *w = start;
	__u64 sum = 0;

#pragma unroll
	for (int i = 0; i < n; i++)
		sum += w[i];
	return sum;
}

/* Header-sized ranges of any length (IPv4 header with options, TCP header with
 * options): at most 15 words, a loop the verifier bounds by itself. len must be a
 * multiple of 4. Returns false if the range leaves the packet. */
#define CSUM_MAX_HDR_WORDS 15
static __always_inline bool csum_add_hdr(__u64 *sum, const void *start, __u32 len, const void *data_end)
{
	const __u32 *w = start;

	for (int i = 0; i < CSUM_MAX_HDR_WORDS; i++) {
		if (i * 4 >= len)
			break;
		if ((void *)(w + i + 1) > data_end)
			return false;
		*sum += w[i];
	}
	return true;
}

/*
 * Arbitrary ranges (a SYN carrying data): copied 64 bytes at a time to the stack and
 * summed by bpf_csum_diff, in a bpf_loop. The walk keeps a plain offset rather than a
 * packet pointer: a pointer that advances on every iteration gives the verifier a new
 * state each time and the program exceeded 1M instructions (Linux 6.18).
 */
#define CSUM_CHUNK 64
struct csum_walk {
	xsc_ctx_t *ctx;
	__u32 off;
	__u32 end;
	__u64 sum;
	bool failed;
};

static long csum_walk_step(__u32 index, struct csum_walk *w)
{
	__u8 buf[CSUM_CHUNK] = {};	/* zero padding makes odd tails sum correctly */
	__u32 last, n, padded;

	if (w->off >= w->end)
		return 1;
	/* n = min(bytes left, CSUM_CHUNK), at least 1 here. Linux 6.1 learns no bound from
	 * "n != 0" and bpf_xdp_load_bytes() refuses a size that may be 0, so n is built as
	 * 1 + a checked index of the last byte (hidden from clang, which would fold it). */
	last = w->end - w->off - 1;
	barrier_var(last);
	if (last >= CSUM_CHUNK)
		last = CSUM_CHUNK - 1;
	n = last + 1;
	if (ctx_load_bytes(w->ctx, w->off, buf, n)) {
		w->failed = true;
		return 1;
	}
	padded = (n + 3) & ~3U;
	if (padded > CSUM_CHUNK)	/* cannot happen; tells the verifier it fits buf */
		padded = CSUM_CHUNK;
	w->sum += (__u32)bpf_csum_diff(NULL, 0, (void *)buf, padded, 0);
	w->off += n;
	return 0;
}

/* Largest range the walk covers: a jumbo frame's TCP segment. */
#define CSUM_WALK_MAX_BYTES 9216
static __always_inline bool csum_add_range(xsc_ctx_t *ctx, __u64 *sum, __u32 off, __u32 len)
{
	struct csum_walk w = { .ctx = ctx, .off = off, .end = off + len };

	if (len > CSUM_WALK_MAX_BYTES)
		return false;
	bpf_loop(CSUM_WALK_MAX_BYTES / CSUM_CHUNK, csum_walk_step, &w, 0);
	if (w.failed || w.off != w.end)
		return false;
	*sum += w.sum;
	return true;
}

/*
 * Whether the TCP checksum field holds only the pseudo-header's sum: what a local sender
 * with checksum offload leaves for the device to finish (veth passes it on as it is). That
 * is no error to carry into a reply; such a SYN is verified, and dropped, as any other.
 */
static __always_inline bool csum_tcp_partial(xsc_ctx_t *ctx, const struct pkt *p)
{
	struct tcphdr *th = pkt_tcp(ctx, p);

	return th && th->check == (__u16)~csum_fold(csum_pseudo(p->family, p->saddr, p->daddr,
								 p->seg_len));
}

/* The usual SYN is header and options only, and Linux's is 40 bytes: summed unrolled. */
#define CSUM_UNROLLED_TCP_HLEN 40

/*
 * Verifies an inbound segment's IPv4 header checksum and TCP checksum: no SYN-ACK for a
 * SYN whose checksums fail, or we would be reflecting garbage. Global so the verifier
 * walks its variable-length loops once, not once per parser path.
 */
__noinline int csum_verify_segment(xsc_ctx_t *ctx, const struct pkt *p)
{
	void *data = ctx_data(ctx), *data_end = ctx_data_end(ctx);
	struct tcphdr *th;
	__u64 sum = 0;
	bool in_packet;

	if (!p)
		return XSC_STAT_DROP_INTERNAL;
	if (p->family == 4) {
		void *iph = data + (p->l2_len & L2_OFF_MASK);
		__u32 ihl_len = p->l4_off - p->l2_len;

		/* Unrolled for the usual 20-byte header, looped for IP options. */
		if (ihl_len == IPV4_HLEN && iph + IPV4_HLEN <= data_end)
			sum = csum_words(iph, IPV4_HLEN / 4);
		else if (!csum_add_hdr(&sum, iph, ihl_len, data_end))
			return XSC_STAT_DROP_BAD_IP_CSUM;
		if (csum_fold(sum))
			return XSC_STAT_DROP_BAD_IP_CSUM;
	}
	th = pkt_tcp(ctx, p);
	if (!th)
		return XSC_STAT_DROP_BAD_TCP_CSUM;
	sum = csum_pseudo(p->family, p->saddr, p->daddr, p->seg_len);
	if (p->seg_len == CSUM_UNROLLED_TCP_HLEN && (void *)th + CSUM_UNROLLED_TCP_HLEN <= data_end) {
		sum += csum_words(th, CSUM_UNROLLED_TCP_HLEN / 4);
		in_packet = true;
	} else if (p->seg_len == p->tcp_hlen) {
		in_packet = csum_add_hdr(&sum, th, p->tcp_hlen, data_end);
	} else {
		in_packet = csum_add_range(ctx, &sum, p->l4_off, p->seg_len);
	}
	if (!in_packet || csum_fold(sum))
		return XSC_STAT_DROP_BAD_TCP_CSUM;
	return XSC_CONTINUE;
}

#endif /* XSC_CSUM_H */
