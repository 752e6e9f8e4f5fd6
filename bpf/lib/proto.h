/* SPDX-License-Identifier: GPL-2.0 */
/* Protocol constants the BPF side needs; vmlinux.h carries types but no #defines. */
#ifndef XSC_PROTO_H
#define XSC_PROTO_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "xsc/abi.h"

#define ETH_ALEN 6
#define ETH_HLEN 14
#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86DD
#define ETH_P_8021Q 0x8100
#define ETH_P_8021AD 0x88A8
#define VLAN_HLEN 4
#define XSC_MAX_VLANS 2		/* 802.1ad outer + 802.1Q inner (QinQ) */

/* IPPROTO_TCP and IPPROTO_AH come from vmlinux.h as enum members. */
#define IPPROTO_HOPOPTS 0
#define IPPROTO_ROUTING 43
#define IPPROTO_FRAGMENT 44
#define IPPROTO_NONE 59
#define IPPROTO_DSTOPTS 60
#define IPV4_HLEN 20
#define IPV6_HLEN 40
#define IP_MF 0x2000
#define IP_OFFSET 0x1fff
#define IP_DF 0x4000
#define IPV6_FRAG_OFFSET_MASK 0xfff8	/* fragment offset bits in ip6 frag_off (host order) */
#define IPV6_FRAG_MF 0x0001
/* Extension headers walked before giving up; a real packet rarely has more than 2. */
#define XSC_IPV6_MAX_EXT 6

/* Masks that keep offsets read back from memory visibly bounded for the verifier. */
#define L2_OFF_MASK 0x1f	/* Ethernet + two tags: at most 22 */
#define L4_OFF_MASK 0x3fff	/* covers IPv6 with XSC_IPV6_MAX_EXT extension headers */

/*
 * x & mask, for a bound clang 19 can prove but Linux 6.1's verifier cannot see (it keeps
 * no range through an OR with a register or a byte swap). The empty asm hides x's range
 * from clang, which would otherwise drop the AND as redundant: one instruction.
 */
#define xsc_mask_kept(x, mask)                 \
	({                                     \
		typeof(x) __kept = (x);        \
		barrier_var(__kept);           \
		__kept & (mask);               \
	})

#define TCP_HLEN 20
#define TCP_MAX_OPTLEN 40
#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_PSH 0x08
#define TH_ACK 0x10
#define TH_URG 0x20
#define TH_ECE 0x40
#define TH_CWR 0x80
#define TCP_FLAGS_OFFSET 13	/* byte offset of the flags in the TCP header */

#define TCPOPT_EOL 0
#define TCPOPT_NOP 1
#define TCPOPT_MSS 2
#define TCPOPT_WINDOW 3
#define TCPOPT_SACK_PERM 4
#define TCPOPT_TIMESTAMP 8
#define TCPOLEN_MSS 4
#define TCPOLEN_WINDOW 3
#define TCPOLEN_SACK_PERM 2
#define TCPOLEN_TIMESTAMP 10

/* Returned by a step when the packet goes on to the next step; every other return value
 * is the packet's verdict reason (include/xsc/reasons.def). */
#define XSC_CONTINUE (-1)

#endif /* XSC_PROTO_H */
