// SPDX-License-Identifier: GPL-2.0
/* Per-CPU counters and per-port engage state, summed in user space; the BPF side never waits. */
#include <errno.h>
#include <stdlib.h>
#include <time.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "policy.h"
#include "stats.h"

int stats_sum(int fd, __u64 *totals)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	int ncpus = libbpf_num_possible_cpus(), err = 0;
	__u64 *percpu;

	if (ncpus < 0)
		return ncpus;
	if (bpf_obj_get_info_by_fd(fd, &info, &len) || info.max_entries != XSC_STAT_SLOTS ||
	    info.value_size != sizeof(__u64))
		return -EPROTO;
	percpu = calloc(ncpus, sizeof(*percpu));
	if (!percpu)
		return -ENOMEM;
	for (__u32 i = 0; i < XSC_STAT_SLOTS; i++) {
		totals[i] = 0;
		if (bpf_map_lookup_elem(fd, &i, percpu)) {
			err = -errno;
			break;
		}
		for (int c = 0; c < ncpus; c++)
			totals[i] += percpu[c];
	}
	free(percpu);
	return err;
}

int stats_read(const struct pin_paths *pp, __u64 *totals)
{
	int fd = pin_open_map(pp, XSC_MAP_STATS, 0), err;

	if (fd < 0)
		return fd;
	err = stats_sum(fd, totals);
	close(fd);
	return err;
}

/* Every CPU's tally slots: ncpus * XSC_TALLY_SLOTS entries, CPU-major. */
static struct xsc_tally *tallies_read(int fd, int ncpus)
{
	struct xsc_tally *all = calloc((size_t)ncpus * XSC_TALLY_SLOTS, sizeof(*all));
	struct xsc_tally *percpu = calloc(ncpus, sizeof(*percpu));

	if (!all || !percpu)
		goto fail;
	for (__u32 slot = 0; slot < XSC_TALLY_SLOTS; slot++) {
		if (bpf_map_lookup_elem(fd, &slot, percpu))
			goto fail;
		for (int c = 0; c < ncpus; c++)
			all[(size_t)c * XSC_TALLY_SLOTS + slot] = percpu[c];
	}
	free(percpu);
	return all;
fail:
	free(all);
	free(percpu);
	return NULL;
}

/* The rate window the BPF side is in now (its clock is CLOCK_MONOTONIC_COARSE). */
static __u32 window_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return ((__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec) >> XSC_RATE_WINDOW_SHIFT;
}

static __u32 wcount(const __u64 *buckets, __u32 window)
{
	__u64 v = buckets[window & 1];

	return (__u32)(v >> 32) == window ? (__u32)v : 0;
}

/* What the CPUs still hold for a port, as the BPF side's disengage sums it, and the SYN
 * rate over the last complete window, published or not. */
static void fold_tallies(struct port_view *v, const struct xsc_tally *all, int ncpus,
			 __u64 *syns)
{
	__u32 slot = XSC_TALLY_SLOT(v->port), last = window_now() - 1;
	__u32 since_window = v->st.engaged_since >> XSC_RATE_WINDOW_SHIFT;
	__u64 engaged = 0, total = 0, last_syns = wcount(v->st.syn_win, last);

	*syns = 0;
	for (int c = 0; c < ncpus; c++) {
		const struct xsc_tally *t = &all[(size_t)c * XSC_TALLY_SLOTS + slot];

		if (t->port != v->port)
			continue;
		*syns += t->syns;
		total += t->cookies;
		if (t->window == last)
			last_syns += t->syns;
		if ((__s32)(t->window - since_window) >= 0)
			engaged += t->cookies;
	}
	v->syn_rate_now = (last_syns * 1000000000ULL) >> XSC_RATE_WINDOW_SHIFT;
	v->cookies_total = v->st.cookies + total;
	v->cookies_engaged = v->st.engaged_since ? v->st.cookies + engaged - v->st.cookies_at_engage : 0;
}

