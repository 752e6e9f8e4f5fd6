// SPDX-License-Identifier: GPL-2.0
/* TC ingress entry: turns an ACK whose cookie XDP validated into an ordinary kernel socket. */
#include "proto.h"
#include "maps.h"

char LICENSE[] SEC("license") = "GPL";

#define TC_ACT_UNSPEC (-1)	/* not ours: the next filter decides */
#define TC_ACT_OK 0
#define TC_ACT_SHOT 2

/* Linux 6.9+: creates the request socket a cookie stands for, so the listener accepts
 * the ACK (cookie_v4_check() alone refuses cookies it did not issue). */
extern int bpf_sk_assign_tcp_reqsk(struct __sk_buff *skb, struct sock *sk,
				   struct bpf_tcp_req_attrs *attrs, int attrs__sz) __ksym;

/*
 * Finds the TCP 4-tuple of the frame. TC sees it after the stack moved the outer VLAN
 * tag into skb->vlan_tci, so L2 is walked again here; XDP said where TCP starts
 * relative to the IP header.
 */
static __always_inline int handoff_tuple(struct __sk_buff *skb, const struct xsc_handoff_meta *m,
					 struct bpf_sock_tuple *t, __u32 *size)
{
	void *data = (void *)(long)skb->data, *data_end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	__u32 l3 = ETH_HLEN;
	__be16 proto;
	struct tcphdr *th;

	if ((void *)(eth + 1) > data_end)
		return -1;
	proto = eth->h_proto;
#pragma unroll
	for (int i = 0; i < XSC_MAX_VLANS; i++) {
		__be16 *inner = data + l3 + 2;

		if (proto != bpf_htons(ETH_P_8021Q) && proto != bpf_htons(ETH_P_8021AD))
			break;
		if ((void *)(inner + 1) > data_end)
			return -1;
		proto = *inner;
		l3 += VLAN_HLEN;
	}
	th = data + l3 + (m->l4_from_l3 & L4_OFF_MASK);
	if ((void *)(th + 1) > data_end)
		return -1;
	if (m->family == 4 && proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *iph = data + l3;

		if ((void *)(iph + 1) > data_end)
			return -1;
		t->ipv4.saddr = iph->saddr;
		t->ipv4.daddr = iph->daddr;
		t->ipv4.sport = th->source;
		t->ipv4.dport = th->dest;
		*size = sizeof(t->ipv4);
		return 0;
	}
	if (m->family == 6 && proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = data + l3;

		if ((void *)(ip6 + 1) > data_end)
			return -1;
		__builtin_memcpy(t->ipv6.saddr, &ip6->saddr, sizeof(t->ipv6.saddr));
		__builtin_memcpy(t->ipv6.daddr, &ip6->daddr, sizeof(t->ipv6.daddr));
		t->ipv6.sport = th->source;
		t->ipv6.dport = th->dest;
		*size = sizeof(t->ipv6);
		return 0;
	}
	return -1;
}

static __always_inline int handoff(struct __sk_buff *skb, const struct xsc_handoff_meta *m)
{
	struct bpf_tcp_req_attrs attrs = {
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
	struct bpf_sock_tuple tuple = {};
	struct bpf_sock *sk;
	struct tcp_sock *tp;
	__u32 size;
	int err;

	if (handoff_tuple(skb, m, &tuple, &size))
		return XSC_STAT_DROP_HANDOFF_UNPARSED;
	sk = bpf_skc_lookup_tcp(skb, &tuple, size, BPF_F_CURRENT_NETNS, 0);
	if (!sk)
		return XSC_STAT_DROP_HANDOFF_NO_LISTENER;
	/* A retransmitted final ACK after the socket exists: the kernel handles it. */
	if (sk->state != BPF_TCP_LISTEN) {
		bpf_sk_release(sk);
		return XSC_STAT_PASS_HANDOFF_EXISTS;
	}
	tp = bpf_skc_to_tcp_sock(sk);
	if (!tp) {
		bpf_sk_release(sk);
		return XSC_STAT_DROP_HANDOFF_FAILED;
	}
	err = bpf_sk_assign_tcp_reqsk(skb, (struct sock *)tp, &attrs, sizeof(attrs));
	bpf_sk_release(sk);
	return err ? XSC_STAT_DROP_HANDOFF_FAILED : XSC_STAT_PASS_HANDOFF_OK;
}

SEC("tc")
int tc_handoff(struct __sk_buff *skb)
{
	struct xsc_handoff_meta *m = (void *)(long)skb->data_meta;
	int reason;

	/* Every other packet leaves here: only XDP writes this metadata, and only for an
	 * ACK whose cookie it has just checked. */
	if ((void *)(m + 1) > (void *)(long)skb->data || m->magic != XSC_META_MAGIC)
		return TC_ACT_UNSPEC;
	reason = handoff(skb, m);
	stat_count(reason);
	return reason < XSC_STAT_FIRST_TX ? TC_ACT_OK : TC_ACT_SHOT;
}
