/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * snapshot.h - the daemon's current tables, shared by all sessions.
 *
 * A session takes a reference at connect and drops it at close, so per-
 * recipient decisions take no lock.  A watcher thread stats the files every
 * reload_interval and builds a new snapshot when one changed (SIGUSR1
 * forces it, re-reading the configuration file as well); files that did
 * not change are shared with the previous snapshot, not read again.  A
 * failed build keeps the old snapshot: logged when its reason is new,
 * retried with back-off (1 s doubling to 60 s) until it works, said again
 * every stale_warn_interval while it lasts, and shown in the status file
 * and systemd's STATUS.  Only a few old snapshots stay valid for the
 * sessions that hold them (snapshot_expired).
 */
#ifndef QR_SNAPSHOT_H
#define QR_SNAPSHOT_H

#include <stddef.h>

#include "core/oracle.h"
#include "core/settings.h"
#include "core/tables.h"
#include "pop/pop.h"

struct snap;

/* Builds the settings for a (re)load: defaults, config file, flags. */
typedef int (*settings_builder)(struct settings *s, char *err, size_t errlen);

/* First load; returns 0, or -1 with the reason in err. */
int snapshot_init(settings_builder build, char *err, size_t errlen);

struct snap *snapshot_acquire(void);
const struct tables *snapshot_tables(const struct snap *sn);
/* The SMTP-after-POP oracle of the snapshot's configuration, or NULL. */
const struct relay_oracle *snapshot_oracle(const struct snap *sn);
void snapshot_release(struct snap *sn);
/* 1 if sn has been retired: too many reloads happened while its session
 * stayed open; the session must stop using it (tempfail). */
int snapshot_expired(const struct snap *sn);

int snapshot_start_watcher(void);
void snapshot_request_reload(void);	/* async-safe enough: flag + cond */
void snapshot_stop_watcher(void);
void snapshot_shutdown(void);

#endif
