// SPDX-License-Identifier: GPL-2.0
/* The reflection budget: cookie SYN-ACKs capped per source /24 or /48 and per interface. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include "check.h"
#include "policy.h"

#define BURST_NS (1000000000ULL >> XSC_BUDGET_BURST_SHIFT)

static int budget_policy(__u32 prefix, __u32 global)
{
	struct xsc_policy *pol = malloc(sizeof(*pol));
	struct policy_change c = { .budget_prefix_given = true, .budget_prefix = prefix,
				   .budget_global_given = true, .budget_global = global };
	int err = pol ? 0 : -1;

	if (pol) {
		harness_policy_always(pol);
		err = policy_apply(pol, &c, "test") ?: harness_set_policy(pol);
	}
	free(pol);
	if (err)
		fail("installing the budget policy failed");
	return err;
}

/* n SYNs from one source address at once; how many got a cookie and how many hit reason. */
static void burst(int family, const char *src, int n, int reason, int *answered, int *over)
{
	struct pkt_spec s;
	struct xdp_result r;

	*answered = *over = 0;
	for (int i = 0; i < n; i++) {
		pkt_spec_linux_syn(&s, family);
		inet_pton(family == 4 ? AF_INET : AF_INET6, src, s.saddr);
		s.sport = 20000 + i;
		if (run_spec(&s, &r))
			return;
		*answered += r.reason == XSC_STAT_TX_SYN_COOKIE;
		*over += r.reason == reason;
	}
}

/* A bucket holds 1/8 s of its rate: that many SYN-ACKs at once, then the rate. */
static void budget_case(const char *name, int family, const char *src, __u32 rate, int cpus,
			int reason)
{
	int want = (int)((BURST_NS + 1000000000ULL / rate * cpus) / (1000000000ULL / rate * cpus));
	int answered, over, n = 4 * want + 10;

	begin(name);
	burst(family, src, n, reason, &answered, &over);
	/* The coarse clock may tick (4 ms) during the burst: one more, at this rate. */
	EXPECT(answered >= want && answered <= want + 1 && answered + over == n,
	       "%d SYNs at once: %d answered, %d over the budget; want %d answered, the rest over",
	       n, answered, over, want);
	end(false);
}

void test_budget(void)
{
	int answered, over, cpus = libbpf_num_possible_cpus();

	/* Low rates, so that an interval (100 ms) dwarfs the time a burst of SYNs takes to run
	 * on a busy machine, and the coarse clock's ticks. The harness spreads the budgets
	 * over every CPU, as a NIC with a receive queue per CPU would: the suite runs on one
	 * and sees its share. */
	if (budget_policy(10 * cpus, 0))
		return;
	budget_case("budget: 10 SYN-ACK/s per /24 and CPU answers a burst of 1/8 s, drops the rest",
		    4, "198.18.77.1", 10 * cpus, cpus, XSC_STAT_DROP_BUDGET_PREFIX);
	begin("budget: the same /24 from another address shares the bucket");
	burst(4, "198.18.77.200", 5, XSC_STAT_DROP_BUDGET_PREFIX, &answered, &over);
	EXPECT(answered == 0 && over == 5, "%d answered, %d over", answered, over);
	end(false);
	begin("budget: another /24 is unaffected: its own burst is answered");
	burst(4, "198.18.78.1", 2, XSC_STAT_DROP_BUDGET_PREFIX, &answered, &over);
	EXPECT(answered == 2, "%d of 2 answered", answered);
	end(false);
	budget_case("budget: 10 SYN-ACK/s per /48 and CPU, IPv6", 6, "2001:2:77::1", 10 * cpus,
		    cpus, XSC_STAT_DROP_BUDGET_PREFIX);
	begin("budget: the same /48 shares the bucket, another /48 is unaffected");
	burst(6, "2001:2:77:ffff::9", 3, XSC_STAT_DROP_BUDGET_PREFIX, &answered, &over);
	EXPECT(answered == 0 && over == 3, "same /48: %d answered, %d over", answered, over);
	burst(6, "2001:2:78::1", 2, XSC_STAT_DROP_BUDGET_PREFIX, &answered, &over);
	EXPECT(answered == 2, "another /48: %d of 2 answered", answered);
	end(false);

	if (budget_policy(0, 10 * cpus))
		return;
	budget_case("budget: 10 SYN-ACK/s per CPU for the interface, its share on this CPU", 4,
		    "198.18.90.1", 10 * cpus, cpus, XSC_STAT_DROP_BUDGET_GLOBAL);
	begin("budget: no cap (0) answers every SYN");
	if (!budget_policy(0, 0)) {
		burst(4, "198.18.91.1", 50, XSC_STAT_DROP_BUDGET_PREFIX, &answered, &over);
		EXPECT(answered == 50, "%d of 50 answered", answered);
	}
	end(false);
	budget_policy(HARNESS_BUDGET, HARNESS_BUDGET);
	/* A bucket carries what it lent at the old rate (up to a burst, 1/8 s): let it pass
	 * before the next cases. */
	usleep(2 * BURST_NS / 1000);
}
