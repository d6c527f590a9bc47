/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ctlfile.h - read qmail control files: the whole file, or its lines
 * (core/ctllines.h).  A missing file is "absent"; any other error (a
 * directory, a read error) is an error naming the file, as in qmail.
 */
#ifndef QR_CTLFILE_H
#define QR_CTLFILE_H

#include <stddef.h>

#include "core/ctllines.h"

/* Read the whole file into a malloc'ed NUL-terminated buffer.  Returns 1
 * if read, 0 if the file does not exist, -1 on any other error (message
 * naming the file in err). */
int ctl_slurp(const char *path, char **buf, size_t *len, char *err,
	      size_t errlen);

/* ctl_slurp, then ctl_lines_split.  Same returns. */
int ctl_read(const char *path, struct ctl_lines *out, char *err,
	     size_t errlen);

#endif
