// SPDX-License-Identifier: GPL-2.0
/*
 * The configuration file's text: INI through libinih, every value checked by the option
 * table the CLI uses, every error named FILE:LINE. libinih reads the lines through our
 * reader, which counts them and sees the section headers (the library reports a section
 * only with its first key, and an [interface NAME] with none is a valid one: all
 * defaults). What the host must have (the interfaces, list and key files) is checked in
 * config_load.c.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <ini.h>
#include "config.h"
#include "log.h"
#include "policy.h"

/* Longest line taken; longer ones are an error, never cut in two. A --ports list of
 * single ports runs to about 6 characters a port. */
#define CONFIG_MAX_LINE 8192
/* What libinih skips at the start of a file (ini_allow_bom). */
#define UTF8_BOM "\xef\xbb\xbf"

/* The attach options an [interface NAME] section takes, under their own names with '_'
 * for '-' (port-engage is port_engage); the list files are the section's own. */
static const enum opt_id iface_opts[] = {
	OPT_MODE, OPTS_POLICY, OPT_MSS4, OPT_MSS6, OPT_WSCALE, OPT_HANDOFF, OPT_TTL, OPT_END,
};

enum key_id {
	KEY_METRICS,
	KEY_ON_STOP,
	KEY_KEY_FILE,
	KEY_ALLOW_FILE,
	KEY_DENY_FILE,
	KEY_OPT,		/* KEY_OPT + i: iface_opts[i] */
	KEY_MAX = KEY_OPT + sizeof(iface_opts) / sizeof(iface_opts[0]) - 1,
};

struct parse {
	struct svc_config *c;
	FILE *f;
	char *buf;
	size_t cap;
	int line;
	bool failed;
	int section_line;		/* 0: before any section */
	struct svc_iface *ifc;		/* in [interface NAME]; NULL in [service] */
	int service_line;		/* where [service] was, 0 if not yet */
	int key_line[KEY_MAX];		/* where each key of this section was, 0 if not yet */
};

