// SPDX-License-Identifier: GPL-2.0
/* Strict parsing of command-line values. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "log.h"
#include "options.h"

int parse_uint(const char *option, const char *text, unsigned long min, unsigned long max,
	       unsigned long *out)
{
	unsigned long v;
	char *end;

	if (!text || !*text || !isdigit((unsigned char)text[0])) {
		pr_err("%s: '%s' is not a number\n", option, text ? text : "");
		return -EINVAL;
	}
	errno = 0;
	v = strtoul(text, &end, 10);
	if (*end) {
		pr_err("%s: '%s' is not a number\n", option, text);
		return -EINVAL;
	}
	if (errno || v < min || v > max) {
		pr_err("%s: %s is out of range (%lu-%lu)\n", option, text, min, max);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

static int parse_port(const char *text, size_t len, unsigned long *port)
{
	char buf[16];

	if (len == 0 || len >= sizeof(buf)) {
		pr_err("--ports: '%.*s' is not a port\n", (int)len, text);
		return -EINVAL;
	}
	memcpy(buf, text, len);
	buf[len] = '\0';
	return parse_uint("--ports", buf, 1, 65535, port);
}

int parse_ports(const char *text, uint16_t *ports, int *n_ports)
{
	static unsigned char seen[65536];
	const char *item = text;
	int n = 0;

	memset(seen, 0, sizeof(seen));
	if (!*text) {
		pr_err("--ports: empty list\n");
		return -EINVAL;
	}
	for (;;) {
		size_t len = strcspn(item, ",");
		const char *dash = memchr(item, '-', len);
		unsigned long lo, hi;

		if (dash) {
			if (parse_port(item, dash - item, &lo) ||
			    parse_port(dash + 1, len - (dash - item) - 1, &hi))
				return -EINVAL;
			if (hi < lo) {
				pr_err("--ports: range '%.*s' runs backwards\n", (int)len, item);
				return -EINVAL;
			}
		} else {
			if (parse_port(item, len, &lo))
				return -EINVAL;
			hi = lo;
		}
		for (unsigned long p = lo; p <= hi; p++) {
			if (seen[p]) {
				pr_err("--ports: port %lu is listed twice\n", p);
				return -EINVAL;
			}
			if (n == XSC_MAX_LISTED_PORTS) {
				pr_err("--ports: more than %d ports\n", XSC_MAX_LISTED_PORTS);
				return -EINVAL;
			}
			seen[p] = 1;
			ports[n++] = p;
		}
		if (!item[len])
			break;
		item += len + 1;
	}
	*n_ports = n;
	return 0;
}
