// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness for the allow/deny list file parser (user/core/prefix.c). Whatever the
 * input, the parser refuses it whole or returns a set in which every prefix has its host
 * bits clear and formats to text that parses back to the same prefix, and no family holds
 * more than a list can.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "prefix.h"

/* A broken invariant: say which on stdout (libFuzzer runs with stderr closed), then crash
 * so libFuzzer keeps the input. */
#define check(cond, ...)                                  \
	do {                                              \
		if (!(cond)) {                            \
			printf("fuzz_prefixes: " __VA_ARGS__); \
			fflush(stdout);                   \
			abort();                          \
		}                                         \
	} while (0)

static void check_prefix(int family, const struct xsc_lpm6_key *k)
{
	unsigned int bits = family == 4 ? 32 : 128;
	char text[PREFIX_TEXT_MAX + 1], err[160];
	struct prefix_set *again = prefix_set_new();
	const struct xsc_lpm6_key *back;

	check(k->prefixlen <= bits, "IPv%d prefix of length %u\n", family, k->prefixlen);
	for (unsigned int bit = k->prefixlen; bit < bits; bit++)
		check(!(k->addr[bit / 8] & (0x80 >> (bit % 8))), "IPv%d /%u with host bit %u set\n",
		      family, k->prefixlen, bit);
	prefix_format(family, k, text, sizeof(text));
	check(again, "out of memory\n");
	check(!prefix_set_add(again, text, err, sizeof(err)), "'%s' does not parse back: %s\n",
	      text, err);
	check(prefix_set_count(again, family) == 1 && prefix_set_count(again, 10 - family) == 0,
	      "'%s' parses back as another family\n", text);
	back = prefix_set_key(again, family, 0);
	check(back->prefixlen == k->prefixlen && !memcmp(back->addr, k->addr, bits / 8),
	      "'%s' parses back as another prefix\n", text);
	prefix_set_free(again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct prefix_set *s = NULL;
	FILE *f;
	int err;

	if (!size)
		return 0;	/* fmemopen wants a buffer */
	f = fmemopen((void *)data, size, "r");
	if (!f)
		return 0;
	err = prefix_file_parse(f, "fuzz.list", &s, "fuzz");
	fclose(f);
	if (err) {
		check(!s, "refused (%d) but a set returned\n", err);
		check(err == -EINVAL || err == -E2BIG || err == -ENOMEM || err == -EIO,
		      "refused with %d\n", err);
		return 0;
	}
	check(s, "accepted but no set returned\n");
	for (int family = 4; family <= 6; family += 2) {
		size_t n = prefix_set_count(s, family);

		check(n <= XSC_LIST_MAX_ENTRIES, "%zu IPv%d prefixes\n", n, family);
		for (size_t i = 0; i < n; i++)
			check_prefix(family, prefix_set_key(s, family, i));
	}
	prefix_set_free(s);
	return 0;
}
