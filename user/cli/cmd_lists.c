// SPDX-License-Identifier: GPL-2.0
/* xdp-syncookie allow|deny add|del|list|flush: the prefix lists, changed live. */
#include <errno.h>
#include <string.h>
#include "cmd.h"
#include "lists.h"
#include "lock.h"
#include "log.h"

static const enum opt_id lists_opts[] = { OPT_END };

static int print_prefix(const char *prefix, void *arg)
{
	(void)arg;
	printf("%s\n", prefix);
	return 0;
}

/* The prefixes named on the command line; NULL after a message. */
static struct prefix_set *prefixes_from(const char *what, int argc, char **argv)
{
	struct prefix_set *s = prefix_set_new();
	char err[160];

	if (!s)
		return NULL;
	for (int i = 0; i < argc; i++)
		if (prefix_set_add(s, argv[i], err, sizeof(err))) {
			pr_err("%s: %s\n", what, err);
			prefix_set_free(s);
			return NULL;
		}
	return s;
}

/*
 * A change, under the lock (reading a list takes none, so 'list' never waits behind a
 * reload): add or remove the prefixes of s, or with remove and an empty s, empty the
 * list whole.
 */
static int locked_edit(const char *ifname, enum xsc_list_kind kind, bool add,
		       const struct prefix_set *s, const char *what)
{
	int lock = xsc_lock(what), err;

	if (lock < 0)
		return lock;
	if (!add && !prefix_set_count(s, 4) && !prefix_set_count(s, 6))
		err = lists_replace(ifname, kind, s, what);
	else
		err = lists_edit(ifname, kind, add, s, what);
	xsc_unlock(lock);
	return err;
}

static int run_list(enum xsc_list_kind kind, int argc, char **argv)
{
	const char *sub = argv[0];
	struct prefix_set *s = NULL;
	char what[64];
	int err;

	snprintf(what, sizeof(what), "%s %s", list_name(kind), sub);
	if (strcmp(sub, "add") && strcmp(sub, "del") && strcmp(sub, "list") && strcmp(sub, "flush")) {
		pr_err("%s: '%s' is not add, del, list or flush\n", list_name(kind), sub);
		return EXIT_USAGE;
	}
	if (argc < 2) {
		pr_err("%s: name the interface\n", what);
		return EXIT_USAGE;
	}
	snprintf(what, sizeof(what), "%s %s %s", list_name(kind), sub, argv[1]);
	if (!strcmp(sub, "list") || !strcmp(sub, "flush")) {
		if (argc > 2) {
			pr_err("%s: takes no prefixes\n", what);
			return EXIT_USAGE;
		}
		if (!strcmp(sub, "list"))
			return lists_walk(argv[1], kind, print_prefix, NULL, what) ? EXIT_FAILED : EXIT_OK;
		s = prefix_set_new();
		err = s ? locked_edit(argv[1], kind, false, s, what) : -ENOMEM;
		prefix_set_free(s);
		if (!err)
			pr_info("%s: %s list emptied\n", argv[1], list_name(kind));
		return err ? EXIT_FAILED : EXIT_OK;
	}
	if (argc < 3) {
		pr_err("%s: name at least one prefix\n", what);
		return EXIT_USAGE;
	}
	s = prefixes_from(what, argc - 2, argv + 2);
	if (!s)
		return EXIT_USAGE;
	err = locked_edit(argv[1], kind, !strcmp(sub, "add"), s, what);
	prefix_set_free(s);
	return err ? EXIT_FAILED : EXIT_OK;
}

static int run_allow(const struct opt_values *v, int argc, char **argv)
{
	(void)v;
	return run_list(XSC_LIST_ALLOW, argc, argv);
}

static int run_deny(const struct opt_values *v, int argc, char **argv)
{
	(void)v;
	return run_list(XSC_LIST_DENY, argc, argv);
}

#define LISTS_ARGS "add|del IFACE PREFIX... | list IFACE | flush IFACE"
#define LISTS_EXIT "0 done, 1 failed (not attached, a prefix to remove is not on the list, the\n" \
		   "list is full; nothing changed), 2 usage error or a bad prefix."

const struct command cmd_allow = {
	.name = "allow",
	.args = LISTS_ARGS,
	.summary = "source prefixes never challenged (monitoring hosts, partners)",
	.description =
		"Edits IFACE's allow list live. TCP to a protected port from an allowed source\n"
		"goes to the kernel without a cookie, even while the port is engaged. PREFIX is\n"
		"198.18.0.0/15, 2001:db8::/32 or a single address. The deny list is checked first.\n"
		"A change is all or nothing. 'attach'/'set --allow-file FILE' replace the whole\n"
		"list from a file; 'list' prints it, 'flush' empties it.",
	.exit_status = LISTS_EXIT,
	.opts = lists_opts,
	.min_args = 1,
	.max_args = -1,
	.run = run_allow,
};

const struct command cmd_deny = {
	.name = "deny",
	.args = LISTS_ARGS,
	.summary = "source prefixes whose TCP to protected ports is dropped",
	.description =
		"Edits IFACE's deny list live. TCP to a protected port from a denied source is\n"
		"dropped in XDP and counted ('denied') before anything else is done with it.\n"
		"PREFIX is 198.18.0.0/15, 2001:db8::/32 or a single address. A change is all or\n"
		"nothing. 'attach'/'set --deny-file FILE' replace the whole list from a file;\n"
		"'list' prints it, 'flush' empties it.",
	.exit_status = LISTS_EXIT,
	.opts = lists_opts,
	.min_args = 1,
	.max_args = -1,
	.run = run_deny,
};
