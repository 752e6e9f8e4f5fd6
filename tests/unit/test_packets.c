// SPDX-License-Identifier: GPL-2.0
/*
 * Packet cases: each names the packet, the verdict and counter it must get, and for
 * SYN-ACKs checks every field with an independent parser, checksum and SipHash
 * (tests/lib/pkt.c). They run under engage 'always', so every SYN to a listener is
 * answered; test_engage.c covers the decisions.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/bpf.h>
#include "check.h"
#include "policy.h"
#include "reasons.h"

/* What a SYN asks for and our defaults offer; the cases' agreed values come from it. */
struct expect {
	int mss;		/* the client's MSS, 0: none */
	int ws;			/* the client's shift, -1: none */
	bool sack, ts, ecn;
};

/* What the program must agree to, by the cookie's tables (tests/lib, from design.md). */
static struct ref_cookie_opts agreed(const struct expect *e, int family)
{
	struct ref_cookie_opts o;

	ref_cookie_agree(family, e->ts, e->mss, e->ws, e->sack, e->ecn, &o);
	return o;
}

static uint32_t client_tsval(const struct pkt_spec *s, bool *present)
{
	struct pkt_view v;

	pkt_parse_options(s->opts, s->optlen, &v);
	*present = v.ts;
	return v.tsval;
}

/*
 * Every check a SYN-ACK must pass; returns the cookie. The reply is parsed and
 * checksummed independently and its cookie recomputed from the key.
 */
static uint32_t check_synack(const struct pkt_spec *syn, const struct xdp_result *r,
			     const struct expect *asked)
{
	struct ref_cookie_opts a = agreed(asked, syn->family);
	struct pkt_view v;
	bool has_ts;
	uint32_t tsval = client_tsval(syn, &has_ts), slot = ref_slot_now(), want_cookie = 0;
	uint32_t want_tsbits = 0;
	uint8_t want_flags = F_SYN | F_ACK | (a.ecn ? F_ECE : 0);

	expect_verdict(r, XDP_TX, XSC_STAT_TX_SYN_COOKIE);
	if (r->action != XDP_TX)
		return 0;
	if (pkt_parse(r->frame, r->out_len, &v)) {
		fail("reply is not an Ethernet/IP/TCP frame (%u bytes)", r->out_len);
		return 0;
	}
	EXPECT(v.family == syn->family, "family %d", v.family);
	EXPECT(v.ip_csum_ok, "IPv4 header checksum wrong");
	EXPECT(v.tcp_csum_ok, "TCP checksum wrong");
	EXPECT(v.lengths_ok, "frame length does not match IP length (%u bytes)", r->out_len);
	EXPECT(v.n_vlans == syn->n_vlans, "%d VLAN tags, want %d", v.n_vlans, syn->n_vlans);
	for (int i = 0; i < syn->n_vlans && i < v.n_vlans; i++)
		EXPECT(v.vlan_proto[i] == syn->vlan_proto[i] && v.vlan_tci[i] == syn->vlan_tci[i],
		       "VLAN tag %d changed", i);
	EXPECT(v.dmac[5] == 0x01 && v.smac[5] == 0x02, "MAC addresses not swapped");
	EXPECT(!memcmp(v.saddr, syn->daddr, syn->family == 4 ? 4 : 16) &&
		       !memcmp(v.daddr, syn->saddr, syn->family == 4 ? 4 : 16),
	       "addresses not swapped");
	EXPECT(v.sport == syn->dport && v.dport == syn->sport, "ports not swapped");
	EXPECT(v.ack == syn->seq + 1, "ack %u, want ISN + 1 = %u", v.ack, syn->seq + 1);
	EXPECT(v.flags == want_flags, "flags 0x%02x, want 0x%02x", v.flags, want_flags);
	EXPECT(v.payload_len == 0, "SYN-ACK carries %d payload bytes", v.payload_len);
	EXPECT(v.ttl == XSC_DEFAULT_TTL, "TTL/hop limit %u", v.ttl);
	if (v.family == 4)
		EXPECT(v.ihl_words == 5 && v.frag_off == 0x4000, "IPv4 IHL %d frag_off 0x%x",
		       v.ihl_words, v.frag_off);
	EXPECT(v.window == XSC_DEFAULT_WINDOW, "window %u", v.window);
	EXPECT(!v.opts_malformed && v.other_opts == 0, "SYN-ACK options malformed or foreign");
	EXPECT(v.mss == (v.family == 4 ? XSC_DEFAULT_MSS4 : XSC_DEFAULT_MSS6), "our MSS %d", v.mss);
	EXPECT(v.ws == (a.ws >= 0 ? XSC_DEFAULT_WSCALE : -1), "window scale option %d", v.ws);
	EXPECT(v.sack_perm == a.sack, "SACK_PERM %d, want %d", v.sack_perm, a.sack);
	EXPECT(v.ts == a.ts, "timestamps %d, want %d", v.ts, a.ts);
	if (v.ts)
		EXPECT(has_ts && v.tsecr == tsval, "TSecr %u does not echo TSval %u", v.tsecr, tsval);

	/* A slot boundary may fall between the run and now: accept the slot before. */
	for (uint32_t s = slot; s + 1 >= slot && s <= slot; s--) {
		want_cookie = ref_cookie(&test_keys.master[test_keys.gen & 1], syn->family,
					 syn->saddr, syn->daddr, syn->sport, syn->dport, syn->seq, s,
					 &a, &want_tsbits);
		if (want_cookie == v.seq)
			break;
	}
	EXPECT(want_cookie == v.seq, "cookie 0x%08x, reference SipHash says 0x%08x", v.seq,
	       want_cookie);
	if (v.ts)
		EXPECT((v.tsval & 0x3fff) == want_tsbits, "TSval low bits 0x%04x, reference says 0x%04x",
		       v.tsval & 0x3fff, want_tsbits);
	return v.seq;
}

/* The ACK must validate and carry the attributes the cookie encoded. */
static void check_round_trip(const struct pkt_spec *syn, uint32_t cookie, const struct xdp_result *synack,
			     const struct expect *asked)
{
	struct ref_cookie_opts a = agreed(asked, syn->family);
	struct pkt_spec ack;
	struct xdp_result r;
	struct xsc_handoff_meta m;
	struct pkt_view v;

	spec_final_ack(syn, cookie, synack, &ack);
	if (run_spec(&ack, &r))
		return;
	expect_verdict(&r, XDP_PASS, XSC_STAT_PASS_ACK_COOKIE_OK);
	if (r.meta_len != sizeof(m)) {
		fail("metadata %u bytes, want %zu", r.meta_len, sizeof(m));
		return;
	}
	memcpy(&m, r.out, sizeof(m));
	pkt_parse(synack->frame, synack->out_len, &v);
	EXPECT(m.magic == XSC_META_MAGIC, "metadata magic 0x%x", m.magic);
	EXPECT(m.mss == a.mss, "handoff MSS %u, want %d", m.mss, a.mss);
	EXPECT(m.wscale_ok == (a.ws >= 0), "wscale_ok %u", m.wscale_ok);
	EXPECT(m.snd_wscale == (a.ws >= 0 ? a.ws : 0), "snd_wscale %u, want %d", m.snd_wscale, a.ws);
	EXPECT(m.rcv_wscale == (a.ws >= 0 ? XSC_DEFAULT_WSCALE : 0), "rcv_wscale %u", m.rcv_wscale);
	EXPECT(m.sack_ok == a.sack, "sack_ok %u", m.sack_ok);
	EXPECT(m.ecn_ok == a.ecn, "ecn_ok %u", m.ecn_ok);
	EXPECT(m.tstamp_ok == a.ts, "tstamp_ok %u", m.tstamp_ok);
	if (a.ts)
		EXPECT(m.rcv_tsval == 1000001 && m.rcv_tsecr == v.tsval, "handoff TS %u/%u",
		       m.rcv_tsval, m.rcv_tsecr);
}

