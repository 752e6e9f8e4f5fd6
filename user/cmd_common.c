// SPDX-License-Identifier: GPL-2.0
/* What every command parses the same way: -v, -h, and which interfaces it is about. */
#include <stdio.h>
#include "cmd.h"
#include "log.h"

int cmd_common_opt(int c, int *verbose, void (*usage)(FILE *f))
{
	switch (c) {
	case 'v':
		log_set_verbose(++*verbose);
		return OPT_CONTINUE;
	case 'h':
		usage(stdout);
		return EXIT_OK;
	default:
		usage(stderr);
		return EXIT_USAGE;
	}
}

int cmd_targets(const char *cmd, int argc, char **argv, int first, void (*usage)(FILE *f),
		char names[][IF_NAMESIZE])
{
	struct pin_paths pp;

	if (argc - first > 1) {
		usage(stderr);
		return -EXIT_USAGE;
	}
	if (pin_paths(NULL, &pp)) {
		pr_err("%s: no BPF filesystem at %s (set LIBXDP_BPFFS if it is elsewhere)\n", cmd,
		       pin_fs());
		return -EXIT_FAILED;
	}
	if (first < argc) {
		snprintf(names[0], IF_NAMESIZE, "%s", argv[first]);
		return 1;
	}
	return pin_list(&pp, names, CMD_MAX_IFACES);
}
