// SPDX-License-Identifier: GPL-2.0
/* The option table, the parser built from it, and strict value parsing. */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include "log.h"
#include "options.h"
#include "settings.h"

struct opt_spec {
	const char *name;
	char short_name;		/* 0: long form only */
	const char *metavar;		/* NULL: a flag */
	unsigned long min, max;		/* numbers: the accepted range */
	int (*store)(enum opt_id id, const char *arg, struct opt_values *v);
	const char *help;
	unsigned long (*dflt)(void);	/* numbers: the default, for --help */
};

static int store_flag(enum opt_id id, const char *arg, struct opt_values *v);
static int store_uint(enum opt_id id, const char *arg, struct opt_values *v);
static int store_mode(enum opt_id id, const char *arg, struct opt_values *v);
static int store_ports(enum opt_id id, const char *arg, struct opt_values *v);
static int store_handoff(enum opt_id id, const char *arg, struct opt_values *v);
static int store_engage(enum opt_id id, const char *arg, struct opt_values *v);
static int store_port_engage(enum opt_id id, const char *arg, struct opt_values *v);
static int store_string(enum opt_id id, const char *arg, struct opt_values *v);
static int store_seconds_ms(enum opt_id id, const char *arg, struct opt_values *v);

static unsigned long dflt_mss4(void) { return XSC_DEFAULT_MSS4; }
static unsigned long dflt_mss6(void) { return XSC_DEFAULT_MSS6; }
static unsigned long dflt_ttl(void) { return XSC_DEFAULT_TTL; }
static unsigned long dflt_syn_rate(void) { return XSC_DEFAULT_SYN_RATE; }
static unsigned long dflt_queue_fill(void) { return XSC_DEFAULT_QUEUE_FILL; }
static unsigned long dflt_hold(void) { return XSC_DEFAULT_HOLD_S; }
static unsigned long dflt_budget_prefix(void) { return XSC_DEFAULT_BUDGET_PREFIX; }
static unsigned long dflt_budget_global(void) { return XSC_DEFAULT_BUDGET_GLOBAL; }
static unsigned long dflt_interval_ms(void) { return OPT_INTERVAL_DEFAULT_MS; }

