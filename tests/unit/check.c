// SPDX-License-Identifier: GPL-2.0
/* The unit suite's bookkeeping: one case at a time, each failure with its reason. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <linux/bpf.h>
#include "check.h"
#include "reasons.h"

int passed, failed;
bool verbose;
static const char *current;
static bool case_failed;

const struct xsc_keyring test_keys = {
	.master = { { 0 }, { 0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL } },
	.gen = 1,
};

void fail(const char *fmt, ...)
{
	va_list ap;

	if (!case_failed)
		printf("FAIL %s\n", current);
	case_failed = true;
	printf("     ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

void begin(const char *name)
{
	current = name;
	case_failed = false;
}

void end(bool quiet)
{
	if (case_failed) {
		failed++;
		return;
	}
	passed++;
	if (!quiet || verbose)
		printf("ok   %s\n", current);
}

bool case_has_failed(void)
{
	return case_failed;
}

const char *reason_name(int r)
{
	const struct xsc_reason_info *info = r >= 0 ? xsc_reason(r) : NULL;

	return info ? info->name : "(none or several)";
}

const char *action_name(int a)
{
	switch (a) {
	case XDP_PASS: return "XDP_PASS";
	case XDP_TX: return "XDP_TX";
	case XDP_DROP: return "XDP_DROP";
	default: return "other";
	}
}

int reason_action(int reason)
{
	const struct xsc_reason_info *info = xsc_reason(reason);

	if (!info)
		return -1;
	return !strcmp(info->verdict, "pass") ? XDP_PASS : !strcmp(info->verdict, "tx") ? XDP_TX :
										      XDP_DROP;
}

int run_spec_on(int (*run)(const uint8_t *, size_t, struct xdp_result *), const struct pkt_spec *s,
		struct xdp_result *r)
{
	uint8_t frame[PKT_MAX];
	size_t len = pkt_build(s, frame);
	int err = run(frame, len, r);

	if (err)
		fail("BPF_PROG_TEST_RUN: %s", strerror(-err));
	return err;
}

int run_spec(const struct pkt_spec *s, struct xdp_result *r)
{
	return run_spec_on(harness_run, s, r);
}

void expect_verdict(const struct xdp_result *r, int action, int reason)
{
	EXPECT(r->action == action, "action %s, want %s", action_name(r->action), action_name(action));
	EXPECT(r->reason == reason, "counter %s, want %s", reason_name(r->reason), reason_name(reason));
}

void verdict_case(const char *name, const struct pkt_spec *s, int action, int reason)
{
	struct xdp_result r;

	begin(name);
	if (!run_spec(s, &r))
		expect_verdict(&r, action, reason);
	end(false);
}

/* The client's final ACK for a SYN-ACK: seq ISN + 1, ack cookie + 1. */
void spec_final_ack(const struct pkt_spec *syn, uint32_t cookie, const struct xdp_result *synack,
			   struct pkt_spec *ack)
{
	struct pkt_view v;

	*ack = *syn;
	ack->flags = F_ACK;
	ack->seq = syn->seq + 1;
	ack->ack = cookie + 1;
	ack->optlen = 0;
	ack->payload_len = 0;
	memset(ack->opts, 0, sizeof(ack->opts));
	if (!pkt_parse(synack->frame, synack->out_len, &v) && v.ts) {
		opt_nop(ack);
		opt_nop(ack);
		opt_ts(ack, 1000001, v.tsval);
	}
}
