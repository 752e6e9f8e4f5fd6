// SPDX-License-Identifier: GPL-2.0
/*
 * The service: attach what the config names, serve /metrics, log events and attack
 * summaries, reload on SIGHUP (check everything, then apply), detach or keep on SIGTERM.
 * One thread of ours plus libmicrohttpd's; signals arrive through a signalfd.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>
#include <systemd/sd-daemon.h>
#include "config.h"
#include "events.h"
#include "export.h"
#include "http.h"
#include "keys.h"
#include "lists.h"
#include "loader.h"
#include "lock.h"
#include "log.h"
#include "policy.h"
#include "service.h"
#include "stats.h"

/* While a port is engaged, one summary line per interface this often. */
#define SUMMARY_INTERVAL_S 10
/* Event and summary lines: at most LOG_BURST per LOG_WINDOW_S, then one line saying how
 * many were left out. A flood that makes ports flap must not flood the journal too. */
#define LOG_WINDOW_S 10
#define LOG_BURST 20
/* Engaged ports named in a summary line; the rest are counted. */
#define SUMMARY_MAX_PORTS 4

struct iface_state {
	char name[IF_NAMESIZE];
	__u64 cookies;		/* syn_cookie_sent at the last summary */
	bool have_cookies;
};

struct svc {
	struct svc_config *cfg;		/* in force */
	struct http_server *http;
	pthread_mutex_t lock;		/* names and n, which the HTTP thread reads */
	char names[SVC_MAX_IFACES][IF_NAMESIZE];
	int n;
	struct iface_state st[SVC_MAX_IFACES];
	struct event_follower *ev;
	int sigfd;
	double next_summary;
	double window_start;		/* rate limit of event and summary lines */
	int window_lines, suppressed;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- rate-limited lines: events and summaries ---- */

static void rl_roll(struct svc *s, double now)
{
	if (now - s->window_start < LOG_WINDOW_S)
		return;
	if (s->suppressed)
		pr_info("run: suppressed %d messages in the last %d s (at most %d per %d s)\n",
			s->suppressed, LOG_WINDOW_S, LOG_BURST, LOG_WINDOW_S);
	s->window_start = now;
	s->window_lines = s->suppressed = 0;
}

static void note(struct svc *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void note(struct svc *s, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	rl_roll(s, now_s());
	if (s->window_lines >= LOG_BURST) {
		s->suppressed++;
		return;
	}
	s->window_lines++;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	pr_info("run: %s\n", line);
}

static int on_event(const char *ifname, const struct xsc_event *ev, void *arg)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return 0;
	text_event(f, ifname, ev);
	fclose(f);
	note(arg, "%.*s", (int)strcspn(buf, "\n"), buf);
	free(buf);
	return 0;
}

/* ---- attack summaries ---- */

struct engaged {
	int n;
	char text[SUMMARY_MAX_PORTS * 80];
	size_t len;
};

static int add_engaged(const struct port_view *v, void *arg)
{
	struct engaged *e = arg;

	if (!v->st.engaged_since)
		return 0;
	if (e->n++ < SUMMARY_MAX_PORTS && e->len < sizeof(e->text))
		e->len += snprintf(e->text + e->len, sizeof(e->text) - e->len,
				   "%sport %u engaged %.0f s by %s (%u SYN/s)", e->n > 1 ? ", " : "",
				   v->port, mono_age(v->st.engaged_since), signal_name(v->st.signal),
				   v->syn_rate_now);
	return 0;
}

static void summary(struct svc *s, struct iface_state *st, double interval)
{
	__u64 totals[XSC_STAT_SLOTS], cookies;
	struct engaged e = {};
	struct pin_paths pp;
	char more[32] = "";

	if (pin_paths(st->name, &pp) || stats_read(&pp, totals) || ports_read(&pp, add_engaged, &e))
		return;		/* gone since: the next reload or the operator will say */
	cookies = totals[XSC_STAT_TX_SYN_COOKIE] - (st->have_cookies ? st->cookies : 0);
	if (e.n > SUMMARY_MAX_PORTS)
		snprintf(more, sizeof(more), " and %d more ports", e.n - SUMMARY_MAX_PORTS);
	if (e.n && st->have_cookies)
		note(s, "%s: under attack: %s%s; %llu cookies sent in the last %.0f s (%.0f/s)",
		     st->name, e.text, more, (unsigned long long)cookies, interval,
		     cookies / interval);
	st->cookies = totals[XSC_STAT_TX_SYN_COOKIE];
	st->have_cookies = true;
}

/* ---- interfaces ---- */

static bool attached(const char *ifname, enum xdp_attach_mode *mode)
{
	int ifindex = if_nametoindex(ifname);

	return ifindex && xsc_xdp_prog_id(ifindex, mode);
}

static bool host_has_key(void)
{
	struct pin_paths pp;
	char path[PATH_MAX];

	return !pin_paths(NULL, &pp) && !pin_map_path(&pp, XSC_MAP_KEYS, path, sizeof(path)) &&
	       !access(path, F_OK);
}

static const char *mode_name(enum xdp_attach_mode m)
{
	return m == XDP_MODE_SKB ? "skb" : "native";
}

/* The config's lists and then its policy put in force on an attached interface, as 'set'
 * does: the tries swap first, and the one policy swap that follows marks which are in use. */
static int iface_put(const struct svc_iface *f, const char *what)
{
	struct xsc_policy *pol = malloc(sizeof(*pol));
	int fd[3] = { -1, -1, -1 }, err;
	struct xsc_policy *now = malloc(sizeof(*now));
	struct pin_paths pp;

	err = pol && now ? pin_paths(f->name, &pp) : -ENOMEM;
	if (!err) {
		fd[0] = pin_open_map(&pp, XSC_MAP_POLICY, 0);
		fd[1] = pin_open_map(&pp, XSC_MAP_LISTS4, 0);
		fd[2] = pin_open_map(&pp, XSC_MAP_LISTS6, 0);
		err = fd[0] < 0 ? fd[0] : fd[1] < 0 ? fd[1] : fd[2] < 0 ? fd[2] : 0;
	}
	err = err ?: policy_read(fd[0], now);
	if (err) {
		pr_err("%s: %s: reading the policy and lists in force: %s\n", what, f->name,
		       strerror(-err));
		goto out;
	}
	*pol = *f->pol;
	pol->lists = now->lists;
	err = lists_swap(fd[1], fd[2], XSC_LIST_ALLOW, f->allow, &pol->lists, what);
	err = err ?: lists_swap(fd[1], fd[2], XSC_LIST_DENY, f->deny, &pol->lists, what);
	if (!err && (err = policy_install(fd[0], pol)))
		pr_err("%s: %s: installing the policy: %s\n", what, f->name, strerror(-err));
out:
	for (int i = 0; i < 3; i++)
		if (fd[i] >= 0)
			close(fd[i]);
	free(pol);
	free(now);
	return err;
}

static void attach_opts_of(const struct svc_config *c, const struct svc_iface *f,
			   struct attach_opts *o)
{
	*o = (struct attach_opts){
		.mode = f->opts.xdp_mode, .handoff = f->opts.handoff, .settings = f->settings, .policy = f->pol,
		.master = c->key_file[0] ? &c->master : NULL, .allow = f->allow, .deny = f->deny,
		/* On a replace, the config's SYN-ACK settings too: the file is the truth. */
		.settings_given = true,
	};
}

/*
 * Attaches f, or adopts it when it is attached already (kept by an earlier run, or by
 * 'attach'): its programs are replaced in place, so keys, counters, engage states and the
 * handshakes in flight stay, and then the config's policy and lists are put in force.
 * *adopted says which; on failure a fresh attach leaves nothing, an adoption what was there.
 */
static int iface_up(const struct svc_config *c, const struct svc_iface *f, bool *adopted,
		    const char *what)
{
	enum xdp_attach_mode mode;
	struct attach_opts o;
	int err;

	attach_opts_of(c, f, &o);
	*adopted = attached(f->name, &mode);
	if (*adopted && mode != f->opts.xdp_mode) {
		pr_err("%s: %s: attached in %s mode, the config says %s; the mode cannot change in "
		       "place (detach it first: xdp-syncookie detach %s)\n", what, f->name,
		       mode_name(mode), mode_name(f->opts.xdp_mode), f->name);
		return -EEXIST;
	}
	o.replace = *adopted;
	err = xsc_attach(f->name, &o);
	if (!err && *adopted)
		err = iface_put(f, what);
	if (!err)
		pr_info("%s: %s: %s (%s mode, engage %s, %d protected ports)\n", what, f->name,
			*adopted ? "adopted: programs replaced in place, keys, counters and "
				   "handshakes in flight kept" : "attached",
			mode_name(f->opts.xdp_mode), policy_mode_name(f->pol->engage),
			policy_count_protected(f->pol));
	return err;
}

static int iface_down(const char *ifname, const char *what)
{
	int err = xsc_detach(ifname);

	if (!err)
		pr_info("%s: %s: detached\n", what, ifname);
	return err;
}

/* What the HTTP thread scrapes and the summaries read: the interfaces in force. */
static void set_names(struct svc *s)
{
	struct iface_state old[SVC_MAX_IFACES];
	int n_old = s->n;

	memcpy(old, s->st, sizeof(old));
	pthread_mutex_lock(&s->lock);
	s->n = s->cfg->n;
	for (int i = 0; i < s->n; i++)
		memcpy(s->names[i], s->cfg->ifc[i].name, IF_NAMESIZE);
	pthread_mutex_unlock(&s->lock);
	for (int i = 0; i < s->n; i++) {
		__u64 totals[XSC_STAT_SLOTS];
		struct pin_paths pp;

		s->st[i] = (struct iface_state){};
		memcpy(s->st[i].name, s->names[i], IF_NAMESIZE);
		for (int j = 0; j < n_old; j++)
			if (!strcmp(old[j].name, s->names[i]))
				s->st[i] = old[j];
		/* A new interface's first summary counts from now. */
		if (!s->st[i].have_cookies && !pin_paths(s->names[i], &pp) && !stats_read(&pp, totals)) {
			s->st[i].cookies = totals[XSC_STAT_TX_SYN_COOKIE];
			s->st[i].have_cookies = true;
		}
	}
	events_close(s->ev);
	s->ev = s->n ? events_open(s->names, s->n, on_event, s, "run: events") : NULL;
	if (s->n && !s->ev)
		pr_err("run: engage and disengage events will not be logged\n");
}

static int metrics_body(FILE *f, void *arg)
{
	struct svc *s = arg;
	int err;

	pthread_mutex_lock(&s->lock);
	err = prom_write(f, s->names, s->n);
	pthread_mutex_unlock(&s->lock);
	/* An interface that cannot be read has been logged and is reported down in the body,
	 * with the others in it: that is still an answer. Only no memory is not. */
	return err == -ENOMEM ? err : 0;
}

static struct http_server *metrics_start(struct svc *s, const struct svc_config *c)
{
	return http_start((const struct sockaddr *)&c->metrics, c->metrics_text, metrics_body, s);
}

static void status(const struct svc *s, const char *state)
{
	char buf[256];
	size_t len = 0;

	for (int i = 0; i < s->cfg->n && len < sizeof(buf); i++)
		len += snprintf(buf + len, sizeof(buf) - len, "%s%s", i ? ", " : "",
				s->cfg->ifc[i].name);
	pr_info("run: %s: protecting %s; metrics %s%s\n", state, s->cfg->n ? buf : "no interface",
		s->cfg->metrics_on ? "on " : "", s->cfg->metrics_on ? s->cfg->metrics_text : "off");
	sd_notifyf(0, "READY=1\nSTATUS=protecting %s; metrics %s", s->cfg->n ? buf : "nothing",
		   s->cfg->metrics_on ? s->cfg->metrics_text : "off");
}

/* ---- start ---- */

static int start(struct svc *s)
{
	bool adopted[SVC_MAX_IFACES];
	int lock, err = 0, i;

	if (s->cfg->metrics_on) {
		s->http = metrics_start(s, s->cfg);
		if (!s->http)
			return -EADDRNOTAVAIL;
	}
	lock = xsc_lock("run");
	if (lock < 0)
		return lock;
	/* A host that has a key already (a kept attachment) takes the file's by a rotation,
	 * which keeps the old one validating; attach refuses a second key for the host. */
	if (s->cfg->key_file[0] && host_has_key())
		err = keys_rotate(&s->cfg->master, "run");
	/* All or nothing, as attach: a failure undoes what this start attached. */
	for (i = 0; i < s->cfg->n && !err; i++)
		err = iface_up(s->cfg, &s->cfg->ifc[i], &adopted[i], "run");
	if (err)
		for (i -= 2; i >= 0; i--)
			if (!adopted[i])
				iface_down(s->cfg->ifc[i].name, "run");
	xsc_unlock(lock);
	return err;
}

/* ---- reload ---- */

/* What cannot change without detaching: refused before anything changes. */
static int reload_check(const struct svc_config *old, const struct svc_config *c)
{
	for (int i = 0; i < c->n; i++) {
		const struct svc_iface *f = &c->ifc[i], *was = config_iface(old, f->name);

		if (was && was->opts.xdp_mode != f->opts.xdp_mode) {
			pr_err("run: %s:%d: [interface %s] mode %s -> %s: the XDP mode cannot change "
			       "while attached; remove the section, reload, add it back and reload\n",
			       c->path, f->line, f->name, mode_name(was->opts.xdp_mode),
			       mode_name(f->opts.xdp_mode));
			return -EINVAL;
		}
	}
	return 0;
}

static void reload(struct svc *s)
{
	struct svc_config *old = s->cfg, *c = NULL;
	int added = 0, removed = 0, replaced = 0, failed = 0, lock = -1, err;
	const char *why = "";
	bool adopted;

	sd_notify(0, "RELOADING=1");
	pr_info("run: SIGHUP: reloading %s\n", old->path);
	err = config_load(old->path, &c);
	err = err ?: reload_check(old, c);
	why = "the message above names the line";
	/* The metrics address is bound before anything else changes, so one that cannot be
	 * served refuses the reload whole. The old socket goes first, since the new one may
	 * well clash with it (the same port on another address), and comes back on failure. */
	if (!err && (c->metrics_on != old->metrics_on || strcmp(c->metrics_text, old->metrics_text))) {
		http_stop(s->http);
		s->http = c->metrics_on ? metrics_start(s, c) : NULL;
		if (c->metrics_on && !s->http) {
			err = -EADDRNOTAVAIL;
			why = "the new metrics address cannot be served";
			s->http = old->metrics_on ? metrics_start(s, old) : NULL;
		}
	}
	if (!err) {
		lock = xsc_lock("run: reload");
		err = lock < 0 ? lock : 0;
		why = "another invocation holds the lock";
	}
	if (err) {
		pr_err("run: reload refused (%s); the running configuration stays\n", why);
		config_free(c);
		sd_notify(0, "READY=1");
		return;
	}
	/* The key first: an interface attached below must find the file's key in force. */
	if (c->key_file[0] && host_has_key() &&
	    (!old->key_file[0] || memcmp(&c->master, &old->master, sizeof(c->master)))) {
		if (keys_rotate(&c->master, "run: reload"))
			failed++;
		else
			pr_info("run: reload: the cookie key is now the one in %s (the previous one "
				"keeps validating for one cookie lifetime)\n", c->key_file);
	}
	for (int i = 0; i < old->n; i++)
		if (!config_iface(c, old->ifc[i].name)) {
			iface_down(old->ifc[i].name, "run: reload");
			removed++;
		}
	for (int i = 0; i < c->n; i++) {
		const struct svc_iface *f = &c->ifc[i], *was = config_iface(old, f->name);
		struct attach_opts o;

		if (!was) {
			err = iface_up(c, f, &adopted, "run: reload");
			added += !err;
			if (err) {
				/* Not in force, so not in the running configuration either: the
				 * next reload tries it again as new. */
				pr_err("run: reload: %s stays unprotected\n", f->name);
				config_drop(c, i--);
				failed++;
				continue;
			}
		} else if (memcmp(&was->settings, &f->settings, sizeof(f->settings))) {
			/* SYN-ACK settings are the programs' rodata: new programs, in place. */
			attach_opts_of(c, f, &o);
			o.replace = true;
			err = xsc_attach(f->name, &o);
			err = err ?: iface_put(f, "run: reload");
			if (!err)
				pr_info("run: reload: %s: programs replaced in place for the new SYN-ACK "
					"settings\n", f->name);
			replaced += !err;
		} else {
			err = iface_put(f, "run: reload");
		}
		failed += !!err;
	}
	xsc_unlock(lock);
	s->cfg = c;
	config_free(old);
	set_names(s);
	if (failed)
		pr_err("run: reload of %s applied with %d failures (messages above); the policy of "
		       "each interface is its old one or its new one, whole\n", c->path, failed);
	else
		pr_info("run: reloaded %s: %d interfaces (%d added, %d removed, %d replaced), "
			"policies and lists in force\n", c->path, c->n, added, removed, replaced);
	status(s, "reloaded");
}

/* ---- stop ---- */

static int stop(struct svc *s, int sig)
{
	int lock, err = 0;

	sd_notify(0, "STOPPING=1");
	pr_info("run: %s: stopping\n", strsignal(sig));
	http_stop(s->http);
	s->http = NULL;
	events_close(s->ev);
	s->ev = NULL;
	/* Without the lock (another invocation held it past its wait) the stop goes on all the
	 * same: systemd would kill a service that does not stop. */
	lock = xsc_lock("run: stop");
	for (int i = 0; i < s->cfg->n; i++) {
		if (s->cfg->on_stop == SVC_STOP_DETACH)
			err = iface_down(s->cfg->ifc[i].name, "run: stop") ?: err;
		else
			pr_info("run: stop: %s: left attached and protecting (on_stop = keep)\n",
				s->cfg->ifc[i].name);
	}
	xsc_unlock(lock);
	return err;
}

/* ---- the loop ---- */

static int loop(struct svc *s)
{
	for (;;) {
		struct pollfd p[2] = { { .fd = s->sigfd, .events = POLLIN },
				       { .fd = s->ev ? events_fd(s->ev) : -1, .events = POLLIN } };
		double now = now_s();
		int timeout = (int)((s->next_summary - now) * 1000) + 1;
		struct signalfd_siginfo si;

		if (poll(p, 2, timeout > 0 ? timeout : 0) < 0 && errno != EINTR) {
			pr_err("run: poll: %s\n", strerror(errno));
			return -errno;
		}
		if (p[1].revents && s->ev)
			events_poll(s->ev, 0);
		now = now_s();
		if (now >= s->next_summary) {
			for (int i = 0; i < s->n; i++)
				summary(s, &s->st[i], SUMMARY_INTERVAL_S);
			rl_roll(s, now);
			s->next_summary = now + SUMMARY_INTERVAL_S;
		}
		if (!(p[0].revents & POLLIN) || read(s->sigfd, &si, sizeof(si)) != sizeof(si))
			continue;
		if (si.ssi_signo == SIGHUP) {
			reload(s);
			continue;
		}
		return stop(s, si.ssi_signo);
	}
}

int svc_run(const char *path, bool check_only)
{
	struct svc s = { .lock = PTHREAD_MUTEX_INITIALIZER, .sigfd = -1 };
	sigset_t mask;
	int err, rc;

	log_to_journal();
	if (config_load(path, &s.cfg))
		return 2;
	if (check_only) {
		pr_info("run: %s: configuration good (%d interfaces)\n", path, s.cfg->n);
		config_free(s.cfg);
		return 0;
	}
	/* Blocked before libmicrohttpd starts its thread, so they all come to the signalfd. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	signal(SIGPIPE, SIG_IGN);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) || (s.sigfd = signalfd(-1, &mask, SFD_CLOEXEC)) < 0) {
		pr_err("run: signals: %s\n", strerror(errno));
		config_free(s.cfg);
		return 1;
	}
	err = start(&s);
	if (err) {
		pr_err("run: not started: nothing this start attached is left attached\n");
		http_stop(s.http);
		rc = 1;
		goto out;
	}
	set_names(&s);
	s.window_start = now_s();
	s.next_summary = s.window_start + SUMMARY_INTERVAL_S;
	status(&s, "started");
	rc = loop(&s) ? 1 : 0;
out:
	events_close(s.ev);
	close(s.sigfd);
	config_free(s.cfg);
	return rc;
}
