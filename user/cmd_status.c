// SPDX-License-Identifier: GPL-2.0
/* xdp-syncookie status: what is attached where, in which mode, with which settings. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "attach.h"
#include "cmd.h"
#include "log.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: xdp-syncookie status [IFACE] [options]\n"
		"\n"
		"Shows each attached interface (or IFACE): the XDP program and its mode, the TC\n"
		"handoff filter, the protected ports, the SYN-ACK settings and the key generation.\n"
		"\n"
		"Options:\n"
		"  -v, --verbose     show library messages\n"
		"  -h, --help        show this help\n"
		"\n"
		"Exit status: 0 everything named is attached and whole, 1 otherwise, 2 usage.\n");
}

static void print_ports(const struct pin_paths *pp, __u32 n_ports)
{
	char path[PATH_MAX];
	int fd, shown = 0;

	if (!n_ports) {
		printf("  ports:    every TCP port\n");
		return;
	}
	if (pin_path(pp, XSC_MAP_PORTS, path, sizeof(path)) || (fd = bpf_obj_get(path)) < 0) {
		printf("  ports:    %u listed (port map unreadable)\n", n_ports);
		return;
	}
	printf("  ports:   ");
	for (__u32 port = 1; port < XSC_PORTS_MAX; port++) {
		__u8 mark = 0;

		if (!bpf_map_lookup_elem(fd, &port, &mark) && (mark & XSC_PORT_PROTECTED))
			printf("%s%u", shown++ ? "," : " ", port);
	}
	printf("\n");
	close(fd);
}

static int key_generation(const struct pin_paths *pp)
{
	struct xsc_keyring kr = {};
	__u32 zero = 0;
	int fd = bpf_obj_get(pp->keys), gen = -1;

	if (fd >= 0 && !bpf_map_lookup_elem(fd, &zero, &kr))
		gen = kr.gen;
	if (fd >= 0)
		close(fd);
	return gen;
}

/* Prints one interface; returns 0 if attached and whole. */
static int show(const char *ifname)
{
	enum xdp_attach_mode mode = XDP_MODE_UNSPEC;
	struct xsc_attach_info info;
	struct pin_paths pp;
	int ifindex = if_nametoindex(ifname), err;
	__u32 xdp_id, tc_id;
	char when[64] = "?";
	struct tm tm;
	time_t t;

	if (pin_paths(ifname, &pp))
		return -ENOTSUP;
	err = pin_read_info(&pp, &info);
	xdp_id = ifindex ? xsc_xdp_prog_id(ifindex, &mode) : 0;
	tc_id = ifindex ? xsc_tc_prog_id(ifindex) : 0;
	if (err == -ENOENT && !xdp_id && !tc_id) {
		printf("%s: not attached\n", ifname);
		return -ENOENT;
	}
	if (err) {
		printf("%s: pins in %s are %s; run 'xdp-syncookie detach %s'\n", ifname, pp.dir,
		       err == -EPROTO ? "from another version" : "missing or unreadable", ifname);
		return err;
	}
	t = info.attached_at;
	if (localtime_r(&t, &tm))
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
	printf("%s: %s, %s mode, since %s\n", ifname,
	       !ifindex ? "INTERFACE GONE" : (xdp_id && tc_id) ? "attached" : "DEGRADED",
	       info.xdp_mode == XDP_MODE_SKB ? "skb (generic)" : "native", when);
	printf("  xdp:      %s", xdp_id ? "program xdp_syncookie" : "MISSING");
	if (xdp_id)
		printf(", id %u%s", xdp_id, mode == XDP_MODE_UNSPEC ? "" :
				     mode == XDP_MODE_SKB ? " (skb)" : " (native)");
	printf("\n  tc:       %s", tc_id ? "ingress filter tc_handoff" : "MISSING");
	if (tc_id)
		printf(", id %u, handle 0x%x, priority %u%s", tc_id, info.tc_handle,
		       info.tc_priority, info.created_clsact ? ", clsact made by attach" : "");
	printf("\n");
	print_ports(&pp, info.n_ports);
	printf("  syn-ack:  mss4 %u, mss6 %u, wscale %u, window %u, ttl %u; offers%s%s%s\n",
	       info.settings.mss4, info.settings.mss6, info.settings.wscale, info.settings.window,
	       info.settings.ttl, info.settings.flags & XSC_F_OFFER_TS ? " timestamps" : "",
	       info.settings.flags & XSC_F_OFFER_SACK ? " sack" : "",
	       info.settings.flags & XSC_F_OFFER_ECN ? " ecn" : "");
	printf("  tcp fragments: %s\n",
	       info.settings.flags & XSC_F_PASS_TCP_FRAGS ? "passed" : "dropped");
	printf("  cookie key: generation %d (shared, %s)\n", key_generation(&pp), pp.keys);
	return ifindex && xdp_id && tc_id ? 0 : -EIO;
}

int cmd_status(int argc, char **argv)
{
	static const struct option longopts[] = { COMMON_LONG_OPTS, {} };
	char names[CMD_MAX_IFACES][IF_NAMESIZE];
	int c, opt_rc, verbose = 0, n, rc = EXIT_OK;

	while ((c = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
		switch (c) {
		default:
			if ((opt_rc = cmd_common_opt(c, &verbose, usage)) != OPT_CONTINUE)
				return opt_rc;
		}
	}
	n = cmd_targets("status", argc, argv, optind, usage, names);
	if (n < 0)
		return -n;
	if (n == 0)
		printf("no interface attached\n");
	for (int i = 0; i < n; i++)
		if (show(names[i]))
			rc = EXIT_FAILED;
	return rc;
}
