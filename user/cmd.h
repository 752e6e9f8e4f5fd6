/* SPDX-License-Identifier: GPL-2.0 */
/* The commands of the xdp-syncookie tool and their documented exit codes. */
#ifndef XSC_CMD_H
#define XSC_CMD_H

#include <stdio.h>
#include "pin.h"

#define EXIT_OK 0
#define EXIT_FAILED 1	/* the operation failed; the message says why */
#define EXIT_USAGE 2	/* bad command line; nothing was changed */

int cmd_attach(int argc, char **argv);
int cmd_detach(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_stats(int argc, char **argv);

/* Common to every command's option parser: -v/--verbose and -h/--help. */
#define COMMON_LONG_OPTS { "verbose", no_argument, NULL, 'v' }, { "help", no_argument, NULL, 'h' }
#define OPT_CONTINUE (-1)

/* For an option the command does not handle itself: -v raises verbosity and returns
 * OPT_CONTINUE; -h prints usage and returns EXIT_OK; anything else prints usage to
 * stderr and returns EXIT_USAGE. */
int cmd_common_opt(int c, int *verbose, void (*usage)(FILE *f));

/* The interfaces a status-like command is about: argv[first] if given, else every
 * attached one (from the pins). Returns how many, or minus an exit code. */
#define CMD_MAX_IFACES 64
int cmd_targets(const char *cmd, int argc, char **argv, int first, void (*usage)(FILE *f),
		char names[][IF_NAMESIZE]);

#endif /* XSC_CMD_H */
