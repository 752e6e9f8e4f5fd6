// SPDX-License-Identifier: GPL-2.0
/* XDP entry: parse -> classify -> act -> count, with one exit that counts every verdict. */
#include "parse.h"
#include "tcpopt.h"
#include "cookie.h"
#include "csum.h"
#include "maps.h"
#include "synack.h"
#include <xdp/xdp_helpers.h>

char LICENSE[] SEC("license") = "GPL";

/* libxdp runs us in its dispatcher; on XDP_PASS the next program on the interface runs. */
struct {
	__uint(priority, 10);
	__uint(XDP_PASS, 1);
} XDP_RUN_CONFIG(xdp_syncookie);

/* Our own TCP timestamp clock: 2^20 ns (~1.05 ms) ticks, within RFC 7323's 1 ms..1 s. */
#define TS_CLOCK_SHIFT 20

/* A SYN-ACK to these would be reflected at a group, at nobody, or at a martian. */
static __always_inline bool syn_addresses_bad(const struct pkt *p)
{
	if (p->family == 4) {
		__u32 src = bpf_ntohl(p->saddr[0]), dst = bpf_ntohl(p->daddr[0]);

		return (src >> 24) == 0 || (src >> 24) == 127 || src >= 0xe0000000 ||
		       (dst >> 24) == 0 || dst >= 0xe0000000;
	}
	/* ff00::/8 multicast, :: unspecified, ::1 loopback */
	return (p->saddr[0] & bpf_htonl(0xff000000)) == bpf_htonl(0xff000000) ||
	       (p->daddr[0] & bpf_htonl(0xff000000)) == bpf_htonl(0xff000000) ||
	       (!p->saddr[0] && !p->saddr[1] && !p->saddr[2] &&
		(!p->saddr[3] || p->saddr[3] == bpf_htonl(1)));
}

/* What the kernel has for a segment's 4-tuple. */
enum sock_match {
	SOCK_NONE,		/* nothing: the port is closed */
	SOCK_LISTENER,		/* only a listener: a new connection */
	SOCK_CONNECTION,	/* SYN_SENT, established, request or TIME_WAIT socket */
};

static __always_inline enum sock_match sock_lookup(struct xdp_md *ctx, const struct pkt *p)
{
	struct bpf_sock_tuple tuple = {};
	struct bpf_sock *sk;
	__u32 size;
	bool listener;

	if (p->family == 4) {
		tuple.ipv4.saddr = p->saddr[0];
		tuple.ipv4.daddr = p->daddr[0];
		tuple.ipv4.sport = p->sport;
		tuple.ipv4.dport = p->dport;
		size = sizeof(tuple.ipv4);
	} else {
		__builtin_memcpy(tuple.ipv6.saddr, p->saddr, sizeof(tuple.ipv6.saddr));
		__builtin_memcpy(tuple.ipv6.daddr, p->daddr, sizeof(tuple.ipv6.daddr));
		tuple.ipv6.sport = p->sport;
		tuple.ipv6.dport = p->dport;
		size = sizeof(tuple.ipv6);
	}
	sk = bpf_skc_lookup_tcp(ctx, &tuple, size, BPF_F_CURRENT_NETNS, 0);
	if (!sk)
		return SOCK_NONE;
	listener = sk->state == BPF_TCP_LISTEN;
	bpf_sk_release(sk);
	return listener ? SOCK_LISTENER : SOCK_CONNECTION;
}

/*
 * No SYN-ACK for a SYN whose checksums fail: we would be reflecting garbage. Global so
 * the verifier walks its variable-length loops once, not once per parser path.
 */
