/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tcprules.c - read a tcpserver rules file: tcp.smtp text compiled into an
 * in-memory cdb exactly as Debian's tcprules (djb 0.88) compiles it, or a
 * tcp.smtp.cdb as tcprules wrote it (see tcprules.h).
 */
#define _GNU_SOURCE
#include "config.h"
#include "tcprules.h"
#include "cdbfile.h"
#include "ctlfile.h"

#include <cdb.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* A growing byte buffer for one record's data. */
struct buf {
	char *p;
	size_t len, cap;
};

static int
buf_add(struct buf *b, const void *s, size_t n)
{
	if (b->len + n > b->cap) {
		size_t nc = b->cap ? b->cap : 128;
		char *np;

		while (nc < b->len + n)
			nc *= 2;
		np = realloc(b->p, nc);
		if (np == NULL)
			return -1;
		b->p = np;
		b->cap = nc;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	return 0;
}

/* Find the rule separator: the first ':' followed by "allow" or "deny".
 * Returns its offset, -1 if the line has no ':' at all (tcprules ignores
 * such a line), -2 if there is a ':' but no rule. */
static long
find_separator(const char *x, size_t len)
{
	int any = 0;

	for (size_t i = 0; i < len; i++) {
		if (x[i] != ':')
			continue;
		any = 1;
		if ((len - i - 1 >= 5 && memcmp(x + i + 1, "allow", 5) == 0) ||
		    (len - i - 1 >= 4 && memcmp(x + i + 1, "deny", 4) == 0))
			return (long)i;
	}
	return any ? -2 : -1;
}

/* Emit one key (with djb's "-" range expansion) to the cdb being made. */
static int
emit(struct cdb_make *cm, const char *addr, size_t alen, const struct buf *data,
     const char **why)
{
	const char *dp = NULL;
	size_t dash, start, end;
	unsigned long bot = 0, top = 0;

	if (memchr(addr, '=', alen) || memchr(addr, '@', alen) ||
	    (dp = memchr(addr, '-', alen)) == NULL)
		return cdb_make_add(cm, addr, (unsigned)alen, data->p,
				    (unsigned)data->len) ? -1 : 0;
	dash = (size_t)(dp - addr);
	start = dash;
	while (start > 0 && addr[start - 1] != '.')
		start--;
	end = dash + 1;
	while (end < alen && addr[end] != '.')
		end++;
	for (size_t i = start; i < dash; i++) {
		if (addr[i] < '0' || addr[i] > '9') {
			*why = "non-digit in address range";
			return -2;
		}
		bot = bot * 10 + (unsigned long)(addr[i] - '0');
		if (bot > 100000)
			bot = 100000;
	}
	for (size_t i = dash + 1; i < end; i++) {
		if (addr[i] < '0' || addr[i] > '9') {
			*why = "non-digit in address range";
			return -2;
		}
		top = top * 10 + (unsigned long)(addr[i] - '0');
		if (top > 100000)
			top = 100000;
	}
	if (top > 255)
		top = 255;
	for (unsigned long v = bot; v <= top; v++) {
		char key[1024];
		int n = snprintf(key, sizeof(key), "%.*s%lu%.*s", (int)start,
				 addr, v, (int)(alen - end), addr + end);

		if (n < 0 || (size_t)n >= sizeof(key)) {
			*why = "address too long";
			return -2;
		}
		if (cdb_make_add(cm, key, (unsigned)n, data->p,
				 (unsigned)data->len))
			return -1;
	}
	return 0;
}

/* Parse one non-comment line into data; returns 0, 1 (ignored), or -2. */
static int
parse_line(const char *x, size_t len, unsigned lineno, struct buf *data,
	   size_t *alen, const char **why)
{
	long sep = find_separator(x, len);
	char lbuf[24];
	int n;

	if (sep == -1)
		return 1;
	if (sep == -2) {
		*why = "no \":allow\" or \":deny\" after the address";
		return -2;
	}
	*alen = (size_t)sep;
	data->len = 0;
	n = snprintf(lbuf, sizeof(lbuf), "L%u", lineno);
	if (buf_add(data, lbuf, (size_t)n + 1))
		return -1;
	x += sep + 1;
	len -= (size_t)sep + 1;
	if (len >= 5 && memcmp(x, "allow", 5) == 0) {
		x += 5;
		len -= 5;
	} else {
		x += 4;
		len -= 4;
		if (buf_add(data, "D", 2))
			return -1;
	}
	while (len) {
		const char *eq, *close;
		char delim;

		if (*x != ',') {
			*why = "expected \",VAR=\" after allow/deny";
			return -2;
		}
		x++;
		len--;
		eq = memchr(x, '=', len);
		if (eq == NULL) {
			*why = "variable without '='";
			return -2;
		}
		if (buf_add(data, "+", 1) ||
		    buf_add(data, x, (size_t)(eq - x) + 1))
			return -1;
		len -= (size_t)(eq - x) + 1;
		x = eq + 1;
		if (len == 0) {
			*why = "variable without a value";
			return -2;
		}
		delim = *x++;
		len--;
		close = memchr(x, delim, len);
		if (close == NULL) {
			*why = "value without its closing delimiter";
			return -2;
		}
		if (buf_add(data, x, (size_t)(close - x)) ||
		    buf_add(data, "", 1))
			return -1;
		len -= (size_t)(close - x) + 1;
		x = close + 1;
	}
	return 0;
}

int
tcprules_compile(struct rules **out, const char *text, size_t tlen,
		 const char *path, void (*warn)(void *, const char *),
		 void *warnarg, char *err, size_t errlen)
{
	const char *p, *end;
	unsigned lineno = 0;
	struct cdb_make cm;
	struct cdbmap db;
	struct buf data = { 0 };
	int fd, rc;

	fd = memfd_create("qrelay-rules", MFD_CLOEXEC);
	if (fd < 0 || cdb_make_start(&cm, fd) != 0) {
		snprintf(err, errlen, "%s: cannot compile rules: %s", path,
			 strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	end = text + tlen;
	for (p = text; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end;
		size_t len = (size_t)(e - p), alen = 0;
		const char *why = NULL;

		lineno++;
		while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
			len--;
		if (len > 0 && p[0] != '#') {
			rc = parse_line(p, len, lineno, &data, &alen, &why);
			if (rc == 0)
				rc = emit(&cm, p, alen, &data, &why);
			if (rc == 1 && memchr(p, ':', len) == NULL &&
			    p[strspn(p, " \t")] != '#' && warn) {
				char msg[512];

				snprintf(msg, sizeof(msg),
					 "%s:%u: line has no ':' and is ignored (as tcprules does)",
					 path, lineno);
				warn(warnarg, msg);
			}
			if (rc < 0) {
				if (rc == -1)
					snprintf(err, errlen,
						 "%s:%u: out of memory", path,
						 lineno);
				else	/* the line itself is not shown: the
					 * file may be one the reader should
					 * not see (qrelayctl check -x) */
					snprintf(err, errlen,
						 "%s:%u: unable to parse this line (%s%s)",
						 path, lineno, why,
						 memchr(p, '\r', len) ?
							 "; DOS line ending?" :
							 "");
				free(data.p);
				/* tinycdb frees the records only there */
				cdb_make_finish(&cm);
				close(fd);
				return -1;
			}
		}
		p = e + 1;
	}
	free(data.p);
	if (cdb_make_finish(&cm) != 0) {
		snprintf(err, errlen, "%s: cannot compile rules: %s", path,
			 strerror(errno));
		close(fd);
		return -1;
	}
	if (cdbfile_map_fd(&db, fd, path, err, errlen) < 0)
		return -1;
	if ((*out = rules_new(&db, path, 1)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	return 0;
}

int
tcprules_load(struct rules **out, const char *path,
	      void (*warn)(void *, const char *), void *warnarg, char *err,
	      size_t errlen)
{
	size_t plen = strlen(path), tlen;
	struct cdbmap db;
	char *text;
	int rc;

	if (plen > 4 && strcmp(path + plen - 4, ".cdb") == 0) {
		rc = cdbfile_open(&db, path, err, errlen);
		if (rc == 0)
			snprintf(err, errlen, "%s: rules file does not exist",
				 path);
		if (rc <= 0)
			return -1;
		if ((*out = rules_new(&db, path, 0)) == NULL) {
			snprintf(err, errlen, "%s: out of memory", path);
			return -1;
		}
		return 0;
	}
	rc = ctl_slurp(path, &text, &tlen, err, errlen);
	if (rc == 0)
		snprintf(err, errlen, "%s: rules file does not exist", path);
	if (rc <= 0)
		return -1;
	rc = tcprules_compile(out, text, tlen, path, warn, warnarg, err,
			      errlen);
	free(text);
	return rc;
}

