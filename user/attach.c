// SPDX-License-Identifier: GPL-2.0
/*
 * Attach and detach. Order matters and is chosen so no packet ever meets half a setup:
 * maps are created and filled first, then the TC handoff goes in (so a cookie ACK can
 * never reach a kernel that would reset it), then XDP, then the pins. Any failure
 * unwinds what was done, in reverse.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "attach.h"
#include "log.h"
#include "xdp_syncookie.skel.h"
#include "tc_handoff.skel.h"

#define XDP_PROG_NAME "xdp_syncookie"

/* File descriptors of the maps both programs share. */
struct shared_maps {
	int stats, keys, policy, ports;
	bool keys_created;
};

static void close_maps(struct shared_maps *m)
{
	int *fds[] = { &m->stats, &m->keys, &m->policy, &m->ports };

	for (size_t i = 0; i < sizeof(fds) / sizeof(*fds); i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
}

static int check_kernel(const char *ifname)
{
	struct btf *vmlinux = btf__load_vmlinux_btf();
	struct utsname u = {};
	char val[8] = "";
	int fd, found;

	uname(&u);
	if (libbpf_get_error(vmlinux)) {
		pr_err("attach %s: cannot read the kernel's BTF (/sys/kernel/btf/vmlinux); "
		       "xdp-syncookie needs a kernel built with BTF\n", ifname);
		return -ENOTSUP;
	}
	found = btf__find_by_name_kind(vmlinux, "bpf_sk_assign_tcp_reqsk", BTF_KIND_FUNC);
	btf__free(vmlinux);
	if (found < 0) {
		pr_err("attach %s: kernel %s has no bpf_sk_assign_tcp_reqsk(); xdp-syncookie needs "
		       "Linux 6.9 or later\n", ifname, u.release);
		return -ENOTSUP;
	}
	/* The kernel resets cookie handshakes when syncookies are off in this netns. */
	fd = open("/proc/sys/net/ipv4/tcp_syncookies", O_RDONLY);
	if (fd >= 0) {
		if (read(fd, val, sizeof(val) - 1) < 0)
			val[0] = '\0';
		close(fd);
	}
	if (val[0] == '0') {
		pr_err("attach %s: net.ipv4.tcp_syncookies is 0 here; the kernel accepts cookie "
		       "handshakes only when it is 1 or 2 (sysctl -w net.ipv4.tcp_syncookies=1)\n",
		       ifname);
		return -ENOTSUP;
	}
	return 0;
}

static int create_map(enum bpf_map_type type, const char *name, __u32 value_size, __u32 entries)
{
	int fd = bpf_map_create(type, name, sizeof(__u32), value_size, entries, NULL);

	return fd < 0 ? -errno : fd;
}

/* The keys every interface shares: reused if pinned, else made from getrandom(). */
static int open_keys(const char *ifname, const struct pin_paths *pp, struct shared_maps *m)
{
	struct xsc_keyring kr = { .gen = 1 };
	struct bpf_map_info info = {};
	__u32 len = sizeof(info), zero = 0;

	m->keys = bpf_obj_get(pp->keys);
	if (m->keys >= 0) {
		if (bpf_obj_get_info_by_fd(m->keys, &info, &len) ||
		    info.value_size != sizeof(struct xsc_keyring)) {
			pr_err("attach %s: %s is not a key map of this version; detach every "
			       "interface, or remove it\n", ifname, pp->keys);
			return -EPROTO;
		}
		return 0;
	}
	if (errno != ENOENT) {
		pr_err("attach %s: opening %s: %s\n", ifname, pp->keys, strerror(errno));
		return -errno;
	}
	/* Generation 1: the current key is key[1]; key[0] stays empty until a rotation. */
	if (getrandom(&kr.key[kr.gen & 1], sizeof(kr.key[0]), 0) != sizeof(kr.key[0])) {
		pr_err("attach %s: getrandom: %s\n", ifname, strerror(errno));
		return -EIO;
	}
	m->keys = create_map(BPF_MAP_TYPE_ARRAY, XSC_MAP_KEYS, sizeof(kr), 1);
	if (m->keys < 0 || bpf_map_update_elem(m->keys, &zero, &kr, BPF_ANY)) {
		pr_err("attach %s: creating the key map: %s\n", ifname, strerror(errno));
		return -errno;
	}
	m->keys_created = true;
	explicit_bzero(&kr, sizeof(kr));
	return 0;
}

/* Counters, policy and ports, filled before any program can read them. */
static int create_maps(const char *ifname, const struct attach_opts *o, struct shared_maps *m)
{
	struct xsc_policy pol = { .ports_listed = o->n_ports > 0 };
	__u8 on = XSC_PORT_PROTECTED;
	__u32 zero = 0;

	m->stats = create_map(BPF_MAP_TYPE_PERCPU_ARRAY, XSC_MAP_STATS, sizeof(__u64), XSC_STAT_MAX);
	m->policy = create_map(BPF_MAP_TYPE_ARRAY, XSC_MAP_POLICY, sizeof(pol), 1);
	m->ports = create_map(BPF_MAP_TYPE_ARRAY, XSC_MAP_PORTS, sizeof(__u8), XSC_PORTS_MAX);
	if (m->stats < 0 || m->policy < 0 || m->ports < 0)
		goto err;
	for (int i = 0; i < o->n_ports; i++) {
		__u32 port = o->ports[i];

		if (bpf_map_update_elem(m->ports, &port, &on, BPF_ANY))
			goto err;
	}
	if (bpf_map_update_elem(m->policy, &zero, &pol, BPF_ANY))
		goto err;
	return 0;
err:
	pr_err("attach %s: creating maps: %s\n", ifname, strerror(errno));
	return -errno;
}

static int reuse_maps(struct bpf_map *stats, struct bpf_map *keys, struct bpf_map *policy,
		      struct bpf_map *ports, const struct shared_maps *m)
{
	int err = bpf_map__reuse_fd(stats, m->stats);

	err = err ?: bpf_map__reuse_fd(keys, m->keys);
	err = err ?: bpf_map__reuse_fd(policy, m->policy);
	return err ?: bpf_map__reuse_fd(ports, m->ports);
}

/* Our program among those libxdp runs on ifindex; *mp must be closed by the caller. */
static struct xdp_program *find_xdp(int ifindex, struct xdp_multiprog **mp)
{
	struct xdp_program *p;

	*mp = xdp_multiprog__get_from_ifindex(ifindex);
	if (libxdp_get_error(*mp)) {
		*mp = NULL;
		return NULL;
	}
	if (xdp_multiprog__is_legacy(*mp)) {
		p = xdp_multiprog__main_prog(*mp);
		return p && !strcmp(xdp_program__name(p), XDP_PROG_NAME) ? p : NULL;
	}
	for (p = xdp_multiprog__next_prog(NULL, *mp); p; p = xdp_multiprog__next_prog(p, *mp))
		if (!strcmp(xdp_program__name(p), XDP_PROG_NAME))
			return p;
	return NULL;
}

__u32 xsc_xdp_prog_id(int ifindex, enum xdp_attach_mode *mode)
{
	struct xdp_multiprog *mp;
	struct xdp_program *p = find_xdp(ifindex, &mp);
	__u32 id = p ? xdp_program__id(p) : 0;

	if (mode)
		*mode = mp ? xdp_multiprog__attach_mode(mp) : XDP_MODE_UNSPEC;
	xdp_multiprog__close(mp);
	return id;
}

static int detach_xdp(int ifindex)
{
	struct xdp_multiprog *mp;
	struct xdp_program *p = find_xdp(ifindex, &mp);
	int err = -ENOENT;

	if (p)
		err = xdp_multiprog__is_legacy(mp) ?
			      xdp_multiprog__detach(mp) :
			      xdp_program__detach(p, ifindex, xdp_multiprog__attach_mode(mp), 0);
	xdp_multiprog__close(mp);
	return err;
}

__u32 xsc_tc_prog_id(int ifindex)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_INGRESS);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = XSC_TC_HANDLE, .priority = XSC_TC_PRIORITY);

	return bpf_tc_query(&hook, &opts) ? 0 : opts.prog_id;
}

