// SPDX-License-Identifier: GPL-2.0
/* synflood: a bounded SYN-flood generator for the test lab (AF_PACKET, spoofed lab-only sources). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <linux/if_packet.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "pkt.h"

/*
 * Safety net: this tool only ever speaks for the lab's documentation ranges
 * (RFC 2544 benchmarking, 198.18.0.0/15, and the IPv6 benchmarking block 2001:2::/48).
 * Both the spoofed sources and the destination must lie inside them.
 */
#define LAB_NET4 0xc6120000u		/* 198.18.0.0 */
#define LAB_NET4_LEN 15
#define LAB_NET6_LEN 48			/* 2001:0002:0000::/48 */
static const uint8_t lab_net6[6] = { 0x20, 0x01, 0x00, 0x02, 0x00, 0x00 };

#define DEFAULT_SRC4 "198.19.0.0/16"
#define DEFAULT_SRC6 "2001:2:0:ff::/64"

#define MAX_SECONDS 600			/* hard cap on -t: a flood always stops by itself */
#define BATCH 32			/* frames per sendmmsg() */
#define FRAME_MAX 128

#define SYN_WSCALE 7			/* what Linux sends with its default rmem */
#define SYN_MSS4 1460
#define SYN_MSS6 1440

struct config {
	const char *ifname;
	uint8_t dst_mac[ETH_ALEN];
	bool have_dst_mac;
	int family;
	uint8_t dst[16];
	uint16_t dst_port;
	uint64_t count;
	double seconds;
	uint64_t rate;			/* packets per second, 0 = as fast as possible */
	uint8_t src_net[16];
	unsigned int src_len;
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: synflood -i IFACE -d DST_IP -p PORT -n COUNT -t SECONDS [options]\n"
		"Sends COUNT Linux-like TCP SYNs from random spoofed sources, for at most\n"
		"SECONDS, then prints how many were sent.\n\n"
		"  -i IFACE     interface to send on (AF_PACKET)\n"
		"  -d DST_IP    destination address, IPv4 or IPv6\n"
		"  -p PORT      destination TCP port\n"
		"  -n COUNT     number of packets (required, > 0)\n"
		"  -t SECONDS   time limit (required, at most %d)\n"
		"  -m MAC       destination MAC (default: the neighbour entry of DST_IP)\n"
		"  -r PPS       packets per second (default 0: as fast as possible)\n"
		"  -s PREFIX    spoofed source prefix (default %s or %s);\n"
		"               must lie in 198.18.0.0/15 or 2001:2::/48\n",
		MAX_SECONDS, DEFAULT_SRC4, DEFAULT_SRC6);
}

__attribute__((format(printf, 1, 2))) static int die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "synflood: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

/* xoshiro-like generators are overkill here: xorshift64* is fast and good enough. */
static uint64_t rng_state;

static uint64_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

static bool parse_u64(const char *s, uint64_t *out)
{
	char *end;

	errno = 0;
	if (*s == '-' || !*s)
		return false;
	*out = strtoull(s, &end, 10);
	return !errno && !*end;
}

static bool parse_mac(const char *s, uint8_t mac[ETH_ALEN])
{
	unsigned int b[ETH_ALEN];
	char tail;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5],
		   &tail) != ETH_ALEN)
		return false;
	for (int i = 0; i < ETH_ALEN; i++) {
		if (b[i] > 0xff)
			return false;
		mac[i] = b[i];
	}
	return true;
}

/* "ADDR/LEN" of the given family into net/len, host bits cleared. */
static bool parse_prefix(const char *s, int family, uint8_t net[16], unsigned int *len)
{
	char buf[INET6_ADDRSTRLEN + 8];
	unsigned int max = family == AF_INET ? 32 : 128;
	uint64_t l;
	char *slash;

	if (strlen(s) >= sizeof(buf))
		return false;
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (!slash)
		return false;
	*slash = '\0';
	if (!parse_u64(slash + 1, &l) || l > max)
		return false;
	memset(net, 0, 16);
	if (inet_pton(family, buf, net) != 1)
		return false;
	*len = l;
	for (unsigned int bit = l; bit < max; bit++)
		net[bit / 8] &= ~(0x80 >> (bit % 8));
	return true;
}

/* Is addr/len (len >= the lab's own) inside the lab's range of its family? */
static bool in_lab_range(int family, const uint8_t *addr, unsigned int len)
{
	if (family == AF_INET) {
		uint32_t a;

		memcpy(&a, addr, 4);
		return len >= LAB_NET4_LEN && (ntohl(a) >> (32 - LAB_NET4_LEN)) ==
			(LAB_NET4 >> (32 - LAB_NET4_LEN));
	}
	return len >= LAB_NET6_LEN && !memcmp(addr, lab_net6, sizeof(lab_net6));
}

