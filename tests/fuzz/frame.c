// SPDX-License-Identifier: GPL-2.0
/* The fuzzer's frame walk, decoder and field mutations (see frame.h). */
#include <string.h>
#include "frame.h"

/* Bounds that keep every spec pkt_build() can be handed inside PKT_MAX. */
#define MAX_EXT_LEN 64
#define MAX_EXT 8
#define MAX_OPTLEN 40
#define MAX_PAYLOAD 1200
#define MAX_PAD 32

#define ETH_P_IPV4 0x0800
#define ETH_P_IPV6 0x86dd
#define ETH_P_8021Q 0x8100
#define ETH_P_8021AD 0x88a8
#define IP4_MF_OFFSET 0x3fff
#define IP6_FRAG_OFFSET 0xfff8
#define IP6_FRAG_MF 0x0001
#define PROTO_TCP 6

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)get16(p) << 16 | get16(p + 2);
}

static bool is_vlan(uint16_t type)
{
	return type == ETH_P_8021Q || type == ETH_P_8021AD;
}

static bool is_ext6(uint8_t next)
{
	return next == 0 || next == 43 || next == 44 || next == 51 || next == 60;
}

/* Length of an IPv6 extension header from its first two bytes (RFC 8200, RFC 4302). */
static size_t ext6_len(uint8_t type, const uint8_t *h)
{
	if (type == 44)
		return 8;
	if (type == 51)
		return ((size_t)h[1] + 2) * 4;
	return ((size_t)h[1] + 1) * 8;
}

uint64_t frame_rand(uint64_t *state)
{
	/* xorshift64*: a mutator needs speed and a seed, not quality */
	uint64_t x = *state ? *state : 0x9e3779b97f4a7c15ULL;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545f4914f6cdd1dULL;
}

static uint32_t pick(uint64_t *rnd, uint32_t n)
{
	return (uint32_t)(frame_rand(rnd) % n);
}

void frame_inspect(const uint8_t *b, size_t len, struct frame_info *fi)
{
	size_t off = 12, l4;
	struct pkt_view v;
	uint16_t type;

	memset(fi, 0, sizeof(*fi));
	fi->ip_csum_ok = fi->tcp_csum_ok = true;
	if (len < 14)
		return;
	if (!pkt_parse(b, len, &v)) {
		fi->ip_csum_ok = v.ip_csum_ok;
		fi->tcp_csum_ok = v.tcp_csum_ok;
	}
	memcpy(fi->dmac, b, 6);
	memcpy(fi->smac, b + 6, 6);
	type = get16(b + off);
	while (is_vlan(type) && fi->n_vlans < 3) {
		if (off + 6 > len)
			return;
		off += 4;
		fi->n_vlans++;
		type = get16(b + off);
	}
	off += 2;
	fi->ethertype = type;
	if (type == ETH_P_IPV4) {
		size_t ihl;

		if (off + 20 > len)
			return;
		fi->family = 4;
		fi->version = b[off] >> 4;
		fi->fragment = get16(b + off + 6) & IP4_MF_OFFSET;
		memcpy(fi->saddr, b + off + 12, 4);
		memcpy(fi->daddr, b + off + 16, 4);
		ihl = (size_t)(b[off] & 0xf) * 4;
		fi->ip_end = off + get16(b + off + 2);
		if (ihl < 20 || b[off + 9] != PROTO_TCP)
			return;
		l4 = off + ihl;
	} else if (type == ETH_P_IPV6) {
		uint8_t next;

		if (off + 40 > len)
			return;
		fi->family = 6;
		fi->version = b[off] >> 4;
		memcpy(fi->saddr, b + off + 8, 16);
		memcpy(fi->daddr, b + off + 24, 16);
		fi->ip_end = off + 40 + get16(b + off + 4);
		next = b[off + 6];
		l4 = off + 40;
		for (int i = 0; i < MAX_EXT && next != PROTO_TCP; i++) {
			uint8_t cur = next;

			if (!is_ext6(cur) || l4 + 8 > len)
				return;
			if (cur == 44) {
				uint16_t fo = get16(b + l4 + 2);

				fi->frag_hdr = true;
				if (fo & (IP6_FRAG_OFFSET | IP6_FRAG_MF))
					fi->fragment = true;
				/* a later fragment: what follows is payload, not headers */
				if (fo & IP6_FRAG_OFFSET)
					return;
			}
			fi->n_ext++;
			next = b[l4];
			l4 += ext6_len(cur, b + l4);
		}
		if (next != PROTO_TCP)
			return;
	} else {
		return;
	}
	if (l4 + 20 > len)
		return;
	fi->tcp = true;
	fi->l4_off = l4;
	fi->sport = get16(b + l4);
	fi->dport = get16(b + l4 + 2);
	fi->seq = get32(b + l4 + 4);
	fi->ack = get32(b + l4 + 8);
	fi->flags = b[l4 + 13];
}