static const struct opt_spec specs[OPT_END] = {
	[OPT_MODE] = { "mode", 'm', "MODE", 0, 0, store_mode,
		       "native (driver XDP, the default) or skb (generic XDP)", NULL },
	[OPT_PORTS] = { "ports", 'p', "LIST", 0, 0, store_ports,
			"protect these TCP ports: 80,443,8000-8010, or all (the default)", NULL },
	[OPT_MSS4] = { "mss4", 0, "N", 536, 9000, store_uint, "MSS we advertise over IPv4", dflt_mss4 },
	[OPT_MSS6] = { "mss6", 0, "N", 1220, 9000, store_uint, "MSS we advertise over IPv6", dflt_mss6 },
	[OPT_WSCALE] = { "wscale", 0, "N", 0, XSC_MAX_WSCALE, store_uint,
			 "our window scale; the default is what Linux offers here (gateway mode: it "
			 "must be the servers' own, SYNPROXY does not rescale their window)",
			 kernel_wscale },
	[OPT_HANDOFF] = { "handoff", 0, "HOW", 0, 0, store_handoff,
			  "how a cookie ACK becomes a socket: reqsk (our cookies and a TC program, "
			  "Linux 6.9+), kernel (the kernel's own cookies, older kernels too), synproxy "
			  "(gateway mode: see --gateway), or auto (reqsk where the kernel has it, the "
			  "default)", NULL },
	[OPT_GATEWAY] = { "gateway", 0, NULL, 0, 0, store_flag,
			  "protect the servers behind this host (forwarded traffic) instead of the "
			  "host: the kernel's cookies in XDP, the final ACK to netfilter SYNPROXY in "
			  "a table of our own (Linux 6.0+, nf_conntrack with BTF; the same as "
			  "--handoff synproxy)", NULL },
	[OPT_TTL] = { "ttl", 0, "N", 1, 255, store_uint, "TTL / hop limit of SYN-ACKs", dflt_ttl },
	[OPT_ENGAGE] = { "engage", 0, "MODE", 0, 0, store_engage,
			 "auto (cookies while a port is under pressure, the default), always, or "
			 "never (monitor: the kernel answers)", NULL },
	[OPT_PORT_ENGAGE] = { "port-engage", 0, "LIST", 0, 0, store_port_engage,
			      "per-port modes: 443:always,80:never (default: the port follows "
			      "--engage)", NULL },
	[OPT_SYN_RATE] = { "syn-rate", 0, "N", 1, 100000000, store_uint,
			   "engage a port above N SYN/s (disengage below N/2)", dflt_syn_rate },
	[OPT_QUEUE_FILL] = { "queue-fill", 0, "PCT", 1, 100, store_uint,
			     "engage a port when its listener's queue passes PCT% of the backlog "
			     "(disengage below PCT/2)", dflt_queue_fill },
	[OPT_BUDGET_PREFIX] = { "budget-prefix", 0, "N", 0, 100000000, store_uint,
				"send at most N cookie SYN-ACKs/s to one /24 or /48 (0: no cap); past "
				"it SYNs are dropped: a reflection cap", dflt_budget_prefix },
	[OPT_BUDGET_GLOBAL] = { "budget-global", 0, "N", 0, 100000000, store_uint,
				"send at most N cookie SYN-ACKs/s from the interface (0: no cap)",
				dflt_budget_global },
	[OPT_HOLD] = { "hold", 0, "SECONDS", 1, 86400, store_uint,
		       "stay engaged this long after the last sign of pressure", dflt_hold },
	[OPT_KEY_FILE] = { "key-file", 0, "FILE", 0, 0, store_string,
			   "the cookie master secret, shared by a fleet (32 hex digits, mode 0600; "
			   "default: a random one)", NULL },
	[OPT_ALLOW_FILE] = { "allow-file", 0, "FILE", 0, 0, store_string,
			     "the allow list: one prefix per line, '#' comments (replaces the list)",
			     NULL },
	[OPT_DENY_FILE] = { "deny-file", 0, "FILE", 0, 0, store_string,
			    "the deny list: one prefix per line, '#' comments (replaces the list)",
			    NULL },
	[OPT_REPLACE] = { "replace", 0, NULL, 0, 0, store_flag,
			  "upgrade an attached interface in place: this build's programs swap in, "
			  "keys, counters, policy, lists and handshakes stay", NULL },
	[OPT_GROUP] = { "group", 0, "NAME", 0, 0, store_string,
			"let this group read counters and states without root (with CAP_BPF); "
			"the key stays root's", NULL },
	[OPT_JSON] = { "json", 'j', NULL, 0, 0, store_flag, "print JSON", NULL },
	[OPT_ALL] = { "all", 'a', NULL, 0, 0, store_flag, "also print counters that are zero", NULL },
	[OPT_COUNT] = { "count", 'n', "N", 1, 1000000, store_uint,
			"exit after N events, or N refreshes of --watch (default: follow until "
			"interrupted)", NULL },
	[OPT_TIMEOUT] = { "timeout", 't', "SECONDS", 1, 31536000, store_uint,
			  "exit after this long (default: follow until interrupted)", NULL },
	[OPT_CONFIG] = { "config", 'c', "FILE", 0, 0, store_string,
			 "the configuration file (see xdp-syncookie(8))", NULL },
	[OPT_CHECK] = { "check", 0, NULL, 0, 0, store_flag,
			"check the configuration, list files and key file, then exit", NULL },
	[OPT_PROMETHEUS] = { "prometheus", 0, NULL, 0, 0, store_flag,
			     "print the Prometheus text exposition (format 0.0.4)", NULL },
	[OPT_WATCH] = { "watch", 'w', NULL, 0, 0, store_flag,
			"show rates per reason and per engaged port, refreshed until interrupted",
			NULL },
	/* Below 0.1 s the rates are mostly the noise of the reads themselves. */
	[OPT_INTERVAL] = { "interval", 'i', "SECONDS", 100, 3600000, store_seconds_ms,
			   "refresh --watch every SECONDS, fractions allowed", dflt_interval_ms },
	[OPT_VERBOSE] = { "verbose", 'v', NULL, 0, 0, store_flag,
			  "show library and verifier messages (-vv: all of them)", NULL },
	[OPT_HELP] = { "help", 'h', NULL, 0, 0, store_flag, "show this help", NULL },
};

/* ---- value parsing ---- */

