// SPDX-License-Identifier: GPL-2.0
/*
 * Engage decisions, driven through BPF_PROG_TEST_RUN against real listeners in the unit
 * namespace whose SYN queues hold real half-open connections: SYNs sent through a raw
 * socket from 198.18.200.0/24, which is routed out a veth whose peer drops them (it owns
 * no such address and does not forward), so the kernel's SYN-ACKs are never answered and
 * the requests stay in SYN_RECV.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include "check.h"
#include "policy.h"
#include "stats.h"

#define HALF_OPEN_NET "198.18.200."	/* routed out xsc-ho0: SYN-ACKs there go nowhere */
#define HALF_OPEN_DEV "xsc-ho0"
#define CLIENT_NET "198.18.7."		/* sources of the test-run SYNs */
#define BACKLOG 16
#define NSEC_PER_SEC 1000000000ULL

/* ---- fixtures ---- */

static int listen_on(uint16_t port, int backlog, bool reuseport)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	inet_pton(AF_INET, LOCAL4, &sin.sin_addr);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    (reuseport && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one))) ||
	    bind(fd, (void *)&sin, sizeof(sin)) || listen(fd, backlog)) {
		fprintf(stderr, "test_engage: listening on %u: %s\n", port, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* A SYN from net.host:sport to LOCAL4:port, as the tests build them. */
static void syn_from(struct pkt_spec *s, const char *net, int host, uint16_t sport, uint16_t port)
{
	char addr[32];

	pkt_spec_linux_syn(s, 4);
	snprintf(addr, sizeof(addr), "%s%d", net, host);
	inet_pton(AF_INET, addr, s->saddr);
	inet_pton(AF_INET, LOCAL4, s->daddr);
	s->sport = sport;
	s->dport = port;
	s->seq = 0x1000 * host + sport;
}

/* Sends a segment into the kernel (not through XDP) with a raw socket. */
static int raw_send(const struct pkt_spec *s)
{
	struct sockaddr_in dst = { .sin_family = AF_INET };
	int fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW), err = 0;
	uint8_t frame[PKT_MAX];
	size_t len = pkt_build(s, frame);

	memcpy(&dst.sin_addr, s->daddr, 4);
	if (fd < 0)
		return -errno;
	if (sendto(fd, frame + 14, len - 14, 0, (void *)&dst, sizeof(dst)) < 0)	/* no Ethernet */
		err = -errno;
	close(fd);
	return err;
}

/* n real SYN_RECV requests for LOCAL4:port, from hosts first_host.. of HALF_OPEN_NET. */
static int half_open(uint16_t port, int first_host, int n)
{
	int err = 0;

	for (int i = 0; i < n && !err; i++) {
		struct pkt_spec s;

		syn_from(&s, HALF_OPEN_NET, first_host + i, 30000 + port % 1000, port);
		err = raw_send(&s);
	}
	return err;
}

/* SYN_RECV requests for LOCAL4:port, from /proc/net/tcp: the kernel's own count. */
static int syn_recv_count(uint16_t port)
{
	FILE *f = fopen("/proc/net/tcp", "r");
	char line[256];
	int n = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned int lport, st;

		if (sscanf(line, " %*d: %*8x:%x %*8x:%*x %x", &lport, &st) == 2 && lport == port &&
		    st == 3)
			n++;
	}
	fclose(f);
	return n;
}

static bool wait_syn_recv(uint16_t port, int want)
{
	for (int i = 0; i < 200; i++) {
		if (syn_recv_count(port) == want)
			return true;
		usleep(5000);
	}
	return false;
}

static __u64 coarse_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);	/* bpf_ktime_get_coarse_ns() */
	return ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

/* Sleeps into a fresh rate window with at least 30 ms of it left, so that the next SYN
 * starts this CPU's tally anew (and reviews the port) and a burst stays in one window. */
static void fresh_window(void)
{
	const __u64 win = 1ULL << XSC_RATE_WINDOW_SHIFT;
	__u64 now = coarse_ns(), start = (now | (win - 1)) + 1;

	usleep((start - now) / 1000 + 2000);
	while (win - (coarse_ns() & (win - 1)) < 30000000ULL)
		usleep(1000);
}

static int port_state(uint16_t port, struct xsc_port_state *st)
{
	struct xsc_port_entry e;
	__u32 key = port;

	if (bpf_map_lookup_elem(harness_map_fd(XSC_MAP_PORT_STATE), &key, &e))
		return -errno;
	*st = e.st;
	return 0;
}

