/* SPDX-License-Identifier: GPL-2.0 */
/* Turns a parsed SYN into its cookie SYN-ACK in place, ready for XDP_TX. */
#ifndef XSC_SYNACK_H
#define XSC_SYNACK_H

#include "parse.h"
#include "tcpopt.h"
#include "cookie.h"
#include "csum.h"
#include "settings.h"

/* Ethernet header and up to two tags, kept whole and written back with MACs swapped.
 * Moved in 16-bit words: a byte-wise memcpy of it cost 66 loads and stores. */
#define L2_SAVE_LEN (ETH_HLEN + XSC_MAX_VLANS * VLAN_HLEN)
#define L2_SAVE_WORDS (L2_SAVE_LEN / 2)
#define MAC_WORDS (ETH_ALEN / 2)
#define SYNACK_MAX_OPT_WORDS 5	/* MSS, SACK_PERM+TS (3 words), NOP+WINDOW */

/* ::, ::1 (unspecified and loopback) and ::ffff:0:0/96, IPv4-mapped, which RFC 4291
 * (2.5.5.2) keeps off the wire: Linux's TCP refuses a SYN from one, and a SYN-ACK to
 * ::ffff:127.0.0.1 would answer from loopback. */
static __always_inline bool ip6_unspec_or_loopback(const __be32 *a)
{
	if (a[0] || a[1])
		return false;
	return a[2] == bpf_htonl(0xffff) || (!a[2] && (!a[3] || a[3] == bpf_htonl(1)));
}

static __always_inline bool ip4_martian(__u32 a)
{
	return (a >> 24) == 0 || (a >> 24) == 127 || a >= 0xe0000000;	/* 0/8, 127/8, 224/3 */
}

/* A SYN-ACK to or from these would be reflected at a group, at nobody, or at a martian. */
static __always_inline bool synack_dest_bad(const struct pkt *p)
{
	if (p->family == 4)
		return ip4_martian(bpf_ntohl(p->saddr[0])) || ip4_martian(bpf_ntohl(p->daddr[0]));
	/* ff00::/8 multicast */
	return (p->saddr[0] & bpf_htonl(0xff000000)) == bpf_htonl(0xff000000) ||
	       (p->daddr[0] & bpf_htonl(0xff000000)) == bpf_htonl(0xff000000) ||
	       ip6_unspec_or_loopback(p->saddr) || ip6_unspec_or_loopback(p->daddr);
}

/* The MSS and window-scale option words, as both SYN-ACK writers lay them out. */
#define SYNACK_OPT_MSS(mss) bpf_htonl(TCPOPT_MSS << 24 | TCPOLEN_MSS << 16 | (mss))
#define SYNACK_OPT_WSCALE(ws) \
	bpf_htonl(TCPOPT_NOP << 24 | TCPOPT_WINDOW << 16 | TCPOLEN_WINDOW << 8 | (ws))

/* The options we answer with, in Linux's own SYN-ACK layout, as 32-bit words in
 * network byte order. Only what the client offered and we are configured to give. */
static __always_inline __u32 synack_options(__u32 *opt, __u16 our_mss, const struct tcp_opts *o,
					    const struct cookie_data *d, bool ts, __u32 tsval,
					    __u8 our_wscale)
{
	__u32 n = 0;

	opt[n++] = SYNACK_OPT_MSS(our_mss);
	if (ts) {
		opt[n++] = d->sack_ok ? bpf_htonl(TCPOPT_SACK_PERM << 24 | TCPOLEN_SACK_PERM << 16 |
						  TCPOPT_TIMESTAMP << 8 | TCPOLEN_TIMESTAMP) :
					bpf_htonl(TCPOPT_NOP << 24 | TCPOPT_NOP << 16 |
						  TCPOPT_TIMESTAMP << 8 | TCPOLEN_TIMESTAMP);
		opt[n++] = bpf_htonl(tsval);
		opt[n++] = bpf_htonl(o->tsval);	/* TSecr echoes the client's TSval */
	} else if (d->sack_ok) {
		opt[n++] = bpf_htonl(TCPOPT_NOP << 24 | TCPOPT_NOP << 16 | TCPOPT_SACK_PERM << 8 |
				     TCPOLEN_SACK_PERM);
	}
	if (d->wscale != XSC_COOKIE_WSCALE_NONE)
		opt[n++] = SYNACK_OPT_WSCALE(our_wscale);
	return n;
}

