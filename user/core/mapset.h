/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every map of an attachment, created by libbpf from the XDP object's own definitions
 * (with their BTF, which timer maps need) in an instance of the object whose programs are
 * never loaded. The programs' objects then reuse these maps by name. A new map in the BPF
 * code needs nothing here: it is created, shared and pinned like the others.
 */
#ifndef XSC_MAPSET_H
#define XSC_MAPSET_H

#include <stdbool.h>
#include <bpf/libbpf.h>
#include "pin.h"

#define MAPSET_MAX 32

struct mapset {
	struct xdp_syncookie *skel;	/* the maps-only instance */
	int n;
	struct {
		const char *name;
		int fd;
		bool reused;		/* opened from its pin rather than created */
	} map[MAPSET_MAX];
};

/* Opens the pinned maps that exist (the host maps always; the interface's only with
 * reuse_iface) and creates the rest. A pinned map of another shape is refused (-EPROTO,
 * with a message naming it). On error nothing is left open. */
int mapset_open(struct mapset *ms, const struct pin_paths *pp, bool reuse_iface,
		const char *what);
/* Checks every pinned map of pp against this build's definitions: -EPROTO, with a
 * message naming each one of another type or size (a tampered or foreign pin). */
int mapset_check_pins(const struct pin_paths *pp, const char *what);
/* Makes every map of obj (not yet loaded) use the set's map of the same name. */
int mapset_share(const struct mapset *ms, struct bpf_object *obj);
/* The fd of the named map, or -ENOENT. */
int mapset_fd(const struct mapset *ms, const char *name);
/* Pins the maps that were created, not reused (group: as pin_map), and unpins from the
 * interface's directory any map this build has not. */
int mapset_pin(const struct mapset *ms, const struct pin_paths *pp, gid_t group);
void mapset_close(struct mapset *ms);

#endif /* XSC_MAPSET_H */
