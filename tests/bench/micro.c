// SPDX-License-Identifier: GPL-2.0
/*
 * Micro-benchmark: ns per packet of the XDP program through BPF_PROG_TEST_RUN with a
 * large repeat, beside an XDP_DROP and an address-swapping XDP_TX baseline measured in
 * the same run. Not a test: it prints a table (`make bench-micro`).
 *
 * Every case runs behind the restorer (xdp_restore in baselines.bpf.c), so each iteration sees
 * the original packet; the restorer's own cost is the "XDP_DROP" row, and the right-hand
 * column subtracts it. Counters prove what ran: a case whose counter did not move by
 * exactly the number of runs is reported invalid.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "lists.h"
#include "pkt.h"
#include "policy.h"
#include "reasons.h"
#include "settings.h"
#include "stats.h"
#include "xdp_syncookie.skel.h"
#include "baselines.skel.h"

#define ROUNDS 15
#define DEFAULT_RUNS 1000000

static struct xdp_syncookie *xsc;
static struct baselines *base;

static int quiet_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return level != LIBBPF_WARN ? 0 : vfprintf(stderr, fmt, ap);
}

/* One counter of a per-CPU stats map, summed (any build's map: its size may differ). */
static uint64_t counter(int stats_fd, __u32 reason)
{
	int ncpus = libbpf_num_possible_cpus();
	uint64_t percpu[256] = {}, sum = 0;

	if (ncpus <= 0 || ncpus > 256 || bpf_map_lookup_elem(stats_fd, &reason, percpu))
		return 0;
	for (int c = 0; c < ncpus; c++)
		sum += percpu[c];
	return sum;
}

/*
 * Another build's object (--compare OBJ), loaded beside this one and run in the same
 * rounds: a machine this noisy can only compare builds within one process. Its maps are
 * found by name, in this layout or the one before numbered reasons (xsc_keys).
 */
static struct bpf_object *cmp_obj;
static int cmp_prog_fd = -1, cmp_stats_fd = -1;

static int set_policy(int policy_fd, int port_state_fd);

/* The reflection budgets stay in the measured path, at a rate no run reaches (1e8/s). */
static void budgets_unreachable(struct xsc_policy *pol)
{
	struct policy_change c = { .budget_prefix_given = true, .budget_prefix = 100000000,
				   .budget_global_given = true, .budget_global = 100000000 };

	policy_apply(pol, &c, "bench-micro");
}

static int compare_open(const char *path, const struct xsc_keyring *kr)
{
	struct bpf_map *keys, *policy, *port_state;
	__u32 zero = 0;

	cmp_obj = bpf_object__open_file(path, NULL);
	if (!cmp_obj || bpf_object__load(cmp_obj)) {
		fprintf(stderr, "bench-micro: loading %s failed: %s\n", path, strerror(errno));
		return -1;
	}
	keys = bpf_object__find_map_by_name(cmp_obj, "xsc_keys") ?:
	       bpf_object__find_map_by_name(cmp_obj, XSC_MAP_KEYS);
	cmp_prog_fd = bpf_program__fd(bpf_object__find_program_by_name(cmp_obj, "xdp_syncookie"));
	cmp_stats_fd = bpf_map__fd(bpf_object__find_map_by_name(cmp_obj, XSC_MAP_STATS));
	policy = bpf_object__find_map_by_name(cmp_obj, XSC_MAP_POLICY);
	port_state = bpf_object__find_map_by_name(cmp_obj, XSC_MAP_PORT_STATE);
	if (!keys || cmp_prog_fd < 0 || cmp_stats_fd < 0 ||
	    bpf_map_update_elem(bpf_map__fd(keys), &zero, kr, BPF_ANY) ||
	    (policy && port_state && set_policy(bpf_map__fd(policy), bpf_map__fd(port_state)))) {
		fprintf(stderr, "bench-micro: %s is not an xdp-syncookie object this can drive\n", path);
		return -1;
	}
	return 0;
}

/*
 * A second instance of the program whose deny lists hold LIST_PREFIXES IPv4 and as many
 * IPv6 prefixes, none covering the cases' sources but one: the lookup cost at capacity.
 * Prefixes are random, of mixed lengths, as a real blocklist's are.
 */
