// SPDX-License-Identifier: GPL-2.0
/* BPF_PROG_TEST_RUN harness around the xdp_syncookie and tc_handoff skeletons. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "harness.h"
#include "policy.h"
#include "stats.h"
#include "xdp_syncookie.skel.h"	/* after xsc/abi.h: it names struct xsc_settings */
#include "tc_handoff.skel.h"

static struct xdp_syncookie *skel;
static struct tc_handoff *tc;
/* A second instance on the same maps whose clock is offset: another host of a fleet. */
static struct xdp_syncookie *peer;
/* An instance under the kernel handoff, on the same maps. */
static struct xdp_syncookie *kern;

/* A dual-stack listener on [::]:port, left open for the whole run. */
static int listen_any(const char *who, uint16_t port)
{
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6, .sin6_port = htons(port) };
	int fd = socket(AF_INET6, SOCK_STREAM, 0), off = 0;

	if (fd < 0 || setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off)) ||
	    bind(fd, (void *)&sin6, sizeof(sin6)) || listen(fd, 16)) {
		fprintf(stderr, "%s: listening on port %u: %s\n", who, port, strerror(errno));
		return -1;
	}
	return fd;
}

int harness_netns(const char *who, const uint16_t *ports, size_t n_ports)
{
	if (unshare(CLONE_NEWNET)) {
		fprintf(stderr, "%s: unshare(CLONE_NEWNET): %s (run as root)\n", who, strerror(errno));
		return -1;
	}
	/* Local addresses that are not loopback ones: a SYN from 127.0.0.1 is a martian. */
	if (system("ip link set lo up && ip addr add " LOCAL4 "/32 dev lo && "
		   "ip addr add " LOCAL6 "/128 dev lo nodad"))
		return -1;
	for (size_t i = 0; i < n_ports; i++)
		if (listen_any(who, ports[i]) < 0)
			return -1;
	return 0;
}

static int quiet_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level != LIBBPF_WARN && !getenv("XSC_TEST_VERBOSE"))
		return 0;
	return vfprintf(stderr, fmt, ap);
}

int harness_open(void)
{
	int ncpus = libbpf_num_possible_cpus();

	libbpf_set_print(quiet_print);
	skel = xdp_syncookie__open();
	if (!skel || ncpus < 0) {
		fprintf(stderr, "harness: opening xdp_syncookie failed: %s\n", strerror(errno));
		return -errno;
	}
	skel->rodata->xsc_nr_cpus = ncpus;
	skel->rodata->xsc_budget_spread = ncpus;	/* a receive queue per CPU */
	if (xdp_syncookie__load(skel)) {
		fprintf(stderr, "harness: loading xdp_syncookie failed: %s\n", strerror(errno));
		return -errno;
	}
	return 0;
}

void harness_close(void)
{
	harness_peer_close();
	harness_kernel_close();
	tc_handoff__destroy(tc);
	tc = NULL;
	xdp_syncookie__destroy(skel);
	skel = NULL;
}

/* Makes another object (not yet loaded) use the main instance's maps, by name. */
static int share_maps(struct bpf_object *obj)
{
	struct bpf_map *map;
	int err = 0;

	bpf_object__for_each_map(map, obj) {
		if (bpf_map__is_internal(map))
			continue;
		err = bpf_map__reuse_fd(map, harness_map_fd(bpf_map__name(map)));
		if (err)
			break;
	}
	return err;
}

/* Another instance of the program on the main one's maps, with its own settings and clock
 * offset; NULL after a message. */
static struct xdp_syncookie *instance_open(const char *what, const struct xsc_settings *cfg,
					   int64_t clock_offset_ns)
{
	struct xdp_syncookie *x = xdp_syncookie__open();
	int err;

	if (!x) {
		fprintf(stderr, "harness: opening the %s failed: %s\n", what, strerror(errno));
		return NULL;
	}
	x->rodata->xsc_cfg = *cfg;
	x->rodata->xsc_nr_cpus = skel->rodata->xsc_nr_cpus;
	x->rodata->xsc_budget_spread = skel->rodata->xsc_budget_spread;
	x->rodata->xsc_clock_offset_ns = clock_offset_ns;
	err = share_maps(x->obj);
	if (!err && xdp_syncookie__load(x))
		err = -errno;
	if (err) {
		fprintf(stderr, "harness: loading the %s failed: %s\n", what, strerror(-err));
		xdp_syncookie__destroy(x);
		return NULL;
	}
	return x;
}

int harness_peer_open(int64_t clock_offset_ns)
{
	harness_peer_close();
	peer = instance_open("peer instance", (const struct xsc_settings *)&skel->rodata->xsc_cfg,
			     clock_offset_ns);
	return peer ? 0 : -EINVAL;
}

int harness_kernel_open(const struct xsc_settings *cfg)
{
	harness_kernel_close();
	kern = instance_open("kernel-handoff instance", cfg, 0);
	return kern ? 0 : -EINVAL;
}

static int instance_run(const struct xdp_syncookie *x, const uint8_t *frame, size_t len,
			struct xdp_result *r)
{
	return x ? harness_run_prog(bpf_program__fd(x->progs.xdp_syncookie), frame, len, r) : -ENOENT;
}

void harness_kernel_close(void)
{
	xdp_syncookie__destroy(kern);
	kern = NULL;
}

int harness_kernel_run(const uint8_t *frame, size_t len, struct xdp_result *r)
{
	return instance_run(kern, frame, len, r);
}

void harness_peer_close(void)
{
	xdp_syncookie__destroy(peer);
	peer = NULL;
}

int harness_peer_run(const uint8_t *frame, size_t len, struct xdp_result *r)
{
	return instance_run(peer, frame, len, r);
}