static void syn_case(const char *name, const struct pkt_spec *syn, const struct expect *e, bool quiet)
{
	struct xdp_result r;
	uint32_t cookie;

	begin(name);
	if (!run_spec(syn, &r)) {
		cookie = check_synack(syn, &r, e);
		if (!case_has_failed())
			check_round_trip(syn, cookie, &r, e);
	}
	end(quiet);
}

/* ---- option matrix (TESTCASES 2-4) ---- */

static void test_option_matrix(void)
{
	static const int mss_values[] = { -1, 100, 536, 1220, 1300, 1400, 1460, 8960, 9000, 65535 };
	static const int ws_values[] = { -1, 0, 1, 7, 14, 15, 255 };
	int count = 0, failed_before = failed;
	char name[160];

	for (int family = 4; family <= 6; family += 2)
		for (size_t mi = 0; mi < sizeof(mss_values) / sizeof(*mss_values); mi++)
			for (size_t wi = 0; wi < sizeof(ws_values) / sizeof(*ws_values); wi++)
				for (int bits = 0; bits < 8; bits++) {
					bool sack = bits & 1, ts = bits & 2, ecn = bits & 4;
					int mss = mss_values[mi], ws = ws_values[wi];
					struct pkt_spec s;
					struct expect e = {
						.mss = mss, .ws = ws,
						.sack = sack, .ts = ts, .ecn = ecn,
					};

					pkt_spec_syn(&s, family);
					s.seq = 0x01000000u * (uint32_t)bits + 7919u * (uint32_t)count;
					s.sport = 1024 + count;
					if (mss >= 0 && sack && ts && ws >= 0) {
						opts_linux_syn(&s, mss, 4242 + count, ws);	/* fast path */
					} else {
						/* Windows-like order, exercising the option walk */
						if (mss >= 0)
							opt_mss(&s, mss);
						if (ws >= 0) {
							opt_nop(&s);
							opt_ws(&s, ws);
						}
						if (sack) {
							opt_nop(&s);
							opt_nop(&s);
							opt_sack_perm(&s);
						}
						if (ts) {
							opt_nop(&s);
							opt_nop(&s);
							opt_ts(&s, 4242 + count, 0);
						}
					}
					if (ecn)
						s.flags |= F_ECE | F_CWR;
					snprintf(name, sizeof(name),
						 "option matrix IPv%d mss=%d ws=%d sack=%d ts=%d ecn=%d",
						 family, mss, ws, sack, ts, ecn);
					syn_case(name, &s, &e, true);
					count++;
				}
	printf("ok   option matrix: %d SYNs, each answered and round-tripped (%d failed)\n", count,
	       failed - failed_before);
}

/* ---- SYN shapes: families, tags, IP options, padding, payload (TESTCASES 3, 5, 11, 13) ---- */

static const struct expect linux_expect4 = { .mss = 1460, .ws = 7, .sack = true, .ts = true };
static const struct expect linux_expect6 = { .mss = 1440, .ws = 7, .sack = true, .ts = true };

static void test_syn_shapes(void)
{
	struct pkt_spec s;
	struct expect e;

	for (int family = 4; family <= 6; family += 2) {
		const struct expect *le = family == 4 ? &linux_expect4 : &linux_expect6;
		char name[128];

#define NAME(what) (snprintf(name, sizeof(name), "IPv%d %s", family, what), name)
		pkt_spec_linux_syn(&s, family);
		syn_case(NAME("Linux SYN -> cookie SYN-ACK"), &s, le, false);

		pkt_spec_linux_syn(&s, family);
		s.n_vlans = 1;
		s.vlan_proto[0] = 0x8100;
		s.vlan_tci[0] = 0x0064;
		syn_case(NAME("802.1Q tagged SYN keeps its tag"), &s, le, false);

		pkt_spec_linux_syn(&s, family);
		s.n_vlans = 2;
		s.vlan_proto[0] = 0x88a8;
		s.vlan_tci[0] = 0x00c8;
		s.vlan_proto[1] = 0x8100;
		s.vlan_tci[1] = 0x0064;
		syn_case(NAME("802.1ad QinQ SYN keeps both tags"), &s, le, false);

		pkt_spec_linux_syn(&s, family);
		s.n_vlans = 3;
		s.vlan_proto[0] = s.vlan_proto[1] = s.vlan_proto[2] = 0x8100;
		verdict_case(NAME("three VLAN tags are counted and dropped"), &s, XDP_DROP,
			     XSC_STAT_DROP_VLAN_TOO_DEEP);

		pkt_spec_syn(&s, family);
		e = (struct expect){ .mss = family == 4 ? 536 : 1220, .ws = -1 };
		syn_case(NAME("SYN without options -> default MSS, nothing offered"), &s, &e, false);

		pkt_spec_linux_syn(&s, family);
		s.eth_pad = 6;
		syn_case(NAME("SYN with Ethernet padding"), &s, le, false);

		pkt_spec_linux_syn(&s, family);
		s.payload_len = 100;
		syn_case(NAME("SYN with 100 bytes of data: ack = ISN + 1"), &s, le, false);

		pkt_spec_linux_syn(&s, family);
		s.payload_len = 1001;
		syn_case(NAME("SYN with 1001 bytes (odd) of data"), &s, le, false);

		pkt_spec_linux_syn(&s, family);
		{
			uint8_t tfo_req[2] = { 34, 2 };	/* Fast Open cookie request */
			opt_raw(&s, tfo_req, 2);
		}
		syn_case(NAME("TFO cookie request: no TFO option back"), &s, le, false);
#undef NAME
	}

	pkt_spec_linux_syn(&s, 4);
	s.ip_optlen = 8;
	syn_case("IPv4 SYN with IP options (IHL 7) -> reply with IHL 5", &s, &linux_expect4, false);

	pkt_spec_linux_syn(&s, 4);
	s.ip_optlen = 40;
	syn_case("IPv4 SYN with 40 bytes of IP options (IHL 15)", &s, &linux_expect4, false);

	pkt_spec_linux_syn(&s, 4);
	s.no_df = true;
	syn_case("IPv4 SYN without DF is not a fragment", &s, &linux_expect4, false);

	pkt_spec_linux_syn(&s, 6);
	s.n_ext = 2;
	s.ext[0] = (struct ext6){ .type = 0, .len = 8 };
	s.ext[1] = (struct ext6){ .type = 60, .len = 16 };
	syn_case("IPv6 SYN behind hop-by-hop and destination options", &s, &linux_expect6, false);

	pkt_spec_linux_syn(&s, 6);
	s.n_ext = 1;
	s.ext[0] = (struct ext6){ .type = 44, .len = 8, .frag = 0 };
	syn_case("IPv6 atomic fragment (offset 0, no MF) is a whole SYN", &s, &linux_expect6, false);

	pkt_spec_linux_syn(&s, 6);
	s.n_ext = 1;
	s.ext[0] = (struct ext6){ .type = 43, .len = 24 };
	syn_case("IPv6 SYN behind a routing header", &s, &linux_expect6, false);
}

