// SPDX-License-Identifier: GPL-2.0
/* XDP entry: parse -> classify -> act -> count, with one exit that counts every verdict. */
#define XSC_HOOK_XDP
#include "lib/parse.h"
#include "lib/tcpopt.h"
#include "lib/cookie.h"
#include "lib/csum.h"
#include "lib/sock.h"
#include "lib/stats.h"
#include "lib/settings.h"
#include "lib/synack.h"
#include "lib/kcookie.h"
#include "lib/gateway.h"
#include "policy/policy.h"
#include "policy/engage.h"
#include "policy/lists.h"
#include "policy/budget.h"

char LICENSE[] SEC("license") = "GPL";

/*
 * The attach record, written by user space and never read here: declared with the other
 * maps so it is created and pinned like them.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xsc_attach_info);
} xsc_info SEC(".maps");

/* Our own TCP timestamp clock: 2^20 ns (~1.05 ms) ticks, within RFC 7323's 1 ms..1 s. */
#define TS_CLOCK_SHIFT 20

/* Our own cookie (the reqsk handoff): SipHash under the slot's key, and our TSval. */
static __always_inline int syn_own_cookie(const struct pkt *p, const struct xsc_keyring *kr,
					  __u64 now, struct synack_args *args)
{
	const struct xsc_keycache_entry *ks;
	__u32 cur = kr->gen & 1, slot, ts_bits;
	struct xsc_keycache *kc;
	__u64 tai;

	kc = keys_cache();
	if (!kc)
		return XSC_STAT_DROP_INTERNAL;
	tai = keys_clock_ns(kc, now);
	slot = cookie_slot(tai);
	ks = keys_slot(kc, &kr->master[cur], cur, slot);
	args->cookie = cookie_make(&ks->key, p, &args->data, slot, &ts_bits);
	/* The TSval's high bits are a clock, offset by a derived value so it reveals neither
	 * the host's clock nor key material; its low bits are cookie. */
	args->tsval = (((__u32)(tai >> TS_CLOCK_SHIFT) + ks->ts_offset) &
		       ~((1u << XSC_COOKIE_TS_TSBITS) - 1)) | ts_bits;
	return XSC_CONTINUE;
}

/* Answers the SYN for listener sk with a cookie SYN-ACK, written over the frame for XDP_TX. */
static __always_inline int syn_answer(xsc_ctx_t *ctx, const struct pkt *p,
				      const struct xsc_policy *pol, const struct xsc_keyring *kr,
				      struct bpf_sock *sk, __u64 now, struct xsc_tally *tally)
{
	struct synack_args args = {};
	bool ecn_asked;
	int ret;

	if (synack_dest_bad(p))
		return XSC_STAT_DROP_BAD_SOURCE;
	tcpopt_parse(ctx, p, &args.opts, true);
	if (args.opts.malformed)
		return XSC_STAT_DROP_OPT_MALFORMED;
	args.ts = args.opts.ts_ok && (xsc_cfg.flags & XSC_F_OFFER_TS);
	/* RFC 3168: an ECN-setup SYN carries both ECE and CWR. */
	ecn_asked = (p->flags & (TH_ECE | TH_CWR)) == (TH_ECE | TH_CWR);
	if (kcookie_mode())
		kcookie_choose(&args.data, &args.opts, args.ts, ecn_asked);
	else
		cookie_choose(&args.data, p->family, args.ts, args.opts.mss, args.opts.wscale,
			      args.opts.sack_ok && (xsc_cfg.flags & XSC_F_OFFER_SACK),
			      ecn_asked && (xsc_cfg.flags & XSC_F_OFFER_ECN));
	/* A reply written in place carries the SYN's checksums over (errors included);
	 * one rebuilt from scratch needs a SYN whose checksums were verified. */
	args.in_place = synack_in_place_ok(p, &args) && !csum_tcp_partial(ctx, p);
	if (!args.in_place) {
		ret = csum_verify_segment(ctx, p);
		if (ret != XSC_CONTINUE)
			return ret;
	}
	ret = budget_take(p, pol, now);
	if (ret != XSC_CONTINUE)
		return ret;

