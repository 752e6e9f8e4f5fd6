/* SPDX-License-Identifier: GPL-2.0 */
/* xdp-syncookie run: the service loop (attach, /metrics, events, reload, stop). */
#ifndef XSC_SERVICE_H
#define XSC_SERVICE_H

#include <stdbool.h>

/* Runs the service on the configuration file at path until SIGTERM or SIGINT; with
 * check_only, reads and checks the file and returns. Returns an exit code: 0 stopped
 * (or the file is good), 1 the start or a detach at the stop failed, 2 the configuration
 * is bad. */
int svc_run(const char *path, bool check_only);

#endif /* XSC_SERVICE_H */
