/* SPDX-License-Identifier: GPL-2.0 */
/* What the BPF programs and user space share: reasons, map names, pinned layouts, structs. */
#ifndef XSC_ABI_H
#define XSC_ABI_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* ---- verdict reasons (reasons.def) ---- */

enum xsc_verdict {
	XSC_VERDICT_PASS,	/* on to the kernel */
	XSC_VERDICT_TX,		/* answered from XDP */
	XSC_VERDICT_DROP,
};

#define XSC_REASON(num, name, verdict, short, desc) XSC_STAT_##name = num,
enum xsc_stat {
#include "reasons.def"
};
#undef XSC_REASON

/* Counter slots in the stats map: fixed, so appending a reason keeps old pins readable. */
#define XSC_STAT_SLOTS 64

/* ---- load-time settings: the programs' .rodata, fixed until re-attach ---- */

struct xsc_settings {
	__u16 mss4;		/* MSS we advertise in IPv4 SYN-ACKs */
	__u16 mss6;		/* MSS we advertise in IPv6 SYN-ACKs */
	__u16 window;		/* unscaled receive window in SYN-ACKs */
	__u8 wscale;		/* our window scale, offered when the client sends one */
	__u8 ttl;		/* IPv4 TTL and IPv6 hop limit of SYN-ACKs */
	__u8 flags;		/* XSC_F_* */
	__u8 handoff;		/* XSC_HANDOFF_*: how a cookie ACK becomes a socket */
	__u8 pad[2];
};

/* The handoff. reqsk (Linux 6.9+): our own cookies, turned into sockets by the TC program
 * with bpf_sk_assign_tcp_reqsk(). kernel (5.15+): the kernel's own cookies, made by
 * bpf_tcp_gen_syncookie(), which the kernel accepts by itself. Zero is reqsk, so a record
 * written before the kernel handoff existed reads as what it was. */
#define XSC_HANDOFF_REQSK 0
#define XSC_HANDOFF_KERNEL 1
/* Gateway mode (attach --gateway): SYNs to servers behind this host get the kernel's
 * cookies without a listener; netfilter SYNPROXY checks the final ACK and opens the
 * connection to the server. */
#define XSC_HANDOFF_SYNPROXY 2

#define XSC_F_OFFER_TS (1 << 0)		/* answer timestamps when the client sends them */
#define XSC_F_OFFER_SACK (1 << 1)	/* offer SACK when the client permits it */
#define XSC_F_OFFER_ECN (1 << 2)	/* accept ECN when the client asks (ECE+CWR) */
#define XSC_F_PASS_TCP_FRAGS (1 << 3)	/* pass TCP fragments instead of dropping them */
#define XSC_F_NO_WSCALE (1 << 4)	/* kernel handoff: tcp_window_scaling is 0 here */

#define XSC_DEFAULT_MSS4 1460		/* 1500-byte MTU minus 40 bytes of IPv4+TCP */
#define XSC_DEFAULT_MSS6 1440		/* 1500-byte MTU minus 60 bytes of IPv6+TCP */
#define XSC_DEFAULT_WINDOW 64240	/* what Linux advertises in a SYN-ACK for MSS 1460 */
#define XSC_DEFAULT_WSCALE 7		/* Linux's choice for its default 6 MiB rmem */
#define XSC_DEFAULT_TTL 64		/* Linux's default ip_default_ttl */
#define XSC_DEFAULT_FLAGS (XSC_F_OFFER_TS | XSC_F_OFFER_SACK | XSC_F_OFFER_ECN)
#define XSC_MAX_WSCALE 14		/* RFC 7323: larger shifts are treated as 14 */

/* ---- cookie keys (host-wide): a key schedule ---- */

/* A SipHash key: a master secret, or the key one time slot derives from it. */
struct xsc_key {
	__u64 k0, k1;
};
/* A master secret, as key files and 'key rotate' hand it over. */
struct xsc_master {
	struct xsc_key key;
};

/*
 * The masters. master[gen & 1] is current: each slot's cookie key is derived from it and
 * the slot number (docs/design.md, "Key schedule"), so keys change every slot with no
 * daemon, and hosts given the same master make and check the same cookies. A rotation
 * puts a new master in the other place, bumps gen and lets the one it replaced validate
 * until prev_until. Writers never change a master in place while gen names it current.
 */
