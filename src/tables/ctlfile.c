/*
 * ctlfile.c - qmail control file reader (see ctlfile.h).
 */
#include "ctlfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int
ctl_slurp(const char *path, char **bufp, size_t *lenp, char *err,
	  size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	char *buf = NULL;
	size_t cap, len = 0;

	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s: cannot open: %s", path,
			 strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		close(fd);
		return -1;
	}
	cap = (size_t)st.st_size + 1;
	buf = malloc(cap);
	if (buf == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		close(fd);
		return -1;
	}
	for (;;) {
		ssize_t r;

		if (len + 1 >= cap) {
			char *nb = realloc(buf, cap * 2);

			if (nb == NULL) {
				free(buf);
				close(fd);
				snprintf(err, errlen, "%s: out of memory", path);
				return -1;
			}
			buf = nb;
			cap *= 2;
		}
		r = read(fd, buf + len, cap - len - 1);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			snprintf(err, errlen, "%s: read error: %s", path,
				 strerror(errno));
			free(buf);
			close(fd);
			return -1;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	buf[len] = '\0';
	*bufp = buf;
	*lenp = len;
	return 1;
}

int
ctl_read(const char *path, struct ctl_lines *out, char *err, size_t errlen)
{
	char *buf, *p, *end;
	size_t len, n = 0, cap = 0;
	unsigned lineno = 0;
	int r;

	memset(out, 0, sizeof(*out));
	r = ctl_slurp(path, &buf, &len, err, errlen);
	if (r <= 0)
		return r;
	end = buf + len;
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
					free(out->v);
					free(buf);
					out->v = NULL;
					snprintf(err, errlen, "%s: out of memory",
						 path);
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
	out->buf = buf;
	return 1;
}

void
ctl_free(struct ctl_lines *l)
{
	free(l->v);
	free(l->buf);
	memset(l, 0, sizeof(*l));
}
