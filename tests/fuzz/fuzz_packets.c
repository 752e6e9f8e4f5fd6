// SPDX-License-Identifier: GPL-2.0
/*
 * Packet fuzzer: libFuzzer feeds frames to the real xdp_syncookie and tc_handoff programs
 * through BPF_PROG_TEST_RUN, in a private network namespace with listeners, a fixed key
 * and a policy with 'always' and 'auto' ports, and aborts on the first broken invariant.
 * An input is one Ethernet frame. The custom mutator decodes it into a pkt_spec, mutates
 * fields and re-encodes it with the test builder (tests/lib/pkt.c) most of the time, and
 * leaves raw byte mutation to libFuzzer the rest. docs/design.md, "Fuzzing", says more.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/bpf.h>
#include "frame.h"
#include "harness.h"
#include "policy.h"
#include "reasons.h"
#include "settings.h"

#define TC_ACT_UNSPEC (-1)
#define TC_ACT_OK 0
#define TC_ACT_SHOT 2

/* Listeners: 80 and 443 run engage 'always', 8080 and 8443 'auto'; port 22 is not
 * protected and has no listener, like every other port but these four. */
static const uint16_t listen_ports[] = { 80, 443, 8080, 8443 };
#define PORT_UNPROTECTED 22

/* A fixed key (generation 1), so the fuzzer can make valid cookies of its own. */
static const struct xsc_keyring fuzz_keys = {
	.master = { { 0 }, { 0x0123456789abcdefULL, 0xfedcba9876543210ULL } },
	.gen = 1,
};

/* The invariant families; a run reports one line per family it checked. */
enum inv {
	INV_VERDICT,	/* one counter, in the reason table, the action its verdict's */
	INV_TX_FLAGS,	/* XDP_TX only for a SYN without ACK, RST or FIN */
	INV_SYNACK,	/* what is sent is a well-formed SYN-ACK for what came in */
	INV_META,	/* XDP metadata only with ack_cookie_ok, and then whole */
	INV_VERSION,	/* never XDP_TX a frame whose IP version nibble is wrong */
	INV_FRAGMENT,	/* never XDP_TX or metadata for a fragment */
	INV_LOOPBACK,	/* never XDP_TX from or to loopback or unspecified addresses */
	INV_TC,		/* tc_handoff: no metadata, no verdict; else one counter of its table */
	INV_N,
};
static const char *const inv_names[INV_N] = {
	"verdict", "tx_flags", "synack", "metadata", "ip_version", "fragment", "loopback", "tc",
};
static unsigned long long checked[INV_N];

/*
 * libFuzzer sees the coverage of user-space code only; the BPF program's paths show here
 * as extra counters: one per (stage, reason, action, frame shape) seen, so an input that
 * reaches a verdict with a new kind of frame is kept.
 */
#define FEATURES (1 << 14)
__attribute__((used, section("__libfuzzer_extra_counters"))) static uint8_t bpf_features[FEATURES];

static void feature(uint32_t a, uint32_t b, uint32_t c)
{
	uint32_t h = (a * 2654435761u) ^ (b * 2246822519u) ^ (c * 3266489917u);

	bpf_features[(h ^ h >> 15) % FEATURES]++;
}

/* What is being run, for the message of a broken invariant. */
static const char *stage;
static const uint8_t *stage_frame;
static size_t stage_len;
static bool tc_meta_supported;

/*
 * XSC_FUZZ_KNOWN=family,family... names families whose breakage is known: they are counted,
 * not reported, so a run goes on to find the next defect (how the first ones were found
 * one after another before they were fixed).
 */
static bool known_broken(enum inv inv)
{
	const char *known = getenv("XSC_FUZZ_KNOWN");
	size_t n = strlen(inv_names[inv]);

	for (const char *p = known; p && *p; p += strcspn(p, ","), p += *p == ',')
		if (!strncmp(p, inv_names[inv], n) && (p[n] == ',' || !p[n]))
			return true;
	return false;
}

static unsigned long long known_hits[INV_N];

