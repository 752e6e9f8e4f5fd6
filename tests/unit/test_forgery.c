// SPDX-License-Identifier: GPL-2.0
/*
 * Cookie strength, measured: 10^8 forged final ACKs per cookie mode through the real
 * program, each with the hash bits of a real cookie replaced by random ones (the forger in
 * tests/bench/baselines.bpf.c, a BPF program in front of ours, draws them per run). The
 * forger knows the layout and keeps the slot and option bits right, the best a blind
 * attacker can do. Acceptances are judged against the binomial (Poisson) tail of the
 * stated odds: 2^-32 with timestamps, 2^-24 without. A calibration run with only 12
 * hash bits guessed shows the count can move.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include "check.h"
#include "stats.h"
#include "baselines.skel.h"

#define FORGERY_RUNS 100000000ULL	/* per mode; XSC_FORGERY_RUNS overrides */
#define RUNS_PER_CALL 10000000U
#define TAIL_ALPHA 1e-9			/* a false alarm this rare may fail the suite */

/* The smallest k with P(X > k) < alpha for X ~ Poisson(lambda), the binomial's limit
 * for n this large and p this small. */
static unsigned long long poisson_bound(double lambda, double alpha)
{
	double term = exp(-lambda), cdf = term;
	unsigned long long k = 0;

	while (1 - cdf >= alpha && k < 1000000) {
		k++;
		term *= lambda / k;
		cdf += term;
	}
	return k;
}

struct forgery {
	unsigned long long runs, accepted, dropped;
};

/* Runs the forger in front of the program on frame; counts what came of it. */
static int forge(struct baselines *b, const uint8_t *frame, size_t len, __u32 ack_off,
		 __u32 isn_mask, __u32 tsecr_off, __u32 tsecr_mask, unsigned long long runs,
		 struct forgery *out)
{
	__u64 before[XSC_STAT_SLOTS], after[XSC_STAT_SLOTS];
	int prog = harness_prog_fd(), stats = harness_map_fd(XSC_MAP_STATS);
	uint8_t buf[PKT_MAX + 256];
	__u32 zero = 0;

	memcpy(b->bss->pristine, frame, len);
	b->bss->pristine_len = len;
	b->bss->forge_ack_off = ack_off;
	b->bss->forge_isn_mask = isn_mask;
	b->bss->forge_tsecr_off = tsecr_off;
	b->bss->forge_tsecr_mask = tsecr_mask;
	if (bpf_map_update_elem(bpf_map__fd(b->maps.target), &zero, &prog, BPF_ANY) ||
	    stats_sum(stats, before))
		return -errno;
	for (unsigned long long done = 0; done < runs;) {
		__u32 n = runs - done < RUNS_PER_CALL ? runs - done : RUNS_PER_CALL;
		LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame, .data_size_in = len,
			    .data_out = buf, .data_size_out = sizeof(buf), .repeat = n);

		if (bpf_prog_test_run_opts(bpf_program__fd(b->progs.xdp_forge), &opts))
			return -errno;
		done += n;
	}
	if (stats_sum(stats, after))
		return -errno;
	out->runs = runs;
	/* A forgery the kernel's cookie check takes is accepted too: the listener counts as
	 * having sent cookies of its own right after a boot (its stamp 0 is within two minutes
	 * of the 32-bit jiffies' start, by the kernel's own rule), as in a fresh test guest. */
	out->accepted = after[XSC_STAT_PASS_ACK_COOKIE_OK] - before[XSC_STAT_PASS_ACK_COOKIE_OK] +
			after[XSC_STAT_PASS_ACK_KERNEL_COOKIE] - before[XSC_STAT_PASS_ACK_KERNEL_COOKIE];
	out->dropped = after[XSC_STAT_DROP_ACK_NO_SOCKET] - before[XSC_STAT_DROP_ACK_NO_SOCKET];
	return 0;
}

