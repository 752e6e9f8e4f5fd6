// SPDX-License-Identifier: GPL-2.0
/* /metrics over libmicrohttpd: one internal polling thread, a memstream per answer. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <microhttpd.h>
#include "http.h"
#include "log.h"

/* The Prometheus text exposition format. */
#define METRICS_TYPE "text/plain; version=0.0.4; charset=utf-8"
/* Scrapers are few; a connection that says nothing for this long is closed. */
#define HTTP_MAX_CONNECTIONS 16
#define HTTP_TIMEOUT_S 10

struct http_server {
	struct MHD_Daemon *d;
	http_body_fn body;
	void *arg;
	char where[64];
};

static void on_log(void *arg, const char *fmt, va_list ap)
{
	struct http_server *h = arg;
	char msg[256];
	size_t len;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	len = strcspn(msg, "\n");
	pr_err("run: metrics on %s: %.*s\n", h->where, (int)len, msg);
}

static enum MHD_Result answer(struct MHD_Connection *conn, unsigned int status, char *buf,
			      size_t len, const char *type)
{
	struct MHD_Response *r = MHD_create_response_from_buffer_with_free_callback(len, buf, free);
	enum MHD_Result ret;

	if (!r) {
		free(buf);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result text_answer(struct MHD_Connection *conn, unsigned int status,
				   const char *text)
{
	char *buf = strdup(text);

	return buf ? answer(conn, status, buf, strlen(buf), "text/plain; charset=utf-8") : MHD_NO;
}

static enum MHD_Result on_request(void *arg, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **req)
{
	struct http_server *h = arg;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	int err;

	(void)version, (void)upload, (void)req;
	if (strcmp(url, "/metrics"))
		return text_answer(conn, MHD_HTTP_NOT_FOUND, "not found: try /metrics\n");
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD)) {
		*upload_size = 0;	/* a body, if any, is not read */
		return text_answer(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET\n");
	}
	f = open_memstream(&buf, &len);
	if (!f)
		return text_answer(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n");
	err = h->body(f, h->arg);
	if (fclose(f) && !err)
		err = -ENOMEM;
	if (err) {
		free(buf);
		return text_answer(conn, MHD_HTTP_INTERNAL_SERVER_ERROR,
				   "reading the counters failed; the service log says why\n");
	}
	return answer(conn, MHD_HTTP_OK, buf, len, METRICS_TYPE);
}

struct http_server *http_start(const struct sockaddr *sa, const char *where, http_body_fn body,
			       void *arg)
{
	struct http_server *h = calloc(1, sizeof(*h));
	unsigned int flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG;	/* poll or epoll, not select */

	if (!h)
		return NULL;
	h->body = body;
	h->arg = arg;
	snprintf(h->where, sizeof(h->where), "%s", where);
	if (sa->sa_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	h->d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, h,
				MHD_OPTION_EXTERNAL_LOGGER, on_log, h,
				MHD_OPTION_SOCK_ADDR, sa,
				MHD_OPTION_CONNECTION_LIMIT, (unsigned int)HTTP_MAX_CONNECTIONS,
				MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)HTTP_TIMEOUT_S,
				MHD_OPTION_END);
	if (!h->d) {
		pr_err("run: metrics on %s: the HTTP server did not start (the message above says "
		       "why)\n", where);
		free(h);
		return NULL;
	}
	return h;
}

void http_stop(struct http_server *h)
{
	if (!h)
		return;
	MHD_stop_daemon(h->d);
	free(h);
}
