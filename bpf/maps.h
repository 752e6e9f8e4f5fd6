/* SPDX-License-Identifier: GPL-2.0 */
/* The maps both programs share: counters, cookie keys, port policy. */
#ifndef XSC_MAPS_H
#define XSC_MAPS_H

#include "proto.h"

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XSC_STAT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} xsc_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xsc_keyring);
} xsc_keys SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xsc_policy);
} xsc_policy SEC(".maps");

/* One byte per port: an array lookup is a bounds check and an add, no hashing. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XSC_PORTS_MAX);
	__type(key, __u32);
	__type(value, __u8);
} xsc_ports SEC(".maps");

/* Load-time settings; user space overwrites the defaults between open and load. */
const volatile struct xsc_settings xsc_cfg = {
	.mss4 = XSC_DEFAULT_MSS4,
	.mss6 = XSC_DEFAULT_MSS6,
	.window = XSC_DEFAULT_WINDOW,
	.wscale = XSC_DEFAULT_WSCALE,
	.ttl = XSC_DEFAULT_TTL,
	.flags = XSC_DEFAULT_FLAGS,
};

static __always_inline bool port_is_protected(__be16 port)
{
	__u32 zero = 0, key = bpf_ntohs(port);
	struct xsc_policy *pol = bpf_map_lookup_elem(&xsc_policy, &zero);
	__u8 *mark;

	if (!pol || !pol->ports_listed)
		return true;
	mark = bpf_map_lookup_elem(&xsc_ports, &key);
	return mark && (*mark & XSC_PORT_PROTECTED);
}

/* Counts the reason on this CPU; no atomics on the per-packet path. */
static __always_inline void stat_count(__u32 reason)
{
	__u64 *cnt = bpf_map_lookup_elem(&xsc_stats, &reason);

	if (cnt)
		*cnt += 1;
}

#endif /* XSC_MAPS_H */
