/* SPDX-License-Identifier: GPL-2.0 */
/* The /metrics endpoint: libmicrohttpd in its own thread, GET and HEAD only. */
#ifndef XSC_SERVICE_HTTP_H
#define XSC_SERVICE_HTTP_H

#include <stdio.h>
#include <sys/socket.h>

struct http_server;

/* Writes the body of a /metrics answer; 0, or -errno for a 500. Runs in the server's
 * thread. */
typedef int (*http_body_fn)(FILE *f, void *arg);

/* Listens on sa (where: the address as written, for messages); NULL after a message. */
struct http_server *http_start(const struct sockaddr *sa, const char *where, http_body_fn body,
			       void *arg);
/* Closes the socket and waits for the thread: no body is written after it returns. */
void http_stop(struct http_server *h);

#endif /* XSC_SERVICE_HTTP_H */
