/* SPDX-License-Identifier: GPL-2.0 */
/* The SYN cookie: what it encodes, how it is made and checked. */
#ifndef XSC_COOKIE_H
#define XSC_COOKIE_H

#include "parse.h"
#include "keys.h"
#include "siphash.h"

/*
 * Client MSS values a cookie can carry. The client's MSS is rounded down to the nearest
 * entry, so each entry is a common path MTU's MSS. With timestamps, 3 bits:
 * IPv4: RFC 1122 default, tunnels, IPsec/VPN, WireGuard-ish, PPPoE, Ethernet, jumbo.
 * IPv6: RFC 8200 minimum MTU, tunnels, VPN, WireGuard, PPPoE, Ethernet, jumbo.
 * Without, 2 bits, for hash bits: the default, VPN-sized, PPPoE-ish and Ethernet.
 */
static const __u16 mss_table4[8] = { 536, 1220, 1300, 1380, 1440, 1452, 1460, 8960 };
static const __u16 mss_table6[8] = { 1220, 1280, 1340, 1380, 1420, 1432, 1440, 8940 };
static const __u16 mss_plain4[4] = { 536, 1300, 1440, 1460 };
static const __u16 mss_plain6[4] = { 1220, 1280, 1420, 1440 };
/* What RFC 9293 (IPv4) and RFC 8200 (IPv6) let a sender assume without an MSS option. */
#define DEFAULT_CLIENT_MSS4 536
#define DEFAULT_CLIENT_MSS6 1220

/*
 * Window scales a cookie without timestamps can carry (3 bits); a client's shift is rounded
 * down to one (a smaller shift only makes us read its window as smaller, which is safe),
 * and a shift below the smallest means no scaling, in both directions. Covers Linux (7,
 * 9, 10 with large buffers), Windows (8), macOS and iOS (6).
 */
static const __u8 wscale_plain[8] = { XSC_COOKIE_WSCALE_NONE, 2, 4, 6, 7, 8, 9, 10 };

/* What a SYN asked for and we agreed to, as the cookie keeps it. */
struct cookie_data {
	__u8 ts;		/* timestamps answered: the TSval carries the options */
	__u8 mss_idx;		/* into the mode's MSS table */
	__u8 wscale;		/* client's shift (rounded down without timestamps), or NONE */
	__u8 sack_ok;
	__u8 ecn_ok;		/* only with timestamps */
	__u8 ws_code;		/* without timestamps: wscale's index in wscale_plain */
};

/* The cookie slot a CLOCK_TAI time falls in. */
static __always_inline __u32 cookie_slot(__u64 tai_ns)
{
	return tai_ns >> XSC_COOKIE_SLOT_NS_SHIFT;
}

static __always_inline __u16 cookie_mss_value(__u8 family, __u8 ts, __u32 idx)
{
	if (ts)
		return family == 4 ? mss_table4[idx & 7] : mss_table6[idx & 7];
	return family == 4 ? mss_plain4[idx & 3] : mss_plain6[idx & 3];
}

/*
 * Fills d from the client's options (MSS 0: none sent) and what we agreed to offer: the
 * table entries at or below what the client asked for.
 */
static __always_inline void cookie_choose(struct cookie_data *d, __u8 family, bool ts, __u16 mss,
					  __u8 wscale, bool sack_ok, bool ecn_ok)
{
	const __u16 *table = ts ? (family == 4 ? mss_table4 : mss_table6) :
				  (family == 4 ? mss_plain4 : mss_plain6);
	__u32 n = ts ? 8 : 4;

	if (mss == 0)
		mss = family == 4 ? DEFAULT_CLIENT_MSS4 : DEFAULT_CLIENT_MSS6;
	d->ts = ts;
	d->mss_idx = 0;
#pragma unroll
	for (int i = 1; i < 8; i++)
		if (i < n && mss >= table[i])
			d->mss_idx = i;
	d->sack_ok = sack_ok;
	d->ecn_ok = ts && ecn_ok;	/* no room for it in a cookie without timestamps */
	d->ws_code = 0;
	d->wscale = wscale;
	if (ts || wscale == XSC_COOKIE_WSCALE_NONE)
		return;
#pragma unroll
	for (int i = 1; i < 8; i++)
		if (wscale >= wscale_plain[i])
			d->ws_code = i;
	d->wscale = wscale_plain[d->ws_code];
}

/* The option bits a cookie's hash covers, with the mode: 11 bits. */
static __always_inline __u32 cookie_meta(const struct cookie_data *d)
{
	if (d->ts)
		return 1 | d->mss_idx << 1 | d->wscale << 4 | d->sack_ok << 8 | d->ecn_ok << 9;
	return d->mss_idx << 1 | d->ws_code << 3 | d->sack_ok << 6;
}

