// SPDX-License-Identifier: GPL-2.0
/* The event follower: one libbpf ring_buffer over the rings of several interfaces. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "events.h"
#include "log.h"
#include "pin.h"

struct event_source {
	struct event_follower *f;
	char ifname[IF_NAMESIZE];
	int fd;
};

struct event_follower {
	struct ring_buffer *rb;
	event_fn fn;
	void *arg;
	int n;
	struct event_source src[];
};

static int on_sample(void *ctx, void *data, size_t size)
{
	struct event_source *s = ctx;

	if (size < sizeof(struct xsc_event))
		return 0;	/* an event of a shorter layout: nothing we can read in it */
	return s->f->fn(s->ifname, data, s->f->arg);
}

void events_close(struct event_follower *f)
{
	if (!f)
		return;
	ring_buffer__free(f->rb);
	for (int i = 0; i < f->n; i++)
		close(f->src[i].fd);
	free(f);
}

struct event_follower *events_open(char names[][IF_NAMESIZE], int n, event_fn fn, void *arg,
				   const char *what)
{
	struct event_follower *f = calloc(1, sizeof(*f) + n * sizeof(f->src[0]));
	struct pin_paths pp;
	int err = 0;

	if (!f)
		return NULL;
	f->fn = fn;
	f->arg = arg;
	for (int i = 0; i < n && !err; i++) {
		struct event_source *s = &f->src[i];

		s->f = f;
		snprintf(s->ifname, sizeof(s->ifname), "%s", names[i]);
		s->fd = pin_paths(names[i], &pp) ?: pin_open_map(&pp, XSC_MAP_EVENTS, 0);
		if (s->fd < 0) {
			err = s->fd;
			pr_err("%s %s: %s\n", what, names[i], err == -ENOENT ? "not attached" :
			       strerror(-err));
			break;
		}
		f->n = i + 1;
		if (i == 0) {
			f->rb = ring_buffer__new(s->fd, on_sample, s, NULL);
			err = f->rb ? 0 : -errno;
		} else {
			err = ring_buffer__add(f->rb, s->fd, on_sample, s);
		}
		if (err)
			pr_err("%s %s: reading the event ring: %s\n", what, names[i], strerror(-err));
	}
	if (err) {
		events_close(f);
		errno = -err;
		return NULL;
	}
	return f;
}

int events_poll(struct event_follower *f, int timeout_ms)
{
	if (!f->rb)	/* no interface: nothing can arrive */
		return usleep(timeout_ms * 1000) ? -errno : 0;
	return ring_buffer__poll(f->rb, timeout_ms);
}

int events_fd(const struct event_follower *f)
{
	return f->rb ? ring_buffer__epoll_fd(f->rb) : -1;
}
