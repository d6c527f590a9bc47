/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * file.h - open a file the tables are read from.  Only a regular file
 * will do, and opening never waits: a FIFO or a device at a watched path is
 * an error naming it, not a reader stuck until someone writes to it.
 */
#ifndef QR_FILE_H
#define QR_FILE_H

#include <stddef.h>

/* Returns 1 and an open descriptor in *fd, 0 if the file does not exist,
 * -1 on any other error (message naming the file in err). */
int file_open(const char *path, int *fd, char *err, size_t errlen);

/* 1 if the open file still has the size, mtime and ctime it had in
 * *before: nobody wrote to it while it was read.  A reader that gets 0
 * reads it again (FILE_READ_TRIES times in all). */
struct stat;
int file_unchanged(int fd, const struct stat *before);
#define FILE_READ_TRIES 3

#endif
