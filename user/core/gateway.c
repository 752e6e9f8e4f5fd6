// SPDX-License-Identifier: GPL-2.0
/*
 * Gateway mode's kernel side: what attach --gateway checks, and the nftables table that
 * hands cookie ACKs to netfilter SYNPROXY (docs/design.md, "Gateway mode"). The table is
 * written through libnftables in one transaction, so it is there whole or not at all.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <nftables/libnftables.h>
#include "gateway.h"
#include "log.h"
#include "settings.h"

void gateway_table_name(int ifindex, char *buf, size_t size)
{
	snprintf(buf, size, "xdp_syncookie_%d", ifindex);
}

/* Runs one nft script; 0, or -EIO with nft's own message in err (which may be NULL). */
static int nft_run(const char *script, char *err, size_t err_size)
{
	struct nft_ctx *nft = nft_ctx_new(NFT_CTX_DEFAULT);
	const char *msg;
	int rc;

	if (!nft) {
		snprintf(err, err_size, "libnftables could not start");
		return -ENOMEM;
	}
	nft_ctx_buffer_output(nft);
	nft_ctx_buffer_error(nft);
	rc = nft_run_cmd_from_buffer(nft, script);
	msg = nft_ctx_get_error_buffer(nft);
	if (rc && err) {
		snprintf(err, err_size, "%s", msg && *msg ? msg : "nft failed");
		err[strcspn(err, "\n")] = '\0';	/* the first line says what failed */
	}
	nft_ctx_free(nft);
	return rc ? -EIO : 0;
}

/* Interface names may hold characters that would end an nft string; such a name is refused
 * rather than quoted. */
static bool ifname_quotable(const char *ifname)
{
	for (const char *c = ifname; *c; c++)
		if (*c == '"' || *c == '\\' || *c == '$' || *c < 0x21 || *c > 0x7e)
			return false;
	return true;
}

/*
 * The SYNPROXY statement for one family. It re-checks the cookie ACK against the kernel's
 * secret, decodes the options from its TSecr and replays the handshake to the server with
 * them; the window scale it names is the one our SYN-ACK gave the client, which the
 * server must use too (its window is relayed unscaled).
 */
static void synproxy_stmt(char *buf, size_t size, unsigned int mss, const struct xsc_settings *s)
{
	snprintf(buf, size, "synproxy mss %u wscale %u%s%s", mss, s->wscale,
		 (s->flags & XSC_F_OFFER_TS) ? " timestamp" : "",
		 (s->flags & XSC_F_OFFER_SACK) ? " sack-perm" : "");
}

int gateway_rules_install(const char *what, const char *ifname, int ifindex,
			  const struct xsc_settings *s)
{
	char table[64], script[2048], sp4[96], sp6[96], err[512];
	int rc;

	if (!ifname_quotable(ifname)) {
		pr_err("%s: the interface name cannot be written into an nftables rule\n", what);
		return -EINVAL;
	}
	gateway_table_name(ifindex, table, sizeof(table));
	synproxy_stmt(sp4, sizeof(sp4), s->mss4, s);
	synproxy_stmt(sp6, sizeof(sp6), s->mss6, s);
	/*
	 * One transaction: a table left by an attach that was killed is replaced, never merged.
	 * Only TCP from the interface that conntrack cannot place reaches these rules: cookie
	 * ACKs (nf_conntrack_tcp_loose=0 makes them invalid), which SYNPROXY takes or drops,
	 * and stray segments, which are dropped as a stateful router would.
	 */
	snprintf(script, sizeof(script),
		 "add table inet %1$s\n"
		 "delete table inet %1$s\n"
		 "table inet %1$s {\n"
		 "  comment \"xdp-syncookie gateway mode on %2$s: cookie ACKs to SYNPROXY\"\n"
		 "  chain forward {\n"
		 "    type filter hook forward priority filter; policy accept;\n"
		 "    iifname \"%2$s\" meta nfproto ipv4 meta l4proto tcp ct state invalid counter %3$s\n"
		 "    iifname \"%2$s\" meta nfproto ipv6 meta l4proto tcp ct state invalid counter %4$s\n"
		 "    iifname \"%2$s\" meta l4proto tcp ct state invalid counter drop\n"
		 "  }\n"
		 "}\n",
		 table, ifname, sp4, sp6);
	rc = nft_run(script, err, sizeof(err));
	if (rc)
		pr_err("%s: adding the nftables table inet %s: %s (gateway mode needs nf_tables "
		       "with the synproxy expression: nft_synproxy, Linux 5.3+)\n", what, table, err);
	return rc;
}

