/* SPDX-License-Identifier: GPL-2.0 */
/* Reading the pinned per-CPU counters of an attachment. */
#ifndef XSC_STATS_H
#define XSC_STATS_H

#include <linux/types.h>
#include "pin.h"

/* Sums every counter of the stats map fd over CPUs into totals[XSC_STAT_MAX];
 * 0, -EPROTO if the map is not of this layout, or -errno. */
int stats_sum(int fd, __u64 *totals);
/* The same for an attachment's pinned counters. */
int stats_read(const struct pin_paths *pp, __u64 *totals);

#endif /* XSC_STATS_H */