/* The client's final ACK for a SYN answered with server ISN (a cookie): no options. */
static void final_ack(const struct pkt_spec *syn, uint32_t server_isn, struct pkt_spec *ack)
{
	*ack = *syn;
	ack->flags = F_ACK;
	ack->seq = syn->seq + 1;
	ack->ack = server_isn + 1;
	ack->optlen = 0;
}

/* ---- events ---- */

#define MAX_EVENTS 32
static struct xsc_event events[MAX_EVENTS];
static int n_events;
static struct ring_buffer *ring;

static int on_event(void *ctx, void *data, size_t size)
{
	(void)ctx;
	if (size >= sizeof(struct xsc_event) && n_events < MAX_EVENTS)
		memcpy(&events[n_events++], data, sizeof(struct xsc_event));
	return 0;
}

/* The events emitted since the last call, in events[0..n_events). */
static void take_events(void)
{
	n_events = 0;
	ring_buffer__consume(ring);
}

static const struct xsc_event *find_event(__u32 type, uint16_t port)
{
	for (int i = 0; i < n_events; i++)
		if (events[i].type == type && events[i].port == port)
			return &events[i];
	return NULL;
}

/* ---- runs ---- */

/* The counters that moved over one BPF_PROG_TEST_RUN of a frame with repeat. */
static int run_repeat(const struct pkt_spec *s, int repeat, __u64 *moved)
{
	uint8_t frame[PKT_MAX], out[PKT_MAX + 256];
	size_t len = pkt_build(s, frame);
	__u64 before[XSC_STAT_SLOTS], after[XSC_STAT_SLOTS];
	int stats = harness_map_fd(XSC_MAP_STATS);
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame, .data_size_in = len,
		    .data_out = out, .data_size_out = sizeof(out), .repeat = repeat);

	if (stats_sum(stats, before) || bpf_prog_test_run_opts(harness_prog_fd(), &opts) ||
	    stats_sum(stats, after))
		return -1;
	for (int i = 0; i < XSC_STAT_SLOTS; i++)
		moved[i] = after[i] - before[i];
	return 0;
}

static struct xsc_policy *policy;

/* The suite's policy with one port's mode and the thresholds changed. */
static int set_policy(uint16_t port, __u8 mode, __u32 syn_rate, __u32 hold_s)
{
	struct policy_change c = {
		.n_port_modes = 1, .port_modes = { { port, mode } },
		.syn_rate_given = true, .syn_rate = syn_rate,
		.hold_given = true, .hold_s = hold_s,
	};

	return policy_apply(policy, &c, "test") ?: harness_set_policy(policy);
}

/* The smallest SYN count in one rate window that the program reads as rate SYN/s. */
static __u32 syns_for_rate(__u32 rate)
{
	__u32 n = 1;

	while ((((__u64)n * NSEC_PER_SEC) >> XSC_RATE_WINDOW_SHIFT) < rate)
		n++;
	return n;
}

/* ---- the cases ---- */

