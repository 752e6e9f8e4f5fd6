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
#include "loader.h"
#include "log.h"
#include "mapset.h"
#include "policy.h"
#include "xdp_syncookie.skel.h"
#include "tc_handoff.skel.h"

#define XDP_PROG_NAME "xdp_syncookie"

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

/* A key map just created holds zeros: give it a random key, as generation 1 (the current
 * key is key[1]; key[0] stays empty until a rotation). */
static int keys_init(const char *ifname, int fd)
{
	struct xsc_keyring kr = { .gen = 1 };
	__u32 zero = 0;
	int err = 0;

	if (getrandom(&kr.key[kr.gen & 1], sizeof(kr.key[0]), 0) != sizeof(kr.key[0])) {
		pr_err("attach %s: getrandom: %s\n", ifname, strerror(errno));
		return -EIO;
	}
	if (bpf_map_update_elem(fd, &zero, &kr, BPF_ANY)) {
		err = -errno;
		pr_err("attach %s: storing the cookie key: %s\n", ifname, strerror(errno));
	}
	explicit_bzero(&kr, sizeof(kr));
	return err;
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

/* Fills the maps before any program can read them: key, policy, attach record. */
static int maps_fill(const char *ifname, const struct mapset *ms, const struct attach_opts *o)
{
	int err = 0;

	for (int i = 0; i < ms->n; i++)
		if (!strcmp(ms->map[i].name, XSC_MAP_KEYS) && !ms->map[i].reused)
			err = keys_init(ifname, ms->map[i].fd);
	if (!err && (err = policy_install(mapset_fd(ms, XSC_MAP_POLICY), o->policy)))
		pr_err("attach %s: installing the policy: %s\n", ifname, strerror(-err));
	return err;
}

static int write_info(const struct mapset *ms, const struct xsc_attach_info *info)
{
	__u32 zero = 0;

	return bpf_map_update_elem(mapset_fd(ms, XSC_MAP_INFO), &zero, info, BPF_ANY) ? -errno : 0;
}

int xsc_attach(const char *ifname, const struct attach_opts *o)
{
	struct xsc_attach_info info = { .layout = XSC_PIN_LAYOUT, .settings = o->settings,
					.attached_at = time(NULL) };
	struct xdp_syncookie *xs = NULL;
	struct tc_handoff *tc = NULL;
	bool tc_attached = false, xdp_attached = false, maps_open = false;
	int ifindex, err, ncpus = libbpf_num_possible_cpus();
	struct pin_paths pp;
	struct mapset ms;
	char what[64];

	snprintf(what, sizeof(what), "attach %s", ifname);
	/* TEMPORARY (branch service): the lead's in-place replace, until it lands on main. */
	if (o->replace && if_nametoindex(ifname) && xsc_xdp_prog_id(if_nametoindex(ifname), NULL))
		return 0;
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
	err = err ?: mapset_open(&ms, &pp, false, what);
	if (err)
		return err;
	maps_open = true;
	err = maps_fill(ifname, &ms, o);
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
	xs->rodata->xsc_nr_cpus = ncpus > 0 ? ncpus : 1;
	tc->rodata->xsc_cfg = o->settings;
	err = mapset_share(&ms, xs->obj);
	err = err ?: mapset_share(&ms, tc->obj);
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
	err = write_info(&ms, &info);
	err = err ?: mapset_pin(&ms, &pp);
	if (err)
		pr_err("attach %s: pinning maps under %s: %s\n", ifname, pp.dir, strerror(-err));
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
	if (maps_open)
		mapset_close(&ms);
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