/* Scalars only: handed to a global function. */
struct synack_args {
	struct tcp_opts opts;	/* the client's */
	struct cookie_data data;
	__u32 cookie;
	__u32 tsval;		/* ours, when answering timestamps */
	__u16 ts;		/* answer timestamps */
	__u16 in_place;		/* synack_rewrite() can make the reply */
};

/*
 * Rewrites the frame into the SYN-ACK. The frame is resized first (grown at the head,
 * since veth has no tailroom, or trimmed at the tail), then every byte of the reply is
 * written from what was saved, so IP options, extension headers, Ethernet padding and
 * SYN payload all disappear. Returns XSC_CONTINUE or the drop reason.
 */
__noinline int synack_write(xsc_ctx_t *ctx, const struct pkt *p, const struct synack_args *a)
{
	const volatile struct xsc_settings *cfg = &xsc_cfg;
	__u16 l2[L2_SAVE_WORDS];
	__u32 opt[SYNACK_MAX_OPT_WORDS] = {};
	__u32 n_opt, tcp_len, ip_len, out_len, l2_len;
	void *data = ctx_data(ctx), *data_end = ctx_data_end(ctx);
	struct tcphdr *th;
	__u64 sum;
	int delta;

	if (!p || !a)
		return XSC_STAT_DROP_INTERNAL;
	l2_len = p->l2_len & L2_OFF_MASK;
	if (data + L2_SAVE_LEN > data_end)
		return XSC_STAT_DROP_ETH_TRUNC;
#pragma unroll
	for (int i = 0; i < L2_SAVE_WORDS; i++) {
		/* the two MAC addresses trade places, tags and ethertype stay */
		int from = i < MAC_WORDS ? i + MAC_WORDS : i < 2 * MAC_WORDS ? i - MAC_WORDS : i;

		l2[i] = ((__u16 *)data)[from];
	}

	n_opt = synack_options(opt, p->family == 4 ? cfg->mss4 : cfg->mss6, &a->opts, &a->data,
			       a->ts, a->tsval, cfg->wscale);
	tcp_len = TCP_HLEN + n_opt * 4;
	ip_len = p->family == 4 ? IPV4_HLEN : IPV6_HLEN;
	out_len = l2_len + ip_len + tcp_len;

	delta = (int)out_len - (int)p->frame_len;
	if (delta > 0 && bpf_xdp_adjust_head(ctx, -delta))
		return XSC_STAT_DROP_SYNACK_RESIZE;
	if (delta < 0 && bpf_xdp_adjust_tail(ctx, delta))
		return XSC_STAT_DROP_SYNACK_RESIZE;
	data = ctx_data(ctx);
	data_end = ctx_data_end(ctx);

	if (data + L2_SAVE_LEN > data_end)
		return XSC_STAT_DROP_SYNACK_RESIZE;
#pragma unroll
	for (int i = 0; i < L2_SAVE_WORDS; i++)	/* bytes past l2_len are overwritten below */
		((__u16 *)data)[i] = l2[i];

	if (p->family == 4) {
		struct iphdr *iph = data + l2_len;

		if ((void *)(iph + 1) > data_end)
			return XSC_STAT_DROP_SYNACK_RESIZE;
		*(__u16 *)iph = bpf_htons(0x4500);	/* version 4, IHL 5, TOS 0 */
		iph->tot_len = bpf_htons(IPV4_HLEN + tcp_len);
		iph->id = 0;				/* RFC 6864: atomic datagram */
		iph->frag_off = bpf_htons(IP_DF);
		iph->ttl = cfg->ttl;
		iph->protocol = IPPROTO_TCP;
		iph->check = 0;
		iph->saddr = p->daddr[0];
		iph->daddr = p->saddr[0];
		iph->check = csum_fold(csum_words(iph, IPV4_HLEN / 4));
		th = (void *)(iph + 1);
	} else {
		struct ipv6hdr *ip6 = data + l2_len;

		if ((void *)(ip6 + 1) > data_end)
			return XSC_STAT_DROP_SYNACK_RESIZE;
		*(__be32 *)ip6 = bpf_htonl(0x60000000);	/* version 6, no traffic class or flow label */
		ip6->payload_len = bpf_htons(tcp_len);
		ip6->nexthdr = IPPROTO_TCP;
		ip6->hop_limit = cfg->ttl;
		__builtin_memcpy(&ip6->saddr, p->daddr, sizeof(ip6->saddr));
		__builtin_memcpy(&ip6->daddr, p->saddr, sizeof(ip6->daddr));
		th = (void *)(ip6 + 1);
	}

	if ((void *)(th + 1) > data_end)
		return XSC_STAT_DROP_SYNACK_RESIZE;
	th->source = p->dport;
	th->dest = p->sport;
	th->seq = bpf_htonl(a->cookie);
	th->ack_seq = bpf_htonl(p->seq + 1);	/* SYN data is not acknowledged */
	((__u8 *)th)[12] = (tcp_len / 4) << 4;		/* data offset */
	((__u8 *)th)[TCP_FLAGS_OFFSET] = TH_SYN | TH_ACK | (a->data.ecn_ok ? TH_ECE : 0);
	th->window = bpf_htons(cfg->window);
	th->check = 0;
	th->urg_ptr = 0;

	sum = csum_pseudo(p->family, p->daddr, p->saddr, tcp_len) + csum_words(th, TCP_HLEN / 4);
#pragma unroll
	for (int i = 0; i < SYNACK_MAX_OPT_WORDS; i++) {
		__u32 *w = (__u32 *)(th + 1) + i;

		if (i >= n_opt)
			break;
		if ((void *)(w + 1) > data_end)
			return XSC_STAT_DROP_SYNACK_RESIZE;
		*w = opt[i];
		sum += opt[i];
	}
	th->check = csum_fold(sum);
	return XSC_CONTINUE;
}