int frame_decode(const uint8_t *b, size_t len, struct pkt_spec *s)
{
	size_t off = 12, l4, ip_end, ext_total = 0, tcp_len, hlen = 20;
	int optlen = 0;
	uint16_t type;

	memset(s, 0, sizeof(*s));
	if (len < 14)
		return -1;
	type = get16(b + off);
	while (is_vlan(type)) {
		if (s->n_vlans == 3 || off + 6 > len)
			return -1;
		s->vlan_proto[s->n_vlans] = type;
		s->vlan_tci[s->n_vlans++] = get16(b + off + 2);
		off += 4;
		type = get16(b + off);
	}
	off += 2;
	if (type != ETH_P_IPV4 && type != ETH_P_IPV6)
		return -1;
	s->family = type == ETH_P_IPV4 ? 4 : 6;
	if (s->family == 4) {
		uint16_t frag;
		int ihl;

		if (off + 20 > len)
			return -1;
		if (b[off] >> 4 != 4)
			s->ip_version = PKT_VERSION(b[off] >> 4);
		ihl = b[off] & 0xf;
		hlen = ihl >= 5 ? (size_t)ihl * 4 : 20;
		s->ip_optlen = (int)hlen - 20;
		if (ihl != 5 + s->ip_optlen / 4)
			s->ihl_words = ihl;
		frag = get16(b + off + 6);
		if (frag == 0)
			s->no_df = true;
		else if (frag != 0x4000)
			s->frag_off = frag;
		if (b[off + 9] != PROTO_TCP)
			s->l4proto = b[off + 9];
		memcpy(s->saddr, b + off + 12, 4);
		memcpy(s->daddr, b + off + 16, 4);
		ip_end = off + get16(b + off + 2);
		l4 = off + hlen;
	} else {
		uint8_t next;

		if (off + 40 > len)
			return -1;
		if (b[off] >> 4 != 6)
			s->ip_version = PKT_VERSION(b[off] >> 4);
		memcpy(s->saddr, b + off + 8, 16);
		memcpy(s->daddr, b + off + 24, 16);
		ip_end = off + 40 + get16(b + off + 4);
		next = b[off + 6];
		l4 = off + 40;
		while (is_ext6(next) && s->n_ext < MAX_EXT && l4 + 8 <= len) {
			struct ext6 *e = &s->ext[s->n_ext++];
			size_t el = ext6_len(next, b + l4);

			e->type = next;
			e->len = el > MAX_EXT_LEN ? MAX_EXT_LEN : el;
			if (next == 44)
				e->frag = get16(b + l4 + 2);
			ext_total += e->len;
			next = b[l4];
			l4 += el;
		}
		if (next != PROTO_TCP)
			s->l4proto = next ? next : 59;	/* 0 would read as "TCP" */
		hlen = 40 + ext_total;
	}
	if (l4 + 20 > len) {
		s->truncate_to = (int)len;
		return 0;
	}
	s->sport = get16(b + l4);
	s->dport = get16(b + l4 + 2);
	s->seq = get32(b + l4 + 4);
	s->ack = get32(b + l4 + 8);
	s->flags = b[l4 + 13];
	s->window = get16(b + l4 + 14);
	if (b[l4 + 12] >> 4 >= 5) {
		optlen = (b[l4 + 12] >> 4) * 4 - 20;
		if (l4 + 20 + optlen > len)
			optlen = (int)(len - l4 - 20);
	}
	memcpy(s->opts, b + l4 + 20, optlen);
	s->optlen = optlen;
	if (b[l4 + 12] >> 4 != 5 + (optlen + 3) / 4)
		s->doff_words = b[l4 + 12] >> 4;
	tcp_len = 20 + ((optlen + 3) & ~3);
	if (ip_end > l4 + tcp_len) {
		size_t pl = ip_end - l4 - tcp_len;

		s->payload_len = pl > MAX_PAYLOAD ? MAX_PAYLOAD : (int)pl;
	}
	tcp_len += s->payload_len;
	/* the IP length field as it was, whatever the walk made of the headers */
	s->ip_len_delta = (int)(ip_end - off) - (int)(hlen + tcp_len);
	if (len > l4 + tcp_len) {
		size_t pad = len - l4 - tcp_len;

		s->eth_pad = pad > MAX_PAD ? MAX_PAD : (int)pad;
	} else if (len < l4 + tcp_len) {
		s->truncate_to = (int)len;
	}
	return 0;
}

