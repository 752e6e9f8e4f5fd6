// SPDX-License-Identifier: GPL-2.0
/* Text forms of counters, policies, port states and events, one line per thing. */
#include <string.h>
#include <time.h>
#include "export.h"
#include "policy.h"
#include "reasons.h"

static double clock_now(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

double mono_to_unix(__u64 mono_ns)
{
	return clock_now(CLOCK_REALTIME) - (clock_now(CLOCK_MONOTONIC) - mono_ns / 1e9);
}

double mono_age(__u64 mono_ns)
{
	return clock_now(CLOCK_MONOTONIC) - mono_ns / 1e9;
}

const char *signal_name(__u8 signal)
{
	switch (signal) {
	case XSC_SIGNAL_RATE: return "syn-rate";
	case XSC_SIGNAL_QUEUE: return "syn-queue";
	case XSC_SIGNAL_ACCEPT: return "accept-queue";
	default: return "none";
	}
}

void text_counters(FILE *f, const __u64 *totals, bool all)
{
	fprintf(f, "  %-22s %-7s %16s\n", "reason", "verdict", "packets");
	for (unsigned int i = 0; i < XSC_STAT_SLOTS; i++) {
		const struct xsc_reason_info *r = xsc_reason(i);

		if (r && (all || totals[i]))
			fprintf(f, "  %-22s %-7s %16llu\n", r->name, r->verdict,
				(unsigned long long)totals[i]);
	}
}

/* The protected ports as a list of ranges, or "every TCP port". */
static void print_port_set(FILE *f, const struct xsc_policy *pol)
{
	int n = policy_count_protected(pol), shown = 0;

	if (n == XSC_PORTS) {
		fprintf(f, "every TCP port");
		return;
	}
	if (n == 0) {
		fprintf(f, "none");
		return;
	}
	for (int p = 0; p < XSC_PORTS; p++) {
		int end = p;

		if (!(pol->port[p] & XSC_PORT_PROTECTED))
			continue;
		while (end + 1 < XSC_PORTS && (pol->port[end + 1] & XSC_PORT_PROTECTED))
			end++;
		fprintf(f, shown++ ? ",%d" : "%d", p);
		if (end > p)
			fprintf(f, "-%d", end);
		p = end;
	}
}

void text_policy(FILE *f, const struct xsc_policy *pol)
{
	int overrides = 0;

	fprintf(f, "  ports:    ");
	print_port_set(f, pol);
	fprintf(f, "\n  engage:   %s; syn-rate %u/s (off below %u/s), queue-fill %u%% (off below "
		"%u%%), hold %u s\n", policy_mode_name(pol->engage), pol->syn_rate_high,
		pol->syn_rate_low, pol->queue_high, pol->queue_low, pol->hold_s);
	for (int p = 0; p < XSC_PORTS; p++) {
		__u8 mode = (pol->port[p] >> XSC_PORT_MODE_SHIFT) & XSC_PORT_MODE_MASK;

		if (!mode)
			continue;
		fprintf(f, overrides++ ? ",%d:%s" : "  port-engage: %d:%s", p, policy_mode_name(mode));
	}
	if (overrides)
		fprintf(f, "\n");
}

static __u8 port_mode(const struct xsc_policy *pol, __u16 port)
{
	__u8 mode = (pol->port[port] >> XSC_PORT_MODE_SHIFT) & XSC_PORT_MODE_MASK;

	return mode ? mode : pol->engage;
}

void text_port(FILE *f, const struct port_view *v, const struct xsc_policy *pol)
{
	const struct xsc_port_state *st = &v->st;
	__u8 mode = port_mode(pol, v->port);

	fprintf(f, "  port %-5u %-6s ", v->port, policy_mode_name(mode));
	if (st->engaged_since)
		fprintf(f, "ENGAGED by %s for %.0f s%s; ", signal_name(st->signal),
			mono_age(st->engaged_since), mode == XSC_ENGAGE_NEVER ? " (monitor only)" : "");
	else if (mode == XSC_ENGAGE_ALWAYS)
		fprintf(f, "cookies always; ");
	else
		fprintf(f, "quiet; ");
	fprintf(f, "%u SYN/s; at the last judged SYN: SYN queue %u/%u, accept queue %u/%u; "
		"cookies %llu since engaged, %llu in all; engages %u\n", v->syn_rate_now,
		st->qlen, st->max_backlog, st->ack_backlog, st->max_backlog,
		(unsigned long long)v->cookies_engaged, (unsigned long long)v->cookies_total,
		st->engages);
}

void text_event(FILE *f, const char *ifname, const struct xsc_event *ev)
{
	double t = mono_to_unix(ev->time);
	time_t secs = (time_t)t;
	char when[32] = "?";
	struct tm tm;

	if (localtime_r(&secs, &tm))
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
	fprintf(f, "%s.%03d %s port %u: ", when, (int)((t - secs) * 1000), ifname, ev->port);
	if (ev->type == XSC_EVENT_ENGAGE)
		fprintf(f, "engaged by %s: %u SYN/s, SYN queue %u/%u, accept queue %u/%u%s\n",
			signal_name(ev->signal), ev->syn_rate, ev->qlen, ev->max_backlog,
			ev->ack_backlog, ev->max_backlog,
			ev->mode == XSC_ENGAGE_NEVER ? " (engage never: monitor only)" : "");
	else
		fprintf(f, "disengaged after %.1f s; %llu SYNs answered with cookies; now %u SYN/s\n",
			ev->engaged_for / 1e9, (unsigned long long)ev->cookies, ev->syn_rate);
	fflush(f);
}
