/* SPDX-License-Identifier: GPL-2.0 */
/* The SYN cookie: what it encodes, how it is made and checked. */
#ifndef XSC_COOKIE_H
#define XSC_COOKIE_H

#include "parse.h"
#include "keys.h"
#include "siphash.h"

/*
 * Client MSS values a cookie can carry, by 3-bit index. The client's MSS is rounded
 * down to the nearest entry, so each entry is a common path MTU's MSS:
 * IPv4: RFC 1122 default, tunnels, IPsec/VPN, WireGuard-ish, PPPoE, Ethernet, jumbo.
 * IPv6: RFC 8200 minimum MTU, tunnels, VPN, WireGuard, PPPoE, Ethernet, jumbo.
 */
static const __u16 mss_table4[8] = { 536, 1220, 1300, 1380, 1440, 1452, 1460, 8960 };
static const __u16 mss_table6[8] = { 1220, 1280, 1340, 1380, 1420, 1432, 1440, 8940 };
#define MSS_TABLE_MASK 7
/* What RFC 9293 (IPv4) and RFC 8200 (IPv6) let a sender assume without an MSS option. */
#define DEFAULT_CLIENT_MSS4 536
#define DEFAULT_CLIENT_MSS6 1220

/* What a SYN asked for and we agreed to, as it is kept in the cookie's low bits. */
struct cookie_data {
	__u8 mss_idx;
	__u8 wscale;		/* client's shift, XSC_COOKIE_WSCALE_NONE if it sent none */
	__u8 sack_ok;
	__u8 ecn_ok;
};

/* Everything the hash covers that comes from the packet, client -> server. */
struct cookie_flow {
	__be32 saddr[4];	/* IPv4 uses [0] only */
	__be32 daddr[4];
	__be16 sport;		/* client port */
	__be16 dport;		/* server port */
	__u32 client_isn;	/* the SYN's sequence number */
	__u32 family;		/* 4 or 6 */
};

static __always_inline void cookie_flow_init(struct cookie_flow *f, const struct pkt *p, __u32 isn)
{
	__builtin_memcpy(f->saddr, p->saddr, sizeof(f->saddr));
	__builtin_memcpy(f->daddr, p->daddr, sizeof(f->daddr));
	f->sport = p->sport;
	f->dport = p->dport;
	f->client_isn = isn;
	f->family = p->family;
}

/* The cookie slot a CLOCK_TAI time falls in. */
static __always_inline __u32 cookie_slot(__u64 tai_ns)
{
	return tai_ns >> XSC_COOKIE_SLOT_NS_SHIFT;
}

static __always_inline __u16 cookie_mss_value(__u8 family, __u32 idx)
{
	return family == 4 ? mss_table4[idx & MSS_TABLE_MASK] : mss_table6[idx & MSS_TABLE_MASK];
}

static __always_inline __u32 cookie_mss_index(__u8 family, __u16 mss)
{
	const __u16 *table = family == 4 ? mss_table4 : mss_table6;
	__u32 idx = 0;

	if (mss == 0)
		mss = family == 4 ? DEFAULT_CLIENT_MSS4 : DEFAULT_CLIENT_MSS6;
#pragma unroll
	for (int i = 1; i <= MSS_TABLE_MASK; i++)
		if (mss >= table[i])
			idx = i;
	return idx;
}

static __always_inline __u32 cookie_data_bits(const struct cookie_data *d)
{
	return d->ecn_ok << XSC_COOKIE_ECN_SHIFT | d->sack_ok << XSC_COOKIE_SACK_SHIFT |
	       d->wscale << XSC_COOKIE_WSCALE_SHIFT | d->mss_idx << XSC_COOKIE_MSS_SHIFT;
}

/*
 * SipHash-1-3 of the addresses, ports and client ISN, then a 6-byte tail of the full
 * slot, the low 12 cookie bits and the family. The byte layout is in docs/design.md;
 * the unit tests rebuild it with an independent SipHash.
 *
 * Inlined into handle_syn() and handle_ack(), which are global functions: the
 * verifier walks it once per caller, not once per parser path.
 */
static __always_inline __u64 cookie_hash(const struct xsc_key *key, const struct cookie_flow *f,
					 __u32 slot, __u32 low_bits)
{
	__u64 m[SIP_MAX_WORDS];
	__u64 ports_isn, tail;

	if (!key || !f)
		return 0;
	ports_isn = (__u64)f->sport | (__u64)f->dport << 16 | (__u64)f->client_isn << 32;
	tail = (__u64)slot | (__u64)(low_bits | f->family << 12) << 32;
	if (f->family == 4) {
		m[0] = (__u64)f->saddr[0] | (__u64)f->daddr[0] << 32;
		m[1] = ports_isn;
		return siphash13(key, m, 2, tail);
	}
	m[0] = (__u64)f->saddr[0] | (__u64)f->saddr[1] << 32;
	m[1] = (__u64)f->saddr[2] | (__u64)f->saddr[3] << 32;
	m[2] = (__u64)f->daddr[0] | (__u64)f->daddr[1] << 32;
	m[3] = (__u64)f->daddr[2] | (__u64)f->daddr[3] << 32;
	m[4] = ports_isn;
	return siphash13(key, m, 5, tail);
}