/* Addresses worth trying: ordinary, martian, loopback, unspecified, group, mapped. */
static const char *const addrs4[] = {
	"\xc6\x12\x00\x01", "\xc6\x12\x00\x02", "\x7f\x00\x00\x01", "\x7f\x12\x34\x56",
	"\x00\x00\x00\x00", "\x00\x01\x02\x03", "\xe0\x00\x00\x01", "\xff\xff\xff\xff",
	"\x0a\x00\x00\x01", "\xc6\x12\x09\x01", "\xa9\xfe\x01\x01", "\xef\xff\xff\xfa",
};
static const char *const addrs6[] = {
	"\x20\x01\x00\x02\0\0\0\0\0\0\0\0\0\0\0\x01", "\x20\x01\x00\x02\0\0\0\0\0\0\0\0\0\0\0\x02",
	"\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x01", "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0",
	"\xff\x02\0\0\0\0\0\0\0\0\0\0\0\0\0\x01", "\0\0\0\0\0\0\0\0\0\0\xff\xff\x7f\0\0\x01",
	"\xfe\x80\0\0\0\0\0\0\0\0\0\0\0\0\0\x01", "\x20\x01\x00\x02\0\0\0\x09\0\0\0\0\0\0\0\x01",
	"\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x02", "\0\0\0\0\0\0\0\0\0\0\0\0\x7f\0\0\x01",
};
/* The fuzzer's listeners and policy (fuzz_packets.c) plus a closed and an odd port. */
static const uint16_t ports[] = { 80, 443, 8080, 8443, 22, 9, 0, 65535 };
static const uint8_t ext_types[] = { 0, 43, 44, 51, 60, 6, 17, 58, 59, 50, 135, 255 };
static const uint16_t frag6_values[] = { 0, 1, 8, 9, 0x10, 0xfff8, 0xfff9, 2, 4, 6 };
static const uint16_t frag4_values[] = { 0, 0x4000, 0x2000, 0x0001, 0x2001, 0x6000, 0x1fff,
					 0x8000 };
static const uint8_t opt_kinds[] = { 0, 1, 2, 3, 4, 5, 8, 19, 28, 29, 30, 34, 253, 254 };

