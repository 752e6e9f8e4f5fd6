/* SPDX-License-Identifier: GPL-2.0 */
/* TEMPORARY (branch service): the lead's declarations, until user/core/lock.h lands on main. */
#ifndef XSC_CORE_LOCK_H
#define XSC_CORE_LOCK_H

int xsc_lock(const char *what);
void xsc_unlock(int fd);

#endif