static __always_inline __u32 cookie_hash_bits(__u64 hash)
{
	return hash >> (64 - XSC_COOKIE_HASH_BITS);
}

/* The cookie for a SYN, made with the current master's key for the slot. */
static __always_inline __u32 cookie_make(const struct xsc_key *slot_key, const struct cookie_flow *f,
					 const struct cookie_data *d, __u32 slot)
{
	__u32 low = cookie_data_bits(d) | (slot & XSC_COOKIE_SLOT_MASK) << XSC_COOKIE_SLOT_SHIFT;
	__u64 hash = cookie_hash(slot_key, f, slot, low);

	return cookie_hash_bits(hash) << XSC_COOKIE_HASH_SHIFT | low;
}

/*
 * The slot a cookie was made in, from its two low slot bits and the checker's slot: its own
 * or XSC_COOKIE_MAX_AGE before, or one ahead (an issuer of the fleet whose clock runs ahead
 * of ours). Returns false for any other.
 */
static __always_inline bool cookie_slot_of(__u32 cookie, __u32 now_slot, __u32 *slot)
{
	__u32 age = (now_slot - (cookie >> XSC_COOKIE_SLOT_SHIFT)) & XSC_COOKIE_SLOT_MASK;

	if (age == XSC_COOKIE_SLOT_MASK) {	/* -1 in two bits */
		*slot = now_slot + 1;
		return true;
	}
	*slot = now_slot - age;
	return age <= XSC_COOKIE_MAX_AGE;
}

/* Whether the cookie's hash bits are those of the master at place idx of the keyring. */
static __always_inline bool cookie_hash_ok(const struct xsc_keyring *kr, struct xsc_keycache *c,
					   __u32 idx, const struct cookie_flow *f, __u32 cookie,
					   __u32 slot)
{
	const struct xsc_key *master = &kr->master[idx & 1], *key;

	if (!xsc_key_set(master))	/* an all-zero master is known to everyone */
		return false;
	key = keys_slot_key(c, master, idx, slot);
	return cookie_hash_bits(cookie_hash(key, f, slot, cookie & XSC_COOKIE_DATA_MASK)) ==
	       cookie >> XSC_COOKIE_HASH_SHIFT;
}

/*
 * Checks a cookie (the final ACK's ack_seq - 1) in the slot its low bits name: against the
 * current master, then, within a validity window of the rotation that retired it, the
 * previous one (that second SipHash is paid only by ACKs that fail the first, and only in
 * those two minutes). now is CLOCK_TAI. Fills d on success.
 */
static __always_inline bool cookie_check(const struct xsc_keyring *kr, struct xsc_keycache *c,
					 const struct cookie_flow *f, __u32 cookie, __u64 now,
					 struct cookie_data *d)
{
	__u32 cur = kr->gen & 1, slot;

	if (!cookie_slot_of(cookie, cookie_slot(now), &slot))
		return false;
	if (!cookie_hash_ok(kr, c, cur, f, cookie, slot) &&
	    (now >= kr->prev_until || !cookie_hash_ok(kr, c, cur ^ 1, f, cookie, slot)))
		return false;
	d->ecn_ok = (cookie >> XSC_COOKIE_ECN_SHIFT) & 1;
	d->sack_ok = (cookie >> XSC_COOKIE_SACK_SHIFT) & 1;
	d->wscale = (cookie >> XSC_COOKIE_WSCALE_SHIFT) & XSC_COOKIE_WSCALE_MASK;
	d->mss_idx = (cookie >> XSC_COOKIE_MSS_SHIFT) & XSC_COOKIE_MSS_MASK;
	return true;
}

/* The attribute set the kernel needs to create the socket, from a checked cookie and
 * the final ACK's timestamps. rcv_wscale is ours, as the SYN-ACK offered it. */
static __always_inline void cookie_handoff_attrs(const struct cookie_data *d, __u8 family,
						 __u8 our_wscale, __u32 tsval, __u32 tsecr,
						 bool ts_ok, struct xsc_handoff_meta *m)
{
	m->magic = XSC_META_MAGIC;
	m->mss = cookie_mss_value(family, d->mss_idx);
	m->wscale_ok = d->wscale != XSC_COOKIE_WSCALE_NONE;
	m->snd_wscale = m->wscale_ok ? d->wscale : 0;
	m->rcv_wscale = m->wscale_ok ? our_wscale : 0;
	m->sack_ok = d->sack_ok;
	m->ecn_ok = d->ecn_ok;
	m->tstamp_ok = ts_ok;
	m->rcv_tsval = ts_ok ? tsval : 0;
	m->rcv_tsecr = ts_ok ? tsecr : 0;
}

#endif /* XSC_COOKIE_H */
