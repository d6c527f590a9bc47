/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * log.h - where the daemon's messages go.
 *
 *   LOG_TO_SYSLOG  syslog only (a daemon in the background);
 *   LOG_TO_BOTH    syslog, and standard error with a timestamp (someone
 *                  watching a foreground run);
 *   LOG_TO_JOURNAL standard error only, each line prefixed with its
 *                  priority as "<N>" and no timestamp: what systemd's
 *                  journal reads from a service, so every line is stored
 *                  once, with its priority.
 */
#ifndef QR_LOG_H
#define QR_LOG_H

#include <syslog.h>

enum log_target { LOG_TO_SYSLOG, LOG_TO_BOTH, LOG_TO_JOURNAL };

/* facility: "mail", "daemon", "local0".."local7".  Returns 0, or -1 if the
 * facility name is unknown. */
int log_open(const char *ident, const char *facility, enum log_target to);

/* 1 if standard error is connected to the journal (systemd sets
 * JOURNAL_STREAM to its device and inode). */
int log_stderr_is_journal(void);

void log_msg(int prio, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
