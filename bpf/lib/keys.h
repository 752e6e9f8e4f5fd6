/* SPDX-License-Identifier: GPL-2.0 */
/* The host-wide cookie state: the keyring every interface shares, and when a cookie was last sent. */
#ifndef XSC_KEYS_H
#define XSC_KEYS_H

#include "proto.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xsc_keyring);
} xsc_host_keys SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xsc_host_issued);
} xsc_host_issued SEC(".maps");

static __always_inline bool xsc_key_set(const struct xsc_key *k)
{
	return k->k0 | k->k1;
}

/* The keyring, or NULL when no usable key is loaded: no generation yet, or an all-zero
 * current key, with which anyone could compute our cookies. */
static __always_inline const struct xsc_keyring *keys_get(void)
{
	__u32 zero = 0;
	struct xsc_keyring *kr = bpf_map_lookup_elem(&xsc_host_keys, &zero);

	if (!kr || !kr->gen || !xsc_key_set(&kr->key[kr->gen & 1]))
		return NULL;
	return kr;
}

/* Notes that a cookie went out now: written once per rate window at most, so the cache
 * line stays read-mostly. */
static __always_inline void keys_note_cookie(__u64 now)
{
	__u32 zero = 0;
	struct xsc_host_issued *hi = bpf_map_lookup_elem(&xsc_host_issued, &zero);

	if (hi && (hi->last_cookie_ns >> XSC_RATE_WINDOW_SHIFT) != (now >> XSC_RATE_WINDOW_SHIFT))
		hi->last_cookie_ns = now;
}

/* Whether one of our cookies could still be valid: one went out within a validity window. */
static __always_inline bool keys_cookie_outstanding(__u64 now)
{
	__u32 zero = 0;
	struct xsc_host_issued *hi = bpf_map_lookup_elem(&xsc_host_issued, &zero);

	return hi && hi->last_cookie_ns && now - hi->last_cookie_ns <= XSC_COOKIE_VALID_NS;
}

#endif /* XSC_KEYS_H */
