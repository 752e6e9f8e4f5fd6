/* SPDX-License-Identifier: GPL-2.0 */
/* The commands of the xdp-syncookie tool and their documented exit codes. */
#ifndef XSC_CMD_H
#define XSC_CMD_H

#define EXIT_OK 0
#define EXIT_FAILED 1	/* the operation failed; the message says why */
#define EXIT_USAGE 2	/* bad command line; nothing was changed */

int cmd_attach(int argc, char **argv);
int cmd_detach(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_stats(int argc, char **argv);

/* Common to every command's option parser: -v/--verbose and -h/--help. */
#define COMMON_LONG_OPTS { "verbose", no_argument, NULL, 'v' }, { "help", no_argument, NULL, 'h' }

#endif /* XSC_CMD_H */
