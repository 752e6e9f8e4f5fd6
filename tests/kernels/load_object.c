// SPDX-License-Identifier: GPL-2.0
/* Loads BPF objects with this machine's libbpf (the tool's own) and says, for each, whether
 * the kernel took it and, if not, libbpf's messages with the verifier log. The kernel
 * bench's objects suite (tests/kernels/objects.sh) runs it on each kernel it boots.
 * Usage: load_object OBJ...   Exit status: 0 when every object loaded. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <bpf/libbpf.h>

static int print(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (level == LIBBPF_DEBUG)
		return 0;
	return vfprintf(stdout, fmt, args);
}

int main(int argc, char **argv)
{
	int i, failed = 0;

	libbpf_set_print(print);
	for (i = 1; i < argc; i++) {
		struct bpf_object *obj = bpf_object__open_file(argv[i], NULL);
		int err = libbpf_get_error(obj);

		if (!err)
			err = bpf_object__load(obj);
		if (err) {
			printf("%s: not loaded: %s\n", argv[i], strerror(err < 0 ? -err : err));
			failed++;
		} else {
			printf("%s: loaded\n", argv[i]);
		}
		if (obj && !libbpf_get_error(obj))
			bpf_object__close(obj);
	}
	return failed ? 1 : 0;
}
