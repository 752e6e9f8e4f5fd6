// SPDX-License-Identifier: GPL-2.0
/* BPF_PROG_TEST_RUN harness around the xdp_syncookie skeleton. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "harness.h"
#include "policy.h"
#include "stats.h"
#include "xdp_syncookie.skel.h"	/* after xsc/abi.h: it names struct xsc_settings */

static struct xdp_syncookie *skel;
/* A second instance on the same maps whose clock is offset: another host of a fleet. */
static struct xdp_syncookie *peer;

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
	if (xdp_syncookie__load(skel)) {
		fprintf(stderr, "harness: loading xdp_syncookie failed: %s\n", strerror(errno));
		return -errno;
	}
	return 0;
}

void harness_close(void)
{
	harness_peer_close();
	xdp_syncookie__destroy(skel);
	skel = NULL;
}

int harness_peer_open(int64_t clock_offset_ns)
{
	struct bpf_map *map;
	int err = 0;

	harness_peer_close();
	peer = xdp_syncookie__open();
	if (!peer)
		return -errno;
	peer->rodata->xsc_nr_cpus = skel->rodata->xsc_nr_cpus;
	peer->rodata->xsc_clock_offset_ns = clock_offset_ns;
	bpf_object__for_each_map(map, peer->obj) {
		if (bpf_map__is_internal(map))
			continue;
		err = bpf_map__reuse_fd(map, harness_map_fd(bpf_map__name(map)));
		if (err)
			break;
	}
	if (!err && xdp_syncookie__load(peer))
		err = -errno;
	if (err) {
		fprintf(stderr, "harness: loading the peer instance failed: %s\n", strerror(-err));
		harness_peer_close();
	}
	return err;
}

void harness_peer_close(void)
{
	xdp_syncookie__destroy(peer);
	peer = NULL;
}

int harness_peer_run(const uint8_t *frame, size_t len, struct xdp_result *r)
{
	return peer ? harness_run_prog(bpf_program__fd(peer->progs.xdp_syncookie), frame, len, r) :
		      -ENOENT;
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

int harness_run_prog(int prog_fd, const uint8_t *frame, size_t len, struct xdp_result *r)
{
	__u64 before[XSC_STAT_SLOTS], after[XSC_STAT_SLOTS];
	struct xdp_md ctx_in = { .data = 0, .data_end = len }, ctx_out = {};
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame, .data_size_in = len,
		    .data_out = r->out, .data_size_out = sizeof(r->out), .ctx_in = &ctx_in,
		    .ctx_size_in = sizeof(ctx_in), .ctx_out = &ctx_out,
		    .ctx_size_out = sizeof(ctx_out), .repeat = 1);
	int err;

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
	r->reason = -1;
	for (int i = 0; i < XSC_STAT_SLOTS; i++) {
		uint64_t d = after[i] - before[i];

		if (d == 0)
			continue;
		if (d != 1 || r->reason != -1) {
			r->reason = -1;
			break;
		}
		r->reason = i;
	}
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
