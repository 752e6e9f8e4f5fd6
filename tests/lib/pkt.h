/* SPDX-License-Identifier: GPL-2.0 */
/* Test packets: a builder for what clients and attackers send, an independent parser and
 * checksum for what the program answers, and a reference SipHash cookie. */
#ifndef XSC_TEST_PKT_H
#define XSC_TEST_PKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "xsc/abi.h"

#define PKT_MAX 2048
/* pkt_spec.ip_version for any version nibble, 0 included. */
#define PKT_VERSION(n) (0x100 | ((n) & 0xf))

/* TCP flags as on the wire */
#define F_FIN 0x01
#define F_SYN 0x02
#define F_RST 0x04
#define F_PSH 0x08
#define F_ACK 0x10
#define F_URG 0x20
#define F_ECE 0x40
#define F_CWR 0x80

struct ext6 {
	uint8_t type;		/* 0 hop-by-hop, 43 routing, 44 fragment, 60 dest opts, 51 AH */
	uint8_t len;		/* bytes, a multiple of 8 (fragment: always 8) */
	uint16_t frag;		/* fragment header's offset/flags field, host order */
};

struct pkt_spec {
	int family;			/* 4 or 6 */
	int n_vlans;
	uint16_t vlan_proto[3];		/* outer first */
	uint16_t vlan_tci[3];
	uint16_t ethertype;		/* 0: from family */
	uint8_t saddr[16], daddr[16];	/* IPv4 uses the first 4 bytes */
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t window;
	uint8_t opts[64];
	int optlen;			/* padded with EOL to a multiple of 4 */
	int doff_words;			/* 0: from optlen */
	int ip_optlen;			/* IPv4 options (NOPs), multiple of 4 */
	int ihl_words;			/* 0: from ip_optlen */
	int ip_version;			/* 0: from family; PKT_VERSION(n): nibble n */
	uint8_t l4proto;		/* 0: TCP */
	uint16_t frag_off;		/* IPv4 frag_off host order; default DF */
	bool no_df;
	struct ext6 ext[8];
	int n_ext;
	int payload_len;		/* bytes of 0xA5.. payload after the TCP header */
	int eth_pad;			/* trailing bytes after the IP datagram */
	int ip_len_delta;		/* added to the IP length fields */
	bool bad_tcp_csum, bad_ip_csum;
	bool partial_tcp_csum;	/* the pseudo-header's sum only, as TX offload leaves it */
	int truncate_to;		/* cut the frame to this many bytes (0: no) */
};

/* A client SYN with sane defaults: 198.18.0.1 -> 198.18.0.2 or 2001:2::1 -> 2001:2::2,
 * the benchmarking ranges; these frames only ever go through BPF_PROG_TEST_RUN. */
void pkt_spec_syn(struct pkt_spec *s, int family);
size_t pkt_build(const struct pkt_spec *s, uint8_t *buf);

/* Option builders: append to s->opts. */
void opt_mss(struct pkt_spec *s, uint16_t mss);
void opt_ws(struct pkt_spec *s, uint8_t shift);
void opt_sack_perm(struct pkt_spec *s);
void opt_ts(struct pkt_spec *s, uint32_t tsval, uint32_t tsecr);
void opt_nop(struct pkt_spec *s);
void opt_raw(struct pkt_spec *s, const uint8_t *bytes, int len);
/* Linux's SYN layout: MSS, SACK_PERM, TS, NOP, WS */
void opts_linux_syn(struct pkt_spec *s, uint16_t mss, uint32_t tsval, uint8_t ws);
/* A Linux client's SYN: pkt_spec_syn() with its options (MSS 1460/1440, WS 7). */
void pkt_spec_linux_syn(struct pkt_spec *s, int family);

/* What the independent parser saw in a frame. */
struct pkt_view {
	int family;
	int n_vlans;
	uint16_t vlan_proto[3], vlan_tci[3];
	uint8_t dmac[6], smac[6];
	uint8_t saddr[16], daddr[16];
	int ihl_words;
	uint8_t ttl;
	uint16_t frag_off;
	int ip_hdr_len;			/* including IPv6 extension headers */
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t window;
	int doff_words;
	int payload_len;
	bool ip_csum_ok, tcp_csum_ok, lengths_ok;
	/* options */
	int mss;			/* -1: absent */
	int ws;				/* -1: absent */
	bool sack_perm, ts;
	uint32_t tsval, tsecr;
	int other_opts;			/* options of any other kind */
	bool opts_malformed;
};

/* The TCP checksum field's value for a segment (its checksum field read as zero). */
uint16_t pkt_tcp_csum(int family, const uint8_t *saddr, const uint8_t *daddr, const uint8_t *seg,
		      size_t len);

/* Fills only the option fields of v from raw TCP option bytes. */
void pkt_parse_options(const uint8_t *opts, int len, struct pkt_view *v);
/* Returns 0 if buf holds an Ethernet/IP/TCP frame, -1 otherwise. */
int pkt_parse(const uint8_t *buf, size_t len, struct pkt_view *v);

/* Reference SipHash-c-d (the published algorithm, on bytes). */
uint64_t ref_siphash(int c_rounds, int d_rounds, const uint8_t key[16], const uint8_t *msg,
		     size_t len);
/* The cookie key of a slot, derived from a master. */
struct xsc_key ref_slot_key(const struct xsc_key *master, uint32_t slot);
/* What a SYN-ACK's cookie keeps, as agreed: MSS a table value, ws -1 for none. */
struct ref_cookie_opts {
	bool ts;
	int mss;
	int ws;
	bool sack, ecn;
};
/* What the program must agree to for a client's SYN (mss 0 or less: none sent, ws -1:
 * none), with our offers on: the cookie's tables, from docs/design.md. */
void ref_cookie_agree(int family, bool ts, int mss, int ws, bool sack, bool ecn,
		      struct ref_cookie_opts *o);
/* The cookie the program should make under a master: the ISN, and in *ts_bits the low 14
 * bits of its TSval (0 without timestamps). */
uint32_t ref_cookie(const struct xsc_key *master, int family, const uint8_t *saddr,
		    const uint8_t *daddr, uint16_t sport, uint16_t dport, uint32_t isn,
		    uint32_t slot, const struct ref_cookie_opts *o, uint32_t *ts_bits);
/* The current cookie slot, as bpf_ktime_get_tai_ns() >> XSC_COOKIE_SLOT_NS_SHIFT. */
uint32_t ref_slot_now(void);
/* CLOCK_TAI in ns, as bpf_ktime_get_tai_ns(). */
uint64_t ref_clock_ns(void);

#endif /* XSC_TEST_PKT_H */
