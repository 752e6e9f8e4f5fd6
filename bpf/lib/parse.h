/* SPDX-License-Identifier: GPL-2.0 */
/* Bounds-checked parsing from Ethernet to the TCP header into a family-neutral view. */
#ifndef XSC_PARSE_H
#define XSC_PARSE_H

#include "ctx.h"

struct vlan_tag {
	__be16 tci;
	__be16 encap_proto;
};

/*
 * What the rest of the program needs to know about a TCP segment, whatever its family.
 * Offsets, not pointers: the struct is handed to global functions, which the verifier
 * checks once each and where only scalars survive the call.
 */
struct pkt {
	__u32 frame_len;
	__u32 l2_len;		/* Ethernet header and VLAN tags */
	__u32 l4_off;		/* offset of the TCP header from data */
	__u32 seg_len;		/* TCP header + payload, as the IP header says */
	__u32 tcp_hlen;		/* TCP header with options (data offset * 4) */
	__u8 family;		/* 4 or 6 */
	__u8 n_vlans;
	__u8 flags;		/* TCP flags byte */
	__u8 pad;
	__be16 sport;
	__be16 dport;
	__u32 seq;		/* host order */
	__u32 ack_seq;		/* host order */
	__be32 saddr[4];	/* IPv4 uses [0] only */
	__be32 daddr[4];
} __attribute__((aligned(8)));	/* zeroed per packet: 8-byte stores, half as many */

static __always_inline struct tcphdr *pkt_tcp(xsc_ctx_t *ctx, const struct pkt *p)
{
	void *data = ctx_data(ctx), *data_end = ctx_data_end(ctx);
	struct tcphdr *th = data + (p->l4_off & L4_OFF_MASK);

	return (void *)(th + 1) > data_end ? NULL : th;
}

/* The segment's 4-tuple as the socket and conntrack lookups take it; returns its size.
 * Only those bytes are written: the lookups read no more. */
static __always_inline __u32 pkt_tuple(const struct pkt *p, struct bpf_sock_tuple *t)
{
	if (p->family == 4) {
		t->ipv4.saddr = p->saddr[0];
		t->ipv4.daddr = p->daddr[0];
		t->ipv4.sport = p->sport;
		t->ipv4.dport = p->dport;
		return sizeof(t->ipv4);
	}
	__builtin_memcpy(t->ipv6.saddr, p->saddr, sizeof(t->ipv6.saddr));
	__builtin_memcpy(t->ipv6.daddr, p->daddr, sizeof(t->ipv6.daddr));
	t->ipv6.sport = p->sport;
	t->ipv6.dport = p->dport;
	return sizeof(t->ipv6);
}

static __always_inline int parse_l2(xsc_ctx_t *ctx, struct pkt *p, __be16 *l3_proto)
{
	void *data = ctx_data(ctx), *data_end = ctx_data_end(ctx);
	struct ethhdr *eth = data;
	__be16 proto;
	__u32 off = ETH_HLEN;

	if ((void *)(eth + 1) > data_end)
		return XSC_STAT_DROP_ETH_TRUNC;
	proto = eth->h_proto;
#pragma unroll
	for (int i = 0; i < XSC_MAX_VLANS; i++) {
		struct vlan_tag *tag = data + off;

		if (proto != bpf_htons(ETH_P_8021Q) && proto != bpf_htons(ETH_P_8021AD))
			break;
		if ((void *)(tag + 1) > data_end)
			return XSC_STAT_DROP_ETH_TRUNC;
		proto = tag->encap_proto;
		off += VLAN_HLEN;
		p->n_vlans++;
	}
	/* A third tag would put L3 where we do not look: count it, never pass it blind. */
	if (proto == bpf_htons(ETH_P_8021Q) || proto == bpf_htons(ETH_P_8021AD))
		return XSC_STAT_DROP_VLAN_TOO_DEEP;
	p->l2_len = off;
	*l3_proto = proto;
	return XSC_CONTINUE;
}

/* Fragments carry no reliable ports, so they are judged by one policy, never by port. */
static __always_inline int tcp_fragment_verdict(const volatile struct xsc_settings *cfg)
{
	return (cfg->flags & XSC_F_PASS_TCP_FRAGS) ? XSC_STAT_PASS_TCP_FRAGMENT :
						     XSC_STAT_DROP_TCP_FRAGMENT;
}

static __always_inline int parse_ipv4(xsc_ctx_t *ctx, struct pkt *p,
				      const volatile struct xsc_settings *cfg)
{
	struct iphdr *iph = ctx_data(ctx) + (p->l2_len & L2_OFF_MASK);
	__u32 hlen, tot_len;
	__u8 ver_ihl;

	if ((void *)(iph + 1) > ctx_data_end(ctx))
		return XSC_STAT_DROP_IP4_TRUNC;
	/* Version 4 and IHL 5..15 is 0x45..0x4f: one compare on the byte the IHL is read from. */
	ver_ihl = *(__u8 *)iph;
	if ((__u8)(ver_ihl - 0x45) > 0x4f - 0x45)
		return ver_ihl >> 4 != 4 ? XSC_STAT_DROP_IP_BAD_VERSION : XSC_STAT_DROP_IP4_BAD_IHL;
	hlen = (ver_ihl & 0xf) * 4;
	tot_len = bpf_ntohs(iph->tot_len);
	/* Ethernet padding may follow the datagram, so only "longer than the frame" is bad. */
	if (tot_len < hlen || p->l2_len + tot_len > p->frame_len)
		return XSC_STAT_DROP_IP4_BAD_LEN;
	if (iph->protocol != IPPROTO_TCP)
		return XSC_STAT_PASS_NOT_TCP;
	/* MF or a non-zero offset only: DF says nothing about fragmentation. */
	if (iph->frag_off & bpf_htons(IP_MF | IP_OFFSET))
		return tcp_fragment_verdict(cfg);
	p->family = 4;
	p->saddr[0] = iph->saddr;
	p->daddr[0] = iph->daddr;
	p->l4_off = p->l2_len + hlen;
	p->seg_len = tot_len - hlen;
	return XSC_CONTINUE;
}