static void test_listener_reads(void)
{
	const uint16_t port = 8081;
	struct xsc_port_state st;
	struct pkt_spec s;
	struct xdp_result r;

	begin("listener reads: an empty SYN queue of a backlog-16 listener, SYN to the kernel");
	set_policy(port, XSC_ENGAGE_AUTO, 1000000, 60);
	fresh_window();
	syn_from(&s, CLIENT_NET, 1, 5000, port);
	if (!run_spec(&s, &r)) {
		expect_verdict(&r, XDP_PASS, XSC_STAT_PASS_SYN_QUIET);
		EXPECT(!port_state(port, &st) && st.qlen == 0 && st.max_backlog == BACKLOG &&
		       !st.engaged_since, "state qlen %u backlog %u engaged %llu", st.qlen,
		       st.max_backlog, (unsigned long long)st.engaged_since);
	}
	end(false);

	begin("listener reads: the SYN queue follows 5 real half-open connections");
	EXPECT(!half_open(port, 1, 5) && wait_syn_recv(port, 5), "no 5 SYN_RECV requests (%d)",
	       syn_recv_count(port));
	fresh_window();
	syn_from(&s, CLIENT_NET, 2, 5001, port);
	if (!run_spec(&s, &r)) {
		expect_verdict(&r, XDP_PASS, XSC_STAT_PASS_SYN_QUIET);
		EXPECT(!port_state(port, &st) && st.qlen == 5 && st.max_backlog == BACKLOG,
		       "state qlen %u backlog %u, the kernel shows %d SYN_RECV", st.qlen,
		       st.max_backlog, syn_recv_count(port));
	}
	end(false);

	begin("queue at 7 of 16 (with this SYN 8: the high mark, 50%): still the kernel's");
	EXPECT(!half_open(port, 10, 2) && wait_syn_recv(port, 7), "no 7 SYN_RECV requests");
	fresh_window();
	syn_from(&s, CLIENT_NET, 3, 5002, port);
	if (!run_spec(&s, &r))
		expect_verdict(&r, XDP_PASS, XSC_STAT_PASS_SYN_QUIET);
	end(false);

	begin("queue at 8 of 16: engaged by the SYN queue before it is full; event reported");
	EXPECT(!half_open(port, 20, 1) && wait_syn_recv(port, 8), "no 8 SYN_RECV requests");
	fresh_window();
	take_events();
	syn_from(&s, CLIENT_NET, 4, 5003, port);
	if (!run_spec(&s, &r)) {
		const struct xsc_event *ev;

		expect_verdict(&r, XDP_TX, XSC_STAT_TX_SYN_COOKIE);
		EXPECT(!port_state(port, &st) && st.engaged_since && st.signal == XSC_SIGNAL_QUEUE &&
		       st.engages == 1, "state engaged %llu signal %u engages %u",
		       (unsigned long long)st.engaged_since, st.signal, st.engages);
		take_events();
		ev = find_event(XSC_EVENT_ENGAGE, port);
		EXPECT(ev && ev->signal == XSC_SIGNAL_QUEUE && ev->qlen == 8 && ev->max_backlog == 16 &&
		       ev->mode == XSC_ENGAGE_AUTO, "engage event %s (signal %u, qlen %u/%u)",
		       ev ? "wrong" : "missing", ev ? ev->signal : 0, ev ? ev->qlen : 0,
		       ev ? ev->max_backlog : 0);
	}
	end(false);
}

/* A whole NAPI batch reaches XDP before the stack has seen any of it: the SYNs passed in
 * the last two lag ticks count as queued, so at most the high mark passes. */
static void test_lag_bound(void)
{
	const uint16_t port = 8082;
	__u64 moved[XSC_STAT_SLOTS];
	struct pkt_spec s;
	int lfd = listen_on(port, BACKLOG, false);

	begin("lag bound: 64 SYNs at once to an empty backlog-16 queue, 8 reach the kernel");
	set_policy(port, XSC_ENGAGE_AUTO, 1000000, 60);
	fresh_window();
	syn_from(&s, CLIENT_NET, 5, 6000, port);
	/* With repeat, every run sees the same buffer: the passed SYNs leave it a SYN, the
	 * first cookie turns it into our SYN-ACK, which the later runs drop as unsolicited. */
	if (lfd < 0 || run_repeat(&s, 64, moved)) {
		fail("could not run");
	} else {
		EXPECT(moved[XSC_STAT_PASS_SYN_QUIET] == BACKLOG / 2 &&
		       moved[XSC_STAT_TX_SYN_COOKIE] == 1, "%llu passed, %llu cookies",
		       (unsigned long long)moved[XSC_STAT_PASS_SYN_QUIET],
		       (unsigned long long)moved[XSC_STAT_TX_SYN_COOKIE]);
	}
	end(false);
	if (lfd >= 0)
		close(lfd);
}

