/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sockspec.h - the milter socket as libmilter names it: "unix:/path" (or
 * "local:/path", or a bare absolute path), "inet:PORT@HOST",
 * "inet6:PORT@HOST".  Checked before libmilter sees it, so that a typo is
 * an error naming it, at -n as at start-up.
 */
#ifndef QR_SOCKSPEC_H
#define QR_SOCKSPEC_H

#include <stddef.h>

#include "core/settings.h"

/* The path of a unix socket spec, or NULL for any other kind. */
const char *sockspec_unix_path(const char *spec);

/* Check the spec's syntax, and for a unix socket that its directory
 * exists.  0, or -1 with the reason in err.  *warn gets a remark worth
 * logging ("" if none): a TCP socket that other hosts can reach. */
int sockspec_check(const char *spec, char *err, size_t errlen, char *warn,
		   size_t warnlen);

/* A unix socket that a running daemon still answers on: libmilter would
 * unlink it and take it over, leaving the other daemon deaf.  0 if the
 * path is free (absent, or a stale socket nobody accepts on), or -1 with
 * the reason in err. */
int sockspec_unix_free(const char *spec, char *err, size_t errlen);

/* After libmilter created a unix socket: chown it to socket_owner /
 * socket_group and chmod it to socket_mode (0660 unless set).  After it
 * created a TCP socket: set TCP_NODELAY on the listener, which accepted
 * connections inherit (libmilter never sets it; without it, Postfix and
 * Sendmail wait ~40 ms on delayed ACKs).  0, or -1 with err. */
int sockspec_finish(const struct settings *s, char *err, size_t errlen);

#endif
