/* SPDX-License-Identifier: GPL-2.0 */
/* Where an attachment lives in bpffs (layout in include/xsc/abi.h), and cleaning it up. */
#ifndef XSC_PIN_H
#define XSC_PIN_H

#include <limits.h>
#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include "xsc/abi.h"

struct pin_paths {
	char root[PATH_MAX];		/* <bpffs>/xdp-syncookie: the xsc_host_* maps */
	char dir[PATH_MAX];		/* <root>/IFACE: the interface's maps */
};

/* The BPF filesystem in use. */
const char *pin_fs(void);
/* Fills the paths for ifname (NULL: root only); -ENOTSUP if pin_fs() is not a BPF
 * filesystem, -ENAMETOOLONG. */
int pin_paths(const char *ifname, struct pin_paths *pp);
/* Where the map of that name is pinned: the root for xsc_host_* maps, else the
 * interface's directory. */
int pin_map_path(const struct pin_paths *pp, const char *name, char *buf, size_t len);
bool pin_is_host_map(const char *name);
bool pin_dir_exists(const struct pin_paths *pp);
/* Opens the pinned map of that name and checks it has this layout's value size (0: any);
 * returns the fd, -ENOENT if not pinned, -EPROTO if of another layout, or -errno. */
int pin_open_map(const struct pin_paths *pp, const char *name, __u32 value_size);
/* Why an attachment's pins could not be read, for "OPERATION IFACE: ..." messages. */
const char *pin_strerror(int err);
/* Reads the attach record; -ENOENT if none, -EPROTO if from another layout. */
int pin_read_info(const struct pin_paths *pp, struct xsc_attach_info *info);
/* Pins fd under its map name: directories 0700 and the pin 0600, or, with a reader group
 * (not (gid_t)-1), directories 0750 and the pin 0640 of that group, except the key
 * material (pin_is_secret), which stays 0600. */
int pin_map(const struct pin_paths *pp, int fd, const char *name, gid_t group);
bool pin_is_secret(const char *name);
/* Removes every pin of the interface and its directory; the host maps go with the last
 * interface. */
void pin_remove_all(const struct pin_paths *pp);
/* Unlinks every file in dir (not directories) for which keep(name, arg) is false. */
void pin_unlink_unless(const char *dir, bool (*keep)(const char *name, const void *arg),
		       const void *arg);
/* Names of attached interfaces (directories under root); returns the count. */
int pin_list(const struct pin_paths *pp, char names[][IF_NAMESIZE], int max);

#endif /* XSC_PIN_H */
