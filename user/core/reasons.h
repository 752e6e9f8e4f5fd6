/* SPDX-License-Identifier: GPL-2.0 */
/* Names, verdicts and meanings of the counters, from the one list in include/xsc/reasons.def. */
#ifndef XSC_REASONS_H
#define XSC_REASONS_H

#include "xsc/abi.h"

struct xsc_reason_info {
	const char *name;	/* stable, for JSON keys, metric labels and scripts */
	const char *verdict;	/* "pass", "tx" or "drop" */
	const char *desc;
};

/* Info for a reason number; NULL for a slot no reason uses. */
const struct xsc_reason_info *xsc_reason(unsigned int reason);
/* The reason with this name, or -1. */
int xsc_reason_by_name(const char *name);

#endif /* XSC_REASONS_H */