/* A final ACK for a real cookie of the SYN, as a frame; 0 or -1. */
static int real_ack(struct pkt_spec *syn, uint8_t *frame, size_t *len)
{
	struct xdp_result r;
	struct pkt_spec ack;
	struct pkt_view v;

	if (run_spec(syn, &r) || r.action != XDP_TX || pkt_parse(r.frame, r.out_len, &v))
		return -1;
	spec_final_ack(syn, v.seq, &r, &ack);
	*len = pkt_build(&ack, frame);
	return 0;
}

/* One mode: the stated odds, the design's, and the count seen. */
static void forgery_case(struct baselines *b, const char *name, struct pkt_spec *syn, bool ts,
			 unsigned long long runs, double stated_p, int hash_bits, __u32 isn_mask,
			 __u32 tsecr_mask, bool calibration)
{
	uint8_t frame[PKT_MAX];
	struct forgery f = {};
	size_t len;
	__u32 l4 = 14 + 20;	/* IPv4 without options */

	begin(name);
	if (real_ack(syn, frame, &len) ||
	    forge(b, frame, len, l4 + 8, isn_mask, ts ? l4 + 28 : 0, tsecr_mask, runs, &f)) {
		fail("running the forger failed");
		end(false);
		return;
	}
	{
		double lambda = runs * stated_p, design = runs * ldexp(1, -hash_bits);
		unsigned long long bound = poisson_bound(lambda, TAIL_ALPHA);

		printf("     %llu forged ACKs, %d hash bits guessed: %llu accepted, %llu dropped; "
		       "expected %.4g at the design's 2^-%d", f.runs, hash_bits, f.accepted,
		       f.dropped, design, hash_bits);
		if (calibration)
			printf("; must lie within the Poisson range of that\n");
		else
			printf("; stated odds %.3g allow at most %llu\n", stated_p, bound);
		EXPECT(f.accepted + f.dropped == f.runs, "%llu runs not counted as accepted or dropped",
		       f.runs - f.accepted - f.dropped);
		if (calibration) {
			unsigned long long lo = 0;

			while (lo < design && 1 - exp(-design) * pow(design, lo) / tgamma(lo + 1) > 0 &&
			       lo + 6 * sqrt(design) < design)
				lo++;
			EXPECT(f.accepted >= lo && f.accepted <= poisson_bound(design, TAIL_ALPHA),
			       "calibration: %llu accepted, expected about %.0f", f.accepted, design);
		} else {
			EXPECT(f.accepted <= bound, "%llu forged ACKs accepted: more than odds of %.3g "
			       "allow (at most %llu)", f.accepted, stated_p, bound);
		}
	}
	end(false);
}

void test_forgery(void)
{
	const char *env = getenv("XSC_FORGERY_RUNS");
	unsigned long long runs = env ? strtoull(env, NULL, 0) : FORGERY_RUNS;
	struct baselines *b = baselines__open_and_load();
	struct pkt_spec syn;

	if (!b) {
		begin("forged ACKs: loading the forger");
		fail("baselines: %s", strerror(errno));
		end(false);
		return;
	}
	/* With timestamps: 27 hash bits in the ISN (5-31), 8 in the TSecr (6-13). */
	pkt_spec_linux_syn(&syn, 4);
	forgery_case(b, "forged ACKs with timestamps: at most 2^-32", &syn, true, runs,
		     ldexp(1, -32), 35, 0xffffffe0u, 0x3fc0u, false);
	/* The count can move: only 12 of the ISN's hash bits guessed, 2^-12. */
	forgery_case(b, "forged ACKs: a calibration with 12 hash bits guessed is accepted 1 in 4096",
		     &syn, true, 1000000, ldexp(1, -12), 12, 0x1ffe0u, 0, true);
	/* Without: 24 hash bits in the ISN (8-31). */
	pkt_spec_syn(&syn, 4);
	opt_mss(&syn, 1460);
	opt_nop(&syn);
	opt_ws(&syn, 8);
	opt_nop(&syn);
	opt_nop(&syn);
	opt_sack_perm(&syn);
	forgery_case(b, "forged ACKs without timestamps: at most 2^-24", &syn, false, runs,
		     ldexp(1, -24), 24, 0xffffff00u, 0, false);
	baselines__destroy(b);
}
