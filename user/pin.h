/* SPDX-License-Identifier: GPL-2.0 */
/* Where an attachment lives in bpffs, and the record of how it was made. */
#ifndef XSC_PIN_H
#define XSC_PIN_H

#include <limits.h>
#include <net/if.h>
#include <stdbool.h>
#include "xsc_common.h"

/*
 * <bpffs>/xdp-syncookie/xsc_keys          cookie keys, shared by every interface
 * <bpffs>/xdp-syncookie/IFACE/xsc_info    struct xsc_attach_info
 * <bpffs>/xdp-syncookie/IFACE/xsc_stats, xsc_policy, xsc_ports
 * <bpffs> is $LIBXDP_BPFFS (libxdp's own variable, so its dispatcher pins and ours
 * share one filesystem) or /sys/fs/bpf.
 */
#define XSC_PIN_DIR "xdp-syncookie"
#define XSC_MAP_INFO "xsc_info"

/* Bump when the pinned maps or this record change shape: old pins are then refused. */
#define XSC_PIN_LAYOUT 1

struct xsc_attach_info {
	__u32 layout;			/* XSC_PIN_LAYOUT */
	__u32 ifindex;
	__u32 xdp_mode;			/* enum xdp_attach_mode */
	__u32 xdp_prog_id;
	__u32 tc_prog_id;
	__u32 tc_handle;
	__u32 tc_priority;
	__u32 created_clsact;		/* detach removes the clsact qdisc only if we made it */
	__u64 attached_at;		/* unix seconds */
	struct xsc_settings settings;
	__u32 n_ports;			/* 0: every port */
	char ifname[IF_NAMESIZE];
};

struct pin_paths {
	char root[PATH_MAX];		/* <bpffs>/xdp-syncookie */
	char dir[PATH_MAX];		/* <root>/IFACE */
	char keys[PATH_MAX];
};

/* The BPF filesystem in use. */
const char *pin_fs(void);
/* Fills the paths for ifname (NULL: only root and keys); -ENOTSUP if pin_fs() is not
 * a BPF filesystem. */
int pin_paths(const char *ifname, struct pin_paths *pp);
/* "<dir>/<name>" */
int pin_path(const struct pin_paths *pp, const char *name, char *buf, size_t len);
bool pin_dir_exists(const struct pin_paths *pp);
/* Reads the attach record; -ENOENT if none, -EPROTO if from another layout. */
int pin_read_info(const struct pin_paths *pp, struct xsc_attach_info *info);
/* Pins fd as name in the interface directory (made 0700), mode 0600. */
int pin_map(const struct pin_paths *pp, int fd, const char *name);
/* Removes every pin of the interface and its directory; the shared keys go with
 * the last interface. */
void pin_remove_all(const struct pin_paths *pp);
/* Names of attached interfaces (directories under root); returns the count. */
int pin_list(const struct pin_paths *pp, char names[][IF_NAMESIZE], int max);

#endif /* XSC_PIN_H */