struct xsc_keyring {
	struct xsc_key master[2];
	__u32 gen;		/* 0 = no master loaded yet */
	__u32 pad;
	__u64 prev_until;	/* CLOCK_TAI ns: master[(gen + 1) & 1] validates until then */
};

/* Per-CPU cache of derived slot keys, one entry per (master place, slot & 3). An entry is
 * used only if both its slot and the master it came from match: a master rewritten or
 * read torn mid-update can never be answered from the cache. */
#define XSC_KEYCACHE_ENTRIES 8
struct xsc_keycache_entry {
	__u32 slot;
	__u32 ts_offset;	/* added to our TSval clock: a third derived value, not key */
	struct xsc_key master;
	struct xsc_key key;
};
struct xsc_keycache {
	struct xsc_keycache_entry e[XSC_KEYCACHE_ENTRIES];
	/* CLOCK_TAI minus CLOCK_MONOTONIC_COARSE, read once per rate window: the coarse clock
	 * costs a load, bpf_ktime_get_tai_ns() a clocksource read (about 20 ns here). */
	__s64 tai_offset;
	__u32 clock_window;	/* rate window (XSC_RATE_WINDOW_SHIFT) of that read */
	__u32 pad;
};
/* Domain separation of what a slot derives (SipHash-1-3 of slot | domain << 32): the two
 * halves of its key, and the TSval clock offset, which leaves the host. */
#define XSC_KDF_DOMAIN_K0 0x6b30	/* "k0" */
#define XSC_KDF_DOMAIN_K1 0x6b31	/* "k1" */
#define XSC_KDF_DOMAIN_TS 0x7473	/* "ts" */

/* When this host last answered a SYN with a cookie: an ACK without a socket can be one of
 * ours only within a cookie's validity after that (used by engage 'never'). */
struct xsc_host_issued {
	__u64 last_cookie_ns;	/* CLOCK_MONOTONIC; 0: never */
};

/*
 * The cookie: the SYN-ACK's sequence number (ISN), and, when the client sends timestamps
 * and we answer them, the low 14 bits of our TSval, which the final ACK echoes as TSecr.
 * Low bit first (docs/design.md, "The cookie"):
 *
 *   ISN, timestamps:     slot (2) | MSS index (3)                            | hash (27)
 *   TSval, timestamps:   window scale (4, 15 = none) | SACK (1) | ECN (1) | hash (8) | clock (18)
 *   ISN, no timestamps:  slot (2) | MSS index (2) | window scale code (3) | SACK (1) | hash (24)
 *
 * 35 hash bits when the ACK carries timestamps, 24 when it does not. The hash, keyed with
 * the slot's derived key, covers the 4-tuple, the client's ISN, the full slot number, the
 * mode and every option bit, so none can be changed without failing it. No bit names the
 * master: a checker tries its current one, and the previous one only within a validity
 * window of a rotation, so hosts of a fleet need not agree on how many rotations they saw.
 */
#define XSC_COOKIE_SLOT_MASK 0x3
#define XSC_COOKIE_MSS_SHIFT 2
#define XSC_COOKIE_TS_MSS_MASK 0x7
#define XSC_COOKIE_TS_HASH_SHIFT 5	/* 27 bits in the ISN */
#define XSC_COOKIE_TS_TSBITS 14		/* low TSval bits that are cookie: options, hash */
#define XSC_COOKIE_TS_OPTS_MASK 0x3f
#define XSC_COOKIE_TS_WSCALE_MASK 0xf
#define XSC_COOKIE_TS_SACK_BIT (1 << 4)
#define XSC_COOKIE_TS_ECN_BIT (1 << 5)
#define XSC_COOKIE_TS_HASHB_SHIFT 6	/* 8 bits in the TSval */
#define XSC_COOKIE_TS_HASHB_MASK 0xff
#define XSC_COOKIE_PLAIN_MSS_MASK 0x3
#define XSC_COOKIE_PLAIN_WS_SHIFT 4
#define XSC_COOKIE_PLAIN_WS_MASK 0x7
#define XSC_COOKIE_PLAIN_SACK_BIT (1 << 7)
#define XSC_COOKIE_PLAIN_HASH_SHIFT 8	/* 24 bits in the ISN */
#define XSC_COOKIE_WSCALE_NONE 15
/*
 * A slot is 2^36 ns (68.7 s) of CLOCK_TAI, the clock hosts of a fleet share (through NTP or
 * PTP), unlike the monotonic clock that starts at each boot. A cookie is valid in its own
 * slot and the next one, so for 68.7 to 137 s ("about two minutes", like Linux), and, for
 * a checker whose clock is behind the issuer's, in the slot before its own: any skew plus
 * handshake time under one slot (68.7 s) is accepted (docs/design.md, "Key schedule").
 */
