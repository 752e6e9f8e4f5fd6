/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel handoff (Linux 5.15 to 6.8, where bpf_sk_assign_tcp_reqsk() is missing): SYNs
 * are answered with the kernel's own cookie, from bpf_tcp_gen_syncookie() on the listener,
 * so that its own cookie_v4_check()/cookie_v6_check() accepts the final ACK and no TC
 * program is needed. docs/design.md, "The kernel handoff".
 */
#ifndef XSC_KCOOKIE_H
#define XSC_KCOOKIE_H

#include "parse.h"
#include "cookie.h"
#include "settings.h"

/* Linux's TSBITS and TS_OPT_* (net/ipv4/syncookies.c): the low 6 bits of a cookie SYN-ACK's
 * TSval carry the client's window scale (15: none), SACK and ECN, unauthenticated. */
#define KCOOKIE_TSBITS 6
#define KCOOKIE_TS_WSCALE_NONE 0xf
#define KCOOKIE_TS_SACK (1 << 4)
#define KCOOKIE_TS_ECN (1 << 5)
#define KCOOKIE_ENOENT 2	/* errno values are not in vmlinux.h */

/* The helper reads the whole TCP header with its options (for the MSS), so the header is
 * copied here first: a packet pointer would need the frame to reach the largest length
 * the verifier can see, and the stack has no room left on 6.1 (512 bytes for the chain). */
#define KCOOKIE_TH_MAX 64
struct kcookie_scratch {
	__u8 th[KCOOKIE_TH_MAX];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct kcookie_scratch);
} xsc_kc_scratch SEC(".maps");

/* The kernel's cookie format: the kernel handoff, and gateway mode (SYNPROXY reads it). */
static __always_inline bool kcookie_mode(void)
{
	return xsc_cfg.handoff == XSC_HANDOFF_KERNEL || xsc_cfg.handoff == XSC_HANDOFF_SYNPROXY;
}

/*
 * The kernel's cookie for this SYN, made on the listener sk: XSC_CONTINUE with *cookie set,
 * or why the SYN goes on to the kernel. When it answers, the helper stamps the listener's
 * overflow time, which is what lets the kernel accept the final ACK (for two minutes).
 * -ENOENT: tcp_syncookies is 1 and the listener's SYN queue is not full (or its accept
 * queue is), so the kernel would not send a cookie itself and will not take one.
 * Without a listener (sk NULL: gateway mode) the cookie is made from the headers alone,
 * under the same secret, as netfilter SYNPROXY makes and checks its own.
 */
static __always_inline int kcookie_make(xsc_ctx_t *ctx, const struct pkt *p, struct bpf_sock *sk,
					__u32 *cookie)
{
	void *data = ctx_data(ctx), *data_end = ctx_data_end(ctx);
	void *l3 = data + (p->l2_len & L2_OFF_MASK);
	struct kcookie_scratch *s;
	__u32 zero = 0, th_len;
	__s64 ret;

	s = bpf_map_lookup_elem(&xsc_kc_scratch, &zero);
	if (!s)
		return XSC_STAT_DROP_INTERNAL;
	/* 1..64 as the verifier sees it: 6.1 wants a size that cannot be 0, and learns no
	 * bound from the parser's earlier checks. The parser bounded tcp_hlen to 20..60. */
	th_len = ((p->tcp_hlen - 1) & (KCOOKIE_TH_MAX - 1)) + 1;
	if (ctx_load_bytes(ctx, p->l4_off & L4_OFF_MASK, s->th, th_len))
		return XSC_STAT_DROP_INTERNAL;
	if (p->family == 4) {
		if (l3 + IPV4_HLEN > data_end)
			return XSC_STAT_DROP_INTERNAL;
		ret = sk ? bpf_tcp_gen_syncookie(sk, l3, IPV4_HLEN, (struct tcphdr *)s->th, th_len) :
			   bpf_tcp_raw_gen_syncookie_ipv4(l3, (struct tcphdr *)s->th, th_len);
	} else {
		if (l3 + IPV6_HLEN > data_end)
			return XSC_STAT_DROP_INTERNAL;
		ret = sk ? bpf_tcp_gen_syncookie(sk, l3, IPV6_HLEN, (struct tcphdr *)s->th, th_len) :
			   bpf_tcp_raw_gen_syncookie_ipv6(l3, (struct tcphdr *)s->th, th_len);
	}
	if (ret == -KCOOKIE_ENOENT)
		return XSC_STAT_PASS_SYN_KERNEL_QUEUE;
	if (ret < 0)
		return XSC_STAT_PASS_SYN_KERNEL_REFUSED;
	*cookie = (__u32)ret;
	return XSC_CONTINUE;
}

