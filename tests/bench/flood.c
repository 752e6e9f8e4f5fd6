// SPDX-License-Identifier: GPL-2.0
/*
 * flood: a SYN-flood generator fast enough that the defender, not the generator, is the
 * bottleneck. It drives xdp_flood with BPF_PROG_TEST_RUN and BPF_F_TEST_XDP_LIVE_FRAMES
 * (as xdp-trafficgen does): the kernel builds frames from a template SYN, the program
 * gives each a random source address, port and ISN and returns XDP_TX, which sends it
 * out of IFACE. Bounded by a packet count and seconds; only benchmarking-range addresses.
 *
 *   flood IFACE DST-MAC DST-IP PORT COUNT SECONDS [PPS [SRC-PREFIX]]
 *
 * PPS 0 (the default) sends as fast as the kernel builds frames; otherwise the program
 * itself spaces frames 1/PPS apart and drops the rest before they are sent.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "pkt.h"
#include "flood.skel.h"

/* Frames built per BPF_PROG_TEST_RUN call. Each call costs ~20 ms of setup here (a page
 * pool and an RCU grace period), during which nothing is sent, so calls must be long;
 * at a few million frames per second this still looks at the clock a few times a second. */
#define CHUNK 524288
#define BATCH 64		/* frames the kernel builds and sends at once (its default) */
#define MAX_SECONDS 600

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* 198.18.0.0/15 and 2001:2::/48 only: a flood must never leave the benchmarking ranges. */
static int in_bench_range(int family, const uint8_t *a, int prefix_len)
{
	if (family == 4)
		return a[0] == 198 && (a[1] & 0xfe) == 18 && prefix_len >= 15;
	return a[0] == 0x20 && a[1] == 0x01 && a[2] == 0 && a[3] == 2 && a[4] == 0 && a[5] == 0 &&
	       prefix_len >= 64;
}

static int parse_prefix(const char *text, int *family, uint8_t *addr, int *len)
{
	char buf[64];
	char *slash;

	snprintf(buf, sizeof(buf), "%s", text);
	slash = strchr(buf, '/');
	if (!slash)
		return -1;
	*slash = '\0';
	*len = atoi(slash + 1);
	if (inet_pton(AF_INET, buf, addr) == 1)
		*family = 4;
	else if (inet_pton(AF_INET6, buf, addr) == 1)
		*family = 6;
	else
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	uint8_t dst[16] = {}, src[16] = {}, frame[PKT_MAX], mac[6];
	int family, src_family, src_len = 0, ifindex, err;
	unsigned long long count, sent = 0;
	double seconds, start, elapsed, pps;
	struct pkt_spec s;
	struct ifreq ifr = {};
	struct flood *skel;
	size_t len;
	int sock;

	if (argc < 7) {
		fprintf(stderr, "usage: flood IFACE DST-MAC DST-IP PORT COUNT SECONDS [PPS [SRC-PREFIX]]\n");
		return 2;
	}
	ifindex = if_nametoindex(argv[1]);
	count = strtoull(argv[5], NULL, 10);
	seconds = atof(argv[6]);
	family = strchr(argv[3], ':') ? 6 : 4;
	if (!ifindex || sscanf(argv[2], "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &mac[0], &mac[1], &mac[2],
			       &mac[3], &mac[4], &mac[5]) != 6 ||
	    inet_pton(family == 4 ? AF_INET : AF_INET6, argv[3], dst) != 1 || !count ||
	    seconds <= 0 || seconds > MAX_SECONDS) {
		fprintf(stderr, "flood: bad interface, MAC, address, count or seconds (max %d)\n",
			MAX_SECONDS);
		return 2;
	}
	pps = argc > 7 ? atof(argv[7]) : 0;
	if (parse_prefix(argc > 8 ? argv[8] : family == 4 ? "198.19.0.0/16" : "2001:2:0:ff::/64",
			 &src_family, src, &src_len) || src_family != family ||
	    !in_bench_range(family, src, src_len) ||
	    !in_bench_range(family, dst, family == 4 ? 32 : 128)) {
		fprintf(stderr, "flood: sources and destination must be in 198.18.0.0/15 or "
				"2001:2::/48 (IPv6 sources a /64 or longer)\n");
		return 2;
	}

	pkt_spec_syn(&s, family);
	memcpy(s.saddr, src, sizeof(s.saddr));
	memcpy(s.daddr, dst, sizeof(s.daddr));
	s.dport = atoi(argv[4]);
	opts_linux_syn(&s, family == 4 ? 1460 : 1440, 1, 7);
	len = pkt_build(&s, frame);
	memcpy(frame, mac, 6);
	sock = socket(AF_INET, SOCK_DGRAM, 0);
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", argv[1]);
	if (sock < 0 || ioctl(sock, SIOCGIFHWADDR, &ifr)) {
		fprintf(stderr, "flood: reading the MAC of %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	close(sock);
	memcpy(frame + 6, ifr.ifr_hwaddr.sa_data, 6);

	skel = flood__open();
	if (!skel)
		return 1;
	if (pps > 0)
		skel->rodata->interval_ns = (__u64)(1e9 / pps);
	skel->rodata->max_sent = count;
	if (family == 4) {
		skel->rodata->src4_net = ntohl(*(uint32_t *)src);
		skel->rodata->src4_mask = src_len >= 32 ? 0 : 0xffffffffu >> src_len;
	}
	memcpy(skel->bss->template, frame, len);
	skel->bss->template_len = len;
	if (flood__load(skel)) {
		fprintf(stderr, "flood: loading xdp_flood failed\n");
		flood__destroy(skel);
		return 1;
	}

	start = now();
	while (sent < count && (elapsed = now() - start) < seconds) {
		struct xdp_md ctx = { .data_end = len, .ingress_ifindex = ifindex };
		/* Unpaced, every frame is sent: never build more than are still due. */
		unsigned long long n = pps > 0 || count - sent > CHUNK ? CHUNK : count - sent;
		LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame, .data_size_in = len,
			    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx), .repeat = n,
			    .flags = BPF_F_TEST_XDP_LIVE_FRAMES, .batch_size = BATCH);

		err = bpf_prog_test_run_opts(bpf_program__fd(skel->progs.xdp_flood), &opts);
		if (err) {
			fprintf(stderr, "flood: BPF_PROG_TEST_RUN (live frames): %s\n", strerror(errno));
			flood__destroy(skel);
			return 1;
		}
		sent = skel->bss->sent;
	}
	elapsed = now() - start;
	printf("flood: %llu SYNs handed to %s in %.2f s: %.0f pps\n", sent, argv[1], elapsed,
	       sent / elapsed);
	flood__destroy(skel);
	return 0;
}
