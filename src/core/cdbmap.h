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

/* The same lookup in two steps, for a caller with several keys to look up
 * (every .suffix of a domain): cdbmap_start() finds where the key's hash
 * slot is and starts loading it into the cache; cdbmap_finish() completes
 * the lookup.  Starting all of them before finishing any lets their memory
 * accesses overlap instead of waiting for each in turn.  A probe must not
 * be moved between the two calls; the key must stay valid. */
struct cdbmap_probe {
	struct cdb c;		/* private copy of the handle */
	struct cdb_find f;	/* f.cdb_cdbp points at c */
	int state;		/* 1 started, 0 absent already, -1 corrupt */
};
void cdbmap_start(const struct cdbmap *m, struct cdbmap_probe *p,
		  const void *key, unsigned klen);
/* Returns 1 found, 0 not found, -1 error (corrupt file). */
int cdbmap_finish(struct cdbmap_probe *p);

void cdbmap_close(struct cdbmap *m);

#endif