static void test_rate_and_hold(void)
{
	const uint16_t port = 8083;
	const __u32 rate = 1000, n = syns_for_rate(rate);
	__u64 moved[XSC_STAT_SLOTS], engaged_at;
	struct xsc_port_state st;
	struct pkt_spec s;
	struct xdp_result r;
	const struct xsc_event *ev;
	int lfd = listen_on(port, 4096, false);

	begin("syn rate: engaged by the SYN that takes one window's count past 1000 SYN/s");
	set_policy(port, XSC_ENGAGE_AUTO, rate, 1);
	fresh_window();
	take_events();
	syn_from(&s, CLIENT_NET, 6, 7000, port);
	if (lfd < 0 || run_repeat(&s, n + 10, moved)) {
		fail("could not run");
	} else {
		EXPECT(moved[XSC_STAT_PASS_SYN_QUIET] == n - 1 && moved[XSC_STAT_TX_SYN_COOKIE] == 1,
		       "%llu passed, %llu cookies; want %u passed", 
		       (unsigned long long)moved[XSC_STAT_PASS_SYN_QUIET],
		       (unsigned long long)moved[XSC_STAT_TX_SYN_COOKIE], n - 1);
		take_events();
		ev = find_event(XSC_EVENT_ENGAGE, port);
		EXPECT(ev && ev->signal == XSC_SIGNAL_RATE && ev->syn_rate >= rate,
		       "engage event %s", ev ? "with the wrong signal or rate" : "missing");
	}
	end(false);
	port_state(port, &st);
	engaged_at = st.engaged_since;

	begin("hold: still engaged before the hold (1 s) has run out");
	usleep(500000);
	syn_from(&s, CLIENT_NET, 7, 7001, port);
	if (!run_spec(&s, &r))
		expect_verdict(&r, XDP_TX, XSC_STAT_TX_SYN_COOKIE);
	end(false);

	begin("hold: disengaged by its timer after the hold, with no SYN to prompt it");
	usleep(800000);
	take_events();
	ev = find_event(XSC_EVENT_DISENGAGE, port);
	EXPECT(!port_state(port, &st) && !st.engaged_since, "still engaged");
	EXPECT(ev && ev->engaged_for >= NSEC_PER_SEC && ev->engaged_for < NSEC_PER_SEC * 13 / 10 &&
	       ev->cookies == 2, "disengage event %s: engaged for %.3f s, %llu cookies (want 2)",
	       ev ? "wrong" : "missing", ev ? ev->engaged_for / 1e9 : 0.0,
	       ev ? (unsigned long long)ev->cookies : 0ULL);
	end(false);

	begin("hysteresis: a rate above the low mark keeps it engaged past the hold");
	fresh_window();
	syn_from(&s, CLIENT_NET, 8, 7002, port);
	run_repeat(&s, n + 10, moved);			/* engages again */
	port_state(port, &st);
	engaged_at = st.engaged_since;
	/* ~1.4 s of windows at rate / 2 + 1: each is reviewed by the first SYN of the next.
	 * Engaged, every run rewrites the SYN into a SYN-ACK: one run per SYN, no repeat. */
	for (int i = 0; i < 3; i++) {
		fresh_window();
		for (__u32 k = 0; k < n / 2 + 1; k++) {
			syn_from(&s, CLIENT_NET, 9 + i, 7003 + k, port);
			run_spec(&s, &r);
		}
		fresh_window();
		syn_from(&s, CLIENT_NET, 12 + i, 7003, port);
		run_spec(&s, &r);
		usleep(300000);
	}
	EXPECT(!port_state(port, &st) && st.engaged_since == engaged_at,
	       "not engaged the whole time (since %llu, first %llu)",
	       (unsigned long long)st.engaged_since, (unsigned long long)engaged_at);
	end(false);

	begin("hysteresis: below the low mark, disengaged one hold after the last busy window");
	usleep(1500000);
	EXPECT(!port_state(port, &st) && !st.engaged_since && st.engages == 2,
	       "engaged %llu, %u engages", (unsigned long long)st.engaged_since, st.engages);
	end(false);
	if (lfd >= 0)
		close(lfd);
}

static void test_never(void)
{
	const uint16_t port = 8084;
	const __u32 rate = 1000, n = syns_for_rate(rate);
	__u64 moved[XSC_STAT_SLOTS];
	struct pkt_spec s;
	int lfd = listen_on(port, 4096, false);

	begin("never: every SYN to the kernel; those an engaged port would answer are counted");
	set_policy(port, XSC_ENGAGE_NEVER, rate, 60);
	fresh_window();
	syn_from(&s, CLIENT_NET, 20, 8000, port);
	if (lfd < 0 || run_repeat(&s, n + 10, moved)) {
		fail("could not run");
	} else {
		EXPECT(moved[XSC_STAT_PASS_SYN_QUIET] == n - 1 && moved[XSC_STAT_PASS_SYN_MONITOR] == 11 &&
		       moved[XSC_STAT_TX_SYN_COOKIE] == 0, "%llu passed, %llu monitored, %llu cookies",
		       (unsigned long long)moved[XSC_STAT_PASS_SYN_QUIET],
		       (unsigned long long)moved[XSC_STAT_PASS_SYN_MONITOR],
		       (unsigned long long)moved[XSC_STAT_TX_SYN_COOKIE]);
	}
	end(false);
	if (lfd >= 0)
		close(lfd);
}