	if (kcookie_mode()) {
		ret = kcookie_make(ctx, p, sk, &args.cookie);
		if (args.ts)	/* a 64-bit division: only for a SYN-ACK that carries it */
			args.tsval = kcookie_tsval(now, &args.data);
	} else {
		ret = syn_own_cookie(p, kr, now, &args);
	}
	if (ret != XSC_CONTINUE)
		return ret;
	ret = args.in_place ? synack_rewrite(ctx, p, &args) : synack_write(ctx, p, &args);
	if (ret != XSC_CONTINUE)
		return ret;
	engage_count_cookie(tally, now);
	return XSC_STAT_TX_SYN_COOKIE;
}

/*
 * A SYN the port's engage state decides on: cookie, or the kernel. sk is the listener (the
 * kernel handoff makes its cookie on it), or NULL in gateway mode, where the listener is
 * on a server behind this host and kr is NULL too (the kernel's secret makes the cookie).
 */
static __always_inline int syn_judge(xsc_ctx_t *ctx, const struct pkt *p,
				     const struct xsc_policy *pol, __u8 mode,
				     const struct xsc_keyring *kr, struct bpf_sock *sk)
{
	struct xsc_tally *tally;
	bool engaged;
	__u64 now;

	now = bpf_ktime_get_coarse_ns();
	engaged = engage_judge(pol, bpf_ntohs(p->dport), mode, sk, now, &tally);
	if (mode == XSC_ENGAGE_NEVER)
		return engaged ? XSC_STAT_PASS_SYN_MONITOR : XSC_STAT_PASS_SYN_QUIET;
	if (!engaged && mode != XSC_ENGAGE_ALWAYS)
		return XSC_STAT_PASS_SYN_QUIET;
	return syn_answer(ctx, p, pol, kr, sk, now, tally);
}

/*
 * A SYN to a protected port. Only a SYN for a listener is ours to judge: a SYN to a closed
 * port goes to the kernel, which resets it as it always would (answering it would make
 * every port look open), and so does a SYN for a tuple the kernel knows (above all a
 * TIME_WAIT left by a server-side close, which a client reusing its port hits: the
 * kernel retires the old socket, where a cookie ACK would meet it and fail). For a
 * listener, the port's engage state decides.
 */
__noinline int handle_syn(xsc_ctx_t *ctx, const struct pkt *p, const struct xsc_policy *pol,
			  __u8 mode, const struct xsc_keyring *kr)
{
	struct bpf_sock *sk;
	int ret;

	if (!p || !pol || !kr)
		return XSC_STAT_DROP_INTERNAL;
	sk = sock_lookup(ctx, p);
	if (!sk)
		return XSC_STAT_PASS_SYN_NO_LISTENER;
	if (!sock_is_listener(sk)) {
		bpf_sk_release(sk);
		return XSC_STAT_PASS_SYN_SOCKET;
	}
	ret = syn_judge(ctx, p, pol, mode, kr, sk);
	bpf_sk_release(sk);
	return ret;
}

/* The kernel's own cookie (tcp_syncookies=2, or its queue overflowed before we engaged). */
static __always_inline bool kernel_cookie_valid(xsc_ctx_t *ctx, const struct pkt *p)
{
	void *data = ctx_data(ctx), *data_end = ctx_data_end(ctx);
	void *l3 = data + (p->l2_len & L2_OFF_MASK);
	struct tcphdr *th = pkt_tcp(ctx, p);

	if (!th)
		return false;
	if (p->family == 4) {
		struct iphdr *iph = l3;

		return (void *)(iph + 1) <= data_end && !bpf_tcp_raw_check_syncookie_ipv4(iph, th);
	}
	if ((void *)((struct ipv6hdr *)l3 + 1) > data_end)
		return false;
	return !bpf_tcp_raw_check_syncookie_ipv6(l3, th);
}

/* Hands a valid cookie's attributes to the TC handoff in XDP metadata. */
static __always_inline int ack_to_handoff(xsc_ctx_t *ctx, const struct pkt *p,
					  const struct cookie_data *data, const struct tcp_opts *opts)
{
	struct xsc_handoff_meta *meta;

	if (bpf_xdp_adjust_meta(ctx, -(int)sizeof(*meta)))
		return XSC_STAT_DROP_META_FAILED;
	meta = ctx_data_meta(ctx);
	if ((void *)(meta + 1) > ctx_data(ctx))
		return XSC_STAT_DROP_META_FAILED;
	cookie_handoff_attrs(data, p->family, xsc_cfg.wscale, opts->tsval, opts->tsecr,
			     data->ts, meta);
	return XSC_STAT_PASS_ACK_COOKIE_OK;
}

