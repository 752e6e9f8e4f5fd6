// SPDX-License-Identifier: GPL-2.0
/* Allow and deny lists: what a listed source gets, put in force the way attach and set do. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/bpf.h>
#include "check.h"
#include "lists.h"
#include "policy.h"

/* Puts the two lists (prefixes separated by spaces, "" for none) in force under the
 * suite's policy (or with port 80 the only one protected), as 'set --deny-file' does. */
static int put_lists(const char *allow, const char *deny, bool only_80)
{
	const char *text[XSC_LIST_KINDS] = { [XSC_LIST_ALLOW] = allow, [XSC_LIST_DENY] = deny };
	struct xsc_policy *pol = malloc(sizeof(*pol));
	int err = pol ? 0 : -1;

	if (pol) {
		harness_policy_always(pol);
		if (only_80) {
			memset(pol->port, 0, sizeof(pol->port));
			pol->port[80] = XSC_PORT_PROTECTED;
		}
	}
	for (int kind = 0; kind < XSC_LIST_KINDS && !err; kind++) {
		struct prefix_set *s = prefix_set_new();
		char buf[256], *tok, *save, msg[160];

		snprintf(buf, sizeof(buf), "%s", text[kind]);
		for (tok = strtok_r(buf, " ", &save); tok && !err; tok = strtok_r(NULL, " ", &save))
			err = prefix_set_add(s, tok, msg, sizeof(msg));
		err = err ?: lists_swap(harness_map_fd(XSC_MAP_LISTS4), harness_map_fd(XSC_MAP_LISTS6),
					kind, s, &pol->lists, "test");
		prefix_set_free(s);
	}
	err = err ?: harness_set_policy(pol);
	free(pol);
	if (err)
		fail("putting the lists in force failed");
	return err;
}

struct list_case {
	const char *name;
	const char *allow, *deny;
	int family;
	uint8_t flags;
	uint16_t dport;
	int action, reason;
	bool only_80;
};

/* The suite's sources are 198.18.0.1 and 2001:2::1, to port 80. */
static const struct list_case cases[] = {
	{ "deny: a SYN from a denied /15 is dropped", "", "198.18.0.0/15", 4, F_SYN, 80,
	  XDP_DROP, XSC_STAT_DROP_DENIED, false },
	{ "deny: an ACK from a denied address is dropped", "", "198.18.0.1", 4, F_ACK, 80,
	  XDP_DROP, XSC_STAT_DROP_DENIED, false },
	{ "deny: a bare FIN from a denied prefix is counted as denied, before the flag checks",
	  "", "198.18.0.0/24", 4, F_FIN, 80, XDP_DROP, XSC_STAT_DROP_DENIED, false },
	{ "deny: IPv6 /32 covering the source", "", "2001:2::/32", 6, F_SYN, 80,
	  XDP_DROP, XSC_STAT_DROP_DENIED, false },
	{ "deny: a prefix next to the source does not match", "", "198.18.1.0/24 2001:3::/32", 4,
	  F_SYN, 80, XDP_TX, XSC_STAT_TX_SYN_COOKIE, false },
	{ "deny: an IPv4 list does not touch IPv6", "", "0.0.0.0/0", 6, F_SYN, 80,
	  XDP_TX, XSC_STAT_TX_SYN_COOKIE, false },
	{ "deny: ports that are not protected are not its business", "", "0.0.0.0/0", 4, F_SYN,
	  9, XDP_PASS, XSC_STAT_PASS_PORT_UNPROTECTED, true },
	{ "allow: a SYN from an allowed prefix goes to the kernel, engaged or not",
	  "198.18.0.0/16", "", 4, F_SYN, 80, XDP_PASS, XSC_STAT_PASS_ALLOWED, false },
	{ "allow: IPv6 ::/0", "::/0", "", 6, F_SYN, 80, XDP_PASS, XSC_STAT_PASS_ALLOWED, false },
	{ "allow: only SYNs skip the challenge; an ACK without a socket is judged as anyone's",
	  "198.18.0.0/16", "", 4, F_ACK, 80, XDP_DROP, XSC_STAT_DROP_ACK_NO_SOCKET, false },
	{ "allow: another prefix is challenged as usual", "198.19.0.0/16", "", 4, F_SYN, 80,
	  XDP_TX, XSC_STAT_TX_SYN_COOKIE, false },
	{ "allow and deny both match: deny wins", "198.18.0.0/15", "198.18.0.1", 4, F_SYN, 80,
	  XDP_DROP, XSC_STAT_DROP_DENIED, false },
	{ "emptied lists cost nothing and match nothing", "", "", 4, F_SYN, 80,
	  XDP_TX, XSC_STAT_TX_SYN_COOKIE, false },
};

void test_lists(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		const struct list_case *c = &cases[i];
		struct pkt_spec s;

		if (put_lists(c->allow, c->deny, c->only_80))
			continue;
		pkt_spec_linux_syn(&s, c->family);
		s.flags = c->flags;
		s.dport = c->dport;
		verdict_case(c->name, &s, c->action, c->reason);
	}
	begin("the policy marks only the lists in use");
	{
		struct xsc_policy *pol = malloc(sizeof(*pol));

		if (pol && !put_lists("198.18.0.0/16", "2001:2::/32", false) &&
		    !policy_read(harness_map_fd(XSC_MAP_POLICY), pol))
			EXPECT(pol->lists == (XSC_LISTS_ALLOW4 | XSC_LISTS_DENY6), "lists 0x%x",
			       pol->lists);
		free(pol);
	}
	end(false);
	put_lists("", "", false);
}