#define LIST_PREFIXES 1000000
#define LIST_DENIED_SRC "203.0.113.7"	/* on the list (as 203.0.113.0/24) */
static struct xdp_syncookie *xsc_lists;
static int lists_prog_fd = -1, lists_stats_fd = -1;
static double lists_load_s;

static uint64_t xorshift(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/* LIST_PREFIXES random prefixes of a family, none inside the cases' source ranges. */
static struct prefix_set *random_prefixes(int family)
{
	struct prefix_set *s = prefix_set_new();
	uint64_t x = family == 4 ? 0x9e3779b97f4a7c15ULL : 0xc2b2ae3d27d4eb4fULL;
	char text[64], err[160];

	while (s && prefix_set_count(s, family) < LIST_PREFIXES) {
		uint64_t r = xorshift(&x);
		unsigned int len;

		if (family == 4) {
			uint32_t a = (uint32_t)r;

			len = 16 + (r >> 32) % 17;
			a &= len == 32 ? ~0u : ~(~0u >> len);
			if ((a >> 17) == (0xc6120000u >> 17) || (a >> 24) == 203)	/* 198.18/15, 203/8 */
				continue;
			snprintf(text, sizeof(text), "%u.%u.%u.%u/%u", a >> 24, (a >> 16) & 255,
				 (a >> 8) & 255, a & 255, len);
		} else {
			uint32_t hi = (uint32_t)r, lo = (uint32_t)(r >> 32);

			len = 32 + (xorshift(&x) % 33);
			if (len < 64)
				lo &= ~(~0u >> (len - 32));
			if (hi == 0x20010002)	/* 2001:2::/32 */
				continue;
			snprintf(text, sizeof(text), "%x:%x:%x:%x::/%u", hi >> 16, hi & 0xffff,
				 lo >> 16, lo & 0xffff, len);
		}
		if (prefix_set_add(s, text, err, sizeof(err))) {
			fprintf(stderr, "bench-micro: %s\n", err);
			prefix_set_free(s);
			return NULL;
		}
	}
	if (s && family == 4)
		prefix_set_add(s, "203.0.113.0/24", err, sizeof(err));
	return s;
}

static int lists_open(const struct xsc_keyring *kr)
{
	struct xsc_policy *pol = malloc(sizeof(*pol));
	struct prefix_set *v4 = random_prefixes(4), *v6 = random_prefixes(6);
	struct timespec a, b;
	__u32 zero = 0;
	int err = -1;

	xsc_lists = xdp_syncookie__open();
	if (!pol || !v4 || !v6 || !xsc_lists)
		goto out;
	xsc_lists->rodata->xsc_nr_cpus = libbpf_num_possible_cpus();
	if (xdp_syncookie__load(xsc_lists) ||
	    bpf_map_update_elem(bpf_map__fd(xsc_lists->maps.xsc_host_keys), &zero, kr, BPF_ANY))
		goto out;
	policy_defaults(pol);
	pol->engage = XSC_ENGAGE_ALWAYS;
	budgets_unreachable(pol);
	clock_gettime(CLOCK_MONOTONIC, &a);
	if (lists_swap(bpf_map__fd(xsc_lists->maps.xsc_lists4), bpf_map__fd(xsc_lists->maps.xsc_lists6),
		       XSC_LIST_DENY, v4, &pol->lists, "bench-micro") ||
	    lists_swap(bpf_map__fd(xsc_lists->maps.xsc_lists4), bpf_map__fd(xsc_lists->maps.xsc_lists6),
		       XSC_LIST_ALLOW, v6, &pol->lists, "bench-micro"))
		goto out;
	clock_gettime(CLOCK_MONOTONIC, &b);
	lists_load_s = (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
	if (policy_install(bpf_map__fd(xsc_lists->maps.xsc_policy), pol))
		goto out;
	lists_prog_fd = bpf_program__fd(xsc_lists->progs.xdp_syncookie);
	lists_stats_fd = bpf_map__fd(xsc_lists->maps.xsc_stats);
	err = 0;
out:
	if (err)
		fprintf(stderr, "bench-micro: loading the 1M-prefix lists failed: %s\n", strerror(errno));
	prefix_set_free(v4);
	prefix_set_free(v6);
	free(pol);
	return err;
}

/*
 * A third instance under the kernel handoff, on the main instance's maps (one set of
 * counters, one policy), in the namespace whose tcp_syncookies is set to 2: the kernel's
 * own cookie answers every SYN, as the handoff needs on kernels before 6.9.
 */
static struct xdp_syncookie *xsc_kernel;
static int kernel_prog_fd = -1;

static int kernel_open(void)
{
	struct bpf_map *map;
	int err = 0;

	if (system("sysctl -qw net.ipv4.tcp_syncookies=2 net.ipv4.tcp_timestamps=2"))
		return -1;
	xsc_kernel = xdp_syncookie__open();
	if (!xsc_kernel)
		return -1;
	settings_defaults((struct xsc_settings *)&xsc_kernel->rodata->xsc_cfg);
	xsc_kernel->rodata->xsc_cfg.handoff = XSC_HANDOFF_KERNEL;
	xsc_kernel->rodata->xsc_nr_cpus = libbpf_num_possible_cpus();
	bpf_object__for_each_map(map, xsc_kernel->obj)
		if (!err && !bpf_map__is_internal(map))
			err = bpf_map__reuse_fd(map, bpf_map__fd(bpf_object__find_map_by_name(
							     xsc->obj, bpf_map__name(map))));
	if (err || xdp_syncookie__load(xsc_kernel)) {
		fprintf(stderr, "bench-micro: loading the kernel-handoff instance failed\n");
		return -1;
	}
	kernel_prog_fd = bpf_program__fd(xsc_kernel->progs.xdp_syncookie);
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* ns per run of prog_fd on frame, behind the restorer; -1 on error. */
static double run_once(int prog_fd, const uint8_t *frame, size_t len, uint32_t runs, int want_action)
{
	uint8_t out[PKT_MAX + 256];
	uint32_t zero = 0;
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame, .data_size_in = len, .data_out = out,
		    .data_size_out = sizeof(out), .repeat = runs);

	memcpy(base->bss->pristine, frame, len);
	base->bss->pristine_len = len;
	if (bpf_map_update_elem(bpf_map__fd(base->maps.target), &zero, &prog_fd, BPF_ANY) ||
	    bpf_prog_test_run_opts(bpf_program__fd(base->progs.xdp_restore), &opts) ||
	    (int)opts.retval != want_action)
		return -1;
	return opts.duration;
}

struct bench_case {
	const char *name;
	uint8_t frame[PKT_MAX];
	size_t len;
	int action;
	int reason;	/* the xdp_syncookie counter every run must move; -1 for baselines */
	int prog_fd;
	int stats_fd;	/* where that counter is */
	double ns[ROUNDS];
	double above;	/* median ns above XDP_DROP, once measured */
	uint64_t moved;
	bool failed;
};

/* Issue 10's goals for the per-packet path, in ns above XDP_DROP, by row. */
static const struct goal {
	const char *row;
	double at_most;
	const char *what;
} goals[] = {
	{ "SYN -> SYN-ACK, IPv4", 60, "IPv4 Linux-layout SYN -> SYN-ACK" },
	{ "ACK, established, IPv4", 30, "ACK for an established socket" },
	{ "invalid cookie ACK, IPv4", 80, "forged ACK dropped" },
};

static void print_goals(const struct bench_case *c, int n)
{
	printf("\nissue 10 goals, ns above XDP_DROP   goal   measured\n");
	for (size_t g = 0; g < sizeof(goals) / sizeof(*goals); g++) {
		const struct bench_case *row = NULL;

		for (int i = 0; i < n; i++)
			if (!strcmp(c[i].name, goals[g].row) && !c[i].failed && c[i].above >= 0)
				row = &c[i];
		if (!row) {
			printf("%-34s %6.0f   (no valid row)\n", goals[g].what, goals[g].at_most);
			continue;
		}
		printf("%-34s %6.0f %10.0f   %s\n", goals[g].what, goals[g].at_most, row->above,
		       row->above <= goals[g].at_most ? "met" : "not met");
	}
}

/*
 * The same case run on CPU 0 while CPU 1 measures it: if the path wrote a cache line that
 * both CPUs share (a counter, a bucket), every write would wait for the line to come back
 * and the figure would rise. The other CPU runs the restorer the measuring CPU set up.
 */
static double median(double *v, int n);

struct other_cpu {
	pthread_t thread;
	const struct bench_case *c;
	atomic_bool stop;
	bool failed;	/* the runner could not be pinned, or a run of it failed */
};

static void *other_cpu_loop(void *arg)
{
	struct other_cpu *o = arg;
	uint8_t out[PKT_MAX + 256];
	cpu_set_t cpus;
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = o->c->frame, .data_size_in = o->c->len,
		    .data_out = out, .data_size_out = sizeof(out), .repeat = 100000);

	CPU_ZERO(&cpus);
	CPU_SET(0, &cpus);
	/* unpinned, it could share CPU 1 with the row and measure nothing: a failed round */
	if (pthread_setaffinity_np(pthread_self(), sizeof(cpus), &cpus)) {
		o->failed = true;
		return NULL;
	}
	while (!atomic_load(&o->stop))
		if (bpf_prog_test_run_opts(bpf_program__fd(base->progs.xdp_restore), &opts)) {
			o->failed = true;
			break;
		}
	return NULL;
}

#define SHARED_ROUNDS 7
static void print_shared_lines(const struct bench_case *c, int n, uint32_t runs)
{
	printf("\nboth CPUs at once: the row alone on CPU 1, and while CPU 0 runs it too\n");
	for (int i = 0; i < n; i++) {
		double alone[SHARED_ROUNDS], both[SHARED_ROUNDS];
		struct other_cpu o = { .c = &c[i] };
		bool ok = true;

		/* The SYN rows, and as controls what shares nothing: the XDP_TX baseline shows
		 * what two busy cores cost each other anyway (clock, L3), the lookup floor what
		 * the kernel's lookup does. */
		if (strncmp(c[i].name, "SYN -> SYN-ACK", 14) && strncmp(c[i].name, "compared: SYN", 13) &&
		    strcmp(c[i].name, "baseline: swap + XDP_TX") &&
		    strcmp(c[i].name, "floor: lookup, listener"))
			continue;
		for (int r = 0; r < SHARED_ROUNDS && ok; r++) {
			alone[r] = run_once(c[i].prog_fd, c[i].frame, c[i].len, runs, c[i].action);
			atomic_store(&o.stop, false);
			if (pthread_create(&o.thread, NULL, other_cpu_loop, &o))
				return;
			usleep(1000);
			both[r] = run_once(c[i].prog_fd, c[i].frame, c[i].len, runs, c[i].action);
			atomic_store(&o.stop, true);
			pthread_join(o.thread, NULL);
			ok = alone[r] > 0 && both[r] > 0 && !o.failed;
		}
		if (!ok) {
			printf("%-28s invalid: a run failed\n", c[i].name);
			continue;
		}
		printf("%-28s %6.0f ns alone, %6.0f ns with CPU 0 (%+.0f%%)\n", c[i].name,
		       median(alone, SHARED_ROUNDS), median(both, SHARED_ROUNDS),
		       (median(both, SHARED_ROUNDS) / median(alone, SHARED_ROUNDS) - 1) * 100);
	}
}

/* The cookie a program gives this SYN, from one real run. */
static int cookie_for(int prog_fd, const uint8_t *frame, size_t len, uint32_t *cookie,
		      uint32_t *tsval)
{
	uint8_t out[PKT_MAX + 256];
	struct pkt_view v;
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame, .data_size_in = len, .data_out = out,
		    .data_size_out = sizeof(out), .repeat = 1);

	if (bpf_prog_test_run_opts(prog_fd, &opts) ||
	    opts.retval != XDP_TX || pkt_parse(out, opts.data_size_out, &v))
		return -1;
	*cookie = v.seq;
	*tsval = v.tsval;
	return 0;
}

