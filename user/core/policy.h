/* SPDX-License-Identifier: GPL-2.0 */
/* An interface's policy: the protected ports and how they engage, built, checked and swapped in whole. */
#ifndef XSC_CORE_POLICY_H
#define XSC_CORE_POLICY_H

#include <stdbool.h>
#include <stdint.h>
#include "pin.h"
#include "xsc/abi.h"

/* Most ports one --ports list may name; the map holds every port, the limit keeps a
 * typo such as 1-65535 from protecting (and answering for) the whole host by accident
 * ('--ports all' does that on purpose). */
#define XSC_MAX_LISTED_PORTS 1024
#define POLICY_MAX_PORT_MODES 256

/* What an attach or a set asks for; what it does not name keeps its value. */
struct policy_change {
	bool ports_given;
	bool all_ports;			/* --ports all */
	uint16_t ports[XSC_MAX_LISTED_PORTS];
	int n_ports;
	bool engage_given;
	__u8 engage;
	int n_port_modes;
	struct {
		uint16_t port;
		__u8 mode;		/* XSC_ENGAGE_DEFAULT clears the override */
	} port_modes[POLICY_MAX_PORT_MODES];
	bool syn_rate_given;
	__u32 syn_rate;
	bool queue_fill_given;
	__u8 queue_fill;
	bool hold_given;
	__u32 hold_s;
	bool budget_prefix_given;
	__u32 budget_prefix;		/* SYN-ACKs/s, 0: no cap */
	bool budget_global_given;
	__u32 budget_global;
};

/* Every port protected, engage auto, the default thresholds. */
void policy_defaults(struct xsc_policy *pol);
/* Applies c to pol; -EINVAL with a message naming the value if the result is not a valid
 * policy (an override for a port that is not protected), in which case pol is unchanged. */
int policy_apply(struct xsc_policy *pol, const struct policy_change *c, const char *what);
/* The policy in force behind the outer map. */
int policy_read(int outer_fd, struct xsc_policy *pol);
/* The same for an attachment's pinned policy map. */
int policy_read_pinned(const struct pin_paths *pp, struct xsc_policy *pol);
/* Puts pol in force: a new frozen inner map, swapped in by one update, which returns once
 * no program can still be using the previous policy. */
int policy_install(int outer_fd, const struct xsc_policy *pol);

/* How many ports pol protects. */
int policy_count_protected(const struct xsc_policy *pol);
const char *policy_mode_name(__u8 mode);
/* XSC_ENGAGE_* for "auto", "always", "never" (and "default" if allow_default); -1 otherwise. */
int policy_mode_parse(const char *text, bool allow_default);

#endif /* XSC_CORE_POLICY_H */