/* ---- hostile options (TESTCASES 1, 2) ---- */

static void test_hostile_options(void)
{
	struct pkt_spec s;
	struct expect e;

	pkt_spec_syn(&s, 4);
	{
		uint8_t o[] = { 2, 0, 5, 0xb4 };
		opt_raw(&s, o, sizeof(o));
	}
	verdict_case("option length 0 -> dropped as malformed", &s, XDP_DROP, XSC_STAT_DROP_OPT_MALFORMED);

	pkt_spec_syn(&s, 4);
	{
		uint8_t o[] = { 30, 1, 1, 1 };
		opt_raw(&s, o, sizeof(o));
	}
	verdict_case("option length 1 -> dropped as malformed", &s, XDP_DROP, XSC_STAT_DROP_OPT_MALFORMED);

	pkt_spec_syn(&s, 4);
	{
		uint8_t o[] = { 1, 1, 254, 20 };	/* claims 20 bytes, 2 left */
		opt_raw(&s, o, sizeof(o));
	}
	verdict_case("option running past the data offset -> dropped", &s, XDP_DROP,
		     XSC_STAT_DROP_OPT_MALFORMED);

	pkt_spec_syn(&s, 4);
	{
		uint8_t o[] = { 1, 1, 1, 2 };	/* MSS kind as the last byte: no length */
		opt_raw(&s, o, sizeof(o));
	}
	verdict_case("option kind in the last byte -> dropped", &s, XDP_DROP, XSC_STAT_DROP_OPT_MALFORMED);

	pkt_spec_syn(&s, 4);
	for (int i = 0; i < 40; i++)
		opt_nop(&s);
	e = (struct expect){ .mss = 536, .ws = -1 };
	syn_case("40 bytes of NOPs -> defaults, no endless loop", &s, &e, false);

	pkt_spec_syn(&s, 4);
	{
		uint8_t mptcp[] = { 30, 12, 0, 0x81, 1, 2, 3, 4, 5, 6, 7, 8 };
		uint8_t exp[] = { 254, 6, 0xf9, 0x89, 0, 0 };

		opt_mss(&s, 1460);
		opt_raw(&s, mptcp, sizeof(mptcp));
		opt_raw(&s, exp, sizeof(exp));
		opt_sack_perm(&s);
	}
	e = (struct expect){ .mss = 1460, .ws = -1, .sack = true };
	syn_case("MPTCP and experimental options are never echoed", &s, &e, false);

	pkt_spec_syn(&s, 4);
	{
		uint8_t bad_ts[] = { 8, 8, 0, 0, 0, 1, 0, 0 };	/* timestamp with length 8 */

		opt_mss(&s, 1460);
		opt_raw(&s, bad_ts, sizeof(bad_ts));
	}
	e = (struct expect){ .mss = 1460, .ws = -1 };
	syn_case("truncated timestamp (length 8) is ignored", &s, &e, false);

	pkt_spec_syn(&s, 4);
	opt_mss(&s, 1460);
	opt_mss(&s, 1300);
	e = (struct expect){ .mss = 1300, .ws = -1 };
	syn_case("duplicate MSS: the last one counts, as in Linux", &s, &e, false);

	pkt_spec_syn(&s, 4);
	{
		uint8_t o[] = { 0, 2, 0, 0x10 };	/* EOL then garbage that would be an MSS */
		opt_mss(&s, 1300);
		opt_raw(&s, o, sizeof(o));
	}
	e = (struct expect){ .mss = 1300, .ws = -1 };
	syn_case("options after EOL are not read", &s, &e, false);

	pkt_spec_linux_syn(&s, 4);
	s.opts[19] = 15;
	e = linux_expect4;
	e.ws = 14;
	syn_case("window scale 15 is treated as 14 (fast path)", &s, &e, false);

	pkt_spec_syn(&s, 4);
	opt_mss(&s, 1460);
	opt_nop(&s);
	opt_ws(&s, 255);
	e = (struct expect){ .mss = 1460, .ws = 14 };
	syn_case("window scale 255 is treated as 14 (option walk)", &s, &e, false);
}

/* ---- flags (TESTCASES 8) ---- */

static void test_flags(void)
{
	static const struct {
		const char *name;
		uint8_t flags;
		int action, reason;
	} cases[] = {
		{ "SYN+FIN dropped", F_SYN | F_FIN, XDP_DROP, XSC_STAT_DROP_SYN_FIN },
		{ "SYN+RST dropped", F_SYN | F_RST, XDP_DROP, XSC_STAT_DROP_SYN_RST },
		{ "SYN+FIN+RST+PSH+URG (all) dropped", 0x3f, XDP_DROP, XSC_STAT_DROP_SYN_FIN },
		{ "unsolicited SYN-ACK dropped", F_SYN | F_ACK, XDP_DROP, XSC_STAT_DROP_SYNACK_UNSOLICITED },
		{ "no flags (NULL scan) dropped", 0, XDP_DROP, XSC_STAT_DROP_NULL_FLAGS },
		{ "ECE+CWR only dropped as no flags", F_ECE | F_CWR, XDP_DROP, XSC_STAT_DROP_NULL_FLAGS },
		{ "FIN+PSH+URG (Xmas) dropped", F_FIN | F_PSH | F_URG, XDP_DROP, XSC_STAT_DROP_XMAS },
		{ "bare FIN without ACK dropped", F_FIN, XDP_DROP, XSC_STAT_DROP_NO_ACK },
		{ "PSH without ACK dropped", F_PSH, XDP_DROP, XSC_STAT_DROP_NO_ACK },
		{ "bare RST with no connection dropped", F_RST, XDP_DROP, XSC_STAT_DROP_RST_NO_SOCKET },
		{ "RST+ACK with no connection dropped", F_RST | F_ACK, XDP_DROP, XSC_STAT_DROP_RST_NO_SOCKET },
		{ "ACK with no socket and no cookie dropped", F_ACK, XDP_DROP, XSC_STAT_DROP_ACK_NO_SOCKET },
		{ "FIN+ACK with no socket and no cookie dropped", F_FIN | F_ACK, XDP_DROP,
		  XSC_STAT_DROP_ACK_NO_SOCKET },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++)
		for (int family = 4; family <= 6; family += 2) {
			struct pkt_spec s;
			char name[128];

			pkt_spec_syn(&s, family);
			s.flags = cases[i].flags;
			s.ack = 0x55555555;
			snprintf(name, sizeof(name), "IPv%d %s", family, cases[i].name);
			verdict_case(name, &s, cases[i].action, cases[i].reason);
		}
}

/* ---- truncation and malformed headers (TESTCASES 6, 9, 10, 12) ---- */

/* How a case bends the Linux SYN of its family; zero fields leave the SYN alone. */
struct bend {
	int truncate_to;
	int ihl_words;
	int ip_len_delta;
	int doff_words;
	int payload_len;
	uint16_t vlan_proto;	/* one tag of this type */
	uint16_t frag_off;
	uint8_t l4proto;
	struct ext6 ext;	/* one IPv6 extension header */
	bool no_options;
	bool bad_tcp_csum;
	bool bad_ip_csum;
	bool partial_tcp_csum;
	const char *saddr;
	const char *daddr;
	int ip_version;		/* PKT_VERSION(n) */
};

