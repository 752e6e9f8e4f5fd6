/* SPDX-License-Identifier: GPL-2.0 */
/* Messages to the operator; libbpf and libxdp chatter routed through the same levels. */
#ifndef XSC_LOG_H
#define XSC_LOG_H

enum log_level {
	LOG_ERROR,	/* always shown, on stderr */
	LOG_NOTICE,	/* shown by default, on stderr: never mixed into what a command prints */
	LOG_INFO,	/* shown by default */
	LOG_DEBUG,	/* shown with -v */
};

void log_set_verbose(int verbose);
void log_setup_libs(void);
/* Everything to stderr from now on, each line led by its syslog level ("<3>" ...) when
 * stderr is the journal (systemd's $JOURNAL_STREAM names it): how the service logs. */
void log_to_journal(void);
/* Leads every error message with "CONTEXT: " until set to NULL: the service's config
 * checks name FILE:LINE this way around the CLI's own value parsers. */
void log_set_context(const char *context);
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define pr_err(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define pr_notice(...) log_msg(LOG_NOTICE, __VA_ARGS__)
#define pr_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define pr_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif /* XSC_LOG_H */
