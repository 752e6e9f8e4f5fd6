// SPDX-License-Identifier: GPL-2.0
/* The counter table, built from the reason list shared with the BPF side. */
#include <stddef.h>
#include <string.h>
#include "reasons.h"

#define VERDICT_NAME_PASS "pass"
#define VERDICT_NAME_TX "tx"
#define VERDICT_NAME_DROP "drop"
/* A number used twice is a duplicate initializer: -Werror (-Woverride-init) refuses it. */
#define XSC_REASON(num, name, verdict, short, desc) [num] = { short, VERDICT_NAME_##verdict, desc },
static const struct xsc_reason_info reasons[XSC_STAT_SLOTS] = {
#include "xsc/reasons.def"
};
#undef XSC_REASON

const struct xsc_reason_info *xsc_reason(unsigned int reason)
{
	return reason < XSC_STAT_SLOTS && reasons[reason].name ? &reasons[reason] : NULL;
}

int xsc_reason_by_name(const char *name)
{
	for (unsigned int i = 0; i < XSC_STAT_SLOTS; i++)
		if (reasons[i].name && !strcmp(reasons[i].name, name))
			return (int)i;
	return -1;
}
