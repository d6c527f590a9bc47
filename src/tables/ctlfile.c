/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ctlfile.c - qmail control file reader (see ctlfile.h).
 */
#include "config.h"
#include "ctlfile.h"
#include "file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int
ctl_slurp(const char *path, char **bufp, size_t *lenp, char *err,
	  size_t errlen)
{
	struct stat st;
	char *buf = NULL;
	size_t cap, len = 0;
	int fd, rc = file_open(path, &fd, err, errlen);

	if (rc <= 0)
		return rc;
	if (fstat(fd, &st) != 0) {
		snprintf(err, errlen, "%s: cannot stat: %s", path,
			 strerror(errno));
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
	char *buf;
	size_t len;
	int r;

	memset(out, 0, sizeof(*out));
	r = ctl_slurp(path, &buf, &len, err, errlen);
	if (r <= 0)
		return r;
	if (ctl_lines_split(out, buf, len) != 0) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	return 1;
}
