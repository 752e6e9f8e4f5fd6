// SPDX-License-Identifier: GPL-2.0
/*
 * flood: a SYN- or ACK-flood generator fast enough that the defender, not the generator,
 * is the bottleneck. It drives xdp_flood with BPF_PROG_TEST_RUN and
 * BPF_F_TEST_XDP_LIVE_FRAMES (as xdp-trafficgen does): the kernel builds frames from a
 * template segment, the program gives each a random source address, port and ISN (and
 * ACK number) and returns XDP_TX, which sends it out of IFACE. Bounded by a packet count
 * and seconds; only benchmarking-range addresses.
 *
 *   flood -i IFACE -m DST-MAC -d DST-IP -p PORT -n COUNT -t SECONDS
 *         [-r PPS] [-s SRC-PREFIX] [-k syn|ack] [-b BATCH] [-S]
 *
 * -r 0 (the default) sends as fast as the kernel builds frames; otherwise the program
 * itself spaces frames 1/PPS apart and drops the rest before they are sent. -k syn sends
 * Linux-like SYNs (MSS, SACK_PERM, TS, NOP, WS), -k ack forged final ACKs (NOP, NOP, TS)
 * with random acknowledgement numbers. -S keeps the kernel's BPF run-time statistics on
 * (BPF_ENABLE_STATS) while flooding, and only then: the caller reads run_time_ns and
 * run_cnt of the defender's program before and after.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
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
/* Frames the kernel builds and sends at once: its default. The live-frame page pool
 * holds as many, and the generator yields the CPU only between batches. */
#define DEFAULT_BATCH 64
#define MAX_BATCH 256		/* TEST_XDP_MAX_BATCH */
#define MAX_SECONDS 600
/* What a forged final ACK carries: Linux's timestamps, an arbitrary TSval and TSecr. */
#define ACK_TSVAL 0x5eed0001
#define ACK_TSECR 0x5eed0002

