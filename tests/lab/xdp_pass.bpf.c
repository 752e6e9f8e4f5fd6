// SPDX-License-Identifier: GPL-2.0
/* XDP program that passes every frame: attached to the lab's client and attacker veth
 * ends because veth drops XDP_TX frames unless the peer has an XDP program too. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

SEC("xdp")
int xdp_pass(struct xdp_md *ctx)
{
	(void)ctx;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