/* Removes our filter, and the clsact qdisc when we were the ones who added it. */
static int detach_tc(int ifindex, bool destroy_qdisc)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_INGRESS);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = XSC_TC_HANDLE, .priority = XSC_TC_PRIORITY);
	int err = bpf_tc_detach(&hook, &opts);

	if (destroy_qdisc) {
		hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
		bpf_tc_hook_destroy(&hook);
	}
	return err;
}

static int attach_tc(const char *ifname, int ifindex, struct tc_handoff *tc,
		     struct xsc_attach_info *info)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_INGRESS);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = XSC_TC_HANDLE, .priority = XSC_TC_PRIORITY,
			    .prog_fd = bpf_program__fd(tc->progs.tc_handoff));
	int err = bpf_tc_hook_create(&hook);

	if (err && err != -EEXIST) {
		pr_err("attach %s: creating the clsact qdisc: %s\n", ifname, strerror(-err));
		return err;
	}
	info->created_clsact = !err;
	err = bpf_tc_attach(&hook, &opts);
	if (err) {
		pr_err("attach %s: adding the TC ingress filter (handle 0x%x, priority %d): %s\n",
		       ifname, XSC_TC_HANDLE, XSC_TC_PRIORITY,
		       err == -EEXIST ? "one is already there" : strerror(-err));
		if (info->created_clsact)
			detach_tc(ifindex, true);
		return err;
	}
	info->tc_handle = XSC_TC_HANDLE;
	info->tc_priority = XSC_TC_PRIORITY;
	info->tc_prog_id = opts.prog_id;
	return 0;
}

