// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness for the service's config parser (user/service/config.c, through
 * libinih). Whatever the input, the parser refuses it or returns a configuration whose
 * interfaces are named, distinct and few enough, each with its policy, and whose paths are
 * absolute; the sanitizers watch the rest.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "config.h"

#define check(cond, ...)                                 \
	do {                                             \
		if (!(cond)) {                           \
			printf("fuzz_config: " __VA_ARGS__); \
			fflush(stdout);                  \
			abort();                         \
		}                                        \
	} while (0)

static void check_path(const char *path)
{
	check(!path[0] || (path[0] == '/' && strlen(path) < PATH_MAX), "path '%s'\n", path);
}

static void check_config(const struct svc_config *c)
{
	check(c->n >= 0 && c->n <= SVC_MAX_IFACES, "%d interfaces\n", c->n);
	check_path(c->key_file);
	check(!c->key_file[0] || c->key_file_line > 0, "key_file without its line\n");
	for (int i = 0; i < c->n; i++) {
		const struct svc_iface *f = &c->ifc[i];
		size_t len = strnlen(f->name, sizeof(f->name));

		check(len > 0 && len < sizeof(f->name) && !strpbrk(f->name, " /\t"),
		      "interface name '%.*s'\n", (int)sizeof(f->name), f->name);
		check(f->line > 0 && f->pol, "[interface %s] without its line or policy\n", f->name);
		check(config_iface(c, f->name) == f, "[interface %s] twice\n", f->name);
		check(!f->allow && !f->deny, "[interface %s]: list files read\n", f->name);
		check_path(f->allow_file);
		check_path(f->deny_file);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct svc_config *c = NULL;
	FILE *f;
	int err;

	if (!size)
		return 0;	/* fmemopen wants a buffer */
	f = fmemopen((void *)data, size, "r");
	if (!f)
		return 0;
	err = config_parse(f, "fuzz.conf", &c);
	fclose(f);
	if (err) {
		check(!c, "refused (%d) but a configuration returned\n", err);
		return 0;
	}
	check(c, "accepted but no configuration returned\n");
	check_config(c);
	/* What run does when an interface goes away. */
	if (c->n)
		config_drop(c, 0);
	config_free(c);
	return 0;
}
