// SPDX-License-Identifier: GPL-2.0
/* The counter table, built from the reason list shared with the BPF side. */
#include <stddef.h>
#include <string.h>
#include "reasons.h"

#define PASS_ENTRY(n, s, d) [XSC_STAT_##n] = { s, "pass", d },
#define TX_ENTRY(n, s, d) [XSC_STAT_##n] = { s, "tx", d },
#define DROP_ENTRY(n, s, d) [XSC_STAT_##n] = { s, "drop", d },
static const struct xsc_reason_info reasons[XSC_STAT_MAX] = {
	XSC_PASS_REASONS(PASS_ENTRY)
	XSC_TX_REASONS(TX_ENTRY)
	XSC_DROP_REASONS(DROP_ENTRY)
};

const struct xsc_reason_info *xsc_reason(unsigned int reason)
{
	return reason < XSC_STAT_MAX ? &reasons[reason] : NULL;
}

int xsc_reason_by_name(const char *name)
{
	for (unsigned int i = 0; i < XSC_STAT_MAX; i++)
		if (!strcmp(reasons[i].name, name))
			return (int)i;
	return -1;
}
