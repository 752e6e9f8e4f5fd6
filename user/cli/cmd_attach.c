// SPDX-License-Identifier: GPL-2.0
/* xdp-syncookie attach: protect one or more interfaces, or upgrade them in place. */
#include <grp.h>
#include <stdlib.h>
#include "cmd.h"
#include "keys.h"
#include "lists.h"
#include "loader.h"
#include "log.h"
#include "settings.h"

static const enum opt_id attach_opts[] = {
	OPT_MODE, OPTS_POLICY, OPT_MSS4, OPT_MSS6, OPT_WSCALE, OPT_HANDOFF, OPT_GATEWAY, OPT_TTL, OPT_KEY_FILE,
	OPT_ALLOW_FILE, OPT_DENY_FILE, OPT_REPLACE, OPT_GROUP, OPT_END,
};

/* What an in-place upgrade cannot take: it keeps what is in force, and 'set', the list
 * commands and 'key rotate' change those live. */
static int check_replace(const struct opt_values *v)
{
	static const enum opt_id kept[] = { OPTS_POLICY, OPT_MODE, OPT_KEY_FILE, OPT_ALLOW_FILE,
					    OPT_DENY_FILE, OPT_GROUP };

	for (size_t i = 0; i < sizeof(kept) / sizeof(*kept); i++)
		if (opt_given(v, kept[i])) {
			pr_err("attach --replace keeps the mode, policy, lists, key and pins in "
			       "force; change them with 'set', 'allow', 'deny' and 'key rotate'\n");
			return -1;
		}
	return 0;
}

/* Reads the key and list files the options name; an error here changes nothing. */
static int read_inputs(const struct opt_values *v, struct xsc_master *master,
		       struct prefix_set **allow, struct prefix_set **deny)
{
	if (opt_given(v, OPT_KEY_FILE) && key_file_read(v->str[OPT_KEY_FILE], master, "attach"))
		return -1;
	if (opt_given(v, OPT_ALLOW_FILE) &&
	    prefix_file_read(v->str[OPT_ALLOW_FILE], allow, "attach --allow-file"))
		return -1;
	if (opt_given(v, OPT_DENY_FILE) &&
	    prefix_file_read(v->str[OPT_DENY_FILE], deny, "attach --deny-file"))
		return -1;
	return 0;
}

static int run(const struct opt_values *v, int argc, char **argv)
{
	struct xsc_policy *pol = malloc(sizeof(*pol));
	struct prefix_set *allow = NULL, *deny = NULL;
	struct xsc_master master;
	struct attach_opts o = { .mode = v->xdp_mode, .handoff = v->handoff, .policy = pol,
				 .replace = opt_given(v, OPT_REPLACE) };
	int done, rc = EXIT_OK;

	if (!pol)
		return EXIT_FAILED;
	o.settings_given = opts_settings(v, &o.settings);
	if (opt_given(v, OPT_GATEWAY)) {
		/* Gateway mode is a handoff of its own: SYNPROXY makes the connections. */
		if (opt_given(v, OPT_HANDOFF) && v->handoff != XSC_HANDOFF_SYNPROXY) {
			pr_err("attach: --gateway and --handoff do not combine (gateway mode hands "
			       "cookie ACKs to SYNPROXY)\n");
			rc = EXIT_USAGE;
			goto out;
		}
		o.handoff = XSC_HANDOFF_SYNPROXY;
	}
	policy_defaults(pol);
	if ((o.replace && check_replace(v)) || policy_apply(pol, &v->policy, "attach")) {
		rc = EXIT_USAGE;
		goto out;
	}
	if (read_inputs(v, &master, &allow, &deny)) {
		rc = EXIT_USAGE;
		goto out;
	}
	if (opt_given(v, OPT_GROUP)) {
		struct group *g = getgrnam(v->str[OPT_GROUP]);

		if (!g) {
			pr_err("attach --group: no group named %s\n", v->str[OPT_GROUP]);
			rc = EXIT_USAGE;
			goto out;
		}
		o.group_given = true;
		o.group = g->gr_gid;
	}
	o.master = opt_given(v, OPT_KEY_FILE) ? &master : NULL;
	o.allow = allow;
	o.deny = deny;
	/* All or nothing: a failure detaches the interfaces this command already attached (an
	 * upgrade leaves the ones done upgraded: each is whole either way). */
	for (done = 0; done < argc; done++) {
		if (xsc_attach(argv[done], &o)) {
			for (int i = done - 1; i >= 0 && !o.replace; i--)
				xsc_detach(argv[i]);
			rc = EXIT_FAILED;
			break;
		}
		if (o.replace)
			pr_info("%s: upgraded in place\n", argv[done]);
		else
			pr_info("%s: attached (%s mode, engage %s, %d protected ports)\n", argv[done],
				o.mode == XDP_MODE_SKB ? "skb" : "native",
				policy_mode_name(pol->engage), policy_count_protected(pol));
	}
out:
	explicit_bzero(&master, sizeof(master));
	prefix_set_free(allow);
	prefix_set_free(deny);
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
		"stayed low for the hold time. Cookie keys are derived per time slot from a master\n"
		"secret that every attached interface shares: a random one, or --key-file's, so\n"
		"that hosts of a fleet accept each other's cookies. --allow-file and --deny-file\n"
		"load source prefixes that are never challenged or always dropped. 'set' changes\n"
		"the policy later. --replace upgrades attached interfaces to this build in place,\n"
		"with no moment unprotected. --gateway protects the servers behind this host\n"
		"instead: SYNs it forwards are answered with the kernel's cookies, and the final\n"
		"ACK goes to netfilter SYNPROXY (an nftables table of its own, inet\n"
		"xdp_syncookie_IFINDEX, that detach removes), which opens the connection to the\n"
		"server; established flows pass after a conntrack lookup.",
	.exit_status = "0 attached, 1 failed (nothing left attached), 2 usage error or a bad\n"
		       "key or list file.",
	.opts = attach_opts,
	.min_args = 1,
	.max_args = -1,
	.run = run,
	.locks = true,
};
