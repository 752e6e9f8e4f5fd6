// SPDX-License-Identifier: GPL-2.0
/* Test packet builder, independent parser/checksum and reference cookie (see pkt.h). */
#include <arpa/inet.h>
#include <string.h>
#include <time.h>
#include "pkt.h"

static const uint8_t client_mac[6] = { 0x02, 0, 0, 0, 0, 0x01 };
static const uint8_t server_mac[6] = { 0x02, 0, 0, 0, 0, 0x02 };

void pkt_spec_syn(struct pkt_spec *s, int family)
{
	memset(s, 0, sizeof(*s));
	s->family = family;
	if (family == 4) {
		inet_pton(AF_INET, "198.18.0.1", s->saddr);
		inet_pton(AF_INET, "198.18.0.2", s->daddr);
	} else {
		inet_pton(AF_INET6, "2001:2::1", s->saddr);
		inet_pton(AF_INET6, "2001:2::2", s->daddr);
	}
	s->sport = 40000;
	s->dport = 80;
	s->seq = 0x12345678;
	s->flags = F_SYN;
	s->window = 64240;
}

void opt_raw(struct pkt_spec *s, const uint8_t *bytes, int len)
{
	memcpy(s->opts + s->optlen, bytes, len);
	s->optlen += len;
}

void opt_nop(struct pkt_spec *s)
{
	s->opts[s->optlen++] = 1;
}

void opt_mss(struct pkt_spec *s, uint16_t mss)
{
	uint8_t o[4] = { 2, 4, mss >> 8, mss & 0xff };
	opt_raw(s, o, 4);
}

void opt_ws(struct pkt_spec *s, uint8_t shift)
{
	uint8_t o[3] = { 3, 3, shift };
	opt_raw(s, o, 3);
}

void opt_sack_perm(struct pkt_spec *s)
{
	uint8_t o[2] = { 4, 2 };
	opt_raw(s, o, 2);
}

void opt_ts(struct pkt_spec *s, uint32_t tsval, uint32_t tsecr)
{
	uint8_t o[10] = { 8, 10 };
	uint32_t v = htonl(tsval), e = htonl(tsecr);

	memcpy(o + 2, &v, 4);
	memcpy(o + 6, &e, 4);
	opt_raw(s, o, 10);
}

void opts_linux_syn(struct pkt_spec *s, uint16_t mss, uint32_t tsval, uint8_t ws)
{
	opt_mss(s, mss);
	opt_sack_perm(s);
	opt_ts(s, tsval, 0);
	opt_nop(s);
	opt_ws(s, ws);
}

void pkt_spec_linux_syn(struct pkt_spec *s, int family)
{
	pkt_spec_syn(s, family);
	opts_linux_syn(s, family == 4 ? 1460 : 1440, 123456, 7);
}

/* RFC 1071 sum over bytes, big-endian 16-bit words, written without the BPF side's
 * 32-bit word trick so the two implementations share nothing. */
static uint32_t sum16(const uint8_t *p, size_t len, uint32_t sum)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

static uint16_t fold16(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

static uint32_t pseudo_sum(int family, const uint8_t *src, const uint8_t *dst, uint32_t tcp_len)
{
	int alen = family == 4 ? 4 : 16;
	uint32_t sum = sum16(src, alen, 0);

	sum = sum16(dst, alen, sum);
	sum += 6;
	sum += tcp_len & 0xffff;
	sum += tcp_len >> 16;
	return sum;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v & 0xffff);
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)get16(p) << 16 | get16(p + 2);
}

uint16_t pkt_tcp_csum(int family, const uint8_t *saddr, const uint8_t *daddr, const uint8_t *seg,
		      size_t len)
{
	uint32_t sum = pseudo_sum(family, saddr, daddr, len);

	sum = sum16(seg, len < 16 ? len : 16, sum);
	if (len > 18)
		sum = sum16(seg + 18, len - 18, sum);
	return (uint16_t)~fold16(sum);
}

