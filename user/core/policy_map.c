// SPDX-License-Identifier: GPL-2.0
/* Policies in maps: the one in force read back, a new one swapped in whole. */
#include <errno.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "policy.h"

int policy_read(int outer_fd, struct xsc_policy *pol)
{
	__u32 zero = 0, inner_id = 0;
	int fd, err = 0;

	if (bpf_map_lookup_elem(outer_fd, &zero, &inner_id))
		return -errno;
	fd = bpf_map_get_fd_by_id(inner_id);
	if (fd < 0)
		return -errno;
	if (bpf_map_lookup_elem(fd, &zero, pol))
		err = -errno;
	close(fd);
	return err;
}

int policy_read_pinned(const struct pin_paths *pp, struct xsc_policy *pol)
{
	int fd = pin_open_map(pp, XSC_MAP_POLICY, 0), err;

	if (fd < 0)
		return fd;
	err = policy_read(fd, pol);
	close(fd);
	return err;
}

int policy_install(int outer_fd, const struct xsc_policy *pol)
{
	__u32 zero = 0;
	int fd, err = 0;

	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "xsc_policy_v", sizeof(__u32), sizeof(*pol), 1, NULL);
	if (fd < 0)
		return -errno;
	/* Frozen: a policy in force is never written in place, only replaced. */
	if (bpf_map_update_elem(fd, &zero, pol, BPF_ANY) || bpf_map_freeze(fd) ||
	    bpf_map_update_elem(outer_fd, &zero, &fd, BPF_ANY))
		err = -errno;
	close(fd);
	return err;
}
