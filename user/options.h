/* SPDX-License-Identifier: GPL-2.0 */
/* Strict parsing of command-line values: every error names the value and the limit. */
#ifndef XSC_OPTIONS_H
#define XSC_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>

/* Most ports one --ports list may name; the map holds every port, the limit keeps a
 * typo such as 1-65535 from protecting (and answering for) the whole host by accident. */
#define XSC_MAX_LISTED_PORTS 1024

/* Parses a decimal integer in [min, max]; on error prints "OPTION: ..." and returns -EINVAL. */
int parse_uint(const char *option, const char *text, unsigned long min, unsigned long max,
	       unsigned long *out);
/* Parses "80,443,8000-8010": ports 1-65535, no duplicates, at most XSC_MAX_LISTED_PORTS. */
int parse_ports(const char *text, uint16_t *ports, int *n_ports);

#endif /* XSC_OPTIONS_H */
