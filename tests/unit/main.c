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

/* A dual-stack listener on [::]:port, left open for the whole run. */
static int listen_any(uint16_t port)
{
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6, .sin6_port = htons(port) };
	int fd = socket(AF_INET6, SOCK_STREAM, 0), off = 0;

	if (fd < 0 || setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off)) ||
	    bind(fd, (void *)&sin6, sizeof(sin6)) || listen(fd, 16)) {
		fprintf(stderr, "test_unit: listening on port %u: %s\n", port, strerror(errno));
		return -1;
	}
	return fd;
}

static int isolate_netns(void)
{
	if (unshare(CLONE_NEWNET)) {
		fprintf(stderr, "test_unit: unshare(CLONE_NEWNET): %s (run as root)\n", strerror(errno));
		return -1;
	}
	/* Local addresses that are not loopback ones: a SYN from 127.0.0.1 is a martian. */
	if (system("ip link set lo up && ip addr add " LOCAL4 "/32 dev lo && "
		   "ip addr add " LOCAL6 "/128 dev lo nodad"))
		return -1;
	for (size_t i = 0; i < sizeof(listen_ports) / sizeof(*listen_ports); i++)
		if (listen_any(listen_ports[i]) < 0)
			return -1;
	return 0;
}

int main(int argc, char **argv)
{
	struct xsc_policy *pol = malloc(sizeof(*pol));

	cpu_set_t cpus;

	/* One CPU, so every run counts in the same per-CPU tally, as one receive queue would. */
	CPU_ZERO(&cpus);
	CPU_SET(0, &cpus);
	sched_setaffinity(0, sizeof(cpus), &cpus);
	verbose = argc > 1 && !strcmp(argv[1], "-v");
	if (argc > 2 && !strcmp(argv[1], "--dump-frames"))
		dump_dir = argv[2];
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!pol || isolate_netns() || harness_open() || harness_set_keys(&test_keys)) {
		printf("0 passed, 1 failed\n");
		return 1;
	}
	harness_policy_always(pol);
	if (harness_set_policy(pol)) {
		printf("test_unit: installing the policy failed\n0 passed, 1 failed\n");
		return 1;
	}
	free(pol);
	if (dump_dir) {		/* the packet table only, for replaying elsewhere */
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
	harness_close();
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
