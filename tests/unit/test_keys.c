// SPDX-License-Identifier: GPL-2.0
/*
 * The key schedule: cookies made on one host and checked on another of the fleet, whose
 * clock is skewed (a second instance of the program on the same maps, its CLOCK_TAI
 * offset); masters replaced under the same generation; the slot key derived as specified.
 */
#include <string.h>
#include <linux/bpf.h>
#include "check.h"

#define SEC_NS 1000000000LL

/* A cookie SYN-ACK for the Linux-layout SYN from the main instance; 0 if none. */
static uint32_t issue(struct pkt_spec *syn, struct xdp_result *r)
{
	struct pkt_view v;

	pkt_spec_linux_syn(syn, 4);
	if (run_spec(syn, r) || r->action != XDP_TX || pkt_parse(r->frame, r->out_len, &v)) {
		fail("no cookie SYN-ACK to start from");
		return 0;
	}
	return v.seq;
}

/* The final ACK for that cookie, judged by a host whose clock is off by skew seconds. */
static void skew_case(const char *name, long long skew_s, int reason)
{
	struct pkt_spec syn, ack;
	struct xdp_result r, r2;
	uint8_t frame[PKT_MAX];
	uint32_t cookie;

	begin(name);
	cookie = issue(&syn, &r);
	if (!cookie || harness_peer_open(skew_s * SEC_NS)) {
		fail("setting up the skewed host failed");
		end(false);
		return;
	}
	spec_final_ack(&syn, cookie, &r, &ack);
	if (harness_peer_run(frame, pkt_build(&ack, frame), &r2))
		fail("BPF_PROG_TEST_RUN on the skewed host failed");
	else
		expect_verdict(&r2, reason_action(reason), reason);
	harness_peer_close();
	end(false);
}

void test_key_schedule(void)
{
	struct pkt_spec syn, ack;
	struct xdp_result r;
	struct xsc_keyring other = test_keys;
	uint32_t cookie;

	/* A slot is 68.7 s: any skew under a slot, either way, must be accepted, whatever the
	 * phase of the clocks within their slots; two slots and more never. */
	skew_case("fleet: a host 30 s ahead accepts the cookie", 30, XSC_STAT_PASS_ACK_COOKIE_OK);
	skew_case("fleet: a host 30 s behind accepts the cookie", -30, XSC_STAT_PASS_ACK_COOKIE_OK);
	skew_case("fleet: a host 60 s ahead accepts the cookie", 60, XSC_STAT_PASS_ACK_COOKIE_OK);
	skew_case("fleet: a host 60 s behind accepts the cookie", -60, XSC_STAT_PASS_ACK_COOKIE_OK);
	skew_case("fleet: a host 150 s ahead (past the validity) refuses it", 150,
		  XSC_STAT_DROP_ACK_NO_SOCKET);
	skew_case("fleet: a host 150 s behind refuses it", -150, XSC_STAT_DROP_ACK_NO_SOCKET);
	skew_case("fleet: a host a day ahead refuses it", 86400, XSC_STAT_DROP_ACK_NO_SOCKET);

	/* Another master under the same generation: the per-CPU cache must not answer with
	 * the key of the master it replaced. */
	begin("another master, same generation: the cookie is refused");
	cookie = issue(&syn, &r);
	other.master[1].k0 ^= 0x5a;
	if (cookie && !harness_set_keys(&other)) {
		struct xdp_result r2;

		spec_final_ack(&syn, cookie, &r, &ack);
		if (!run_spec(&ack, &r2))
			expect_verdict(&r2, XDP_DROP, XSC_STAT_DROP_ACK_NO_SOCKET);
	}
	harness_set_keys(&test_keys);
	end(false);
	begin("the master back: the same cookie validates again");
	if (cookie) {
		struct xdp_result r2;

		spec_final_ack(&syn, cookie, &r, &ack);
		if (!run_spec(&ack, &r2))
			expect_verdict(&r2, XDP_PASS, XSC_STAT_PASS_ACK_COOKIE_OK);
	}
	end(false);

	/* Hosts of a fleet that rotated a different number of times hold the same master in
	 * different places of their keyrings: the cookie must not care. */
	begin("fleet: the same master at another generation (place) validates the cookie");
	cookie = issue(&syn, &r);
	{
		struct xsc_keyring moved = { .gen = 2 };
		struct xdp_result r2;

		moved.master[0] = test_keys.master[1];
		moved.master[1] = (struct xsc_key){ 0x77, 0x88 };	/* retired, its window over */
		if (cookie && !harness_set_keys(&moved)) {
			spec_final_ack(&syn, cookie, &r, &ack);
			if (!run_spec(&ack, &r2))
				expect_verdict(&r2, XDP_PASS, XSC_STAT_PASS_ACK_COOKIE_OK);
		}
		harness_set_keys(&test_keys);
	}
	end(false);

	/* Slot keys differ per slot and per master, and none is the master itself. */
	begin("slot keys: distinct per slot and per master, never the master");
	{
		uint32_t slot = ref_slot_now();
		struct xsc_key a = ref_slot_key(&test_keys.master[1], slot);
		struct xsc_key b = ref_slot_key(&test_keys.master[1], slot + 1);
		struct xsc_key c = ref_slot_key(&other.master[1], slot);

		EXPECT(a.k0 != b.k0 && a.k1 != b.k1, "two slots share a key");
		EXPECT(a.k0 != c.k0 && a.k1 != c.k1, "two masters share a slot key");
		EXPECT(a.k0 != test_keys.master[1].k0, "the slot key is the master");
	}
	end(false);
}
