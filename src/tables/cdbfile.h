/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cdbfile.h - open a cdb file for the core's lookups (core/cdbmap.h).
 */
#ifndef QR_CDBFILE_H
#define QR_CDBFILE_H

#include <stddef.h>

#include "core/cdbmap.h"

/* A copy of the file, which no later change of the file can affect (the
 * file may be rewritten in place, truncated, replaced).  Returns 1
 * opened, 0 the file does not exist, -1 error (message in err). */
int cdbfile_open(struct cdbmap *m, const char *path, char *err,
		 size_t errlen);

/* Map a descriptor that nobody else can change (a memfd of our own); it
 * is closed in any case.  1, or -1 with err. */
int cdbfile_map_fd(struct cdbmap *m, int fd, const char *name, char *err,
		   size_t errlen);

#endif
