// SPDX-License-Identifier: GPL-2.0
/* The Prometheus text exposition (format 0.0.4) of interfaces' counters, policies and ports. */
#include <errno.h>
#include <stdlib.h>
#include "export.h"
#include "log.h"
#include "policy.h"
#include "reasons.h"

#define PROM_PREFIX "xdp_syncookie_"

struct prom_iface {
	const char *name;
	int err;			/* 0: snap holds the interface */
	struct stats_snapshot snap;
};

/* Each family's HELP and TYPE, once: Prometheus refuses a family split in two. */
static void family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP " PROM_PREFIX "%s %s\n# TYPE " PROM_PREFIX "%s %s\n", name, help, name,
		type);
}

/* A quoted label value, with the three characters the format escapes escaped. Interface
 * names may hold quotes and backslashes: Linux refuses only '/', ':' and whitespace. */
static void label_value(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			fputc('\\', f);
		if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

/* NAME{interface="IF": the caller adds its labels, then "} VALUE". */
static void sample_start(FILE *f, const char *name, const char *ifname)
{
	fprintf(f, PROM_PREFIX "%s{interface=", name);
	label_value(f, ifname);
}

static void write_interfaces(FILE *f, const struct prom_iface *ifs, int n)
{
	family(f, "interface_up", "gauge",
	       "1 if the interface's attachment was read whole, 0 if not attached or unreadable");
	for (int i = 0; i < n; i++) {
		sample_start(f, "interface_up", ifs[i].name);
		fprintf(f, "} %d\n", !ifs[i].err);
	}
	family(f, "attached_since_seconds", "gauge", "Unix time the interface was attached");
	for (int i = 0; i < n; i++) {
		if (ifs[i].err)
			continue;
		sample_start(f, "attached_since_seconds", ifs[i].name);
		fprintf(f, "} %llu\n", (unsigned long long)ifs[i].snap.info.attached_at);
	}
}

/* Every defined reason, zeros too, so a series exists before its first packet. */
static void write_packets(FILE *f, const struct prom_iface *ifs, int n)
{
	family(f, "packets_total", "counter",
	       "Packets by the reason of their verdict, summed over CPUs ('xdp-syncookie reasons' "
	       "explains each)");
	for (int i = 0; i < n; i++) {
		if (ifs[i].err)
			continue;
		for (unsigned int r = 0; r < XSC_STAT_SLOTS; r++) {
			const struct xsc_reason_info *info = xsc_reason(r);

			if (!info)
				continue;
			sample_start(f, "packets_total", ifs[i].name);
			fprintf(f, ",reason=");
			label_value(f, info->name);
			fprintf(f, ",verdict=");
			label_value(f, info->verdict);
			fprintf(f, "} %llu\n", (unsigned long long)ifs[i].snap.totals[r]);
		}
	}
}

/* clang-format off */
static double pol_rate_high(const struct xsc_policy *p) { return p->syn_rate_high; }
static double pol_rate_low(const struct xsc_policy *p) { return p->syn_rate_low; }
static double pol_queue_high(const struct xsc_policy *p) { return p->queue_high / 100.0; }
static double pol_queue_low(const struct xsc_policy *p) { return p->queue_low / 100.0; }
static double pol_hold(const struct xsc_policy *p) { return p->hold_s; }
static double pol_protected(const struct xsc_policy *p) { return policy_count_protected(p); }
static double pol_budget_prefix(const struct xsc_policy *p) { return p->budget_prefix; }
static double pol_budget_global(const struct xsc_policy *p) { return p->budget_global; }
/* clang-format on */

static const struct {
	const char *name, *help;
	double (*value)(const struct xsc_policy *p);
} policy_metrics[] = {
	{ "policy_syn_rate_high", "SYN/s to a port that engages it (--syn-rate)", pol_rate_high },
	{ "policy_syn_rate_low", "SYN/s below which an engaged port may disengage", pol_rate_low },
	{ "policy_queue_fill_high_ratio",
	  "Listener queue fill, of its backlog, that engages a port (--queue-fill)", pol_queue_high },
	{ "policy_queue_fill_low_ratio", "Queue fill below which an engaged port may disengage",
	  pol_queue_low },
	{ "policy_hold_seconds", "How long a port stays engaged after the last pressure (--hold)",
	  pol_hold },
	{ "policy_protected_ports", "How many TCP ports are protected (--ports)", pol_protected },
	{ "policy_budget_prefix", "Cookie SYN-ACKs/s allowed to one /24 or /48, 0: no cap "
	  "(--budget-prefix)", pol_budget_prefix },
	{ "policy_budget_global", "Cookie SYN-ACKs/s allowed from the interface, 0: no cap "
	  "(--budget-global)", pol_budget_global },
};

static void write_policies(FILE *f, const struct prom_iface *ifs, int n)
{
	for (size_t m = 0; m < sizeof(policy_metrics) / sizeof(*policy_metrics); m++) {
		family(f, policy_metrics[m].name, "gauge", policy_metrics[m].help);
		for (int i = 0; i < n; i++) {
			if (ifs[i].err)
				continue;
			sample_start(f, policy_metrics[m].name, ifs[i].name);
			fprintf(f, "} %.10g\n", policy_metrics[m].value(ifs[i].snap.pol));
		}
	}
	/* A state set: one series per mode, 1 for the one in force, so a query can select on
	 * the mode without knowing its number. */
	family(f, "policy_engage_mode", "gauge",
	       "1 for the interface's engage mode (--engage), 0 for the others");
	for (int i = 0; i < n; i++) {
		if (ifs[i].err)
			continue;
		for (__u8 mode = XSC_ENGAGE_AUTO; mode <= XSC_ENGAGE_NEVER; mode++) {
			sample_start(f, "policy_engage_mode", ifs[i].name);
			fprintf(f, ",mode=");
			label_value(f, policy_mode_name(mode));
			fprintf(f, "} %d\n", ifs[i].snap.pol->engage == mode);
		}
	}
}

/* clang-format off */
static __u64 port_engaged(const struct port_view *v) { return v->st.engaged_since != 0; }
static __u64 port_syn_rate(const struct port_view *v) { return v->syn_rate_now; }
static __u64 port_engages(const struct port_view *v) { return v->st.engages; }
static __u64 port_cookies(const struct port_view *v) { return v->cookies_total; }
static __u64 port_qlen(const struct port_view *v) { return v->st.qlen; }
static __u64 port_accept(const struct port_view *v) { return v->st.ack_backlog; }
static __u64 port_backlog(const struct port_view *v) { return v->st.max_backlog; }
/* clang-format on */

/* The queues are as the port's last judged SYN found them, like status shows them. */
static const struct {
	const char *name, *type, *help;
	__u64 (*value)(const struct port_view *v);
} port_metrics[] = {
	{ "port_engaged", "gauge",
	  "1 while the port is engaged: under pressure, SYNs get cookies (engage never: counted only)",
	  port_engaged },
	{ "port_syn_rate", "gauge", "SYN/s to the port over the last complete rate window",
	  port_syn_rate },
	{ "port_engages_total", "counter", "Times the port engaged", port_engages },
	{ "port_cookies_total", "counter", "Cookie SYN-ACKs sent for the port", port_cookies },
	{ "port_syn_queue", "gauge", "The listener's SYN queue at the last judged SYN", port_qlen },
	{ "port_accept_queue", "gauge", "The listener's accept queue at the last judged SYN",
	  port_accept },
	{ "port_backlog", "gauge", "The listener's backlog at the last judged SYN", port_backlog },
};

/* Only ports with activity have series: 65536 mostly idle ones would drown the rest. */
static void write_ports(FILE *f, const struct prom_iface *ifs, int n)
{
	for (size_t m = 0; m < sizeof(port_metrics) / sizeof(*port_metrics); m++) {
		family(f, port_metrics[m].name, port_metrics[m].type, port_metrics[m].help);
		for (int i = 0; i < n; i++) {
			for (int p = 0; !ifs[i].err && p < ifs[i].snap.n_ports; p++) {
				const struct port_view *v = &ifs[i].snap.ports[p];

				sample_start(f, port_metrics[m].name, ifs[i].name);
				fprintf(f, ",port=\"%u\"} %llu\n", v->port,
					(unsigned long long)port_metrics[m].value(v));
			}
		}
	}
}

int prom_write(FILE *f, char names[][IF_NAMESIZE], int n)
{
	struct prom_iface *ifs = calloc(n > 0 ? n : 1, sizeof(*ifs));
	int err = 0;

	if (!ifs)
		return -ENOMEM;
	/* Everything is read before anything is written, so each family can list every
	 * interface under its one HELP and TYPE. */
	for (int i = 0; i < n; i++) {
		ifs[i].name = names[i];
		ifs[i].err = snapshot_read(names[i], &ifs[i].snap);
		if (ifs[i].err) {
			pr_err("metrics %s: %s\n", names[i], pin_strerror(ifs[i].err));
			err = err ?: ifs[i].err;
		}
	}
	write_interfaces(f, ifs, n);
	write_packets(f, ifs, n);
	write_policies(f, ifs, n);
	write_ports(f, ifs, n);
	for (int i = 0; i < n; i++)
		snapshot_free(&ifs[i].snap);
	free(ifs);
	return err;
}
