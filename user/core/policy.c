// SPDX-License-Identifier: GPL-2.0
/* Policies: defaults and changes checked before they apply (policy_map.c puts one in force). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "log.h"
#include "policy.h"

static const char *const mode_names[] = {
	[XSC_ENGAGE_DEFAULT] = "default",
	[XSC_ENGAGE_AUTO] = "auto",
	[XSC_ENGAGE_ALWAYS] = "always",
	[XSC_ENGAGE_NEVER] = "never",
};

const char *policy_mode_name(__u8 mode)
{
	return mode < sizeof(mode_names) / sizeof(*mode_names) ? mode_names[mode] : "?";
}

int policy_mode_parse(const char *text, bool allow_default)
{
	for (int m = allow_default ? XSC_ENGAGE_DEFAULT : XSC_ENGAGE_AUTO; m <= XSC_ENGAGE_NEVER; m++)
		if (!strcmp(text, mode_names[m]))
			return m;
	return -1;
}

/* The low marks follow the high ones: half, as OpenBSD pf's adaptive syncookies do. */
static void set_syn_rate(struct xsc_policy *pol, __u32 high)
{
	pol->syn_rate_high = high;
	pol->syn_rate_low = high / XSC_LOW_DIVISOR;
}

static void set_queue_fill(struct xsc_policy *pol, __u8 high)
{
	pol->queue_high = high;
	pol->queue_low = high / XSC_LOW_DIVISOR;
}

/* A rate cap as the programs read it: ns between SYN-ACKs (0: none), at least 1. */
static void set_budget(__u32 *rate, __u32 *interval_ns, __u32 per_s)
{
	*rate = per_s;
	*interval_ns = per_s ? (1000000000u / per_s ?: 1) : 0;
}

void policy_defaults(struct xsc_policy *pol)
{
	memset(pol, 0, sizeof(*pol));
	pol->engage = XSC_ENGAGE_AUTO;
	pol->hold_s = XSC_DEFAULT_HOLD_S;
	set_syn_rate(pol, XSC_DEFAULT_SYN_RATE);
	set_queue_fill(pol, XSC_DEFAULT_QUEUE_FILL);
	set_budget(&pol->budget_prefix, &pol->budget_prefix_ns, XSC_DEFAULT_BUDGET_PREFIX);
	set_budget(&pol->budget_global, &pol->budget_global_ns, XSC_DEFAULT_BUDGET_GLOBAL);
	memset(pol->port, XSC_PORT_PROTECTED, sizeof(pol->port));
}

int policy_count_protected(const struct xsc_policy *pol)
{
	int n = 0;

	for (int p = 0; p < XSC_PORTS; p++)
		n += pol->port[p] & XSC_PORT_PROTECTED;
	return n;
}

static __u8 port_with_mode(__u8 byte, __u8 mode)
{
	return (byte & ~(XSC_PORT_MODE_MASK << XSC_PORT_MODE_SHIFT)) | mode << XSC_PORT_MODE_SHIFT;
}

int policy_apply(struct xsc_policy *pol, const struct policy_change *c, const char *what)
{
	struct xsc_policy *next = malloc(sizeof(*next));

	if (!next)
		return -ENOMEM;
	*next = *pol;
	if (c->ports_given) {
		/* A port that leaves the set loses its override: it must not come back with one. */
		memset(next->port, 0, sizeof(next->port));
		for (int i = 0; i < c->n_ports; i++)
			next->port[c->ports[i]] = XSC_PORT_PROTECTED;
		for (int p = 0; p < XSC_PORTS; p++)
			if (c->all_ports || next->port[p])
				next->port[p] = pol->port[p] | XSC_PORT_PROTECTED;
	}
	for (int i = 0; i < c->n_port_modes; i++) {
		uint16_t port = c->port_modes[i].port;

		if (!(next->port[port] & XSC_PORT_PROTECTED)) {
			pr_err("%s: --port-engage %u: port %u is not protected (see --ports)\n", what,
			       port, port);
			free(next);
			return -EINVAL;
		}
		next->port[port] = port_with_mode(next->port[port], c->port_modes[i].mode);
	}
	if (c->engage_given)
		next->engage = c->engage;
	if (c->syn_rate_given)
		set_syn_rate(next, c->syn_rate);
	if (c->queue_fill_given)
		set_queue_fill(next, c->queue_fill);
	if (c->hold_given)
		next->hold_s = c->hold_s;
	if (c->budget_prefix_given)
		set_budget(&next->budget_prefix, &next->budget_prefix_ns, c->budget_prefix);
	if (c->budget_global_given)
		set_budget(&next->budget_global, &next->budget_global_ns, c->budget_global);
	*pol = *next;
	free(next);
	return 0;
}
