/* SPDX-License-Identifier: GPL-2.0 */
/* TEMPORARY (branch service): the lead's declarations, until user/core/keys.h lands on main. */
#ifndef XSC_CORE_KEYS_H
#define XSC_CORE_KEYS_H

#include "xsc/abi.h"

struct xsc_master {
	__u8 secret[32];
};
int key_file_read(const char *path, struct xsc_master *m, const char *what);
int keys_rotate(const struct xsc_master *m, const char *what);

#endif