#define XSC_COOKIE_SLOT_NS_SHIFT 36
#define XSC_COOKIE_MAX_AGE 1
#define XSC_COOKIE_VALID_NS ((__u64)(XSC_COOKIE_MAX_AGE + 1) << XSC_COOKIE_SLOT_NS_SHIFT)

/* What the XDP program tells the TC handoff about a valid cookie ACK, in XDP metadata
 * (at most 32 bytes): the kernel's struct bpf_tcp_req_attrs fields behind a magic. */
struct xsc_handoff_meta {
	__u32 magic;
	__u32 rcv_tsval;
	__u32 rcv_tsecr;
	__u16 mss;
	__u8 rcv_wscale;
	__u8 snd_wscale;
	__u8 ecn_ok;
	__u8 wscale_ok;
	__u8 sack_ok;
	__u8 tstamp_ok;
};
#define XSC_META_MAGIC 0x58534332	/* "XSC2" */
/* Gateway mode: an IPv6 cookie ACK whose TCP checksum XDP verified. TC marks it so
 * (CHECKSUM_UNNECESSARY): nft's synproxy expression checks an IPv6 segment's checksum
 * with the IPv4 routine and drops every one it has to verify itself (Linux 6.1 to 6.18). */
#define XSC_META_GW_MAGIC 0x58534347	/* "XSCG" */

/* ---- policy: what is protected and when cookies engage (per interface, changed live) ---- */

/* Engage modes, a default for the interface and an optional override per port. */
enum xsc_engage {
	XSC_ENGAGE_DEFAULT = 0,	/* per port: follow the interface's default */
	XSC_ENGAGE_AUTO = 1,	/* cookies while the port is under pressure */
	XSC_ENGAGE_ALWAYS = 2,	/* cookies for every SYN to a listener */
	XSC_ENGAGE_NEVER = 3,	/* monitor: the kernel answers every SYN */
};

#define XSC_PORTS 65536
/* Per-port byte of the policy. */
#define XSC_PORT_PROTECTED 0x1
#define XSC_PORT_MODE_SHIFT 1
#define XSC_PORT_MODE_MASK 0x3

/*
 * The whole policy of an interface. It sits in a one-entry inner map behind the
 * ARRAY_OF_MAPS xsc_policy: a change builds a new inner map and swaps it in, so a packet
 * sees the old policy or the new one, never a mix (docs/design.md, "Live changes").
 */
struct xsc_policy {
	__u32 syn_rate_high;	/* SYN/s to a port that engages it */
	__u32 syn_rate_low;	/* below this (and queue_low) for hold_s, it disengages */
	__u32 hold_s;
	__u32 budget_prefix;	/* cookie SYN-ACKs/s to one /24 or /48; 0: no cap */
	__u32 budget_global;	/* cookie SYN-ACKs/s from the interface; 0: no cap */
	__u32 budget_prefix_ns;	/* the same as ns between SYN-ACKs, for the programs */
	__u32 budget_global_ns;	/* (derived by user space: no division per packet) */
	__u8 queue_high;	/* % of the listener's backlog that engages it */
	__u8 queue_low;
	__u8 engage;		/* enum xsc_engage: the default (never XSC_ENGAGE_DEFAULT) */
	__u8 lists;		/* XSC_LISTS_*: which prefix lists hold entries */
	__u8 port[XSC_PORTS];	/* XSC_PORT_PROTECTED | mode << XSC_PORT_MODE_SHIFT */
};

