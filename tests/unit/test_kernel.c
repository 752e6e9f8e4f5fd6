// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel handoff: SYNs answered with the kernel's own cookie (bpf_tcp_gen_syncookie()
 * on the suite's listener), options in the TSval in the kernel's encoding, and final ACKs
 * judged by the kernel's own check. The kernel's cookie cannot be recomputed here (its key
 * is the kernel's): that the kernel accepts the ACK is the proof it is its own.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <linux/bpf.h>
#include "check.h"
#include "settings.h"

/* Linux's TS_OPT_* (net/ipv4/syncookies.c), written down again to check ours against. */
#define TS_WSCALE_MASK 0xf
#define TS_SACK (1 << 4)
#define TS_ECN (1 << 5)
#define TS_BITS 6

static int sysctl_write(const char *name, int value)
{
	char path[128];
	FILE *f;
	int err;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv4/%s", name);
	f = fopen(path, "w");
	if (!f)
		return -1;
	err = fprintf(f, "%d\n", value) < 0;
	return fclose(f) || err ? -1 : 0;
}

/* CLOCK_MONOTONIC in ms: the kernel's TCP timestamp clock (tcp_clock_ms()). */
static uint32_t mono_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint32_t)((uint64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000);
}

/* The settings attach gives the kernel handoff with tcp_timestamps=2 (ts) or not. */
static void kernel_settings(struct xsc_settings *s, bool ts)
{
	settings_defaults(s);
	s->handoff = XSC_HANDOFF_KERNEL;
	if (!ts)
		s->flags &= ~XSC_F_OFFER_TS;
}

static int kernel_run(const struct pkt_spec *s, struct xdp_result *r)
{
	return run_spec_on(harness_kernel_run, s, r);
}

struct kernel_syn_case {
	const char *name;
	int family;
	bool linux_syn;		/* Linux's options (MSS, SACK, TS, WS 7); else MSS alone */
	bool ecn;		/* ECE+CWR */
	bool offer_ts;		/* tcp_timestamps=2 at attach */
};

/*
 * One SYN: its SYN-ACK carries the kernel's cookie with what the connection keeps (the
 * options in the TSval under timestamps, the MSS alone otherwise), and its final ACK is
 * taken by the kernel's check, where one with the cookie's hash bent is dropped.
 */
