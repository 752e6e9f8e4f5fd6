// SPDX-License-Identifier: GPL-2.0
/* Logging: our messages and the libraries' at one verbosity switch. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>
#include "log.h"

static int max_level = LOG_INFO;
static const char *context;
static bool all_to_stderr, journal_levels;

/* sd-daemon(3)'s SD_ERR, SD_NOTICE, SD_INFO and SD_DEBUG. */
static const char *const journal_prefix[] = {
	[LOG_ERROR] = "<3>", [LOG_NOTICE] = "<5>", [LOG_INFO] = "<6>", [LOG_DEBUG] = "<7>",
};

void log_to_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	all_to_stderr = true;
	journal_levels = js && sscanf(js, "%llu:%llu", &dev, &ino) == 2 && !fstat(2, &st) &&
			 st.st_dev == dev && st.st_ino == ino;
}

void log_set_context(const char *c)
{
	context = c;
}

/* -v: our debug messages and library warnings; -vv: everything the libraries say. */
void log_set_verbose(int verbose)
{
	max_level = LOG_INFO + verbose;
}

static void log_vmsg(enum log_level level, const char *fmt, va_list ap)
{
	FILE *f = level <= LOG_NOTICE || all_to_stderr ? stderr : stdout;

	if ((int)level > max_level)
		return;
	if (journal_levels)
		fputs(journal_prefix[level < LOG_DEBUG ? level : LOG_DEBUG], f);
	if (context && level == LOG_ERROR)
		fprintf(f, "%s: ", context);
	vfprintf(f, fmt, ap);
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