/*
 * SipHash-1-3 of the addresses, ports (client -> server, as the packet has them) and client
 * ISN, then a 6-byte tail of the full slot, the mode and option bits (cookie_meta) and the
 * family. The byte layout is in docs/design.md; the unit tests rebuild it with an
 * independent SipHash.
 *
 * Read from the parsed packet itself: a copy of the flow in the caller's frame cost
 * handle_syn() and handle_ack() 48 bytes of stack each, and Linux 6.1 counts the SYN
 * path's frames together against its 512 bytes with each rounded up to 32.
 *
 * Inlined into handle_syn() and handle_ack(), which are global functions: the
 * verifier walks it once per caller, not once per parser path.
 */
static __always_inline __u64 cookie_hash(const struct xsc_key *key, const struct pkt *p,
					 __u32 client_isn, __u32 slot, __u32 meta)
{
	__u64 m[SIP_MAX_WORDS];
	__u64 ports_isn, tail;

	if (!key || !p)
		return 0;
	ports_isn = (__u64)p->sport | (__u64)p->dport << 16 | (__u64)client_isn << 32;
	tail = (__u64)slot | (__u64)(meta | (__u32)p->family << 12) << 32;
	if (p->family == 4) {
		m[0] = (__u64)p->saddr[0] | (__u64)p->daddr[0] << 32;
		m[1] = ports_isn;
		return siphash13(key, m, 2, tail);
	}
	m[0] = (__u64)p->saddr[0] | (__u64)p->saddr[1] << 32;
	m[1] = (__u64)p->saddr[2] | (__u64)p->saddr[3] << 32;
	m[2] = (__u64)p->daddr[0] | (__u64)p->daddr[1] << 32;
	m[3] = (__u64)p->daddr[2] | (__u64)p->daddr[3] << 32;
	m[4] = ports_isn;
	return siphash13(key, m, 5, tail);
}

/* The cookie for a SYN, with the current master's key for the slot: the ISN, and with
 * timestamps the 14 low bits of our TSval (the rest of the TSval is clock). */
static __always_inline __u32 cookie_make(const struct xsc_key *slot_key, const struct pkt *syn,
					 const struct cookie_data *d, __u32 slot, __u32 *ts_bits)
{
	__u64 hash = cookie_hash(slot_key, syn, syn->seq, slot, cookie_meta(d));
	__u32 low = (slot & XSC_COOKIE_SLOT_MASK) | d->mss_idx << XSC_COOKIE_MSS_SHIFT;

	if (d->ts) {
		*ts_bits = (d->wscale & XSC_COOKIE_TS_WSCALE_MASK) |
			   (d->sack_ok ? XSC_COOKIE_TS_SACK_BIT : 0) |
			   (d->ecn_ok ? XSC_COOKIE_TS_ECN_BIT : 0) |
			   (__u32)(hash >> 29 & XSC_COOKIE_TS_HASHB_MASK) << XSC_COOKIE_TS_HASHB_SHIFT;
		return (__u32)(hash >> 37) << XSC_COOKIE_TS_HASH_SHIFT | low;
	}
	*ts_bits = 0;
	low |= d->ws_code << XSC_COOKIE_PLAIN_WS_SHIFT | (d->sack_ok ? XSC_COOKIE_PLAIN_SACK_BIT : 0);
	return (__u32)(hash >> 40) << XSC_COOKIE_PLAIN_HASH_SHIFT | low;
}

/* What a cookie claims: the options from the ISN, or the ISN and the echoed TSval. */
static __always_inline void cookie_decode(__u32 isn, bool ts, __u32 tsecr, struct cookie_data *d)
{
	d->ts = ts;
	if (ts) {
		d->mss_idx = isn >> XSC_COOKIE_MSS_SHIFT & XSC_COOKIE_TS_MSS_MASK;
		d->wscale = tsecr & XSC_COOKIE_TS_WSCALE_MASK;
		d->sack_ok = !!(tsecr & XSC_COOKIE_TS_SACK_BIT);
		d->ecn_ok = !!(tsecr & XSC_COOKIE_TS_ECN_BIT);
		d->ws_code = 0;
		return;
	}
	d->mss_idx = isn >> XSC_COOKIE_MSS_SHIFT & XSC_COOKIE_PLAIN_MSS_MASK;
	d->ws_code = isn >> XSC_COOKIE_PLAIN_WS_SHIFT & XSC_COOKIE_PLAIN_WS_MASK;
	d->wscale = wscale_plain[d->ws_code & 7];
	d->sack_ok = !!(isn & XSC_COOKIE_PLAIN_SACK_BIT);
	d->ecn_ok = 0;
}

