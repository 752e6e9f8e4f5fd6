// SPDX-License-Identifier: GPL-2.0
/*
 * Gateway mode: the suite's namespace forwards, and routes the packet cases' destinations
 * (198.18.0.0/24, 2001:2::/64) out through lo, so the program sees them as forwarded while
 * the suite's own addresses stay local. SYNs get the kernel's cookie without a listener;
 * the kernel's own raw check is what accepts the final ACK.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <linux/bpf.h>
#include "check.h"
#include "settings.h"

#define ROUTES_UP                                                                              \
	"sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 && "                  \
	"ip route add 198.18.0.0/24 dev lo && ip -6 route add 2001:2::/64 dev lo && "          \
	"ip route add blackhole 198.18.251.0/24"
#define ROUTES_DOWN                                                                            \
	"ip route del 198.18.0.0/24 dev lo; ip -6 route del 2001:2::/64 dev lo; "              \
	"ip route del blackhole 198.18.251.0/24; "                                             \
	"sysctl -qw net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0"

static int gw_run(const struct pkt_spec *s, struct xdp_result *r)
{
	return run_spec_on(harness_kernel_run, s, r);
}

/* A Linux SYN to a forwarded server: the kernel's cookie with the options in the TSval,
 * a final ACK the kernel's check takes, and one with the cookie bent that it does not. */
static void gw_syn_case(int family)
{
	struct pkt_spec syn, ack;
	struct xdp_result r, ra;
	struct pkt_view v, sv;
	uint8_t frame[PKT_MAX];
	uint32_t want_bits;
	char name[128];

	snprintf(name, sizeof(name), "gateway, IPv%d Linux SYN to a forwarded server: the "
		 "kernel's cookie, no listener; SYNPROXY's ACK passes, a bent one is dropped",
		 family);
	begin(name);
	pkt_spec_linux_syn(&syn, family);
	pkt_parse(frame, pkt_build(&syn, frame), &sv);
	if (gw_run(&syn, &r))
		goto out;
	expect_verdict(&r, XDP_TX, XSC_STAT_TX_SYN_COOKIE);
	if (r.action != XDP_TX || pkt_parse(r.frame, r.out_len, &v)) {
		fail("no SYN-ACK to parse");
		goto out;
	}
	EXPECT(v.ip_csum_ok && v.tcp_csum_ok && v.flags == (F_SYN | F_ACK),
	       "SYN-ACK flags 0x%x, checksums %d/%d", v.flags, v.ip_csum_ok, v.tcp_csum_ok);
	EXPECT(v.ack == syn.seq + 1, "acks %u, want %u", v.ack, syn.seq + 1);
	/* SYNPROXY reads the options from the raw TSecr, as Linux encodes them. */
	want_bits = (sv.ws & 0xf) | (1 << 4);
	EXPECT(v.ts && v.tsecr == sv.tsval && (v.tsval & 0x3f) == want_bits,
	       "timestamps %d, TSecr %u (SYN's TSval %u), TSval's low bits 0x%x, want 0x%x", v.ts,
	       v.tsecr, sv.tsval, v.tsval & 0x3f, want_bits);
	spec_final_ack(&syn, v.seq, &r, &ack);
	if (!gw_run(&ack, &ra))
		expect_verdict(&ra, XDP_PASS, XSC_STAT_PASS_GW_ACK_COOKIE);
	ack.ack ^= 0x00ffffff;	/* the cookie's hash */
	if (!gw_run(&ack, &ra))
		expect_verdict(&ra, XDP_DROP, XSC_STAT_DROP_GW_NO_FLOW);
out:
	end(false);
}

/* One segment built from a SYN spec by edit, with the verdict it must get. */
static void gw_case(const char *name, int family, uint8_t flags, const char *daddr, int action,
		    int reason)
{
	struct pkt_spec s;
	struct xdp_result r;

	begin(name);
	pkt_spec_syn(&s, family);
	s.flags = flags;
	if (daddr)
		inet_pton(family == 4 ? AF_INET : AF_INET6, daddr, s.daddr);
	if (!gw_run(&s, &r))
		expect_verdict(&r, action, reason);
	end(false);
}

void test_gateway(void)
{
	struct xsc_settings cfg;

	settings_defaults(&cfg);
	cfg.handoff = XSC_HANDOFF_SYNPROXY;
	if (system(ROUTES_UP) || harness_kernel_open(&cfg)) {
		begin("gateway: routes and the gateway instance in the suite's namespace");
		fail("setting up failed");
		end(false);
		if (system(ROUTES_DOWN))
			fprintf(stderr, "test_gateway: removing the routes failed\n");
		return;
	}
	gw_syn_case(4);
	gw_syn_case(6);
	gw_case("gateway: a RST of no conntrack flow is dropped before conntrack", 4, F_RST, NULL,
		XDP_DROP, XSC_STAT_DROP_GW_NO_FLOW);
	gw_case("gateway: an ACK of no flow, without a cookie, is dropped", 6, F_ACK, NULL,
		XDP_DROP, XSC_STAT_DROP_GW_NO_FLOW);
	gw_case("gateway: flags are judged before the route (Xmas)", 4, F_FIN | F_PSH | F_URG,
		NULL, XDP_DROP, XSC_STAT_DROP_XMAS);
	gw_case("gateway: a SYN to this host itself is passed, not answered", 4, F_SYN, LOCAL4,
		XDP_PASS, XSC_STAT_PASS_GW_LOCAL);
	gw_case("gateway: an IPv6 SYN to this host itself is passed, not answered", 6, F_SYN,
		LOCAL6, XDP_PASS, XSC_STAT_PASS_GW_LOCAL);
	gw_case("gateway: a SYN with no route at all is not forwarded: passed, not answered", 4,
		F_SYN, "198.18.250.1", XDP_PASS, XSC_STAT_PASS_GW_LOCAL);
	gw_case("gateway: a SYN to a blackhole route is passed to the kernel", 4, F_SYN,
		"198.18.251.1", XDP_PASS, XSC_STAT_PASS_GW_NO_ROUTE);
	harness_kernel_close();
	if (system(ROUTES_DOWN))
		fprintf(stderr, "test_gateway: removing the routes failed\n");
}
