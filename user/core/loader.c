// SPDX-License-Identifier: GPL-2.0
/*
 * Attach and detach. Order matters and is chosen so no packet ever meets half a setup:
 * maps are created and filled first, then the TC handoff goes in (so a cookie ACK can
 * never reach a kernel that would reset it), then XDP, then the pins. Any failure
 * unwinds what was done, in reverse.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <linux/if_link.h>
#include <bpf/libbpf.h>
#include "failpoint.h"
#include "gateway.h"
#include "keys.h"
#include "lists.h"
#include "loader.h"
#include "log.h"
#include "mapset.h"
#include "policy.h"
#include "settings.h"
#include "xdp_syncookie.skel.h"
#include "tc_handoff.skel.h"

#define XDP_PROG_NAME "xdp_syncookie"
#define TC_PROG_NAME "tc_handoff"

const char *xsc_handoff_name(int handoff)
{
	switch (handoff) {
	case XSC_HANDOFF_REQSK:
		return "reqsk";
	case XSC_HANDOFF_KERNEL:
		return "kernel";
	case XSC_HANDOFF_SYNPROXY:
		return "synproxy";
	default:
		return "auto";
	}
}

/*
 * What the kernel handoff can keep here, into the settings: a cookie connection is the
 * kernel's own, so what it keeps is what the kernel's sysctls let it decode, and its
 * receive window scale is the one the kernel computes (docs/design.md, "The kernel handoff").
 */
static void kernel_handoff_settings(const char *what, struct xsc_settings *s)
{
	unsigned int ws = kernel_wscale();
	int ts = sysctl_ipv4("tcp_timestamps");

	if (ts != 2) {
		s->flags &= ~XSC_F_OFFER_TS;
		pr_notice("%s: net.ipv4.tcp_timestamps is %d, so the kernel shifts the echoed "
			  "timestamp by a secret per-connection offset: cookie connections keep only "
			  "the MSS (no window scaling, SACK, ECN or timestamps). "
			  "sysctl -w net.ipv4.tcp_timestamps=2 keeps them all\n", what, ts);
	}
	if (sysctl_ipv4("tcp_sack") == 0)
		s->flags &= ~XSC_F_OFFER_SACK;
	if (sysctl_ipv4("tcp_ecn") == 0)
		s->flags &= ~XSC_F_OFFER_ECN;
	if (sysctl_ipv4("tcp_window_scaling") == 0)
		s->flags |= XSC_F_NO_WSCALE;
	if (s->wscale != ws)
		pr_notice("%s: --wscale %u is not used with the kernel handoff: the kernel gives the "
			  "connection its own window scale (%u here), so the SYN-ACK says that\n",
			  what, s->wscale, ws);
	s->wscale = ws;
	if (sysctl_ipv4("tcp_syncookies") == 1)
		pr_notice("%s: net.ipv4.tcp_syncookies is 1: XDP can answer a port's SYNs only while "
			  "its listener's SYN queue is full, and the kernel answers them before that; "
			  "sysctl -w net.ipv4.tcp_syncookies=2 lets XDP answer from the first SYN (the "
			  "kernel then answers what reaches it with cookies too)\n", what);
}

/*
 * Checks the kernel and picks the handoff: reqsk where the kernel has
 * bpf_sk_assign_tcp_reqsk() (Linux 6.9), the kernel's own cookies elsewhere, or the one
 * asked for. Sets s->handoff and what the handoff imposes on the other settings.
 */
