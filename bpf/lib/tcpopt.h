/* SPDX-License-Identifier: GPL-2.0 */
/* TCP option parsing: a fixed-offset fast path for common layouts, bpf_loop for the rest. */
#ifndef XSC_TCPOPT_H
#define XSC_TCPOPT_H

#include "parse.h"

struct tcp_opts {
	__u32 tsval;		/* host order */
	__u32 tsecr;
	__u16 mss;		/* 0: no MSS option */
	__u8 wscale;		/* XSC_COOKIE_WSCALE_NONE: no window scale option */
	__u8 sack_ok;
	__u8 ts_ok;
	__u8 malformed;
	__u8 linux_syn;		/* exactly Linux's SYN layout (tcpopt_linux_syn) */
};

/* State of one bpf_loop walk. The options are copied to the stack first so the walk
 * indexes a fixed buffer with a masked offset: a bounded for loop over packet bytes
 * exceeds the verifier's 1M-instruction budget (seen with clang 19 on Linux 6.18). */
struct optwalk {
	__u8 buf[64];		/* power of two so "& 63" keeps every index inside */
	__u32 off;
	__u32 len;
	struct tcp_opts *out;
};
#define OPTBUF_MASK 63

static __always_inline __u32 optbuf_be32(const struct optwalk *w, __u32 at)
{
	return ((__u32)w->buf[at & OPTBUF_MASK] << 24) | ((__u32)w->buf[(at + 1) & OPTBUF_MASK] << 16) |
	       ((__u32)w->buf[(at + 2) & OPTBUF_MASK] << 8) | w->buf[(at + 3) & OPTBUF_MASK];
}

static long optwalk_step(__u32 index, struct optwalk *w)
{
	__u32 off = w->off;
	__u8 kind, len;

	if (off >= w->len)
		return 1;
	kind = w->buf[off & OPTBUF_MASK];
	if (kind == TCPOPT_EOL)
		return 1;
	if (kind == TCPOPT_NOP) {
		w->off = off + 1;
		return 0;
	}
	if (off + 1 >= w->len)
		goto malformed;
	len = w->buf[(off + 1) & OPTBUF_MASK];
	if (len < 2 || off + len > w->len)
		goto malformed;

	/* Like Linux, a known option with the wrong length is ignored and the last copy of
	 * a repeated option wins; unknown kinds are skipped and never echoed. */
	if (kind == TCPOPT_MSS && len == TCPOLEN_MSS) {
		w->out->mss = (w->buf[(off + 2) & OPTBUF_MASK] << 8) | w->buf[(off + 3) & OPTBUF_MASK];
	} else if (kind == TCPOPT_WINDOW && len == TCPOLEN_WINDOW) {
		__u8 ws = w->buf[(off + 2) & OPTBUF_MASK];

		w->out->wscale = ws > XSC_MAX_WSCALE ? XSC_MAX_WSCALE : ws;
	} else if (kind == TCPOPT_SACK_PERM && len == TCPOLEN_SACK_PERM) {
		w->out->sack_ok = 1;
	} else if (kind == TCPOPT_TIMESTAMP && len == TCPOLEN_TIMESTAMP) {
		w->out->ts_ok = 1;
		w->out->tsval = optbuf_be32(w, off + 2);
		w->out->tsecr = optbuf_be32(w, off + 6);
	}
	w->off = off + len;
	return 0;

malformed:
	w->out->malformed = 1;
	return 1;
}

/* Global (verified once, with its own stack frame): the 64-byte copy of the options would
 * otherwise sit in the caller's frame, and the SYN path's frames together must stay within
 * the verifier's 512 bytes. */
__noinline int tcpopt_walk(xsc_ctx_t *ctx, const struct pkt *p, struct tcp_opts *o)
{
	struct optwalk w = {};
	__u32 optlen, last;

	if (!p || !o)
		return XSC_STAT_DROP_INTERNAL;
	/* Linux 6.1 learns no bound from "optlen != 0" and bpf_xdp_load_bytes() refuses a
	 * size that may be 0, so the size is built as 1 + the checked index of the last
	 * option byte (hidden from clang, which would pass the unchecked optlen). No options
	 * wraps round to above the limit. */
	last = p->tcp_hlen - TCP_HLEN - 1;
	barrier_var(last);
	if (last >= TCP_MAX_OPTLEN)
		return XSC_CONTINUE;
	optlen = last + 1;
	w.out = o;
	w.len = optlen;
	if (ctx_load_bytes(ctx, p->l4_off + TCP_HLEN, w.buf, optlen)) {
		o->malformed = 1;
		return XSC_CONTINUE;
	}
	/* One iteration per option at most; 40 bytes of NOPs is the longest walk. */
	bpf_loop(TCP_MAX_OPTLEN, optwalk_step, &w, 0);
	return XSC_CONTINUE;
}

