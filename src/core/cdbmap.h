/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cdbmap.h - thread-safe lookups in a tinycdb database already in memory.
 *
 * tinycdb's struct cdb holds the result of the last cdb_find(), so one
 * handle must not be shared between threads.  Every lookup here works on a
 * private copy of the handle (the mapping is shared), so lookups need no
 * lock.  Opening a file is the loader's business (tables/cdbfile.h); the
 * mapping stays until cdbmap_close().
 */
#ifndef QR_CDBMAP_H
#define QR_CDBMAP_H

#include <cdb.h>
#include <stddef.h>

struct cdbmap {
	int open;		/* 0: no database (the file was absent) */
	struct cdb cdb;
	size_t size;		/* bytes: beyond the caches, lookups prefetch */
};

/* Returns 1 found (data and dlen point into the map), 0 not found, -1 error
 * (corrupt file).  data may be NULL. */
int cdbmap_find(const struct cdbmap *m, const void *key, unsigned klen,
		const char **data, unsigned *dlen);

/* The same lookup in two steps, for a caller with several keys to look up
 * (every .suffix of a domain): cdbmap_start() finds the key's hash slot
 * and starts loading it into the cache; cdbmap_finish() completes the
 * lookup.  Starting all of them before finishing any lets their memory
 * accesses overlap instead of waiting for each in turn.  A database small
 * enough to stay in the caches is not prefetched (finding the slot costs
 * a hash of the key, which tinycdb then computes again).  The key must
 * stay valid in between. */
struct cdbmap_probe {
	const struct cdbmap *m;
	const void *key;
	unsigned klen;
};
void cdbmap_start(const struct cdbmap *m, struct cdbmap_probe *p,
		  const void *key, unsigned klen);
/* Returns 1 found, 0 not found, -1 error (corrupt file). */
int cdbmap_finish(const struct cdbmap_probe *p);

/* Unmap the database (a no-op if none). */
void cdbmap_close(struct cdbmap *m);

#endif
