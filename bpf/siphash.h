/* SPDX-License-Identifier: GPL-2.0 */
/* SipHash-2-4 over whole 64-bit words, the keyed PRF behind the cookie. */
#ifndef XSC_SIPHASH_H
#define XSC_SIPHASH_H

#include "proto.h"

#define SIP_ROTL(x, b) (((x) << (b)) | ((x) >> (64 - (b))))
#define SIP_ROUND(v0, v1, v2, v3)                                                              \
	do {                                                                                   \
		v0 += v1; v1 = SIP_ROTL(v1, 13); v1 ^= v0; v0 = SIP_ROTL(v0, 32);            \
		v2 += v3; v3 = SIP_ROTL(v3, 16); v3 ^= v2;                                    \
		v0 += v3; v3 = SIP_ROTL(v3, 21); v3 ^= v0;                                    \
		v2 += v1; v1 = SIP_ROTL(v1, 17); v1 ^= v2; v2 = SIP_ROTL(v2, 32);            \
	} while (0)

/* The largest message: IPv6 addresses (4 words), ports+ISN, slot+data. */
#define SIP_MAX_WORDS 6

/*
 * SipHash-2-4 of the byte string that is m[0..n) stored little-endian; n is at most
 * SIP_MAX_WORDS. Equal to the reference SipHash on those 8*n bytes, which is how the
 * unit tests check it.
 */
static __always_inline __u64 siphash24_words(const struct xsc_key *key, const __u64 *m, int n)
{
	__u64 v0 = 0x736f6d6570736575ULL ^ key->k0;
	__u64 v1 = 0x646f72616e646f6dULL ^ key->k1;
	__u64 v2 = 0x6c7967656e657261ULL ^ key->k0;
	__u64 v3 = 0x7465646279746573ULL ^ key->k1;
	__u64 last = (__u64)(n * 8) << 56;

#pragma unroll
	for (int i = 0; i < SIP_MAX_WORDS; i++) {
		if (i >= n)
			break;
		v3 ^= m[i];
		SIP_ROUND(v0, v1, v2, v3);
		SIP_ROUND(v0, v1, v2, v3);
		v0 ^= m[i];
	}
	v3 ^= last;
	SIP_ROUND(v0, v1, v2, v3);
	SIP_ROUND(v0, v1, v2, v3);
	v0 ^= last;
	v2 ^= 0xff;
	SIP_ROUND(v0, v1, v2, v3);
	SIP_ROUND(v0, v1, v2, v3);
	SIP_ROUND(v0, v1, v2, v3);
	SIP_ROUND(v0, v1, v2, v3);
	return v0 ^ v1 ^ v2 ^ v3;
}

#endif /* XSC_SIPHASH_H */
