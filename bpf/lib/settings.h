/* SPDX-License-Identifier: GPL-2.0 */
/* Load-time settings: .rodata that user space sets between open and load. */
#ifndef XSC_SETTINGS_H
#define XSC_SETTINGS_H

#include "proto.h"

const volatile struct xsc_settings xsc_cfg = {
	.mss4 = XSC_DEFAULT_MSS4,
	.mss6 = XSC_DEFAULT_MSS6,
	.window = XSC_DEFAULT_WINDOW,
	.wscale = XSC_DEFAULT_WSCALE,
	.ttl = XSC_DEFAULT_TTL,
	.flags = XSC_DEFAULT_FLAGS,
};

/* libbpf_num_possible_cpus(): how many per-CPU slots a sum over CPUs visits. */
const volatile __u32 xsc_nr_cpus = 1;

#endif /* XSC_SETTINGS_H */
