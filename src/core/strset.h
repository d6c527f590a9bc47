/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * strset.h - a read-mostly set of strings with ASCII case-insensitive
 * lookup, remembering the line each entry came from (qmail's constmap).
 *
 * Keys are not copied: they must outlive the set (they point into the
 * control file buffer).  The first of duplicate keys wins.  Lookups are
 * lock-free and safe from many threads once building is done.
 */
#ifndef QR_STRSET_H
#define QR_STRSET_H

#include <stddef.h>
#include <stdint.h>

struct strset;

struct strset *strset_new(size_t expected);
/* Returns 0, or -1 when out of memory. */
int strset_add(struct strset *s, const char *key, size_t len, unsigned lineno);
/* Returns the line number of the entry (>= 1), or 0 if absent. */
/* A hint before adding many keys: start loading key's slot into the cache
 * (a bulk load issues it a few keys ahead of strset_add). */
void strset_prefetch(const struct strset *s, const char *key, size_t len);
unsigned strset_find(const struct strset *s, const char *key, size_t len);
/* strset_find in two steps, for a caller with several keys to look up:
 * strset_hash() + strset_prefetch_hash() for each key, then
 * strset_find_hash() for each, so that the slots load in parallel. */
uint32_t strset_hash(const char *key, size_t len);
void strset_prefetch_hash(const struct strset *s, uint32_t hash);
unsigned strset_find_hash(const struct strset *s, const char *key, size_t len,
			  uint32_t hash);
size_t strset_count(const struct strset *s);
void strset_free(struct strset *s);

#endif
