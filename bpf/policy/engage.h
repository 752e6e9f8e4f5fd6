/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Engaging by itself: per-port signals decided here, per SYN, with hysteresis; the port
 * state user space reads, and an event on a ring buffer at each engage and disengage.
 * docs/design.md ("Engaging by itself") explains the signals and their defaults.
 */
#ifndef XSC_ENGAGE_H
#define XSC_ENGAGE_H

#include "../lib/keys.h"
#include "../lib/sock.h"
#include "../lib/settings.h"
#include "policy.h"

struct port_entry {
	struct bpf_timer timer;		/* disengages the port when its hold runs out */
	struct xsc_port_state st;
};
_Static_assert(sizeof(struct port_entry) == sizeof(struct xsc_port_entry), "port entry layout");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XSC_PORTS);
	__type(key, __u32);
	__type(value, struct port_entry);
} xsc_port_state SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XSC_TALLY_SLOTS);
	__type(key, __u32);
	__type(value, struct xsc_tally);
} xsc_tally SEC(".maps");

/* Two events per attack: 64 KiB holds the last thousand while nobody reads them. */
#define EVENTS_RING_BYTES (64 * 1024)
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, EVENTS_RING_BYTES);
} xsc_events SEC(".maps");

#define NSEC_PER_SEC 1000000000ULL
#define CLOCK_MONOTONIC 1
/* The timer runs on CLOCK_MONOTONIC, the decisions on its coarse variant, which lags by up
 * to a jiffy: a timer that fires before the coarse clock reached the end of the hold waits
 * this much longer, so a port never disengages early. */
#define TIMER_SLACK_NS (1ULL << 22)

/* ---- windowed counters: window id << 32 | count, one bucket per window parity ---- */

static __always_inline __u32 wcount_get(const __u64 *buckets, __u32 window)
{
	__u64 v = buckets[window & 1];

	return (__u32)(v >> 32) == window ? (__u32)v : 0;
}

/* Adds n to the count of window (restarting a bucket that holds an older one) and returns
 * the new count. Counts for a window whose bucket has moved on are dropped. */
static __always_inline __u32 wcount_add(__u64 *buckets, __u32 window, __u32 n)
{
	__u64 *b = &buckets[window & 1];
	__u64 old = *b, seen;

	if ((__u32)(old >> 32) != window) {
		if ((__s32)((__u32)(old >> 32) - window) > 0)
			return 0;
		seen = __sync_val_compare_and_swap(b, old, (__u64)window << 32 | n);
		if (seen == old)
			return n;
		if ((__u32)(seen >> 32) != window)
			return 0;
	}
	return (__u32)(__sync_fetch_and_add(b, n) + n);
}

/* SYN/s of a count over one rate window. */
static __always_inline __u32 window_rate(__u32 count)
{
	return ((__u64)count * NSEC_PER_SEC) >> XSC_RATE_WINDOW_SHIFT;
}

static __always_inline __u64 hold_ns(const struct xsc_policy *pol)
{
	return (__u64)pol->hold_s * NSEC_PER_SEC;
}

/* ---- events ---- */

/* Written straight into the ring (no copy on the stack, which the SYN path has little of
 * left); when the ring is full, nobody reads it and the event is lost, as it would be. */
static __always_inline void event_emit(__u32 type, __u16 port, const struct xsc_port_state *st,
				       __u64 now, __u64 engaged_for, __u64 cookies)
{
	struct xsc_event *ev = bpf_ringbuf_reserve(&xsc_events, sizeof(*ev), 0);

	if (!ev)
		return;
	ev->time = now;
	ev->engaged_for = engaged_for;
	ev->cookies = cookies;
	ev->type = type;
	ev->syn_rate = st->syn_rate;
	ev->qlen = st->qlen;
	ev->ack_backlog = st->ack_backlog;
	ev->max_backlog = st->max_backlog;
	ev->port = port;
	ev->signal = st->signal;
	ev->mode = st->mode;
	bpf_ringbuf_submit(ev, 0);
}

/* ---- disengaging: the hold timer, with the per-SYN review as its backup ---- */

/* Cookies of a port still held in the CPUs' tallies, from a window on. */
struct pending_walk {
	__u32 slot;
	__u32 from_window;
	__u64 cookies;
	__u16 port;
};

static long pending_step(__u32 cpu, struct pending_walk *w)
{
	struct xsc_tally *t = bpf_map_lookup_percpu_elem(&xsc_tally, &w->slot, cpu);

	if (t && t->port == w->port && (__s32)(t->window - w->from_window) >= 0)
		w->cookies += t->cookies;
	return 0;
}