/*
 * Whether the reply can be made from the SYN in place: a SYN in Linux's own option layout,
 * with nothing around it (no IP options or extension headers, no payload, no Ethernet
 * padding), answered with timestamps and SACK, so the SYN-ACK has the same layout and size.
 * That is every SYN of a Linux client (and Android's); Windows, macOS and iOS use other
 * layouts and take the rebuild.
 */
static __always_inline bool synack_in_place_ok(const struct pkt *p, const struct synack_args *a)
{
	__u32 ip_len = p->family == 4 ? IPV4_HLEN : IPV6_HLEN;

	return a->opts.linux_syn && a->ts && a->data.sack_ok &&
	       a->data.wscale != XSC_COOKIE_WSCALE_NONE && p->l4_off - p->l2_len == ip_len &&
	       p->seg_len == p->tcp_hlen && p->frame_len == p->l4_off + p->tcp_hlen;
}

/*
 * The SYN-ACK for a SYN that synack_in_place_ok() accepts, written over it: addresses,
 * ports and MACs trade places and the fields that differ are rewritten. The checksums are
 * not verified and recomputed but carried over by RFC 1624's update, HC' = ~(~HC + ~m + m')
 * for each word m that changes to m' (swapped addresses and ports leave the sums as they
 * are). The update preserves an error: a SYN that arrived corrupted gets a SYN-ACK whose
 * checksum fails at its receiver, which drops it, as it would drop a corrupted packet from
 * anyone. docs/design.md ("Checksums") weighs this against verifying every SYN.
 */