int harness_prog_fd(void)
{
	return bpf_program__fd(skel->progs.xdp_syncookie);
}

int harness_map_fd(const char *name)
{
	struct bpf_map *map = bpf_object__find_map_by_name(skel->obj, name);

	return map ? bpf_map__fd(map) : -ENOENT;
}

static int counters(__u64 *totals)
{
	return stats_sum(bpf_map__fd(skel->maps.xsc_stats), totals);
}

int harness_run(const uint8_t *frame, size_t len, struct xdp_result *r)
{
	return harness_run_prog(harness_prog_fd(), frame, len, r);
}

/*
 * XSC_DUMP_FRAMES=DIR writes every frame run into DIR, one file per distinct frame named by
 * its FNV-1a hash: the fuzzer's seed corpus is the unit suite's own frames.
 */
static void dump_frame(const uint8_t *frame, size_t len)
{
	const char *dir = getenv("XSC_DUMP_FRAMES");
	uint64_t h = 0xcbf29ce484222325ULL;
	char path[4096];
	int fd;

	if (!dir)
		return;
	for (size_t i = 0; i < len; i++)
		h = (h ^ frame[i]) * 0x100000001b3ULL;
	snprintf(path, sizeof(path), "%s/unit-%016llx", dir, (unsigned long long)h);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return;
	if (write(fd, frame, len) != (ssize_t)len)
		fprintf(stderr, "harness: writing %s: %s\n", path, strerror(errno));
	close(fd);
}

/* Which counters moved between two sums: the one that did, or -1; *moved how many. */
static int moved_reason(const __u64 *before, const __u64 *after, int *moved)
{
	int reason = -1, n = 0;
	bool single = true;

	for (int i = 0; i < XSC_STAT_SLOTS; i++) {
		uint64_t d = after[i] - before[i];

		if (d == 0)
			continue;
		n++;
		if (d != 1)
			single = false;
		reason = i;
	}
	if (moved)
		*moved = n;
	return n == 1 && single ? reason : -1;
}

int harness_run_prog(int prog_fd, const uint8_t *frame, size_t len, struct xdp_result *r)
{
	__u64 before[XSC_STAT_SLOTS], after[XSC_STAT_SLOTS];
	struct xdp_md ctx_in = { .data = 0, .data_end = len }, ctx_out = {};
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame, .data_size_in = len,
		    .data_out = r->out, .data_size_out = sizeof(r->out), .ctx_in = &ctx_in,
		    .ctx_size_in = sizeof(ctx_in), .ctx_out = &ctx_out,
		    .ctx_size_out = sizeof(ctx_out), .repeat = 1);
	int err;

	dump_frame(frame, len);
	err = counters(before);
	if (err)
		return err;
	err = bpf_prog_test_run_opts(prog_fd, &opts);
	if (err)
		return -errno;
	err = counters(after);
	if (err)
		return err;
	r->action = opts.retval;
	r->meta_len = ctx_out.data;	/* the kernel reports data relative to data_meta */
	r->frame = r->out + r->meta_len;
	r->out_len = opts.data_size_out - r->meta_len;
	r->reason = moved_reason(before, after, NULL);
	return 0;
}

int harness_tc_open(void)
{
	int err = 0;

	tc = tc_handoff__open();
	if (!tc)
		return -errno;
	tc->rodata->xsc_cfg = skel->rodata->xsc_cfg;
	err = share_maps(tc->obj);
	if (!err && tc_handoff__load(tc))
		err = -errno;
	if (err) {
		fprintf(stderr, "harness: loading tc_handoff failed: %s\n", strerror(-err));
		tc_handoff__destroy(tc);
		tc = NULL;
	}
	return err;
}

int harness_tc_run(const uint8_t *meta, size_t meta_len, const uint8_t *frame, size_t len,
		   struct tc_result *r)
{
	__u64 before[XSC_STAT_SLOTS], after[XSC_STAT_SLOTS];
	uint8_t in[PKT_MAX + 64], out[PKT_MAX + 256];
	/* XDP's convention (data is the metadata's length): the only one a kernel could take */
	struct __sk_buff ctx = { .data = meta_len };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = in, .data_size_in = meta_len + len,
		    .data_out = out, .data_size_out = sizeof(out), .repeat = 1);
	int err;

	if (!tc)
		return -ENOENT;
	if (meta_len + len > sizeof(in))
		return -E2BIG;
	memcpy(in, meta, meta_len);
	memcpy(in + meta_len, frame, len);
	if (meta_len) {
		opts.ctx_in = &ctx;
		opts.ctx_size_in = sizeof(ctx);
	}
	err = counters(before);
	if (err)
		return err;
	err = bpf_prog_test_run_opts(bpf_program__fd(tc->progs.tc_handoff), &opts);
	if (err)
		return -errno;
	err = counters(after);
	if (err)
		return err;
	r->action = (int)opts.retval;
	r->reason = moved_reason(before, after, &r->moved);
	return 0;
}

int harness_set_keys(const struct xsc_keyring *kr)
{
	uint32_t zero = 0;

	return bpf_map_update_elem(bpf_map__fd(skel->maps.xsc_host_keys), &zero, kr, BPF_ANY) ?
		       -errno : 0;
}

int harness_set_policy(const struct xsc_policy *pol)
{
	return policy_install(bpf_map__fd(skel->maps.xsc_policy), pol);
}

void harness_policy_always(struct xsc_policy *pol)
{
	struct policy_change c = { .budget_prefix_given = true, .budget_prefix = HARNESS_BUDGET,
				   .budget_global_given = true, .budget_global = HARNESS_BUDGET };

	policy_defaults(pol);
	pol->engage = XSC_ENGAGE_ALWAYS;
	policy_apply(pol, &c, "harness");
}
