// SPDX-License-Identifier: GPL-2.0
/* TC ingress entry: turns an ACK whose cookie XDP validated into an ordinary kernel socket
 * (in gateway mode: marks the checksum of one XDP verified, for SYNPROXY). */
#define XSC_HOOK_TC
#include "lib/parse.h"
#include "lib/sock.h"
#include "lib/stats.h"
#include "lib/settings.h"

char LICENSE[] SEC("license") = "GPL";

#define TC_ACT_UNSPEC (-1)	/* not ours: the next filter decides */
#define TC_ACT_OK 0
#define TC_ACT_SHOT 2

/* Linux 6.9+: creates the request socket a cookie stands for, so the listener accepts
 * the ACK (cookie_v4_check() alone refuses cookies it did not issue). Weak, so that the
 * one object also loads on older kernels (Debian 12's 6.1), where libbpf 1.1.2 leaves its
 * address 0 and the verifier removes the guarded call as dead code (docs/kernels.md).
 * attach never puts this program on such a kernel: it takes the kernel handoff there. */
extern int bpf_sk_assign_tcp_reqsk(struct __sk_buff *skb, struct sock *sk,
				   struct bpf_tcp_req_attrs *attrs, int attrs__sz) __ksym __weak;

/*
 * struct bpf_tcp_req_attrs as Linux 6.9 lays it out, declared here rather than taken from
 * vmlinux.h, whose types are CO-RE relocated: on a kernel without the type (6.1) libbpf
 * would refuse the object for a relocation in code that never runs there. The kfunc takes
 * it as memory with its size (attrs__sz), so nothing needs relocating.
 */
struct xsc_req_attrs {
	__u32 rcv_tsval;
	__u32 rcv_tsecr;
	__u16 mss;
	__u8 rcv_wscale;
	__u8 snd_wscale;
	__u8 ecn_ok;
	__u8 wscale_ok;
	__u8 sack_ok;
	__u8 tstamp_ok;
	__u8 usec_ts_ok;
	__u8 reserved[3];
};
_Static_assert(sizeof(struct xsc_req_attrs) == sizeof(struct bpf_tcp_req_attrs),
	       "the kfunc's attributes changed shape");

/* The frame is parsed again, with the same parser as XDP: TC sees it after the stack has
 * moved the outer VLAN tag into skb->vlan_tci, so the offsets XDP saw no longer hold. */
static __always_inline int handoff(struct __sk_buff *skb, const struct xsc_handoff_meta *m)
{
	struct xsc_req_attrs attrs = {
		.rcv_tsval = m->rcv_tsval,
		.rcv_tsecr = m->rcv_tsecr,
		.mss = m->mss,
		.rcv_wscale = m->rcv_wscale,
		.snd_wscale = m->snd_wscale,
		.ecn_ok = m->ecn_ok,
		.wscale_ok = m->wscale_ok,
		.sack_ok = m->sack_ok,
		.tstamp_ok = m->tstamp_ok,
	};
	struct pkt p = {};
	struct bpf_sock *sk;
	struct tcp_sock *tp;
	int err;

	/* libbpf 1.2's bpf_ksym_exists() is this test; 1.1.2 has no such macro. */
	if (!bpf_sk_assign_tcp_reqsk)
		return XSC_STAT_DROP_HANDOFF_UNSUPPORTED;
	if (parse_packet(skb, &p, &xsc_cfg) != XSC_CONTINUE)
		return XSC_STAT_DROP_HANDOFF_UNPARSED;
	sk = sock_lookup(skb, &p);
	if (!sk)
		return XSC_STAT_DROP_HANDOFF_NO_LISTENER;
	/* A retransmitted final ACK after the socket exists: the kernel handles it. */
	if (!sock_is_listener(sk)) {
		bpf_sk_release(sk);
		return XSC_STAT_PASS_HANDOFF_EXISTS;
	}
	tp = bpf_skc_to_tcp_sock(sk);
	if (!tp) {
		bpf_sk_release(sk);
		return XSC_STAT_DROP_HANDOFF_FAILED;
	}
	err = bpf_sk_assign_tcp_reqsk(skb, (struct sock *)tp, (struct bpf_tcp_req_attrs *)&attrs,
				      sizeof(attrs));
	bpf_sk_release(sk);
	return err ? XSC_STAT_DROP_HANDOFF_FAILED : XSC_STAT_PASS_HANDOFF_OK;
}

SEC("tc")
int tc_handoff(struct __sk_buff *skb)
{
	struct xsc_handoff_meta *m = (void *)(long)skb->data_meta;
	__u32 *magic = (void *)(long)skb->data_meta;

	/* Every other packet leaves here: only XDP writes this metadata, and only for an
	 * ACK whose cookie it has just checked. */
	if ((void *)(magic + 1) > (void *)(long)skb->data)
		return TC_ACT_UNSPEC;
	/* Gateway mode: XDP verified this cookie ACK's checksum, which SYNPROXY would get
	 * wrong for IPv6 (abi.h); it goes on, counted in XDP as gw_ack_cookie. */
	if (*magic == XSC_META_GW_MAGIC) {
		bpf_csum_level(skb, BPF_CSUM_LEVEL_INC);
		return TC_ACT_UNSPEC;
	}
	if ((void *)(m + 1) > (void *)(long)skb->data || m->magic != XSC_META_MAGIC)
		return TC_ACT_UNSPEC;
	return stat_count(handoff(skb, m)) == XSC_VERDICT_PASS ? TC_ACT_OK : TC_ACT_SHOT;
}
