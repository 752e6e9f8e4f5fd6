/* SPDX-License-Identifier: GPL-2.0 */
/* One changing invocation at a time: attach, detach, set, lists, keys and the service's reloads. */
#ifndef XSC_CORE_LOCK_H
#define XSC_CORE_LOCK_H

/* Where the lock lives; XSC_LOCK_FILE overrides it. */
#define XSC_LOCK_PATH "/run/xdp-syncookie.lock"
/* How long a command waits for another one to finish before giving up. */
#define XSC_LOCK_WAIT_S 30

/* Takes the lock, waiting (and saying so) while another invocation holds it. Returns an fd
 * to pass to xsc_unlock, or -errno after a message naming what. */
int xsc_lock(const char *what);
void xsc_unlock(int fd);

#endif /* XSC_CORE_LOCK_H */
