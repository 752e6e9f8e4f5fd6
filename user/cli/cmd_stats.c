// SPDX-License-Identifier: GPL-2.0
/* xdp-syncookie stats: every counter by reason, summed over CPUs, and port states, as text or JSON. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cmd.h"
#include "export.h"
#include "log.h"

static const enum opt_id stats_opts[] = { OPT_JSON, OPT_ALL, OPT_END };

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
	int fd, err = pol ? 0 : -ENOMEM;

	json_object_object_add(o, "counters", json_counters(totals));
	if (!err) {
		fd = pin_open_map(pp, XSC_MAP_POLICY, 0);
		err = fd < 0 ? fd : policy_read(fd, pol);
		if (fd >= 0)
			close(fd);
	}
	if (!err) {
		json_object_object_add(o, "policy", json_policy(pol));
		err = ports_read(pp, add_port, &pj);
	}
	json_object_object_add(o, "ports", pj.ports);
	free(pol);
	*out = o;
	return err;
}

static int run(const struct opt_values *v, int argc, char **argv)
{
	char names[CMD_MAX_IFACES][IF_NAMESIZE];
	bool json = opt_given(v, OPT_JSON), all = opt_given(v, OPT_ALL);
	int n = cmd_targets("stats", argc, argv, names), rc = EXIT_OK;
	json_object *root, *ifaces;
	struct pin_paths pp;

	if (n < 0)
		return -n;
	root = json_object_new_object();
	ifaces = json_object_new_object();
	json_object_object_add(root, "interfaces", ifaces);
	for (int i = 0; i < n; i++) {
		__u64 totals[XSC_STAT_SLOTS];
		json_object *o = NULL;
		int err = pin_paths(names[i], &pp);

		err = err ?: stats_read(&pp, totals);
		if (!err && json)
			err = iface_json(&pp, totals, &o);
		if (err) {
			pr_err("stats %s: %s\n", names[i],
			       err == -ENOENT ? "not attached" :
			       err == -EPROTO ? "pinned maps are from another version" : strerror(-err));
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
	.summary = "print the counters (text, or --json with policy and port states)",
	.description =
		"Prints the counters of IFACE (default: every attached interface), one per verdict\n"
		"reason, summed over CPUs; 'xdp-syncookie reasons' explains each one. --json prints\n"
		"{\"interfaces\": {IFACE: {\"counters\": {reason: count}, \"policy\": {...},\n"
		"\"ports\": {PORT: engage state}}}} with every counter.",
	.exit_status = "0 printed, 1 an interface is not attached or unreadable, 2 usage.",
	.opts = stats_opts,
	.min_args = 0,
	.max_args = -1,
	.run = run,
};
