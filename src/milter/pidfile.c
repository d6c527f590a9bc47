/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pidfile.c - write and remove the pidfile (see pidfile.h).
 */
#include "config.h"
#include "pidfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static pid_t written_by;

int
pidfile_check(const char *path, char *err, size_t errlen)
{
	char dir[4096];
	const char *slash = strrchr(path, '/');
	struct stat st;

	if (path[0] != '/' || slash == NULL) {
		snprintf(err, errlen, "pidfile %s: want an absolute path", path);
		return -1;
	}
	snprintf(dir, sizeof(dir), "%.*s", slash == path ? 1 :
		 (int)(slash - path), path);
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "pidfile %s: directory %s does not exist",
			 path, dir);
		return -1;
	}
	return 0;
}

int
pidfile_check_writable(const char *path, char *err, size_t errlen)
{
	char dir[4096];
	const char *slash = strrchr(path, '/');

	if (pidfile_check(path, err, errlen) != 0)
		return -1;
	snprintf(dir, sizeof(dir), "%.*s", slash == path ? 1 :
		 (int)(slash - path), path);
	if (access(path, F_OK) == 0 ? access(path, W_OK) != 0 :
	    access(dir, W_OK | X_OK) != 0) {
		snprintf(err, errlen, "pidfile %s: cannot be written (%s)", path,
			 strerror(errno));
		return -1;
	}
	return 0;
}

int
pidfile_write(const char *path, char *err, size_t errlen)
{
	char buf[32];
	int fd, n;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
		  0644);
	if (fd < 0) {
		snprintf(err, errlen, "pidfile %s: %s", path, strerror(errno));
		return -1;
	}
	n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (write(fd, buf, (size_t)n) != n || close(fd) != 0) {
		snprintf(err, errlen, "pidfile %s: %s", path, strerror(errno));
		unlink(path);
		return -1;
	}
	written_by = getpid();
	return 0;
}

void
pidfile_remove(const char *path)
{
	if (path[0] && written_by == getpid())
		unlink(path);
}
