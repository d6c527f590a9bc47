/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * strset.c - open-addressing hash set, case-insensitive (see strset.h).
 */
#include "strset.h"
#include "ascii.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

struct entry {
	const char *key;	/* NULL = empty slot */
	uint32_t len;
	uint32_t hash;
	unsigned lineno;
};

struct strset {
	struct entry *tab;
	size_t mask;		/* capacity - 1, capacity a power of two */
	size_t count;
};

/* Tables of 2 MB and more are mapped with transparent huge pages where
 * the kernel offers them (madvise mode): a lookup in a table of a million
 * entries is one random access, and 4 kB pages would add a TLB miss to it.
 * Anonymous mappings start zeroed, like calloc. */
#define BIG_TABLE (2u << 20)

static struct entry *
tab_alloc(size_t n)
{
	size_t bytes = n * sizeof(struct entry);
	void *p;

	if (bytes < BIG_TABLE)
		return calloc(n, sizeof(struct entry));
	p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
#ifdef MADV_HUGEPAGE
	madvise(p, bytes, MADV_HUGEPAGE);	/* a hint: failure is fine */
#endif
	return p;
}

static void
tab_free(struct entry *tab, size_t n)
{
	if (tab == NULL)
		return;
	if (n * sizeof(struct entry) < BIG_TABLE)
		free(tab);
	else
		munmap(tab, n * sizeof(struct entry));
}

uint32_t
strset_hash(const char *k, size_t len)
{
	uint32_t h = 2166136261u;	/* FNV-1a */

	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)ascii_tolower(k[i]);
		h *= 16777619u;
	}
	/* FNV-1a's low bits are poorly mixed for keys that differ only in
	 * a few bytes (h0000001.rh.test, h0000002.rh.test, ...), and the table
	 * is indexed by the low bits: finish with murmur3's fmix32, or linear
	 * probing degenerates into long clusters at a million entries */
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h;
}

struct strset *
strset_new(size_t expected)
{
	struct strset *s = calloc(1, sizeof(*s));
	size_t cap = 16;

	if (s == NULL)
		return NULL;
	while (cap < expected * 2)
		cap *= 2;
	s->tab = tab_alloc(cap);
	if (s->tab == NULL) {
		free(s);
		return NULL;
	}
	s->mask = cap - 1;
	return s;
}

static struct entry *
slot_for(struct entry *tab, size_t mask, const char *key, size_t len,
	 uint32_t h)
{
	for (size_t i = h & mask;; i = (i + 1) & mask) {
		struct entry *e = &tab[i];

		if (e->key == NULL ||
		    (e->hash == h && e->len == len && ascii_equal(e->key, key, len)))
			return e;
	}
}

static int
grow(struct strset *s)
{
	size_t ncap = (s->mask + 1) * 2;
	struct entry *nt = tab_alloc(ncap);

	if (nt == NULL)
		return -1;
	for (size_t i = 0; i <= s->mask; i++) {
		struct entry *e = &s->tab[i];

		if (e->key)
			*slot_for(nt, ncap - 1, e->key, e->len, e->hash) = *e;
	}
	tab_free(s->tab, s->mask + 1);
	s->tab = nt;
	s->mask = ncap - 1;
	return 0;
}

int
strset_add(struct strset *s, const char *key, size_t len, unsigned lineno)
{
	uint32_t h = strset_hash(key, len);
	struct entry *e;

	if (len > UINT32_MAX)
		return -1;
	if ((s->count + 1) * 2 > s->mask + 1 && grow(s) != 0)
		return -1;
	e = slot_for(s->tab, s->mask, key, len, h);
	if (e->key)
		return 0;	/* first one wins */
	e->key = key;
	e->len = (uint32_t)len;
	e->hash = h;
	e->lineno = lineno;
	s->count++;
	return 0;
}

void
strset_prefetch(const struct strset *s, const char *key, size_t len)
{
	__builtin_prefetch(&s->tab[strset_hash(key, len) & s->mask], 1);
}

void
strset_prefetch_hash(const struct strset *s, uint32_t hash)
{
	if (s)
		__builtin_prefetch(&s->tab[hash & s->mask]);
}

unsigned
strset_find_hash(const struct strset *s, const char *key, size_t len,
		 uint32_t hash)
{
	const struct entry *e;

	if (s == NULL)
		return 0;
	e = slot_for(s->tab, s->mask, key, len, hash);
	return e->key ? e->lineno : 0;
}

unsigned
strset_find(const struct strset *s, const char *key, size_t len)
{
	return strset_find_hash(s, key, len, strset_hash(key, len));
}

size_t
strset_count(const struct strset *s)
{
	return s ? s->count : 0;
}

void
strset_free(struct strset *s)
{
	if (s) {
		tab_free(s->tab, s->mask + 1);
		free(s);
	}
}
