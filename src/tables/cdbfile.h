/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cdbfile.h - open a cdb file for the core's lookups (core/cdbmap.h).
 */
#ifndef QR_CDBFILE_H
#define QR_CDBFILE_H

#include <stddef.h>

#include "core/cdbmap.h"

/* Returns 1 opened, 0 the file does not exist, -1 error (message in err). */
int cdbfile_open(struct cdbmap *m, const char *path, char *err,
		 size_t errlen);

/* The same for an open descriptor, which is closed in any case. */
int cdbfile_open_fd(struct cdbmap *m, int fd, const char *name, char *err,
		    size_t errlen);

#endif
