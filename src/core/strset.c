/*
 * strset.c - open-addressing hash set, case-insensitive (see strset.h).
 */
#include "strset.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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

static inline unsigned char
lc(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

static uint32_t
hash_ci(const char *k, size_t len)
{
	uint32_t h = 2166136261u;	/* FNV-1a */

	for (size_t i = 0; i < len; i++) {
		h ^= lc((unsigned char)k[i]);
		h *= 16777619u;
	}
	return h;
}

static int
eq_ci(const char *a, const char *b, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (lc((unsigned char)a[i]) != lc((unsigned char)b[i]))
			return 0;
	return 1;
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
	s->tab = calloc(cap, sizeof(*s->tab));
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
		    (e->hash == h && e->len == len && eq_ci(e->key, key, len)))
			return e;
	}
}

static int
grow(struct strset *s)
{
	size_t ncap = (s->mask + 1) * 2;
	struct entry *nt = calloc(ncap, sizeof(*nt));

	if (nt == NULL)
		return -1;
	for (size_t i = 0; i <= s->mask; i++) {
		struct entry *e = &s->tab[i];

		if (e->key)
			*slot_for(nt, ncap - 1, e->key, e->len, e->hash) = *e;
	}
	free(s->tab);
	s->tab = nt;
	s->mask = ncap - 1;
	return 0;
}

int
strset_add(struct strset *s, const char *key, size_t len, unsigned lineno)
{
	uint32_t h = hash_ci(key, len);
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

unsigned
strset_find(const struct strset *s, const char *key, size_t len)
{
	const struct entry *e;

	if (s == NULL)
		return 0;
	e = slot_for(s->tab, s->mask, key, len, hash_ci(key, len));
	return e->key ? e->lineno : 0;
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
		free(s->tab);
		free(s);
	}
}