static int attach_xdp(const char *ifname, int ifindex, struct xdp_syncookie *xs,
		      enum xdp_attach_mode mode, struct xsc_attach_info *info)
{
	struct xdp_program *prog = xdp_program__from_bpf_obj(xs->obj, "xdp");
	char msg[256];
	int err = libxdp_get_error(prog);

	if (err) {
		libxdp_strerror(err, msg, sizeof(msg));
		pr_err("attach %s: preparing the XDP program: %s\n", ifname, msg);
		return err;
	}
	err = xdp_program__attach(prog, ifindex, mode, 0);
	if (err) {
		if (err == -EOPNOTSUPP && mode == XDP_MODE_NATIVE)
			snprintf(msg, sizeof(msg), "the driver has no native XDP support "
				 "(generic mode: -m skb)");
		else
			libxdp_strerror(err, msg, sizeof(msg));
		pr_err("attach %s: attaching XDP in %s mode: %s\n", ifname,
		       mode == XDP_MODE_SKB ? "skb" : "native", msg);
	} else {
		info->xdp_prog_id = xdp_program__id(prog);
		info->xdp_mode = mode;
	}
	xdp_program__close(prog);
	return err;
}

static int pin_all(const char *ifname, const struct pin_paths *pp, const struct shared_maps *m,
		   const struct xsc_attach_info *info)
{
	int info_fd = create_map(BPF_MAP_TYPE_ARRAY, XSC_MAP_INFO, sizeof(*info), 1);
	__u32 zero = 0;
	int err = info_fd < 0 ? info_fd : 0;

	if (!err && bpf_map_update_elem(info_fd, &zero, info, BPF_ANY))
		err = -errno;
	err = err ?: pin_map(pp, m->stats, XSC_MAP_STATS);
	err = err ?: pin_map(pp, m->policy, XSC_MAP_POLICY);
	err = err ?: pin_map(pp, m->ports, XSC_MAP_PORTS);
	err = err ?: pin_map(pp, info_fd, XSC_MAP_INFO);
	if (!err && m->keys_created) {
		if (bpf_obj_pin(m->keys, pp->keys) || chmod(pp->keys, 0600))
			err = -errno;
	}
	if (err)
		pr_err("attach %s: pinning maps under %s: %s\n", ifname, pp->dir, strerror(-err));
	if (info_fd >= 0)
		close(info_fd);
	return err;
}

/* Pins whose programs are gone (the tool was interrupted, the interface was re-created)
 * are removed; pins of a live attachment or of another layout are an error. */
static int check_existing(const char *ifname, int ifindex, const struct pin_paths *pp)
{
	struct xsc_attach_info info;
	int err;

	if (xsc_xdp_prog_id(ifindex, NULL)) {
		pr_err("attach %s: already attached (see 'xdp-syncookie status %s'; detach first)\n",
		       ifname, ifname);
		return -EEXIST;
	}
	if (!pin_dir_exists(pp))
		return 0;
	err = pin_read_info(pp, &info);
	if (err == -EPROTO) {
		pr_err("attach %s: the pins in %s come from another version of xdp-syncookie; run "
		       "'xdp-syncookie detach %s' first\n", ifname, pp->dir, ifname);
		return -EEXIST;
	}
	pr_info("attach %s: removing stale pins of an earlier attach in %s\n", ifname, pp->dir);
	if (!err && info.ifindex == (__u32)ifindex && xsc_tc_prog_id(ifindex) == info.tc_prog_id)
		detach_tc(ifindex, info.created_clsact);
	pin_remove_all(pp);
	return 0;
}