static void violated(enum inv inv, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void violated(enum inv inv, const char *fmt, ...)
{
	va_list ap;

	if (known_broken(inv)) {
		known_hits[inv]++;
		return;
	}
	fprintf(stderr, "\nINVARIANT %s broken (%s): ", inv_names[inv], stage);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nframe (%zu bytes):", stage_len);
	for (size_t i = 0; i < stage_len; i++)
		fprintf(stderr, "%s%02x", i % 16 ? " " : "\n  ", stage_frame[i]);
	fprintf(stderr, "\n");
	abort();
}

#define CHECK(inv, cond, ...)                                                                  \
	do {                                                                                   \
		checked[inv]++;                                                                \
		if (!(cond))                                                                   \
			violated(inv, __VA_ARGS__);                                            \
	} while (0)

static const char *reason_str(int r)
{
	const struct xsc_reason_info *info = r >= 0 ? xsc_reason(r) : NULL;

	return info ? info->name : "(none or several)";
}

static int verdict_action(int reason)
{
	const struct xsc_reason_info *info = xsc_reason(reason);

	if (!strcmp(info->verdict, "pass"))
		return XDP_PASS;
	return !strcmp(info->verdict, "tx") ? XDP_TX : XDP_DROP;
}

/* 127/8 and 0/8 (this network, 0.0.0.0 among it); ::1 and ::, and those two IPv4
 * blocks written as IPv4-mapped IPv6 addresses (::ffff:127.0.0.1). */
static bool loopback_or_unspec(int family, const uint8_t *a)
{
	static const uint8_t zero[16], mapped[12] = { [10] = 0xff, [11] = 0xff };

	if (family == 4)
		return a[0] == 127 || a[0] == 0;
	if (!memcmp(a, mapped, 12))
		return a[12] == 127 || a[12] == 0;
	return !memcmp(a, zero, 15) && (a[15] == 0 || a[15] == 1);
}

/* A coarse class of the frame, for the BPF features: fine enough that a verdict reached
 * with a new kind of frame counts, coarse enough that the corpus stays small. */
static uint32_t frame_shape(const struct frame_info *in)
{
	uint32_t frag = in->fragment ? 2 : in->frag_hdr;

	return in->family | (in->version == in->family) << 3 | frag << 4 |
	       (loopback_or_unspec(in->family, in->saddr) ||
		loopback_or_unspec(in->family, in->daddr)) << 6;
}

static bool same_addr(int family, const uint8_t *a, const uint8_t *b)
{
	return !memcmp(a, b, family == 4 ? 4 : 16);
}

static void check_synack(const struct frame_info *in, const struct xdp_result *r)
{
	size_t l3 = 14 + 4 * in->n_vlans;
	struct pkt_view v;

	CHECK(INV_SYNACK, !pkt_parse(r->frame, r->out_len, &v), "XDP_TX frame (%u bytes) is not Ethernet/IP/TCP",
	      r->out_len);
	CHECK(INV_SYNACK, v.family == in->family && l3 < r->out_len &&
				  r->frame[l3] >> 4 == in->family,
	      "SYN-ACK family %d (version nibble %d) for an IPv%d SYN", v.family,
	      l3 < r->out_len ? r->frame[l3] >> 4 : -1, in->family);
	CHECK(INV_SYNACK, v.n_vlans == in->n_vlans, "%d VLAN tags in the SYN-ACK, %d in the SYN",
	      v.n_vlans, in->n_vlans);
	CHECK(INV_SYNACK, !memcmp(v.dmac, in->smac, 6) && !memcmp(v.smac, in->dmac, 6),
	      "MAC addresses not swapped");
	/* Right if the SYN's were; a SYN answered in place carries its errors over. */
	CHECK(INV_SYNACK, v.ip_csum_ok == in->ip_csum_ok && v.tcp_csum_ok == in->tcp_csum_ok,
	      "checksums: IP %d, TCP %d in the SYN-ACK, IP %d, TCP %d in the SYN", v.ip_csum_ok,
	      v.tcp_csum_ok, in->ip_csum_ok, in->tcp_csum_ok);
	CHECK(INV_SYNACK, v.lengths_ok, "IP length does not match the frame (%u bytes)", r->out_len);
	CHECK(INV_SYNACK, same_addr(v.family, v.saddr, in->daddr) &&
				  same_addr(v.family, v.daddr, in->saddr),
	      "addresses not swapped");
	CHECK(INV_SYNACK, v.sport == in->dport && v.dport == in->sport,
	      "ports %u -> %u, SYN was %u -> %u", v.sport, v.dport, in->sport, in->dport);
	CHECK(INV_SYNACK, v.ack == in->seq + 1, "ack %u, SYN seq + 1 is %u", v.ack, in->seq + 1);
	CHECK(INV_SYNACK, (v.flags & ~F_ECE) == (F_SYN | F_ACK), "flags 0x%02x", v.flags);
	CHECK(INV_SYNACK, !v.opts_malformed && v.other_opts == 0 && v.mss > 0,
	      "options: malformed %d, foreign %d, MSS %d", v.opts_malformed, v.other_opts, v.mss);
	CHECK(INV_SYNACK, v.payload_len == 0, "SYN-ACK carries %d bytes of payload", v.payload_len);
	if (v.family == 4)
		CHECK(INV_SYNACK, v.ihl_words == 5 && v.frag_off == 0x4000,
		      "IPv4 IHL %d frag_off 0x%04x", v.ihl_words, v.frag_off);
}

static void check_xdp(const struct frame_info *in, const struct xdp_result *r)
{
	const struct xsc_handoff_meta *m = (const void *)r->out;

	CHECK(INV_VERDICT, r->reason >= 0, "%s moved no counter or several",
	      r->action == XDP_TX ? "XDP_TX" : r->action == XDP_PASS ? "XDP_PASS" : "a run");
	CHECK(INV_VERDICT, xsc_reason(r->reason), "counter %d is in no reason's slot", r->reason);
	CHECK(INV_VERDICT, r->action == verdict_action(r->reason), "action %d but reason %s says %s",
	      r->action, reason_str(r->reason), xsc_reason(r->reason)->verdict);
	feature(r->reason, frame_shape(in), r->meta_len > 0);

	CHECK(INV_META, r->meta_len == 0 || r->reason == XSC_STAT_PASS_ACK_COOKIE_OK,
	      "%u bytes of metadata with reason %s", r->meta_len, reason_str(r->reason));
	if (r->reason == XSC_STAT_PASS_ACK_COOKIE_OK)
		CHECK(INV_META, r->meta_len == sizeof(*m) && m->magic == XSC_META_MAGIC,
		      "ack_cookie_ok with %u bytes of metadata", r->meta_len);
	if (r->meta_len)
		CHECK(INV_FRAGMENT, !in->fragment, "metadata (%s) for a fragment",
		      reason_str(r->reason));
	if (r->action != XDP_TX)
		return;
	/* Past a known defect (XSC_FUZZ_KNOWN) the checks below would only report it again. */
	CHECK(INV_VERSION, in->version == in->family,
	      "XDP_TX for an ethertype 0x%04x frame of IP version %d", in->ethertype, in->version);
	if (in->version != in->family)
		return;
	CHECK(INV_FRAGMENT, !in->fragment, "XDP_TX for a fragment (IPv%d)", in->family);
	if (in->fragment)
		return;
	CHECK(INV_LOOPBACK, !loopback_or_unspec(in->family, in->saddr) &&
				    !loopback_or_unspec(in->family, in->daddr),
	      "XDP_TX for a SYN from or to a loopback or unspecified address (IPv%d)", in->family);
	if (loopback_or_unspec(in->family, in->saddr) || loopback_or_unspec(in->family, in->daddr))
		return;
	CHECK(INV_TX_FLAGS, in->tcp && (in->flags & (F_SYN | F_ACK | F_RST | F_FIN)) == F_SYN,
	      "XDP_TX for TCP flags 0x%02x (TCP header found: %d)", in->flags, in->tcp);
	check_synack(in, r);
}

static void check_tc(const uint8_t *meta, size_t meta_len, const uint8_t *frame, size_t len)
{
	static const int tc_reasons[] = {
		XSC_STAT_PASS_HANDOFF_OK, XSC_STAT_PASS_HANDOFF_EXISTS,
		XSC_STAT_DROP_HANDOFF_NO_LISTENER, XSC_STAT_DROP_HANDOFF_UNPARSED,
		XSC_STAT_DROP_HANDOFF_FAILED,
	};
	struct tc_result r;
	bool ours = false;
	int err;

	if (meta_len && !tc_meta_supported)
		return;
	stage = meta_len ? "tc_handoff with metadata" : "tc_handoff";
	stage_frame = frame;
	stage_len = len;
	err = harness_tc_run(meta, meta_len, frame, len, &r);
	/* The skb test run refuses a frame shorter than the L3 header its ethertype names. */
	if (err == -EINVAL && len < 14 + ((frame[12] << 8 | frame[13]) == 0x0800 ? 20u : 40u))
		return;
	CHECK(INV_TC, !err, "BPF_PROG_TEST_RUN: %s", strerror(-err));
	feature(1000 + r.action, r.reason, (uint32_t)meta_len);
	if (!meta_len) {
		CHECK(INV_TC, r.action == TC_ACT_UNSPEC && r.moved == 0,
		      "no metadata, yet action %d and %d counters moved (%s)", r.action, r.moved,
		      reason_str(r.reason));
		return;
	}
	for (size_t i = 0; i < sizeof(tc_reasons) / sizeof(*tc_reasons); i++)
		ours |= r.reason == tc_reasons[i];
	if (r.action == TC_ACT_UNSPEC && r.moved == 0)
		return;		/* metadata it does not take for ours */
	CHECK(INV_TC, ours, "counter %s is not a TC reason (%d moved)", reason_str(r.reason),
	      r.moved);
	CHECK(INV_TC, r.action == (verdict_action(r.reason) == XDP_PASS ? TC_ACT_OK : TC_ACT_SHOT),
	      "action %d for %s", r.action, reason_str(r.reason));
}

/* Runs a frame through run (an instance of the program) and checks what it did. */
static void run_xdp_on(int (*run)(const uint8_t *, size_t, struct xdp_result *), const char *what,
		       const uint8_t *frame, size_t len, struct xdp_result *r)
{
	struct frame_info fi;
	int err;

	stage = what;
	stage_frame = frame;
	stage_len = len;
	frame_inspect(frame, len, &fi);
	err = run(frame, len, r);
	CHECK(INV_VERDICT, !err, "BPF_PROG_TEST_RUN: %s", strerror(-err));
	/* XSC_FUZZ_TRACE=1: each run's verdict, to see what a reproducer does */
	if (getenv("XSC_FUZZ_TRACE"))
		fprintf(stderr, "fuzz_packets: %s: action %d, %s, %u bytes of metadata\n", what,
			r->action, reason_str(r->reason), r->meta_len);
	check_xdp(&fi, r);
}

static void run_xdp(const char *what, const uint8_t *frame, size_t len, struct xdp_result *r)
{
	run_xdp_on(harness_run, what, frame, len, r);
}

/*
 * The client's final ACK for a SYN, made from the SYN's own frame (every header kept, the
 * flags, numbers and TCP checksum rewritten) with a cookie the fuzzer computes with the
 * reference SipHash (tests/lib/pkt.c): it reaches the cookie path and the metadata, which
 * a mutated frame never would. The cookie is made for the current slot at run time, so a
 * reproducer stays valid.
 */
static size_t make_cookie_ack(const uint8_t *syn, size_t len, const struct frame_info *fi,
			      uint8_t *ack)
{
	static const int mss[4] = { 536, 1300, 1440, 1460 }, ws[8] = { -1, 2, 4, 6, 7, 8, 9, 10 };
	uint8_t *th = ack + fi->l4_off;
	struct ref_cookie_opts o;
	uint32_t ts_bits, cookie;

	/* A cookie without timestamps, its options drawn from the ISN's bits: an ACK that
	 * still carries the SYN's timestamp option is checked as a timestamp cookie, and
	 * refused, which exercises that path too. */
	ref_cookie_agree(fi->family, false, mss[fi->seq & 3], ws[fi->seq >> 2 & 7], fi->seq >> 5 & 1,
			 false, &o);
	cookie = ref_cookie(&fuzz_keys.master[fuzz_keys.gen & 1], fi->family, fi->saddr, fi->daddr,
			    fi->sport, fi->dport, fi->seq, ref_slot_now(), &o, &ts_bits);
	uint32_t seq = fi->seq + 1, acked = cookie + 1;
	uint16_t sum;

	memcpy(ack, syn, len);
	for (int i = 0; i < 4; i++) {
		th[4 + i] = seq >> (24 - 8 * i);
		th[8 + i] = acked >> (24 - 8 * i);
	}
	th[13] = F_ACK;
	if (fi->ip_end <= len && fi->ip_end >= fi->l4_off + 20) {
		sum = pkt_tcp_csum(fi->family, fi->saddr, fi->daddr, th, fi->ip_end - fi->l4_off);
		th[16] = sum >> 8;
		th[17] = sum & 0xff;
	}
	return len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t ack[PKT_MAX];
	struct frame_info fi;
	struct xdp_result r;

	if (size < 14 || size > PKT_MAX)
		return 0;
	run_xdp("XDP", data, size, &r);
	check_tc(NULL, 0, data, size);
	/* The same frame under the kernel handoff: the kernel's cookie helpers get it. */
	run_xdp_on(harness_kernel_run, "XDP, kernel handoff", data, size, &r);

	frame_inspect(data, size, &fi);
	if (!fi.tcp || (fi.flags & (F_SYN | F_ACK | F_RST | F_FIN)) != F_SYN)
		return 0;
	make_cookie_ack(data, size, &fi, ack);
	run_xdp("XDP, the SYN's cookie ACK", ack, size, &r);
	if (r.meta_len)
		check_tc(r.out, r.meta_len, r.frame, r.out_len);
	return 0;
}

size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed)
{
	uint64_t rnd = (uint64_t)seed * 0x9e3779b97f4a7c15ULL + 1;
	uint8_t buf[PKT_MAX];
	struct pkt_spec s;
	size_t n;

	/* one time in five, libFuzzer's own byte mutations: what no spec can describe */
	if (frame_rand(&rnd) % 5 == 0)
		return LLVMFuzzerMutate(data, size, max_size);
	if (frame_decode(data, size, &s))
		pkt_spec_linux_syn(&s, frame_rand(&rnd) & 1 ? 4 : 6);
	frame_mutate(&s, &rnd);
	n = pkt_build(&s, buf);
	if (n > max_size)
		n = max_size;
	memcpy(data, buf, n);
	/* and now and then a flipped bit on top of a well-formed frame */
	if (n && frame_rand(&rnd) % 8 == 0)
		data[frame_rand(&rnd) % n] ^= 1u << (frame_rand(&rnd) % 8);
	return n;
}

