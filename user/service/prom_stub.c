// SPDX-License-Identifier: GPL-2.0
/* TEMPORARY (branch service): a stand-in for branch prom's prom_write, so the service's
 * tests can run before it lands; deleted at that merge. Packet counters only. */
#include "prom_tmp.h"
#include "reasons.h"
#include "stats.h"

int prom_write(FILE *f, char names[][IF_NAMESIZE], int n)
{
	fprintf(f, "# TYPE xdp_syncookie_packets_total counter\n");
	for (int i = 0; i < n; i++) {
		__u64 totals[XSC_STAT_SLOTS];
		struct pin_paths pp;
		int err = pin_paths(names[i], &pp) ?: stats_read(&pp, totals);

		if (err)
			return err;
		for (unsigned int r = 0; r < XSC_STAT_SLOTS; r++)
			if (xsc_reason(r))
				fprintf(f, "xdp_syncookie_packets_total{interface=\"%s\",reason=\"%s\"} %llu\n",
					names[i], xsc_reason(r)->name, (unsigned long long)totals[r]);
	}
	return 0;
}
