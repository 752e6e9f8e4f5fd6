// SPDX-License-Identifier: GPL-2.0
/* The maps of an attachment: created from the XDP object's definitions, shared by name, pinned. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "log.h"
#include "mapset.h"
#include "xdp_syncookie.skel.h"

/* A pinned map fits a definition when the kernel would accept it in its place. */
static bool map_fits(int fd, const struct bpf_map *def)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	return !bpf_obj_get_info_by_fd(fd, &info, &len) && info.type == bpf_map__type(def) &&
	       info.key_size == bpf_map__key_size(def) &&
	       info.value_size == bpf_map__value_size(def) &&
	       info.max_entries == bpf_map__max_entries(def);
}

static int reuse_pinned(struct bpf_map *map, const struct pin_paths *pp, const char *what,
			bool *reused)
{
	int fd = pin_open_map(pp, bpf_map__name(map), 0), err;
	char path[PATH_MAX];

	*reused = false;
	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return fd;
	if (!map_fits(fd, map)) {
		pin_map_path(pp, bpf_map__name(map), path, sizeof(path));
		pr_err("%s: %s is not a map of this version of xdp-syncookie; detach every "
		       "interface (or remove it) first\n", what, path);
		close(fd);
		return -EPROTO;
	}
	err = bpf_map__reuse_fd(map, fd);
	close(fd);
	*reused = !err;
	return err;
}

int mapset_check_pins(const struct pin_paths *pp, const char *what)
{
	struct xdp_syncookie *skel = xdp_syncookie__open();
	struct bpf_map *map;
	int err = 0;

	if (!skel) {
		err = -errno;
		pr_err("%s: opening the BPF object: %s\n", what, strerror(-err));
		return err;
	}
	bpf_object__for_each_map(map, skel->obj) {
		struct bpf_map_info info = {};
		__u32 len = sizeof(info);
		char path[PATH_MAX];
		int fd;

		if (bpf_map__is_internal(map))
			continue;
		fd = pin_open_map(pp, bpf_map__name(map), 0);
		if (fd < 0)
			continue;	/* a missing pin is the caller's "not attached" */
		if (!map_fits(fd, map)) {
			bpf_obj_get_info_by_fd(fd, &info, &len);
			pin_map_path(pp, bpf_map__name(map), path, sizeof(path));
			pr_err("%s: %s is not a map of this version of xdp-syncookie (type %u, key %u, "
			       "value %u, %u entries; want type %u, key %u, value %u, %u entries); "
			       "run 'xdp-syncookie detach' on %s and attach again\n", what, path,
			       info.type, info.key_size, info.value_size, info.max_entries,
			       bpf_map__type(map), bpf_map__key_size(map), bpf_map__value_size(map),
			       bpf_map__max_entries(map),
			       pin_is_host_map(bpf_map__name(map)) ? "every interface" : "it");
			err = -EPROTO;
		}
		close(fd);
	}
	xdp_syncookie__destroy(skel);
	return err;
}

int mapset_open(struct mapset *ms, const struct pin_paths *pp, bool reuse_iface, const char *what)
{
	struct bpf_program *prog;
	struct bpf_map *map;
	int err = 0;

	memset(ms, 0, sizeof(*ms));
	ms->skel = xdp_syncookie__open();
	if (!ms->skel) {
		pr_err("%s: opening the BPF object: %s\n", what, strerror(errno));
		return -errno;
	}
	bpf_object__for_each_program(prog, ms->skel->obj)
		bpf_program__set_autoload(prog, false);
	bpf_object__for_each_map(map, ms->skel->obj) {
		const char *name = bpf_map__name(map);
		bool reused = false;

		if (bpf_map__is_internal(map))
			continue;
		/* Pins are found by the names the kernel reports, which it cuts at 15. */
		if (ms->n == MAPSET_MAX || strlen(name) >= BPF_OBJ_NAME_LEN) {
			pr_err("internal: too many maps, or map name %s too long\n", name);
			err = -E2BIG;
			break;
		}
		if (pin_is_host_map(name) || reuse_iface)
			err = reuse_pinned(map, pp, what, &reused);
		if (err)
			break;
		/* After reuse_fd, which replaces the map's name string. */
		ms->map[ms->n].name = bpf_map__name(map);
		ms->map[ms->n].reused = reused;
		ms->n++;
	}
	if (!err && xdp_syncookie__load(ms->skel)) {
		err = -errno;
		pr_err("%s: creating maps: %s\n", what, strerror(errno));
	}
	if (err) {
		mapset_close(ms);
		return err;
	}
	for (int i = 0; i < ms->n; i++)
		ms->map[i].fd = bpf_map__fd(bpf_object__find_map_by_name(ms->skel->obj,
									 ms->map[i].name));
	return 0;
}

int mapset_fd(const struct mapset *ms, const char *name)
{
	for (int i = 0; i < ms->n; i++)
		if (!strcmp(ms->map[i].name, name))
			return ms->map[i].fd;
	return -ENOENT;
}

int mapset_share(const struct mapset *ms, struct bpf_object *obj)
{
	struct bpf_map *map;

	bpf_object__for_each_map(map, obj) {
		int fd, err;

		if (bpf_map__is_internal(map))
			continue;
		fd = mapset_fd(ms, bpf_map__name(map));
		if (fd < 0) {
			pr_err("internal: map %s of %s is not in the map set\n", bpf_map__name(map),
			       bpf_object__name(obj));
			return fd;
		}
		err = bpf_map__reuse_fd(map, fd);
		if (err)
			return err;
	}
	return 0;
}

static bool mapset_has(const struct mapset *ms, const char *name)
{
	for (int i = 0; i < ms->n; i++)
		if (!strcmp(ms->map[i].name, name))
			return true;
	return false;
}

static bool mapset_keeps(const char *name, const void *ms)
{
	return mapset_has(ms, name);
}

/* Removes the interface's pins of maps this build has not (an earlier build's, carried
 * over by an upgrade), so the directory holds this build's maps and no other. */
static void unpin_others(const struct mapset *ms, const struct pin_paths *pp)
{
	pin_unlink_unless(pp->dir, mapset_keeps, ms);
}

int mapset_pin(const struct mapset *ms, const struct pin_paths *pp, gid_t group)
{
	for (int i = 0; i < ms->n; i++) {
		int err;

		if (ms->map[i].reused)
			continue;
		err = pin_map(pp, ms->map[i].fd, ms->map[i].name, group);
		if (err)
			return err;
	}
	unpin_others(ms, pp);
	return 0;
}

void mapset_close(struct mapset *ms)
{
	xdp_syncookie__destroy(ms->skel);
	memset(ms, 0, sizeof(*ms));
}