static void mutate_options(struct pkt_spec *s, uint64_t *rnd)
{
	uint8_t o[12];
	int n;

	switch (pick(rnd, 6)) {
	case 0:		/* a known option, well formed */
		switch (pick(rnd, 5)) {
		case 0: opt_mss(s, (uint16_t)frame_rand(rnd)); break;
		case 1: opt_ws(s, (uint8_t)pick(rnd, 20)); break;
		case 2: opt_sack_perm(s); break;
		case 3: opt_ts(s, (uint32_t)frame_rand(rnd), 0); break;
		default: opt_nop(s); break;
		}
		break;
	case 1:		/* any kind, any length */
		o[0] = opt_kinds[pick(rnd, sizeof(opt_kinds))];
		o[1] = (uint8_t)pick(rnd, 14);
		for (int i = 2; i < 12; i++)
			o[i] = (uint8_t)frame_rand(rnd);
		n = 2 + (int)pick(rnd, 11);
		if (s->optlen + n <= MAX_OPTLEN)
			opt_raw(s, o, n);
		break;
	case 2:		/* one byte */
		if (s->optlen)
			s->opts[pick(rnd, s->optlen)] = (uint8_t)frame_rand(rnd);
		break;
	case 3:		/* cut the tail */
		s->optlen = s->optlen ? (int)pick(rnd, s->optlen) : 0;
		break;
	case 4:		/* a Linux SYN's set */
		s->optlen = 0;
		opts_linux_syn(s, s->family == 4 ? 1460 : 1440, (uint32_t)frame_rand(rnd),
			       (uint8_t)pick(rnd, 16));
		break;
	default:	/* none */
		s->optlen = 0;
		break;
	}
	if (s->optlen > MAX_OPTLEN)
		s->optlen = MAX_OPTLEN;
}

static void mutate_ext(struct pkt_spec *s, uint64_t *rnd)
{
	struct ext6 *e;
	int i;

	if (s->family != 6)
		return;
	switch (pick(rnd, 4)) {
	case 0:		/* insert one anywhere in the chain */
		if (s->n_ext == MAX_EXT)
			return;
		i = (int)pick(rnd, s->n_ext + 1);
		memmove(&s->ext[i + 1], &s->ext[i], (s->n_ext - i) * sizeof(*e));
		s->n_ext++;
		e = &s->ext[i];
		e->type = ext_types[pick(rnd, 5)];	/* the walked kinds */
		e->len = e->type == 44 ? 8 : 8 * (1 + pick(rnd, 3));
		e->frag = frag6_values[pick(rnd, sizeof(frag6_values) / sizeof(*frag6_values))];
		break;
	case 1:		/* remove one */
		if (!s->n_ext)
			return;
		i = (int)pick(rnd, s->n_ext);
		memmove(&s->ext[i], &s->ext[i + 1], (s->n_ext - i - 1) * sizeof(*e));
		s->n_ext--;
		break;
	case 2:		/* retype one, any kind */
		if (!s->n_ext)
			return;
		e = &s->ext[pick(rnd, s->n_ext)];
		e->type = ext_types[pick(rnd, sizeof(ext_types))];
		if (e->type == 44)
			e->len = 8;
		break;
	default:	/* a fragment header's field */
		for (i = 0; i < s->n_ext; i++)
			if (s->ext[i].type == 44)
				s->ext[i].frag = pick(rnd, 2) ? (uint16_t)frame_rand(rnd) :
					frag6_values[pick(rnd, sizeof(frag6_values) /
								sizeof(*frag6_values))];
		break;
	}
}

static void set_addr(struct pkt_spec *s, uint8_t *a, uint64_t *rnd)
{
	if (s->family == 4)
		memcpy(a, addrs4[pick(rnd, sizeof(addrs4) / sizeof(*addrs4))], 4);
	else
		memcpy(a, addrs6[pick(rnd, sizeof(addrs6) / sizeof(*addrs6))], 16);
	if (pick(rnd, 4) == 0)
		a[s->family == 4 ? 3 : 15] ^= (uint8_t)frame_rand(rnd);
}

