// SPDX-License-Identifier: GPL-2.0
/* xdp-syncookie detach: remove everything attach made. */
#include "cmd.h"
#include "loader.h"
#include "log.h"

static const enum opt_id detach_opts[] = { OPT_END };

static int run(const struct opt_values *v, int argc, char **argv)
{
	int rc = EXIT_OK;

	(void)v;
	for (int i = 0; i < argc; i++) {
		if (xsc_detach(argv[i]))
			rc = EXIT_FAILED;
		else
			pr_info("%s: detached\n", argv[i]);
	}
	return rc;
}

const struct command cmd_detach = {
	.name = "detach",
	.args = "IFACE... [options]",
	.summary = "remove everything attach made",
	.description =
		"Removes the XDP program, the TC filter (and the clsact qdisc if attach created\n"
		"it) and the pinned maps of each IFACE. The shared cookie key goes with the last\n"
		"interface. Established connections keep working.",
	.exit_status = "0 detached, 1 failed or not attached, 2 usage error.",
	.opts = detach_opts,
	.min_args = 1,
	.max_args = -1,
	.run = run,
	.locks = true,
};