int gateway_rules_remove(const char *what, int ifindex)
{
	char table[64], script[256], err[512];
	int rc;

	gateway_table_name(ifindex, table, sizeof(table));
	/* "add" first, so that a table already gone is no error (nft 1.0.6 has no "destroy"). */
	snprintf(script, sizeof(script), "add table inet %1$s\ndelete table inet %1$s\n", table);
	rc = nft_run(script, err, sizeof(err));
	if (rc)
		pr_err("%s: removing the nftables table inet %s: %s\n", what, table, err);
	return rc;
}

bool gateway_rules_present(int ifindex)
{
	char table[64], script[128];

	gateway_table_name(ifindex, table, sizeof(table));
	snprintf(script, sizeof(script), "list table inet %s\n", table);
	return !nft_run(script, NULL, 0);
}

int gateway_check_kernel(const char *what)
{
	if (libbpf_probe_bpf_helper(BPF_PROG_TYPE_XDP, BPF_FUNC_tcp_raw_gen_syncookie_ipv4, NULL) <= 0 ||
	    libbpf_probe_bpf_helper(BPF_PROG_TYPE_XDP, BPF_FUNC_tcp_raw_gen_syncookie_ipv6, NULL) <= 0) {
		pr_err("%s: this kernel has no bpf_tcp_raw_gen_syncookie_ipv4/6() (Linux 6.0+), "
		       "which gateway mode makes its cookies with\n", what);
		return -ENOTSUP;
	}
	if (sysctl_ipv4("ip_forward") != 1) {
		pr_err("%s: net.ipv4.ip_forward is not 1: this host forwards nothing, so gateway "
		       "mode would protect nothing (sysctl -w net.ipv4.ip_forward=1)\n", what);
		return -ENOTSUP;
	}
	if (sysctl_read("net/ipv6/conf/all/forwarding") != 1)
		pr_notice("%s: net.ipv6.conf.all.forwarding is not 1: only IPv4 is forwarded, so "
			  "only IPv4 servers are protected\n", what);
	return 0;
}

/* Whether BTF names kfunc name, in vmlinux or in module (built in, or loaded). */
static bool kfunc_in_btf(const char *name, const char *module)
{
	struct btf *vmlinux = btf__load_vmlinux_btf(), *mod = NULL;
	bool found = false;

	if (libbpf_get_error(vmlinux))
		return false;
	found = btf__find_by_name_kind(vmlinux, name, BTF_KIND_FUNC) >= 0;
	if (!found) {
		mod = btf__load_module_btf(module, vmlinux);
		found = !libbpf_get_error(mod) && btf__find_by_name_kind(mod, name, BTF_KIND_FUNC) >= 0;
		if (!libbpf_get_error(mod))
			btf__free(mod);
	}
	btf__free(vmlinux);
	return found;
}

int gateway_check_conntrack(const char *what)
{
	int loose;

	if (!kfunc_in_btf("bpf_xdp_ct_lookup", "nf_conntrack")) {
		pr_err("%s: nf_conntrack has no bpf_xdp_ct_lookup() in its BTF (it needs Linux "
		       "6.0+ built with CONFIG_DEBUG_INFO_BTF_MODULES): XDP could not tell "
		       "established flows from forged ACKs\n", what);
		return -ENOTSUP;
	}
	loose = sysctl_read("net/netfilter/nf_conntrack_tcp_loose");
	if (loose != 0) {
		pr_err("%s: net.netfilter.nf_conntrack_tcp_loose is %d: conntrack would take a "
		       "cookie ACK for an established flow and forward it to a server that never "
		       "saw the handshake, instead of leaving it to SYNPROXY "
		       "(sysctl -w net.netfilter.nf_conntrack_tcp_loose=0)\n", what, loose);
		return -ENOTSUP;
	}
	return 0;
}