/*
 * An ACK (also FIN+ACK, data) to a protected port. Established flows are by far the
 * most common, so the socket lookup comes first and they skip the SipHash. Without a
 * socket, only a valid cookie gets through: ours goes up with its decoded attributes in
 * XDP metadata for the TC handoff; the kernel's goes up as it is, when the listener sent
 * cookies in the last two minutes (the kernel's own rule). Anything else is an ACK flood
 * or a forgery and is dropped here, in every mode, so the kernel sends no RST. Under the
 * kernel handoff every cookie is the kernel's.
 */
__noinline int handle_ack(xsc_ctx_t *ctx, const struct pkt *p, __u8 mode,
			  const struct xsc_keyring *kr)
{
	struct tcp_opts opts = {};
	struct cookie_data data;
	struct xsc_keycache *kc;
	struct bpf_sock *sk;
	bool kernel_cookies, ts;
	__u64 now;

	if (!p || !kr)
		return XSC_STAT_DROP_INTERNAL;
	sk = sock_lookup(ctx, p);
	if (!sk)
		return XSC_STAT_DROP_ACK_NO_SOCKET;	/* nobody listens: no cookie can help */
	if (!sock_is_listener(sk)) {
		bpf_sk_release(sk);
		return XSC_STAT_PASS_ACK_SOCKET;
	}
	/* The kernel handoff sends the kernel's cookies only: none of ours can be out. */
	if (kcookie_mode()) {
		bool valid = kcookie_ack_valid(ctx, p, sk);

		bpf_sk_release(sk);
		return valid ? XSC_STAT_PASS_ACK_KERNEL_COOKIE : XSC_STAT_DROP_ACK_NO_SOCKET;
	}
	/* 'never' answers no SYN itself: its ACKs are checked only while a cookie we sent
	 * before a switch to 'never' can still be valid. */
	now = bpf_ktime_get_coarse_ns();
	kc = keys_cache();
	if (!kc) {
		bpf_sk_release(sk);
		return XSC_STAT_DROP_INTERNAL;
	}
	if (mode != XSC_ENGAGE_NEVER || keys_cookie_outstanding(now)) {
		/* A cookie made with timestamps is checked with the TSecr the ACK echoes. */
		tcpopt_parse(ctx, p, &opts, false);
		ts = opts.ts_ok && !opts.malformed;
		if (cookie_check(kr, kc, p, ts, opts.tsecr, keys_clock_ns(kc, now), &data)) {
			bpf_sk_release(sk);
			return ack_to_handoff(ctx, p, &data, &opts);
		}
	}
	/* Only an ACK that is not ours pays for reading the listener's overflow stamp. */
	kernel_cookies = listener_sent_cookies(sk);
	bpf_sk_release(sk);
	if (kernel_cookies && kernel_cookie_valid(ctx, p))
		return XSC_STAT_PASS_ACK_KERNEL_COOKIE;
	return XSC_STAT_DROP_ACK_NO_SOCKET;
}

/* What the flags alone condemn: XSC_CONTINUE for a SYN, an ACK (with FIN, PSH, ...) or a RST. */
static __always_inline int tcp_flags_check(__u8 flags)
{
	if (flags & TH_SYN) {
		if (flags & TH_FIN)
			return XSC_STAT_DROP_SYN_FIN;
		if (flags & TH_RST)
			return XSC_STAT_DROP_SYN_RST;
	} else if (!(flags & (TH_RST | TH_ACK))) {
		/* RFC 9293: after the SYN, every segment but a RST carries ACK. */
		if ((flags & (TH_FIN | TH_PSH | TH_URG)) == (TH_FIN | TH_PSH | TH_URG))
			return XSC_STAT_DROP_XMAS;
		if (!(flags & (TH_FIN | TH_PSH | TH_URG)))
			return XSC_STAT_DROP_NULL_FLAGS;
		return XSC_STAT_DROP_NO_ACK;
	}
	return XSC_CONTINUE;
}

