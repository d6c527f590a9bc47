/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * status.h - the daemon's state in a small text file (status_file), for
 * `qrelayctl status` and monitoring: when the tables in use were loaded,
 * and whether reloads fail (the daemon then runs on stale tables).
 *
 * The file is key=value lines, written to a temporary name and renamed:
 *   pid= version= socket= started= loaded= reloads= failed_reloads=
 *   state=fresh|stale  stale_since=  error=
 *   tables_bytes=  old_snapshots=  old_bytes=
 *   control_dir=  rules_file=   (where the tables in use come from)
 * Times are seconds since the epoch.
 */
#ifndef QR_STATUS_H
#define QR_STATUS_H

#include <stddef.h>
#include <time.h>

struct status {
	const char *socket;
	time_t started, loaded;		/* loaded: the tables in use */
	time_t stale_since;		/* 0: the tables are up to date */
	unsigned long reloads, failed_reloads;
	const char *error;		/* the last failure, while stale */
	size_t tables_bytes;		/* what the current tables hold */
	unsigned old_snapshots;		/* replaced tables sessions still use */
	size_t old_bytes;		/* ... holding this much more */
	const char *control_dir, *rules_file;	/* the tables' files */
};

/* Write the file (no-op for path "", or when its directory does not
 * exist: the daemon was not started by the service); a failure is logged
 * once. */
void status_write(const char *path, const struct status *st);

/* Remove it at exit. */
void status_remove(const char *path);

#endif
