// SPDX-License-Identifier: GPL-2.0
/* xdp-syncookie events: follow the engage and disengage events of attached interfaces. */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include "cmd.h"
#include "events.h"
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

static int on_event(const char *ifname, const struct xsc_event *ev, void *arg)
{
	struct follower *f = arg;

	if (f->json) {
		json_object *o = json_event(ifname, ev);

		printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
		fflush(stdout);
		json_object_put(o);
	} else {
		text_event(stdout, ifname, ev);
	}
	f->seen++;
	/* A negative return stops ring_buffer__poll() at once: no event past the limit. */
	return f->limit && f->seen >= f->limit ? -ECANCELED : 0;
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
	struct follower f = { .json = opt_given(v, OPT_JSON), .limit = v->num[OPT_COUNT] };
	int n = cmd_targets("events", argc, argv, names), rc = EXIT_OK;
	double deadline = opt_given(v, OPT_TIMEOUT) ? now_s() + v->num[OPT_TIMEOUT] : 0;
	struct event_follower *ef;

	if (n < 0)
		return -n;
	if (n == 0) {
		pr_err("events: no interface attached\n");
		return EXIT_FAILED;
	}
	ef = events_open(names, n, on_event, &f, "events");
	if (!ef)
		return EXIT_FAILED;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	setvbuf(stdout, NULL, _IOLBF, 0);
	while (!stop && !(f.limit && f.seen >= f.limit) && !(deadline && now_s() >= deadline)) {
		int err = events_poll(ef, POLL_MS);

		if (err < 0 && err != -EINTR && err != -ECANCELED) {
			pr_err("events: %s\n", strerror(-err));
			rc = EXIT_FAILED;
			break;
		}
	}
	events_close(ef);
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
