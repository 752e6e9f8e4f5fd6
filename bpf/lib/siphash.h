/* SPDX-License-Identifier: GPL-2.0 */
/* SipHash-1-3, the keyed PRF behind the cookie, over 64-bit words plus a short tail. */
#ifndef XSC_SIPHASH_H
#define XSC_SIPHASH_H

#include "proto.h"

/*
 * SipHash-1-3: one compression round per word, three finalization rounds. It is the
 * variant Linux uses for hsiphash on 64-bit and Rust for its default hasher. Only 21
 * bits of its output leave the host, behind a key that changes every slot; SipHash-2-4
 * would cost about twice as much on the per-SYN path (docs/design.md, "Cookie").
 */
#define SIP_C_ROUNDS 1
#define SIP_D_ROUNDS 3

#define SIP_ROTL(x, b) (((x) << (b)) | ((x) >> (64 - (b))))
#define SIP_ROUND(v0, v1, v2, v3)                                                              \
	do {                                                                                   \
		v0 += v1; v1 = SIP_ROTL(v1, 13); v1 ^= v0; v0 = SIP_ROTL(v0, 32);            \
		v2 += v3; v3 = SIP_ROTL(v3, 16); v3 ^= v2;                                    \
		v0 += v3; v3 = SIP_ROTL(v3, 21); v3 ^= v0;                                    \
		v2 += v1; v1 = SIP_ROTL(v1, 17); v1 ^= v2; v2 = SIP_ROTL(v2, 32);            \
	} while (0)

/* The largest message: IPv6 addresses (4 words) and ports+ISN. */
#define SIP_MAX_WORDS 5
/* Bytes in the tail word (at most 7: the top byte holds the length). */
#define SIP_TAIL_BYTES 6

static __always_inline void sip_compress(__u64 *v0, __u64 *v1, __u64 *v2, __u64 *v3, __u64 m)
{
	*v3 ^= m;
#pragma unroll
	for (int r = 0; r < SIP_C_ROUNDS; r++)
		SIP_ROUND(*v0, *v1, *v2, *v3);
	*v0 ^= m;
}

/*
 * SipHash-1-3 of the byte string m[0..n) (little-endian words) followed by the
 * SIP_TAIL_BYTES low bytes of tail. Equal to the reference SipHash-1-3 on those
 * 8 * n + SIP_TAIL_BYTES bytes, which is how the unit tests check it.
 */
static __always_inline __u64 siphash13(const struct xsc_key *key, const __u64 *m, int n, __u64 tail)
{
	__u64 v0 = 0x736f6d6570736575ULL ^ key->k0;
	__u64 v1 = 0x646f72616e646f6dULL ^ key->k1;
	__u64 v2 = 0x6c7967656e657261ULL ^ key->k0;
	__u64 v3 = 0x7465646279746573ULL ^ key->k1;
	__u64 last = (__u64)(n * 8 + SIP_TAIL_BYTES) << 56 | tail;

#pragma unroll
	for (int i = 0; i < SIP_MAX_WORDS; i++) {
		if (i >= n)
			break;
		sip_compress(&v0, &v1, &v2, &v3, m[i]);
	}
	sip_compress(&v0, &v1, &v2, &v3, last);
	v2 ^= 0xff;
#pragma unroll
	for (int r = 0; r < SIP_D_ROUNDS; r++)
		SIP_ROUND(v0, v1, v2, v3);
	return v0 ^ v1 ^ v2 ^ v3;
}

#endif /* XSC_SIPHASH_H */
