/* SPDX-License-Identifier: GPL-2.0 */
/* Types, constants and the verdict-reason list shared by the BPF programs and user space. */
#ifndef XSC_COMMON_H
#define XSC_COMMON_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/*
 * Every verdict the XDP program can reach, each with its own reason. The list is
 * ordered by verdict so the program derives the XDP action from the reason's range
 * (see xsc_stat_action() in bpf/stats.h) and user space names each counter from
 * the same list. X(NAME, "short-name", "what it means")
 */
#define XSC_PASS_REASONS(X)                                                                     \
	X(PASS_NOT_IP, "not_ip", "not IPv4 or IPv6 (ARP, LLDP, ...): passed untouched")          \
	X(PASS_NOT_TCP, "not_tcp", "IP but not TCP (ICMP, UDP, ESP, no next header): passed")    \
	X(PASS_PORT_UNPROTECTED, "port_unprotected", "TCP to a port that is not protected")     \
	X(PASS_TCP_FRAGMENT, "tcp_fragment_passed", "TCP fragment passed by policy")            \
	X(PASS_NO_KEY, "no_key", "no (or an all-zero) cookie key: left to the kernel (fail open)")    \
	X(PASS_SYN_NO_LISTENER, "syn_no_listener", "SYN to a port nobody listens on: the kernel resets it") \
	X(PASS_SYN_SOCKET, "syn_socket", "SYN for a tuple the kernel has (TIME_WAIT, ...): kernel") \
	X(PASS_ACK_SOCKET, "ack_socket", "ACK for an existing socket (established flow)")     \
	X(PASS_ACK_COOKIE_OK, "ack_cookie_ok", "ACK with a valid cookie: on to the TC handoff") \
	X(PASS_SYNACK_OWN, "synack_own", "SYN-ACK answering one of this host's connections")   \
	X(PASS_RST_OWN, "rst_own", "RST for an existing socket")                                \
	X(PASS_HANDOFF_OK, "handoff_ok", "TC: cookie ACK turned into a kernel socket")          \
	X(PASS_HANDOFF_EXISTS, "handoff_exists", "TC: cookie ACK for a connection that exists")

#define XSC_TX_REASONS(X) X(TX_SYN_COOKIE, "syn_cookie_sent", "SYN answered with a cookie SYN-ACK")

#define XSC_DROP_REASONS(X)                                                                     \
	X(DROP_ETH_TRUNC, "eth_truncated", "frame shorter than its Ethernet/VLAN header")       \
	X(DROP_VLAN_TOO_DEEP, "vlan_too_deep", "more VLAN tags than supported (2)")             \
	X(DROP_IP4_TRUNC, "ip4_truncated", "frame shorter than the IPv4 header")                \
	X(DROP_IP4_BAD_IHL, "ip4_bad_ihl", "IPv4 header length below 5 words")                  \
	X(DROP_IP4_BAD_LEN, "ip4_bad_len", "IPv4 total length beyond the frame or below IHL")   \
	X(DROP_IP6_TRUNC, "ip6_truncated", "frame shorter than the IPv6 header")                \
	X(DROP_IP6_BAD_LEN, "ip6_bad_len", "IPv6 payload length beyond the frame")              \
	X(DROP_IP6_EXT_TRUNC, "ip6_ext_truncated", "IPv6 extension header past the packet")     \
	X(DROP_IP6_EXT_TOO_DEEP, "ip6_ext_too_deep", "more IPv6 extension headers than walked") \
	X(DROP_TCP_FRAGMENT, "tcp_fragment", "fragmented TCP (policy: drop)")                   \
	X(DROP_TCP_TRUNC, "tcp_truncated", "TCP header past the end of the IP payload")         \
	X(DROP_TCP_BAD_DOFF, "tcp_bad_doff", "TCP data offset below 5 or past the segment")     \
	X(DROP_OPT_MALFORMED, "tcp_opt_malformed", "SYN whose TCP options are malformed")       \
	X(DROP_BAD_IP_CSUM, "ip4_bad_csum", "SYN with a bad IPv4 header checksum")              \
	X(DROP_BAD_TCP_CSUM, "tcp_bad_csum", "SYN with a bad TCP checksum")                     \
	X(DROP_BAD_SOURCE, "bad_source", "SYN from/to a multicast, broadcast, zero or loopback address") \
	X(DROP_SYN_FIN, "syn_fin", "SYN together with FIN")                                     \
	X(DROP_SYN_RST, "syn_rst", "SYN together with RST")                                     \
	X(DROP_SYNACK_UNSOLICITED, "synack_unsolicited", "SYN-ACK no local socket asked for")   \
	X(DROP_NULL_FLAGS, "null_flags", "TCP segment with no flags")                           \
	X(DROP_XMAS, "xmas", "FIN+PSH+URG without ACK (Xmas scan)")                             \
	X(DROP_NO_ACK, "no_ack", "segment other than SYN or RST without ACK (bare FIN, ...)")   \
	X(DROP_RST_NO_SOCKET, "rst_no_socket", "RST for no existing connection")                \
	X(DROP_ACK_NO_SOCKET, "ack_no_socket", "ACK with neither a socket nor a valid cookie")  \
	X(DROP_META_FAILED, "meta_failed", "valid cookie ACK but no room for XDP metadata")      \
	X(DROP_SYNACK_RESIZE, "synack_resize_failed", "could not resize the frame for a SYN-ACK") \
	X(DROP_HANDOFF_NO_LISTENER, "handoff_no_listener", "TC: cookie ACK to a port with no listener") \
	X(DROP_HANDOFF_UNPARSED, "handoff_unparsed", "TC: cookie ACK whose headers TC cannot read") \
	X(DROP_HANDOFF_FAILED, "handoff_failed", "TC: the kernel refused the cookie ACK")