/* Finds DST's link-layer address in the neighbour table (an RTM_GETNEIGH dump). */
static int neigh_lookup(int ifindex, int family, const uint8_t *dst, uint8_t mac[ETH_ALEN])
{
	struct {
		struct nlmsghdr nh;
		struct ndmsg nd;
	} req = {
		.nh.nlmsg_len = NLMSG_LENGTH(sizeof(struct ndmsg)),
		.nh.nlmsg_type = RTM_GETNEIGH,
		.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
		.nd.ndm_family = family,
	};
	size_t alen = family == AF_INET ? 4 : 16;
	static char buf[65536];
	int fd, found = -1;
	bool done = false;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	if (send(fd, &req, req.nh.nlmsg_len, 0) < 0) {
		close(fd);
		return -errno;
	}
	while (!done) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		struct nlmsghdr *nh;

		if (n <= 0)
			break;
		for (nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, (size_t)n);
		     nh = NLMSG_NEXT(nh, n)) {
			struct ndmsg *nd = NLMSG_DATA(nh);
			const uint8_t *ll = NULL, *l3 = NULL;
			struct rtattr *rta;
			int rlen;

			if (nh->nlmsg_type == NLMSG_DONE || nh->nlmsg_type == NLMSG_ERROR) {
				done = true;
				break;
			}
			if (nd->ndm_ifindex != ifindex ||
			    !(nd->ndm_state & (NUD_REACHABLE | NUD_STALE | NUD_DELAY | NUD_PROBE |
					       NUD_PERMANENT | NUD_NOARP)))
				continue;
			rlen = nh->nlmsg_len - NLMSG_LENGTH(sizeof(*nd));
			for (rta = (struct rtattr *)((char *)nd + NLMSG_ALIGN(sizeof(*nd)));
			     RTA_OK(rta, rlen); rta = RTA_NEXT(rta, rlen)) {
				if (rta->rta_type == NDA_DST && RTA_PAYLOAD(rta) == alen)
					l3 = RTA_DATA(rta);
				else if (rta->rta_type == NDA_LLADDR && RTA_PAYLOAD(rta) == ETH_ALEN)
					ll = RTA_DATA(rta);
			}
			if (l3 && ll && !memcmp(l3, dst, alen)) {
				memcpy(mac, ll, ETH_ALEN);
				found = 0;
			}
		}
	}
	close(fd);
	return found;
}

/* Fills src with a random address inside the configured prefix. */
static void random_source(const struct config *c, uint8_t *src)
{
	unsigned int alen = c->family == AF_INET ? 4 : 16;

	for (unsigned int i = 0; i < alen; i += 8) {
		uint64_t r = rng();

		memcpy(src + i, &r, alen - i < 8 ? alen - i : 8);
	}
	for (unsigned int bit = 0; bit < c->src_len; bit++) {
		uint8_t mask = 0x80 >> (bit % 8);

		src[bit / 8] = (src[bit / 8] & ~mask) | (c->src_net[bit / 8] & mask);
	}
}

/* Writes one SYN frame into f and returns its length: a Linux-like SYN (MSS, SACK_PERM,
 * TS, NOP, WS) from the shared test packet builder, with a random source, port and ISN. */
