// SPDX-License-Identifier: GPL-2.0
/* xdp-syncookie set: change the policy of attached interfaces, live and whole. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cmd.h"
#include "log.h"

static const enum opt_id set_opts[] = { OPTS_POLICY, OPT_END };

struct target {
	int outer_fd;
	struct xsc_policy pol;
};

/* Reads the interface's policy and applies the change to a copy; nothing is installed. */
static int prepare(const char *ifname, const struct policy_change *c, struct target *t)
{
	struct pin_paths pp;
	char what[64];
	int err;

	snprintf(what, sizeof(what), "set %s", ifname);
	err = pin_paths(ifname, &pp);
	if (err) {
		pr_err("%s: no BPF filesystem at %s (set LIBXDP_BPFFS if it is elsewhere)\n", what,
		       pin_fs());
		return err;
	}
	t->outer_fd = pin_open_map(&pp, XSC_MAP_POLICY, 0);
	if (t->outer_fd < 0) {
		pr_err("%s: %s\n", what, t->outer_fd == -ENOENT ? "not attached" :
			strerror(-t->outer_fd));
		return t->outer_fd;
	}
	err = policy_read(t->outer_fd, &t->pol);
	if (err) {
		pr_err("%s: reading the policy in force: %s\n", what, strerror(-err));
		return err;
	}
	return policy_apply(&t->pol, c, what);
}

static int run(const struct opt_values *v, int argc, char **argv)
{
	struct target *t = calloc(argc, sizeof(*t));
	int rc = EXIT_OK, i, err = 0;

	if (!t)
		return EXIT_FAILED;
	for (i = 0; i < argc; i++)
		t[i].outer_fd = -1;
	if (!(v->given & ~(1UL << OPT_VERBOSE))) {
		pr_err("set: name what to change (see 'xdp-syncookie set --help')\n");
		rc = EXIT_USAGE;
		goto out;
	}
	/* Every interface is checked before any changes: an error changes nothing. */
	for (i = 0; i < argc && !err; i++)
		err = prepare(argv[i], &v->policy, &t[i]);
	if (err) {
		rc = err == -EINVAL ? EXIT_USAGE : EXIT_FAILED;
		goto out;
	}
	for (i = 0; i < argc; i++) {
		err = policy_install(t[i].outer_fd, &t[i].pol);
		if (err) {
			pr_err("set %s: installing the policy: %s\n", argv[i], strerror(-err));
			rc = EXIT_FAILED;
			continue;
		}
		pr_info("%s: policy set (engage %s, %d protected ports)\n", argv[i],
			policy_mode_name(t[i].pol.engage), policy_count_protected(&t[i].pol));
	}
out:
	for (i = 0; i < argc; i++)
		if (t[i].outer_fd >= 0)
			close(t[i].outer_fd);
	free(t);
	return rc;
}

const struct command cmd_set = {
	.name = "set",
	.args = "IFACE... [options]",
	.summary = "change ports, engage modes and thresholds live",
	.description =
		"Changes the policy of attached interfaces without re-attaching: what it does\n"
		"not name keeps its value. The change is checked for every IFACE first and an\n"
		"error changes nothing; it then takes effect whole, so a packet sees the old\n"
		"policy or the new one, never a mix. --ports replaces the protected set (a port\n"
		"that leaves it loses its --port-engage mode). Engage states and counters stay.",
	.exit_status = "0 changed, 1 failed (an interface not attached, ...), 2 usage error or\n"
		       "an invalid value (nothing changed).",
	.opts = set_opts,
	.min_args = 1,
	.max_args = -1,
	.run = run,
};