/* Bits of xsc_policy.lists: a list not in use costs no lookup. */
#define XSC_LISTS_ALLOW4 (1 << 0)
#define XSC_LISTS_ALLOW6 (1 << 1)
#define XSC_LISTS_DENY4 (1 << 2)
#define XSC_LISTS_DENY6 (1 << 3)

/*
 * The reflection budget: someone spoofing a victim's addresses can make us send SYN-ACKs
 * at the victim. Cookie SYN-ACKs are capped per destination prefix (2^XSC_BUDGET_BUCKET_BITS
 * hashed buckets) and per interface, each bucket per CPU with a share of the rate; a SYN
 * over either budget is dropped and counted. Defaults: docs/design.md ("Reflection budget").
 */
#define XSC_DEFAULT_BUDGET_PREFIX 10000
#define XSC_DEFAULT_BUDGET_GLOBAL 0	/* off: a cap would drop real clients' SYNs in a flood */
#define XSC_BUDGET_BUCKET_BITS 16
#define XSC_BUDGET_BUCKETS (1 << XSC_BUDGET_BUCKET_BITS)
#define XSC_BUDGET_PREFIX4 24
#define XSC_BUDGET_PREFIX6 48
#define XSC_BUDGET_BURST_SHIFT 3	/* a bucket holds 1/8 s of its rate */

/* Defaults; docs/design.md ("Engaging by itself") says why each. Low = high / 2. */
#define XSC_DEFAULT_SYN_RATE 20000
#define XSC_DEFAULT_QUEUE_FILL 50
#define XSC_DEFAULT_HOLD_S 60
#define XSC_LOW_DIVISOR 2

/* ---- engage state (per interface and port) ---- */

/* What engaged a port. */
enum xsc_signal {
	XSC_SIGNAL_NONE = 0,
	XSC_SIGNAL_RATE = 1,	/* SYN rate above syn_rate_high */
	XSC_SIGNAL_QUEUE = 2,	/* SYN queue (with SYNs still on their way) above queue_high */
	XSC_SIGNAL_ACCEPT = 3,	/* accept queue above queue_high */
};

/* SYNs are counted per rate window of 2^26 ns (67.1 ms) and per lag tick of 2^22 ns (4.2 ms). */
#define XSC_RATE_WINDOW_SHIFT 26
#define XSC_LAG_TICK_SHIFT 22

/* Windowed counters: window id << 32 | count, two buckets by window parity. */
struct xsc_port_state {
	__u64 engaged_since;	/* CLOCK_MONOTONIC ns; 0: not engaged */
	__u64 busy_until;	/* engaged at least until then: last busy moment + hold */
	__u64 changed_at;	/* last engage or disengage */
	__u64 syn_win[2];	/* SYNs to the port per rate window, all CPUs */
	__u64 passed_tick[2];	/* SYNs passed to the kernel per lag tick, all CPUs */
	__u64 cookies;		/* cookie SYN-ACKs, as the CPUs have published them */
	__u64 cookies_at_engage;
	__u32 syn_rate;		/* SYN/s over the last complete window, as last judged */
	__u32 qlen;		/* the listener's SYN queue, accept queue and backlog */
	__u32 ack_backlog;
	__u32 max_backlog;
	__u32 engages;		/* how many times it engaged */
	__u8 signal;		/* enum xsc_signal: what engaged it */
	__u8 mode;		/* enum xsc_engage the port followed when last judged */
	__u8 pad[2];
};

/* The value of the xsc_port_state map: the BPF side keeps its struct bpf_timer in front. */
struct xsc_port_entry {
	__u64 bpf_timer[2];
	struct xsc_port_state st;
};

/*
 * Per-CPU SYN tally: a direct-mapped table, one slot per port hash. A CPU counts here and
 * adds its count to the port's state once per rate window (or when another port takes
 * the slot), so no cache line is written by two CPUs for every SYN.
 */
#define XSC_TALLY_SLOTS 256
#define XSC_TALLY_SLOT(port) ((((__u32)(port) * 2654435761u) >> 24) & (XSC_TALLY_SLOTS - 1))
struct xsc_tally {
	__u32 window;		/* rate window of the counts */
	__u16 port;
	__u8 engaged;		/* the port's state as this CPU last saw it (see engage.h) */
	__u8 pad;
	__u32 syns;		/* SYNs to the port in that window, this CPU */
	__u32 cookies;		/* cookie SYN-ACKs among them */
};