static void mutate_one(struct pkt_spec *s, uint64_t *rnd)
{
	switch (pick(rnd, 20)) {
	case 0:
		s->ip_version = pick(rnd, 3) ? PKT_VERSION(pick(rnd, 16)) : 0;
		break;
	case 1:
		s->ethertype = pick(rnd, 2) ? 0 : (uint16_t)(pick(rnd, 2) ? 0x0800 : 0x86dd);
		break;
	case 2:
		s->n_vlans = (int)pick(rnd, 4);
		for (int i = 0; i < 3; i++) {
			s->vlan_proto[i] = pick(rnd, 2) ? ETH_P_8021Q : ETH_P_8021AD;
			s->vlan_tci[i] = (uint16_t)frame_rand(rnd);
		}
		break;
	case 3:
		switch (pick(rnd, 3)) {
		case 0: s->flags = (uint8_t)frame_rand(rnd); break;
		case 1: s->flags ^= (uint8_t)(1u << pick(rnd, 8)); break;
		default: s->flags = pick(rnd, 2) ? F_SYN : F_ACK; break;
		}
		break;
	case 4:
		s->dport = ports[pick(rnd, sizeof(ports) / sizeof(*ports))];
		break;
	case 5:
		s->sport = pick(rnd, 2) ? (uint16_t)frame_rand(rnd) : ports[pick(rnd, 8)];
		break;
	case 6:
		set_addr(s, s->saddr, rnd);
		break;
	case 7:
		set_addr(s, s->daddr, rnd);
		break;
	case 8:
		s->frag_off = frag4_values[pick(rnd, sizeof(frag4_values) / sizeof(*frag4_values))];
		s->no_df = s->frag_off == 0;
		break;
	case 9:
	case 10:
		mutate_ext(s, rnd);
		break;
	case 11:
		s->ip_optlen = 4 * (int)pick(rnd, 11);
		s->ihl_words = pick(rnd, 3) ? 0 : (int)pick(rnd, 16);
		break;
	case 12:
		s->ip_len_delta = pick(rnd, 2) ? 0 : (int)pick(rnd, 41) - 20;
		break;
	case 13:
		s->doff_words = pick(rnd, 2) ? 0 : (int)pick(rnd, 16);
		break;
	case 14:
	case 15:
		mutate_options(s, rnd);
		break;
	case 16:
		s->payload_len = pick(rnd, 2) ? 0 : (int)pick(rnd, MAX_PAYLOAD + 1) / (1 + pick(rnd, 8));
		s->eth_pad = pick(rnd, 2) ? 0 : (int)pick(rnd, MAX_PAD + 1);
		break;
	case 17:
		s->bad_tcp_csum = pick(rnd, 4) == 0;
		s->bad_ip_csum = pick(rnd, 4) == 0;
		break;
	case 18:
		s->truncate_to = pick(rnd, 3) ? 0 : 14 + (int)pick(rnd, 120);
		s->l4proto = pick(rnd, 4) ? 0 : (uint8_t)ext_types[pick(rnd, sizeof(ext_types))];
		break;
	default:
		s->seq = (uint32_t)frame_rand(rnd);
		s->ack = pick(rnd, 2) ? 0 : (uint32_t)frame_rand(rnd);
		s->window = (uint16_t)frame_rand(rnd);
		break;
	}
}

void frame_mutate(struct pkt_spec *s, uint64_t *rnd)
{
	int n = 1 + (int)pick(rnd, 4);

	if (pick(rnd, 8) == 0) {	/* change family: a fresh SYN of the other one */
		struct pkt_spec keep = *s;

		pkt_spec_linux_syn(s, keep.family == 4 ? 6 : 4);
		s->dport = keep.dport;
		s->flags = keep.flags;
	}
	while (n--)
		mutate_one(s, rnd);
	if (s->optlen > MAX_OPTLEN)
		s->optlen = MAX_OPTLEN;
}
