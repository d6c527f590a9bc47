/*
 * pop.h - SMTP-after-POP: "did client address X (and, for IndiMail, sender
 * S) log in over POP/IMAP recently?"
 *
 * One interface, two backends: popdir.c (a relay-ctrl directory, one file
 * per client address, fresh by mtime) and popmysql.c (the vpopmail or
 * IndiMail `relay` table in MySQL/MariaDB).  A backend is live state (open
 * connections), so it is not part of the file snapshot: the daemon keeps
 * one per configuration and shares it between snapshots while the pop_* /
 * mysql_* settings stay the same.  Lookups are thread-safe.
 *
 * A lookup answers POP_YES, POP_NO or POP_ERROR (the caller tempfails).
 * qmail's tools set RELAYCLIENT for such a client, so a "yes" lets the
 * client relay for the rest of the session (policy.c).
 */
#ifndef QR_POP_H
#define QR_POP_H

#include <stddef.h>
#include <stdio.h>
#include <time.h>

#include "settings.h"

enum { POP_ERROR = -1, POP_NO = 0, POP_YES = 1 };

struct pop;

/* Open the backend the settings name (NULL for POP_BACKEND_NONE).  Checks
 * what can be checked without a server (the directory exists; MySQL
 * support is compiled in).  Returns 0, or -1 with the reason in err. */
int pop_open(struct pop **out, const struct settings *s, char *err,
	     size_t errlen);
void pop_close(struct pop *p);

/* "none", "directory" or "mysql". */
const char *pop_backend_name(int backend);

/* 1 if the backend matches the sender too (IndiMail), so a "no" must be
 * asked again for the next MAIL FROM. */
int pop_uses_sender(const struct pop *p);

/* Lookup for a normalised client address (ip.h) and the lower-cased
 * envelope sender ("" for <>).  why gets the source on POP_YES, the error
 * on POP_ERROR. */
int pop_lookup(struct pop *p, const char *ip, const char *sender, char *why,
	       size_t whylen);

/* qrelayctl: record a login (user may be NULL; IndiMail needs it), drop
 * stale entries (*removed counts them), print the entries. 0 or -1+err. */
int pop_allow(struct pop *p, const char *ip, const char *user, char *err,
	      size_t errlen);
int pop_expire(struct pop *p, long *removed, char *err, size_t errlen);
int pop_list(struct pop *p, FILE *out, char *err, size_t errlen);

/* Where backends report incidents (a database going away and coming
 * back): once per incident, not per lookup.  prio is a syslog priority.
 * Default: stderr. */
typedef void (*pop_log_fn)(int prio, const char *msg);
void pop_set_logger(pop_log_fn fn);
void pop_log(int prio, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Same backend configuration (a reload may keep the open backend). */
int pop_settings_equal(const struct settings *a, const struct settings *b);

/* The backends (popdir.c, popmysql.c) fill this in. */
struct pop_ops {
	const char *name;
	int (*lookup)(void *impl, const char *ip, const char *sender,
		      char *why, size_t whylen);
	int (*allow)(void *impl, const char *ip, const char *user, char *err,
		     size_t errlen);
	int (*expire)(void *impl, long *removed, char *err, size_t errlen);
	int (*list)(void *impl, FILE *out, char *err, size_t errlen);
	void (*close)(void *impl);
	int uses_sender;
};

int popdir_open(const struct pop_ops **ops, void **impl,
		const struct settings *s, char *err, size_t errlen);
int popmysql_open(const struct pop_ops **ops, void **impl,
		  const struct settings *s, char *err, size_t errlen);

#endif
