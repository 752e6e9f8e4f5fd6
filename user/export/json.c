// SPDX-License-Identifier: GPL-2.0
/* JSON forms of counters, policies, port states and events (json-c). */
#include <stdio.h>
#include "export.h"
#include "policy.h"
#include "reasons.h"

json_object *json_counters(const __u64 *totals)
{
	json_object *o = json_object_new_object();

	for (unsigned int i = 0; i < XSC_STAT_SLOTS; i++) {
		const struct xsc_reason_info *r = xsc_reason(i);

		if (r)
			json_object_object_add(o, r->name, json_object_new_uint64(totals[i]));
	}
	return o;
}

/* Which lists hold prefixes, as the policy marks them: {"allow": ["ipv4"], "deny": []}. */
static json_object *json_lists(__u8 in_use)
{
	static const struct { const char *list, *family; __u8 bit; } marks[] = {
		{ "allow", "ipv4", XSC_LISTS_ALLOW4 }, { "allow", "ipv6", XSC_LISTS_ALLOW6 },
		{ "deny", "ipv4", XSC_LISTS_DENY4 }, { "deny", "ipv6", XSC_LISTS_DENY6 },
	};
	json_object *lists = json_object_new_object();

	json_object_object_add(lists, "allow", json_object_new_array());
	json_object_object_add(lists, "deny", json_object_new_array());
	for (size_t i = 0; i < sizeof(marks) / sizeof(*marks); i++)
		if (in_use & marks[i].bit)
			json_object_array_add(json_object_object_get(lists, marks[i].list),
					      json_object_new_string(marks[i].family));
	return lists;
}

json_object *json_policy(const struct xsc_policy *pol)
{
	json_object *o = json_object_new_object(), *ports = json_object_new_array();
	json_object *modes = json_object_new_object();
	int n = policy_count_protected(pol);

	for (int p = 0; p < XSC_PORTS; p++) {
		__u8 mode = (pol->port[p] >> XSC_PORT_MODE_SHIFT) & XSC_PORT_MODE_MASK;
		char key[sizeof("-2147483648")];	/* any int: gcc -O1 cannot see p < 65536 */

		if (n != XSC_PORTS && (pol->port[p] & XSC_PORT_PROTECTED))
			json_object_array_add(ports, json_object_new_int(p));
		if (mode) {
			snprintf(key, sizeof(key), "%d", p);
			json_object_object_add(modes, key, json_object_new_string(policy_mode_name(mode)));
		}
	}
	json_object_object_add(o, "ports", n == XSC_PORTS ? json_object_new_string("all") : ports);
	if (n == XSC_PORTS)
		json_object_put(ports);
	json_object_object_add(o, "engage", json_object_new_string(policy_mode_name(pol->engage)));
	json_object_object_add(o, "port_engage", modes);
	json_object_object_add(o, "lists", json_lists(pol->lists));
	json_object_object_add(o, "syn_rate", json_object_new_uint64(pol->syn_rate_high));
	json_object_object_add(o, "syn_rate_low", json_object_new_uint64(pol->syn_rate_low));
	json_object_object_add(o, "queue_fill", json_object_new_int(pol->queue_high));
	json_object_object_add(o, "queue_fill_low", json_object_new_int(pol->queue_low));
	json_object_object_add(o, "hold", json_object_new_uint64(pol->hold_s));
	json_object_object_add(o, "budget_prefix", json_object_new_uint64(pol->budget_prefix));
	json_object_object_add(o, "budget_global", json_object_new_uint64(pol->budget_global));
	return o;
}

json_object *json_port(const struct port_view *v, const struct xsc_policy *pol)
{
	const struct xsc_port_state *st = &v->st;
	json_object *o = json_object_new_object();
	__u8 mode = (pol->port[v->port] >> XSC_PORT_MODE_SHIFT) & XSC_PORT_MODE_MASK;

	json_object_object_add(o, "mode", json_object_new_string(policy_mode_name(mode ? mode :
									       pol->engage)));
	json_object_object_add(o, "engaged", json_object_new_boolean(st->engaged_since != 0));
	json_object_object_add(o, "engaged_since",
			       st->engaged_since ? json_object_new_double(mono_to_unix(st->engaged_since)) :
						   NULL);
	json_object_object_add(o, "signal", json_object_new_string(signal_name(st->signal)));
	json_object_object_add(o, "last_change",
			       st->changed_at ? json_object_new_double(mono_to_unix(st->changed_at)) :
						NULL);
	json_object_object_add(o, "syn_rate", json_object_new_uint64(v->syn_rate_now));
	/* The queues as the last judged SYN found them. */
	json_object_object_add(o, "syn_queue", json_object_new_uint64(st->qlen));
	json_object_object_add(o, "accept_queue", json_object_new_uint64(st->ack_backlog));
	json_object_object_add(o, "backlog", json_object_new_uint64(st->max_backlog));
	json_object_object_add(o, "syn_queue_fill_pct",
			       json_object_new_int(st->max_backlog ? st->qlen * 100 / st->max_backlog : 0));
	json_object_object_add(o, "cookies_since_engaged", json_object_new_uint64(v->cookies_engaged));
	json_object_object_add(o, "cookies", json_object_new_uint64(v->cookies_total));
	json_object_object_add(o, "engages", json_object_new_uint64(st->engages));
	return o;
}

json_object *json_event(const char *ifname, const struct xsc_event *ev)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "time", json_object_new_double(mono_to_unix(ev->time)));
	json_object_object_add(o, "mono_ns", json_object_new_uint64(ev->time));
	json_object_object_add(o, "interface", json_object_new_string(ifname));
	json_object_object_add(o, "port", json_object_new_int(ev->port));
	json_object_object_add(o, "event", json_object_new_string(ev->type == XSC_EVENT_ENGAGE ?
								   "engage" : "disengage"));
	json_object_object_add(o, "mode", json_object_new_string(policy_mode_name(ev->mode)));
	json_object_object_add(o, "signal", json_object_new_string(signal_name(ev->signal)));
	json_object_object_add(o, "syn_rate", json_object_new_uint64(ev->syn_rate));
	json_object_object_add(o, "syn_queue", json_object_new_uint64(ev->qlen));
	json_object_object_add(o, "accept_queue", json_object_new_uint64(ev->ack_backlog));
	json_object_object_add(o, "backlog", json_object_new_uint64(ev->max_backlog));
	if (ev->type == XSC_EVENT_DISENGAGE) {
		json_object_object_add(o, "engaged_for", json_object_new_double(ev->engaged_for / 1e9));
		json_object_object_add(o, "cookies", json_object_new_uint64(ev->cookies));
	}
	return o;
}
