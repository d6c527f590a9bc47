/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * notify.h - telling systemd how the service is (sd_notify(3)): ready,
 * reloading, stopping, its status line and the watchdog.  Without
 * libsystemd, or outside a Type=notify unit, these do nothing.
 */
#ifndef QR_NOTIFY_H
#define QR_NOTIFY_H

/* "READY=1", "RELOADING=1", "STOPPING=1", "WATCHDOG=1", ... */
void notify(const char *state);

/* STATUS=<text> (shown by systemctl status). */
void notify_status(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

#endif