__noinline int syn_checksums(struct xdp_md *ctx, const struct pkt *p)
{
	void *data = xdp_data(ctx), *data_end = xdp_data_end(ctx);
	struct tcphdr *th;
	__u64 sum = 0;
	bool in_packet;

	if (!p)
		return XSC_STAT_DROP_BAD_TCP_CSUM;
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
	/* The usual SYN is header and options only, and Linux's is 40 bytes: unrolled. */
	if (p->seg_len == LINUX_SYN_HLEN && (void *)th + LINUX_SYN_HLEN <= data_end) {
		sum += csum_words(th, LINUX_SYN_HLEN / 4);
		in_packet = true;
	} else if (p->seg_len == p->tcp_hlen)
		in_packet = csum_add_hdr(&sum, th, p->tcp_hlen, data_end);
	else
		in_packet = csum_add_range(ctx, &sum, p->l4_off, p->seg_len);
	if (!in_packet || csum_fold(sum))
		return XSC_STAT_DROP_BAD_TCP_CSUM;
	return PARSE_CONTINUE;
}

__noinline int handle_syn(struct xdp_md *ctx, const struct pkt *p, const struct xsc_keyring *kr)
{
	struct synack_args args = {};
	__u64 now_ns;
	struct cookie_flow flow;
	int ret;

	if (!p || !kr)
		return XSC_STAT_PASS_NO_KEY;
	if (syn_addresses_bad(p))
		return XSC_STAT_DROP_BAD_SOURCE;
	tcpopt_parse(ctx, p, &args.opts, true);
	if (args.opts.malformed)
		return XSC_STAT_DROP_OPT_MALFORMED;
	ret = syn_checksums(ctx, p);
	if (ret != PARSE_CONTINUE)
		return ret;
	/*
	 * Only a SYN for a listener gets a cookie. A SYN to a closed port goes to the kernel,
	 * which resets it as it always would (answering it would make every port look open);
	 * a SYN for a tuple the kernel knows (above all a TIME_WAIT left by a server-side
	 * close, which a client reusing its port hits) goes to the kernel too, which retires
	 * the old socket: a cookie ACK would otherwise meet that socket and fail.
	 */
	switch (sock_lookup(ctx, p)) {
	case SOCK_NONE:
		return XSC_STAT_PASS_SYN_NO_LISTENER;
	case SOCK_CONNECTION:
		return XSC_STAT_PASS_SYN_SOCKET;
	default:
		break;
	}

	now_ns = bpf_ktime_get_coarse_ns();	/* only for SYNs that get a cookie */
	cookie_flow_init(&flow, p, p->seq);
	args.data.mss_idx = cookie_mss_index(p->family, args.opts.mss);
	args.data.wscale = args.opts.wscale;
	args.data.sack_ok = args.opts.sack_ok && (xsc_cfg.flags & XSC_F_OFFER_SACK);
	/* RFC 3168: an ECN-setup SYN carries both ECE and CWR. */
	args.data.ecn_ok = (p->flags & (TH_ECE | TH_CWR)) == (TH_ECE | TH_CWR) &&
			   (xsc_cfg.flags & XSC_F_OFFER_ECN);
	args.cookie = cookie_make(kr, &flow, &args.data, now_ns >> XSC_COOKIE_SLOT_NS_SHIFT);
	args.ts = args.opts.ts_ok && (xsc_cfg.flags & XSC_F_OFFER_TS);
	/* Offset by key material so our TSval does not reveal the host's uptime. */
	args.tsval = (__u32)(now_ns >> TS_CLOCK_SHIFT) + (__u32)kr->key[kr->gen & 1].k1;

	ret = synack_write(ctx, p, &args);
	return ret ? ret : XSC_STAT_TX_SYN_COOKIE;
}

/*
 * An ACK (also FIN+ACK, data) to a protected port. Established flows are by far the
 * most common, so the socket lookup comes first and they skip the SipHash. Without a
 * socket, only a valid cookie gets through: it goes up with its decoded attributes in
 * XDP metadata for the TC handoff; anything else is an ACK flood or a forgery and is
 * dropped here, so the kernel sends no RST.
 */
