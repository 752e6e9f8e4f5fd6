// SPDX-License-Identifier: GPL-2.0
/* Probe for the kernel bench's objects suite: a TC program that calls the 6.9 kfunc
 * bpf_sk_assign_tcp_reqsk() only where the kernel has it, declared __weak and guarded the
 * way libbpf 1.2's bpf_ksym_exists() does (Debian 12's libbpf 1.1.2 has no such macro).
 * Whether this loads on 6.1 and on 6.18 with Debian's libbpf is what docs/kernels.md needs. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

char LICENSE[] SEC("license") = "GPL";

extern int bpf_sk_assign_tcp_reqsk(struct __sk_buff *skb, struct sock *sk,
				   struct bpf_tcp_req_attrs *attrs, int attrs__sz) __ksym __weak;

SEC("tc")
int weak_kfunc(struct __sk_buff *skb)
{
	struct bpf_tcp_req_attrs attrs = {};
	struct bpf_sock_tuple t = {};
	struct bpf_sock *sk;
	struct tcp_sock *tp;
	int ret = -1;

	t.ipv4.dport = bpf_htons(80);
	sk = bpf_skc_lookup_tcp(skb, &t, sizeof(t.ipv4), BPF_F_CURRENT_NETNS, 0);
	if (!sk)
		return 0;
	tp = bpf_skc_to_tcp_sock(sk);
	/* bpf_ksym_exists(sym) in libbpf 1.2 is this test, plus a check that sym is weak. */
	if (tp && bpf_sk_assign_tcp_reqsk)
		ret = bpf_sk_assign_tcp_reqsk(skb, (struct sock *)tp, &attrs, sizeof(attrs));
	bpf_sk_release(sk);
	return ret == 0 ? 0 : 2;
}