static int check_kernel(const char *what, int requested, struct xsc_settings *s)
{
	struct btf *vmlinux = btf__load_vmlinux_btf();
	struct utsname u = {};
	bool reqsk;

	uname(&u);
	/* Gateway mode: the servers' kernels make the sockets, SYNPROXY the connections. */
	if (requested == XSC_HANDOFF_SYNPROXY) {
		btf__free(vmlinux);
		s->handoff = XSC_HANDOFF_SYNPROXY;
		if (gateway_check_kernel(what))
			return -ENOTSUP;
		pr_info("%s: gateway mode: forwarded SYNs get the kernel's cookies, netfilter "
			"SYNPROXY opens the connections to the servers (kernel %s)\n", what, u.release);
		return 0;
	}
	if (libbpf_get_error(vmlinux)) {
		pr_err("%s: cannot read the kernel's BTF (/sys/kernel/btf/vmlinux); "
		       "xdp-syncookie needs a kernel built with BTF\n", what);
		return -ENOTSUP;
	}
	reqsk = btf__find_by_name_kind(vmlinux, "bpf_sk_assign_tcp_reqsk", BTF_KIND_FUNC) >= 0;
	btf__free(vmlinux);
	if (requested == XSC_HANDOFF_REQSK && !reqsk) {
		pr_err("%s: kernel %s has no bpf_sk_assign_tcp_reqsk() (Linux 6.9 or later), which "
		       "--handoff reqsk needs; --handoff kernel works here\n", what, u.release);
		return -ENOTSUP;
	}
	/* The kernel resets cookie handshakes when syncookies are off in this netns. */
	if (sysctl_ipv4("tcp_syncookies") == 0) {
		pr_err("%s: net.ipv4.tcp_syncookies is 0 here; the kernel accepts cookie "
		       "handshakes only when it is 1 or 2 (sysctl -w net.ipv4.tcp_syncookies=1)\n",
		       what);
		return -ENOTSUP;
	}
	s->handoff = requested == XSC_HANDOFF_AUTO ? (reqsk ? XSC_HANDOFF_REQSK : XSC_HANDOFF_KERNEL) :
						     requested;
	if (s->handoff == XSC_HANDOFF_KERNEL)
		kernel_handoff_settings(what, s);
	pr_info("%s: handoff %s%s (kernel %s)\n", what, xsc_handoff_name(s->handoff),
		s->handoff == XSC_HANDOFF_KERNEL ?
			": the kernel's own cookies, which it turns into sockets by itself" :
			": our cookies, turned into sockets by the TC program",
		u.release);
	return 0;
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
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	struct xdp_multiprog *mp;
	struct xdp_program *p = find_xdp(ifindex, &mp);
	__u32 id = p ? xdp_program__id(p) : 0;

	if (mode)
		*mode = mp ? xdp_multiprog__attach_mode(mp) : XDP_MODE_UNSPEC;
	xdp_multiprog__close(mp);
	/* libxdp opens the programs it finds, which takes CAP_SYS_ADMIN: a reader of the
	 * --group falls back on the ids netlink reports (not knowing their names). */
	if (!mp && !id && geteuid() != 0 && !bpf_xdp_query(ifindex, 0, &q)) {
		id = q.drv_prog_id ?: q.skb_prog_id;
		if (mode)
			*mode = q.drv_prog_id ? XDP_MODE_NATIVE : q.skb_prog_id ? XDP_MODE_SKB :
									 XDP_MODE_UNSPEC;
	}
	return id;
}

/*
 * Detaches our XDP program: attached alone, or by an earlier build in libxdp's dispatcher,
 * where an upgrade of that build cut short could leave two of ours (each goes).
 */
static int detach_xdp(int ifindex)
{
	int err = -ENOENT;

	for (int round = 0; round < 4; round++) {
		struct xdp_multiprog *mp = xdp_multiprog__get_from_ifindex(ifindex);
		struct xdp_program *p = NULL, *q;
		int ret;

		if (libxdp_get_error(mp))
			return err;
		if (xdp_multiprog__is_legacy(mp)) {
			q = xdp_multiprog__main_prog(mp);
			if (q && !strcmp(xdp_program__name(q), XDP_PROG_NAME))
				p = q;
		} else {
			for (q = xdp_multiprog__next_prog(NULL, mp); q && !p;
			     q = xdp_multiprog__next_prog(q, mp))
				if (!strcmp(xdp_program__name(q), XDP_PROG_NAME))
					p = q;
		}
		if (!p) {
			xdp_multiprog__close(mp);
			return err;
		}
		ret = xdp_multiprog__is_legacy(mp) ?
			      xdp_multiprog__detach(mp) :
			      xdp_program__detach(p, ifindex, xdp_multiprog__attach_mode(mp), 0);
		xdp_multiprog__close(mp);
		if (ret)
			return ret;
		err = 0;
	}
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

/* Swaps the TC program in place: tc replaces a filter's program in one step, so no
 * cookie ACK can meet a moment without a handoff. */
static int replace_tc(const char *what, int ifindex, struct tc_handoff *tc,
		      struct xsc_attach_info *info)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_INGRESS);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = XSC_TC_HANDLE, .priority = XSC_TC_PRIORITY,
			    .prog_fd = bpf_program__fd(tc->progs.tc_handoff),
			    .flags = BPF_TC_F_REPLACE);
	int err = bpf_tc_attach(&hook, &opts);

	if (err) {
		pr_err("%s: replacing the TC ingress filter: %s\n", what, strerror(-err));
		return err;
	}
	info->tc_prog_id = opts.prog_id;
	return 0;
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