/* The extension headers the IPv6 walk steps over. */
static __always_inline bool ipv6_ext_walked(__u8 nexthdr)
{
	return nexthdr == IPPROTO_HOPOPTS || nexthdr == IPPROTO_ROUTING ||
	       nexthdr == IPPROTO_DSTOPTS || nexthdr == IPPROTO_FRAGMENT || nexthdr == IPPROTO_AH;
}

/* Walks extension headers up to TCP. Rare, so it reads them with a helper instead of
 * growing the verifier's view of variable packet offsets. */
static __always_inline int parse_ipv6(xsc_ctx_t *ctx, struct pkt *p,
				      const volatile struct xsc_settings *cfg)
{
	struct ipv6hdr *ip6 = ctx_data(ctx) + (p->l2_len & L2_OFF_MASK);
	bool fragment = false;
	__u32 off, end;
	__u8 nexthdr;

	if ((void *)(ip6 + 1) > ctx_data_end(ctx))
		return XSC_STAT_DROP_IP6_TRUNC;
	if (ip6->version != 6)
		return XSC_STAT_DROP_IP_BAD_VERSION;
	off = p->l2_len + IPV6_HLEN;
	end = off + bpf_ntohs(ip6->payload_len);
	if (end > p->frame_len)
		return XSC_STAT_DROP_IP6_BAD_LEN;
	nexthdr = ip6->nexthdr;
	__builtin_memcpy(p->saddr, &ip6->saddr, sizeof(p->saddr));
	__builtin_memcpy(p->daddr, &ip6->daddr, sizeof(p->daddr));

#pragma unroll
	for (int i = 0; i < XSC_IPV6_MAX_EXT; i++) {
		__u8 ext[8];	/* every extension header is at least 8 bytes */
		__u32 len;

		if (nexthdr == IPPROTO_TCP)
			break;
		if (!ipv6_ext_walked(nexthdr))
			return XSC_STAT_PASS_NOT_TCP;	/* ICMPv6, UDP, ESP, no next header */
		if (off + sizeof(ext) > end || ctx_load_bytes(ctx, off, ext, sizeof(ext)))
			return XSC_STAT_DROP_IP6_EXT_TRUNC;
		if (nexthdr == IPPROTO_FRAGMENT) {
			__u16 frag = (ext[2] << 8) | ext[3];

			len = 8;
			/*
			 * An atomic fragment (offset 0, no MF) is a whole packet. Behind a later
			 * fragment's header comes payload, not headers: when its next header is
			 * TCP, or one that may come before TCP, it is a TCP fragment. A first
			 * fragment's headers are real, and the upper layer they lead to decides.
			 */
			if ((frag & IPV6_FRAG_OFFSET_MASK) &&
			    (ext[0] == IPPROTO_TCP || ipv6_ext_walked(ext[0])))
				return tcp_fragment_verdict(cfg);
			fragment |= frag & (IPV6_FRAG_OFFSET_MASK | IPV6_FRAG_MF);
		} else if (nexthdr == IPPROTO_AH) {
			len = (ext[1] + 2) * 4;
		} else {
			len = (ext[1] + 1) * 8;
		}
		nexthdr = ext[0];
		off += len;
	}
	if (nexthdr != IPPROTO_TCP)
		return XSC_STAT_DROP_IP6_EXT_TOO_DEEP;
	if (fragment)
		return tcp_fragment_verdict(cfg);
	if (off > end)
		return XSC_STAT_DROP_IP6_EXT_TRUNC;
	p->family = 6;
	p->l4_off = off;
	p->seg_len = end - off;
	return XSC_CONTINUE;
}

static __always_inline int parse_tcp(xsc_ctx_t *ctx, struct pkt *p)
{
	struct tcphdr *th = pkt_tcp(ctx, p);

	if (p->seg_len < TCP_HLEN || !th)
		return XSC_STAT_DROP_TCP_TRUNC;
	p->tcp_hlen = th->doff * 4;
	if (p->tcp_hlen < TCP_HLEN || p->tcp_hlen > p->seg_len)
		return XSC_STAT_DROP_TCP_BAD_DOFF;
	p->flags = ((__u8 *)th)[TCP_FLAGS_OFFSET];
	p->sport = th->source;
	p->dport = th->dest;
	p->seq = bpf_ntohl(th->seq);
	p->ack_seq = bpf_ntohl(th->ack_seq);
	return XSC_CONTINUE;
}

/* Ethernet to TCP. Returns XSC_CONTINUE with p filled in, or the packet's verdict reason. */
static __always_inline int parse_packet(xsc_ctx_t *ctx, struct pkt *p,
					const volatile struct xsc_settings *cfg)
{
	__be16 l3_proto;
	int ret;

	p->frame_len = ctx_frame_len(ctx);
	ret = parse_l2(ctx, p, &l3_proto);
	if (ret != XSC_CONTINUE)
		return ret;
	if (l3_proto == bpf_htons(ETH_P_IP))
		ret = parse_ipv4(ctx, p, cfg);
	else if (l3_proto == bpf_htons(ETH_P_IPV6))
		ret = parse_ipv6(ctx, p, cfg);
	else
		return XSC_STAT_PASS_NOT_IP;
	if (ret != XSC_CONTINUE)
		return ret;
	return parse_tcp(ctx, p);
}

#endif /* XSC_PARSE_H */