/*
 * What a kernel cookie connection keeps, for the SYN-ACK's options: everything but the MSS
 * travels in our TSval, which the kernel reads back from the TSecr. Without timestamps
 * (the client sent none, or the kernel would subtract its per-connection offset from the
 * TSecr: tcp_timestamps=1) the connection keeps the MSS alone, as the kernel's own cookie
 * connections do. The MSS itself is the kernel's to encode (its msstab).
 */
static __always_inline void kcookie_choose(struct cookie_data *d, const struct tcp_opts *o, bool ts,
					   bool ecn_asked)
{
	__u8 flags = xsc_cfg.flags;

	*d = (struct cookie_data){ .wscale = XSC_COOKIE_WSCALE_NONE };
	if (!ts)
		return;
	d->ts = 1;
	if (!(flags & XSC_F_NO_WSCALE))
		d->wscale = o->wscale;
	d->sack_ok = o->sack_ok && (flags & XSC_F_OFFER_SACK);
	d->ecn_ok = ecn_asked && (flags & XSC_F_OFFER_ECN);
}

/* Our TSval in the kernel's format (cookie_init_timestamp()): the millisecond clock the
 * kernel's own TSvals use (CLOCK_MONOTONIC: the connection's later TSvals carry on from
 * it), rounded down with the options in its low bits, and never ahead of now. */
static __always_inline __u32 kcookie_tsval(__u64 now_ns, const struct cookie_data *d)
{
	__u32 now_ms = now_ns / 1000000, ts;

	ts = (now_ms & ~((1u << KCOOKIE_TSBITS) - 1)) | (d->wscale & KCOOKIE_TS_WSCALE_NONE) |
	     (d->sack_ok ? KCOOKIE_TS_SACK : 0) | (d->ecn_ok ? KCOOKIE_TS_ECN : 0);
	if (ts > now_ms)
		ts -= 1u << KCOOKIE_TSBITS;
	return ts;
}

/*
 * Whether an ACK to listener sk carries a cookie of the kernel's that it will accept:
 * bpf_tcp_check_syncookie() asks what cookie_v4_check()/cookie_v6_check() will, the
 * listener's overflow stamp within its two minutes and the cookie's hash and age. It
 * reads only the fixed TCP header, so the packet itself is handed over.
 */
static __always_inline bool kcookie_ack_valid(xsc_ctx_t *ctx, const struct pkt *p,
					      struct bpf_sock *sk)
{
	void *data = ctx_data(ctx), *data_end = ctx_data_end(ctx);
	void *l3 = data + (p->l2_len & L2_OFF_MASK);
	struct tcphdr *th = pkt_tcp(ctx, p);

	if (!th)
		return false;
	if (p->family == 4)
		return l3 + IPV4_HLEN <= data_end &&
		       !bpf_tcp_check_syncookie(sk, l3, IPV4_HLEN, th, TCP_HLEN);
	return l3 + IPV6_HLEN <= data_end && !bpf_tcp_check_syncookie(sk, l3, IPV6_HLEN, th, TCP_HLEN);
}

#endif /* XSC_KCOOKIE_H */
