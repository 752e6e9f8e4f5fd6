/* SPDX-License-Identifier: GPL-2.0 */
/* Runs the real XDP program through BPF_PROG_TEST_RUN and reads its counters and maps. */
#ifndef XSC_TEST_HARNESS_H
#define XSC_TEST_HARNESS_H

#include <stdbool.h>
#include <stdint.h>
#include "xsc/abi.h"
#include "pkt.h"

struct xdp_result {
	int action;
	uint8_t out[PKT_MAX + 256];
	uint32_t out_len;		/* frame after metadata */
	uint32_t meta_len;
	uint8_t *frame;			/* out + meta_len */
	int reason;			/* the one counter that moved, -1 if not exactly one */
};

/* The namespace's own (non-loopback) addresses, for cases with real local sockets. */
#define LOCAL4 "198.18.9.1"
#define LOCAL6 "2001:2:0:9::1"

/*
 * Moves the process into a private network namespace (lo up, LOCAL4 and LOCAL6 on it) with
 * a dual-stack listener on each port, left open for the whole run: the program's socket
 * lookups then see only the sockets the suite makes. who names the caller in messages.
 */
int harness_netns(const char *who, const uint16_t *ports, size_t n_ports);
int harness_open(void);
void harness_close(void);
int harness_prog_fd(void);
/* The fd of one of the program's maps, by name. */
int harness_map_fd(const char *name);
/* Runs one frame; fills r. Returns 0 or -errno from the syscall. */
int harness_run(const uint8_t *frame, size_t len, struct xdp_result *r);
int harness_run_prog(int prog_fd, const uint8_t *frame, size_t len, struct xdp_result *r);
/* A second instance of the program on the same maps, its clock offset by clock_offset_ns:
 * another host of a fleet, whose clock is skewed. */
int harness_peer_open(int64_t clock_offset_ns);
int harness_peer_run(const uint8_t *frame, size_t len, struct xdp_result *r);
void harness_peer_close(void);
/* An instance under the kernel handoff (cfg's handoff and flags, as attach sets them), on
 * the same maps. */
int harness_kernel_open(const struct xsc_settings *cfg);
int harness_kernel_run(const uint8_t *frame, size_t len, struct xdp_result *r);
void harness_kernel_close(void);
/* Keys: gen 0 means "no key". */
int harness_set_keys(const struct xsc_keyring *kr);
/* Puts a policy in force, as 'attach' and 'set' do. */
int harness_set_policy(const struct xsc_policy *pol);
/* The policy the packet cases run under: every port, engage always (no engage state
 * decides: every SYN to a listener is answered), budgets of HARNESS_BUDGET SYN-ACKs/s
 * that no case reaches (test_budget.c sets its own), defaults otherwise. */
#define HARNESS_BUDGET 100000000
void harness_policy_always(struct xsc_policy *pol);

/* What the TC handoff did with one frame (BPF_PROG_TEST_RUN, sched_cls). */
struct tc_result {
	int action;			/* TC_ACT_* */
	int moved;			/* counters that moved */
	int reason;			/* the one counter that moved, -1 if not exactly one */
};

/* Loads tc_handoff on the XDP program's maps (one set of counters, one key). */
int harness_tc_open(void);
/* Runs one frame; meta (meta_len bytes) goes in front of it as XDP metadata would, if the
 * kernel's skb test run takes it: -EINVAL when it does not. Returns 0 or -errno. */
int harness_tc_run(const uint8_t *meta, size_t meta_len, const uint8_t *frame, size_t len,
		   struct tc_result *r);

#endif /* XSC_TEST_HARNESS_H */
