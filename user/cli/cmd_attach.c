// SPDX-License-Identifier: GPL-2.0
/* xdp-syncookie attach: protect one or more interfaces. */
#include <stdlib.h>
#include "cmd.h"
#include "loader.h"
#include "log.h"

static const enum opt_id attach_opts[] = {
	OPT_MODE, OPTS_POLICY, OPT_MSS4, OPT_MSS6, OPT_WSCALE, OPT_TTL, OPT_END,
};

static int run(const struct opt_values *v, int argc, char **argv)
{
	struct xsc_policy *pol = malloc(sizeof(*pol));
	struct attach_opts o = { .mode = v->xdp_mode, .policy = pol };
	int done, rc = EXIT_OK;

	if (!pol)
		return EXIT_FAILED;
	opts_settings(v, &o.settings);
	policy_defaults(pol);
	if (policy_apply(pol, &v->policy, "attach")) {
		free(pol);
		return EXIT_USAGE;
	}
	/* All or nothing: a failure detaches the interfaces this command already did. */
	for (done = 0; done < argc; done++) {
		if (xsc_attach(argv[done], &o)) {
			for (int i = done - 1; i >= 0; i--)
				xsc_detach(argv[i]);
			rc = EXIT_FAILED;
			break;
		}
		pr_info("%s: attached (%s mode, engage %s, %d protected ports)\n", argv[done],
			o.mode == XDP_MODE_SKB ? "skb" : "native", policy_mode_name(pol->engage),
			policy_count_protected(pol));
	}
	free(pol);
	return rc;
}

const struct command cmd_attach = {
	.name = "attach",
	.args = "IFACE... [options]",
	.summary = "protect interfaces: XDP cookies + TC handoff + pinned maps",
	.description =
		"Watches SYNs to protected ports on IFACE in XDP. A port engages by itself when\n"
		"its listener's queue fills or its SYN rate climbs (--engage auto): its SYNs are\n"
		"then answered with SYN cookies in XDP, valid cookie ACKs are handed to the kernel\n"
		"through a TC ingress filter, and the port disengages once the pressure has\n"
		"stayed low for the hold time. The cookie key is made on the first attach and\n"
		"shared by every attached interface. 'set' changes the policy options later.",
	.exit_status = "0 attached, 1 failed (nothing left attached), 2 usage error.",
	.opts = attach_opts,
	.min_args = 1,
	.max_args = -1,
	.run = run,
};
