/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cdbfile.c - open a cdb file (see cdbfile.h).
 *
 * tinycdb maps the database.  A mapping of the admin's file itself would
 * die with SIGBUS at the next lookup if the file were truncated or
 * rewritten in place (cp, cat >, rsync --inplace), so the file is first
 * copied into a sealed memfd, which nobody can shrink, grow or write: a
 * change of the file is then a reload like any other, and a failed reload
 * keeps a copy that stays valid.  qmail-smtpd read()s the cdb for the
 * same reason.  The copy is checked against the file's stamp after
 * reading, so a file that changed meanwhile is read again.
 */
#define _GNU_SOURCE
#include "config.h"
#include "cdbfile.h"
#include "file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

int
cdbfile_map_fd(struct cdbmap *m, int fd, const char *name, char *err,
	       size_t errlen)
{
	struct stat st;

	memset(m, 0, sizeof(*m));
	errno = 0;
	if (cdb_init(&m->cdb, fd) != 0) {
		snprintf(err, errlen, "%s: not a valid cdb file: %s", name,
			 strerror(errno ? errno : EPROTO));
		close(fd);
		return -1;
	}
	m->size = fstat(fd, &st) == 0 ? (size_t)st.st_size : 0;
	close(fd);	/* the mapping stays */
	m->open = 1;
	return 1;
}

/* Copy the open file into a new memfd; -1 with errno on failure. */
static int
copy_to_memfd(int fd, off_t size)
{
	int mfd = memfd_create("qrelay-cdb", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	off_t done = 0;

	if (mfd < 0)
		return -1;
	if (size > 0 && ftruncate(mfd, size) != 0)
		goto fail;
	for (;;) {
		char buf[65536];
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto fail;
		if (n == 0)
			break;
		if (pwrite(mfd, buf, (size_t)n, done) != n)
			goto fail;
		done += n;
	}
	if (done != size && ftruncate(mfd, done) != 0)
		goto fail;
	if (fcntl(mfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW |
		  F_SEAL_WRITE | F_SEAL_SEAL) != 0)
		goto fail;
	return mfd;
fail:
	{
		int e = errno;

		close(mfd);
		errno = e;
	}
	return -1;
}

int
cdbfile_open(struct cdbmap *m, const char *path, char *err, size_t errlen)
{
	struct stat before;
	int fd, mfd, rc, same;

	memset(m, 0, sizeof(*m));
	for (int tries = 0; tries < FILE_READ_TRIES; tries++) {
		rc = file_open(path, &fd, err, errlen);
		if (rc <= 0)
			return rc;
		if (fstat(fd, &before) != 0) {
			snprintf(err, errlen, "%s: cannot stat: %s", path,
				 strerror(errno));
			close(fd);
			return -1;
		}
		mfd = copy_to_memfd(fd, before.st_size);
		if (mfd < 0) {
			snprintf(err, errlen, "%s: cannot read: %s", path,
				 strerror(errno));
			close(fd);
			return -1;
		}
		same = file_unchanged(fd, &before);
		close(fd);
		if (same)
			return cdbfile_map_fd(m, mfd, path, err, errlen);
		close(mfd);	/* changed while it was read: again */
	}
	snprintf(err, errlen, "%s: keeps changing while it is read", path);
	return -1;
}