size_t pkt_build(const struct pkt_spec *s, uint8_t *buf)
{
	uint8_t opts[64];
	int optlen = (s->optlen + 3) & ~3;
	int doff = s->doff_words ? s->doff_words : 5 + optlen / 4;
	int tcp_len = 20 + optlen + s->payload_len;
	size_t off = 0, l3, l4;
	uint16_t ethertype = s->ethertype ? s->ethertype : (s->family == 4 ? 0x0800 : 0x86dd);
	uint8_t proto = s->l4proto ? s->l4proto : 6;

	memset(buf, 0, PKT_MAX);
	memset(opts, 0, sizeof(opts));
	memcpy(opts, s->opts, s->optlen);
	memcpy(buf, server_mac, 6);
	memcpy(buf + 6, client_mac, 6);
	off = 12;
	for (int i = 0; i < s->n_vlans; i++) {
		put16(buf + off, s->vlan_proto[i]);
		put16(buf + off + 2, s->vlan_tci[i]);
		off += 4;
	}
	put16(buf + off, ethertype);
	off += 2;
	l3 = off;

	if (s->family == 4) {
		int ihl = s->ihl_words ? s->ihl_words : 5 + s->ip_optlen / 4;
		int hlen = 20 + s->ip_optlen;

		buf[l3] = (s->ip_version ? s->ip_version & 0xf : 4) << 4 | (ihl & 0xf);
		put16(buf + l3 + 2, hlen + tcp_len + s->ip_len_delta);
		put16(buf + l3 + 4, 0x1234);
		put16(buf + l3 + 6, s->frag_off ? s->frag_off : (s->no_df ? 0 : 0x4000));
		buf[l3 + 8] = 64;
		buf[l3 + 9] = proto;
		memcpy(buf + l3 + 12, s->saddr, 4);
		memcpy(buf + l3 + 16, s->daddr, 4);
		memset(buf + l3 + 20, 1, s->ip_optlen);	/* IP NOP options */
		put16(buf + l3 + 10, (uint16_t)~fold16(sum16(buf + l3, hlen, 0)) ^ (s->bad_ip_csum ? 1 : 0));
		l4 = l3 + hlen;
	} else {
		size_t ext_off = l3 + 40, ext_total = 0;
		uint8_t next = s->n_ext ? s->ext[0].type : proto;

		for (int i = 0; i < s->n_ext; i++)
			ext_total += s->ext[i].len;
		put32(buf + l3, (uint32_t)(s->ip_version ? s->ip_version & 0xf : 6) << 28);
		put16(buf + l3 + 4, ext_total + tcp_len + s->ip_len_delta);
		buf[l3 + 6] = next;
		buf[l3 + 7] = 64;
		memcpy(buf + l3 + 8, s->saddr, 16);
		memcpy(buf + l3 + 24, s->daddr, 16);
		for (int i = 0; i < s->n_ext; i++) {
			const struct ext6 *e = &s->ext[i];

			buf[ext_off] = i + 1 < s->n_ext ? s->ext[i + 1].type : proto;
			if (e->type == 44)
				put16(buf + ext_off + 2, e->frag);
			else if (e->type == 51)
				buf[ext_off + 1] = e->len / 4 - 2;
			else
				buf[ext_off + 1] = e->len / 8 - 1;
			ext_off += e->len;
		}
		l4 = ext_off;
	}

	put16(buf + l4, s->sport);
	put16(buf + l4 + 2, s->dport);
	put32(buf + l4 + 4, s->seq);
	put32(buf + l4 + 8, s->ack);
	buf[l4 + 12] = doff << 4;
	buf[l4 + 13] = s->flags;
	put16(buf + l4 + 14, s->window);
	memcpy(buf + l4 + 20, opts, optlen);
	for (int i = 0; i < s->payload_len; i++)
		buf[l4 + 20 + optlen + i] = 0xa5 + i;
	if (proto == 6) {
		uint32_t sum = pseudo_sum(s->family, s->saddr, s->daddr, tcp_len);

		put16(buf + l4 + 16, (uint16_t)~fold16(sum16(buf + l4, tcp_len, sum)) ^
					     (s->bad_tcp_csum ? 0x100 : 0));
		if (s->partial_tcp_csum)	/* what a sender with checksum offload leaves */
			put16(buf + l4 + 16, fold16(sum));
	}
	off = l4 + tcp_len + s->eth_pad;
	if (s->truncate_to)
		off = s->truncate_to;
	return off;
}