/* An ACK for a cookie made while engaged, and the 'never' gate on checking our cookies. */
static void test_ack_after_disengage(void)
{
	const uint16_t port = 8081;	/* its listener stays for the whole suite */
	struct xsc_host_issued none = {}, saved;
	struct pkt_spec syn, ack;
	struct xdp_result r;
	struct pkt_view v;
	__u32 zero = 0;
	int issued = harness_map_fd(XSC_MAP_ISSUED);

	begin("an ACK is checked whatever the mode: a cookie made under always validates under auto");
	set_policy(port, XSC_ENGAGE_ALWAYS, 1000000, 60);
	syn_from(&syn, CLIENT_NET, 30, 9000, port);
	if (run_spec(&syn, &r) || r.reason != XSC_STAT_TX_SYN_COOKIE ||
	    pkt_parse(r.frame, r.out_len, &v)) {
		fail("no cookie SYN-ACK");
		end(false);
		return;
	}
	set_policy(port, XSC_ENGAGE_AUTO, 1000000, 60);
	spec_final_ack(&syn, v.seq, &r, &ack);	/* echoes our TSval */
	if (!run_spec(&ack, &r))
		expect_verdict(&r, XDP_PASS, XSC_STAT_PASS_ACK_COOKIE_OK);
	end(false);

	begin("never: while a cookie of ours may be outstanding, its ACK is still checked");
	set_policy(port, XSC_ENGAGE_NEVER, 1000000, 60);
	if (!run_spec(&ack, &r))
		expect_verdict(&r, XDP_PASS, XSC_STAT_PASS_ACK_COOKIE_OK);
	end(false);

	begin("never: with no cookie sent in a validity window, no cookie is checked: dropped");
	bpf_map_lookup_elem(issued, &zero, &saved);
	bpf_map_update_elem(issued, &zero, &none, BPF_ANY);
	if (!run_spec(&ack, &r))
		expect_verdict(&r, XDP_DROP, XSC_STAT_DROP_ACK_NO_SOCKET);
	bpf_map_update_elem(issued, &zero, &saved, BPF_ANY);
	set_policy(port, XSC_ENGAGE_AUTO, 1000000, 60);
	end(false);
}

/* Captures the kernel's SYN-ACK for a SYN sent with a raw socket, as it leaves. */
static int kernel_synack(int cap, uint16_t port, int host, struct pkt_spec *syn, struct pkt_view *v)
{
	uint8_t buf[PKT_MAX];

	syn_from(syn, HALF_OPEN_NET, host, 31000, port);
	if (raw_send(syn))
		return -1;
	for (int i = 0; i < 50; i++) {
		ssize_t n = recv(cap, buf, sizeof(buf), 0);

		if (n > 0 && !pkt_parse(buf, n, v) && v->sport == port && v->flags == (F_SYN | F_ACK))
			return 0;
	}
	return -1;
}

static double uptime_s(void)
{
	double up = 0;
	FILE *f = fopen("/proc/uptime", "r");

	if (f) {
		if (fscanf(f, "%lf", &up) != 1)
			up = 0;
		fclose(f);
	}
	return up;
}

static void test_kernel_cookies(void)
{
	const uint16_t port = 8085;
	struct timeval tv = { .tv_usec = 100000 };
	/* ETH_P_ALL: only such taps see frames on their way out. */
	struct sockaddr_ll ll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL),
				  .sll_ifindex = if_nametoindex(HALF_OPEN_DEV) };
	int cap = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL)), lfd = listen_on(port, BACKLOG, false);
	struct pkt_spec syn, ack;
	struct xdp_result r;
	struct pkt_view v;

	begin("tcp_syncookies=2: the ACK of the kernel's own cookie goes to the kernel");
	if (cap < 0 || lfd < 0 || bind(cap, (void *)&ll, sizeof(ll)) ||
	    setsockopt(cap, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	    system("sysctl -qw net.ipv4.tcp_syncookies=2") ||
	    kernel_synack(cap, port, 100, &syn, &v)) {
		fail("no SYN-ACK from the kernel (%s)", strerror(errno));
		goto out;
	}
	final_ack(&syn, v.seq, &ack);
	if (!run_spec(&ack, &r))
		expect_verdict(&r, XDP_PASS, XSC_STAT_PASS_ACK_KERNEL_COOKIE);
	end(false);

	begin("a kernel cookie bent by one bit is dropped");
	ack.ack ^= 0x100;
	if (!run_spec(&ack, &r))
		expect_verdict(&r, XDP_DROP, XSC_STAT_DROP_ACK_NO_SOCKET);
	ack.ack ^= 0x100;
	end(false);

	begin("a listener that sent no cookie of its own: a kernel cookie is not even checked");
	close(lfd);
	lfd = listen_on(port, BACKLOG, false);
	/* A new listener's stamp is 0, which the kernel's own rule reads as recent while
	 * jiffies are near 0 (the first minutes after the 5 minutes from boot). */
	if (uptime_s() < 600) {
		printf("     (uptime under 10 minutes: the kernel's stamp rule cannot tell here)\n");
	} else if (!run_spec(&ack, &r)) {
		expect_verdict(&r, XDP_DROP, XSC_STAT_DROP_ACK_NO_SOCKET);
	}
out:
	end(false);
	if (system("sysctl -qw net.ipv4.tcp_syncookies=1"))
		fail("restoring tcp_syncookies");
	if (cap >= 0)
		close(cap);
	if (lfd >= 0)
		close(lfd);
}