int ports_read(const struct pin_paths *pp, int (*fn)(const struct port_view *v, void *arg),
	       void *arg)
{
	int state_fd = pin_open_map(pp, XSC_MAP_PORT_STATE, sizeof(struct xsc_port_entry));
	int tally_fd = pin_open_map(pp, XSC_MAP_TALLY, sizeof(struct xsc_tally));
	int ncpus = libbpf_num_possible_cpus(), err = 0;
	struct xsc_port_entry *entries = NULL;
	struct xsc_tally *tallies = NULL;
	__u32 *keys = NULL, count = XSC_PORTS, out_batch = 0;

	if (state_fd < 0 || tally_fd < 0) {
		err = state_fd < 0 ? state_fd : tally_fd;
		goto out;
	}
	entries = calloc(XSC_PORTS, sizeof(*entries));
	keys = calloc(XSC_PORTS, sizeof(*keys));
	tallies = ncpus > 0 ? tallies_read(tally_fd, ncpus) : NULL;
	if (!entries || !keys || !tallies) {
		err = -ENOMEM;
		goto out;
	}
	/* One batch read of the whole array (its lookups return every entry, used or not). */
	if (bpf_map_lookup_batch(state_fd, NULL, &out_batch, keys, entries, &count, NULL) &&
	    errno != ENOENT) {
		err = -errno;
		goto out;
	}
	for (__u32 i = 0; i < count && !err; i++) {
		struct port_view v = { .port = keys[i], .st = entries[i].st };
		__u64 syns;

		fold_tallies(&v, tallies, ncpus, &syns);
		if (v.st.engaged_since || v.st.engages || v.st.syn_rate || v.st.changed_at ||
		    v.cookies_total || syns || v.st.syn_win[0] || v.st.syn_win[1])
			err = fn(&v, arg);
	}
out:
	free(entries);
	free(keys);
	free(tallies);
	if (state_fd >= 0)
		close(state_fd);
	if (tally_fd >= 0)
		close(tally_fd);
	return err;
}

/* The port array grows by doubling; most interfaces have a handful of active ports. */
#define SNAPSHOT_PORTS_MIN 16

static int collect_port(const struct port_view *v, void *arg)
{
	struct stats_snapshot *s = arg;

	if (!(s->n_ports & (s->n_ports - 1)) && s->n_ports >= SNAPSHOT_PORTS_MIN) {
		void *more = realloc(s->ports, 2 * s->n_ports * sizeof(*s->ports));

		if (!more)
			return -ENOMEM;
		s->ports = more;
	}
	s->ports[s->n_ports++] = *v;
	return 0;
}

int snapshot_read(const char *ifname, struct stats_snapshot *s)
{
	struct pin_paths pp;
	struct timespec ts;
	int err;

	memset(s, 0, sizeof(*s));
	s->pol = malloc(sizeof(*s->pol));
	s->ports = malloc(SNAPSHOT_PORTS_MIN * sizeof(*s->ports));
	err = s->pol && s->ports ? pin_paths(ifname, &pp) : -ENOMEM;
	/* The attach record first: a missing one is the plain "not attached". */
	err = err ?: pin_read_info(&pp, &s->info);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	s->read_ns = (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
	err = err ?: stats_read(&pp, s->totals);
	err = err ?: policy_read_pinned(&pp, s->pol);
	/* ports_read walks the array in key order, so the ports come out sorted. */
	err = err ?: ports_read(&pp, collect_port, s);
	if (err)
		snapshot_free(s);
	return err;
}

void snapshot_free(struct stats_snapshot *s)
{
	free(s->pol);
	free(s->ports);
	s->pol = NULL;
	s->ports = NULL;
	s->n_ports = 0;
}

const struct port_view *snapshot_port(const struct stats_snapshot *s, __u16 port)
{
	int lo = 0, hi = s->n_ports - 1;

	while (lo <= hi) {
		int mid = (lo + hi) / 2;

		if (s->ports[mid].port == port)
			return &s->ports[mid];
		if (s->ports[mid].port < port)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return NULL;
}
