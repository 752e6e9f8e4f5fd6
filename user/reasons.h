/* SPDX-License-Identifier: GPL-2.0 */
/* Names, verdicts and meanings of the counters, from the one list in xsc_common.h. */
#ifndef XSC_REASONS_H
#define XSC_REASONS_H

#include "xsc_common.h"

struct xsc_reason_info {
	const char *name;	/* stable, for JSON keys and scripts */
	const char *verdict;	/* "pass", "tx" or "drop" */
	const char *desc;
};

/* Info for a reason; NULL when out of range. */
const struct xsc_reason_info *xsc_reason(unsigned int reason);
/* The reason with this name, or -1. */
int xsc_reason_by_name(const char *name);

#endif /* XSC_REASONS_H */
