/* SPDX-License-Identifier: GPL-2.0 */
/* The load-time SYN-ACK settings and their defaults. */
#ifndef XSC_CORE_SETTINGS_H
#define XSC_CORE_SETTINGS_H

#include "xsc/abi.h"

/* A handoff request: the one the kernel's BTF offers (reqsk where it has the kfunc). */
#define XSC_HANDOFF_AUTO (-1)

/* The window scale Linux itself offers in this network namespace. */
unsigned long kernel_wscale(void);
/* The sysctl at /proc/sys/NAME ("net/ipv4/ip_forward") as a number, or -1. */
int sysctl_read(const char *name);
/* net.ipv4.NAME of this network namespace (where the interface lives) as a number, or -1. */
int sysctl_ipv4(const char *name);
/* The defaults: Linux's own choices where it has one. */
void settings_defaults(struct xsc_settings *s);

#endif /* XSC_CORE_SETTINGS_H */
