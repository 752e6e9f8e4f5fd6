// SPDX-License-Identifier: GPL-2.0
/* xdp-syncookie: command table and dispatch. */
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>
#include <string.h>
#include "cmd.h"
#include "lock.h"
#include "log.h"
#include "reasons.h"

#define XSC_VERSION "0.3.0"

static const enum opt_id no_opts[] = { OPT_END };

static int run_version(const struct opt_values *v, int argc, char **argv)
{
	(void)v, (void)argc, (void)argv;
	printf("xdp-syncookie %s\n", XSC_VERSION);
	return EXIT_OK;
}

static int run_reasons(const struct opt_values *v, int argc, char **argv)
{
	(void)v, (void)argc, (void)argv;
	for (unsigned int i = 0; i < XSC_STAT_SLOTS; i++) {
		const struct xsc_reason_info *r = xsc_reason(i);

		if (r)
			printf("%2u %-22s %-4s  %s\n", i, r->name, r->verdict, r->desc);
	}
	return EXIT_OK;
}

static int run_help(const struct opt_values *v, int argc, char **argv);

static const struct command cmd_reasons = {
	.name = "reasons", .args = "", .opts = no_opts, .exit_status = "0.", .unprivileged = true,
	.summary = "list every counter with its number, verdict and meaning",
	.description = "Lists every counter: its stable number, its verdict (pass: on to the kernel,\n"
		       "tx: answered from XDP, drop) and what it counts.",
	.run = run_reasons,
};
static const struct command cmd_version = {
	.name = "version", .args = "", .opts = no_opts, .exit_status = "0.", .unprivileged = true,
	.summary = "print the version", .description = "Prints the version.", .run = run_version,
};
static const struct command cmd_help = {
	.name = "help", .args = "", .opts = no_opts, .exit_status = "0.", .unprivileged = true,
	.summary = "show this help", .description = "Lists the commands.", .run = run_help,
};

static const struct command *const commands[] = {
	&cmd_attach, &cmd_set, &cmd_detach, &cmd_status, &cmd_stats, &cmd_events,
	&cmd_allow, &cmd_deny, &cmd_key, &cmd_run, &cmd_reasons, &cmd_version, &cmd_help,
};

static int run_help(const struct opt_values *v, int argc, char **argv)
{
	(void)v, (void)argc, (void)argv;
	printf("Usage: xdp-syncookie COMMAND [options] [IFACE...]\n\n"
	       "SYN-flood protection in XDP: while a port is under pressure, SYNs are answered\n"
	       "with cookie SYN-ACKs before the kernel allocates anything, and valid cookie ACKs\n"
	       "become ordinary sockets; in peacetime the kernel answers as usual.\n\n"
	       "Commands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(*commands); i++)
		printf("  %-8s %s\n", commands[i]->name, commands[i]->summary);
	printf("\n'xdp-syncookie COMMAND --help' describes each command. Pins live under\n"
	       "$LIBXDP_BPFFS/xdp-syncookie or /sys/fs/bpf/xdp-syncookie.\n"
	       "Exit status: 0 success, 1 the operation failed, 2 usage error.\n");
	return EXIT_OK;
}

/* Whether this process may use BPF: root, or CAP_BPF in its effective set (what a reader
 * of an 'attach --group' needs beside the group). */
static bool may_use_bpf(void)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2] = {};

	if (geteuid() == 0)
		return true;
	return !syscall(SYS_capget, &h, d) && (d[CAP_BPF / 32].effective >> (CAP_BPF % 32) & 1);
}

static int run_command(const struct command *c, int argc, char **argv)
{
	struct opt_values v;
	int first = opts_parse(c->opts, argc, argv, &v), n;

	if (first == -1) {
		cmd_usage(c, stdout);
		return EXIT_OK;
	}
	if (first < 0) {
		fprintf(stderr, "(try 'xdp-syncookie %s --help')\n", c->name);
		return EXIT_USAGE;
	}
	if (!c->unprivileged && !may_use_bpf()) {
		pr_err("%s: needs root: it loads and reads BPF programs and maps (run it as root; "
		       "members of an 'attach --group' may read 'stats' and 'status' with CAP_BPF)\n",
		       c->name);
		return EXIT_FAILED;
	}
	n = argc - first;
	if (n < c->min_args || (c->max_args >= 0 && n > c->max_args)) {
		if (n < c->min_args)
			pr_err("%s: name at least one interface\n", c->name);
		else
			pr_err("%s: too many arguments\n", c->name);
		cmd_usage(c, stderr);
		return EXIT_USAGE;
	}
	if (c->locks) {
		int lock = xsc_lock(c->name), rc;

		if (lock < 0)
			return EXIT_FAILED;
		rc = c->run(&v, n, argv + first);
		xsc_unlock(lock);
		return rc;
	}
	return c->run(&v, n, argv + first);
}

int main(int argc, char **argv)
{
	log_setup_libs();
	if (argc < 2) {
		run_help(NULL, 0, NULL);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))
		return run_help(NULL, 0, NULL);
	for (size_t i = 0; i < sizeof(commands) / sizeof(*commands); i++)
		if (!strcmp(argv[1], commands[i]->name))
			return run_command(commands[i], argc - 1, argv + 1);
	fprintf(stderr, "xdp-syncookie: unknown command '%s' (try 'xdp-syncookie help')\n", argv[1]);
	return EXIT_USAGE;
}