static const struct bent_case {
	const char *name;
	int family;
	struct bend bend;
	int action, reason;
} bent_cases[] = {
	{ "Ethernet header alone", 4, { .truncate_to = 14 }, XDP_DROP, XSC_STAT_DROP_IP4_TRUNC },
	{ "VLAN tag cut short", 4, { .vlan_proto = 0x8100, .truncate_to = 16 }, XDP_DROP,
	  XSC_STAT_DROP_ETH_TRUNC },
	{ "IPv4 header cut short", 4, { .truncate_to = 14 + 19 }, XDP_DROP, XSC_STAT_DROP_IP4_TRUNC },
	{ "IPv4 IHL 4", 4, { .ihl_words = 4 }, XDP_DROP, XSC_STAT_DROP_IP4_BAD_IHL },
	{ "IPv4 total length one byte past the frame", 4, { .ip_len_delta = 1 }, XDP_DROP,
	  XSC_STAT_DROP_IP4_BAD_LEN },
	{ "IPv4 total length below IHL", 4, { .ip_len_delta = -60 - 1 }, XDP_DROP,
	  XSC_STAT_DROP_IP4_BAD_LEN },
	/* IP says 20 bytes of TCP, the data offset says 40 */
	{ "IPv4 length shorter than the TCP data offset", 4, { .ip_len_delta = -20 }, XDP_DROP,
	  XSC_STAT_DROP_TCP_BAD_DOFF },
	{ "TCP header shorter than 20 bytes", 4, { .ip_len_delta = -(40 - 10) }, XDP_DROP,
	  XSC_STAT_DROP_TCP_TRUNC },
	{ "TCP data offset 4", 4, { .doff_words = 4 }, XDP_DROP, XSC_STAT_DROP_TCP_BAD_DOFF },
	{ "TCP data offset past the segment", 4, { .no_options = true, .doff_words = 15 }, XDP_DROP,
	  XSC_STAT_DROP_TCP_BAD_DOFF },
	{ "frame cut inside the TCP options", 4, { .truncate_to = 14 + 20 + 30 }, XDP_DROP,
	  XSC_STAT_DROP_IP4_BAD_LEN },
	{ "IPv6 header cut short", 6, { .truncate_to = 14 + 39 }, XDP_DROP, XSC_STAT_DROP_IP6_TRUNC },
	{ "IPv6 payload length past the frame", 6, { .ip_len_delta = 1 }, XDP_DROP,
	  XSC_STAT_DROP_IP6_BAD_LEN },
	/* the extension header claims more than there is */
	{ "IPv6 extension header past the payload", 6,
	  { .ext = { .type = 60, .len = 64 }, .ip_len_delta = -(64 + 40 - 8) }, XDP_DROP,
	  XSC_STAT_DROP_IP6_EXT_TRUNC },

	/* fragments (TESTCASES 9, 10) */
	{ "IPv4 first fragment (MF) of TCP dropped by policy", 4, { .frag_off = 0x2000 }, XDP_DROP,
	  XSC_STAT_DROP_TCP_FRAGMENT },
	{ "IPv4 later fragment of TCP dropped by policy", 4, { .frag_off = 0x0010 }, XDP_DROP,
	  XSC_STAT_DROP_TCP_FRAGMENT },
	{ "IPv4 UDP fragment passes", 4, { .frag_off = 0x2000, .l4proto = 17 }, XDP_PASS,
	  XSC_STAT_PASS_NOT_TCP },
	{ "IPv6 first fragment of TCP dropped by policy", 6,
	  { .ext = { .type = 44, .len = 8, .frag = 0x0001 } }, XDP_DROP, XSC_STAT_DROP_TCP_FRAGMENT },
	{ "IPv6 later fragment of TCP dropped by policy", 6,
	  { .ext = { .type = 44, .len = 8, .frag = 0x0100 } }, XDP_DROP, XSC_STAT_DROP_TCP_FRAGMENT },

	/* checksums (TESTCASES 6): a SYN whose reply is rebuilt is verified first (the Linux
	 * layout's in-place reply carries errors over instead: test_checksum_carry) */
	{ "IPv4 SYN without options and a bad TCP checksum", 4,
	  { .no_options = true, .bad_tcp_csum = true }, XDP_DROP, XSC_STAT_DROP_BAD_TCP_CSUM },
	{ "IPv6 SYN without options and a bad TCP checksum", 6,
	  { .no_options = true, .bad_tcp_csum = true }, XDP_DROP, XSC_STAT_DROP_BAD_TCP_CSUM },
	{ "IPv4 Linux SYN with a partial (offload) TCP checksum", 4, { .partial_tcp_csum = true },
	  XDP_DROP, XSC_STAT_DROP_BAD_TCP_CSUM },
	{ "IPv6 Linux SYN with a partial (offload) TCP checksum", 6, { .partial_tcp_csum = true },
	  XDP_DROP, XSC_STAT_DROP_BAD_TCP_CSUM },
	{ "IPv4 SYN with data and a bad TCP checksum", 4, { .payload_len = 333, .bad_tcp_csum = true },
	  XDP_DROP, XSC_STAT_DROP_BAD_TCP_CSUM },
	{ "IPv6 SYN with data and a bad TCP checksum", 6, { .payload_len = 333, .bad_tcp_csum = true },
	  XDP_DROP, XSC_STAT_DROP_BAD_TCP_CSUM },
	{ "IPv4 SYN without options and a bad header checksum", 4,
	  { .no_options = true, .bad_ip_csum = true }, XDP_DROP, XSC_STAT_DROP_BAD_IP_CSUM },
	/* addresses: never answered */
	{ "SYN from a multicast source", 4, { .saddr = "224.0.0.1" }, XDP_DROP,
	  XSC_STAT_DROP_BAD_SOURCE },
	{ "SYN to broadcast", 4, { .daddr = "255.255.255.255" }, XDP_DROP, XSC_STAT_DROP_BAD_SOURCE },
	{ "SYN from 0.0.0.0", 4, { .saddr = "0.0.0.0" }, XDP_DROP, XSC_STAT_DROP_BAD_SOURCE },
	{ "IPv6 SYN from multicast", 6, { .saddr = "ff02::1" }, XDP_DROP, XSC_STAT_DROP_BAD_SOURCE },
	{ "IPv6 SYN from ::", 6, { .saddr = "::" }, XDP_DROP, XSC_STAT_DROP_BAD_SOURCE },
};

static void apply_bend(struct pkt_spec *s, int family, const struct bend *b)
{
	int af = family == 4 ? AF_INET : AF_INET6;

	if (b->no_options)
		pkt_spec_syn(s, family);
	else
		pkt_spec_linux_syn(s, family);
	if (b->vlan_proto) {
		s->n_vlans = 1;
		s->vlan_proto[0] = b->vlan_proto;
	}
	if (b->ext.len) {
		s->n_ext = 1;
		s->ext[0] = b->ext;
	}
	s->truncate_to = b->truncate_to;
	s->ihl_words = b->ihl_words;
	s->ip_len_delta = b->ip_len_delta;
	s->doff_words = b->doff_words;
	s->payload_len = b->payload_len;
	s->frag_off = b->frag_off;
	s->l4proto = b->l4proto;
	s->bad_tcp_csum = b->bad_tcp_csum;
	s->bad_ip_csum = b->bad_ip_csum;
	s->partial_tcp_csum = b->partial_tcp_csum;
	s->ip_version = b->ip_version;
	if (b->saddr)
		inet_pton(af, b->saddr, s->saddr);
	if (b->daddr)
		inet_pton(af, b->daddr, s->daddr);
}