int parse_uint(const char *option, const char *text, unsigned long min, unsigned long max,
	       unsigned long *out)
{
	unsigned long v;
	char *end;

	if (!text || !*text || !isdigit((unsigned char)text[0])) {
		pr_err("%s: '%s' is not a number\n", option, text ? text : "");
		return -EINVAL;
	}
	errno = 0;
	v = strtoul(text, &end, 10);
	if (*end) {
		pr_err("%s: '%s' is not a number\n", option, text);
		return -EINVAL;
	}
	if (errno || v < min || v > max) {
		pr_err("%s: %s is out of range (%lu-%lu)\n", option, text, min, max);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

/* One comma-separated item, as a string of its own. */
static int list_item(const char *option, const char *item, size_t len, char *buf, size_t size)
{
	if (len == 0 || len >= size) {
		pr_err("%s: '%.*s' is not a valid item\n", option, (int)len, item);
		return -EINVAL;
	}
	memcpy(buf, item, len);
	buf[len] = '\0';
	return 0;
}

static int parse_port(const char *option, const char *text, size_t len, unsigned long *port)
{
	char buf[16];

	if (list_item(option, text, len, buf, sizeof(buf)))
		return -EINVAL;
	return parse_uint(option, buf, 1, 65535, port);
}

int parse_ports(const char *text, struct policy_change *c)
{
	static unsigned char seen[XSC_PORTS];
	const char *item = text;
	int n = 0;

	memset(seen, 0, sizeof(seen));
	if (!*text) {
		pr_err("--ports: empty list\n");
		return -EINVAL;
	}
	if (!strcmp(text, "all")) {
		c->ports_given = c->all_ports = true;
		c->n_ports = 0;
		return 0;
	}
	for (;;) {
		size_t len = strcspn(item, ",");
		const char *dash = memchr(item, '-', len);
		unsigned long lo, hi;

		if (dash) {
			if (parse_port("--ports", item, dash - item, &lo) ||
			    parse_port("--ports", dash + 1, len - (dash - item) - 1, &hi))
				return -EINVAL;
			if (hi < lo) {
				pr_err("--ports: range '%.*s' runs backwards\n", (int)len, item);
				return -EINVAL;
			}
		} else {
			if (parse_port("--ports", item, len, &lo))
				return -EINVAL;
			hi = lo;
		}
		for (unsigned long p = lo; p <= hi; p++) {
			if (seen[p]) {
				pr_err("--ports: port %lu is listed twice\n", p);
				return -EINVAL;
			}
			if (n == XSC_MAX_LISTED_PORTS) {
				pr_err("--ports: more than %d ports (--ports all protects every one)\n",
				       XSC_MAX_LISTED_PORTS);
				return -EINVAL;
			}
			seen[p] = 1;
			c->ports[n++] = p;
		}
		if (!item[len])
			break;
		item += len + 1;
	}
	c->ports_given = true;
	c->all_ports = false;
	c->n_ports = n;
	return 0;
}

int parse_port_modes(const char *text, struct policy_change *c)
{
	const char *item = text;
	int n = 0;

	if (!*text) {
		pr_err("--port-engage: empty list\n");
		return -EINVAL;
	}
	for (;;) {
		size_t len = strcspn(item, ",");
		const char *colon = memchr(item, ':', len);
		char mode[16];
		unsigned long port;
		int m;

		if (!colon) {
			pr_err("--port-engage: '%.*s' is not PORT:MODE\n", (int)len, item);
			return -EINVAL;
		}
		if (parse_port("--port-engage", item, colon - item, &port) ||
		    list_item("--port-engage", colon + 1, len - (colon - item) - 1, mode, sizeof(mode)))
			return -EINVAL;
		m = policy_mode_parse(mode, true);
		if (m < 0) {
			pr_err("--port-engage: '%s' is not auto, always, never or default\n", mode);
			return -EINVAL;
		}
		for (int i = 0; i < n; i++)
			if (c->port_modes[i].port == port) {
				pr_err("--port-engage: port %lu is listed twice\n", port);
				return -EINVAL;
			}
		if (n == POLICY_MAX_PORT_MODES) {
			pr_err("--port-engage: more than %d ports\n", POLICY_MAX_PORT_MODES);
			return -EINVAL;
		}
		c->port_modes[n].port = port;
		c->port_modes[n].mode = m;
		n++;
		if (!item[len])
			break;
		item += len + 1;
	}
	c->n_port_modes = n;
	return 0;
}

/* "1", "0.5", "2.25": seconds as decimal digits with at most one point, no sign or
 * exponent, in milliseconds between min and max. */
static int parse_seconds_ms(const char *option, const char *text, unsigned long min,
			    unsigned long max, unsigned long *out)
{
	size_t digits = strspn(text, "0123456789"), frac = 0;
	double secs;

	if (text[digits] == '.')
		frac = strspn(text + digits + 1, "0123456789");
	if (digits + frac == 0 || text[digits + (text[digits] == '.' ? 1 + frac : 0)]) {
		pr_err("%s: '%s' is not a number of seconds\n", option, text);
		return -EINVAL;
	}
	secs = strtod(text, NULL);
	if (secs * 1000 < min || secs * 1000 > max) {
		pr_err("%s: %s is out of range (%g-%g)\n", option, text, min / 1000.0, max / 1000.0);
		return -EINVAL;
	}
	*out = (unsigned long)(secs * 1000 + 0.5);
	return 0;
}

/* ---- storing what the table says ---- */

static int store_flag(enum opt_id id, const char *arg, struct opt_values *v)
{
	(void)arg;
	if (id == OPT_VERBOSE)
		log_set_verbose(++v->verbose);
	return 0;
}

static int store_uint(enum opt_id id, const char *arg, struct opt_values *v)
{
	char option[32];

	snprintf(option, sizeof(option), "--%s", specs[id].name);
	return parse_uint(option, arg, specs[id].min, specs[id].max, &v->num[id]);
}

static int store_mode(enum opt_id id, const char *arg, struct opt_values *v)
{
	(void)id;
	if (!strcmp(arg, "native")) {
		v->xdp_mode = XDP_MODE_NATIVE;
	} else if (!strcmp(arg, "skb")) {
		v->xdp_mode = XDP_MODE_SKB;
	} else {
		pr_err("--mode: '%s' is not native or skb\n", arg);
		return -EINVAL;
	}
	return 0;
}

static int store_handoff(enum opt_id id, const char *arg, struct opt_values *v)
{
	(void)id;
	if (!strcmp(arg, "reqsk")) {
		v->handoff = XSC_HANDOFF_REQSK;
	} else if (!strcmp(arg, "kernel")) {
		v->handoff = XSC_HANDOFF_KERNEL;
	} else if (!strcmp(arg, "synproxy")) {
		v->handoff = XSC_HANDOFF_SYNPROXY;	/* gateway mode, as --gateway */
	} else if (!strcmp(arg, "auto")) {
		v->handoff = XSC_HANDOFF_AUTO;
	} else {
		pr_err("--handoff: '%s' is not reqsk, kernel, synproxy or auto\n", arg);
		return -EINVAL;
	}
	return 0;
}

static int store_ports(enum opt_id id, const char *arg, struct opt_values *v)
{
	(void)id;
	return parse_ports(arg, &v->policy);
}

static int store_engage(enum opt_id id, const char *arg, struct opt_values *v)
{
	int m = policy_mode_parse(arg, false);

	(void)id;
	if (m < 0) {
		pr_err("--engage: '%s' is not auto, always or never\n", arg);
		return -EINVAL;
	}
	v->policy.engage_given = true;
	v->policy.engage = m;
	return 0;
}

static int store_port_engage(enum opt_id id, const char *arg, struct opt_values *v)
{
	(void)id;
	return parse_port_modes(arg, &v->policy);
}

static int store_string(enum opt_id id, const char *arg, struct opt_values *v)
{
	if (!*arg) {
		pr_err("--%s: empty file name\n", specs[id].name);
		return -EINVAL;
	}
	v->str[id] = arg;
	return 0;
}

static int store_seconds_ms(enum opt_id id, const char *arg, struct opt_values *v)
{
	char option[32];

	snprintf(option, sizeof(option), "--%s", specs[id].name);
	return parse_seconds_ms(option, arg, specs[id].min, specs[id].max, &v->num[id]);
}

/* ---- the parser ---- */

static bool allowed_has(const enum opt_id *allowed, enum opt_id id)
{
	if (id == OPT_VERBOSE || id == OPT_HELP)
		return true;
	for (; *allowed != OPT_END; allowed++)
		if (*allowed == id)
			return true;
	return false;
}

/* The numeric policy options, from where the table stores numbers into the change. */
static void sync_policy(struct opt_values *v)
{
	v->policy.syn_rate_given = opt_given(v, OPT_SYN_RATE);
	v->policy.syn_rate = v->num[OPT_SYN_RATE];
	v->policy.queue_fill_given = opt_given(v, OPT_QUEUE_FILL);
	v->policy.queue_fill = v->num[OPT_QUEUE_FILL];
	v->policy.hold_given = opt_given(v, OPT_HOLD);
	v->policy.hold_s = v->num[OPT_HOLD];
	v->policy.budget_prefix_given = opt_given(v, OPT_BUDGET_PREFIX);
	v->policy.budget_prefix = v->num[OPT_BUDGET_PREFIX];
	v->policy.budget_global_given = opt_given(v, OPT_BUDGET_GLOBAL);
	v->policy.budget_global = v->num[OPT_BUDGET_GLOBAL];
}

int opts_parse(const enum opt_id *allowed, int argc, char **argv, struct opt_values *v)
{
	struct option longopts[OPT_END + 1] = {};
	char optstring[2 * OPT_END + 1];	/* GNU order: options may follow the interfaces */
	int n = 0, c;
	size_t o = 0;

	opts_init(v);
	for (int id = 0; id < OPT_END; id++) {
		if (!allowed_has(allowed, id))
			continue;
		longopts[n++] = (struct option){ specs[id].name,
						 specs[id].metavar ? required_argument : no_argument,
						 NULL, 256 + id };
		if (specs[id].short_name) {
			optstring[o++] = specs[id].short_name;
			if (specs[id].metavar)
				optstring[o++] = ':';
		}
	}
	optstring[o] = '\0';
	optind = 1;
	opterr = 1;
	while ((c = getopt_long(argc, argv, optstring, longopts, NULL)) != -1) {
		int id = -1;

		if (c >= 256) {
			id = c - 256;
		} else {
			for (int i = 0; i < OPT_END; i++)
				if (specs[i].short_name == c && allowed_has(allowed, i))
					id = i;
		}
		if (id < 0)
			return -2;	/* getopt printed what was wrong */
		if (specs[id].store(id, optarg, v))
			return -2;
		v->given |= 1UL << id;
		if (id == OPT_HELP)
			return -1;
	}
	sync_policy(v);
	return optind;
}

void opts_init(struct opt_values *v)
{
	memset(v, 0, sizeof(*v));
	v->xdp_mode = XDP_MODE_NATIVE;
	v->handoff = XSC_HANDOFF_AUTO;
}

int opts_store(enum opt_id id, const char *arg, struct opt_values *v)
{
	int err = specs[id].store(id, arg, v);

	if (err)
		return err;
	v->given |= 1UL << id;
	sync_policy(v);
	return 0;
}

bool opts_settings(const struct opt_values *v, struct xsc_settings *s)
{
	static const enum opt_id ids[] = { OPT_MSS4, OPT_MSS6, OPT_WSCALE, OPT_TTL };
	bool given = false;

	settings_defaults(s);
	for (size_t i = 0; i < sizeof(ids) / sizeof(*ids); i++)
		given |= opt_given(v, ids[i]);
	if (opt_given(v, OPT_MSS4))
		s->mss4 = v->num[OPT_MSS4];
	if (opt_given(v, OPT_MSS6))
		s->mss6 = v->num[OPT_MSS6];
	if (opt_given(v, OPT_WSCALE))
		s->wscale = v->num[OPT_WSCALE];
	if (opt_given(v, OPT_TTL))
		s->ttl = v->num[OPT_TTL];
	return given;
}

const char *opt_name(enum opt_id id)
{
	return id < OPT_END ? specs[id].name : "?";
}

/* Help lines wrap at this width, continuing under the text. */
#define HELP_WIDTH 100
#define HELP_INDENT 27

void opts_help(FILE *f, const enum opt_id *allowed)
{
	fprintf(f, "Options:\n");
	for (int id = 0; id < OPT_END; id++) {
		const struct opt_spec *s = &specs[id];
		char left[48], text[512];
		const char *p = text;
		int col = HELP_INDENT;

		if (!allowed_has(allowed, id))
			continue;
		if (s->short_name)
			snprintf(left, sizeof(left), "-%c, --%s %s", s->short_name, s->name,
				 s->metavar ? s->metavar : "");
		else
			snprintf(left, sizeof(left), "    --%s %s", s->name, s->metavar ? s->metavar : "");
		if (s->store == store_uint && s->dflt)
			snprintf(text, sizeof(text), "%s (%lu-%lu, default %lu)", s->help, s->min, s->max,
				 s->dflt());
		else if (s->store == store_uint)
			snprintf(text, sizeof(text), "%s (%lu-%lu)", s->help, s->min, s->max);
		else if (s->store == store_seconds_ms)
			snprintf(text, sizeof(text), "%s (%g-%g, default %g)", s->help, s->min / 1000.0,
				 s->max / 1000.0, s->dflt() / 1000.0);
		else
			snprintf(text, sizeof(text), "%s", s->help);
		fprintf(f, "  %-*s", HELP_INDENT - 3, left);
		while (*p) {
			size_t word = strcspn(p, " ");

			if (col + 1 + (int)word > HELP_WIDTH && col > HELP_INDENT) {
				fprintf(f, "\n%*s", HELP_INDENT - 1, "");
				col = HELP_INDENT;
			}
			fprintf(f, " %.*s", (int)word, p);
			col += 1 + word;
			p += word;
			p += strspn(p, " ");
		}
		fprintf(f, "\n");
	}
}