__noinline int handle_ack(struct xdp_md *ctx, const struct pkt *p, const struct xsc_keyring *kr)
{
	struct tcp_opts opts = {};
	struct cookie_data data;
	struct cookie_flow flow;
	struct xsc_handoff_meta *meta;

	if (!p || !kr)
		return XSC_STAT_PASS_NO_KEY;
	if (sock_lookup(ctx, p) == SOCK_CONNECTION)
		return XSC_STAT_PASS_ACK_SOCKET;
	cookie_flow_init(&flow, p, p->seq - 1);
	if (!cookie_check(kr, &flow, p->ack_seq - 1, cookie_slot_now(), &data))
		return XSC_STAT_DROP_ACK_NO_SOCKET;
	tcpopt_parse(ctx, p, &opts, false);

	if (bpf_xdp_adjust_meta(ctx, -(int)sizeof(*meta)))
		return XSC_STAT_DROP_META_FAILED;
	meta = xdp_data_meta(ctx);
	if ((void *)(meta + 1) > xdp_data(ctx))
		return XSC_STAT_DROP_META_FAILED;
	cookie_handoff_attrs(&data, p->family, xsc_cfg.wscale, opts.tsval, opts.tsecr,
			     opts.ts_ok && !opts.malformed, meta);
	meta->l4_from_l3 = p->l4_off - p->l2_len;
	return XSC_STAT_PASS_ACK_COOKIE_OK;
}

static __always_inline int judge_tcp(struct xdp_md *ctx, const struct pkt *p)
{
	__u8 flags = p->flags;
	__u32 zero = 0;
	struct xsc_keyring *kr;

	if (flags & TH_SYN) {
		if (flags & TH_FIN)
			return XSC_STAT_DROP_SYN_FIN;
		if (flags & TH_RST)
			return XSC_STAT_DROP_SYN_RST;
		if (flags & TH_ACK)
			return sock_lookup(ctx, p) == SOCK_CONNECTION ? XSC_STAT_PASS_SYNACK_OWN :
							XSC_STAT_DROP_SYNACK_UNSOLICITED;
	} else if (flags & TH_RST) {
		return sock_lookup(ctx, p) == SOCK_CONNECTION ? XSC_STAT_PASS_RST_OWN :
								XSC_STAT_DROP_RST_NO_SOCKET;
	} else if (!(flags & TH_ACK)) {
		/* RFC 9293: after the SYN, every segment but a RST carries ACK. */
		if ((flags & (TH_FIN | TH_PSH | TH_URG)) == (TH_FIN | TH_PSH | TH_URG))
			return XSC_STAT_DROP_XMAS;
		if (!(flags & (TH_FIN | TH_PSH | TH_URG)))
			return XSC_STAT_DROP_NULL_FLAGS;
		return XSC_STAT_DROP_NO_ACK;
	}

	/* No generation yet, or an empty current key (everyone could make its cookies):
	 * leave the packet to the kernel and say so. */
	kr = bpf_map_lookup_elem(&xsc_keys, &zero);
	if (!kr || !kr->gen || !xsc_key_set(&kr->key[kr->gen & 1]))
		return XSC_STAT_PASS_NO_KEY;
	if (flags & TH_SYN)
		return handle_syn(ctx, p, kr);
	return handle_ack(ctx, p, kr);
}

SEC("xdp")
int xdp_syncookie(struct xdp_md *ctx)
{
	struct pkt p = {};
	int reason = parse_packet(ctx, &p, &xsc_cfg);

	if (reason == PARSE_CONTINUE)
		reason = port_is_protected(p.dport) ? judge_tcp(ctx, &p) :
							 XSC_STAT_PASS_PORT_UNPROTECTED;
	stat_count(reason);
	if (reason < XSC_STAT_FIRST_TX)
		return XDP_PASS;
	return reason < XSC_STAT_FIRST_DROP ? XDP_TX : XDP_DROP;
}
