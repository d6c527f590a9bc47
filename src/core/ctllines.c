/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ctllines.c - split control-file text into lines (see ctllines.h).
 */
#include "ctllines.h"

#include <stdlib.h>
#include <string.h>

int
ctl_lines_split(struct ctl_lines *out, char *buf, size_t len)
{
	char *p, *end = buf + len;
	size_t n = 0, cap = 0;
	unsigned lineno = 0;

	memset(out, 0, sizeof(*out));
	out->buf = buf;
	for (p = buf; p < end;) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		char *e = nl ? nl : end;
		size_t l;

		lineno++;
		*e = '\0';
		l = (size_t)(e - p);
		while (l > 0 && (p[l - 1] == ' ' || p[l - 1] == '\t'))
			p[--l] = '\0';
		if (l > 0 && p[0] != '#') {
			if (n == cap) {
				size_t nc = cap ? cap * 2 : 64;
				struct ctl_line *nv =
					realloc(out->v, nc * sizeof(*nv));

				if (nv == NULL) {
					ctl_lines_free(out);
					return -1;
				}
				out->v = nv;
				cap = nc;
			}
			out->v[n].text = p;
			out->v[n].len = l;
			out->v[n].lineno = lineno;
			n++;
		}
		p = e + 1;
	}
	out->n = n;
	return 0;
}

void
ctl_lines_free(struct ctl_lines *l)
{
	free(l->v);
	free(l->buf);
	memset(l, 0, sizeof(*l));
}