void pkt_parse_options(const uint8_t *o, int len, struct pkt_view *v)
{
	memset(v, 0, sizeof(*v));
	v->mss = -1;
	v->ws = -1;
	for (int i = 0; i < len;) {
		uint8_t kind = o[i], olen;

		if (kind == 0)
			break;
		if (kind == 1) {
			i++;
			continue;
		}
		if (i + 1 >= len || (olen = o[i + 1]) < 2 || i + olen > len) {
			v->opts_malformed = true;
			return;
		}
		if (kind == 2 && olen == 4)
			v->mss = get16(o + i + 2);
		else if (kind == 3 && olen == 3)
			v->ws = o[i + 2];
		else if (kind == 4 && olen == 2)
			v->sack_perm = true;
		else if (kind == 8 && olen == 10) {
			v->ts = true;
			v->tsval = get32(o + i + 2);
			v->tsecr = get32(o + i + 6);
		} else
			v->other_opts++;
		i += olen;
	}
}

int pkt_parse(const uint8_t *buf, size_t len, struct pkt_view *v)
{
	size_t off = 12, l4;
	uint16_t type;
	int ip_total, tcp_len;

	memset(v, 0, sizeof(*v));
	if (len < 14)
		return -1;
	memcpy(v->dmac, buf, 6);
	memcpy(v->smac, buf + 6, 6);
	type = get16(buf + off);
	while ((type == 0x8100 || type == 0x88a8) && v->n_vlans < 3 && off + 6 <= len) {
		v->vlan_proto[v->n_vlans] = type;
		v->vlan_tci[v->n_vlans++] = get16(buf + off + 2);
		off += 4;
		type = get16(buf + off);
	}
	off += 2;
	if (type == 0x0800) {
		if (off + 20 > len)
			return -1;
		v->family = 4;
		v->ihl_words = buf[off] & 0xf;
		v->ip_hdr_len = v->ihl_words * 4;
		ip_total = get16(buf + off + 2);
		v->frag_off = get16(buf + off + 6);
		v->ttl = buf[off + 8];
		memcpy(v->saddr, buf + off + 12, 4);
		memcpy(v->daddr, buf + off + 16, 4);
		if (buf[off + 9] != 6 || off + ip_total > len || v->ip_hdr_len < 20 ||
		    v->ip_hdr_len > ip_total)
			return -1;
		v->ip_csum_ok = fold16(sum16(buf + off, v->ip_hdr_len, 0)) == 0xffff;
		v->lengths_ok = off + ip_total == len;
		tcp_len = ip_total - v->ip_hdr_len;
	} else if (type == 0x86dd) {
		if (off + 40 > len)
			return -1;
		v->family = 6;
		v->ip_hdr_len = 40;
		v->ttl = buf[off + 7];
		memcpy(v->saddr, buf + off + 8, 16);
		memcpy(v->daddr, buf + off + 24, 16);
		if (buf[off + 6] != 6)
			return -1;	/* our replies never carry extension headers */
		ip_total = 40 + get16(buf + off + 4);
		if (off + ip_total > len)
			return -1;
		v->ip_csum_ok = true;	/* IPv6 has no header checksum */
		v->lengths_ok = off + ip_total == len;
		tcp_len = ip_total - 40;
	} else {
		return -1;
	}
	l4 = off + v->ip_hdr_len;
	if (tcp_len < 20)
		return -1;
	v->sport = get16(buf + l4);
	v->dport = get16(buf + l4 + 2);
	v->seq = get32(buf + l4 + 4);
	v->ack = get32(buf + l4 + 8);
	v->doff_words = buf[l4 + 12] >> 4;
	v->flags = buf[l4 + 13];
	v->window = get16(buf + l4 + 14);
	if (v->doff_words * 4 > tcp_len || v->doff_words < 5)
		return -1;
	v->payload_len = tcp_len - v->doff_words * 4;
	v->tcp_csum_ok = fold16(sum16(buf + l4, tcp_len,
				      pseudo_sum(v->family, v->saddr, v->daddr, tcp_len))) == 0xffff;
	{
		struct pkt_view o;

		pkt_parse_options(buf + l4 + 20, v->doff_words * 4 - 20, &o);
		v->mss = o.mss;
		v->ws = o.ws;
		v->sack_perm = o.sack_perm;
		v->ts = o.ts;
		v->tsval = o.tsval;
		v->tsecr = o.tsecr;
		v->other_opts = o.other_opts;
		v->opts_malformed = o.opts_malformed;
	}
	return 0;
}

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND                                                                               \
	do {                                                                                   \
		v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32);                     \
		v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2;                                         \
		v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0;                                         \
		v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32);                     \
	} while (0)

