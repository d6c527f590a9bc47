/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ctllines.h - the lines of a qmail control file, as control_readfile()
 * reads them: split at '\n'; trailing spaces and tabs stripped (CR is
 * not); leading whitespace kept; empty lines and lines whose first byte is
 * '#' skipped.  The text is already in memory (tables/ctlfile.h reads it).
 */
#ifndef QR_CTLLINES_H
#define QR_CTLLINES_H

#include <stddef.h>

struct ctl_line {
	const char *text;	/* NUL-terminated, points into buf */
	size_t len;
	unsigned lineno;	/* 1-based line number in the file */
};

struct ctl_lines {
	struct ctl_line *v;
	size_t n;
	char *buf;
};

/* Split buf (len bytes plus a NUL, malloc'ed) into lines; buf is taken
 * over (and cut into strings) in any case.  0, or -1 out of memory. */
int ctl_lines_split(struct ctl_lines *out, char *buf, size_t len);

void ctl_lines_free(struct ctl_lines *l);

#endif