/* Ring-buffer events: one per engage and disengage. */
enum xsc_event_type {
	XSC_EVENT_ENGAGE = 1,
	XSC_EVENT_DISENGAGE = 2,
};
struct xsc_event {
	__u64 time;		/* CLOCK_MONOTONIC ns */
	__u64 engaged_for;	/* disengage: ns it was engaged */
	__u64 cookies;		/* disengage: cookie SYN-ACKs sent while engaged */
	__u32 type;		/* enum xsc_event_type */
	__u32 syn_rate;		/* SYN/s */
	__u32 qlen, ack_backlog, max_backlog;
	__u16 port;
	__u8 signal;		/* engage: enum xsc_signal */
	__u8 mode;		/* enum xsc_engage in force for the port */
};

/* ---- allow and deny lists (per interface, changed live) ---- */

/*
 * Source prefixes, in LPM tries behind the ARRAY_OF_MAPS xsc_lists4 and xsc_lists6 (one
 * slot per list): a whole list is replaced by swapping in a new trie, single prefixes are
 * added and removed in the trie in force. Deny is checked first: TCP to a protected port
 * from a denied prefix is dropped before anything else; an allowed one goes to the kernel.
 */
enum xsc_list_kind {
	XSC_LIST_ALLOW = 0,
	XSC_LIST_DENY = 1,
};
#define XSC_LIST_KINDS 2
#define XSC_LIST_MAX_ENTRIES (1 << 20)	/* per list and family: 1,048,576 prefixes */
struct xsc_lpm4_key {
	__u32 prefixlen;
	__u8 addr[4];
};
struct xsc_lpm6_key {
	__u32 prefixlen;
	__u8 addr[16];
};

/* ---- maps and pins ---- */

/* Map names are also their pin names. Maps named xsc_host_* are shared by every attached
 * interface and pinned at the root; the others are pinned per interface. */
#define XSC_HOST_MAP_PREFIX "xsc_host_"
#define XSC_MAP_STATS "xsc_stats"
#define XSC_MAP_POLICY "xsc_policy"
#define XSC_MAP_PORT_STATE "xsc_port_state"
#define XSC_MAP_TALLY "xsc_tally"
#define XSC_MAP_EVENTS "xsc_events"
#define XSC_MAP_INFO "xsc_info"
#define XSC_MAP_KEYS "xsc_host_keys"
#define XSC_MAP_ISSUED "xsc_host_issued"
#define XSC_MAP_KEYCACHE "xsc_host_kcache"
#define XSC_MAP_LISTS4 "xsc_lists4"
#define XSC_MAP_LISTS6 "xsc_lists6"

/*
 * <bpffs>/xdp-syncookie/xsc_host_*        shared by every interface
 * <bpffs>/xdp-syncookie/IFACE/xsc_*       one interface
 * <bpffs> is $LIBXDP_BPFFS (libxdp's own variable, which it reads too) or /sys/fs/bpf.
 */
#define XSC_PIN_DIR "xdp-syncookie"
/* Bump when a pinned map changes shape: pins of another layout are refused. */
#define XSC_PIN_LAYOUT 4

#define XSC_IFNAMSIZ 16
/* The attach record (map xsc_info): how this interface was attached. */
struct xsc_attach_info {
	__u32 layout;			/* XSC_PIN_LAYOUT */
	__u32 ifindex;
	__u32 xdp_mode;			/* enum xdp_attach_mode */
	__u32 xdp_prog_id;
	__u32 tc_prog_id;
	__u32 tc_handle;
	__u32 tc_priority;
	__u32 created_clsact;		/* detach removes the clsact qdisc only if we made it */
	__u64 attached_at;		/* unix seconds */
	__u64 replaced_at;		/* unix seconds of the last in-place upgrade; 0: none */
	__u32 reserved;			/* layout 4 records carry an upgrade instance here */
	__u32 replaces;			/* in-place upgrades since attach */
	struct xsc_settings settings;
	char ifname[XSC_IFNAMSIZ];
};

#endif /* XSC_ABI_H */
