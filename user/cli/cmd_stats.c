// SPDX-License-Identifier: GPL-2.0
/* xdp-syncookie stats: counters and port states as text, JSON or Prometheus, or live rates. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "cmd.h"
#include "mapset.h"
#include "export.h"
#include "log.h"

static const enum opt_id stats_opts[] = { OPT_JSON, OPT_PROMETHEUS, OPT_WATCH, OPT_INTERVAL,
					  OPT_COUNT, OPT_ALL, OPT_END };
/* The output forms; a run prints one. */
static const enum opt_id forms[] = { OPT_JSON, OPT_PROMETHEUS, OPT_WATCH };
/* What only --watch uses. */
static const enum opt_id watch_only[] = { OPT_INTERVAL, OPT_COUNT };

struct ports_json {
	json_object *ports;
	const struct xsc_policy *pol;
};

static int add_port(const struct port_view *v, void *arg)
{
	struct ports_json *pj = arg;
	char key[8];

	snprintf(key, sizeof(key), "%u", v->port);
	json_object_object_add(pj->ports, key, json_port(v, pj->pol));
	return 0;
}

/* {"counters": {...}, "policy": {...}, "ports": {...}} for one interface. */
static int iface_json(const struct pin_paths *pp, const __u64 *totals, json_object **out)
{
	struct xsc_policy *pol = malloc(sizeof(*pol));
	struct ports_json pj = { .ports = json_object_new_object(), .pol = pol };
	json_object *o = json_object_new_object();
	int err = pol ? policy_read_pinned(pp, pol) : -ENOMEM;

	json_object_object_add(o, "counters", json_counters(totals));
	if (!err) {
		json_object_object_add(o, "policy", json_policy(pol));
		err = ports_read(pp, add_port, &pj);
	}
	json_object_object_add(o, "ports", pj.ports);
	free(pol);
	*out = o;
	return err;
}

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* Sleeps until then (CLOCK_MONOTONIC ns) or a signal: refreshes keep their pace however
 * long the reads take. */
