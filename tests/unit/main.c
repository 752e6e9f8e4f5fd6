// SPDX-License-Identifier: GPL-2.0
/*
 * Unit suite of the XDP program: the real compiled object, loaded into the kernel and
 * driven packet by packet through BPF_PROG_TEST_RUN, in a private network namespace so
 * its socket lookups see only the sockets the suite makes.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "check.h"
#include "policy.h"

/* Ports the packet cases' SYNs go to: the program answers only SYNs for a listener. */
static const uint16_t listen_ports[] = { 80, 443 };

int main(int argc, char **argv)
{
	struct xsc_policy *pol = malloc(sizeof(*pol));
	bool packets_only;
	int err;

	cpu_set_t cpus;

	/* One CPU, so every run counts in the same per-CPU tally, as one receive queue would. */
	CPU_ZERO(&cpus);
	CPU_SET(0, &cpus);
	sched_setaffinity(0, sizeof(cpus), &cpus);
	verbose = argc > 1 && !strcmp(argv[1], "-v");
	/* --dump-frames DIR: the packet table only, its frames written to DIR (the harness's
	 * XSC_DUMP_FRAMES), for replaying elsewhere. */
	packets_only = argc > 2 && !strcmp(argv[1], "--dump-frames");
	if (packets_only)
		setenv("XSC_DUMP_FRAMES", argv[2], 1);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!pol ||
	    harness_netns("test_unit", listen_ports, sizeof(listen_ports) / sizeof(*listen_ports)) ||
	    harness_open() || harness_set_keys(&test_keys)) {
		printf("0 passed, 1 failed\n");
		return 1;
	}
	harness_policy_always(pol);
	err = harness_set_policy(pol);
	if (err) {
		printf("test_unit: installing the policy failed: %s\n0 passed, 1 failed\n",
		       strerror(-err));
		return 1;
	}
	free(pol);
	if (packets_only) {
		test_packets();
		harness_close();
		printf("%d passed, %d failed\n", passed, failed);
		return failed ? 1 : 0;
	}
	test_packets();
	test_key_schedule();
	test_lists();
	test_budget();
	test_forgery();
	test_engage();
	test_kernel_handoff();
	test_gateway();
	harness_close();
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