static void report(void)
{
	int n = 0;

	fprintf(stderr, "fuzz_packets: invariants checked:");
	for (int i = 0; i < INV_N; i++) {
		fprintf(stderr, " %s %llu", inv_names[i], checked[i]);
		n += checked[i] > 0;
		if (known_hits[i])
			fprintf(stderr, " (%llu known broken)", known_hits[i]);
	}
	fprintf(stderr, "\nfuzz_packets: %d invariant families checked, none broken%s\n", n,
		tc_meta_supported ? "" : " (TC without metadata: the skb test run takes none)");
}

/* Whether this kernel's skb test run carries XDP-style metadata in front of the frame. */
static bool probe_tc_meta(void)
{
	struct xsc_handoff_meta m = { .magic = XSC_META_MAGIC, .mss = 1460 };
	uint8_t frame[PKT_MAX];
	struct pkt_spec s;
	struct tc_result r;
	size_t len;

	pkt_spec_linux_syn(&s, 4);
	len = pkt_build(&s, frame);
	return harness_tc_run((const void *)&m, sizeof(m), frame, len, &r) == 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static struct xsc_settings kernel_cfg;
	struct xsc_policy *pol = malloc(sizeof(*pol));
	cpu_set_t cpus;

	(void)argc;
	(void)argv;
	/* One CPU, as in the unit suite: one per-CPU tally, one engage state per port. */
	CPU_ZERO(&cpus);
	CPU_SET(0, &cpus);
	sched_setaffinity(0, sizeof(cpus), &cpus);
	if (!pol || harness_netns("fuzz_packets", listen_ports,
				  sizeof(listen_ports) / sizeof(*listen_ports)) ||
	    harness_open() || harness_set_keys(&fuzz_keys) || harness_tc_open()) {
		fprintf(stderr, "fuzz_packets: setting up failed\n");
		exit(1);
	}
	policy_defaults(pol);		/* every port protected, engage auto */
	for (int i = 0; i < 2; i++)
		pol->port[listen_ports[i]] |= XSC_ENGAGE_ALWAYS << XSC_PORT_MODE_SHIFT;
	pol->port[PORT_UNPROTECTED] = 0;
	if (harness_set_policy(pol)) {
		fprintf(stderr, "fuzz_packets: installing the policy failed\n");
		exit(1);
	}
	free(pol);
	/* The kernel handoff's instance, with tcp_syncookies=2 so its helper always answers. */
	settings_defaults(&kernel_cfg);
	kernel_cfg.handoff = XSC_HANDOFF_KERNEL;
	if (system("sysctl -qw net.ipv4.tcp_syncookies=2") || harness_kernel_open(&kernel_cfg)) {
		fprintf(stderr, "fuzz_packets: setting up the kernel-handoff instance failed\n");
		exit(1);
	}
	tc_meta_supported = probe_tc_meta();
	fprintf(stderr, "fuzz_packets: tc_handoff %s\n",
		tc_meta_supported ? "takes metadata in the skb test run: fuzzed with it" :
				    "gets no metadata from the kernel's skb test run (EINVAL): "
				    "fuzzed with packets only");
	atexit(report);
	return 0;
}
