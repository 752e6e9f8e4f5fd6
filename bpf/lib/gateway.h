/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Gateway mode (attach --gateway): SYNs to servers behind this host, forwarded by it. No
 * socket here knows them: the route says whether a segment is forwarded, conntrack says
 * whether its flow exists, and the cookies are the kernel's own, made without a listener,
 * so that netfilter SYNPROXY can check the final ACK and open the connection to the
 * server. docs/design.md, "Gateway mode".
 */
#ifndef XSC_GATEWAY_H
#define XSC_GATEWAY_H

#include "parse.h"
#include "settings.h"

/* struct bpf_ct_opts as Linux 6.0 lays it out (12 bytes, which every later kernel still
 * takes): declared here because the module that defines it may be absent from the kernel
 * this was built on. */
struct bpf_ct_opts___xsc {
	__s32 netns_id;
	__s32 error;
	__u8 l4proto;
	__u8 dir;
	__u8 reserved[2];
};
#define GW_CT_OPTS_SZ 12
#define GW_CT_NETNS_CURRENT (-1)	/* BPF_F_CURRENT_NETNS */

/* nf_conntrack's kfuncs (Linux 6.0+). Weak, so that the object loads where conntrack is
 * not loaded or has no BTF: only a program loaded with xsc_gw_conntrack set calls them,
 * which attach --gateway does once it has checked that they resolve (user/core/gateway.c).
 * A load-time flag rather than a test of the symbol's address: libbpf 1.1.2 writes that
 * test (ld_imm64) without the module's BTF, and Linux 6.1 refuses the program. */
extern struct nf_conn *bpf_xdp_ct_lookup(struct xdp_md *ctx, struct bpf_sock_tuple *tuple,
					 __u32 tuple_sz, struct bpf_ct_opts___xsc *opts,
					 __u32 opts_sz) __ksym __weak;
extern void bpf_ct_release(struct nf_conn *ct) __ksym __weak;
const volatile __u8 xsc_gw_conntrack = 0;

/* The route lookup's parameters (64 bytes): per CPU, off the stack, which the SYN path
 * has no room left on. */
struct gw_scratch {
	struct bpf_fib_lookup fib;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct gw_scratch);
} xsc_gw_scratch SEC(".maps");

#define GW_AF_INET 2
#define GW_AF_INET6 10

static __always_inline bool gateway_mode(void)
{
	return xsc_cfg.handoff == XSC_HANDOFF_SYNPROXY;
}

/*
 * Whether the kernel would forward this segment: XSC_CONTINUE if so (with or without a
 * neighbour entry yet), else the reason it is not ours to judge. A destination on this
 * host is passed (a wildcard listener here must not make a forwarded flow look local, and
 * a local one is not what gateway mode protects); the helper says "not forwarded" for one
 * with no route at all too.
 */
static __always_inline int gw_route(xsc_ctx_t *ctx, const struct pkt *p)
{
	struct gw_scratch *s;
	__u32 zero = 0;
	long ret;

	s = bpf_map_lookup_elem(&xsc_gw_scratch, &zero);
	if (!s)
		return XSC_STAT_DROP_INTERNAL;
	__builtin_memset(&s->fib, 0, sizeof(s->fib));
	s->fib.l4_protocol = IPPROTO_TCP;
	s->fib.sport = p->sport;
	s->fib.dport = p->dport;
	s->fib.ifindex = (__u32)(long)CTX_LOAD(struct xdp_md, ctx, ingress_ifindex);
	if (p->family == 4) {
		s->fib.family = GW_AF_INET;
		s->fib.ipv4_src = p->saddr[0];
		s->fib.ipv4_dst = p->daddr[0];
	} else {
		s->fib.family = GW_AF_INET6;
		__builtin_memcpy(s->fib.ipv6_src, p->saddr, sizeof(s->fib.ipv6_src));
		__builtin_memcpy(s->fib.ipv6_dst, p->daddr, sizeof(s->fib.ipv6_dst));
	}
	/* tot_len 0: no MTU check, the segment is not resized here. */
	ret = bpf_fib_lookup(ctx, &s->fib, sizeof(s->fib), 0);
	if (ret == BPF_FIB_LKUP_RET_SUCCESS || ret == BPF_FIB_LKUP_RET_NO_NEIGH)
		return XSC_CONTINUE;
	return ret == BPF_FIB_LKUP_RET_NOT_FWDED ? XSC_STAT_PASS_GW_LOCAL : XSC_STAT_PASS_GW_NO_ROUTE;
}

/*
 * Whether conntrack has a confirmed entry for the segment's flow, in either direction. An
 * entry is confirmed once its first packet has left netfilter; IPS_CONFIRMED is the mask
 * (its _BIT twin is the bit number, a mistake others shipped).
 */
static __always_inline bool gw_flow_known(xsc_ctx_t *ctx, const struct pkt *p)
{
	struct bpf_ct_opts___xsc opts = { .netns_id = GW_CT_NETNS_CURRENT,
					  .l4proto = IPPROTO_TCP };
	struct bpf_sock_tuple tuple;	/* not zeroed: the kfunc reads the size bytes set */
	struct nf_conn *ct;
	__u32 size;
	bool known;

	if (!xsc_gw_conntrack)
		return false;
	size = pkt_tuple(p, &tuple);
	ct = bpf_xdp_ct_lookup(ctx, &tuple, size, &opts, GW_CT_OPTS_SZ);
	if (!ct)
		return false;
	known = ct->status & IPS_CONFIRMED;
	bpf_ct_release(ct);
	return known;
}

/* Tells TC that XDP verified this segment's TCP checksum (XSC_META_GW_MAGIC). */
static __always_inline int gw_mark_checked(xsc_ctx_t *ctx)
{
	__u32 *magic;

	if (bpf_xdp_adjust_meta(ctx, -(int)sizeof(*magic)))
		return XSC_STAT_DROP_META_FAILED;
	magic = ctx_data_meta(ctx);
	if ((void *)(magic + 1) > ctx_data(ctx))
		return XSC_STAT_DROP_META_FAILED;
	*magic = XSC_META_GW_MAGIC;
	return XSC_CONTINUE;
}

#endif /* XSC_GATEWAY_H */