static int add_case(struct bench_case *c, int n, const char *name, const struct pkt_spec *s,
		    int prog_fd, int action, int reason)
{
	c[n] = (struct bench_case){ .name = name, .action = action, .reason = reason,
				    .prog_fd = prog_fd,
				    .stats_fd = prog_fd == cmp_prog_fd ? cmp_stats_fd :
						prog_fd == lists_prog_fd ? lists_stats_fd :
						bpf_map__fd(xsc->maps.xsc_stats) };
	c[n].len = pkt_build(s, c[n].frame);
	return n + 1;
}

/* The client's end of a loopback connection to PORT_ALWAYS, for the established-ACK case. */
static uint16_t established_port;

/* Ports of the cases, each with a listener in the private namespace. */
#define PORT_ALWAYS 80		/* engage always: every SYN answered, as before engage existed */
#define PORT_ENGAGED 81		/* engage auto, engaged for the whole run */
#define PORT_QUIET 82		/* engage auto, never engaged: SYNs go to the kernel */
/* engage always, for the kernel-handoff rows: a listener of its own, since each of its
 * SYN-ACKs stamps the listener, and a stamped listener makes every forged ACK to it pay
 * for the kernel-cookie check as well */
#define PORT_KERNEL 83

/* A SYN's spec turned into the client's final ACK for its SYN-ACK (cookie, TSval). */
static void final_ack(struct pkt_spec *s, uint32_t cookie, uint32_t tsval)
{
	s->flags = F_ACK;
	s->seq++;
	s->ack = cookie + 1;
	s->optlen = 0;
	opt_nop(s);
	opt_nop(s);
	opt_ts(s, 123457, tsval);
}

