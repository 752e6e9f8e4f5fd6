// SPDX-License-Identifier: GPL-2.0
/* xdp-syncookie detach: remove everything attach made. */
#include <getopt.h>
#include <stdio.h>
#include "attach.h"
#include "cmd.h"
#include "log.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: xdp-syncookie detach IFACE... [options]\n"
		"\n"
		"Removes the XDP program, the TC filter (and the clsact qdisc if attach created\n"
		"it) and the pinned maps of each IFACE. The shared cookie key goes with the last\n"
		"interface. Established connections keep working.\n"
		"\n"
		"Options:\n"
		"  -v, --verbose     show library messages\n"
		"  -h, --help        show this help\n"
		"\n"
		"Exit status: 0 detached, 1 failed or not attached, 2 usage error.\n");
}

int cmd_detach(int argc, char **argv)
{
	static const struct option longopts[] = { COMMON_LONG_OPTS, {} };
	int c, opt_rc, verbose = 0, rc = EXIT_OK;

	while ((c = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
		switch (c) {
		default:
			if ((opt_rc = cmd_common_opt(c, &verbose, usage)) != OPT_CONTINUE)
				return opt_rc;
		}
	}
	if (optind == argc) {
		pr_err("detach: name at least one interface\n");
		usage(stderr);
		return EXIT_USAGE;
	}
	for (; optind < argc; optind++) {
		if (xsc_detach(argv[optind]))
			rc = EXIT_FAILED;
		else
			pr_info("%s: detached\n", argv[optind]);
	}
	return rc;
}
