/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * stamp.h - has a file a snapshot was read from changed?  A file's stamp is
 * its inode, size, mtime and ctime (or that it is absent); the daemon's
 * watcher compares the stamps a snapshot took with the files now.
 */
#ifndef QR_STAMP_H
#define QR_STAMP_H

#include "core/tables.h"

/* The stamps of every file the snapshot's settings name. */
void stamp_files(const struct tables *t, struct file_stamp *out);

/* 1 if two sets of TF_COUNT stamps are the same. */
int stamp_equal(const struct file_stamp *a, const struct file_stamp *b);

/* 1 if file f exists and is the same in both snapshots (same path, same
 * stamp), so that t may share prev's piece of it. */
int stamp_unchanged(const struct tables *prev, const struct tables *t,
		    enum tables_file f);

/* 0 if a file that differs between now and ref was written less than ms
 * milliseconds ago: a writer may still be at it (cp, an editor writing in
 * place), so reading it now could see half of it.  1 otherwise. */
int stamp_settled(const struct file_stamp *now, const struct file_stamp *ref,
		  long ms);

/* 1 if any file differs from the stamps the snapshot took. */
int stamp_changed(const struct tables *t);

#endif
