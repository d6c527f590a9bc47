/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tcprules.h - read a tcpserver rules file into core rules (rules.h).
 *
 * The text format is parsed exactly as Debian's tcprules (djb 0.88) parses
 * it, plus the Debian ucspi-tcp-ipv6 reading of IPv6 keys (the separator is
 * the first ':' followed by "allow" or "deny").  Text is compiled into an
 * in-memory cdb with tinycdb, so both forms share one lookup path and
 * "first duplicate key wins" behaves as in tcpserver; each record starts
 * with an "L<line>" item so that decisions can name the line.
 */
#ifndef QR_TCPRULES_H
#define QR_TCPRULES_H

#include <stddef.h>

#include "core/rules.h"

/* Load a rules file: a name ending in ".cdb" is read as a compiled cdb,
 * anything else as tcprules text.  Returns 0, or -1 with "file:line: why"
 * in err.  warn (may be NULL) receives non-fatal remarks. */
int tcprules_load(struct rules **out, const char *path,
		  void (*warn)(void *, const char *), void *warnarg,
		  char *err, size_t errlen);

/* Compile tcprules text (tlen bytes, NUL-terminated) named path in the
 * messages.  Same returns as tcprules_load. */
int tcprules_compile(struct rules **out, const char *text, size_t tlen,
		     const char *path, void (*warn)(void *, const char *),
		     void *warnarg, char *err, size_t errlen);

#endif