#define XSC_ENUM_ENTRY(name, short, desc) XSC_STAT_##name,
enum xsc_stat {
	XSC_PASS_REASONS(XSC_ENUM_ENTRY)
	XSC_TX_REASONS(XSC_ENUM_ENTRY)
	XSC_DROP_REASONS(XSC_ENUM_ENTRY)
	XSC_STAT_MAX,
	XSC_STAT_FIRST_TX = XSC_STAT_TX_SYN_COOKIE,
	XSC_STAT_FIRST_DROP = XSC_STAT_DROP_ETH_TRUNC,
};
#undef XSC_ENUM_ENTRY

/* Load-time settings, kept in the programs' .rodata and fixed until re-attach. */
struct xsc_settings {
	__u16 mss4;		/* MSS we advertise in IPv4 SYN-ACKs */
	__u16 mss6;		/* MSS we advertise in IPv6 SYN-ACKs */
	__u16 window;		/* unscaled receive window in SYN-ACKs */
	__u8 wscale;		/* our window scale, offered when the client sends one */
	__u8 ttl;		/* IPv4 TTL and IPv6 hop limit of SYN-ACKs */
	__u8 flags;		/* XSC_F_* */
	__u8 pad[3];
};

#define XSC_F_OFFER_TS (1 << 0)		/* answer timestamps when the client sends them */
#define XSC_F_OFFER_SACK (1 << 1)	/* offer SACK when the client permits it */
#define XSC_F_OFFER_ECN (1 << 2)	/* accept ECN when the client asks (ECE+CWR) */
#define XSC_F_PASS_TCP_FRAGS (1 << 3)	/* pass TCP fragments instead of dropping them */

#define XSC_DEFAULT_MSS4 1460		/* 1500-byte MTU minus 40 bytes of IPv4+TCP */
#define XSC_DEFAULT_MSS6 1440		/* 1500-byte MTU minus 60 bytes of IPv6+TCP */
#define XSC_DEFAULT_WINDOW 64240	/* what Linux advertises in a SYN-ACK for MSS 1460 */
#define XSC_DEFAULT_WSCALE 7		/* Linux's choice for its default 6 MiB rmem */
#define XSC_DEFAULT_TTL 64		/* Linux's default ip_default_ttl */
#define XSC_DEFAULT_FLAGS (XSC_F_OFFER_TS | XSC_F_OFFER_SACK | XSC_F_OFFER_ECN)
#define XSC_MAX_WSCALE 14		/* RFC 7323: larger shifts are treated as 14 */

/* Cookie secret: key[gen & 1] is current, key[(gen + 1) & 1] the previous one. */
struct xsc_key {
	__u64 k0, k1;
};
struct xsc_keyring {
	struct xsc_key key[2];
	__u32 gen;		/* 0 = no key loaded yet */
	__u32 pad;
};

/* Runtime policy; the map holds one entry. */
struct xsc_policy {
	__u32 ports_listed;	/* 0: every TCP port is protected; 1: only ports marked in the port map */
};
#define XSC_PORT_PROTECTED 1	/* value in the port map */

/*
 * The 32-bit cookie (the SYN-ACK's sequence number), low bit first:
 *   ECN (1) | SACK (1) | client window scale (4, 15 = none) | MSS index (3) |
 *   key generation parity (1) | time slot low bits (2) | SipHash bits (20)
 * The hash covers the 4-tuple, the client's ISN, the full slot number and the low
 * 12 bits, so none of them can be changed without the hash failing.
 */
#define XSC_COOKIE_ECN_SHIFT 0
#define XSC_COOKIE_SACK_SHIFT 1
#define XSC_COOKIE_WSCALE_SHIFT 2
#define XSC_COOKIE_WSCALE_MASK 0xf
#define XSC_COOKIE_WSCALE_NONE 15
#define XSC_COOKIE_MSS_SHIFT 6
#define XSC_COOKIE_MSS_MASK 0x7
#define XSC_COOKIE_KEYGEN_SHIFT 9
#define XSC_COOKIE_SLOT_SHIFT 10
#define XSC_COOKIE_SLOT_MASK 0x3
#define XSC_COOKIE_DATA_MASK 0xfff
#define XSC_COOKIE_HASH_SHIFT 12
#define XSC_COOKIE_HASH_BITS 20
/* A slot is 2^36 ns (68.7 s) of CLOCK_MONOTONIC_COARSE; a cookie is valid in its own
 * slot and the next one, so for 68.7 to 137 s: "about two minutes", like Linux. */
#define XSC_COOKIE_SLOT_NS_SHIFT 36
#define XSC_COOKIE_MAX_AGE 1

/* What the XDP program tells the TC handoff about a valid cookie ACK, in XDP metadata
 * (at most 32 bytes): the kernel's struct bpf_tcp_req_attrs fields behind a magic, and
 * where TC finds the TCP header, since TC sees the frame after VLAN untagging. */
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
	__u16 l4_from_l3;	/* TCP header offset from the start of the IP header */
	__u8 family;		/* 4 or 6 */
	__u8 pad;
};
#define XSC_META_MAGIC 0x58534331	/* "XSC1" */

/* Map names: also the file names under the pin directory. */
#define XSC_MAP_STATS "xsc_stats"
#define XSC_MAP_KEYS "xsc_keys"
#define XSC_MAP_POLICY "xsc_policy"
#define XSC_MAP_PORTS "xsc_ports"
#define XSC_PORTS_MAX 65536

#endif /* XSC_COMMON_H */