static void test_malformed(void)
{
	struct pkt_spec s;

	{
		/* The premise of the parser's first check: XDP never sees less than a header. */
		uint8_t runt[13] = { 0 };
		struct xdp_result r;

		begin("frames under 14 bytes never reach XDP (the kernel refuses them)");
		EXPECT(harness_run(runt, sizeof(runt), &r) == -EINVAL, "13-byte frame was run");
		end(false);
	}
	for (size_t i = 0; i < sizeof(bent_cases) / sizeof(*bent_cases); i++) {
		const struct bent_case *c = &bent_cases[i];

		apply_bend(&s, c->family, &c->bend);
		verdict_case(c->name, &s, c->action, c->reason);
	}
	pkt_spec_linux_syn(&s, 6);
	s.n_ext = 7;
	for (int i = 0; i < 7; i++)
		s.ext[i] = (struct ext6){ .type = 60, .len = 8 };
	verdict_case("seven IPv6 extension headers: counted, dropped", &s, XDP_DROP,
		     XSC_STAT_DROP_IP6_EXT_TOO_DEEP);
}

/*
 * A SYN in Linux's layout is answered in place, its checksums carried over by RFC 1624
 * updates rather than verified: a corrupted SYN must get a SYN-ACK whose checksum fails
 * at the receiver, whichever byte was hit (a checksum, a field we rewrite, or one we keep),
 * and an intact one a SYN-ACK whose checksums hold (check_synack, everywhere else).
 */
static void test_checksum_carry(void)
{
	/* ip_fails/tcp_fails: which of the SYN-ACK's checksums must fail. The IPv4 addresses
	 * are in both sums (the header's and the pseudo-header's); the TTL only in the first. */
	static const struct {
		const char *what;
		int family;
		int offset;	/* of the byte flipped, from the IP header (after 14 bytes of Ethernet); -1: none */
		bool bad_tcp_csum, bad_ip_csum;
		bool ip_fails, tcp_fails;
	} cases[] = {
		{ "IPv4: bad TCP checksum", 4, -1, true, false, false, true },
		{ "IPv6: bad TCP checksum", 6, -1, true, false, false, true },
		{ "IPv4: bad header checksum", 4, -1, false, true, true, false },
		{ "IPv4: a source address bit", 4, 12, false, false, true, true },
		{ "IPv4: the TTL", 4, 8, false, false, true, false },
		{ "IPv4: a source port bit (kept, swapped)", 4, 20 + 1, false, false, false, true },
		{ "IPv4: a sequence number bit (rewritten)", 4, 20 + 7, false, false, false, true },
		{ "IPv4: the MSS value (rewritten)", 4, 20 + 20 + 3, false, false, false, true },
		{ "IPv4: the client's TSval (moved to the TSecr)", 4, 20 + 28 + 1, false, false, false,
		  true },
		{ "IPv4: the window scale shift (rewritten)", 4, 20 + 39, false, false, false, true },
		{ "IPv6: a destination address bit", 6, 24 + 15, false, false, false, true },
		{ "IPv6: a TSecr bit (dropped)", 6, 40 + 32 + 2, false, false, false, true },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		uint8_t frame[PKT_MAX];
		struct xdp_result r;
		struct pkt_spec s;
		struct pkt_view v;
		char name[160];
		size_t len;

		snprintf(name, sizeof(name),
			 "corrupted Linux SYN, %s: its SYN-ACK's IPv4 header checksum %s, TCP checksum %s",
			 cases[i].what, cases[i].ip_fails ? "fails" : "holds",
			 cases[i].tcp_fails ? "fails" : "holds");
		begin(name);
		pkt_spec_linux_syn(&s, cases[i].family);
		s.bad_tcp_csum = cases[i].bad_tcp_csum;
		s.bad_ip_csum = cases[i].bad_ip_csum;
		len = pkt_build(&s, frame);
		if (cases[i].offset >= 0)
			frame[14 + cases[i].offset] ^= 0x04;
		if (!harness_run(frame, len, &r)) {
			expect_verdict(&r, XDP_TX, XSC_STAT_TX_SYN_COOKIE);
			if (r.action == XDP_TX && !pkt_parse(r.frame, r.out_len, &v))
				EXPECT(v.ip_csum_ok == !cases[i].ip_fails &&
					       v.tcp_csum_ok == !cases[i].tcp_fails,
				       "IPv4 header checksum %s, TCP checksum %s",
				       v.ip_csum_ok ? "holds" : "fails", v.tcp_csum_ok ? "holds" : "fails");
		}
		end(false);
	}
}

/* ---- what the packet fuzzer found (tests/fuzz/corpus/repro-*) ---- */

static const struct bent_case fuzz_found[] = {
	/* repro-ip-version-11-ipv6: the version nibble was never read */
	{ "IPv4 ethertype, IP version 1", 4, { .ip_version = PKT_VERSION(1) }, XDP_DROP,
	  XSC_STAT_DROP_IP_BAD_VERSION },
	{ "IPv4 ethertype, IP version 5", 4, { .ip_version = PKT_VERSION(5) }, XDP_DROP,
	  XSC_STAT_DROP_IP_BAD_VERSION },
	{ "IPv4 ethertype, IP version 7", 4, { .ip_version = PKT_VERSION(7) }, XDP_DROP,
	  XSC_STAT_DROP_IP_BAD_VERSION },
	{ "IPv4 ethertype, IP version 6", 4, { .ip_version = PKT_VERSION(6) }, XDP_DROP,
	  XSC_STAT_DROP_IP_BAD_VERSION },
	{ "IPv4 ethertype, version 4 and IHL 4 is still a bad IHL", 4,
	  { .ihl_words = 4 }, XDP_DROP, XSC_STAT_DROP_IP4_BAD_IHL },
	{ "IPv6 ethertype, IP version 0", 6, { .ip_version = PKT_VERSION(0) }, XDP_DROP,
	  XSC_STAT_DROP_IP_BAD_VERSION },
	{ "IPv6 ethertype, IP version 7", 6, { .ip_version = PKT_VERSION(7) }, XDP_DROP,
	  XSC_STAT_DROP_IP_BAD_VERSION },
	{ "IPv6 ethertype, IP version 8", 6, { .ip_version = PKT_VERSION(8) }, XDP_DROP,
	  XSC_STAT_DROP_IP_BAD_VERSION },
	{ "IPv6 ethertype, IP version 4", 6, { .ip_version = PKT_VERSION(4) }, XDP_DROP,
	  XSC_STAT_DROP_IP_BAD_VERSION },
	/* repro-ipv6-mapped-loopback, and the loopback and unspecified addresses around it */
	{ "IPv6 SYN from ::ffff:127.0.0.1", 6, { .saddr = "::ffff:127.0.0.1" }, XDP_DROP,
	  XSC_STAT_DROP_BAD_SOURCE },
	{ "IPv6 SYN to ::ffff:127.0.0.1", 6, { .daddr = "::ffff:127.0.0.1" }, XDP_DROP,
	  XSC_STAT_DROP_BAD_SOURCE },
	{ "IPv6 SYN from an IPv4-mapped address", 6, { .saddr = "::ffff:198.18.0.1" }, XDP_DROP,
	  XSC_STAT_DROP_BAD_SOURCE },
	{ "IPv6 SYN to ::1", 6, { .daddr = "::1" }, XDP_DROP, XSC_STAT_DROP_BAD_SOURCE },
	{ "IPv6 SYN to ::", 6, { .daddr = "::" }, XDP_DROP, XSC_STAT_DROP_BAD_SOURCE },
	{ "IPv6 SYN from ::1", 6, { .saddr = "::1" }, XDP_DROP, XSC_STAT_DROP_BAD_SOURCE },
	{ "IPv4 SYN to 127.0.0.1", 4, { .daddr = "127.0.0.1" }, XDP_DROP, XSC_STAT_DROP_BAD_SOURCE },
	{ "IPv4 SYN to 127.18.52.86", 4, { .daddr = "127.18.52.86" }, XDP_DROP,
	  XSC_STAT_DROP_BAD_SOURCE },
	{ "IPv4 SYN from 127.0.0.5 to 127.0.0.1", 4, { .saddr = "127.0.0.5", .daddr = "127.0.0.1" },
	  XDP_DROP, XSC_STAT_DROP_BAD_SOURCE },
	{ "IPv4 SYN to 0.0.0.0", 4, { .daddr = "0.0.0.0" }, XDP_DROP, XSC_STAT_DROP_BAD_SOURCE },
};