static uint64_t le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* SipHash-c-d as published by Aumasson and Bernstein, byte string input. */
uint64_t ref_siphash(int c_rounds, int d_rounds, const uint8_t key[16], const uint8_t *msg, size_t len)
{
	uint64_t k0 = le64(key), k1 = le64(key + 8);
	uint64_t v0 = 0x736f6d6570736575ULL ^ k0, v1 = 0x646f72616e646f6dULL ^ k1;
	uint64_t v2 = 0x6c7967656e657261ULL ^ k0, v3 = 0x7465646279746573ULL ^ k1;
	uint64_t b = (uint64_t)len << 56, m;
	size_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		m = le64(msg + i);
		v3 ^= m;
		for (int r = 0; r < c_rounds; r++)
			SIPROUND;
		v0 ^= m;
	}
	for (size_t j = 0; i + j < len; j++)
		b |= (uint64_t)msg[i + j] << (8 * j);
	v3 ^= b;
	for (int r = 0; r < c_rounds; r++)
		SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
	for (int r = 0; r < d_rounds; r++)
		SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

static void put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = v >> (8 * i);
}

static void key_bytes(const struct xsc_key *key, uint8_t k[16])
{
	for (int i = 0; i < 8; i++) {
		k[i] = key->k0 >> (8 * i);
		k[8 + i] = key->k1 >> (8 * i);
	}
}

/* The key schedule (docs/design.md, "Key schedule"): each half of a slot's key is
 * SipHash-1-3 under the master of 6 bytes, the slot (little-endian 32-bit) and a domain
 * constant (little-endian 16-bit). */
struct xsc_key ref_slot_key(const struct xsc_key *master, uint32_t slot)
{
	uint8_t k[16], msg[6];
	struct xsc_key out;

	key_bytes(master, k);
	put_le32(msg, slot);
	msg[4] = XSC_KDF_DOMAIN_K0 & 0xff;
	msg[5] = XSC_KDF_DOMAIN_K0 >> 8;
	out.k0 = ref_siphash(1, 3, k, msg, sizeof(msg));
	msg[4] = XSC_KDF_DOMAIN_K1 & 0xff;
	msg[5] = XSC_KDF_DOMAIN_K1 >> 8;
	out.k1 = ref_siphash(1, 3, k, msg, sizeof(msg));
	return out;
}

/* The cookie's tables as docs/design.md specifies them: the reference's own copy. */
static const uint16_t ref_mss_ts4[8] = { 536, 1220, 1300, 1380, 1440, 1452, 1460, 8960 };
static const uint16_t ref_mss_ts6[8] = { 1220, 1280, 1340, 1380, 1420, 1432, 1440, 8940 };
static const uint16_t ref_mss_plain4[4] = { 536, 1300, 1440, 1460 };
static const uint16_t ref_mss_plain6[4] = { 1220, 1280, 1420, 1440 };
static const int ref_ws_plain[8] = { -1, 2, 4, 6, 7, 8, 9, 10 };

static int index_of(const uint16_t *t, int n, int v)
{
	for (int i = 0; i < n; i++)
		if (t[i] == v)
			return i;
	return -1;
}

