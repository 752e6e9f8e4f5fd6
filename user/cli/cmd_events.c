// SPDX-License-Identifier: GPL-2.0
/* xdp-syncookie events: follow the engage and disengage events of attached interfaces. */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "cmd.h"
#include "export.h"
#include "log.h"

static const enum opt_id events_opts[] = { OPT_COUNT, OPT_TIMEOUT, OPT_JSON, OPT_END };

/* How often the follower wakes to look at the clock and at signals. */
#define POLL_MS 100

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

struct follower {
	bool json;
	unsigned long seen, limit;	/* limit 0: no limit */
};

struct source {
	struct follower *f;
	char ifname[IF_NAMESIZE];
};

static int on_event(void *ctx, void *data, size_t size)
{
	struct source *src = ctx;
	const struct xsc_event *ev = data;

	if (size < sizeof(*ev))
		return 0;
	if (src->f->json) {
		json_object *o = json_event(src->ifname, ev);

		printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
		fflush(stdout);
		json_object_put(o);
	} else {
		text_event(stdout, src->ifname, ev);
	}
	src->f->seen++;
	/* A non-zero return stops ring_buffer__poll() at once. */
	return src->f->limit && src->f->seen >= src->f->limit ? 1 : 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int run(const struct opt_values *v, int argc, char **argv)
{
	char names[CMD_MAX_IFACES][IF_NAMESIZE];
	static struct source sources[CMD_MAX_IFACES];
	struct follower f = { .json = opt_given(v, OPT_JSON), .limit = v->num[OPT_COUNT] };
	int n = cmd_targets("events", argc, argv, names), rc = EXIT_OK, fds[CMD_MAX_IFACES];
	double deadline = opt_given(v, OPT_TIMEOUT) ? now_s() + v->num[OPT_TIMEOUT] : 0;
	struct ring_buffer *rb = NULL;
	struct pin_paths pp;

	if (n < 0)
		return -n;
	if (n == 0) {
		pr_err("events: no interface attached\n");
		return EXIT_FAILED;
	}
	for (int i = 0; i < n; i++) {
		fds[i] = pin_paths(names[i], &pp) ?: pin_open_map(&pp, XSC_MAP_EVENTS, 0);
		if (fds[i] < 0) {
			pr_err("events %s: %s\n", names[i], fds[i] == -ENOENT ? "not attached" :
				strerror(-fds[i]));
			rc = EXIT_FAILED;
			n = i;
			goto out;
		}
		sources[i].f = &f;
		snprintf(sources[i].ifname, sizeof(sources[i].ifname), "%s", names[i]);
		if (i == 0)
			rb = ring_buffer__new(fds[i], on_event, &sources[i], NULL);
		else if (rb && ring_buffer__add(rb, fds[i], on_event, &sources[i]))
			rb = NULL;
		if (!rb) {
			pr_err("events %s: reading the event ring: %s\n", names[i], strerror(errno));
			rc = EXIT_FAILED;
			n = i + 1;
			goto out;
		}
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	setvbuf(stdout, NULL, _IOLBF, 0);
	while (!stop && !(f.limit && f.seen >= f.limit) && !(deadline && now_s() >= deadline)) {
		int err = ring_buffer__poll(rb, POLL_MS);

		if (err < 0 && err != -EINTR) {
			pr_err("events: %s\n", strerror(-err));
			rc = EXIT_FAILED;
			break;
		}
	}
out:
	ring_buffer__free(rb);
	for (int i = 0; i < n; i++)
		close(fds[i]);
	return rc;
}

const struct command cmd_events = {
	.name = "events",
	.args = "[IFACE...] [options]",
	.summary = "follow engage and disengage events, one line each",
	.description =
		"Prints a line for each port that engages (which signal, the SYN rate and the\n"
		"listener's queues) or disengages (how long it was engaged and how many SYNs it\n"
		"answered with cookies), for IFACE or every attached interface, until interrupted.\n"
		"Events not yet read when it starts are printed first. One follower at a time:\n"
		"two would share the events between them.",
	.exit_status = "0 done, 1 an interface is not attached or its events unreadable, 2 usage.",
	.opts = events_opts,
	.min_args = 0,
	.max_args = -1,
	.run = run,
};