static __always_inline int judge_tcp(xsc_ctx_t *ctx, const struct pkt *p,
				     const struct xsc_policy *pol, __u8 mode)
{
	const struct xsc_keyring *kr;
	__u8 flags = p->flags;
	int ret;

	ret = tcp_flags_check(flags);
	if (ret != XSC_CONTINUE)
		return ret;
	if ((flags & (TH_SYN | TH_ACK)) == (TH_SYN | TH_ACK))
		return sock_has_connection(ctx, p) ? XSC_STAT_PASS_SYNACK_OWN :
						     XSC_STAT_DROP_SYNACK_UNSOLICITED;
	if (!(flags & TH_SYN) && (flags & TH_RST))
		return sock_has_connection(ctx, p) ? XSC_STAT_PASS_RST_OWN :
						     XSC_STAT_DROP_RST_NO_SOCKET;

	/* No usable key: leave SYNs and ACKs to the kernel and say so (fail open). */
	kr = keys_get();
	if (!kr)
		return XSC_STAT_PASS_NO_KEY;
	if (flags & TH_SYN)
		return handle_syn(ctx, p, pol, mode, kr);
	return handle_ack(ctx, p, mode, kr);
}

/*
 * Gateway mode: a segment to a protected port of a server behind this host. A flow that
 * conntrack has confirmed passes, whatever its flags; so does what the kernel would not
 * forward. Otherwise a SYN is judged as a host's is, but on its port's SYN rate alone (the
 * server's queues are not ours to read); an ACK passes only with a valid kernel cookie, on
 * to SYNPROXY; a RST or SYN-ACK of no flow is dropped before conntrack sees it.
 */
__noinline int gw_judge(xsc_ctx_t *ctx, const struct pkt *p, const struct xsc_policy *pol,
			__u8 mode)
{
	__u8 flags;
	int ret;

	/* A global function is verified whatever calls it (Linux 6.1 verifies every one):
	 * outside gateway mode the rest is dead code, which would answer a SYN with no key. */
	if (!p || !pol || !gateway_mode())
		return XSC_STAT_DROP_INTERNAL;
	flags = p->flags;
	ret = tcp_flags_check(flags);
	if (ret != XSC_CONTINUE)
		return ret;
	ret = gw_route(ctx, p);
	if (ret != XSC_CONTINUE)
		return ret;
	if (gw_flow_known(ctx, p))
		return XSC_STAT_PASS_GW_FLOW;
	if ((flags & (TH_SYN | TH_ACK)) == TH_SYN)
		return syn_judge(ctx, p, pol, mode, NULL, NULL);
	if ((flags & (TH_SYN | TH_RST | TH_ACK)) != TH_ACK || !kernel_cookie_valid(ctx, p))
		return XSC_STAT_DROP_GW_NO_FLOW;
	/* SYNPROXY would verify an IPv6 checksum with the IPv4 routine and drop the ACK:
	 * verified here instead, and marked so for TC (abi.h, XSC_META_GW_MAGIC). A partial
	 * checksum (a local sender's) is one the stack already takes as good. */
	if (p->family == 6 && !csum_tcp_partial(ctx, p)) {
		ret = csum_verify_segment(ctx, p);
		if (ret != XSC_CONTINUE)
			return ret;
		ret = gw_mark_checked(ctx);
		if (ret != XSC_CONTINUE)
			return ret;
	}
	return XSC_STAT_PASS_GW_ACK_COOKIE;
}

static __always_inline int judge(xsc_ctx_t *ctx, const struct pkt *p)
{
	const struct xsc_policy *pol = policy_get();
	__u8 port;
	int ret;

	if (!pol)
		return XSC_STAT_PASS_NO_POLICY;
	port = policy_port(pol, p->dport);
	if (!(port & XSC_PORT_PROTECTED))
		return XSC_STAT_PASS_PORT_UNPROTECTED;
	if (pol->lists) {
		ret = lists_judge(p, pol->lists);
		if (ret != XSC_CONTINUE)
			return ret;
	}
	if (gateway_mode())
		return gw_judge(ctx, p, pol, policy_mode(pol, port));
	return judge_tcp(ctx, p, pol, policy_mode(pol, port));
}

SEC("xdp")
int xdp_syncookie(struct xdp_md *ctx)
{
	struct pkt p = {};
	enum xsc_verdict v;
	int reason;

	reason = parse_packet(ctx, &p, &xsc_cfg);
	if (reason == XSC_CONTINUE)
		reason = judge(ctx, &p);
	v = stat_count(reason);
	return v == XSC_VERDICT_TX ? XDP_TX : v == XSC_VERDICT_DROP ? XDP_DROP : XDP_PASS;
}
