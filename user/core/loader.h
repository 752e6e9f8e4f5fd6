/* SPDX-License-Identifier: GPL-2.0 */
/* Attaching to and detaching from one interface: XDP program, TC handoff, maps, pins. */
#ifndef XSC_LOADER_H
#define XSC_LOADER_H

#include <xdp/libxdp.h>
#include "pin.h"
#include "settings.h"

struct prefix_set;

struct attach_opts {
	enum xdp_attach_mode mode;
	int handoff;				/* XSC_HANDOFF_* or XSC_HANDOFF_AUTO */
	struct xsc_settings settings;
	const struct xsc_policy *policy;	/* put in force before any packet is seen */
	const struct xsc_master *master;	/* NULL: the host's key, or a random one */
	const struct prefix_set *allow, *deny;	/* NULL: empty (on replace: kept) */
	/* In-place upgrade of an attached interface: this build's programs are swapped in;
	 * keys, counters, policy, lists and engage state stay (policy is ignored), and so do
	 * the mode and, unless settings_given, the SYN-ACK settings. */
	bool replace;
	bool settings_given;
	/* A group that may read counters and states (its pins 0640, the key's stay 0600). */
	bool group_given;
	gid_t group;
};

/* The TC filter we own on each interface's ingress hook. Priority 1 runs it first; it
 * hands every packet that is not a cookie ACK on to later filters (TC_ACT_UNSPEC). */
#define XSC_TC_HANDLE 0x5853
#define XSC_TC_PRIORITY 1

/* 0, or -errno after printing what went wrong; on failure nothing is left attached (on
 * replace: the programs that were in force stay in force). */
int xsc_attach(const char *ifname, const struct attach_opts *o);
/* 0, -ENOENT if nothing was attached, or -errno. */
int xsc_detach(const char *ifname);
/* Id of our XDP program on ifindex (0 if none) and the attach mode it runs in. */
__u32 xsc_xdp_prog_id(int ifindex, enum xdp_attach_mode *mode);
/* "reqsk", "kernel" or "auto". */
const char *xsc_handoff_name(int handoff);
/* Id of our TC filter's program on ifindex, 0 if none. */
__u32 xsc_tc_prog_id(int ifindex);

#endif /* XSC_LOADER_H */