/* The id of an XDP program on ifindex, in any mode (0: none). */
static __u32 xdp_any_prog_id(int ifindex)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);

	if (bpf_xdp_query(ifindex, 0, &q))
		return 0;
	return q.prog_id ?: q.drv_prog_id ?: q.skb_prog_id ?: q.hw_prog_id;
}

static __u32 xdp_mode_flag(enum xdp_attach_mode mode)
{
	return mode == XDP_MODE_SKB ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE;
}

static void say_foreign_xdp(const char *ifname, __u32 id)
{
	pr_err("attach %s: another XDP program, id %u, is attached; xdp-syncookie must be the "
	       "interface's only XDP program: remove it first\n", ifname, id);
}

/*
 * Attaches the XDP program alone, in one netlink request that fails if the interface has
 * an XDP program already. Not through libxdp's dispatcher (where it loads, as on Linux
 * 6.1): there the program is held only by a link pinned in the bpffs, so a lost bpffs
 * would silently end the protection while the dispatcher stays on the link, and a removed
 * interface would leave the dispatcher's pins behind. A mitigator keeps acting whatever
 * happens to the bpffs; attached alone it does, on every kernel alike.
 */
static int attach_xdp(const char *ifname, int ifindex, struct xdp_syncookie *xs,
		      enum xdp_attach_mode mode, struct xsc_attach_info *info)
{
	__u32 flags = XDP_FLAGS_UPDATE_IF_NOEXIST | xdp_mode_flag(mode);
	int fd = bpf_program__fd(xs->progs.xdp_syncookie), err = 0;
	const char *mode_name = mode == XDP_MODE_SKB ? "skb" : "native";
	struct bpf_prog_info pi = {};
	__u32 len = sizeof(pi), other;

	if (bpf_obj_get_info_by_fd(fd, &pi, &len)) {
		err = -errno;
		pr_err("attach %s: reading the XDP program's id: %s\n", ifname, strerror(-err));
		return err;
	}
	if (bpf_xdp_attach(ifindex, fd, flags, NULL))
		err = -errno;
	if (err == -EOPNOTSUPP && mode == XDP_MODE_NATIVE) {
		pr_err("attach %s: attaching XDP in native mode: the driver has no native XDP "
		       "support (generic mode: -m skb)\n", ifname);
	} else if ((err == -EBUSY || err == -EEXIST) && (other = xdp_any_prog_id(ifindex))) {
		/* check_existing() looked before anything changed: one came in since. */
		say_foreign_xdp(ifname, other);
	} else if (err == -EBUSY || err == -EEXIST) {
		pr_err("attach %s: attaching XDP in %s mode: %s (an upper device, such as a bond, "
		       "may have an XDP program)\n", ifname, mode_name, strerror(-err));
	} else if (err) {
		pr_err("attach %s: attaching XDP in %s mode: %s\n", ifname, mode_name, strerror(-err));
	} else {
		info->xdp_prog_id = pi.id;
		info->xdp_mode = mode;
	}
	return err;
}

/* Takes off the program attach_xdp() attached, and no other (the unwind of a failed attach). */
static void unattach_xdp(const char *ifname, int ifindex, struct xdp_syncookie *xs,
			 enum xdp_attach_mode mode)
{
	LIBBPF_OPTS(bpf_xdp_attach_opts, opts, .old_prog_fd = bpf_program__fd(xs->progs.xdp_syncookie));

	if (bpf_xdp_detach(ifindex, XDP_FLAGS_REPLACE | xdp_mode_flag(mode), &opts))
		pr_err("attach %s: taking the XDP program off again: %s\n", ifname, strerror(errno));
}

