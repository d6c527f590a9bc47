/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * backend.h - what an SMTP-after-POP backend provides (private to
 * src/pop/; callers use pop.h).
 */
#ifndef QR_POP_BACKEND_H
#define QR_POP_BACKEND_H

#include "pop.h"

struct pop_ops {
	int (*lookup)(void *impl, const char *ip, const char *sender,
		      char *why, size_t whylen);
	int (*allow)(void *impl, const char *ip, const char *user, char *err,
		     size_t errlen);
	int (*expire)(void *impl, long *removed, char *err, size_t errlen);
	int (*list)(void *impl, FILE *out, char *err, size_t errlen);
	void (*close)(void *impl);
	int uses_sender;
};

/* Each backend: fill *ops and *impl for the settings.  0 or -1 + err. */
int popdir_open(const struct pop_ops **ops, void **impl,
		const struct settings *s, const struct pop_log *log,
		char *err, size_t errlen);
int popmysql_open(const struct pop_ops **ops, void **impl,
		  const struct settings *s, const struct pop_log *log,
		  char *err, size_t errlen);

/* The one freshness rule of every backend: a login stamped at `stamp`
 * still counts at `now` while stamp + expiry >= now (relay-ctrl's rule:
 * a file exactly `expiry` seconds old is fresh). */
static inline int
pop_fresh(long long stamp, long expiry, long long now)
{
	return stamp + expiry >= now;
}

/* Report an incident through the backend's logger. */
void pop_logf(const struct pop_log *log, int prio, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
