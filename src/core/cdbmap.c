/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cdbmap.c - lookups in a tinycdb database with per-lookup handle copies
 * (see cdbmap.h).  Only tinycdb's public interface is used.
 */
#include "cdbmap.h"

#include <string.h>

/* Larger than a typical L2 cache: a lookup there is likely a miss. */
#define CDBMAP_PREFETCH_SIZE (4u << 20)

void
cdbmap_start(const struct cdbmap *m, struct cdbmap_probe *p, const void *key,
	     unsigned klen)
{
	unsigned h, n, pos;
	const unsigned char *hdr, *slot;

	p->m = m;
	p->key = key;
	p->klen = klen;
	if (!m->open || m->size < CDBMAP_PREFETCH_SIZE)
		return;
	/* where cdb_findinit() will look: the table of the key's hash in
	 * the 2 kB header (always cached), then its slot (a cache miss) */
	h = cdb_hash(key, klen);
	if ((hdr = cdb_get(&m->cdb, 8, (h << 3) & 2047)) == NULL ||
	    (n = cdb_unpack(hdr + 4)) == 0)
		return;
	pos = cdb_unpack(hdr) + ((h >> 8) % n) * 8;
	if ((slot = cdb_get(&m->cdb, 8, pos)) != NULL)
		__builtin_prefetch(slot);
}

/* The lookup itself on c, a private copy of the handle. */
static int
find(struct cdb *c, const struct cdbmap_probe *p)
{
	struct cdb_find f;
	int r;

	if ((r = cdb_findinit(&f, c, p->key, p->klen)) <= 0)
		return r < 0 ? -1 : 0;
	r = cdb_findnext(&f);
	return r < 0 ? -1 : r > 0;
}

int
cdbmap_finish(const struct cdbmap_probe *p)
{
	struct cdb c;

	if (!p->m->open)
		return 0;
	c = p->m->cdb;
	return find(&c, p);
}

int
cdbmap_find(const struct cdbmap *m, const void *key, unsigned klen,
	    const char **data, unsigned *dlen)
{
	struct cdbmap_probe p = { m, key, klen };
	struct cdb c;
	int r;

	if (!m->open)
		return 0;
	c = m->cdb;
	if ((r = find(&c, &p)) <= 0)
		return r;
	if (data) {	/* the result lives in the handle copy */
		*data = cdb_get(&c, cdb_datalen(&c), cdb_datapos(&c));
		if (*data == NULL)
			return -1;
	}
	if (dlen)
		*dlen = cdb_datalen(&c);
	return 1;
}

void
cdbmap_close(struct cdbmap *m)
{
	if (m->open)
		cdb_free(&m->cdb);
	memset(m, 0, sizeof(*m));
}