/* repro-ipv6-*-fragment-then-*: a fragment header followed by another extension header. */
static const struct {
	const char *name;
	struct ext6 ext[2];
	uint8_t l4proto;
	int action, reason;
} frag_chains[] = {
	{ "IPv6 later fragment, then destination options: a TCP fragment",
	  { { 44, 8, 0x0100 }, { 60, 8, 0 } }, 0, XDP_DROP, XSC_STAT_DROP_TCP_FRAGMENT },
	{ "IPv6 later fragment, then a routing header: a TCP fragment",
	  { { 44, 8, 0x0008 }, { 43, 8, 0 } }, 0, XDP_DROP, XSC_STAT_DROP_TCP_FRAGMENT },
	{ "IPv6 first fragment (MF), then AH: a TCP fragment",
	  { { 44, 8, 0x0001 }, { 51, 16, 0 } }, 0, XDP_DROP, XSC_STAT_DROP_TCP_FRAGMENT },
	{ "IPv6 first fragment (MF), then destination options: a TCP fragment",
	  { { 44, 8, 0x0001 }, { 60, 8, 0 } }, 0, XDP_DROP, XSC_STAT_DROP_TCP_FRAGMENT },
	{ "IPv6 first fragment of UDP behind destination options passes",
	  { { 44, 8, 0x0001 }, { 60, 8, 0 } }, 17, XDP_PASS, XSC_STAT_PASS_NOT_TCP },
	{ "IPv6 atomic fragment, then destination options: a whole SYN",
	  { { 44, 8, 0 }, { 60, 8, 0 } }, 0, XDP_TX, XSC_STAT_TX_SYN_COOKIE },
};

static void test_fuzz_found(void)
{
	struct xdp_result r;
	struct pkt_spec s, ack;
	struct pkt_view v;

	for (size_t i = 0; i < sizeof(fuzz_found) / sizeof(*fuzz_found); i++) {
		const struct bent_case *c = &fuzz_found[i];

		apply_bend(&s, c->family, &c->bend);
		verdict_case(c->name, &s, c->action, c->reason);
	}
	for (size_t i = 0; i < sizeof(frag_chains) / sizeof(*frag_chains); i++) {
		pkt_spec_linux_syn(&s, 6);
		s.n_ext = 2;
		memcpy(s.ext, frag_chains[i].ext, sizeof(frag_chains[i].ext));
		s.l4proto = frag_chains[i].l4proto;
		verdict_case(frag_chains[i].name, &s, frag_chains[i].action, frag_chains[i].reason);
	}
	pkt_spec_linux_syn(&s, 6);
	begin("IPv6 UDP later fragment passes (not TCP by its next header)");
	s.n_ext = 1;
	s.ext[0] = (struct ext6){ .type = 44, .len = 8, .frag = 0x0100 };
	s.l4proto = 17;
	if (!run_spec(&s, &r))
		expect_verdict(&r, XDP_PASS, XSC_STAT_PASS_NOT_TCP);
	end(false);

	/* The cookie ACK of a real SYN, sent again as a first fragment: no metadata for it. */
	begin("IPv6 cookie ACK as a first fragment behind destination options is dropped");
	pkt_spec_linux_syn(&s, 6);
	if (!run_spec(&s, &r) && !pkt_parse(r.frame, r.out_len, &v)) {
		spec_final_ack(&s, v.seq, &r, &ack);
		if (!run_spec(&ack, &r))
			expect_verdict(&r, XDP_PASS, XSC_STAT_PASS_ACK_COOKIE_OK);
		ack.n_ext = 2;
		ack.ext[0] = (struct ext6){ .type = 44, .len = 8, .frag = 0x0001 };
		ack.ext[1] = (struct ext6){ .type = 60, .len = 8 };
		if (!run_spec(&ack, &r)) {
			expect_verdict(&r, XDP_DROP, XSC_STAT_DROP_TCP_FRAGMENT);
			EXPECT(r.meta_len == 0, "%u bytes of metadata for a fragment", r.meta_len);
		}
	} else {
		fail("no SYN-ACK to take the cookie from");
	}
	end(false);
}

/* ---- traffic that is not ours to judge (TESTCASES 14) ---- */

static void test_not_ours(void)
{
	static struct policy_change only = { .ports_given = true, .ports = { 443 }, .n_ports = 1 };
	struct xsc_policy *pol = malloc(sizeof(*pol));
	struct pkt_spec s;

	if (!pol)
		return;

	for (int family = 4; family <= 6; family += 2) {
		char name[96];

		pkt_spec_linux_syn(&s, family);
		s.dport = 81;
		snprintf(name, sizeof(name), "IPv%d SYN to a port without a listener goes to the kernel",
			 family);
		verdict_case(name, &s, XDP_PASS, XSC_STAT_PASS_SYN_NO_LISTENER);
	}
	pkt_spec_linux_syn(&s, 4);
	s.ethertype = 0x0806;
	verdict_case("ARP passes untouched", &s, XDP_PASS, XSC_STAT_PASS_NOT_IP);
	pkt_spec_linux_syn(&s, 4);
	s.l4proto = 1;
	verdict_case("ICMP passes", &s, XDP_PASS, XSC_STAT_PASS_NOT_TCP);
	pkt_spec_linux_syn(&s, 4);
	s.l4proto = 17;
	verdict_case("UDP passes", &s, XDP_PASS, XSC_STAT_PASS_NOT_TCP);
	pkt_spec_linux_syn(&s, 6);
	s.l4proto = 58;
	verdict_case("ICMPv6 passes", &s, XDP_PASS, XSC_STAT_PASS_NOT_TCP);
	pkt_spec_linux_syn(&s, 6);
	s.n_ext = 1;
	s.ext[0] = (struct ext6){ .type = 60, .len = 8 };
	s.l4proto = 59;
	verdict_case("IPv6 with no next header passes", &s, XDP_PASS, XSC_STAT_PASS_NOT_TCP);

	harness_policy_always(pol);
	if (policy_apply(pol, &only, "test") || harness_set_policy(pol)) {
		begin("port policy");
		fail("cannot set a policy protecting port 443 only");
		end(false);
		return;
	}
	pkt_spec_linux_syn(&s, 4);
	s.dport = 80;
	verdict_case("ports 443 only: SYN to 80 passes", &s, XDP_PASS, XSC_STAT_PASS_PORT_UNPROTECTED);
	pkt_spec_linux_syn(&s, 4);
	s.dport = 80;
	s.flags = 0;
	verdict_case("ports 443 only: no-flags segment to 80 passes", &s, XDP_PASS,
		     XSC_STAT_PASS_PORT_UNPROTECTED);
	pkt_spec_linux_syn(&s, 6);
	s.dport = 443;
	syn_case("ports 443 only: SYN to 443 is answered", &s, &linux_expect6, false);
	harness_policy_always(pol);
	harness_set_policy(pol);
	free(pol);
}

