/* SPDX-License-Identifier: GPL-2.0 */
/* Allow and deny lists: source prefixes in LPM tries, one list swapped in whole or edited live. */
#ifndef XSC_LISTS_H
#define XSC_LISTS_H

#include "../lib/parse.h"

/* The inner tries. Prefixes take memory only once added (LPM tries are never preallocated).
 * Sizes, not BTF types: clang 19 emits the key structs as forward declarations here, which
 * libbpf cannot size. */
struct lists_inner4 {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, XSC_LIST_MAX_ENTRIES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(key_size, sizeof(struct xsc_lpm4_key));
	__uint(value_size, sizeof(__u8));
};
struct lists_inner6 {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, XSC_LIST_MAX_ENTRIES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(key_size, sizeof(struct xsc_lpm6_key));
	__uint(value_size, sizeof(__u8));
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, XSC_LIST_KINDS);
	__type(key, __u32);
	__array(values, struct lists_inner4);
} xsc_lists4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, XSC_LIST_KINDS);
	__type(key, __u32);
	__array(values, struct lists_inner6);
} xsc_lists6 SEC(".maps");

/* Whether the packet's source is on the list. */
static __always_inline bool lists_match(const struct pkt *p, __u32 kind)
{
	void *trie;

	if (p->family == 4) {
		struct xsc_lpm4_key k = { .prefixlen = 32 };

		trie = bpf_map_lookup_elem(&xsc_lists4, &kind);
		if (!trie)
			return false;
		__builtin_memcpy(k.addr, p->saddr, sizeof(k.addr));
		return bpf_map_lookup_elem(trie, &k);
	}
	struct xsc_lpm6_key k = { .prefixlen = 128 };

	trie = bpf_map_lookup_elem(&xsc_lists6, &kind);
	if (!trie)
		return false;
	__builtin_memcpy(k.addr, p->saddr, sizeof(k.addr));
	return bpf_map_lookup_elem(trie, &k);
}

/*
 * Deny first, for every TCP segment to a protected port: a denied source's established
 * flows are cut too. Allow only for SYNs, the only segments it changes anything for (the
 * rest of an allowed client's handshake and flows meet their sockets as anyone's do), so
 * established traffic pays no allow lookup. Only the lists the policy marks in use are
 * looked at.
 */
static __always_inline int lists_judge(const struct pkt *p, __u8 in_use)
{
	__u8 deny = p->family == 4 ? XSC_LISTS_DENY4 : XSC_LISTS_DENY6;
	__u8 allow = p->family == 4 ? XSC_LISTS_ALLOW4 : XSC_LISTS_ALLOW6;

	if ((in_use & deny) && lists_match(p, XSC_LIST_DENY))
		return XSC_STAT_DROP_DENIED;
	if ((in_use & allow) && (p->flags & (TH_SYN | TH_ACK | TH_RST | TH_FIN)) == TH_SYN &&
	    lists_match(p, XSC_LIST_ALLOW))
		return XSC_STAT_PASS_ALLOWED;
	return XSC_CONTINUE;
}

#endif /* XSC_LISTS_H */
