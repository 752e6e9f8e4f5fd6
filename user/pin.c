// SPDX-License-Identifier: GPL-2.0
/* Pin paths, the attach record and cleanup of everything under them. */
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

static const char *const iface_pins[] = { XSC_MAP_STATS, XSC_MAP_POLICY, XSC_MAP_PORTS, XSC_MAP_INFO };

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
	    snprintf(pp->keys, sizeof(pp->keys), "%s/%s", pp->root, XSC_MAP_KEYS) >=
		    (int)sizeof(pp->keys) ||
	    (ifname && snprintf(pp->dir, sizeof(pp->dir), "%s/%s", pp->root, ifname) >=
			       (int)sizeof(pp->dir)))
		return -ENAMETOOLONG;
	return 0;
}

int pin_path(const struct pin_paths *pp, const char *name, char *buf, size_t len)
{
	return snprintf(buf, len, "%s/%s", pp->dir, name) >= (int)len ? -ENAMETOOLONG : 0;
}

bool pin_dir_exists(const struct pin_paths *pp)
{
	struct stat st;

	return pp->dir[0] && !stat(pp->dir, &st) && S_ISDIR(st.st_mode);
}

int pin_read_info(const struct pin_paths *pp, struct xsc_attach_info *info)
{
	struct bpf_map_info mi = {};
	__u32 mi_len = sizeof(mi), zero = 0;
	char path[PATH_MAX];
	int fd, err = 0;

	if (pin_path(pp, XSC_MAP_INFO, path, sizeof(path)))
		return -ENAMETOOLONG;
	fd = bpf_obj_get(path);
	if (fd < 0)
		return -errno;
	if (bpf_obj_get_info_by_fd(fd, &mi, &mi_len) || mi.value_size != sizeof(*info) ||
	    bpf_map_lookup_elem(fd, &zero, info) || info->layout != XSC_PIN_LAYOUT)
		err = -EPROTO;
	close(fd);
	return err;
}

int pin_map(const struct pin_paths *pp, int fd, const char *name)
{
	char path[PATH_MAX];

	if (mkdir(pp->root, 0700) && errno != EEXIST)
		return -errno;
	if (mkdir(pp->dir, 0700) && errno != EEXIST)
		return -errno;
	if (pin_path(pp, name, path, sizeof(path)))
		return -ENAMETOOLONG;
	if (bpf_obj_pin(fd, path))
		return -errno;
	return chmod(path, 0600) ? -errno : 0;
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

void pin_remove_all(const struct pin_paths *pp)
{
	char path[PATH_MAX], others[1][IF_NAMESIZE];

	for (size_t i = 0; i < sizeof(iface_pins) / sizeof(*iface_pins); i++)
		if (!pin_path(pp, iface_pins[i], path, sizeof(path)))
			unlink(path);
	if (pp->dir[0])
		rmdir(pp->dir);
	if (pin_list(pp, others, 1) == 0) {
		unlink(pp->keys);
		rmdir(pp->root);
	}
}
