/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rules.c - tcpserver rule lookup in a compiled rules cdb (see rules.h).
 */
#include "rules.h"
#include "ip.h"
#include "suffix.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct rules {
	struct cdbmap map;
	char name[256];		/* file name for messages */
	int from_text;		/* records carry an "L<line>" item first */
	int have_values;	/* some RELAYCLIENT value is not empty */
};

static int
find_value(void *arg, const char *k, unsigned kl, const char *d, unsigned dl)
{
	const char *end = d + dl;

	(void)k;
	(void)kl;
	while (d < end) {
		const char *z = memchr(d, '\0', (size_t)(end - d));
		size_t n = z ? (size_t)(z - d) : (size_t)(end - d);

		if (n > 13 && memcmp(d, "+RELAYCLIENT=", 13) == 0) {
			*(int *)arg = 1;
			return 1;
		}
		d += n + 1;
	}
	return 0;
}

struct rules *
rules_new(struct cdbmap *db, const char *name, int from_text)
{
	struct rules *r = calloc(1, sizeof(*r));
	const char *base = strrchr(name, '/');

	if (r == NULL) {
		cdbmap_close(db);
		return NULL;
	}
	r->map = *db;
	memset(db, 0, sizeof(*db));
	snprintf(r->name, sizeof(r->name), "%s", base ? base + 1 : name);
	r->from_text = from_text;
	/* one pass at load: the milter asks the MTA for the right to change
	 * recipients only when some rule may need it */
	if (rules_walk(r, find_value, &r->have_values) != 0)
		r->have_values = 1;	/* unreadable: lookups will fail anyway */
	return r;
}

/* Interpret a record: items are NUL-terminated; "D" deny, "+VAR=value",
 * "-VAR" (unset), "L<n>" our line number. */
static void
decode(const struct rules *r, const char *d, unsigned dlen,
       struct rule_match *m)
{
	const char *end = d + dlen;

	while (d < end) {
		const char *z = memchr(d, '\0', (size_t)(end - d));
		size_t n = z ? (size_t)(z - d) : (size_t)(end - d);

		if (n >= 1 && d[0] == 'D') {
			m->deny = 1;
		} else if (n >= 1 && d[0] == 'L' && r->from_text) {
			m->lineno = (unsigned)strtoul(d + 1, NULL, 10);
		} else if (n >= 13 && memcmp(d, "+RELAYCLIENT=", 13) == 0) {
			m->relayclient = 1;	/* the last one wins */
			m->rc_value = d + 13;
			m->rc_value_len = (unsigned)(n - 13);
		} else if (n == 12 && memcmp(d, "-RELAYCLIENT", 12) == 0) {
			m->relayclient = 0;
			m->rc_value = NULL;
			m->rc_value_len = 0;
		} else if (n >= 10 && memcmp(d, "+RBLSMTPD=", 10) == 0) {
			size_t vl = n - 10 < sizeof(m->rblsmtpd) - 1 ?
				n - 10 : sizeof(m->rblsmtpd) - 1;

			m->rblsmtpd_set = 1;
			memcpy(m->rblsmtpd, d + 10, vl);
			m->rblsmtpd[vl] = '\0';
		} else if (n == 9 && memcmp(d, "-RBLSMTPD", 9) == 0) {
			m->rblsmtpd_set = 0;
		}
		d += n + 1;
	}
}

static int
probe(const struct rules *r, const char *key, size_t klen,
      struct rule_match *m)
{
	const char *data;
	unsigned dlen;
	int rc;

	if (klen >= sizeof(m->key))
		return 0;
	rc = cdbmap_find(&r->map, key, (unsigned)klen, &data, &dlen);
	if (rc <= 0)
		return rc;
	m->found = 1;
	memcpy(m->key, key, klen);
	m->key[klen] = '\0';
	decode(r, data, dlen, m);
	return 1;
}