static void config_err(struct parse *p, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void config_err(struct parse *p, int line, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (p->failed)
		return;		/* one error, the first */
	p->failed = true;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pr_err("run: %s:%d: %s\n", p->c->path, line, msg);
}

static void key_name(enum opt_id id, char *buf, size_t len)
{
	snprintf(buf, len, "%s", opt_name(id));
	for (char *s = buf; *s; s++)
		if (*s == '-')
			*s = '_';
}

static int key_lookup(const char *name, bool service)
{
	static const char *const own[] = {
		[KEY_METRICS] = "metrics", [KEY_ON_STOP] = "on_stop", [KEY_KEY_FILE] = "key_file",
		[KEY_ALLOW_FILE] = "allow_file", [KEY_DENY_FILE] = "deny_file",
	};
	char buf[32];

	if (service) {
		for (int k = KEY_METRICS; k <= KEY_KEY_FILE; k++)
			if (!strcmp(name, own[k]))
				return k;
		return -1;
	}
	for (int k = KEY_ALLOW_FILE; k <= KEY_DENY_FILE; k++)
		if (!strcmp(name, own[k]))
			return k;
	for (int i = 0; iface_opts[i] != OPT_END; i++) {
		key_name(iface_opts[i], buf, sizeof(buf));
		if (!strcmp(name, buf))
			return KEY_OPT + i;
	}
	return -1;
}

/* A section header, as the reader sees it (before libinih does). */
static void section_begin(struct parse *p, const char *name)
{
	struct svc_config *c = p->c;
	const char *ifname;

	memset(p->key_line, 0, sizeof(p->key_line));
	p->section_line = p->line;
	p->ifc = NULL;
	if (!strcmp(name, "service")) {
		if (p->service_line)
			config_err(p, p->line, "[service] given twice (first on line %d)",
				   p->service_line);
		p->service_line = p->line;
		return;
	}
	if (strncmp(name, "interface", 9) || (name[9] && name[9] != ' ')) {
		config_err(p, p->line, "unknown section [%s] (expected [service] or "
			   "[interface NAME])", name);
		return;
	}
	ifname = name + 9 + strspn(name + 9, " ");
	if (!*ifname || strlen(ifname) >= IF_NAMESIZE || strpbrk(ifname, " /\t")) {
		config_err(p, p->line, "[%s]: '%s' is not an interface name", name, ifname);
		return;
	}
	for (int i = 0; i < c->n; i++)
		if (!strcmp(c->ifc[i].name, ifname)) {
			config_err(p, p->line, "[interface %s] given twice (first on line %d)",
				   ifname, c->ifc[i].line);
			return;
		}
	if (c->n == SVC_MAX_IFACES) {
		config_err(p, p->line, "more than %d interfaces", SVC_MAX_IFACES);
		return;
	}
	p->ifc = &c->ifc[c->n++];
	snprintf(p->ifc->name, sizeof(p->ifc->name), "%s", ifname);
	p->ifc->line = p->line;
	opts_init(&p->ifc->opts);
}

/* libinih's fgets: one whole line at a time, counted, section headers seen first. A
 * failure ends the file for libinih (NULL), and the error is ours to report. */
static char *read_line(char *str, int num, void *arg)
{
	struct parse *p = arg;
	ssize_t len = getline(&p->buf, &p->cap, p->f);
	char *s, *end;

	if (len < 0 || p->failed)
		return NULL;
	p->line++;
	if (len >= num - 1 || len >= CONFIG_MAX_LINE - 1) {
		config_err(p, p->line, "line longer than %d characters", CONFIG_MAX_LINE - 2);
		return NULL;
	}
	if (memchr(p->buf, '\0', len)) {
		config_err(p, p->line, "a NUL byte: not a text file");
		return NULL;
	}
	memcpy(str, p->buf, len + 1);
	/* Where libinih looks for a '[': past a UTF-8 byte order mark on the first line and
	 * any isspace() (\f and \v too), or it would see a section this reader does not and
	 * the keys below it would land in the section before. */
	s = p->buf;
	if (p->line == 1 && !strncmp(s, UTF8_BOM, strlen(UTF8_BOM)))
		s += strlen(UTF8_BOM);
	while (isspace((unsigned char)*s))
		s++;
	if (*s == '[' && (end = strchr(s, ']'))) {
		*end = '\0';
		section_begin(p, s + 1);
		if (p->failed)
			return NULL;
	}
	return str;
}

static int set_metrics(struct parse *p, const char *v)
{
	struct svc_config *c = p->c;
	struct sockaddr_in *sin = (struct sockaddr_in *)&c->metrics;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&c->metrics;
	char host[INET6_ADDRSTRLEN + 2], what[PATH_MAX + 32];
	const char *colon = strrchr(v, ':');
	unsigned long port;
	size_t hlen;
	int err;

	snprintf(c->metrics_text, sizeof(c->metrics_text), "%s", v);
	if (!strcmp(v, "off")) {
		c->metrics_on = false;
		return 0;
	}
	hlen = colon ? (size_t)(colon - v) : 0;
	if (!colon || hlen == 0 || hlen >= sizeof(host)) {
		config_err(p, p->line, "metrics: '%s' is not ADDRESS:PORT, [ADDRESS]:PORT or off", v);
		return -EINVAL;
	}
	memcpy(host, v, hlen);
	host[hlen] = '\0';
	snprintf(what, sizeof(what), "run: %s:%d: metrics", c->path, p->line);
	log_set_context(what);
	err = parse_uint("port", colon + 1, 1, 65535, &port);
	log_set_context(NULL);
	if (err) {
		p->failed = true;
		return err;
	}
	memset(&c->metrics, 0, sizeof(c->metrics));
	if (host[0] == '[' && host[hlen - 1] == ']') {
		host[hlen - 1] = '\0';
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		c->metrics_len = sizeof(*sin6);
		err = inet_pton(AF_INET6, host + 1, &sin6->sin6_addr) == 1 ? 0 : -EINVAL;
	} else {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		c->metrics_len = sizeof(*sin);
		err = inet_pton(AF_INET, host, &sin->sin_addr) == 1 ? 0 : -EINVAL;
	}
	if (err)
		config_err(p, p->line, "metrics: '%s' is not a numeric IPv4 address or a [bracketed] "
			   "IPv6 one", host);
	c->metrics_on = !err;
	return err;
}

static int set_path(struct parse *p, const char *key, const char *v, char *dst)
{
	if (v[0] != '/' || strlen(v) >= PATH_MAX) {
		config_err(p, p->line, "%s: '%s' is not an absolute path", key, v);
		return -EINVAL;
	}
	strcpy(dst, v);
	return 0;
}

static int set_value(struct parse *p, int key, const char *name, const char *v)
{
	char what[PATH_MAX + 32];
	int err;

	switch (key) {
	case KEY_METRICS:
		return set_metrics(p, v);
	case KEY_ON_STOP:
		if (!strcmp(v, "detach") || !strcmp(v, "keep")) {
			p->c->on_stop = v[0] == 'k' ? SVC_STOP_KEEP : SVC_STOP_DETACH;
			return 0;
		}
		config_err(p, p->line, "on_stop: '%s' is not detach or keep", v);
		return -EINVAL;
	case KEY_KEY_FILE:
		return set_path(p, name, v, p->c->key_file);
	case KEY_ALLOW_FILE:
		return set_path(p, name, v, p->ifc->allow_file);
	case KEY_DENY_FILE:
		return set_path(p, name, v, p->ifc->deny_file);
	}
	/* The CLI's own check, its message led by where the value is. */
	snprintf(what, sizeof(what), "run: %s:%d", p->c->path, p->line);
	log_set_context(what);
	err = opts_store(iface_opts[key - KEY_OPT], v, &p->ifc->opts);
	log_set_context(NULL);
	if (err)
		p->failed = true;
	return err;
}

/* libinih's handler: non-zero is success. */
static int on_value(void *arg, const char *section, const char *name, const char *value)
{
	struct parse *p = arg;
	int key;

	(void)section;	/* the reader has seen it, with its line */
	if (p->failed)
		return 0;
	if (!p->section_line) {
		config_err(p, p->line, "'%s' before any section ([service] or [interface NAME])",
			   name);
		return 0;
	}
	key = key_lookup(name, !p->ifc);
	if (key < 0) {
		if (p->ifc)
			config_err(p, p->line, "unknown key '%s' in [interface %s]", name,
				   p->ifc->name);
		else
			config_err(p, p->line, "unknown key '%s' in [service]", name);
		return 0;
	}
	if (p->key_line[key]) {
		config_err(p, p->line, "'%s' given twice (first on line %d)", name,
			   p->key_line[key]);
		return 0;
	}
	p->key_line[key] = p->line;
	if (key == KEY_KEY_FILE)
		p->c->key_file_line = p->line;
	else if (key >= KEY_OPT && iface_opts[key - KEY_OPT] == OPT_PORT_ENGAGE)
		p->ifc->port_engage_line = p->line;
	if (!*value) {
		config_err(p, p->line, "'%s' has no value", name);
		return 0;
	}
	return set_value(p, key, name, value) ? 0 : 1;
}

/* What the keys make together: the interface's SYN-ACK settings and its policy, which can
 * only be wrong in what port_engage says (a port not protected). */
static int iface_policy(struct svc_config *c, struct svc_iface *f)
{
	char what[PATH_MAX + 32];

	snprintf(what, sizeof(what), "run: %s:%d", c->path, f->port_engage_line ?: f->line);
	opts_settings(&f->opts, &f->settings);
	f->pol = malloc(sizeof(*f->pol));
	if (!f->pol)
		return -ENOMEM;
	policy_defaults(f->pol);
	return policy_apply(f->pol, &f->opts.policy, what);
}

int config_parse(FILE *f, const char *path, struct svc_config **out)
{
	struct svc_config *c = calloc(1, sizeof(*c));
	struct parse p = { .c = c, .f = f };
	int err = 0, line;

	*out = NULL;
	if (!c)
		return -ENOMEM;
	snprintf(c->path, sizeof(c->path), "%s", path);
	/* libinih's defaults, made explicit: no continuation lines (an indented line is an
	 * error, not part of the value above it), ';' comments after values, long lines, a
	 * byte order mark skipped (read_line skips it too). */
	ini_allow_multiline = false;
	ini_allow_bom = true;
	ini_allow_inline_comments = true;
	ini_max_line = CONFIG_MAX_LINE;
	set_metrics(&p, SVC_DEFAULT_METRICS);
	line = ini_parse_stream(read_line, &p, on_value, &p);
	free(p.buf);
	if (!p.failed && line > 0)
		config_err(&p, line, "not KEY = VALUE, [service] or [interface NAME]");
	if (p.failed) {
		config_free(c);
		return -EINVAL;
	}
	for (int i = 0; i < c->n && !err; i++)
		err = iface_policy(c, &c->ifc[i]);
	if (err) {
		config_free(c);
		return err;
	}
	*out = c;
	return 0;
}

void config_free(struct svc_config *c)
{
	if (!c)
		return;
	for (int i = 0; i < c->n; i++) {
		free(c->ifc[i].pol);
		prefix_set_free(c->ifc[i].allow);
		prefix_set_free(c->ifc[i].deny);
	}
	explicit_bzero(&c->master, sizeof(c->master));
	free(c);
}

const struct svc_iface *config_iface(const struct svc_config *c, const char *name)
{
	for (int i = 0; i < c->n; i++)
		if (!strcmp(c->ifc[i].name, name))
			return &c->ifc[i];
	return NULL;
}

void config_drop(struct svc_config *c, int i)
{
	free(c->ifc[i].pol);
	prefix_set_free(c->ifc[i].allow);
	prefix_set_free(c->ifc[i].deny);
	memmove(&c->ifc[i], &c->ifc[i + 1], (c->n - i - 1) * sizeof(c->ifc[0]));
	c->n--;
}