/*
 * Linux's SYN layout, by far the most common one on the wire:
 *   MSS(4) SACK_PERM(2) TIMESTAMP(10) NOP WINDOW(3)
 * Read at fixed offsets when the first bytes of each option match it.
 */
#define LINUX_SYN_OPTLEN 20
#define LINUX_SYN_HLEN (TCP_HLEN + LINUX_SYN_OPTLEN)
/* The kind/length bytes of that layout, compared a 16- or 32-bit word at a time. */
#define LINUX_SYN_W0 bpf_htons(TCPOPT_MSS << 8 | TCPOLEN_MSS)
#define LINUX_SYN_W1 bpf_htonl(TCPOPT_SACK_PERM << 24 | TCPOLEN_SACK_PERM << 16 | \
			       TCPOPT_TIMESTAMP << 8 | TCPOLEN_TIMESTAMP)
#define LINUX_SYN_W4 bpf_htonl(TCPOPT_NOP << 24 | TCPOPT_WINDOW << 16 | TCPOLEN_WINDOW << 8)
#define LINUX_SYN_W4_MASK bpf_htonl(0xffffff00)	/* the last byte is the shift */

static __always_inline bool tcpopt_linux_syn(xsc_ctx_t *ctx, const struct pkt *p,
					     struct tcp_opts *o)
{
	struct tcphdr *th = pkt_tcp(ctx, p);
	__u8 *opt;
	__u8 ws;

	if (!th || p->tcp_hlen != LINUX_SYN_HLEN)
		return false;
	opt = (__u8 *)(th + 1);
	if (opt + LINUX_SYN_OPTLEN > (__u8 *)ctx_data_end(ctx))
		return false;
	if (*(__u16 *)opt != LINUX_SYN_W0 || *(__u32 *)(opt + 4) != LINUX_SYN_W1 ||
	    (*(__u32 *)(opt + 16) & LINUX_SYN_W4_MASK) != LINUX_SYN_W4)
		return false;
	o->mss = (opt[2] << 8) | opt[3];
	o->sack_ok = 1;
	o->ts_ok = 1;
	o->tsval = bpf_ntohl(*(__be32 *)(opt + 8));
	o->tsecr = bpf_ntohl(*(__be32 *)(opt + 12));
	ws = opt[19];
	o->wscale = ws > XSC_MAX_WSCALE ? XSC_MAX_WSCALE : ws;
	o->linux_syn = 1;
	return true;
}

/* NOP NOP TIMESTAMP: what every timestamp-using stack puts on its ACKs. */
#define ACK_TS_OPTLEN 12
static __always_inline bool tcpopt_ack_ts(xsc_ctx_t *ctx, const struct pkt *p,
					  struct tcp_opts *o)
{
	struct tcphdr *th = pkt_tcp(ctx, p);
	__u8 *opt;

	if (!th || p->tcp_hlen != TCP_HLEN + ACK_TS_OPTLEN)
		return false;
	opt = (__u8 *)(th + 1);
	if (opt + ACK_TS_OPTLEN > (__u8 *)ctx_data_end(ctx))
		return false;
	if (opt[0] != TCPOPT_NOP || opt[1] != TCPOPT_NOP || opt[2] != TCPOPT_TIMESTAMP ||
	    opt[3] != TCPOLEN_TIMESTAMP)
		return false;
	o->ts_ok = 1;
	o->tsval = bpf_ntohl(*(__be32 *)(opt + 4));
	o->tsecr = bpf_ntohl(*(__be32 *)(opt + 8));
	return true;
}

static __always_inline void tcpopt_parse(xsc_ctx_t *ctx, const struct pkt *p,
					 struct tcp_opts *o, bool syn)
{
	o->wscale = XSC_COOKIE_WSCALE_NONE;
	if (syn ? tcpopt_linux_syn(ctx, p, o) : tcpopt_ack_ts(ctx, p, o))
		return;
	if (tcpopt_walk(ctx, p, o) != XSC_CONTINUE)
		o->malformed = 1;
}

#endif /* XSC_TCPOPT_H */