struct options {
	const char *iface;
	uint8_t mac[6];
	int family;
	uint8_t dst[16], src[16];
	int src_len;
	int port;
	unsigned long long count;
	double seconds, pps;
	int ack;
	int batch;
	int stats;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int usage(void)
{
	fprintf(stderr, "usage: flood -i IFACE -m DST-MAC -d DST-IP -p PORT -n COUNT -t SECONDS\n"
			"             [-r PPS] [-s SRC-PREFIX] [-k syn|ack] [-b BATCH] [-S]\n");
	return 2;
}

/* 198.18.0.0/15 and 2001:2::/48 only: a flood must never leave the benchmarking ranges. */
static int in_bench_range(int family, const uint8_t *a, int prefix_len)
{
	if (family == 4)
		return a[0] == 198 && (a[1] & 0xfe) == 18 && prefix_len >= 15 && prefix_len <= 32;
	return a[0] == 0x20 && a[1] == 0x01 && a[2] == 0 && a[3] == 2 && a[4] == 0 && a[5] == 0 &&
	       prefix_len >= 48 && prefix_len <= 128;
}

static int parse_addr(const char *text, int *family, uint8_t *addr)
{
	if (inet_pton(AF_INET, text, addr) == 1)
		*family = 4;
	else if (inet_pton(AF_INET6, text, addr) == 1)
		*family = 6;
	else
		return -1;
	return 0;
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
	return parse_addr(buf, family, addr);
}

/* The host bits of a prefix, as a mask in network byte order. IPv6 randomizes only the
 * interface identifier (the low 64 bits): between a shorter prefix and /64 the given
 * address stands. */
static void host_mask(int family, int len, uint32_t mask[4])
{
	int bits = family == 4 ? 32 : 128, first = family == 4 ? 0 : 2;

	memset(mask, 0, 4 * sizeof(mask[0]));
	if (family == 6 && len < 64)
		len = 64;
	for (int w = first; w < bits / 32; w++) {
		int keep = len - w * 32;

		keep = keep < 0 ? 0 : keep > 32 ? 32 : keep;
		mask[w] = htonl(keep == 32 ? 0 : 0xffffffffu >> keep);
	}
}

static int parse_options(int argc, char **argv, struct options *o)
{
	const char *dst = NULL, *src = NULL, *mac = NULL;
	int c, src_family;

	memset(o, 0, sizeof(*o));
	o->batch = DEFAULT_BATCH;
	while ((c = getopt(argc, argv, "i:m:d:p:n:t:r:s:k:b:S")) != -1) {
		switch (c) {
		case 'i': o->iface = optarg; break;
		case 'm': mac = optarg; break;
		case 'd': dst = optarg; break;
		case 'p': o->port = atoi(optarg); break;
		case 'n': o->count = strtoull(optarg, NULL, 10); break;
		case 't': o->seconds = atof(optarg); break;
		case 'r': o->pps = atof(optarg); break;
		case 's': src = optarg; break;
		case 'k':
			if (strcmp(optarg, "syn") && strcmp(optarg, "ack"))
				return usage();
			o->ack = !strcmp(optarg, "ack");
			break;
		case 'b': o->batch = atoi(optarg); break;
		case 'S': o->stats = 1; break;
		default: return usage();
		}
	}
	if (optind != argc || !o->iface || !mac || !dst)
		return usage();
	if (sscanf(mac, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &o->mac[0], &o->mac[1], &o->mac[2],
		   &o->mac[3], &o->mac[4], &o->mac[5]) != 6 || parse_addr(dst, &o->family, o->dst) ||
	    o->port <= 0 || o->port > 65535 || !o->count || o->seconds <= 0 ||
	    o->seconds > MAX_SECONDS || o->pps < 0 || o->batch < 1 || o->batch > MAX_BATCH) {
		fprintf(stderr, "flood: bad MAC, address, port, count, seconds (max %d), rate or "
				"batch (1-%d)\n", MAX_SECONDS, MAX_BATCH);
		return 2;
	}
	if (!src)
		src = o->family == 4 ? "198.19.0.0/16" : "2001:2:0:ff::/64";
	if (parse_prefix(src, &src_family, o->src, &o->src_len) || src_family != o->family ||
	    !in_bench_range(o->family, o->src, o->src_len) ||
	    !in_bench_range(o->family, o->dst, o->family == 4 ? 32 : 128)) {
		fprintf(stderr, "flood: sources and destination must be in 198.18.0.0/15 or "
				"2001:2::/48, of the same family\n");
		return 2;
	}
	return 0;
}

/* The template frame: checksums valid, the fields the program randomizes included. */
static size_t build_template(const struct options *o, uint8_t *frame)
{
	struct pkt_spec s;
	struct ifreq ifr = {};
	size_t len;
	int sock;

	pkt_spec_syn(&s, o->family);
	memcpy(s.saddr, o->src, sizeof(s.saddr));
	memcpy(s.daddr, o->dst, sizeof(s.daddr));
	s.dport = o->port;
	if (o->ack) {
		s.flags = F_ACK;
		s.ack = 1;
		opt_nop(&s);
		opt_nop(&s);
		opt_ts(&s, ACK_TSVAL, ACK_TSECR);
	} else {
		opts_linux_syn(&s, o->family == 4 ? 1460 : 1440, 1, 7);
	}
	len = pkt_build(&s, frame);
	memcpy(frame, o->mac, 6);
	sock = socket(AF_INET, SOCK_DGRAM, 0);
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", o->iface);
	if (sock < 0 || ioctl(sock, SIOCGIFHWADDR, &ifr)) {
		fprintf(stderr, "flood: reading the MAC of %s: %s\n", o->iface, strerror(errno));
		if (sock >= 0)
			close(sock);
		return 0;
	}
	close(sock);
	memcpy(frame + 6, ifr.ifr_hwaddr.sa_data, 6);
	return len;
}

int main(int argc, char **argv)
{
	unsigned long long sent = 0;
	uint8_t frame[PKT_MAX];
	double start, elapsed;
	struct options o;
	struct flood *skel;
	int ifindex, err, stats_fd = -1, ret = 1;
	uint32_t mask[4];
	size_t len;

	err = parse_options(argc, argv, &o);
	if (err)
		return err;
	ifindex = if_nametoindex(o.iface);
	if (!ifindex) {
		fprintf(stderr, "flood: no interface %s\n", o.iface);
		return 1;
	}
	len = build_template(&o, frame);
	if (!len)
		return 1;

	skel = flood__open();
	if (!skel)
		return 1;
	if (o.pps > 0)
		skel->rodata->interval_ns = (__u64)(1e9 / o.pps);
	skel->rodata->max_sent = o.count;
	skel->rodata->rand_ack = o.ack;
	host_mask(o.family, o.src_len, mask);
	memcpy((void *)skel->rodata->src_mask, mask, sizeof(mask));
	if (len > sizeof(skel->bss->template)) {
		fprintf(stderr, "flood: template of %zu bytes too long\n", len);
		goto out;
	}
	memcpy(skel->bss->template, frame, len);
	skel->bss->template_len = len;
	if (flood__load(skel)) {
		fprintf(stderr, "flood: loading xdp_flood failed\n");
		goto out;
	}
	if (o.stats) {
		stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
		if (stats_fd < 0) {
			fprintf(stderr, "flood: BPF_ENABLE_STATS: %s\n", strerror(errno));
			goto out;
		}
	}

	start = now();
	while (sent < o.count && now() - start < o.seconds) {
		struct xdp_md ctx = { .data_end = len, .ingress_ifindex = ifindex };
		/* Unpaced, every frame is sent: never build more than are still due. */
		unsigned long long n = o.pps > 0 || o.count - sent > CHUNK ? CHUNK : o.count - sent;
		LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame, .data_size_in = len,
			    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx), .repeat = n,
			    .flags = BPF_F_TEST_XDP_LIVE_FRAMES, .batch_size = o.batch);

		err = bpf_prog_test_run_opts(bpf_program__fd(skel->progs.xdp_flood), &opts);
		if (err) {
			fprintf(stderr, "flood: BPF_PROG_TEST_RUN (live frames): %s\n", strerror(errno));
			goto out;
		}
		sent = skel->bss->sent;
	}
	elapsed = now() - start;
	printf("flood: %llu %s handed to %s in %.2f s: %.0f pps\n", sent, o.ack ? "ACKs" : "SYNs",
	       o.iface, elapsed, sent / elapsed);
	ret = 0;
out:
	if (stats_fd >= 0)
		close(stats_fd);	/* the statistics go off with the last holder */
	flood__destroy(skel);
	return ret;
}