static int build_cases(struct bench_case *c)
{
	int xsc_fd = bpf_program__fd(xsc->progs.xdp_syncookie);
	struct pkt_spec s;
	uint32_t cookie, tsval;
	int n = 0;

	pkt_spec_linux_syn(&s, 4);
	s.dport = PORT_ALWAYS;
	n = add_case(c, n, "baseline: XDP_DROP", &s, bpf_program__fd(base->progs.xdp_drop), XDP_DROP, -1);
	n = add_case(c, n, "baseline: swap + XDP_TX", &s, bpf_program__fd(base->progs.xdp_swap_tx),
		     XDP_TX, -1);
	n = add_case(c, n, "SYN -> SYN-ACK, IPv4", &s, xsc_fd, XDP_TX, XSC_STAT_TX_SYN_COOKIE);
	if (cookie_for(xsc_fd, c[n - 1].frame, c[n - 1].len, &cookie, &tsval))
		return -1;
	if (cmp_obj)
		n = add_case(c, n, "compared: SYN -> SYN-ACK", &s, cmp_prog_fd, XDP_TX,
			     XSC_STAT_TX_SYN_COOKIE);
	s.dport = PORT_ENGAGED;
	n = add_case(c, n, "SYN, auto engaged, IPv4", &s, xsc_fd, XDP_TX, XSC_STAT_TX_SYN_COOKIE);
	s.dport = PORT_QUIET;
	n = add_case(c, n, "SYN, auto quiet -> kernel", &s, xsc_fd, XDP_PASS, XSC_STAT_PASS_SYN_QUIET);
	pkt_spec_linux_syn(&s, 6);
	s.dport = PORT_ALWAYS;
	n = add_case(c, n, "SYN -> SYN-ACK, IPv6", &s, xsc_fd, XDP_TX, XSC_STAT_TX_SYN_COOKIE);

	pkt_spec_linux_syn(&s, 4);
	s.dport = PORT_ALWAYS;
	final_ack(&s, cookie, tsval);
	n = add_case(c, n, "valid cookie ACK, IPv4", &s, xsc_fd, XDP_PASS, XSC_STAT_PASS_ACK_COOKIE_OK);
	/* Reason numbers 8 and 37 are the same in the builds before they were numbered. */
	if (cmp_obj)
		n = add_case(c, n, "compared: valid cookie ACK", &s, cmp_prog_fd, XDP_PASS,
			     XSC_STAT_PASS_ACK_COOKIE_OK);
	s.ack ^= 0x00100000;
	n = add_case(c, n, "invalid cookie ACK, IPv4", &s, xsc_fd, XDP_DROP,
		     XSC_STAT_DROP_ACK_NO_SOCKET);
	if (cmp_obj)
		n = add_case(c, n, "compared: invalid cookie ACK", &s, cmp_prog_fd, XDP_DROP,
			     XSC_STAT_DROP_ACK_NO_SOCKET);

	/* The server's side of an established connection: what most segments are. */
	inet_pton(AF_INET, "127.0.0.1", s.saddr);
	inet_pton(AF_INET, "127.0.0.1", s.daddr);
	s.sport = established_port;
	n = add_case(c, n, "ACK, established, IPv4", &s, xsc_fd, XDP_PASS, XSC_STAT_PASS_ACK_SOCKET);
	n = add_case(c, n, "floor: lookup, established", &s, bpf_program__fd(base->progs.xdp_lookup),
		     XDP_DROP, -1);
	pkt_spec_linux_syn(&s, 4);
	s.dport = PORT_ALWAYS;
	n = add_case(c, n, "floor: lookup, listener", &s, bpf_program__fd(base->progs.xdp_lookup),
		     XDP_DROP, -1);

	/* The kernel handoff: the kernel's cookie, and the final ACK the kernel's check takes. */
	pkt_spec_linux_syn(&s, 4);
	s.dport = PORT_KERNEL;
	n = add_case(c, n, "SYN, kernel handoff, IPv4", &s, kernel_prog_fd, XDP_TX,
		     XSC_STAT_TX_SYN_COOKIE);
	if (cookie_for(kernel_prog_fd, c[n - 1].frame, c[n - 1].len, &cookie, &tsval))
		return -1;
	final_ack(&s, cookie, tsval);
	n = add_case(c, n, "kernel cookie ACK, IPv4", &s, kernel_prog_fd, XDP_PASS,
		     XSC_STAT_PASS_ACK_KERNEL_COOKIE);

	pkt_spec_linux_syn(&s, 4);
	s.l4proto = 17;
	s.optlen = 0;
	n = add_case(c, n, "non-TCP (UDP), IPv4", &s, xsc_fd, XDP_PASS, XSC_STAT_PASS_NOT_TCP);

	/* 1M IPv4 prefixes on the deny list, 1M IPv6 ones on the allow list. */
	pkt_spec_linux_syn(&s, 4);
	s.dport = PORT_ALWAYS;
	n = add_case(c, n, "SYN -> SYN-ACK, 1M deny, v4", &s, lists_prog_fd, XDP_TX,
		     XSC_STAT_TX_SYN_COOKIE);
	inet_pton(AF_INET, LIST_DENIED_SRC, s.saddr);
	n = add_case(c, n, "SYN denied, 1M deny, v4", &s, lists_prog_fd, XDP_DROP,
		     XSC_STAT_DROP_DENIED);
	pkt_spec_linux_syn(&s, 6);
	s.dport = PORT_ALWAYS;
	n = add_case(c, n, "SYN -> SYN-ACK, 1M allow, v6", &s, lists_prog_fd, XDP_TX,
		     XSC_STAT_TX_SYN_COOKIE);
	return n;
}

