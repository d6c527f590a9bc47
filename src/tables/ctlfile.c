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

/* One read of the whole file: 1, or -1 with err; *changed is set if the
 * file was written to meanwhile. */
static int
slurp_once(const char *path, int fd, char **bufp, size_t *lenp, int *changed,
	   char *err, size_t errlen)
{
	struct stat st;
	char *buf;
	size_t cap, len = 0;

	if (fstat(fd, &st) != 0) {
		snprintf(err, errlen, "%s: cannot stat: %s", path,
			 strerror(errno));
		return -1;
	}
	cap = (size_t)st.st_size + 1;
	if ((buf = malloc(cap)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	for (;;) {
		ssize_t r;

		if (len + 1 >= cap) {
			char *nb = realloc(buf, cap * 2);

			if (nb == NULL) {
				free(buf);
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
			return -1;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	buf[len] = '\0';
	*changed = !file_unchanged(fd, &st);
	*bufp = buf;
	*lenp = len;
	return 1;
}

int
ctl_slurp(const char *path, char **bufp, size_t *lenp, char *err,
	  size_t errlen)
{
	for (int tries = 0; tries < FILE_READ_TRIES; tries++) {
		int fd, changed, rc = file_open(path, &fd, err, errlen);

		if (rc <= 0)
			return rc;
		rc = slurp_once(path, fd, bufp, lenp, &changed, err, errlen);
		close(fd);
		if (rc < 0 || !changed)
			return rc;
		free(*bufp);	/* written to while it was read: again */
	}
	snprintf(err, errlen, "%s: keeps changing while it is read", path);
	return -1;
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