static void kernel_syn_case(const struct kernel_syn_case *c)
{
	const struct xsc_settings *cfg;
	struct xsc_settings s_cfg;
	struct pkt_spec syn, ack;
	struct xdp_result r, ra;
	struct pkt_view v, sv;
	uint8_t frame[PKT_MAX];
	uint32_t before, after, want_bits;
	bool keeps_ts;
	char name[160];

	kernel_settings(&s_cfg, c->offer_ts);
	cfg = &s_cfg;
	if (harness_kernel_open(cfg)) {
		begin(c->name);
		fail("loading the kernel-handoff instance failed");
		end(false);
		return;
	}
	snprintf(name, sizeof(name), "kernel handoff, %s: the kernel's cookie, %s", c->name,
		 c->linux_syn && c->offer_ts ? "options in the TSval" : "the MSS alone");
	begin(name);
	if (c->linux_syn) {
		pkt_spec_linux_syn(&syn, c->family);
	} else {
		pkt_spec_syn(&syn, c->family);
		opt_mss(&syn, c->family == 4 ? 1460 : 1440);
	}
	if (c->ecn)
		syn.flags |= F_ECE | F_CWR;
	pkt_parse(frame, pkt_build(&syn, frame), &sv);
	before = mono_ms();
	if (kernel_run(&syn, &r))
		goto out;
	after = mono_ms();
	expect_verdict(&r, XDP_TX, XSC_STAT_TX_SYN_COOKIE);
	if (r.action != XDP_TX || pkt_parse(r.frame, r.out_len, &v)) {
		fail("no SYN-ACK to parse");
		goto out;
	}
	keeps_ts = c->linux_syn && c->offer_ts;
	EXPECT(v.ip_csum_ok && v.tcp_csum_ok && v.flags == (F_SYN | F_ACK | (keeps_ts && c->ecn ? F_ECE : 0)),
	       "SYN-ACK flags 0x%x, checksums %d/%d", v.flags, v.ip_csum_ok, v.tcp_csum_ok);
	EXPECT(v.ack == syn.seq + 1, "acks %u, want %u", v.ack, syn.seq + 1);
	EXPECT(v.mss == (c->family == 4 ? cfg->mss4 : cfg->mss6), "MSS option %d", v.mss);
	if (keeps_ts) {
		want_bits = (sv.ws & TS_WSCALE_MASK) | TS_SACK | (c->ecn ? TS_ECN : 0);
		EXPECT(v.ts && v.tsecr == sv.tsval, "timestamps %d, TSecr %u (SYN's TSval %u)", v.ts,
		       v.tsecr, sv.tsval);
		EXPECT((v.tsval & ((1u << TS_BITS) - 1)) == want_bits,
		       "TSval's low bits 0x%x, want 0x%x (ws %d, SACK%s)",
		       v.tsval & ((1u << TS_BITS) - 1), want_bits, sv.ws, c->ecn ? ", ECN" : "");
		/* the kernel's clock, rounded down by at most the option bits' 64 ms, never
		 * ahead: the connection's own TSvals carry on from it */
		EXPECT(v.tsval <= after && v.tsval + 64 + 10 >= before,
		       "TSval %u, the clock %u..%u ms", v.tsval, before, after);
		EXPECT(v.ws == cfg->wscale && v.sack_perm, "window scale %d, SACK %d", v.ws,
		       v.sack_perm);
	} else {
		EXPECT(!v.ts && v.ws < 0 && !v.sack_perm,
		       "options beyond the MSS: ts %d, ws %d, SACK %d", v.ts, v.ws, v.sack_perm);
	}

	spec_final_ack(&syn, v.seq, &r, &ack);
	if (!kernel_run(&ack, &ra))
		expect_verdict(&ra, XDP_PASS, XSC_STAT_PASS_ACK_KERNEL_COOKIE);
	ack.ack ^= 0x80000000;	/* the cookie's age bits: past its two minutes */
	if (!kernel_run(&ack, &ra))
		expect_verdict(&ra, XDP_DROP, XSC_STAT_DROP_ACK_NO_SOCKET);
out:
	end(false);
}

static const struct kernel_syn_case syn_cases[] = {
	{ "IPv4 Linux SYN", 4, true, false, true },
	{ "IPv6 Linux SYN", 6, true, false, true },
	{ "IPv4 Linux SYN asking for ECN", 4, true, true, true },
	{ "IPv4 SYN without timestamps", 4, false, false, true },
	{ "IPv6 SYN without timestamps", 6, false, false, true },
	{ "IPv4 Linux SYN, tcp_timestamps=1", 4, true, false, false },
	{ "IPv6 Linux SYN, tcp_timestamps=1", 6, true, false, false },
};

void test_kernel_handoff(void)
{
	int syncookies = sysctl_ipv4("tcp_syncookies");
	struct xsc_settings cfg;
	struct xdp_result r;
	struct pkt_spec syn;

	if (syncookies < 0 || sysctl_write("tcp_syncookies", 2)) {
		begin("kernel handoff: tcp_syncookies=2 in the suite's namespace");
		fail("cannot set net.ipv4.tcp_syncookies");
		end(false);
		return;
	}
	for (size_t i = 0; i < sizeof(syn_cases) / sizeof(*syn_cases); i++)
		kernel_syn_case(&syn_cases[i]);

	/* tcp_syncookies=1: the kernel makes a cookie only for a full SYN queue, and the
	 * suite's listeners have an empty one. */
	begin("kernel handoff, tcp_syncookies=1, the SYN queue not full: the SYN goes to the kernel");
	kernel_settings(&cfg, true);
	if (sysctl_write("tcp_syncookies", 1) || harness_kernel_open(&cfg)) {
		fail("setting up failed");
	} else {
		pkt_spec_linux_syn(&syn, 4);
		if (!kernel_run(&syn, &r))
			expect_verdict(&r, XDP_PASS, XSC_STAT_PASS_SYN_KERNEL_QUEUE);
	}
	end(false);
	harness_kernel_close();
	sysctl_write("tcp_syncookies", syncookies);
}