/* Whether program id is a TC handoff of ours (by name: any build's, not just this one). */
static bool tc_prog_is_ours(__u32 id)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	int fd = bpf_prog_get_fd_by_id(id);
	bool ours;

	if (fd < 0)
		return false;
	ours = !bpf_obj_get_info_by_fd(fd, &info, &len) && !strcmp(info.name, TC_PROG_NAME);
	close(fd);
	return ours;
}

/* Pins whose programs are gone (the tool was interrupted, the interface was re-created)
 * are removed; pins of a live attachment or of another layout are an error. */
static int check_existing(const char *ifname, int ifindex, const struct pin_paths *pp)
{
	struct xsc_attach_info info;
	__u32 tc_id, other;
	int err;

	if (xsc_xdp_prog_id(ifindex, NULL)) {
		pr_err("attach %s: already attached (see 'xdp-syncookie status %s'; detach first)\n",
		       ifname, ifname);
		return -EEXIST;
	}
	/* Ours goes in alone (attach_xdp()): refused before anything changes. */
	other = xdp_any_prog_id(ifindex);
	if (other) {
		say_foreign_xdp(ifname, other);
		return -EBUSY;
	}
	/* An attach killed after its TC step leaves our filter and no pins. Whether that
	 * attach made the clsact qdisc died with it, so the qdisc stays. */
	tc_id = xsc_tc_prog_id(ifindex);
	if (tc_id && !pin_dir_exists(pp) && tc_prog_is_ours(tc_id)) {
		pr_info("attach %s: removing the TC filter of an interrupted attach\n", ifname);
		detach_tc(ifindex, false);
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

/* Fills the maps before any program can read them: key, lists, policy. */
static int maps_fill(const char *what, const struct mapset *ms, const struct attach_opts *o)
{
	struct xsc_policy *pol = malloc(sizeof(*pol));
	int outer4 = mapset_fd(ms, XSC_MAP_LISTS4), outer6 = mapset_fd(ms, XSC_MAP_LISTS6);
	int err = 0;

	if (!pol)
		return -ENOMEM;
	*pol = *o->policy;
	pol->lists = 0;
	for (int i = 0; i < ms->n && !err; i++)
		if (!strcmp(ms->map[i].name, XSC_MAP_KEYS))
			err = keys_load(ms->map[i].fd, !ms->map[i].reused, o->master, what);
	/* Both lists get a trie, empty or not, so 'allow add' always finds one to edit. */
	err = err ?: lists_swap(outer4, outer6, XSC_LIST_ALLOW, o->allow, &pol->lists, what);
	err = err ?: lists_swap(outer4, outer6, XSC_LIST_DENY, o->deny, &pol->lists, what);
	if (!err && (err = policy_install(mapset_fd(ms, XSC_MAP_POLICY), pol)))
		pr_err("%s: installing the policy: %s\n", what, strerror(-err));
	free(pol);
	return err;
}

static int write_info(const struct mapset *ms, const struct xsc_attach_info *info)
{
	__u32 zero = 0;

	return bpf_map_update_elem(mapset_fd(ms, XSC_MAP_INFO), &zero, info, BPF_ANY) ? -errno : 0;
}

/*
 * How many CPUs an interface's packets are received on: one per receive queue (RSS), at
 * most every CPU. The budgets give each CPU that share of their rates. If the queues
 * cannot be counted, every CPU: stricter, never looser.
 */
static __u32 receiving_cpus(const char *ifname, int ncpus)
{
	char path[PATH_MAX];
	struct dirent *d;
	int queues = 0;
	DIR *dir;

	snprintf(path, sizeof(path), "/sys/class/net/%s/queues", ifname);
	dir = opendir(path);
	while (dir && (d = readdir(dir)))
		queues += !strncmp(d->d_name, "rx-", 3);
	if (dir)
		closedir(dir);
	if (queues <= 0 || queues > ncpus)
		queues = ncpus;
	return queues > 0 ? queues : 1;
}

/* Opens this build's programs, set up for the interface and the map set, and loads them. */
static int load_programs(const char *what, const char *ifname, const struct mapset *ms,
			 const struct xsc_settings *settings,
			 struct xdp_syncookie **xsp, struct tc_handoff **tcp)
{
	/* The kernel handoff needs no TC program: the kernel takes its own cookies. Gateway
	 * mode's marks the checksums XDP verified for SYNPROXY. */
	bool want_tc = settings->handoff != XSC_HANDOFF_KERNEL;
	int ncpus = libbpf_num_possible_cpus(), err;
	struct xdp_syncookie *xs = xdp_syncookie__open();
	struct tc_handoff *tc = want_tc ? tc_handoff__open() : NULL;

	*xsp = xs;
	*tcp = tc;
	if (!xs || (want_tc && !tc)) {
		err = -errno;
		pr_err("%s: opening the BPF objects: %s\n", what, strerror(-err));
		return err;
	}
	xs->rodata->xsc_cfg = *settings;
	xs->rodata->xsc_nr_cpus = ncpus > 0 ? ncpus : 1;
	xs->rodata->xsc_budget_spread = receiving_cpus(ifname, xs->rodata->xsc_nr_cpus);
	/* Gateway mode's attach has checked that conntrack's kfuncs resolve. */
	xs->rodata->xsc_gw_conntrack = settings->handoff == XSC_HANDOFF_SYNPROXY;
	err = mapset_share(ms, xs->obj);
	if (err)
		return err;
	/* Verified before anything on the interface changes. */
	if (xdp_syncookie__load(xs)) {
		err = -errno;
		pr_err("%s: loading the XDP program: %s (-v shows the verifier log)\n", what,
		       strerror(-err));
		return err;
	}
	if (!tc)
		return 0;
	tc->rodata->xsc_cfg = *settings;
	err = mapset_share(ms, tc->obj);
	if (!err && tc_handoff__load(tc))
		err = -errno;
	if (err)
		pr_err("%s: loading the TC handoff program: %s (-v shows the verifier log)\n", what,
		       strerror(-err));
	return err;
}

/*
 * Swaps the XDP program in one netlink request, XDP_FLAGS_REPLACE naming the program it
 * replaces: the kernel switches from one to the other between two packets.
 */
static int replace_xdp(const char *what, int ifindex, __u32 old_id, struct xdp_syncookie *xs,
		       enum xdp_attach_mode mode)
{
	LIBBPF_OPTS(bpf_xdp_attach_opts, opts);
	__u32 flags = XDP_FLAGS_REPLACE | xdp_mode_flag(mode);
	int old_fd = bpf_prog_get_fd_by_id(old_id), err = 0;

	if (old_fd < 0) {
		err = -errno;
		pr_err("%s: the program in force is gone: %s\n", what, strerror(-err));
		return err;
	}
	opts.old_prog_fd = old_fd;
	if (bpf_xdp_attach(ifindex, bpf_program__fd(xs->progs.xdp_syncookie), flags, &opts)) {
		err = -errno;
		pr_err("%s: swapping the XDP program: %s (the old one stays in force)\n", what,
		       strerror(-err));
	}
	close(old_fd);
	return err;
}

/* Puts the TC program that was in force back, after an XDP step of an upgrade failed
 * (tc_id 0: there was none, under the kernel handoff). */
static void restore_tc(const char *what, int ifindex, __u32 tc_id)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_INGRESS);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = XSC_TC_HANDLE, .priority = XSC_TC_PRIORITY,
			    .flags = BPF_TC_F_REPLACE);
	int fd;

	if (!tc_id)
		return;
	fd = bpf_prog_get_fd_by_id(tc_id);
	opts.prog_fd = fd;
	if (fd < 0 || bpf_tc_attach(&hook, &opts))
		pr_err("%s: could not put the old TC program back; the new one stays (it reads "
		       "the old XDP program's metadata alike)\n", what);
	if (fd >= 0)
		close(fd);
}

