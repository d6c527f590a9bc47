/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rules.h - tcpserver access rules: lookups in a compiled rules cdb.
 *
 * A tcp.smtp.cdb that tcprules wrote, or the cdb that tables/tcprules.c
 * compiles from tcp.smtp text (its records start with an "L<line>" item,
 * so decisions can name the line).  Lookups follow tcpserver's order:
 * info@ip, info@=host, ip, =host, ip prefixes ending in '.' (or ':')
 * longest first, =.suffix left to right, =, and the empty key; the first
 * key present wins, and of duplicate keys the first record.
 */
#ifndef QR_RULES_H
#define QR_RULES_H

#include <stddef.h>

#include "cdbmap.h"

struct rules;

struct rule_match {
	int found;		/* 0: no rule matched (tcpserver allows) */
	int deny;
	int relayclient;	/* RELAYCLIENT set, possibly to "" */
	const char *rc_value;	/* its value, in the rules' memory (valid
				 * while they are); NULL or "" if empty */
	unsigned rc_value_len;
	int rblsmtpd_set;	/* RBLSMTPD set, possibly to "" */
	char rblsmtpd[256];	/* its value (cut) */
	char key[320];		/* the key that matched */
	unsigned lineno;	/* text rules: line number; cdb: 0 */
};

/* Rules over a database (taken over, also on failure); name is the file
 * name for messages; from_text: the records carry line numbers.  NULL
 * when out of memory. */
struct rules *rules_new(struct cdbmap *db, const char *name, int from_text);

/* ip must be normalised text; host and info may be NULL (unset).
 * Returns 0 (m filled), or -1 if the cdb is unreadable/corrupt. */
int rules_lookup(const struct rules *r, const char *ip, const char *host,
		 const char *info, struct rule_match *m);

/* 1 if some rule sets RELAYCLIENT to a non-empty value (recipients are
 * then rewritten for its clients), 0 if none. */
int rules_have_values(const struct rules *r);

/* Does a catch-all key ("" or "=") grant RELAYCLIENT?  1 yes (why filled),
 * 0 no, -1 error. */
int rules_relay_for_all(const struct rules *r, char *why, size_t whylen);

/* "tcp.smtp:12 \"1.2.3.\"" or "tcp.smtp.cdb key \"1.2.3.\"". */
void rules_describe(const struct rules *r, const struct rule_match *m,
		    char *buf, size_t len);

/* Walk every record in file order (test and dump helper).  The callback
 * gets the key and the djb-format data (without the line-number item);
 * a non-zero return stops the walk.  0, or -1 on a corrupt file. */
int rules_walk(const struct rules *r,
	       int (*fn)(void *, const char *, unsigned, const char *,
			 unsigned),
	       void *arg);

/* Walk every record in file order, decoded as a lookup reads it: m holds
 * the key (cut to fit m->key; keylen is its whole length), what the rule
 * sets and, for text rules, its line.  first is 0 for a record whose key
 * an earlier record already has: a lookup returns only the first of
 * duplicate keys, so this one never matches (as in tcpserver).  A
 * non-zero return from fn stops the walk.  0, or -1 on a corrupt file. */
int rules_each(const struct rules *r,
	       int (*fn)(void *arg, const struct rule_match *m, size_t keylen,
			 int first),
	       void *arg);

void rules_free(struct rules *r);

#endif