/* SO_REUSEPORT: each listener of the group has its own queue; the lookup picks one by the
 * SYN's hash, as the kernel would, and the program reads that one's queue. */
static void test_reuseport(void)
{
	const uint16_t port = 8087;
	int a = listen_on(port, BACKLOG, true), b = listen_on(port, 2 * BACKLOG, true);
	__u32 qlen_by_backlog[2] = { ~0u, ~0u };	/* [0]: a's (16), [1]: b's (32) */
	struct xsc_port_state st;
	struct pkt_spec s;
	struct xdp_result r;
	int total;

	begin("SO_REUSEPORT group: each SYN sees the queue of the listener the hash picks");
	set_policy(port, XSC_ENGAGE_AUTO, 1000000, 60);
	if (a < 0 || b < 0 || half_open(port, 40, 6) || !wait_syn_recv(port, 6)) {
		fail("no group with 6 half-open requests");
		goto out;
	}
	total = syn_recv_count(port);
	/* The two listeners have different backlogs, which tells which one a SYN found. */
	for (int i = 0; i < 16 && (qlen_by_backlog[0] == ~0u || qlen_by_backlog[1] == ~0u); i++) {
		fresh_window();
		syn_from(&s, CLIENT_NET, 50 + i, 10000 + i * 7919 % 20000, port);
		if (run_spec(&s, &r) || port_state(port, &st))
			break;
		if (st.max_backlog == BACKLOG || st.max_backlog == 2 * BACKLOG)
			qlen_by_backlog[st.max_backlog == 2 * BACKLOG] = st.qlen;
	}
	EXPECT(qlen_by_backlog[0] != ~0u && qlen_by_backlog[1] != ~0u &&
	       qlen_by_backlog[0] + qlen_by_backlog[1] == (__u32)total,
	       "queues seen: %d and %d, the kernel shows %d SYN_RECV in all",
	       (int)qlen_by_backlog[0], (int)qlen_by_backlog[1], total);
	printf("     (SO_REUSEPORT: the two listeners showed SYN queues of %d and %d, %d in all)\n",
	       (int)qlen_by_backlog[0], (int)qlen_by_backlog[1], total);
out:
	end(false);
	if (a >= 0)
		close(a);
	if (b >= 0)
		close(b);
}

void test_engage(void)
{
	int lfd;

	policy = malloc(sizeof(*policy));
	ring = ring_buffer__new(harness_map_fd(XSC_MAP_EVENTS), on_event, NULL, NULL);
	begin("engage fixtures: a route nobody answers for half-open sources, a listener");
	if (!policy || !ring ||
	    system("ip link add " HALF_OPEN_DEV " type veth peer name xsc-ho1 && "
		   "ip link set " HALF_OPEN_DEV " up && ip link set xsc-ho1 up && "
		   "ip addr add 198.18.201.2/24 dev " HALF_OPEN_DEV " && "
		   "ip neigh add 198.18.201.1 lladdr 02:00:c6:12:c9:01 dev " HALF_OPEN_DEV
		   " nud permanent && "
		   "ip route add " HALF_OPEN_NET "0/24 via 198.18.201.1 dev " HALF_OPEN_DEV) ||
	    (lfd = listen_on(8081, BACKLOG, false)) < 0) {
		fail("setting up: %s", strerror(errno));
		end(false);
		return;
	}
	end(true);
	harness_policy_always(policy);
	test_listener_reads();
	test_lag_bound();
	test_rate_and_hold();
	test_never();
	test_ack_after_disengage();
	test_kernel_cookies();
	test_reuseport();
	harness_policy_always(policy);
	harness_set_policy(policy);
	close(lfd);
	ring_buffer__free(ring);
	free(policy);
}