/*
 * The hashed message, byte by byte (docs/design.md, "The cookie"): source address,
 * destination address, source port, destination port (network order), client ISN
 * (little-endian 32-bit), slot (little-endian 32-bit), then 16 bits (little-endian) of
 * meta | family << 12, where meta is, with timestamps, 1 | MSS index << 1 | wscale << 4 |
 * SACK << 8 | ECN << 9, and without, MSS index << 1 | wscale code << 3 | SACK << 6;
 * SipHash-1-3 under the slot's key. The ISN takes the top 27 (24) bits of the hash, the
 * TSval bits 29-36.
 */
uint32_t ref_cookie(const struct xsc_key *master, int family, const uint8_t *saddr,
		    const uint8_t *daddr, uint16_t sport, uint16_t dport, uint32_t isn,
		    uint32_t slot, const struct ref_cookie_opts *o, uint32_t *ts_bits)
{
	struct xsc_key key = ref_slot_key(master, slot);
	int alen = family == 4 ? 4 : 16, off, mss_idx, ws_code = 0, ws = o->ws < 0 ? 15 : o->ws;
	uint8_t k[16], msg[48];
	uint32_t meta;
	uint64_t hash;

	if (o->ts) {
		mss_idx = index_of(family == 4 ? ref_mss_ts4 : ref_mss_ts6, 8, o->mss);
		meta = 1 | mss_idx << 1 | ws << 4 | o->sack << 8 | o->ecn << 9;
	} else {
		mss_idx = index_of(family == 4 ? ref_mss_plain4 : ref_mss_plain6, 4, o->mss);
		for (int i = 0; i < 8; i++)
			if (ref_ws_plain[i] == o->ws)
				ws_code = i;
		meta = mss_idx << 1 | ws_code << 3 | o->sack << 6;
	}
	key_bytes(&key, k);
	memcpy(msg, saddr, alen);
	memcpy(msg + alen, daddr, alen);
	off = 2 * alen;
	put16(msg + off, sport);
	put16(msg + off + 2, dport);
	put_le32(msg + off + 4, isn);
	put_le32(msg + off + 8, slot);
	msg[off + 12] = (meta | (uint32_t)family << 12) & 0xff;
	msg[off + 13] = (meta | (uint32_t)family << 12) >> 8;
	off += 14;
	hash = ref_siphash(1, 3, k, msg, off);
	if (o->ts) {
		*ts_bits = ws | o->sack << 4 | o->ecn << 5 | (uint32_t)((hash >> 29) & 0xff) << 6;
		return (uint32_t)(hash >> 37) << 5 | mss_idx << 2 | (slot & 3);
	}
	*ts_bits = 0;
	return (uint32_t)(hash >> 40) << 8 | o->sack << 7 | ws_code << 4 | mss_idx << 2 | (slot & 3);
}

void ref_cookie_agree(int family, bool ts, int mss, int ws, bool sack, bool ecn,
		      struct ref_cookie_opts *o)
{
	const uint16_t *t = ts ? (family == 4 ? ref_mss_ts4 : ref_mss_ts6) :
				 (family == 4 ? ref_mss_plain4 : ref_mss_plain6);
	int n = ts ? 8 : 4;

	if (mss <= 0)
		mss = family == 4 ? 536 : 1220;
	o->ts = ts;
	o->mss = t[0];
	for (int i = 0; i < n; i++)
		if (mss >= t[i])
			o->mss = t[i];
	o->ws = ws < 0 ? -1 : ws > 14 ? 14 : ws;
	if (!ts && o->ws >= 0) {
		int w = -1;

		for (int i = 1; i < 8; i++)
			if (o->ws >= ref_ws_plain[i])
				w = ref_ws_plain[i];
		o->ws = w;
	}
	o->sack = sack;
	o->ecn = ts && ecn;
}

uint64_t ref_clock_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_TAI, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

uint32_t ref_slot_now(void)
{
	return ref_clock_ns() >> XSC_COOKIE_SLOT_NS_SHIFT;
}
