// SPDX-License-Identifier: GPL-2.0
/* xdp-syncookie run: the service (user/service), for systemd. */
#include "cmd.h"
#include "log.h"
#include "service.h"

static const enum opt_id run_opts[] = { OPT_CONFIG, OPT_CHECK, OPT_END };

static int run(const struct opt_values *v, int argc, char **argv)
{
	(void)argc, (void)argv;
	if (!v->str[OPT_CONFIG]) {
		pr_err("run: name the configuration file: --config FILE\n");
		return EXIT_USAGE;
	}
	return svc_run(v->str[OPT_CONFIG], opt_given(v, OPT_CHECK));
}

const struct command cmd_run = {
	.name = "run",
	.args = "--config FILE [options]",
	.summary = "the service: attach from a config file, serve /metrics, reload on SIGHUP",
	.description =
		"Attaches every interface the configuration file names (all or nothing, adopting\n"
		"one that is attached already), serves Prometheus metrics, logs engage and\n"
		"disengage events and attack summaries to stderr, and stays in the foreground for\n"
		"systemd (Type=notify). SIGHUP reloads the file: it is checked whole first, and a\n"
		"bad one changes nothing. SIGTERM or SIGINT detaches (on_stop = detach, the\n"
		"default) or leaves the programs protecting (on_stop = keep). The file's format is\n"
		"in xdp-syncookie(8); --check only reads and checks it.",
	.exit_status = "0 stopped by a signal (or, with --check, the file is good), 1 the start\n"
		       "failed (nothing it attached is left attached) or a detach at the stop\n"
		       "failed, 2 usage error or a bad configuration (the message names FILE:LINE).",
	.opts = run_opts,
	.min_args = 0,
	.max_args = 0,
	.run = run,
};
