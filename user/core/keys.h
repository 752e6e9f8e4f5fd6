/* SPDX-License-Identifier: GPL-2.0 */
/* The cookie masters: made at random or read from a key file, loaded, compared and rotated. */
#ifndef XSC_CORE_KEYS_H
#define XSC_CORE_KEYS_H

#include <stdbool.h>
#include "xsc/abi.h"

/* A key file holds one master as 32 hex digits (a trailing newline is fine, or up to four
 * bytes of white space: "\r\n" from an editor); it must be a regular file that only its
 * owner can read or write (0600 or 0400). */
#define XSC_KEY_HEX_DIGITS 32
#define XSC_KEY_TRAILING_SPACE 4

/* A random master, never all-zero (which means "no key" to the programs); 0 or -EIO. */
int key_random(struct xsc_master *m, const char *what);
/* Reads a master from a key file. Never prints the secret. 0 or -errno after a message
 * "what: PATH: cause". */
int key_file_read(const char *path, struct xsc_master *m, const char *what);
/* Writes a new random master to a new file (mode 0600; an existing file is an error). */
int key_file_create(const char *path, const char *what);

/*
 * Loads the master of a keyring map that was just created (m NULL: a random one). For a
 * keyring already in use (another interface attached first), m must be its current master:
 * one host, one master; rotation changes it.
 */
int keys_load(int fd, bool created, const struct xsc_master *m, const char *what);
/*
 * Replaces the host's current master (m NULL: a random one). The one it replaces keeps
 * validating for one cookie validity window. 0 or -errno after a message.
 */
int keys_rotate(const struct xsc_master *m, const char *what);
/* Generation of the host's current master and until when (CLOCK_TAI ns) the previous one
 * validates; 0 or -errno (-ENOENT: nothing attached). */
int keys_status(__u32 *gen, __u64 *prev_until);
/* CLOCK_TAI now, in ns: the clock of cookie slots. */
__u64 keys_clock_ns(void);

#endif /* XSC_CORE_KEYS_H */
