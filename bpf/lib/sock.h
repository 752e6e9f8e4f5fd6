/* SPDX-License-Identifier: GPL-2.0 */
/* The kernel's socket for a segment's 4-tuple, and what a listener shows of its queues. */
#ifndef XSC_SOCK_H
#define XSC_SOCK_H

#include "parse.h"

/*
 * The socket the kernel would deliver this segment to: an established, request or
 * TIME_WAIT socket for the exact tuple, else the listener for the port, else NULL. The
 * caller must bpf_sk_release() what it gets. Same call from XDP and TC.
 */
static __always_inline struct bpf_sock *sock_lookup(xsc_ctx_t *ctx, const struct pkt *p)
{
	struct bpf_sock_tuple tuple;	/* not zeroed: the helper reads the size bytes set */
	__u32 size = pkt_tuple(p, &tuple);

	return bpf_skc_lookup_tcp(ctx, &tuple, size, BPF_F_CURRENT_NETNS, 0);
}

static __always_inline bool sock_is_listener(const struct bpf_sock *sk)
{
	return sk->state == BPF_TCP_LISTEN;
}

/* A segment that belongs to a connection the kernel knows (not only to a listener). */
static __always_inline bool sock_has_connection(xsc_ctx_t *ctx, const struct pkt *p)
{
	struct bpf_sock *sk = sock_lookup(ctx, p);
	bool conn;

	if (!sk)
		return false;
	conn = !sock_is_listener(sk);
	bpf_sk_release(sk);
	return conn;
}

/* What a listener shows of its queues. Linux calls the SYN queue full at qlen >=
 * max_backlog and the accept queue full at ack_backlog > max_backlog. */
struct listener_queues {
	__u32 qlen;		/* SYN queue: half-open requests (SYN_RECV) */
	__u32 ack_backlog;	/* accept queue: established, not yet accepted */
	__u32 max_backlog;	/* the listen() backlog, capped by somaxconn */
};

/* Reads a listener's queues; false if sk is NULL or not a TCP socket. The fields are read through
 * BTF (bpf_skc_to_tcp_sock); verified on Linux 6.18 to follow the real queue, one request
 * behind the SYN being judged. A SO_REUSEPORT listener shows its own queue, the one the
 * lookup's hash picked for this SYN, as the kernel's would. */
static __always_inline bool listener_queues(struct bpf_sock *sk, struct listener_queues *q)
{
	struct tcp_sock *tp;

	if (!sk)	/* gateway mode: the listener is on a server behind this host */
		return false;
	tp = bpf_skc_to_tcp_sock(sk);
	if (!tp)
		return false;
	q->qlen = tp->inet_conn.icsk_accept_queue.qlen.counter;
	q->ack_backlog = tp->inet_conn.icsk_inet.sk.sk_ack_backlog;
	q->max_backlog = tp->inet_conn.icsk_inet.sk.sk_max_ack_backlog;
	return true;
}

extern unsigned int CONFIG_HZ __kconfig __weak;
/* Linux's MAX_SYNCOOKIE_AGE: the kernel accepts its cookies for two minutes after an
 * overflow of the listener (tcp_synq_no_recent_overflow()). */
#define KERNEL_SYNCOOKIE_VALID_S 120
/* Used when the kernel config cannot be read: the largest usual HZ gives the widest window. */
#define FALLBACK_HZ 1000

/*
 * Whether the listener sent cookies of its own recently, by the kernel's own rule: it
 * stamps the listener (or its SO_REUSEPORT group) with jiffies when it sends one, and
 * accepts cookie ACKs from one second before to two minutes after that stamp.
 */
static __always_inline bool listener_sent_cookies(struct bpf_sock *sk)
{
	struct tcp_sock *tp = bpf_skc_to_tcp_sock(sk);
	__u32 hz = CONFIG_HZ ? CONFIG_HZ : FALLBACK_HZ, now, stamp;
	struct sock_reuseport *reuse;

	if (!tp)
		return false;
	reuse = tp->inet_conn.icsk_inet.sk.sk_reuseport_cb;
	stamp = reuse ? reuse->synq_overflow_ts : (__u32)tp->rx_opt.ts_recent_stamp;
	now = bpf_jiffies64();
	return now - (stamp - hz) <= KERNEL_SYNCOOKIE_VALID_S * hz + hz;
}

#endif /* XSC_SOCK_H */