static int listen_on(uint16_t port, int backlog)
{
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6, .sin6_port = htons(port) };
	int fd = socket(AF_INET6, SOCK_STREAM, 0), off = 0;

	if (fd < 0 || setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off)) ||
	    bind(fd, (void *)&sin6, sizeof(sin6)) || listen(fd, backlog))
		return -1;
	return fd;
}

/*
 * The SYN path answers only SYNs for a listener: listeners in a private network namespace,
 * so nothing else is affected. The quiet port's listener has a backlog no burst of runs
 * can fill (somaxconn raised to allow it), so its SYNs keep passing to the kernel.
 */
static int listeners(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(PORT_ALWAYS),
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sin);
	int fd;

	if (unshare(CLONE_NEWNET) || system("ip link set lo up") ||
	    system("sysctl -qw net.core.somaxconn=2147483647"))
		return -1;
	if (listen_on(PORT_ALWAYS, 16) < 0 || listen_on(PORT_ENGAGED, 16) < 0 ||
	    listen_on(PORT_KERNEL, 16) < 0 ||
	    listen_on(PORT_QUIET, 2147483647) < 0)
		return -1;
	/* One established connection over loopback, for the established-ACK case: the
	 * server's side of it is what that case's tuple finds. Its socket is left open for
	 * the life of the benchmark, and closes with it. */
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (void *)&sin, sizeof(sin)) ||
	    getsockname(fd, (void *)&sin, &len))
		return -1;
	established_port = ntohs(sin.sin_port);
	return 0;
}

