// SPDX-License-Identifier: GPL-2.0
/* What every command shares: its --help, and which interfaces it is about. */
#include <stdio.h>
#include "cmd.h"
#include "log.h"

void cmd_usage(const struct command *c, FILE *f)
{
	fprintf(f, "Usage: xdp-syncookie %s %s\n\n%s\n\n", c->name, c->args, c->description);
	opts_help(f, c->opts);
	fprintf(f, "\nExit status: %s\n", c->exit_status);
}

int cmd_targets(const char *cmd, int argc, char **argv, char names[][IF_NAMESIZE])
{
	struct pin_paths pp;

	if (pin_paths(NULL, &pp)) {
		pr_err("%s: no BPF filesystem at %s (set LIBXDP_BPFFS if it is elsewhere)\n", cmd,
		       pin_fs());
		return -EXIT_FAILED;
	}
	if (argc > CMD_MAX_IFACES) {
		pr_err("%s: more than %d interfaces\n", cmd, CMD_MAX_IFACES);
		return -EXIT_USAGE;
	}
	for (int i = 0; i < argc; i++)
		snprintf(names[i], IF_NAMESIZE, "%s", argv[i]);
	return argc ? argc : pin_list(&pp, names, CMD_MAX_IFACES);
}
