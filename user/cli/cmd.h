/* SPDX-License-Identifier: GPL-2.0 */
/* The commands of the xdp-syncookie tool, described once each, and their exit codes. */
#ifndef XSC_CMD_H
#define XSC_CMD_H

#include <stdbool.h>
#include <stdio.h>
#include "options.h"
#include "pin.h"

#define EXIT_OK 0
#define EXIT_FAILED 1	/* the operation failed; the message says why */
#define EXIT_USAGE 2	/* bad command line; nothing was changed */

struct command {
	const char *name;
	const char *args;		/* what follows the name in the synopsis */
	const char *summary;		/* one line, for 'help' */
	const char *description;	/* the paragraph of COMMAND --help */
	const char *exit_status;
	const enum opt_id *opts;	/* OPT_END-terminated; -v and -h are always taken */
	int min_args, max_args;		/* operands (interfaces); max -1: any number */
	bool locks;			/* changes state: runs holding the lock (user/core/lock.h) */
	bool unprivileged;		/* needs no BPF (help, version, reasons) */
	int (*run)(const struct opt_values *v, int argc, char **argv);
};

extern const struct command cmd_attach, cmd_set, cmd_detach, cmd_status, cmd_stats, cmd_events,
	cmd_allow, cmd_deny, cmd_key;
extern const struct command cmd_run;

void cmd_usage(const struct command *c, FILE *f);

/* The interfaces a command is about: those named, else every attached one (from the
 * pins). Returns how many, or minus an exit code after printing why. */
#define CMD_MAX_IFACES 64
int cmd_targets(const char *cmd, int argc, char **argv, char names[][IF_NAMESIZE]);

#endif /* XSC_CMD_H */