static size_t build_syn(const struct config *c, const uint8_t src_mac[ETH_ALEN], uint8_t *f)
{
	static uint8_t frame[PKT_MAX];
	int family = c->family == AF_INET ? 4 : 6;
	struct pkt_spec s;
	size_t len;

	pkt_spec_syn(&s, family);
	random_source(c, s.saddr);
	memcpy(s.daddr, c->dst, family == 4 ? 4 : 16);
	s.sport = 1024 + rng() % (65536 - 1024);
	s.dport = c->dst_port;
	s.seq = rng();
	opts_linux_syn(&s, family == 4 ? SYN_MSS4 : SYN_MSS6, rng(), SYN_WSCALE);
	len = pkt_build(&s, frame);
	/* The checksums do not cover the MAC addresses: set them afterwards. */
	memcpy(frame, c->dst_mac, ETH_ALEN);
	memcpy(frame + ETH_ALEN, src_mac, ETH_ALEN);
	memcpy(f, frame, len);
	return len;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int parse_args(int argc, char **argv, struct config *c)
{
	const char *dst = NULL, *prefix = NULL, *mac = NULL;
	uint64_t v;
	char *end;
	int opt;

	memset(c, 0, sizeof(*c));
	c->seconds = -1;
	while ((opt = getopt(argc, argv, "i:d:p:n:t:m:r:s:h")) != -1) {
		switch (opt) {
		case 'i':
			c->ifname = optarg;
			break;
		case 'd':
			dst = optarg;
			break;
		case 'p':
			if (!parse_u64(optarg, &v) || !v || v > 65535)
				return die("bad port '%s'", optarg);
			c->dst_port = v;
			break;
		case 'n':
			if (!parse_u64(optarg, &c->count) || !c->count)
				return die("bad packet count '%s'", optarg);
			break;
		case 't':
			errno = 0;
			c->seconds = strtod(optarg, &end);
			if (errno || *end || !(c->seconds > 0) || c->seconds > MAX_SECONDS)
				return die("bad time limit '%s' (0 < SECONDS <= 600)", optarg);
			break;
		case 'm':
			mac = optarg;
			break;
		case 'r':
			if (!parse_u64(optarg, &c->rate))
				return die("bad rate '%s'", optarg);
			break;
		case 's':
			prefix = optarg;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc || !c->ifname || !dst || !c->dst_port || !c->count || c->seconds < 0) {
		usage(stderr);
		return 2;
	}
	if (inet_pton(AF_INET, dst, c->dst) == 1)
		c->family = AF_INET;
	else if (inet_pton(AF_INET6, dst, c->dst) == 1)
		c->family = AF_INET6;
	else
		return die("bad destination address '%s'", dst);
	if (!in_lab_range(c->family, c->dst, c->family == AF_INET ? 32 : 128))
		return die("destination %s is outside 198.18.0.0/15 and 2001:2::/48", dst);
	if (!prefix)
		prefix = c->family == AF_INET ? DEFAULT_SRC4 : DEFAULT_SRC6;
	if (!parse_prefix(prefix, c->family, c->src_net, &c->src_len))
		return die("bad source prefix '%s' (ADDR/LEN of the destination's family)",
			   prefix);
	if (!in_lab_range(c->family, c->src_net, c->src_len))
		return die("source prefix %s is outside 198.18.0.0/15 and 2001:2::/48", prefix);
	if (mac) {
		if (!parse_mac(mac, c->dst_mac))
			return die("bad MAC address '%s'", mac);
		c->have_dst_mac = true;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static uint8_t frames[BATCH][FRAME_MAX];
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	struct sockaddr_ll sll = { .sll_family = AF_PACKET };
	uint8_t src_mac[ETH_ALEN];
	uint64_t sent = 0, errors = 0;
	double start, deadline, elapsed;
	struct ifreq ifr = { 0 };
	struct config c;
	int fd, ret, one = 1;

	ret = parse_args(argc, argv, &c);
	if (ret)
		return ret;

	sll.sll_ifindex = if_nametoindex(c.ifname);
	if (!sll.sll_ifindex)
		return die("interface %s not found", c.ifname);
	if (!c.have_dst_mac && neigh_lookup(sll.sll_ifindex, c.family, c.dst, c.dst_mac))
		return die("no neighbour entry for the destination on %s: give -m MAC", c.ifname);

	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);	/* protocol 0: send only */
	if (fd < 0)
		return die("socket(AF_PACKET): %s (needs CAP_NET_RAW)", strerror(errno));
	if (strlen(c.ifname) >= IFNAMSIZ)
		return die("interface name %s too long", c.ifname);
	strcpy(ifr.ifr_name, c.ifname);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0)
		return die("SIOCGIFHWADDR: %s", strerror(errno));
	memcpy(src_mac, ifr.ifr_hwaddr.sa_data, ETH_ALEN);
	sll.sll_protocol = htons(c.family == AF_INET ? ETH_P_IP : ETH_P_IPV6);
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0)
		return die("bind to %s: %s", c.ifname, strerror(errno));
	/* Skipping the qdisc is what trafgen does; not fatal where unsupported. */
	setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one));

	if (getrandom(&rng_state, sizeof(rng_state), 0) != sizeof(rng_state) || !rng_state)
		rng_state = (uint64_t)time(NULL) * 0x9e3779b97f4a7c15ull | 1;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);

	memset(msgs, 0, sizeof(msgs));
	for (int i = 0; i < BATCH; i++) {
		iov[i].iov_base = frames[i];
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}

	start = now();
	deadline = start + c.seconds;
	while (sent < c.count && !stop) {
		unsigned int n = BATCH;
		double t = now();

		if (t >= deadline)
			break;
		if (c.rate) {
			/* Send only what the rate allows by now; sleep a little otherwise. */
			double allowed = (t - start) * c.rate + 1;

			if (allowed <= sent) {
				struct timespec ts = { 0, 200000 };

				nanosleep(&ts, NULL);
				continue;
			}
			if (allowed - sent < n)
				n = allowed - sent;
		}
		if (c.count - sent < n)
			n = c.count - sent;
		for (unsigned int i = 0; i < n; i++)
			iov[i].iov_len = build_syn(&c, src_mac, frames[i]);
		ret = sendmmsg(fd, msgs, n, 0);
		if (ret < 0) {
			if (errno != ENOBUFS && errno != EAGAIN && errno != EINTR) {
				fprintf(stderr, "synflood: sendmmsg: %s\n", strerror(errno));
				break;
			}
			errors++;
			sched_yield();
			continue;
		}
		sent += ret;
	}
	elapsed = now() - start;
	close(fd);
	printf("synflood: sent %llu packets in %.2f s (%.0f pps), %llu send errors\n",
	       (unsigned long long)sent, elapsed, elapsed > 0 ? sent / elapsed : 0.0,
	       (unsigned long long)errors);
	return 0;
}
