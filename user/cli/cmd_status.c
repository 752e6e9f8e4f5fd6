// SPDX-License-Identifier: GPL-2.0
/* xdp-syncookie status: what is attached where, its policy, and each active port's state. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "cmd.h"
#include "export.h"
#include "gateway.h"
#include "loader.h"
#include "mapset.h"
#include "log.h"

static const enum opt_id status_opts[] = { OPT_END };

static int key_generation(const struct pin_paths *pp)
{
	struct xsc_keyring kr = {};
	__u32 zero = 0;
	int fd = pin_open_map(pp, XSC_MAP_KEYS, sizeof(kr)), gen = -1;

	if (fd >= 0 && !bpf_map_lookup_elem(fd, &zero, &kr))
		gen = kr.gen;
	if (fd >= 0)
		close(fd);
	return gen;
}

static int show_port(const struct port_view *v, void *arg)
{
	text_port(stdout, v, arg);
	return 0;
}

/* Prints one interface; returns 0 if attached and whole. */
static int show(const char *ifname)
{
	enum xdp_attach_mode mode = XDP_MODE_UNSPEC;
	struct xsc_attach_info info;
	struct xsc_policy *pol;
	struct pin_paths pp;
	int ifindex = if_nametoindex(ifname), err;
	__u32 xdp_id, tc_id;
	bool needs_tc, gateway, rules = true, whole;
	char table[64];
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
	if (err == -ENOENT) {
		printf("%s: HALF ATTACHED: xdp %s, tc %s, no pins in %s (an attach was cut short, or "
		       "the BPF filesystem was replaced); run 'xdp-syncookie detach %s'\n", ifname,
		       xdp_id ? "present" : "missing", tc_id ? "present" : "missing", pp.dir, ifname);
		return err;
	}
	if (err) {
		printf("%s: pins in %s are %s; run 'xdp-syncookie detach %s'\n", ifname, pp.dir,
		       err == -EPROTO ? "from another version" : "missing or unreadable", ifname);
		return err;
	}
	snprintf(when, sizeof(when), "status %.*s", IF_NAMESIZE, ifname);
	if (mapset_check_pins(&pp, when))
		return -EPROTO;
	t = info.attached_at;
	if (localtime_r(&t, &tm))
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
	needs_tc = info.settings.handoff != XSC_HANDOFF_KERNEL;
	gateway = info.settings.handoff == XSC_HANDOFF_SYNPROXY;
	/* Reading nftables takes CAP_NET_ADMIN: a --group reader is not told it is missing. */
	if (gateway && ifindex && geteuid() == 0)
		rules = gateway_rules_present(ifindex);
	whole = ifindex && xdp_id && (tc_id || !needs_tc) && rules;
	printf("%s: %s, %s mode, handoff %s, since %s\n", ifname,
	       !ifindex ? "INTERFACE GONE" : whole ? "attached" : "DEGRADED",
	       info.xdp_mode == XDP_MODE_SKB ? "skb (generic)" : "native",
	       xsc_handoff_name(info.settings.handoff), when);
	printf("  xdp:      %s", xdp_id ? "program xdp_syncookie" : "MISSING");
	if (xdp_id)
		printf(", id %u%s", xdp_id, mode == XDP_MODE_UNSPEC ? "" :
				     mode == XDP_MODE_SKB ? " (skb)" : " (native)");
	printf("\n  tc:       %s", tc_id ? "ingress filter tc_handoff" :
			     !needs_tc ? "none (the kernel handoff needs none)" : "MISSING");
	if (tc_id)
		printf(", id %u, handle 0x%x, priority %u%s", tc_id, info.tc_handle,
		       info.tc_priority, info.created_clsact ? ", clsact made by attach" : "");
	if (gateway) {
		gateway_table_name(ifindex ? ifindex : (int)info.ifindex, table, sizeof(table));
		printf("\n  nftables: table inet %s%s", table,
		       geteuid() ? " (root can check it)" :
		       rules ? ": invalid TCP from the interface to SYNPROXY, or dropped" : " MISSING");
	}
	printf("\n  syn-ack:  mss4 %u, mss6 %u, wscale %u, window %u, ttl %u; offers%s%s%s\n",
	       info.settings.mss4, info.settings.mss6, info.settings.wscale, info.settings.window,
	       info.settings.ttl, info.settings.flags & XSC_F_OFFER_TS ? " timestamps" : "",
	       info.settings.flags & XSC_F_OFFER_SACK ? " sack" : "",
	       info.settings.flags & XSC_F_OFFER_ECN ? " ecn" : "");
	printf("  tcp fragments: %s\n",
	       info.settings.flags & XSC_F_PASS_TCP_FRAGS ? "passed" : "dropped");
	if (key_generation(&pp) >= 0)
		printf("  cookie key: generation %d (shared, %s/%s)\n", key_generation(&pp),
		       pp.root, XSC_MAP_KEYS);
	else
		printf("  cookie key: readable by root only\n");
	if (info.replaces) {
		t = info.replaced_at;
		if (localtime_r(&t, &tm))
			strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
		printf("  upgraded in place: %u time%s, last %s\n", info.replaces,
		       info.replaces == 1 ? "" : "s", when);
	}
	pol = malloc(sizeof(*pol));
	err = pol ? policy_read_pinned(&pp, pol) : -ENOMEM;
	if (err == -EPERM) {
		/* The policy in force is found by id, which takes CAP_SYS_ADMIN. */
		printf("  policy:   readable by root only\n");
		err = 0;
	} else if (err) {
		printf("  policy:   UNREADABLE (%s)\n", strerror(-err));
	} else {
		text_policy(stdout, pol);
		err = ports_read(&pp, show_port, pol);
		if (err)
			printf("  port states: UNREADABLE (%s)\n", strerror(-err));
	}
	free(pol);
	return !err && whole ? 0 : -EIO;
}

static int run(const struct opt_values *v, int argc, char **argv)
{
	char names[CMD_MAX_IFACES][IF_NAMESIZE];
	int n = cmd_targets("status", argc, argv, names), rc = EXIT_OK;

	(void)v;
	if (n < 0)
		return -n;
	if (n == 0)
		printf("no interface attached\n");
	for (int i = 0; i < n; i++)
		if (show(names[i]))
			rc = EXIT_FAILED;
	return rc;
}

const struct command cmd_status = {
	.name = "status",
	.args = "[IFACE...] [options]",
	.summary = "show what is attached where, the policy and each port's engage state",
	.description =
		"Shows each attached interface (or IFACE): the XDP program and its mode, the TC\n"
		"handoff filter, the SYN-ACK settings, the key generation, the policy (ports,\n"
		"engage mode and thresholds) and, for every port that has seen SYNs, whether it\n"
		"is engaged, since when and by which signal, its SYN rate, its listener's queues\n"
		"and the cookies it sent.",
	.exit_status = "0 everything named is attached and whole, 1 otherwise, 2 usage.",
	.opts = status_opts,
	.min_args = 0,
	.max_args = -1,
	.run = run,
};
