/*
 * ctlfile.h - read a qmail control file the way control_readfile() does.
 *
 * Lines are split at '\n'; trailing spaces and tabs are stripped (CR is
 * not); leading whitespace is kept; empty lines and lines whose first byte
 * is '#' are skipped.  A missing file is "absent", any other error is fatal.
 */
#ifndef QR_CTLFILE_H
#define QR_CTLFILE_H

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

/* Returns 1 if read, 0 if the file does not exist, -1 on any other error
 * (message naming the file in err). */
int ctl_read(const char *path, struct ctl_lines *out, char *err,
	     size_t errlen);
void ctl_free(struct ctl_lines *l);

/* Read the whole of a small file into a malloc'ed NUL-terminated buffer.
 * Same return convention as ctl_read. */
int ctl_slurp(const char *path, char **buf, size_t *len, char *err,
	      size_t errlen);

#endif