/*
 * The in-place upgrade. The pinned maps are reused as they are (one of another shape is
 * refused before anything changes) and keep keys, counters, policy, lists and engage
 * state; the TC filter's program is replaced in one step, then the XDP program (above).
 * Some program acts at every moment, and exactly one.
 */
static int xsc_replace(const char *ifname, const struct attach_opts *o)
{
	struct xsc_attach_info info;
	struct xdp_syncookie *xs = NULL;
	struct tc_handoff *tc = NULL;
	struct xdp_multiprog *mp;
	int ifindex = if_nametoindex(ifname), err;
	__u32 old_id, old_tc_id;
	struct pin_paths pp;
	struct mapset ms;
	bool dispatched;
	char what[64];

	snprintf(what, sizeof(what), "attach --replace %s", ifname);
	if (!ifindex) {
		pr_err("%s: interface not found\n", what);
		return -ENODEV;
	}
	err = pin_paths(ifname, &pp);
	if (err) {
		pr_err("%s: no BPF filesystem at %s (set LIBXDP_BPFFS if it is elsewhere)\n", what,
		       pin_fs());
		return err;
	}
	err = pin_dir_exists(&pp) ? pin_read_info(&pp, &info) : -ENOENT;
	old_id = err ? 0 : xsc_xdp_prog_id(ifindex, NULL);
	if (err == -EPROTO) {
		pr_err("%s: the pins in %s are of another layout than this build's (%d), so they "
		       "cannot be carried over; upgrade with 'xdp-syncookie detach %s' and then "
		       "'attach' (handshakes in flight are lost)\n", what, pp.dir, XSC_PIN_LAYOUT,
		       ifname);
		return -EPROTO;
	}
	if (err || !old_id || info.ifindex != (__u32)ifindex) {
		pr_err("%s: not attached (attach it without --replace)\n", what);
		return -ENOENT;
	}
	mp = xdp_multiprog__get_from_ifindex(ifindex);
	dispatched = !libxdp_get_error(mp) && !xdp_multiprog__is_legacy(mp);
	xdp_multiprog__close(libxdp_get_error(mp) ? NULL : mp);
	if (dispatched) {
		pr_err("%s: attached under libxdp's dispatcher (by an earlier build), which this "
		       "build no longer uses; upgrade with 'xdp-syncookie detach %s' and then "
		       "'attach' (handshakes in flight are lost)\n", what, ifname);
		return -EEXIST;
	}
	/* The handoff stays: a cookie in flight must meet the one that made it. */
	if (o->handoff != XSC_HANDOFF_AUTO && o->handoff != info.settings.handoff) {
		pr_err("%s: the handoff in force is %s; an upgrade in place keeps it (detach and "
		       "attach to change it)\n", what, xsc_handoff_name(info.settings.handoff));
		return -EINVAL;
	}
	if (o->settings_given) {
		__u8 handoff = info.settings.handoff;

		info.settings = o->settings;
		info.settings.handoff = handoff;
	}
	err = check_kernel(what, info.settings.handoff, &info.settings);
	if (!err && info.settings.handoff == XSC_HANDOFF_SYNPROXY)
		err = gateway_check_conntrack(what);
	if (err)
		return err;

	err = mapset_open(&ms, &pp, true, what);
	if (err)
		return err;
	err = failpoint("replace.maps_reused");
	if (err)
		goto out;
	err = load_programs(what, ifname, &ms, &info.settings, &xs, &tc);
	err = err ?: failpoint("replace.programs_loaded");
	old_tc_id = info.tc_prog_id;
	if (!err && tc)
		err = replace_tc(what, ifindex, tc, &info);
	if (err)
		goto out;
	err = failpoint("replace.tc_replaced");
	if (err) {
		restore_tc(what, ifindex, old_tc_id);
		goto out;
	}
	err = replace_xdp(what, ifindex, old_id, xs, info.xdp_mode);
	info.xdp_prog_id = err ? old_id : xsc_xdp_prog_id(ifindex, NULL);
	if (err) {
		restore_tc(what, ifindex, old_tc_id);
		goto out;
	}
	/* From here the upgrade is done: the new programs act, and a failure only leaves the
	 * record behind (status and detach read the live programs, not the record). */
	err = failpoint("replace.xdp_replaced");
	/* The SYNPROXY statement names the SYN-ACK's MSS and window scale: rewritten whole. */
	if (!err && info.settings.handoff == XSC_HANDOFF_SYNPROXY)
		err = gateway_rules_install(what, ifname, ifindex, &info.settings);
	info.replaced_at = time(NULL);
	info.replaces++;
	err = err ?: write_info(&ms, &info);
	err = err ?: failpoint("replace.record_written");
	err = err ?: mapset_pin(&ms, &pp, o->group_given ? o->group : (gid_t)-1);
	if (err)
		pr_err("%s: the new programs are in force, but updating the pins under %s failed: "
		       "%s; run 'attach --replace %s' again\n", what, pp.dir, strerror(-err), ifname);
out:
	xdp_syncookie__destroy(xs);
	tc_handoff__destroy(tc);
	mapset_close(&ms);
	return err;
}

