// SPDX-License-Identifier: GPL-2.0
/* xdp-syncookie attach: protect one or more interfaces. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include "attach.h"
#include "cmd.h"
#include "log.h"

/*
 * The window scale Linux itself offers in this namespace (tcp_select_initial_window()):
 * just enough to cover the largest receive buffer it allows, so connections made by
 * cookie scale their window exactly like the kernel's own.
 */
static unsigned int kernel_wscale(void)
{
	unsigned long rmem[3] = { 0 }, rmem_max = 0, space;
	unsigned int ws = 0;
	FILE *f = fopen("/proc/sys/net/ipv4/tcp_rmem", "r");

	if (f) {
		if (fscanf(f, "%lu %lu %lu", &rmem[0], &rmem[1], &rmem[2]) != 3)
			rmem[2] = 0;
		fclose(f);
	}
	f = fopen("/proc/sys/net/core/rmem_max", "r");
	if (f) {
		if (fscanf(f, "%lu", &rmem_max) != 1)
			rmem_max = 0;
		fclose(f);
	}
	space = rmem[2] > rmem_max ? rmem[2] : rmem_max;
	if (!space)
		return XSC_DEFAULT_WSCALE;
	while (ws < XSC_MAX_WSCALE && (space >> (ws + 16)))	/* ilog2(space) - 15 */
		ws++;
	return ws;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: xdp-syncookie attach IFACE... [options]\n"
		"\n"
		"Answers SYNs to protected ports on IFACE with SYN cookies in XDP and hands\n"
		"valid cookie ACKs to the kernel through a TC ingress filter. The cookie key\n"
		"is made on the first attach and shared by every attached interface.\n"
		"\n"
		"Options:\n"
		"  -m, --mode MODE   native (driver XDP, default) or skb (generic XDP)\n"
		"  -p, --ports LIST  protect only these TCP ports: 80,443,8000-8010\n"
		"                    (default: every port; a SYN to a closed port goes to the kernel)\n"
		"      --mss4 N      MSS we advertise over IPv4, 536-9000 (default %d)\n"
		"      --mss6 N      MSS we advertise over IPv6, 1220-9000 (default %d)\n"
		"      --wscale N    our window scale, 0-14 (default: what Linux offers here, %u)\n"
		"      --ttl N       TTL / hop limit of SYN-ACKs, 1-255 (default %d)\n"
		"  -v, --verbose     show library and verifier messages (-vv: all of them)\n"
		"  -h, --help        show this help\n"
		"\n"
		"Exit status: 0 attached, 1 failed (nothing left attached), 2 usage error.\n",
		XSC_DEFAULT_MSS4, XSC_DEFAULT_MSS6, kernel_wscale(), XSC_DEFAULT_TTL);
}

static struct attach_opts opts;

int cmd_attach(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "mode", required_argument, NULL, 'm' },
		{ "ports", required_argument, NULL, 'p' },
		{ "mss4", required_argument, NULL, '4' },
		{ "mss6", required_argument, NULL, '6' },
		{ "wscale", required_argument, NULL, 'w' },
		{ "ttl", required_argument, NULL, 't' },
		COMMON_LONG_OPTS,
		{}
	};
	unsigned long v;
	int c, opt_rc, verbose = 0, done;

	opts = (struct attach_opts){
		.mode = XDP_MODE_NATIVE,
		.settings = { .mss4 = XSC_DEFAULT_MSS4, .mss6 = XSC_DEFAULT_MSS6,
			      .window = XSC_DEFAULT_WINDOW, .wscale = kernel_wscale(),
			      .ttl = XSC_DEFAULT_TTL, .flags = XSC_DEFAULT_FLAGS },
	};
	while ((c = getopt_long(argc, argv, "m:p:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'm':
			if (!strcmp(optarg, "native")) {
				opts.mode = XDP_MODE_NATIVE;
			} else if (!strcmp(optarg, "skb")) {
				opts.mode = XDP_MODE_SKB;
			} else {
				pr_err("--mode: '%s' is not native or skb\n", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'p':
			if (parse_ports(optarg, opts.ports, &opts.n_ports))
				return EXIT_USAGE;
			break;
		case '4':
			if (parse_uint("--mss4", optarg, 536, 9000, &v))
				return EXIT_USAGE;
			opts.settings.mss4 = v;
			break;
		case '6':
			if (parse_uint("--mss6", optarg, 1220, 9000, &v))
				return EXIT_USAGE;
			opts.settings.mss6 = v;
			break;
		case 'w':
			if (parse_uint("--wscale", optarg, 0, XSC_MAX_WSCALE, &v))
				return EXIT_USAGE;
			opts.settings.wscale = v;
			break;
		case 't':
			if (parse_uint("--ttl", optarg, 1, 255, &v))
				return EXIT_USAGE;
			opts.settings.ttl = v;
			break;
		default:
			if ((opt_rc = cmd_common_opt(c, &verbose, usage)) != OPT_CONTINUE)
				return opt_rc;
		}
	}
	if (optind == argc) {
		pr_err("attach: name at least one interface\n");
		usage(stderr);
		return EXIT_USAGE;
	}
	/* All or nothing: a failure detaches the interfaces this command already did. */
	for (done = 0; optind + done < argc; done++) {
		const char *ifname = argv[optind + done];

		if (xsc_attach(ifname, &opts)) {
			for (int i = done - 1; i >= 0; i--)
				xsc_detach(argv[optind + i]);
			return EXIT_FAILED;
		}
		pr_info("%s: attached (%s mode, %s)\n", ifname,
			opts.mode == XDP_MODE_SKB ? "skb" : "native",
			opts.n_ports ? "listed ports" : "every port");
	}
	return EXIT_OK;
}
