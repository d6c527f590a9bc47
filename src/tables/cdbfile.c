/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cdbfile.c - open a cdb file (see cdbfile.h).  tinycdb maps it; the
 * descriptor is not needed after that.
 */
#include "config.h"
#include "cdbfile.h"
#include "file.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int
cdbfile_open_fd(struct cdbmap *m, int fd, const char *name, char *err,
		size_t errlen)
{
	memset(m, 0, sizeof(*m));
	if (cdb_init(&m->cdb, fd) != 0) {
		snprintf(err, errlen, "%s: not a valid cdb file: %s", name,
			 strerror(errno ? errno : EPROTO));
		close(fd);
		return -1;
	}
	{
		struct stat st;

		m->size = fstat(fd, &st) == 0 ? (size_t)st.st_size : 0;
	}
	close(fd);	/* the mapping stays */
	m->open = 1;
	return 1;
}

int
cdbfile_open(struct cdbmap *m, const char *path, char *err, size_t errlen)
{
	int fd, rc;

	memset(m, 0, sizeof(*m));
	rc = file_open(path, &fd, err, errlen);
	if (rc <= 0)
		return rc;
	return cdbfile_open_fd(m, fd, path, err, errlen);
}
