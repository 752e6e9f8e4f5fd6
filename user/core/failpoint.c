// SPDX-License-Identifier: GPL-2.0
/* Named fault injection for the fault tests, off (one getenv per process) unless asked for. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "failpoint.h"
#include "log.h"

#define HANG_SUFFIX ":hang"

int failpoint(const char *name)
{
	static const char *list;
	static bool read;
	size_t len = strlen(name);
	const char *p;

	if (!read) {
		list = getenv("XSC_FAILPOINT");
		read = true;
	}
	for (p = list; p && *p; p += strcspn(p, ","), p += *p == ',') {
		if (strncmp(p, name, len))
			continue;
		if (p[len] == ',' || !p[len]) {
			pr_err("failpoint %s\n", name);
			return -EIO;
		}
		if (!strncmp(p + len, HANG_SUFFIX, strlen(HANG_SUFFIX)) &&
		    (p[len + strlen(HANG_SUFFIX)] == ',' || !p[len + strlen(HANG_SUFFIX)])) {
			pr_err("failpoint %s: hanging\n", name);
			for (;;)
				pause();
		}
	}
	return 0;
}
