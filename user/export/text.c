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

/* Which families of a list hold prefixes, as the policy marks them. */
static const char *list_families(__u8 lists, __u8 v4, __u8 v6)
{
	return (lists & v4) && (lists & v6) ? "IPv4 and IPv6" : lists & v4 ? "IPv4" :
	       lists & v6 ? "IPv6" : "empty";
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
	fprintf(f, "  budget:   %u SYN-ACK/s per /24 or /48, %u SYN-ACK/s in all (0: no cap)\n",
		pol->budget_prefix, pol->budget_global);
	fprintf(f, "  lists:    allow %s, deny %s\n",
		list_families(pol->lists, XSC_LISTS_ALLOW4, XSC_LISTS_ALLOW6),
		list_families(pol->lists, XSC_LISTS_DENY4, XSC_LISTS_DENY6));
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

void text_time(char *buf, size_t len, double unix_s)
{
	time_t secs = (time_t)unix_s;
	struct tm tm;
	char when[32];

	if (!localtime_r(&secs, &tm) || !strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm))
		snprintf(when, sizeof(when), "?");
	snprintf(buf, len, "%s.%03d", when, (int)((unix_s - secs) * 1000));
}

void text_event(FILE *f, const char *ifname, const struct xsc_event *ev)
{
	char when[48];

	text_time(when, sizeof(when), mono_to_unix(ev->time));
	fprintf(f, "%s %s port %u: ", when, ifname, ev->port);
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

/* How much a counter grew between two reads; less than before means the counters
 * started again (a re-attach), so all of it is new. */
static __u64 grown(__u64 before, __u64 after)
{
	return after >= before ? after - before : after;
}

static const char *const verdict_names[] = { "pass", "tx", "drop" };
#define N_VERDICTS (sizeof(verdict_names) / sizeof(*verdict_names))

void text_rates(FILE *f, const char *prefix, const struct stats_snapshot *prev,
		const struct stats_snapshot *cur, bool all)
{
	double dt = (cur->read_ns - prev->read_ns) / 1e9, by_verdict[N_VERDICTS] = {}, total = 0;

	if (dt <= 0)
		return;
	for (unsigned int i = 0; i < XSC_STAT_SLOTS; i++) {
		const struct xsc_reason_info *r = xsc_reason(i);
		double rate = grown(prev->totals[i], cur->totals[i]) / dt;

		for (size_t v = 0; r && v < N_VERDICTS; v++)
			if (!strcmp(r->verdict, verdict_names[v]))
				by_verdict[v] += rate;
		total += r ? rate : 0;
	}
	fprintf(f, "%stotal %.1f/s (pass %.1f/s, tx %.1f/s, drop %.1f/s)\n", prefix, total,
		by_verdict[0], by_verdict[1], by_verdict[2]);
	for (unsigned int i = 0; i < XSC_STAT_SLOTS; i++) {
		const struct xsc_reason_info *r = xsc_reason(i);
		__u64 d = grown(prev->totals[i], cur->totals[i]);

		if (r && (all || d))
			fprintf(f, "%sreason %-22s %-4s %12.1f/s\n", prefix, r->name, r->verdict, d / dt);
	}
	/* Ports that answer with cookies: engaged ones, and those whose mode is always. */
	for (int i = 0; i < cur->n_ports; i++) {
		const struct port_view *v = &cur->ports[i], *before = snapshot_port(prev, v->port);
		__u64 cookies = grown(before ? before->cookies_total : 0, v->cookies_total);
		const char *state = v->st.engaged_since ? "engaged" :
				    port_mode(cur->pol, v->port) == XSC_ENGAGE_ALWAYS ? "always" : "quiet";

		if (all || v->st.engaged_since || cookies)
			fprintf(f, "%sport %-5u %-7s %10u SYN/s %12.1f cookies/s\n", prefix, v->port,
				state, v->syn_rate_now, cookies / dt);
	}
}