static __always_inline void disengage(struct port_entry *e, __u16 port, __u64 now)
{
	__u64 since = e->st.engaged_since;
	struct pending_walk w = {
		.slot = XSC_TALLY_SLOT(port),
		.from_window = since >> XSC_RATE_WINDOW_SHIFT,
		.port = port,
	};

	/* The timer and a CPU's review may both get here: the exchange picks one. */
	if (!since || __sync_val_compare_and_swap(&e->st.engaged_since, since, 0) != since)
		return;
	e->st.changed_at = now;
	/* The rate as of now: when SYNs stopped, the last review's figure is old news. */
	e->st.syn_rate = window_rate(wcount_get(e->st.syn_win, (now >> XSC_RATE_WINDOW_SHIFT) - 1));
	bpf_loop(xsc_nr_cpus, pending_step, &w, 0);
	event_emit(XSC_EVENT_DISENGAGE, port, &e->st, now, now - since,
		   e->st.cookies + w.cookies - e->st.cookies_at_engage);
}

static int hold_expired(void *map, __u32 *key, struct port_entry *e)
{
	__u64 now = bpf_ktime_get_coarse_ns(), until = e->st.busy_until;

	if (!e->st.engaged_since)
		return 0;
	if (now < until) {
		bpf_timer_start(&e->timer, until - now + TIMER_SLACK_NS, 0);
		return 0;
	}
	disengage(e, *key, now);
	return 0;
}

/* ---- engaging ---- */

/* Engages the port (one CPU wins the exchange and reports it); true in every case, since
 * the port is engaged when this returns. */
static __always_inline bool engage(struct port_entry *e, __u16 port, __u8 signal, __u64 now,
				   __u64 hold)
{
	/* The hold first: a CPU that sees the port engaged must not find an old hold over.
	 * If another CPU engaged it first, this only extends its hold. */
	e->st.busy_until = now + hold;
	if (__sync_val_compare_and_swap(&e->st.engaged_since, 0, now) != 0)
		return true;
	e->st.changed_at = now;
	e->st.signal = signal;
	e->st.engages++;
	e->st.cookies_at_engage = e->st.cookies;
	event_emit(XSC_EVENT_ENGAGE, port, &e->st, now, 0, 0);
	bpf_timer_init(&e->timer, &xsc_port_state, CLOCK_MONOTONIC);	/* -EBUSY after the first */
	bpf_timer_set_callback(&e->timer, hold_expired);
	bpf_timer_start(&e->timer, hold, 0);
	return true;
}

/* SYNs passed to the kernel in this lag tick and the one before: what the listener's
 * queue may not show yet. */
static __always_inline __u32 lag_pending(struct port_entry *e, __u64 now, __u32 adding)
{
	__u32 tick = now >> XSC_LAG_TICK_SHIFT;
	__u32 cur = adding ? wcount_add(e->st.passed_tick, tick, adding) :
			     wcount_get(e->st.passed_tick, tick);

	return cur + wcount_get(e->st.passed_tick, tick - 1);
}

/* Which queue, with the SYNs on their way, is over pct of the backlog (0: none). */
static __always_inline __u8 queue_signal(__u32 pct, const struct listener_queues *q, __u32 pending)
{
	__u64 limit = (__u64)q->max_backlog * pct;

	if ((__u64)(q->qlen + pending) * 100 > limit)
		return XSC_SIGNAL_QUEUE;
	if ((__u64)q->ack_backlog * 100 > limit)
		return XSC_SIGNAL_ACCEPT;
	return XSC_SIGNAL_NONE;
}

static __always_inline void note_queues(struct xsc_port_state *st, const struct listener_queues *q)
{
	st->qlen = q->qlen;
	st->ack_backlog = q->ack_backlog;
	st->max_backlog = q->max_backlog;
}

/*
 * Once per rate window per CPU and port: the signals over the last complete window decide
 * to engage, to extend the hold (a signal above its low mark) or to disengage (the hold
 * has run out; normally the timer does that first).
 */