int xsc_attach(const char *ifname, const struct attach_opts *o)
{
	struct shared_maps maps = { -1, -1, -1, -1, false };
	struct xsc_attach_info info = { .layout = XSC_PIN_LAYOUT, .settings = o->settings,
					.n_ports = o->n_ports, .attached_at = time(NULL) };
	struct xdp_syncookie *xs = NULL;
	struct tc_handoff *tc = NULL;
	bool tc_attached = false, xdp_attached = false;
	struct pin_paths pp;
	int ifindex, err;

	ifindex = if_nametoindex(ifname);
	if (!ifindex) {
		pr_err("attach %s: interface not found\n", ifname);
		return -ENODEV;
	}
	info.ifindex = ifindex;
	snprintf(info.ifname, sizeof(info.ifname), "%s", ifname);
	err = pin_paths(ifname, &pp);
	if (err) {
		pr_err("attach %s: no BPF filesystem at %s (mount -t bpf bpf %s, or set "
		       "LIBXDP_BPFFS)\n", ifname, pin_fs(), pin_fs());
		return err;
	}
	err = check_kernel(ifname);
	err = err ?: check_existing(ifname, ifindex, &pp);
	err = err ?: open_keys(ifname, &pp, &maps);
	err = err ?: create_maps(ifname, o, &maps);
	if (err)
		goto out;

	xs = xdp_syncookie__open();
	tc = tc_handoff__open();
	if (!xs || !tc) {
		err = -errno;
		pr_err("attach %s: opening the BPF objects: %s\n", ifname, strerror(errno));
		goto out;
	}
	xs->rodata->xsc_cfg = o->settings;
	tc->rodata->xsc_cfg = o->settings;
	err = reuse_maps(xs->maps.xsc_stats, xs->maps.xsc_keys, xs->maps.xsc_policy,
			 xs->maps.xsc_ports, &maps);
	err = err ?: reuse_maps(tc->maps.xsc_stats, tc->maps.xsc_keys, tc->maps.xsc_policy,
				tc->maps.xsc_ports, &maps);
	if (!err && tc_handoff__load(tc))
		err = -errno;
	if (err) {
		pr_err("attach %s: loading the TC handoff program: %s (-v shows the verifier log)\n",
		       ifname, strerror(-err));
		goto out;
	}

	err = attach_tc(ifname, ifindex, tc, &info);
	if (err)
		goto out;
	tc_attached = true;
	err = attach_xdp(ifname, ifindex, xs, o->mode, &info);
	if (err)
		goto out;
	xdp_attached = true;
	err = pin_all(ifname, &pp, &maps, &info);
out:
	if (err) {
		if (xdp_attached)
			detach_xdp(ifindex);
		if (tc_attached)
			detach_tc(ifindex, info.created_clsact);
		if (xdp_attached)	/* pins are only ever made after this point */
			pin_remove_all(&pp);
	}
	xdp_syncookie__destroy(xs);
	tc_handoff__destroy(tc);
	close_maps(&maps);
	return err;
}

int xsc_detach(const char *ifname)
{
	struct xsc_attach_info info = {};
	bool have_pins, found_xdp = false, found_tc = false;
	struct pin_paths pp;
	int ifindex, err;

	err = pin_paths(ifname, &pp);
	if (err) {
		pr_err("detach %s: no BPF filesystem at %s (set LIBXDP_BPFFS if it is elsewhere)\n",
		       ifname, pin_fs());
		return err;
	}
	have_pins = pin_dir_exists(&pp);
	if (have_pins && pin_read_info(&pp, &info) == -EPROTO)
		pr_info("detach %s: pins in %s are from another version; removing them\n", ifname,
			pp.dir);
	ifindex = if_nametoindex(ifname);
	if (!ifindex) {
		if (!have_pins) {
			pr_err("detach %s: interface not found\n", ifname);
			return -ENODEV;
		}
		pr_info("detach %s: the interface is gone; removing its pins\n", ifname);
		pin_remove_all(&pp);
		return 0;
	}
	err = detach_xdp(ifindex);
	found_xdp = !err;
	if (err && err != -ENOENT)
		pr_err("detach %s: removing the XDP program: %s\n", ifname, strerror(-err));
	if (xsc_tc_prog_id(ifindex)) {
		found_tc = !detach_tc(ifindex, info.ifindex == (__u32)ifindex && info.created_clsact);
		if (!found_tc)
			pr_err("detach %s: removing the TC filter failed\n", ifname);
	}
	if (!have_pins && !found_xdp && !found_tc) {
		pr_err("detach %s: not attached\n", ifname);
		return -ENOENT;
	}
	pin_remove_all(&pp);
	return (err && err != -ENOENT) ? err : 0;
}