/* ---- the cookie: forgeries, expiry, rotation (TESTCASES 7) ---- */

static void ack_case(const char *name, const struct pkt_spec *ack, int reason)
{
	struct xdp_result r;

	begin(name);
	if (!run_spec(ack, &r)) {
		expect_verdict(&r, reason_action(reason), reason);
		if (reason != XSC_STAT_PASS_ACK_COOKIE_OK)
			EXPECT(r.meta_len == 0, "metadata written for an invalid cookie");
	}
	end(false);
}

/* Sets the ACK's timestamps to echo tsecr, as a client answering that TSval would. */
static void ack_echo(struct pkt_spec *ack, uint32_t tsecr)
{
	ack->optlen = 0;
	memset(ack->opts, 0, sizeof(ack->opts));
	opt_nop(ack);
	opt_nop(ack);
	opt_ts(ack, 1000001, tsecr);
}

/* The final ACK for a cookie the reference makes for the Linux SYN in another slot or
 * under another master: its ISN and the TSval bits it would carry. */
static void forged_ack(const struct pkt_spec *syn, const struct xsc_key *master, uint32_t slot,
		       const struct xdp_result *synack, struct pkt_spec *ack)
{
	struct ref_cookie_opts a = agreed(&linux_expect4, 4);
	uint32_t ts_bits, isn = ref_cookie(master, 4, syn->saddr, syn->daddr, syn->sport,
					   syn->dport, syn->seq, slot, &a, &ts_bits);
	struct pkt_view v;

	spec_final_ack(syn, isn, synack, ack);
	if (!pkt_parse(synack->frame, synack->out_len, &v))
		ack_echo(ack, (v.tsval & ~0x3fffu) | ts_bits);
}

static void test_cookie(void)
{
	struct pkt_spec syn, ack;
	struct xdp_result r;
	struct xsc_keyring kr = test_keys;
	uint32_t cookie, slot;

	pkt_spec_linux_syn(&syn, 4);
	begin("cookie SYN for forgery tests");
	if (run_spec(&syn, &r)) {
		end(false);
		return;
	}
	cookie = check_synack(&syn, &r, &linux_expect4);
	end(false);

	spec_final_ack(&syn, cookie, &r, &ack);
	ack_case("ACK with the cookie validates", &ack, XSC_STAT_PASS_ACK_COOKIE_OK);

	for (int bit = 0; bit < 32; bit += 5) {
		char name[64];

		spec_final_ack(&syn, cookie ^ (1u << bit), &r, &ack);
		snprintf(name, sizeof(name), "cookie with bit %d flipped is refused", bit);
		ack_case(name, &ack, XSC_STAT_DROP_ACK_NO_SOCKET);
	}
	{
		struct pkt_view v;

		pkt_parse(r.frame, r.out_len, &v);
		for (int bit = 0; bit < 14; bit += 3) {
			char name[80];

			spec_final_ack(&syn, cookie, &r, &ack);
			ack_echo(&ack, v.tsval ^ (1u << bit));
			snprintf(name, sizeof(name), "TSecr with cookie bit %d flipped is refused", bit);
			ack_case(name, &ack, XSC_STAT_DROP_ACK_NO_SOCKET);
		}
		spec_final_ack(&syn, cookie, &r, &ack);
		ack_echo(&ack, v.tsval ^ (1u << 20));
		ack_case("TSecr with a clock bit flipped still validates", &ack,
			 XSC_STAT_PASS_ACK_COOKIE_OK);
		spec_final_ack(&syn, cookie, &r, &ack);
		ack.optlen = 0;
		ack_case("a timestamp cookie's ACK without timestamps is refused", &ack,
			 XSC_STAT_DROP_ACK_NO_SOCKET);
	}
	spec_final_ack(&syn, cookie, &r, &ack);
	ack.sport++;
	ack_case("cookie for another source port is refused", &ack, XSC_STAT_DROP_ACK_NO_SOCKET);
	spec_final_ack(&syn, cookie, &r, &ack);
	ack.saddr[3]++;
	ack_case("cookie for another source address is refused", &ack, XSC_STAT_DROP_ACK_NO_SOCKET);
	spec_final_ack(&syn, cookie, &r, &ack);
	ack.seq++;
	ack_case("cookie with another client ISN is refused", &ack, XSC_STAT_DROP_ACK_NO_SOCKET);
	spec_final_ack(&syn, cookie, &r, &ack);
	ack.ack = cookie;	/* forgot the + 1 */
	ack_case("ACK acknowledging the cookie itself is refused", &ack, XSC_STAT_DROP_ACK_NO_SOCKET);

	/* Cookies forged with the reference implementation for other slots. */
	slot = ref_slot_now();
	forged_ack(&syn, &kr.master[1], slot - 1, &r, &ack);
	ack_case("cookie from the previous slot (about a minute old) validates", &ack,
		 XSC_STAT_PASS_ACK_COOKIE_OK);
	forged_ack(&syn, &kr.master[1], slot - 2, &r, &ack);
	ack_case("cookie two slots old (past two minutes) is refused", &ack, XSC_STAT_DROP_ACK_NO_SOCKET);
	forged_ack(&syn, &kr.master[1], slot - 4, &r, &ack);
	ack_case("cookie four slots old (same low bits) is refused", &ack, XSC_STAT_DROP_ACK_NO_SOCKET);
	forged_ack(&syn, &kr.master[1], slot + 1, &r, &ack);
	ack_case("cookie one slot ahead (an issuer whose clock runs ahead) validates", &ack,
		 XSC_STAT_PASS_ACK_COOKIE_OK);
	forged_ack(&syn, &kr.master[1], slot + 2, &r, &ack);
	ack_case("cookie two slots ahead is refused", &ack, XSC_STAT_DROP_ACK_NO_SOCKET);
	{
		struct xsc_key slot_key = ref_slot_key(&kr.master[1], slot);

		forged_ack(&syn, &slot_key, slot, &r, &ack);
		ack_case("cookie keyed with the master itself, not the slot's key, is refused", &ack,
			 XSC_STAT_DROP_ACK_NO_SOCKET);
	}

	/* Rotation: the old key stays valid for one generation, then is gone. */
	forged_ack(&syn, &kr.master[0], slot, &r, &ack);
	ack_case("cookie of the all-zero master in the unused place is refused", &ack,
		 XSC_STAT_DROP_ACK_NO_SOCKET);

	kr.master[0] = (struct xsc_key){ 0x1111111111111111ULL, 0x2222222222222222ULL };
	kr.gen = 2;
	kr.prev_until = ref_clock_ns() + XSC_COOKIE_VALID_NS;
	harness_set_keys(&kr);
	spec_final_ack(&syn, cookie, &r, &ack);
	ack_case("after one rotation the previous key's cookie validates", &ack,
		 XSC_STAT_PASS_ACK_COOKIE_OK);
	forged_ack(&syn, &kr.master[0], slot, &r, &ack);
	ack_case("after one rotation the new key's cookie validates", &ack, XSC_STAT_PASS_ACK_COOKIE_OK);
	kr.prev_until = ref_clock_ns() - 100000000;	/* the program reads a coarse clock */
	harness_set_keys(&kr);
	spec_final_ack(&syn, cookie, &r, &ack);
	ack_case("one validity window after a rotation the previous key's cookie is refused", &ack,
		 XSC_STAT_DROP_ACK_NO_SOCKET);
	kr.prev_until = ref_clock_ns() + XSC_COOKIE_VALID_NS;

	kr.master[1] = (struct xsc_key){ 0x3333333333333333ULL, 0x4444444444444444ULL };
	kr.gen = 3;
	harness_set_keys(&kr);
	spec_final_ack(&syn, cookie, &r, &ack);
	ack_case("after two rotations the retired key's cookie is refused", &ack,
		 XSC_STAT_DROP_ACK_NO_SOCKET);

	kr.gen = 0;
	harness_set_keys(&kr);
	pkt_spec_linux_syn(&syn, 4);
	verdict_case("no key loaded: SYN left to the kernel, counted", &syn, XDP_PASS,
		     XSC_STAT_PASS_NO_KEY);
	kr = (struct xsc_keyring){ .gen = 1 };
	harness_set_keys(&kr);
	verdict_case("an all-zero current key is no key: SYN left to the kernel", &syn, XDP_PASS,
		     XSC_STAT_PASS_NO_KEY);
	harness_set_keys(&test_keys);

	/* The key is what makes the cookie: another key, another cookie for the same SYN. */
	begin("the cookie changes with the key");
	{
		struct xsc_keyring other = test_keys;
		struct xdp_result r1, r2;
		struct pkt_view v1, v2;

		other.master[1].k0 ^= 1;
		if (!run_spec(&syn, &r1) && !harness_set_keys(&other) && !run_spec(&syn, &r2) &&
		    !pkt_parse(r1.frame, r1.out_len, &v1) && !pkt_parse(r2.frame, r2.out_len, &v2))
			EXPECT(v1.seq != v2.seq, "same cookie 0x%08x under two keys", v1.seq);
		else
			fail("could not run the SYN under two keys");
		harness_set_keys(&test_keys);
	}
	end(false);
}

