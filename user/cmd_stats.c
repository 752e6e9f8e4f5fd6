// SPDX-License-Identifier: GPL-2.0
/* xdp-syncookie stats: every counter by reason, summed over CPUs, as text or JSON. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <json-c/json.h>
#include "cmd.h"
#include "log.h"
#include "reasons.h"
#include "stats.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: xdp-syncookie stats [IFACE] [options]\n"
		"\n"
		"Prints the counters of IFACE (default: every attached interface), one per\n"
		"verdict reason, summed over CPUs. 'xdp-syncookie reasons' explains each one.\n"
		"\n"
		"Options:\n"
		"  -j, --json        one JSON object: {\"interfaces\": {IFACE: {reason: count}}}\n"
		"  -a, --all         also print counters that are zero (JSON always has all)\n"
		"  -v, --verbose     show library messages\n"
		"  -h, --help        show this help\n"
		"\n"
		"Exit status: 0 printed, 1 an interface is not attached or unreadable, 2 usage.\n");
}

static void print_text(const char *ifname, const __u64 *totals, bool all)
{
	printf("%s\n  %-22s %-7s %16s\n", ifname, "reason", "verdict", "packets");
	for (unsigned int i = 0; i < XSC_STAT_MAX; i++) {
		const struct xsc_reason_info *r = xsc_reason(i);

		if (all || totals[i])
			printf("  %-22s %-7s %16llu\n", r->name, r->verdict,
			       (unsigned long long)totals[i]);
	}
}

static json_object *to_json(const __u64 *totals)
{
	json_object *o = json_object_new_object();

	for (unsigned int i = 0; i < XSC_STAT_MAX; i++)
		json_object_object_add(o, xsc_reason(i)->name, json_object_new_uint64(totals[i]));
	return o;
}

int cmd_stats(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "all", no_argument, NULL, 'a' },
		COMMON_LONG_OPTS,
		{}
	};
	char names[CMD_MAX_IFACES][IF_NAMESIZE];
	bool json = false, all = false;
	int c, opt_rc, verbose = 0, n, rc = EXIT_OK;
	json_object *root, *ifaces;
	struct pin_paths pp;

	while ((c = getopt_long(argc, argv, "javh", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'a':
			all = true;
			break;
		default:
			if ((opt_rc = cmd_common_opt(c, &verbose, usage)) != OPT_CONTINUE)
				return opt_rc;
		}
	}
	n = cmd_targets("stats", argc, argv, optind, usage, names);
	if (n < 0)
		return -n;

	root = json_object_new_object();
	ifaces = json_object_new_object();
	json_object_object_add(root, "interfaces", ifaces);
	for (int i = 0; i < n; i++) {
		__u64 totals[XSC_STAT_MAX];
		int err = pin_paths(names[i], &pp);

		err = err ?: stats_read(&pp, totals);
		if (err) {
			pr_err("stats %s: %s\n", names[i],
			       err == -ENOENT ? "not attached" :
			       err == -EPROTO ? "pinned counters are from another version" :
						strerror(-err));
			rc = EXIT_FAILED;
			continue;
		}
		if (json)
			json_object_object_add(ifaces, names[i], to_json(totals));
		else
			print_text(names[i], totals, all);
	}
	if (json)
		printf("%s\n", json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY));
	else if (n == 0)
		printf("no interface attached\n");
	json_object_put(root);
	return rc;
}
