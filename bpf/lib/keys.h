/* SPDX-License-Identifier: GPL-2.0 */
/* The host-wide cookie keys: masters, the per-slot keys derived from them, and when a cookie was last sent. */
#ifndef XSC_KEYS_H
#define XSC_KEYS_H

#include "proto.h"
#include "siphash.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xsc_keyring);
} xsc_host_keys SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xsc_keycache);
} xsc_host_kcache SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xsc_host_issued);
} xsc_host_issued SEC(".maps");

/*
 * How far this host's clock is taken to be off: zero, except in the unit tests, which load
 * a second instance with an offset to stand for a host of the fleet whose clock is skewed.
 */
const volatile __s64 xsc_clock_offset_ns = 0;

/* This CPU's key cache (and clock offset); NULL never happens on a per-CPU array. */
static __always_inline struct xsc_keycache *keys_cache(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&xsc_host_kcache, &zero);
}

/*
 * The clock cookie slots count in: CLOCK_TAI, shared by the hosts of a fleet, as the
 * coarse monotonic time (which the caller has) plus an offset re-read once per rate
 * window (67 ms), so a clock step is followed within that.
 */
static __always_inline __u64 keys_clock_ns(struct xsc_keycache *c, __u64 mono_coarse)
{
	__u32 window = mono_coarse >> XSC_RATE_WINDOW_SHIFT;

	if (c->clock_window != window) {
		c->tai_offset = bpf_ktime_get_tai_ns() - mono_coarse;
		c->clock_window = window;
	}
	return mono_coarse + c->tai_offset + xsc_clock_offset_ns;
}

static __always_inline bool xsc_key_set(const struct xsc_key *k)
{
	return k->k0 | k->k1;
}

/* The keyring, or NULL when no usable master is loaded: no generation yet, or an all-zero
 * current master, from which anyone could derive our keys. */
static __always_inline const struct xsc_keyring *keys_get(void)
{
	__u32 zero = 0;
	struct xsc_keyring *kr = bpf_map_lookup_elem(&xsc_host_keys, &zero);

	if (!kr || !kr->gen || !xsc_key_set(&kr->master[kr->gen & 1]))
		return NULL;
	return kr;
}

/*
 * Fills a cache entry with what the slot derives from the master: its key and its TSval
 * offset. The master is copied once and everything is derived from and tagged with the
 * copy, so a master read half-written (user space rewrites the retired place during a
 * rotation) yields a tag no later lookup matches. Out of line: two SipHash runs inlined
 * into the per-packet functions would cost their frames about 90 bytes of stack (clang 19)
 * for a path taken once per slot.
 */
static __noinline void keys_derive(struct xsc_keycache_entry *e, const struct xsc_key *master,
				   __u32 slot)
{
	struct xsc_key m;

	if (!e || !master)
		return;
	m = *master;
	e->key.k0 = siphash13(&m, NULL, 0, (__u64)slot | (__u64)XSC_KDF_DOMAIN_K0 << 32);
	e->key.k1 = siphash13(&m, NULL, 0, (__u64)slot | (__u64)XSC_KDF_DOMAIN_K1 << 32);
	e->ts_offset = siphash13(&m, NULL, 0, (__u64)slot | (__u64)XSC_KDF_DOMAIN_TS << 32);
	e->master = m;
	e->slot = slot;
}

/*
 * What one slot derives from a master (the cache entry: its key and TSval offset). Cached
 * per CPU, so it is computed once per slot, master and CPU (the entry names the master it
 * came from, never just a generation).
 */
static __always_inline const struct xsc_keycache_entry *keys_slot(struct xsc_keycache *c,
								   const struct xsc_key *master,
								   __u32 idx, __u32 slot)
{
	struct xsc_keycache_entry *e;

	/* idx: the master's place in the keyring, so current and previous keep apart. Linux
	 * 6.1 loses the bound of an OR of two registers: the index is masked after it. */
	e = &c->e[xsc_mask_kept((idx & 1) << 2 | (slot & 3), XSC_KEYCACHE_ENTRIES - 1)];
	if (e->slot != slot || e->master.k0 != master->k0 || e->master.k1 != master->k1 ||
	    !xsc_key_set(&e->key))
		keys_derive(e, master, slot);
	return e;
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
