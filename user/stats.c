// SPDX-License-Identifier: GPL-2.0
/* Per-CPU counters summed in user space; the BPF side never uses atomics. */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "stats.h"

int stats_sum(int fd, __u64 *totals)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	int ncpus = libbpf_num_possible_cpus(), err = 0;
	__u64 *percpu;

	if (ncpus < 0)
		return ncpus;
	if (bpf_obj_get_info_by_fd(fd, &info, &len) || info.max_entries != XSC_STAT_MAX ||
	    info.value_size != sizeof(__u64))
		return -EPROTO;
	percpu = calloc(ncpus, sizeof(*percpu));
	if (!percpu)
		return -ENOMEM;
	for (__u32 i = 0; i < XSC_STAT_MAX; i++) {
		totals[i] = 0;
		if (bpf_map_lookup_elem(fd, &i, percpu)) {
			err = -errno;
			break;
		}
		for (int c = 0; c < ncpus; c++)
			totals[i] += percpu[c];
	}
	free(percpu);
	return err;
}

int stats_read(const struct pin_paths *pp, __u64 *totals)
{
	char path[PATH_MAX];
	int fd, err;

	if (pin_path(pp, XSC_MAP_STATS, path, sizeof(path)))
		return -ENAMETOOLONG;
	fd = bpf_obj_get(path);
	if (fd < 0)
		return -errno;
	err = stats_sum(fd, totals);
	close(fd);
	return err;
}