static __always_inline void engage_review(struct port_entry *e, const struct xsc_policy *pol,
					  __u16 port, __u8 mode, struct bpf_sock *sk, __u64 now,
					  __u32 window)
{
	struct listener_queues q = {};
	__u32 pending = lag_pending(e, now, 0);
	__u8 signal;

	e->st.syn_rate = window_rate(wcount_get(e->st.syn_win, window - 1));
	e->st.mode = mode;
	if (listener_queues(sk, &q))
		note_queues(&e->st, &q);
	signal = e->st.syn_rate >= pol->syn_rate_high ? XSC_SIGNAL_RATE :
						       queue_signal(pol->queue_high, &q, pending);
	if (!e->st.engaged_since) {
		if (signal)
			engage(e, port, signal, now, hold_ns(pol));
		return;
	}
	if (signal || e->st.syn_rate >= pol->syn_rate_low ||
	    queue_signal(pol->queue_low, &q, pending))
		e->st.busy_until = now + hold_ns(pol);
	else if (now >= e->st.busy_until)
		disengage(e, port, now);
}

/* Adds a CPU's tally of a finished window (or of a port that lost the slot) to the port. */
static __always_inline void tally_publish(const struct xsc_tally *t)
{
	__u32 key = t->port;
	struct port_entry *e;
	__u64 since;

	if (!t->syns && !t->cookies)
		return;
	e = bpf_map_lookup_elem(&xsc_port_state, &key);
	if (!e)
		return;
	wcount_add(e->st.syn_win, t->window, t->syns);
	if (!t->cookies)
		return;
	__sync_fetch_and_add(&e->st.cookies, t->cookies);
	/* Cookies from before the current engagement are not counted for it. */
	since = e->st.engaged_since;
	if (!since || (__s32)(t->window - (__u32)(since >> XSC_RATE_WINDOW_SHIFT)) < 0)
		__sync_fetch_and_add(&e->st.cookies_at_engage, t->cookies);
}

/*
 * Judges one SYN to a listener: counts it, and says whether the port is engaged. sk is
 * the listener, whose queues are read only when a decision needs them. A SYN that is
 * going to pass to the kernel (auto and not engaged, or never) is first counted among
 * those the listener may not have seen yet, and engages the port instead when the queue
 * with them would pass the high mark. *tally is this CPU's tally of the port, for
 * engage_count_cookie().
 */
static __always_inline bool engage_judge(const struct xsc_policy *pol, __u16 port, __u8 mode,
					 struct bpf_sock *sk, __u64 now, struct xsc_tally **tally)
{
	__u32 key = port, slot = XSC_TALLY_SLOT(port), window = now >> XSC_RATE_WINDOW_SHIFT;
	struct xsc_tally *t = bpf_map_lookup_elem(&xsc_tally, &slot);
	struct listener_queues q = {};
	struct port_entry *e;
	__u8 signal;

	*tally = t;
	if (!t)
		return false;
	/*
	 * An engaged port's SYN (and an 'always' port's, which is answered whatever the
	 * state) touches only this CPU's tally: the engaged flag is cached there, refreshed
	 * at every window roll and whenever this CPU sees the port engage. A disengage is
	 * noticed at the next roll, at most one rate window (67 ms) late.
	 */
	if (t->port == port && t->window == window) {
		t->syns++;
		if (t->engaged || mode == XSC_ENGAGE_ALWAYS)
			return t->engaged;
	}
	e = bpf_map_lookup_elem(&xsc_port_state, &key);
	if (!e)
		return false;
	if (t->port != port || t->window != window) {
		tally_publish(t);
		t->port = port;
		t->window = window;
		t->syns = 1;
		t->cookies = 0;
		engage_review(e, pol, port, mode, sk, now, window);
	}
	t->engaged = e->st.engaged_since != 0;
	/* 'always' answers every SYN whatever the state: the window review keeps that
	 * state for status and events, and nothing here can change the answer. */
	if (t->engaged || mode == XSC_ENGAGE_ALWAYS)
		return t->engaged;
	/* This CPU alone is over the rate: no need to wait for the window to end. */
	if (window_rate(t->syns) >= pol->syn_rate_high) {
		e->st.syn_rate = window_rate(t->syns);
		return t->engaged = engage(e, port, XSC_SIGNAL_RATE, now, hold_ns(pol));
	}
	if (!listener_queues(sk, &q))
		return false;
	signal = queue_signal(pol->queue_high, &q, lag_pending(e, now, 1));
	if (!signal)
		return false;
	note_queues(&e->st, &q);
	return t->engaged = engage(e, port, signal, now, hold_ns(pol));
}

/* A cookie SYN-ACK went out: counted in this CPU's tally of the port (from engage_judge).
 * The first of a window on this CPU also notes the time host-wide (keys.h). */
static __always_inline void engage_count_cookie(struct xsc_tally *t, __u64 now)
{
	if (t && !t->cookies++)
		keys_note_cookie(now);
}

#endif /* XSC_ENGAGE_H */
