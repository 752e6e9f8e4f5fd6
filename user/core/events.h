/* SPDX-License-Identifier: GPL-2.0 */
/* Following the engage and disengage events of attached interfaces (their ring buffers). */
#ifndef XSC_CORE_EVENTS_H
#define XSC_CORE_EVENTS_H

#include <net/if.h>
#include "xsc/abi.h"

struct event_follower;

/* Called for each event, with the interface it came from; a non-zero return stops the
 * poll that delivered it at once (events_poll() then returns). */
typedef int (*event_fn)(const char *ifname, const struct xsc_event *ev, void *arg);

/* Opens the event ring of each of the n interfaces. On failure returns NULL after printing
 * "WHAT IFACE: cause" (errno is set). Events not yet read are delivered first: the ring's
 * read position is kept in the map, so a new follower takes over where the last stopped. */
struct event_follower *events_open(char names[][IF_NAMESIZE], int n, event_fn fn, void *arg,
				   const char *what);
/* Delivers what has arrived, waiting up to timeout_ms for the first event; returns how
 * many were delivered, or -errno (-EINTR if a signal came). */
int events_poll(struct event_follower *f, int timeout_ms);
/* An epoll fd that is readable while events wait, for a caller's own poll loop. */
int events_fd(const struct event_follower *f);
void events_close(struct event_follower *f);

#endif /* XSC_CORE_EVENTS_H */
