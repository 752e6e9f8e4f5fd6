// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness for the key-file reader (user/core/keyfile.c). The input is written to
 * a private 0600 file; the reader must accept it exactly when it is 32 hex digits, not all
 * zero, followed by at most XSC_KEY_TRAILING_SPACE bytes of white space, and then return
 * the master they spell.
 */
#include <ctype.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "keys.h"

#define check(cond, ...)                                  \
	do {                                              \
		if (!(cond)) {                            \
			printf("fuzz_keyfile: " __VA_ARGS__); \
			fflush(stdout);                   \
			abort();                          \
		}                                         \
	} while (0)

static char dir[] = "/tmp/fuzz_keyfile.XXXXXX";
static char path[sizeof(dir) + 8];

static void cleanup(void)
{
	unlink(path);
	rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (!mkdtemp(dir))
		abort();
	snprintf(path, sizeof(path), "%s/key", dir);
	atexit(cleanup);
	return 0;
}

/* The master the input spells, or false if it spells none: the file format, stated apart
 * from the reader it checks. */
static bool expected(const uint8_t *data, size_t size, __u8 bytes[16])
{
	bool nonzero = false;

	if (size > XSC_KEY_HEX_DIGITS + XSC_KEY_TRAILING_SPACE)
		return false;
	while (size && isspace(data[size - 1]))
		size--;
	if (size != XSC_KEY_HEX_DIGITS)
		return false;
	memset(bytes, 0, 16);
	for (size_t i = 0; i < size; i++) {
		char digit[2] = { (char)data[i], 0 };

		if (!isxdigit(data[i]))
			return false;
		bytes[i / 2] |= strtoul(digit, NULL, 16) << (i % 2 ? 0 : 4);
	}
	for (int i = 0; i < 16; i++)
		nonzero |= bytes[i] != 0;
	return nonzero;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xsc_master m;
	__u8 want[16], got[16];
	bool valid = expected(data, size, want);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600), err;

	check(fd >= 0 && write(fd, data, size) == (ssize_t)size && !close(fd), "writing %s\n", path);
	memset(&m, 0xa5, sizeof(m));
	err = key_file_read(path, &m, "fuzz");
	check(!err == valid, "%s a file of %zu bytes that %s a key\n", err ? "refused" : "accepted",
	      size, valid ? "is" : "is not");
	if (valid) {
		memcpy(got, &m.key.k0, 8);
		memcpy(got + 8, &m.key.k1, 8);
		check(!memcmp(got, want, 16), "read another master than the file spells\n");
	}
	return 0;
}
