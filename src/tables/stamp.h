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

/* 1 if any file differs from the stamps the snapshot took. */
int stamp_changed(const struct tables *t);

#endif
