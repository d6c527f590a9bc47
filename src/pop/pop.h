/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pop.h - SMTP-after-POP: "did client address X (and, for IndiMail, sender
 * S) log in over POP/IMAP recently?"
 *
 * One interface, two backends: a relay-ctrl directory (one file per client
 * address, fresh by mtime) and the vpopmail or IndiMail `relay` table in
 * MySQL/MariaDB (backend.h).  A backend is live state (open connections),
 * so it is not part of a table snapshot: the daemon keeps one per
 * configuration and shares it between snapshots while the pop_* / mysql_*
 * settings stay the same.  Lookups are thread-safe.
 *
 * qmail's tools set RELAYCLIENT for such a client, so a "yes" lets the
 * client relay for the rest of the session: the core asks through the
 * oracle pop_oracle() fills in (core/oracle.h).
 */
#ifndef QR_POP_H
#define QR_POP_H

#include <stddef.h>
#include <stdio.h>

#include "core/oracle.h"
#include "core/settings.h"

enum { POP_ERROR = -1, POP_NO = 0, POP_YES = 1 };

struct pop;

/* Where a backend reports incidents (a database going away and coming
 * back): once per incident, not per lookup.  prio is a syslog priority.
 * fn NULL: standard error. */
struct pop_log {
	void (*fn)(void *arg, int prio, const char *msg);
	void *arg;
};

/* Open the backend the settings name (*out NULL for none).  Checks what
 * can be checked without a server (the directory exists; MySQL support is
 * compiled in).  log (copied; may be NULL) receives incidents.  Returns 0,
 * or -1 with the reason in err. */
int pop_open(struct pop **out, const struct settings *s,
	     const struct pop_log *log, char *err, size_t errlen);
void pop_close(struct pop *p);

/* "none", "directory" or "mysql". */
const char *pop_backend_name(int backend);

/* The core's oracle for this backend (p NULL: NULL). */
const struct relay_oracle *pop_oracle(const struct pop *p);

/* Lookup for a normalised client address (core/ip.h) and the lower-cased
 * envelope sender ("" for <>): POP_YES, POP_NO or POP_ERROR.  why gets
 * the source on POP_YES, the error on POP_ERROR. */
int pop_lookup(struct pop *p, const char *ip, const char *sender, char *why,
	       size_t whylen);

/* qrelayctl: record a login (user may be NULL; IndiMail needs it), drop
 * stale entries (*removed counts them), print the entries. 0 or -1+err. */
int pop_allow(struct pop *p, const char *ip, const char *user, char *err,
	      size_t errlen);
int pop_expire(struct pop *p, long *removed, char *err, size_t errlen);
int pop_list(struct pop *p, FILE *out, char *err, size_t errlen);

/* Same backend configuration (a reload may keep the open backend). */
int pop_settings_equal(const struct settings *a, const struct settings *b);

#endif
