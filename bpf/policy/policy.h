/* SPDX-License-Identifier: GPL-2.0 */
/* The interface's policy: which ports are protected and how each one engages. */
#ifndef XSC_POLICY_H
#define XSC_POLICY_H

#include "../lib/proto.h"

/*
 * The live policy is the one entry of a one-entry inner map. A change builds a whole new
 * inner map in user space and swaps it in with one update of this outer map; the kernel
 * returns from that update only after every program that could still see the old one
 * has finished, so each packet sees one policy, whole.
 */
/* Sizes, not BTF types: user space creates the inner maps without BTF, and Linux 6.1 takes
 * an inner map only if it matches the template in that as well (bpf_map_meta_equal()
 * compares timer_off, -EINVAL without BTF but -ENOENT with a value type that has none). */
struct policy_inner {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(struct xsc_policy));
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1);
	__type(key, __u32);
	__array(values, struct policy_inner);
} xsc_policy SEC(".maps");

/* The policy in force, or NULL before user space installed one. */
static __always_inline const struct xsc_policy *policy_get(void)
{
	__u32 zero = 0;
	void *inner = bpf_map_lookup_elem(&xsc_policy, &zero);

	return inner ? bpf_map_lookup_elem(inner, &zero) : NULL;
}

static __always_inline __u8 policy_port(const struct xsc_policy *pol, __be16 port)
{
	/* Linux 6.1 keeps no bound through a byte swap (BPF_END): masked to 16 bits again. */
	return pol->port[xsc_mask_kept((__u32)bpf_ntohs(port), XSC_PORTS - 1)];
}

/* The mode a port follows: its own, or the interface's default. */
static __always_inline __u8 policy_mode(const struct xsc_policy *pol, __u8 port_byte)
{
	__u8 mode = (port_byte >> XSC_PORT_MODE_SHIFT) & XSC_PORT_MODE_MASK;

	return mode != XSC_ENGAGE_DEFAULT ? mode : pol->engage;
}

#endif /* XSC_POLICY_H */
