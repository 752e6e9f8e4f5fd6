/* SPDX-License-Identifier: GPL-2.0 */
/* The unit suite's bookkeeping: named cases, failures with reasons, and the shared fixtures. */
#ifndef XSC_TEST_CHECK_H
#define XSC_TEST_CHECK_H

#include <stdbool.h>
#include <stdint.h>
#include "harness.h"

extern int passed, failed;
extern bool verbose;
/* The key the suite loads (generation 1: the current key is key[1]); the SYN-ACK cookie
 * is recomputed from it independently. */
extern const struct xsc_keyring test_keys;

void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#define EXPECT(cond, ...)                                                                      \
	do {                                                                                   \
		if (!(cond))                                                                   \
			fail(__VA_ARGS__);                                                     \
	} while (0)

void begin(const char *name);
/* quiet: counted but printed only on failure (the option matrix). */
void end(bool quiet);
bool case_has_failed(void);

const char *reason_name(int r);
const char *action_name(int a);
/* The XDP action a reason's verdict stands for. */
int reason_action(int reason);

int run_spec(const struct pkt_spec *s, struct xdp_result *r);
/* The same through another instance's runner (harness_kernel_run, ...). */
int run_spec_on(int (*run)(const uint8_t *, size_t, struct xdp_result *), const struct pkt_spec *s,
		struct xdp_result *r);
void expect_verdict(const struct xdp_result *r, int action, int reason);
void verdict_case(const char *name, const struct pkt_spec *s, int action, int reason);

/* The client's final ACK for a SYN-ACK: seq ISN + 1, ack cookie + 1, echoing its TSval. */
void spec_final_ack(const struct pkt_spec *syn, uint32_t cookie, const struct xdp_result *synack,
		    struct pkt_spec *ack);


/* The groups of cases. */
void test_packets(void);
void test_engage(void);
void test_key_schedule(void);
void test_lists(void);
void test_forgery(void);
void test_budget(void);
void test_kernel_handoff(void);
void test_gateway(void);

#endif /* XSC_TEST_CHECK_H */
