/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * status.c - write the status file (see status.h).
 */
#include "config.h"
#include "status.h"
#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int warned;

/* The error on one line: control characters become '?'. */
static void
one_line(const char *s, char *out, size_t len)
{
	size_t o = 0;

	for (; s && *s && o + 1 < len; s++)
		out[o++] = (unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s;
	out[o] = '\0';
}

void
status_write(const char *path, const struct status *st)
{
	char tmp[1100], err[1100], dir[1100], rules[1100];
	FILE *f;
	int fd;

	if (path[0] == '\0')
		return;
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	one_line(st->error, err, sizeof(err));
	one_line(st->control_dir, dir, sizeof(dir));
	one_line(st->rules_file, rules, sizeof(rules));
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
		  0644);
	if (fd < 0 && errno == ENOENT)
		return;		/* no such directory: not run as the service */
	if (fd < 0 || (f = fdopen(fd, "w")) == NULL) {
		if (!warned) {
			warned = 1;
			log_msg(LOG_WARNING, "warning: cannot write status file %s: %s (qrelayctl status will not see this daemon)",
				path, strerror(errno));
		}
		if (fd >= 0)
			close(fd);
		return;
	}
	fprintf(f, "pid=%ld\nversion=%s\nsocket=%s\nstarted=%lld\nloaded=%lld\n"
		"reloads=%lu\nfailed_reloads=%lu\nstate=%s\nstale_since=%lld\nerror=%s\n"
		"tables_bytes=%zu\nold_snapshots=%u\nold_bytes=%zu\n"
		"control_dir=%s\nrules_file=%s\n",
		(long)getpid(), PACKAGE_VERSION, st->socket,
		(long long)st->started, (long long)st->loaded, st->reloads,
		st->failed_reloads, st->stale_since ? "stale" : "fresh",
		(long long)st->stale_since, err, st->tables_bytes,
		st->old_snapshots, st->old_bytes, dir, rules);
	if (fclose(f) != 0 || rename(tmp, path) != 0) {
		if (!warned) {
			warned = 1;
			log_msg(LOG_WARNING, "warning: cannot write status file %s: %s",
				path, strerror(errno));
		}
		unlink(tmp);
		return;
	}
	warned = 0;
}

void
status_remove(const char *path)
{
	if (path[0])
		unlink(path);
}