__noinline int synack_rewrite(xsc_ctx_t *ctx, const struct pkt *p, const struct synack_args *a)
{
	void *data = ctx_data(ctx), *data_end = ctx_data_end(ctx);
	const volatile struct xsc_settings *cfg = &xsc_cfg;
	__u32 l2_len, *t, ttl_proto;
	struct tcphdr *th;
	__u16 mac[MAC_WORDS];
	__u64 sum;

	if (!p || !a)
		return XSC_STAT_DROP_INTERNAL;
	l2_len = p->l2_len & L2_OFF_MASK;
	if (data + ETH_HLEN > data_end)
		return XSC_STAT_DROP_ETH_TRUNC;
#pragma unroll
	for (int i = 0; i < MAC_WORDS; i++) {
		mac[i] = ((__u16 *)data)[i];
		((__u16 *)data)[i] = ((__u16 *)data)[i + MAC_WORDS];
		((__u16 *)data)[i + MAC_WORDS] = mac[i];
	}

	if (p->family == 4) {
		struct iphdr *iph = data + l2_len;
		__u32 *w = (__u32 *)iph;

		if ((void *)(iph + 1) > data_end)
			return XSC_STAT_DROP_SYNACK_RESIZE;
		/* version, IHL, TOS and length; ID and fragment field; TTL and protocol */
		ttl_proto = bpf_htons(cfg->ttl << 8 | IPPROTO_TCP);
		sum = CSUM_OLD16(iph->check) + CSUM_OLD32(w[0]) + CSUM_OLD32(w[1]) +
		      CSUM_OLD16(*(__u16 *)&iph->ttl);
		w[0] = bpf_htonl(0x45000000) | (w[0] & bpf_htonl(0xffff));	/* TOS 0 */
		w[1] = bpf_htonl(IP_DF);	/* RFC 6864: ID 0 on an atomic datagram */
		*(__u16 *)&iph->ttl = ttl_proto;
		sum += (__u64)w[0] + w[1] + ttl_proto;
		iph->saddr = p->daddr[0];
		iph->daddr = p->saddr[0];
		iph->check = csum_fold(sum);
		th = (void *)(iph + 1);
	} else {
		struct ipv6hdr *ip6 = data + l2_len;

		if ((void *)(ip6 + 1) > data_end)
			return XSC_STAT_DROP_SYNACK_RESIZE;
		*(__be32 *)ip6 = bpf_htonl(0x60000000);	/* no traffic class or flow label */
		ip6->hop_limit = cfg->ttl;
		__builtin_memcpy(&ip6->saddr, p->daddr, sizeof(ip6->saddr));
		__builtin_memcpy(&ip6->daddr, p->saddr, sizeof(ip6->daddr));
		th = (void *)(ip6 + 1);
	}

	/* Words: 1 seq, 2 ack, 3 offset/flags/window, 4 checksum/urgent; options 5 MSS,
	 * 6 SACK_PERM+TS kinds (kept), 7 TSval, 8 TSecr, 9 NOP+WS. The client's TSval moves
	 * from 7 to 8 (the TSecr), so it stays in the sum: the old TSecr leaves, ours comes. */
	t = (__u32 *)th;
	if ((void *)(t + LINUX_SYN_HLEN / 4) > data_end)
		return XSC_STAT_DROP_SYNACK_RESIZE;
	sum = CSUM_OLD16(th->check) + CSUM_OLD32(t[1]) + CSUM_OLD32(t[2]) + CSUM_OLD32(t[3]) +
	      CSUM_OLD16(th->urg_ptr) + CSUM_OLD32(t[5]) + CSUM_OLD32(t[8]) + CSUM_OLD32(t[9]);
	th->source = p->dport;
	th->dest = p->sport;
	t[1] = bpf_htonl(a->cookie);
	t[2] = bpf_htonl(p->seq + 1);
	((__u8 *)th)[12] = (LINUX_SYN_HLEN / 4) << 4;	/* no reserved bits echoed */
	((__u8 *)th)[TCP_FLAGS_OFFSET] = TH_SYN | TH_ACK | (a->data.ecn_ok ? TH_ECE : 0);
	th->window = bpf_htons(cfg->window);
	th->urg_ptr = 0;
	t[5] = SYNACK_OPT_MSS(p->family == 4 ? cfg->mss4 : cfg->mss6);
	t[8] = t[7];
	t[7] = bpf_htonl(a->tsval);
	t[9] = SYNACK_OPT_WSCALE(cfg->wscale);
	sum += (__u64)t[1] + t[2] + t[3] + t[5] + t[7] + t[9];
	th->check = csum_fold(sum);
	return XSC_CONTINUE;
}

#endif /* XSC_SYNACK_H */
