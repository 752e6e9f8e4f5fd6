// SPDX-License-Identifier: GPL-2.0
/* xdp-syncookie set: change the policy of attached interfaces, live and whole. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "cmd.h"
#include "failpoint.h"
#include "lists.h"
#include "mapset.h"
#include "log.h"

static const enum opt_id set_opts[] = { OPTS_POLICY, OPT_ALLOW_FILE, OPT_DENY_FILE, OPT_END };

struct target {
	int outer_fd;
	int lists_fd[2];		/* xsc_lists4, xsc_lists6 */
	struct xsc_policy pol;
	/* What was in force, for a set that fails part-way: the policy, and per list kind
	 * the tries it replaced (fd, -1 for none) once saved[kind]. */
	struct xsc_policy old;
	int old_trie[XSC_LIST_KINDS][2];
	bool saved[XSC_LIST_KINDS];
};

/* The list files, read once for every interface; NULL where not given. */
struct inputs {
	struct prefix_set *list[XSC_LIST_KINDS];
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
	err = mapset_check_pins(&pp, what);
	if (err)
		return err;
	t->outer_fd = pin_open_map(&pp, XSC_MAP_POLICY, 0);
	t->lists_fd[0] = pin_open_map(&pp, XSC_MAP_LISTS4, 0);
	t->lists_fd[1] = pin_open_map(&pp, XSC_MAP_LISTS6, 0);
	err = t->outer_fd < 0 ? t->outer_fd : t->lists_fd[0] < 0 ? t->lists_fd[0] : t->lists_fd[1];
	if (err < 0) {
		pr_err("%s: %s\n", what, err == -ENOENT ? "not attached" : strerror(-err));
		return err;
	}
	err = policy_read(t->outer_fd, &t->pol);
	if (err) {
		pr_err("%s: reading the policy in force: %s\n", what, strerror(-err));
		return err;
	}
	err = failpoint("set.policy_read");
	if (err)
		return err;
	t->old = t->pol;
	return policy_apply(&t->pol, c, what);
}

/* Holds the tries in force for a list kind, so a failed set can put them back. */
static void save_tries(struct target *t, __u32 kind)
{
	for (int f = 0; f < 2; f++) {
		__u32 id = 0;

		t->old_trie[kind][f] = bpf_map_lookup_elem(t->lists_fd[f], &kind, &id) || !id ?
					       -1 : bpf_map_get_fd_by_id(id);
	}
	t->saved[kind] = true;
}

/* Undoes a set that failed part-way, in reverse: the old policy, then the old tries. */
static void undo(const char *what, struct target *t)
{
	bool whole = !policy_install(t->outer_fd, &t->old);

	for (__u32 kind = 0; kind < XSC_LIST_KINDS; kind++) {
		for (int f = 0; f < 2 && t->saved[kind]; f++) {
			int fd = t->old_trie[kind][f];

			if (fd >= 0 ? bpf_map_update_elem(t->lists_fd[f], &kind, &fd, BPF_ANY) :
				      bpf_map_delete_elem(t->lists_fd[f], &kind) && errno != ENOENT)
				whole = false;
		}
	}
	if (!whole)
		pr_err("%s: could not put everything back; check 'xdp-syncookie status' and set "
		       "the policy again\n", what);
}

static void release_tries(struct target *t)
{
	for (int kind = 0; kind < XSC_LIST_KINDS; kind++)
		for (int f = 0; f < 2 && t->saved[kind]; f++)
			if (t->old_trie[kind][f] >= 0)
				close(t->old_trie[kind][f]);
}

/* Puts the lists and then the policy in force: the policy marks which lists are in use.
 * On failure what was in force goes back. */
static int install(const char *ifname, struct target *t, const struct inputs *in)
{
	char what[64];
	int err = 0;

	snprintf(what, sizeof(what), "set %s", ifname);
	for (int kind = 0; kind < XSC_LIST_KINDS && !err; kind++) {
		if (!in->list[kind])
			continue;
		save_tries(t, kind);
		err = lists_swap(t->lists_fd[0], t->lists_fd[1], kind, in->list[kind],
				 &t->pol.lists, what);
	}
	err = err ?: failpoint("set.lists_swapped");
	if (!err && (err = policy_install(t->outer_fd, &t->pol)))
		pr_err("%s: installing the policy: %s\n", what, strerror(-err));
	err = err ?: failpoint("set.policy_installed");
	if (err)
		undo(what, t);
	return err;
}

static int read_inputs(const struct opt_values *v, struct inputs *in)
{
	if (opt_given(v, OPT_ALLOW_FILE) &&
	    prefix_file_read(v->str[OPT_ALLOW_FILE], &in->list[XSC_LIST_ALLOW], "set --allow-file"))
		return -EINVAL;
	if (opt_given(v, OPT_DENY_FILE) &&
	    prefix_file_read(v->str[OPT_DENY_FILE], &in->list[XSC_LIST_DENY], "set --deny-file"))
		return -EINVAL;
	return 0;
}

static int run(const struct opt_values *v, int argc, char **argv)
{
	struct target *t = calloc(argc, sizeof(*t));
	struct inputs in = {};
	int rc = EXIT_OK, i, err = 0;

	if (!t)
		return EXIT_FAILED;
	for (i = 0; i < argc; i++)
		t[i].outer_fd = t[i].lists_fd[0] = t[i].lists_fd[1] = -1;
	if (!(v->given & ~(1UL << OPT_VERBOSE))) {
		pr_err("set: name what to change (see 'xdp-syncookie set --help')\n");
		rc = EXIT_USAGE;
		goto out;
	}
	if (read_inputs(v, &in)) {
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
		if (install(argv[i], &t[i], &in)) {
			rc = EXIT_FAILED;
			continue;
		}
		pr_info("%s: policy set (engage %s, %d protected ports)\n", argv[i],
			policy_mode_name(t[i].pol.engage), policy_count_protected(&t[i].pol));
	}
out:
	for (i = 0; i < argc; i++) {
		if (t[i].outer_fd >= 0)
			close(t[i].outer_fd);
		for (int f = 0; f < 2; f++)
			if (t[i].lists_fd[f] >= 0)
				close(t[i].lists_fd[f]);
		release_tries(&t[i]);
	}
	for (int kind = 0; kind < XSC_LIST_KINDS; kind++)
		prefix_set_free(in.list[kind]);
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
		"that leaves it loses its --port-engage mode). --allow-file and --deny-file replace\n"
		"those lists whole (each family's list swaps in one step). Engage states and\n"
		"counters stay.",
	.exit_status = "0 changed, 1 failed (an interface not attached, ...), 2 usage error or\n"
		       "an invalid value (nothing changed).",
	.opts = set_opts,
	.min_args = 1,
	.max_args = -1,
	.run = run,
	.locks = true,
};