/* ---- segments that belong to real local sockets ---- */

static int local_connection(int family, int *lfd, int *cfd, int *afd, uint16_t *lport,
			       uint16_t *cport)
{
	struct sockaddr_storage ss = {};
	socklen_t len;
	int af = family == 4 ? AF_INET : AF_INET6;

	*lfd = socket(af, SOCK_STREAM, 0);
	*cfd = socket(af, SOCK_STREAM, 0);
	if (family == 4) {
		struct sockaddr_in *sin = (void *)&ss;

		sin->sin_family = AF_INET;
		inet_pton(AF_INET, LOCAL4, &sin->sin_addr);
		len = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (void *)&ss;

		sin6->sin6_family = AF_INET6;
		inet_pton(AF_INET6, LOCAL6, &sin6->sin6_addr);
		len = sizeof(*sin6);
	}
	if (*lfd < 0 || *cfd < 0 || bind(*lfd, (void *)&ss, len) || listen(*lfd, 4) ||
	    getsockname(*lfd, (void *)&ss, &len) || connect(*cfd, (void *)&ss, len))
		return -errno;
	*afd = accept(*lfd, NULL, NULL);
	*lport = ntohs(family == 4 ? ((struct sockaddr_in *)&ss)->sin_port :
				     ((struct sockaddr_in6 *)&ss)->sin6_port);
	if (getsockname(*cfd, (void *)&ss, &len))
		return -errno;
	*cport = ntohs(family == 4 ? ((struct sockaddr_in *)&ss)->sin_port :
				     ((struct sockaddr_in6 *)&ss)->sin6_port);
	return *afd < 0 ? -errno : 0;
}

static void test_sockets(void)
{
	for (int family = 4; family <= 6; family += 2) {
		int lfd = -1, cfd = -1, afd = -1;
		uint16_t lport = 0, cport = 0;
		struct pkt_spec s;
		char name[128];

		begin("local connection for socket lookups");
		if (local_connection(family, &lfd, &cfd, &afd, &lport, &cport)) {
			fail("IPv%d local connection: %s", family, strerror(errno));
			end(false);
			continue;
		}
		pkt_spec_syn(&s, family);
		if (family == 4) {
			inet_pton(AF_INET, LOCAL4, s.saddr);
			inet_pton(AF_INET, LOCAL4, s.daddr);
		} else {
			inet_pton(AF_INET6, LOCAL6, s.saddr);
			inet_pton(AF_INET6, LOCAL6, s.daddr);
		}
		/* As the server's side sees its client: client port -> listener port. */
		s.sport = cport;
		s.dport = lport;
		s.flags = F_RST | F_ACK;
		snprintf(name, sizeof(name), "IPv%d RST for an established socket passes", family);
		verdict_case(name, &s, XDP_PASS, XSC_STAT_PASS_RST_OWN);
		/* As the client's side sees a SYN-ACK: listener port -> client port. */
		s.sport = lport;
		s.dport = cport;
		s.flags = F_SYN | F_ACK;
		snprintf(name, sizeof(name), "IPv%d SYN-ACK for a local socket passes", family);
		verdict_case(name, &s, XDP_PASS, XSC_STAT_PASS_SYNACK_OWN);
		s.sport = cport;
		s.dport = lport;
		s.flags = F_SYN;
		opts_linux_syn(&s, 1460, 1, 7);
		snprintf(name, sizeof(name), "IPv%d SYN for a tuple the kernel has goes to the kernel",
			 family);
		verdict_case(name, &s, XDP_PASS, XSC_STAT_PASS_SYN_SOCKET);
		s.optlen = 0;
		s.flags = F_ACK | F_PSH;
		s.payload_len = 10;
		snprintf(name, sizeof(name), "IPv%d data for an established socket passes", family);
		verdict_case(name, &s, XDP_PASS, XSC_STAT_PASS_ACK_SOCKET);
		s.payload_len = 0;
		s.sport = cport + 1;
		s.dport = lport;
		s.flags = F_RST;
		snprintf(name, sizeof(name), "IPv%d RST matching only a listener is dropped", family);
		verdict_case(name, &s, XDP_DROP, XSC_STAT_DROP_RST_NO_SOCKET);
		close(afd);
		close(cfd);
		close(lfd);
	}
}

/* ---- the reference implementation itself ---- */

static void test_reference(void)
{
	uint8_t key[16], msg[15];

	/* SipHash paper, appendix A: key 00..0f, message 00..0e */
	for (int i = 0; i < 16; i++)
		key[i] = i;
	for (int i = 0; i < 15; i++)
		msg[i] = i;
	/* The cookie uses SipHash-1-3; the paper's vector pins the shared rounds down. */
	begin("reference SipHash-2-4 matches the published test vector");
	EXPECT(ref_siphash(2, 4, key, msg, 15) == 0xa129ca6149be45e5ULL, "got %016llx",
	       (unsigned long long)ref_siphash(2, 4, key, msg, 15));
	end(false);
}

void test_packets(void)
{
	test_reference();
	test_syn_shapes();
	test_option_matrix();
	test_hostile_options();
	test_flags();
	test_malformed();
	test_checksum_carry();
	test_fuzz_found();
	test_not_ours();
	test_cookie();
	test_sockets();
}