static void sleep_until(__u64 then)
{
	struct timespec ts = { .tv_sec = then / 1000000000ULL, .tv_nsec = then % 1000000000ULL };

	while (!stop && clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

/* One watched interface: its last two reads, by refresh parity. */
struct watched {
	struct stats_snapshot snap[2];
	int err[2];
};

/* One refresh: on a terminal the screen is redrawn; otherwise every line is appended,
 * stamped with the time and the interface, for logs and scripts. */
static void show_rates(char names[][IF_NAMESIZE], int n, struct watched *w, unsigned long k,
		       bool tty, double interval, bool all)
{
	char when[48], prefix[96];

	text_time(when, sizeof(when), mono_to_unix(now_ns()));
	if (tty)
		printf("\033[H\033[2J%s, every %g s (Ctrl-C stops)\n", when, interval);
	for (int i = 0; i < n; i++) {
		int cur = k & 1, prev = !cur;

		if (tty)
			printf("\n%s\n", names[i]);
		snprintf(prefix, sizeof(prefix), tty ? "  " : "%s %s ", when, names[i]);
		if (w[i].err[cur])
			printf("%s%s\n", prefix, pin_strerror(w[i].err[cur]));
		else if (w[i].err[prev])
			printf("%sreadable again: rates from the next refresh\n", prefix);
		else
			text_rates(stdout, prefix, &w[i].snap[prev], &w[i].snap[cur], all);
	}
	fflush(stdout);
}

/* Reads every interface each interval and shows what moved, until a signal or --count.
 * An interface must be readable at the start; one that goes away later is shown as
 * such, and comes back when it is attached again. */
static int watch(const struct opt_values *v, char names[][IF_NAMESIZE], int n)
{
	__u64 interval_ns = (opt_given(v, OPT_INTERVAL) ? v->num[OPT_INTERVAL] :
			     OPT_INTERVAL_DEFAULT_MS) * 1000000ULL;
	unsigned long limit = v->num[OPT_COUNT];
	struct watched *w = calloc(n, sizeof(*w));
	bool tty = isatty(STDOUT_FILENO);
	int rc = EXIT_OK;
	__u64 start;

	if (n == 0) {
		pr_err("stats --watch: no interface attached\n");
		free(w);
		return EXIT_FAILED;
	}
	if (!w) {
		pr_err("stats --watch: %s\n", strerror(ENOMEM));
		return EXIT_FAILED;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	start = now_ns();
	for (int i = 0; i < n; i++) {
		w[i].err[0] = snapshot_read(names[i], &w[i].snap[0]);
		if (w[i].err[0]) {
			pr_err("stats %s: %s\n", names[i], pin_strerror(w[i].err[0]));
			rc = EXIT_FAILED;
		}
	}
	for (unsigned long k = 1; rc == EXIT_OK && !(limit && k > limit); k++) {
		sleep_until(start + k * interval_ns);
		if (stop)
			break;
		for (int i = 0; i < n; i++) {
			snapshot_free(&w[i].snap[k & 1]);
			w[i].err[k & 1] = snapshot_read(names[i], &w[i].snap[k & 1]);
		}
		show_rates(names, n, w, k, tty, interval_ns / 1e9, opt_given(v, OPT_ALL));
	}
	for (int i = 0; i < n; i++) {
		snapshot_free(&w[i].snap[0]);
		snapshot_free(&w[i].snap[1]);
	}
	free(w);
	return rc;
}

/* One output form, and --watch's options only with --watch. */
static int check_forms(const struct opt_values *v)
{
	int form = -1;

	for (size_t i = 0; i < sizeof(forms) / sizeof(*forms); i++) {
		if (!opt_given(v, forms[i]))
			continue;
		if (form >= 0) {
			pr_err("stats: --%s and --%s do not go together (pick one output)\n",
			       opt_name(forms[form]), opt_name(forms[i]));
			return -EINVAL;
		}
		form = i;
	}
	for (size_t i = 0; i < sizeof(watch_only) / sizeof(*watch_only); i++) {
		if (opt_given(v, watch_only[i]) && !opt_given(v, OPT_WATCH)) {
			pr_err("stats: --%s needs --watch\n", opt_name(watch_only[i]));
			return -EINVAL;
		}
	}
	return 0;
}

static int run(const struct opt_values *v, int argc, char **argv)
{
	char names[CMD_MAX_IFACES][IF_NAMESIZE];
	bool json = opt_given(v, OPT_JSON), all = opt_given(v, OPT_ALL);
	int n, rc = EXIT_OK;
	json_object *root, *ifaces;
	struct pin_paths pp;

	if (check_forms(v))
		return EXIT_USAGE;
	n = cmd_targets("stats", argc, argv, names);
	if (n < 0)
		return -n;
	if (opt_given(v, OPT_WATCH))
		return watch(v, names, n);
	if (opt_given(v, OPT_PROMETHEUS))
		return prom_write(stdout, names, n) ? EXIT_FAILED : EXIT_OK;
	root = json_object_new_object();
	ifaces = json_object_new_object();
	json_object_object_add(root, "interfaces", ifaces);
	for (int i = 0; i < n; i++) {
		__u64 totals[XSC_STAT_SLOTS];
		json_object *o = NULL;
		int err = pin_paths(names[i], &pp);
		char what[64];

		snprintf(what, sizeof(what), "stats %.*s", IF_NAMESIZE, names[i]);
		if (!err && mapset_check_pins(&pp, what)) {
			rc = EXIT_FAILED;
			continue;
		}
		err = err ?: stats_read(&pp, totals);
		if (!err && json)
			err = iface_json(&pp, totals, &o);
		if (err) {
			pr_err("stats %s: %s\n", names[i], pin_strerror(err));
			json_object_put(o);
			rc = EXIT_FAILED;
			continue;
		}
		if (json) {
			json_object_object_add(ifaces, names[i], o);
		} else {
			printf("%s\n", names[i]);
			text_counters(stdout, totals, all);
		}
	}
	if (json)
		printf("%s\n", json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY));
	else if (n == 0)
		printf("no interface attached\n");
	json_object_put(root);
	return rc;
}

const struct command cmd_stats = {
	.name = "stats",
	.args = "[IFACE...] [options]",
	.summary = "print the counters (text, --json, --prometheus) or follow their rates (--watch)",
	.description =
		"Prints the counters of IFACE (default: every attached interface), one per verdict\n"
		"reason, summed over CPUs; 'xdp-syncookie reasons' explains each one. --json prints\n"
		"{\"interfaces\": {IFACE: {\"counters\": {reason: count}, \"policy\": {...},\n"
		"\"ports\": {PORT: engage state}}}} with every counter. --prometheus prints the\n"
		"Prometheus text format: xdp_syncookie_packets_total{interface,reason,verdict} for\n"
		"every reason, the policy, and per active port its engage state, SYN rate, cookies\n"
		"and queues. --watch shows, every --interval, the packets per second by verdict, each\n"
		"reason that moved and each port sending cookies (--all: every reason and active\n"
		"port), redrawn on a terminal, else appended as lines starting with the time and\n"
		"the interface; it runs until interrupted or for --count refreshes.",
	.exit_status = "0 printed (--watch: interrupted or --count done), 1 an interface is not\n"
		       "attached or unreadable (--watch: at the start), 2 usage.",
	.opts = stats_opts,
	.min_args = 0,
	.max_args = -1,
	.run = run,
};
