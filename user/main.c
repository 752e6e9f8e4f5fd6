// SPDX-License-Identifier: GPL-2.0
/* xdp-syncookie: command table and dispatch. */
#include <stdio.h>
#include <string.h>
#include "cmd.h"
#include "log.h"
#include "reasons.h"

#define XSC_VERSION "0.2.0"

static int cmd_help(int argc, char **argv);

static int cmd_version(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("xdp-syncookie %s\n", XSC_VERSION);
	return EXIT_OK;
}

static int cmd_reasons(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	for (unsigned int i = 0; i < XSC_STAT_MAX; i++) {
		const struct xsc_reason_info *r = xsc_reason(i);

		printf("%-22s %-4s  %s\n", r->name, r->verdict, r->desc);
	}
	return EXIT_OK;
}

static const struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
} commands[] = {
	{ "attach", cmd_attach, "protect interfaces: XDP cookies + TC handoff + pinned maps" },
	{ "detach", cmd_detach, "remove everything attach made" },
	{ "status", cmd_status, "show what is attached where, and how" },
	{ "stats", cmd_stats, "print the counters (text or --json)" },
	{ "reasons", cmd_reasons, "list every counter with its verdict and meaning" },
	{ "version", cmd_version, "print the version" },
	{ "help", cmd_help, "show this help" },
};

static int cmd_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("Usage: xdp-syncookie COMMAND [options] [IFACE...]\n\n"
	       "SYN-flood protection in XDP: SYNs are answered with cookie SYN-ACKs before the\n"
	       "kernel allocates anything; valid cookie ACKs become ordinary sockets.\n\n"
	       "Commands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(*commands); i++)
		printf("  %-8s %s\n", commands[i].name, commands[i].summary);
	printf("\n'xdp-syncookie COMMAND --help' describes each command. Pins live under\n"
	       "$LIBXDP_BPFFS/xdp-syncookie or /sys/fs/bpf/xdp-syncookie.\n"
	       "Exit status: 0 success, 1 the operation failed, 2 usage error.\n");
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	log_setup_libs();
	if (argc < 2) {
		cmd_help(0, NULL);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))
		return cmd_help(0, NULL);
	for (size_t i = 0; i < sizeof(commands) / sizeof(*commands); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "xdp-syncookie: unknown command '%s' (try 'xdp-syncookie help')\n", argv[1]);
	return EXIT_USAGE;
}