/*
 * The slot a cookie was made in, from its two low slot bits and the checker's slot: its own
 * or XSC_COOKIE_MAX_AGE before, or one ahead (an issuer of the fleet whose clock runs ahead
 * of ours). Returns false for any other.
 */
static __always_inline bool cookie_slot_of(__u32 cookie, __u32 now_slot, __u32 *slot)
{
	__u32 age = (now_slot - cookie) & XSC_COOKIE_SLOT_MASK;

	if (age == XSC_COOKIE_SLOT_MASK) {	/* -1 in two bits */
		*slot = now_slot + 1;
		return true;
	}
	*slot = now_slot - age;
	return age <= XSC_COOKIE_MAX_AGE;
}

/* A final ACK's cookie as it claims to be: what it carried, decoded. */
struct cookie_claim {
	__u32 client_isn;	/* the client's, seq - 1 */
	__u32 isn;		/* ours, ack_seq - 1 */
	__u32 tsecr;		/* with timestamps: our TSval, echoed */
	__u32 slot;		/* the full slot its low bits name */
	struct cookie_data d;
};

/* Whether the claim's hash bits are those of the master at place idx. Out of line: inlined
 * twice (current and previous master), handle_ack's frame passed the verifier's 512-byte
 * stack limit with clang 19. */
static __noinline bool cookie_hash_ok(const struct xsc_keyring *kr, struct xsc_keycache *c,
				      __u32 idx, const struct pkt *p,
				      const struct cookie_claim *cl)
{
	const struct xsc_key *master;
	__u64 hash;

	if (!kr || !c || !p || !cl)
		return false;
	master = &kr->master[idx & 1];
	if (!xsc_key_set(master))	/* an all-zero master is known to everyone */
		return false;
	hash = cookie_hash(&keys_slot(c, master, idx, cl->slot)->key, p, cl->client_isn,
			   cl->slot, cookie_meta(&cl->d));
	if (!cl->d.ts)
		return (__u32)(hash >> 40) == cl->isn >> XSC_COOKIE_PLAIN_HASH_SHIFT;
	return (__u32)(hash >> 37) == cl->isn >> XSC_COOKIE_TS_HASH_SHIFT &&
	       (hash >> 29 & XSC_COOKIE_TS_HASHB_MASK) ==
		       (cl->tsecr >> XSC_COOKIE_TS_HASHB_SHIFT & XSC_COOKIE_TS_HASHB_MASK);
}

/*
 * Checks the final ACK's cookie: ack_seq - 1, and with ts its TSecr. In the slot its
 * low bits name: against the current master, then, within a validity window of the
 * rotation that retired it, the previous one (that second SipHash is paid only by ACKs that
 * fail the first, and only in those two minutes). now is CLOCK_TAI. Fills d on success.
 */
static __always_inline bool cookie_check(const struct xsc_keyring *kr, struct xsc_keycache *c,
					 const struct pkt *ack, bool ts, __u32 tsecr, __u64 now,
					 struct cookie_data *d)
{
	__u32 isn = ack->ack_seq - 1;
	struct cookie_claim cl = { .client_isn = ack->seq - 1, .isn = isn, .tsecr = tsecr };
	__u32 cur = kr->gen & 1;

	if (!cookie_slot_of(isn, cookie_slot(now), &cl.slot))
		return false;
	cookie_decode(isn, ts, tsecr, &cl.d);
	if (cl.d.ts && cl.d.wscale > XSC_MAX_WSCALE && cl.d.wscale != XSC_COOKIE_WSCALE_NONE)
		return false;	/* never made: no need to hash */
	if (!cookie_hash_ok(kr, c, cur, ack, &cl) &&
	    (now >= kr->prev_until || !cookie_hash_ok(kr, c, cur ^ 1, ack, &cl)))
		return false;
	*d = cl.d;
	return true;
}

/* The attribute set the kernel needs to create the socket, from a checked cookie and
 * the final ACK's timestamps. rcv_wscale is ours, as the SYN-ACK offered it. */
static __always_inline void cookie_handoff_attrs(const struct cookie_data *d, __u8 family,
						 __u8 our_wscale, __u32 tsval, __u32 tsecr,
						 bool ts_ok, struct xsc_handoff_meta *m)
{
	m->magic = XSC_META_MAGIC;
	m->mss = cookie_mss_value(family, d->ts, d->mss_idx);
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
