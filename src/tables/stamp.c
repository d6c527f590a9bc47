/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * stamp.c - file stamps (see stamp.h).
 */
#include "config.h"
#include "stamp.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static void
stamp(const char *path, struct file_stamp *st)
{
	struct stat sb;

	memset(st, 0, sizeof(*st));
	if (path[0] == '\0')
		return;
	if (stat(path, &sb) != 0) {
		st->state = errno == ENOENT ? 0 : -1;
		return;
	}
	st->state = 1;
	st->dev = sb.st_dev;
	st->ino = sb.st_ino;
	st->size = sb.st_size;
	st->mtime = sb.st_mtim;
	st->ctime = sb.st_ctim;
}

void
stamp_files(const struct tables *t, struct file_stamp *out)
{
	for (int i = 0; i < TF_COUNT; i++)
		stamp(t->path[i], &out[i]);
}

static int
same(const struct file_stamp *x, const struct file_stamp *y)
{
	return x->state == y->state && x->dev == y->dev &&
	       x->ino == y->ino && x->size == y->size &&
	       x->mtime.tv_sec == y->mtime.tv_sec &&
	       x->mtime.tv_nsec == y->mtime.tv_nsec &&
	       x->ctime.tv_sec == y->ctime.tv_sec &&
	       x->ctime.tv_nsec == y->ctime.tv_nsec;
}

int
stamp_equal(const struct file_stamp *a, const struct file_stamp *b)
{
	for (int i = 0; i < TF_COUNT; i++)
		if (!same(&a[i], &b[i]))
			return 0;
	return 1;
}

int
stamp_unchanged(const struct tables *prev, const struct tables *t,
		enum tables_file f)
{
	return prev != NULL && prev->stamp[f].state == 1 &&
	       strcmp(prev->path[f], t->path[f]) == 0 &&
	       same(&prev->stamp[f], &t->stamp[f]);
}

int
stamp_changed(const struct tables *t)
{
	struct file_stamp now[TF_COUNT];

	stamp_files(t, now);
	return !stamp_equal(now, t->stamp);
}

int
stamp_settled(const struct file_stamp *now, const struct file_stamp *ref,
	      long ms)
{
	struct timespec t;

	clock_gettime(CLOCK_REALTIME, &t);
	for (int i = 0; i < TF_COUNT; i++) {
		long long age_ms;

		if (now[i].state != 1 || same(&now[i], &ref[i]))
			continue;
		age_ms = (long long)(t.tv_sec - now[i].mtime.tv_sec) * 1000 +
			 (t.tv_nsec - now[i].mtime.tv_nsec) / 1000000;
		if (age_ms >= 0 && age_ms < ms)
			return 0;
	}
	return 1;
}
