/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * log.h - syslog logging, mirrored to stderr in the foreground.
 */
#ifndef QR_LOG_H
#define QR_LOG_H

#include <syslog.h>

/* facility: "mail", "daemon", "local0".."local7".  Returns 0, or -1 if the
 * facility name is unknown. */
int log_open(const char *ident, const char *facility, int to_stderr);
void log_msg(int prio, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