/* The cases' policy: port 80 always; 81 and 82 auto, with a rate threshold no burst of runs
 * reaches; port 81 engaged from the start, for an hour. Into a build's own maps. */
/* The policy of the builds before the reflection budget: the same fields without the four
 * budget words, which a compared build of then reads. */
struct policy_before_budget {
	__u32 syn_rate_high, syn_rate_low, hold_s;
	__u8 queue_high, queue_low, engage, lists;
	__u8 port[XSC_PORTS];
};

/* Installs pol behind policy_fd: in this build's layout, or, if the map takes inner maps
 * of the layout before the budget (a compared older build), in that one. */
static int install_any(int policy_fd, const struct xsc_policy *pol)
{
	static struct policy_before_budget old;
	__u32 zero = 0;
	int fd, err;

	if (!policy_install(policy_fd, pol))
		return 0;
	memset(&old, 0, sizeof(old));
	old.syn_rate_high = pol->syn_rate_high;
	old.syn_rate_low = pol->syn_rate_low;
	old.hold_s = pol->hold_s;
	old.queue_high = pol->queue_high;
	old.queue_low = pol->queue_low;
	old.engage = pol->engage;
	memcpy(old.port, pol->port, sizeof(old.port));
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "xsc_policy_v", 4, sizeof(old), 1, NULL);
	err = fd < 0 || bpf_map_update_elem(fd, &zero, &old, BPF_ANY) || bpf_map_freeze(fd) ||
	      bpf_map_update_elem(policy_fd, &zero, &fd, BPF_ANY);
	if (fd >= 0)
		close(fd);
	return err ? -1 : 0;
}

