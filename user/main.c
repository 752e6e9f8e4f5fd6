// SPDX-License-Identifier: GPL-2.0
/* xdp-syncookie: command table and dispatch. */
#include <stdio.h>
#include <string.h>
#include "reasons.h"

#define XSC_VERSION "0.1.0"

static int cmd_help(int argc, char **argv);

static int cmd_version(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("xdp-syncookie %s\n", XSC_VERSION);
	return 0;
}

static int cmd_reasons(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	for (unsigned int i = 0; i < XSC_STAT_MAX; i++) {
		const struct xsc_reason_info *r = xsc_reason(i);

		printf("%-22s %-4s %s\n", r->name, r->verdict, r->desc);
	}
	return 0;
}

static const struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
} commands[] = {
	{ "help", cmd_help, "show this help" },
	{ "version", cmd_version, "print the version" },
	{ "reasons", cmd_reasons, "list every counter with its verdict and meaning" },
};

static int cmd_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("Usage: xdp-syncookie COMMAND [options]\n\nCommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(*commands); i++)
		printf("  %-10s %s\n", commands[i].name, commands[i].summary);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		cmd_help(0, NULL);
		return 2;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(*commands); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "xdp-syncookie: unknown command '%s' (try 'xdp-syncookie help')\n", argv[1]);
	return 2;
}
