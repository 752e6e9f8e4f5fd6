// SPDX-License-Identifier: GPL-2.0
/* Logging: our messages and the libraries' at one verbosity switch. */
#include <stdarg.h>
#include <stdio.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>
#include "log.h"

static int max_level = LOG_INFO;

/* -v: our debug messages and library warnings; -vv: everything the libraries say. */
void log_set_verbose(int verbose)
{
	max_level = LOG_INFO + verbose;
}

static void log_vmsg(enum log_level level, const char *fmt, va_list ap)
{
	if ((int)level > max_level)
		return;
	vfprintf(level == LOG_ERROR ? stderr : stdout, fmt, ap);
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}

/* Library messages are demoted one level: their warnings are details for -v, since
 * every failure that matters reaches the operator as our own error message; their
 * info and debug output is for -vv. */
static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_WARN ? max_level >= LOG_DEBUG : max_level >= LOG_DEBUG + 1)
		vfprintf(stderr, fmt, ap);
	return 0;
}

static int libxdp_print(enum libxdp_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBXDP_WARN ? max_level >= LOG_DEBUG : max_level >= LOG_DEBUG + 1)
		vfprintf(stderr, fmt, ap);
	return 0;
}

void log_setup_libs(void)
{
	libbpf_set_print(libbpf_print);
	libxdp_set_print(libxdp_print);
}