int
rules_lookup(const struct rules *r, const char *ip, const char *host,
	     const char *info, struct rule_match *m)
{
	char key[320];
	size_t iplen = strlen(ip), pos, plen;
	int rc;

	memset(m, 0, sizeof(*m));
	if (r == NULL)
		return 0;
#define TRY(k, n) do { rc = probe(r, (k), (n), m); if (rc) return rc < 0 ? -1 : 0; } while (0)
	if (info) {
		int n = snprintf(key, sizeof(key), "%s@%s", info, ip);

		if (n > 0 && (size_t)n < sizeof(key))
			TRY(key, (size_t)n);
		if (host) {
			n = snprintf(key, sizeof(key), "%s@=%s", info, host);
			if (n > 0 && (size_t)n < sizeof(key))
				TRY(key, (size_t)n);
		}
	}
	TRY(ip, iplen);
	if (host) {
		int n = snprintf(key, sizeof(key), "=%s", host);

		if (n > 0 && (size_t)n < sizeof(key))
			TRY(key, (size_t)n);
	}
	pos = iplen;
	while ((plen = ip_next_prefix(ip, &pos)) > 0)
		TRY(ip, plen);
	if (host) {
		for (const char *d = suffix_next(host); d; d = suffix_next(d)) {
			int n = snprintf(key, sizeof(key), "=%s", d);

			if (n > 0 && (size_t)n < sizeof(key))
				TRY(key, (size_t)n);
		}
		TRY("=", 1);
	}
	TRY("", 0);
#undef TRY
	return 0;
}

int
rules_have_values(const struct rules *r)
{
	return r != NULL && r->have_values;
}

int
rules_relay_for_all(const struct rules *r, char *why, size_t whylen)
{
	static const char *const keys[] = { "", "=" };

	if (r == NULL)
		return 0;
	for (size_t i = 0; i < 2; i++) {
		struct rule_match m;
		char desc[400];
		int rc;

		memset(&m, 0, sizeof(m));
		rc = probe(r, keys[i], strlen(keys[i]), &m);
		if (rc < 0)
			return -1;
		if (rc > 0 && m.relayclient && !m.deny) {
			rules_describe(r, &m, desc, sizeof(desc));
			snprintf(why, whylen,
				 "%s grants RELAYCLIENT to %s", desc,
				 i == 0 ? "every client" :
					  "every client with a host name");
			return 1;
		}
	}
	return 0;
}

void
rules_describe(const struct rules *r, const struct rule_match *m, char *buf,
	       size_t len)
{
	if (!m->found)
		snprintf(buf, len, "%s: no rule matched", r ? r->name : "rules");
	else if (m->lineno)
		snprintf(buf, len, "%s:%u \"%s\"", r->name, m->lineno, m->key);
	else
		snprintf(buf, len, "%s key \"%s\"", r->name, m->key);
}

int
rules_walk(const struct rules *r,
	   int (*fn)(void *, const char *, unsigned, const char *, unsigned),
	   void *arg)
{
	unsigned pos;
	struct cdb c = r->map.cdb;

	cdb_seqinit(&pos, &c);
	for (;;) {
		int rc = cdb_seqnext(&pos, &c);
		const char *k, *d;
		unsigned dl;

		if (rc <= 0)
			return rc;
		k = cdb_get(&c, cdb_keylen(&c), cdb_keypos(&c));
		d = cdb_get(&c, cdb_datalen(&c), cdb_datapos(&c));
		dl = cdb_datalen(&c);
		if (k == NULL || d == NULL)
			return -1;
		if (r->from_text) {	/* drop our "L<n>" item */
			const char *z = memchr(d, '\0', dl);

			if (z) {
				dl -= (unsigned)(z - d) + 1;
				d = z + 1;
			}
		}
		if (fn(arg, k, cdb_keylen(&c), d, dl) != 0)
			return 0;
	}
}

int
rules_each(const struct rules *r,
	   int (*fn)(void *, const struct rule_match *, size_t, int),
	   void *arg)
{
	unsigned pos;
	struct cdb c = r->map.cdb;

	cdb_seqinit(&pos, &c);
	for (;;) {
		struct cdb f = r->map.cdb;
		struct cdb_find cf;
		struct rule_match m;
		unsigned kl, dl, dpos;
		const char *k, *d;
		int rc = cdb_seqnext(&pos, &c), first;

		if (rc <= 0)
			return rc;
		kl = cdb_keylen(&c);
		dl = cdb_datalen(&c);
		dpos = cdb_datapos(&c);
		k = cdb_get(&c, kl, cdb_keypos(&c));
		d = cdb_get(&c, dl, dpos);
		if (k == NULL || d == NULL)
			return -1;
		/* the record a lookup of this key finds */
		if (cdb_findinit(&cf, &f, k, kl) < 0 ||
		    (rc = cdb_findnext(&cf)) < 0)
			return -1;
		first = rc > 0 && cdb_datapos(&f) == dpos;
		memset(&m, 0, sizeof(m));
		m.found = 1;
		memcpy(m.key, k, kl < sizeof(m.key) ? kl : sizeof(m.key) - 1);
		decode(r, d, dl, &m);
		if (fn(arg, &m, kl, first) != 0)
			return 0;
	}
}

void
rules_free(struct rules *r)
{
	if (r) {
		cdbmap_close(&r->map);
		free(r);
	}
}
