// SPDX-License-Identifier: GPL-2.0
/* SYN-ACK settings: defaults that make cookie connections look like the kernel's own. */
#include <stdio.h>
#include "settings.h"

/*
 * The window scale Linux offers (tcp_select_initial_window()): just enough to cover the
 * largest receive buffer it allows, so connections made by cookie scale their window
 * exactly like the kernel's own.
 */
unsigned long kernel_wscale(void)
{
	unsigned long rmem[3] = { 0 }, rmem_max = 0, space;
	unsigned int ws = 0;
	FILE *f = fopen("/proc/sys/net/ipv4/tcp_rmem", "r");

	if (f) {
		if (fscanf(f, "%lu %lu %lu", &rmem[0], &rmem[1], &rmem[2]) != 3)
			rmem[2] = 0;
		fclose(f);
	}
	f = fopen("/proc/sys/net/core/rmem_max", "r");
	if (f) {
		if (fscanf(f, "%lu", &rmem_max) != 1)
			rmem_max = 0;
		fclose(f);
	}
	space = rmem[2] > rmem_max ? rmem[2] : rmem_max;
	if (!space)
		return XSC_DEFAULT_WSCALE;
	while (ws < XSC_MAX_WSCALE && (space >> (ws + 16)))	/* ilog2(space) - 15 */
		ws++;
	return ws;
}

int sysctl_read(const char *name)
{
	char path[160];
	FILE *f;
	int v;

	snprintf(path, sizeof(path), "/proc/sys/%s", name);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%d", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

int sysctl_ipv4(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "net/ipv4/%s", name);
	return sysctl_read(path);
}

void settings_defaults(struct xsc_settings *s)
{
	*s = (struct xsc_settings){
		.mss4 = XSC_DEFAULT_MSS4,
		.mss6 = XSC_DEFAULT_MSS6,
		.window = XSC_DEFAULT_WINDOW,
		.wscale = kernel_wscale(),
		.ttl = XSC_DEFAULT_TTL,
		.flags = XSC_DEFAULT_FLAGS,
	};
}
