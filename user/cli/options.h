/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every command-line option, defined once (user/cli/options.c): its names, value, range,
 * help line and how it is checked. Commands list the options they take; the getopt tables,
 * the checks and the --help text all come from the one table.
 */
#ifndef XSC_OPTIONS_H
#define XSC_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <xdp/libxdp.h>
#include "policy.h"

enum opt_id {
	OPT_MODE,
	OPT_PORTS,
	OPT_MSS4,
	OPT_MSS6,
	OPT_WSCALE,
	OPT_HANDOFF,
	OPT_GATEWAY,
	OPT_TTL,
	OPT_ENGAGE,
	OPT_PORT_ENGAGE,
	OPT_SYN_RATE,
	OPT_QUEUE_FILL,
	OPT_HOLD,
	OPT_BUDGET_PREFIX,
	OPT_BUDGET_GLOBAL,
	OPT_KEY_FILE,
	OPT_ALLOW_FILE,
	OPT_DENY_FILE,
	OPT_REPLACE,
	OPT_GROUP,
	OPT_JSON,
	OPT_ALL,
	OPT_COUNT,
	OPT_TIMEOUT,
	OPT_CONFIG,
	OPT_CHECK,
	OPT_PROMETHEUS,
	OPT_WATCH,
	OPT_INTERVAL,		/* num[] holds milliseconds: it takes fractions of a second */
	OPT_VERBOSE,
	OPT_HELP,
	OPT_END,
};

/* --interval when not given: once a second, the pace of the rate gauges people read. */
#define OPT_INTERVAL_DEFAULT_MS 1000

/* The options a command takes; attach and set share the policy ones. */
#define OPTS_POLICY OPT_PORTS, OPT_ENGAGE, OPT_PORT_ENGAGE, OPT_SYN_RATE, OPT_QUEUE_FILL, OPT_HOLD, \
	OPT_BUDGET_PREFIX, OPT_BUDGET_GLOBAL

struct opt_values {
	unsigned long given;		/* bit 1 << OPT_* for each option on the command line */
	int verbose;
	enum xdp_attach_mode xdp_mode;
	int handoff;			/* XSC_HANDOFF_*, XSC_HANDOFF_AUTO unless given */
	unsigned long num[OPT_END];	/* the value of each numeric option */
	const char *str[OPT_END];	/* the value of each file option */
	struct policy_change policy;	/* --ports, --engage, --port-engage and the thresholds */
};

static inline bool opt_given(const struct opt_values *v, enum opt_id id)
{
	return (v->given >> id) & 1;
}

/* Parses the options in allowed (OPT_END-terminated; -v and -h are always taken) and
 * returns the index of the first positional argument, or -1 after --help, -2 after an
 * error (a message naming the option and the value is printed). */
int opts_parse(const enum opt_id *allowed, int argc, char **argv, struct opt_values *v);
/* Empty values: nothing given, native mode. */
void opts_init(struct opt_values *v);
/* Checks and stores one option's value as if it had been given on the command line (the
 * service's config file takes the attach options this way, with the same checks);
 * -EINVAL after a message naming the option and the value. */
int opts_store(enum opt_id id, const char *arg, struct opt_values *v);
/* The SYN-ACK settings (--mss4, --mss6, --wscale, --ttl) the values give, over the defaults;
 * true if any was given. */
bool opts_settings(const struct opt_values *v, struct xsc_settings *s);
/* The long name of an option (without "--"), for messages about how options combine. */
const char *opt_name(enum opt_id id);
/* The "Options:" part of a command's --help. */
void opts_help(FILE *f, const enum opt_id *allowed);

/* Strict value parsers, also used by tests of the parsing itself. Each prints
 * "OPTION: ..." naming the value and returns -EINVAL on error. */
int parse_uint(const char *option, const char *text, unsigned long min, unsigned long max,
	       unsigned long *out);
/* "80,443,8000-8010" (ports 1-65535, no duplicates, at most XSC_MAX_LISTED_PORTS) or "all". */
int parse_ports(const char *text, struct policy_change *c);
/* "443:always,80:never,8080:default". */
int parse_port_modes(const char *text, struct policy_change *c);

#endif /* XSC_OPTIONS_H */
