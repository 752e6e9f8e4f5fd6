/* SPDX-License-Identifier: GPL-2.0 */
/* The fuzzer's view of a frame: an independent walk that says what it is, a decoder into a
 * pkt_spec (tests/lib/pkt.h) and field-wise mutations of that spec. */
#ifndef XSC_FUZZ_FRAME_H
#define XSC_FUZZ_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "pkt.h"

/* What a frame is, from its bytes, written without the BPF parser's code. */
struct frame_info {
	uint16_t ethertype;	/* after the tags */
	int n_vlans;
	int family;		/* 4 or 6 by ethertype, 0 for anything else */
	int version;		/* the IP header's version nibble */
	bool fragment;		/* IPv4 MF or offset, IPv6 fragment header with M or offset */
	bool frag_hdr;		/* an IPv6 fragment header, atomic or not */
	int n_ext;		/* IPv6 extension headers walked */
	bool tcp;		/* a whole TCP header was found (not behind a later fragment) */
	size_t l4_off, ip_end;	/* TCP header; end of the IP datagram by its length field */
	uint8_t dmac[6], smac[6];
	uint8_t saddr[16], daddr[16];
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	bool ip_csum_ok, tcp_csum_ok;	/* as the test parser finds them (true if it cannot) */
};

void frame_inspect(const uint8_t *buf, size_t len, struct frame_info *fi);

/* Decodes a frame into a spec that pkt_build() turns back into (nearly) the same frame,
 * checksums made right. Returns 0, or -1 for a frame it cannot describe. */
int frame_decode(const uint8_t *buf, size_t len, struct pkt_spec *s);

/* Applies one to four random field mutations to s; rnd is the mutator's PRNG state. */
void frame_mutate(struct pkt_spec *s, uint64_t *rnd);

uint64_t frame_rand(uint64_t *state);

#endif /* XSC_FUZZ_FRAME_H */
