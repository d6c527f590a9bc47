/*
 * cdbmap.h - a tinycdb file opened for shared, thread-safe lookups.
 *
 * tinycdb's struct cdb holds the result of the last cdb_find(), so one
 * handle must not be shared between threads.  cdbmap_find() works on a
 * private copy of the handle (the mmap is shared), so lookups need no lock.
 * The file stays mapped until cdbmap_close(), which keeps the old inode
 * alive after an atomic rename until the snapshot holding it is released.
 */
#ifndef QR_CDBMAP_H
#define QR_CDBMAP_H

#include <cdb.h>
#include <stddef.h>

struct cdbmap {
	int open;
	struct cdb cdb;
	int fd;
};

/* Returns 1 opened, 0 the file does not exist, -1 error (message in err). */
int cdbmap_open(struct cdbmap *m, const char *path, char *err, size_t errlen);
/* Open an already open fd (taken over; closed by cdbmap_close). */
int cdbmap_open_fd(struct cdbmap *m, int fd, const char *name, char *err,
		   size_t errlen);
/* Returns 1 found (data and dlen point into the map), 0 not found, -1 error
 * (corrupt file).  data may be NULL. */
int cdbmap_find(const struct cdbmap *m, const void *key, unsigned klen,
		const char **data, unsigned *dlen);
void cdbmap_close(struct cdbmap *m);

#endif
