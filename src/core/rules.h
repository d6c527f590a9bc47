/*
 * tcprules.h - tcpserver access rules (tcp.smtp text or tcp.smtp.cdb).
 *
 * The text format is parsed exactly as Debian's tcprules (djb 0.88) parses
 * it, plus the Debian ucspi-tcp-ipv6 reading of IPv6 keys (the separator is
 * the first ':' followed by "allow" or "deny").  A text file is compiled
 * into an in-memory cdb with tinycdb, so both forms share one lookup path
 * and "first duplicate key wins" behaves as in tcpserver.  Lookups follow
 * tcpserver's order: info@ip, info@=host, ip, =host, ip prefixes ending in
 * '.' (or ':') longest first, =.suffix left to right, =, and the empty key.
 */
#ifndef QR_TCPRULES_H
#define QR_TCPRULES_H

#include <stddef.h>

struct rules;

struct rule_match {
	int found;		/* 0: no rule matched (tcpserver allows) */
	int deny;
	int relayclient;	/* RELAYCLIENT set, possibly to "" */
	char relayclient_value[128];
	char key[320];		/* the key that matched */
	unsigned lineno;	/* text rules: line number; cdb: 0 */
};

/* Load a rules file: a name ending in ".cdb" is read as a compiled cdb,
 * anything else as tcprules text.  Returns 0, or -1 with "file:line: why"
 * in err.  warn (may be NULL) receives non-fatal remarks. */
int rules_load(struct rules **out, const char *path,
	       void (*warn)(void *, const char *), void *warnarg,
	       char *err, size_t errlen);

/* ip must be normalised text; host and info may be NULL (unset).
 * Returns 0 (m filled), or -1 if the cdb is unreadable/corrupt. */
int rules_lookup(const struct rules *r, const char *ip, const char *host,
		 const char *info, struct rule_match *m);

/* Does a catch-all key ("" or "=") grant RELAYCLIENT?  1 yes (why filled),
 * 0 no, -1 error. */
int rules_relay_for_all(const struct rules *r, char *why, size_t whylen);

/* "tcp.smtp:12" or "tcp.smtp.cdb key \"1.2.3.\"" describing the match. */
void rules_describe(const struct rules *r, const struct rule_match *m,
		    char *buf, size_t len);

/* Walk every record in file order (test and dump helper).  The callback
 * gets the key and the djb-format data (without our line-number item). */
int rules_walk(const struct rules *r,
	       int (*fn)(void *, const char *, unsigned, const char *,
			 unsigned),
	       void *arg);

void rules_free(struct rules *r);

#endif