int xsc_attach(const char *ifname, const struct attach_opts *o)
{
	struct xsc_attach_info info = { .layout = XSC_PIN_LAYOUT, .settings = o->settings,
					.attached_at = time(NULL) };
	struct xdp_syncookie *xs = NULL;
	struct tc_handoff *tc = NULL;
	bool gateway = o->handoff == XSC_HANDOFF_SYNPROXY, rules_added = false;
	bool tc_attached = false, xdp_attached = false, maps_open = false;
	int ifindex, err;
	struct pin_paths pp;
	struct mapset ms;
	char what[64];

	if (o->replace)
		return xsc_replace(ifname, o);
	snprintf(what, sizeof(what), "attach %s", ifname);
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
	err = check_kernel(what, o->handoff, &info.settings);
	err = err ?: check_existing(ifname, ifindex, &pp);
	if (!err && gateway && o->policy->engage == XSC_ENGAGE_AUTO)
		pr_notice("%s: in gateway mode a port engages on its SYN rate alone: the listeners' "
			  "queues are on the servers\n", what);
	if (!err && gateway) {
		/* Before the programs load: the table loads nf_conntrack, whose kfuncs they use. */
		err = gateway_rules_install(what, ifname, ifindex, &info.settings);
		rules_added = !err;
		err = err ?: gateway_check_conntrack(what);
		err = err ?: failpoint("attach.rules_added");
	}
	err = err ?: mapset_open(&ms, &pp, false, what);
	if (err)
		goto out;
	maps_open = true;
	err = failpoint("attach.maps_created");
	err = err ?: maps_fill(what, &ms, o);
	err = err ?: failpoint("attach.maps_filled");
	err = err ?: load_programs(what, ifname, &ms, &info.settings, &xs, &tc);
	err = err ?: failpoint("attach.programs_loaded");
	if (err)
		goto out;

	if (tc) {
		err = attach_tc(ifname, ifindex, tc, &info);
		if (err)
			goto out;
		tc_attached = true;
	}
	err = failpoint("attach.tc_attached");
	err = err ?: attach_xdp(ifname, ifindex, xs, o->mode, &info);
	if (err)
		goto out;
	xdp_attached = true;
	err = failpoint("attach.xdp_attached");
	if (!err && (err = write_info(&ms, &info)))
		pr_err("attach %s: writing the attach record: %s\n", ifname, strerror(-err));
	err = err ?: failpoint("attach.record_written");
	if (!err && (err = mapset_pin(&ms, &pp, o->group_given ? o->group : (gid_t)-1)))
		pr_err("attach %s: pinning maps under %s: %s\n", ifname, pp.dir, strerror(-err));
	err = err ?: failpoint("attach.pinned");
out:
	if (err) {
		if (xdp_attached)
			unattach_xdp(ifname, ifindex, xs, o->mode);
		if (tc_attached)
			detach_tc(ifindex, info.created_clsact);
		if (xdp_attached)	/* pins are only ever made after this point */
			pin_remove_all(&pp);
		if (rules_added)
			gateway_rules_remove(what, ifindex);
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
	bool have_pins, found_xdp = false, found_tc = false, found_table;
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
		if (info.settings.handoff == XSC_HANDOFF_SYNPROXY && info.ifindex)
			gateway_rules_remove("detach", info.ifindex);
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
	/* After XDP: no cookie ACK it passed can miss SYNPROXY. Without pins that say how it
	 * was attached (they may be lost), the table is looked for: its name is ours. */
	found_table = (have_pins && info.ifindex == (__u32)ifindex) ?
			      info.settings.handoff == XSC_HANDOFF_SYNPROXY :
			      gateway_rules_present(ifindex);
	if (found_table && gateway_rules_remove("detach", ifindex))
		err = err ?: -EIO;
	if (!have_pins && !found_xdp && !found_tc && !found_table) {
		pr_err("detach %s: not attached\n", ifname);
		return -ENOENT;
	}
	pin_remove_all(&pp);
	return (err && err != -ENOENT) ? err : 0;
}
