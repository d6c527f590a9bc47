/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pidfile.h - the pidfile, written by the daemon's own user (so it can
 * remove it at exit) without following a symbolic link.
 */
#ifndef QR_PIDFILE_H
#define QR_PIDFILE_H

#include <stddef.h>

/* Check that path's directory exists (for -n).  0 or -1 + err. */
int pidfile_check(const char *path, char *err, size_t errlen);

/* Check that this process could write path (for -n, as the daemon's
 * user).  0 or -1 + err. */
int pidfile_check_writable(const char *path, char *err, size_t errlen);

/* Write the pid into path.  0 or -1 + err. */
int pidfile_write(const char *path, char *err, size_t errlen);

/* Remove it (if this process wrote it). */
void pidfile_remove(const char *path);

#endif
