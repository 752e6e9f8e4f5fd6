// SPDX-License-Identifier: GPL-2.0
/* Pin paths, opening pinned maps, the attach record and cleanup of everything under them. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "log.h"
#include "pin.h"

#ifndef BPF_FS_MAGIC
#define BPF_FS_MAGIC 0xcafe4a11
#endif

const char *pin_fs(void)
{
	const char *fs = getenv("LIBXDP_BPFFS");

	return fs && *fs ? fs : "/sys/fs/bpf";
}

int pin_paths(const char *ifname, struct pin_paths *pp)
{
	const char *fs = pin_fs();
	struct statfs st;

	if (statfs(fs, &st) || st.f_type != BPF_FS_MAGIC)
		return -ENOTSUP;
	pp->dir[0] = '\0';
	if (snprintf(pp->root, sizeof(pp->root), "%s/%s", fs, XSC_PIN_DIR) >= (int)sizeof(pp->root) ||
	    (ifname && snprintf(pp->dir, sizeof(pp->dir), "%s/%s", pp->root, ifname) >=
			       (int)sizeof(pp->dir)))
		return -ENAMETOOLONG;
	return 0;
}

bool pin_is_host_map(const char *name)
{
	return !strncmp(name, XSC_HOST_MAP_PREFIX, strlen(XSC_HOST_MAP_PREFIX));
}

int pin_map_path(const struct pin_paths *pp, const char *name, char *buf, size_t len)
{
	const char *dir = pin_is_host_map(name) ? pp->root : pp->dir;

	if (!dir[0])
		return -EINVAL;
	return snprintf(buf, len, "%s/%s", dir, name) >= (int)len ? -ENAMETOOLONG : 0;
}

bool pin_dir_exists(const struct pin_paths *pp)
{
	struct stat st;

	return pp->dir[0] && !stat(pp->dir, &st) && S_ISDIR(st.st_mode);
}

int pin_open_map(const struct pin_paths *pp, const char *name, __u32 value_size)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	char path[PATH_MAX];
	int fd, err;

	err = pin_map_path(pp, name, path, sizeof(path));
	if (err)
		return err;
	fd = bpf_obj_get(path);
	if (fd < 0 && errno == EACCES) {
		/* A reader of the --group: its pins are group-readable, not writable. */
		LIBBPF_OPTS(bpf_obj_get_opts, ro, .file_flags = BPF_F_RDONLY);

		fd = bpf_obj_get_opts(path, &ro);
	}
	if (fd < 0)
		return -errno;
	if (value_size && (bpf_obj_get_info_by_fd(fd, &info, &len) || info.value_size != value_size)) {
		close(fd);
		return -EPROTO;
	}
	return fd;
}

const char *pin_strerror(int err)
{
	if (err == -ENOENT)
		return "not attached";
	if (err == -EPROTO)
		return "pinned maps are from another version";
	return strerror(-err);
}

int pin_read_info(const struct pin_paths *pp, struct xsc_attach_info *info)
{
	__u32 zero = 0;
	int fd = pin_open_map(pp, XSC_MAP_INFO, sizeof(*info)), err = 0;

	if (fd < 0)
		return fd;
	if (bpf_map_lookup_elem(fd, &zero, info) || info->layout != XSC_PIN_LAYOUT)
		err = -EPROTO;
	close(fd);
	return err;
}

bool pin_is_secret(const char *name)
{
	return !strcmp(name, XSC_MAP_KEYS) || !strcmp(name, XSC_MAP_KEYCACHE);
}

/* A directory of ours: 0700, or 0750 and the reader group's. */
static int pin_dir(const char *dir, gid_t group)
{
	if (mkdir(dir, 0700) && errno != EEXIST)
		return -errno;
	if (group == (gid_t)-1)
		return 0;
	return chown(dir, -1, group) || chmod(dir, 0750) ? -errno : 0;
}

int pin_map(const struct pin_paths *pp, int fd, const char *name, gid_t group)
{
	char path[PATH_MAX];
	int err;

	err = pin_dir(pp->root, group);
	if (!err && !pin_is_host_map(name))
		err = pin_dir(pp->dir, group);
	err = err ?: pin_map_path(pp, name, path, sizeof(path));
	if (err)
		return err;
	if (bpf_obj_pin(fd, path))
		return -errno;
	/* The key material stays root's whatever the group: it would let a reader forge. */
	if (group == (gid_t)-1 || pin_is_secret(name))
		return chmod(path, 0600) ? -errno : 0;
	return chown(path, -1, group) || chmod(path, 0640) ? -errno : 0;
}

int pin_list(const struct pin_paths *pp, char names[][IF_NAMESIZE], int max)
{
	DIR *d = opendir(pp->root);
	struct dirent *de;
	int n = 0;

	if (!d)
		return 0;
	while ((de = readdir(d)) && n < max) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.' || strlen(de->d_name) >= IF_NAMESIZE)
			continue;
		strcpy(names[n++], de->d_name);
	}
	closedir(d);
	return n;
}

void pin_unlink_unless(const char *dir, bool (*keep)(const char *name, const void *arg),
		       const void *arg)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char path[PATH_MAX];

	if (!d)
		return;
	while ((de = readdir(d))) {
		if (de->d_type == DT_DIR || keep(de->d_name, arg))
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) < (int)sizeof(path))
			unlink(path);
	}
	closedir(d);
}

static bool lacks_prefix(const char *name, const void *prefix)
{
	return strncmp(name, prefix, strlen(prefix));
}

/* Unlinks every pinned file in dir (those whose name starts with prefix), then dir if empty. */
static void remove_pins(const char *dir, const char *prefix)
{
	pin_unlink_unless(dir, lacks_prefix, prefix);
	rmdir(dir);
}

void pin_remove_all(const struct pin_paths *pp)
{
	char others[1][IF_NAMESIZE];

	if (pp->dir[0])
		remove_pins(pp->dir, "");
	if (pin_list(pp, others, 1) == 0)
		remove_pins(pp->root, XSC_HOST_MAP_PREFIX);
}