static int set_policy(int policy_fd, int port_state_fd)
{
	static struct xsc_policy pol;
	struct xsc_port_entry e = {};
	struct timespec ts;
	__u32 key = PORT_ENGAGED;

	policy_defaults(&pol);
	pol.engage = XSC_ENGAGE_AUTO;
	budgets_unreachable(&pol);
	pol.port[PORT_ALWAYS] |= XSC_ENGAGE_ALWAYS << XSC_PORT_MODE_SHIFT;
	pol.port[PORT_KERNEL] |= XSC_ENGAGE_ALWAYS << XSC_PORT_MODE_SHIFT;
	pol.syn_rate_high = pol.syn_rate_low = UINT32_MAX;
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	e.st.engaged_since = ts.tv_sec * 1000000000ULL + ts.tv_nsec;
	e.st.busy_until = e.st.engaged_since + 3600 * 1000000000ULL;
	return install_any(policy_fd, &pol) ||
	       bpf_map_update_elem(port_state_fd, &key, &e, BPF_ANY);
}

/* Time the hypervisor gave to others while we ran (/proc/stat "steal"), in ticks. */
static unsigned long long steal_ticks(void)
{
	unsigned long long v[8] = { 0 };
	FILE *f = fopen("/proc/stat", "r");

	if (f) {
		if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
			   &v[4], &v[5], &v[6], &v[7]) != 8)
			v[7] = 0;
		fclose(f);
	}
	return v[7];
}

/* How fast this machine is, in terms anyone can compare: the reference (byte-wise,
 * unoptimized) SipHash-1-3 of a 22-byte IPv4 cookie message, in user space. */
static double calibration_ns(void)
{
	uint8_t key[16] = { 1, 2, 3 }, msg[22] = { 5 };
	volatile uint64_t sink = 0;
	struct timespec a, b;
	const int n = 2000000;

	clock_gettime(CLOCK_MONOTONIC, &a);
	for (int i = 0; i < n; i++) {
		msg[0] = i;
		sink += ref_siphash(1, 3, key, msg, sizeof(msg));
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	return ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / n;
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return v[n / 2];
}

int main(int argc, char **argv)
{
	uint32_t runs = DEFAULT_RUNS;
	const char *compare = NULL, *raw = NULL;
	struct xsc_keyring kr = { .master = { {}, { 0x0123456789abcdefULL, 0xfedcba9876543210ULL } },
				  .gen = 1 };
	static struct bench_case cases[32];
	unsigned long long steal;
	uint32_t zero = 0;
	int n, err = 1;
	cpu_set_t cpus;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--compare") && i + 1 < argc)
			compare = argv[++i];
		else if (!strcmp(argv[i], "--raw") && i + 1 < argc)
			raw = argv[++i];
		else
			runs = strtoul(argv[i], NULL, 0);
	}
	/* One CPU for the whole run, so every round pays the same cache and clock. */
	CPU_ZERO(&cpus);
	CPU_SET(1, &cpus);
	sched_setaffinity(0, sizeof(cpus), &cpus);
	libbpf_set_print(quiet_print);
	if (listeners() < 0) {
		fprintf(stderr, "bench-micro: listeners in a private namespace: %s (run as root)\n",
			strerror(errno));
		return 1;
	}
	xsc = xdp_syncookie__open();
	if (xsc) {
		xsc->rodata->xsc_nr_cpus = libbpf_num_possible_cpus();
		if (xdp_syncookie__load(xsc)) {
			xdp_syncookie__destroy(xsc);
			xsc = NULL;
		}
	}
	base = baselines__open_and_load();
	if (!xsc || !base) {
		fprintf(stderr, "bench-micro: loading programs failed: %s\n", strerror(errno));
		goto out;
	}
	if (bpf_map_update_elem(bpf_map__fd(xsc->maps.xsc_host_keys), &zero, &kr, BPF_ANY))
		goto out;
	if (set_policy(bpf_map__fd(xsc->maps.xsc_policy), bpf_map__fd(xsc->maps.xsc_port_state)) ||
	    (compare && compare_open(compare, &kr)) || lists_open(&kr) || kernel_open())
		goto out;
	n = build_cases(cases);
	if (n < 0) {
		fprintf(stderr, "bench-micro: the SYN case did not produce a SYN-ACK\n");
		goto out;
	}

	/* Rounds outside, cases inside: each round compares cases measured moments apart,
	 * so a neighbour's burst on a shared machine hits the baseline as well. */
	steal = steal_ticks();
	for (int r = 0; r < ROUNDS; r++)
		for (int i = 0; i < n; i++) {
			uint64_t before = cases[i].reason >= 0 ?
						  counter(cases[i].stats_fd, cases[i].reason) : 0;

			cases[i].ns[r] = run_once(cases[i].prog_fd, cases[i].frame, cases[i].len, runs,
						  cases[i].action);
			cases[i].failed |= cases[i].ns[r] < 0;
			if (cases[i].reason >= 0)
				cases[i].moved += counter(cases[i].stats_fd, cases[i].reason) - before;
		}
	steal = steal_ticks() - steal;
	if (raw) {	/* every round's ns per run, for comparisons paired by round */
		FILE *f = fopen(raw, "a");

		for (int i = 0; f && i < n; i++)
			for (int r = 0; r < ROUNDS; r++)
				fprintf(f, "%s\t%d\t%.1f\n", cases[i].name, r, cases[i].ns[r]);
		if (f)
			fclose(f);
	}

	printf("xdp-syncookie micro-benchmark: BPF_PROG_TEST_RUN, %d rounds x %u runs on one CPU.\n"
	       "Every run goes through a restorer that puts the original packet back; its cost is in\n"
	       "the XDP_DROP row. \"above drop\" pairs each round with that round's XDP_DROP.\n\n",
	       ROUNDS, runs);
	printf("%-28s %10s %12s %12s\n", "case", "median ns", "above drop", "best above");
	for (int i = 0; i < n; i++) {
		double above[ROUNDS], abs[ROUNDS];
		uint64_t moved = cases[i].moved;

		if (cases[i].failed || (cases[i].reason >= 0 && moved != (uint64_t)runs * ROUNDS)) {
			printf("%-28s invalid: the program did not return its verdict or counter %s "
			       "moved %llu times, want %llu\n", cases[i].name,
			       cases[i].reason >= 0 ? xsc_reason(cases[i].reason)->name : "-",
			       (unsigned long long)moved, (unsigned long long)runs * ROUNDS);
			cases[i].above = -1;
			continue;
		}
		for (int r = 0; r < ROUNDS; r++) {
			above[r] = cases[i].ns[r] - cases[0].ns[r];
			abs[r] = cases[i].ns[r];
		}
		cases[i].above = median(above, ROUNDS);
		printf("%-28s %10.0f %12.0f", cases[i].name, median(abs, ROUNDS), cases[i].above);
		printf(" %12.0f\n", above[0]);	/* sorted by median() */
	}
	print_goals(cases, n);
	print_shared_lines(cases, n, runs);
	printf("\nlists: %d random IPv4 prefixes (/16-/32) denied and %d IPv6 ones (/32-/64)\n"
	       "allowed, loaded in %.1f s; the sources of the other rows match none\n",
	       LIST_PREFIXES + 1, LIST_PREFIXES, lists_load_s);
	printf("\nsteal time while measuring: %llu ticks (CPU time the hypervisor gave to others)\n"
	       "machine speed: reference SipHash-1-3 of 22 bytes in user space takes %.0f ns here\n",
	       steal, calibration_ns());
	err = 0;
out:
	xdp_syncookie__destroy(xsc);
	xdp_syncookie__destroy(xsc_lists);
	xdp_syncookie__destroy(xsc_kernel);
	baselines__destroy(base);
	bpf_object__close(cmp_obj);
	return err;
}
