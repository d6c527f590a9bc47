/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * lint_smrelay.c - qrelayctl lint: whom Sendmail's own relay check lets
 * relay (without promiscuous_relay), read from sendmail.cf and the files
 * it names:
 *   class R        "CR..." / "C{R}..." words and "FR" / "F{R}" files
 *                  (RELAY_DOMAIN, relay-domains): a client whose address
 *                  or host name falls in an entry relays, and mail to a
 *                  domain in it is relayed;
 *   the access map "Kaccess ... /etc/mail/access": RELAY entries, read
 *                  from the text makemap made the map from; Connect: (or
 *                  untagged) keys grant clients, To: (or untagged) keys
 *                  grant destinations, From: keys senders (only with
 *                  relay_mail_from);
 *   relay_local_from, relay_mail_from: the sender grants relaying, and
 *                  a client names any sender it likes.
 * A grant for every destination under a public suffix (a top-level
 * domain, co.uk), or for a sender, lets everyone relay; an address grant
 * broader than a /16 of IPv4 or a /32 of IPv6, or one for clients named
 * under a public suffix, is a relay-broad finding.
 */
#define _GNU_SOURCE
#include "config.h"
#include "lint.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct smr {
	struct {
		char *text;	/* a "CR" / "C{R}" or "FR" / "F{R}" line */
		unsigned line;
	} *cls;
	size_t n_cls;
	char access[1024];	/* the access map's file, "" none */
	unsigned local_from_line, mail_from_line;	/* the features */
	int open;		/* everyone may relay: why says how */
	char why[600];
};

struct smr *
lint_smr_new(void)
{
	struct smr *r = lint_alloc(sizeof(*r));

	memset(r, 0, sizeof(*r));	/* lint_alloc does not clear */
	return r;
}

void
lint_smr_free(struct smr *r)
{
	for (size_t i = 0; i < r->n_cls; i++)
		free(r->cls[i].text);
	free(r->cls);
	free(r);
}

/* The last blank-separated word of s, in place. */
static char *
last_word(char *s)
{
	char *w;
	size_t n = strlen(s);

	while (n > 0 && strchr(" \t\r\n", s[n - 1]))
		s[--n] = '\0';
	w = s + n;
	while (w > s && !strchr(" \t", w[-1]))
		w--;
	return w;
}

/* The first grant that lets everyone relay: why says "file:line: how". */
static void __attribute__((format(printf, 4, 5)))
grant_open(struct smr *r, const char *file, unsigned line, const char *fmt,
	   ...)
{
	va_list ap;
	int n;

	if (r->open)
		return;
	r->open = 1;
	n = snprintf(r->why, sizeof(r->why), line ? "%.300s:%u: " : "%.300s: ",
		     file, line);
	va_start(ap, fmt);
	vsnprintf(r->why + n, sizeof(r->why) - (size_t)n, fmt, ap);
	va_end(ap);
}

enum { G_CLIENT = 1, G_TO = 2, G_FROM = 4 };

/* One granted key: judge it for what it grants (G_*). */
static void
grant(struct lint *l, struct smr *r, const char *key, int what,
      const char *file, unsigned line)
{
	size_t n = strlen(key);
	int dots = 0, digits = 1, psl;

	if (n == 0)
		return;
	if (what & G_FROM) {
		grant_open(r, file, line, "\"From:%s RELAY\" with relay_mail_from: a client that says MAIL FROM that sender relays, and a client names any sender it likes",
			   key);
		return;
	}
	if (strncasecmp(key, "IPv6:", 5) == 0) {
		int groups = 1;

		if (strstr(key + 5, "::"))
			return;	/* compressed: a whole address */
		for (const char *c = key + 5; *c; c++)
			groups += *c == ':';
		if ((what & G_CLIENT) && groups < 2)
			lint_add(l, "relay-broad", file, line,
				 "Sendmail relay grant \"%s\" covers more than a /32 of IPv6",
				 key);
		return;
	}
	for (const char *c = key; *c; c++) {
		dots += *c == '.';
		digits &= (*c >= '0' && *c <= '9') || *c == '.';
	}
	if (digits) {	/* an IPv4 prefix: "10", "10.1", "10.1.2", a whole one */
		if ((what & G_CLIENT) && dots == 0)
			lint_add(l, "relay-broad", file, line,
				 "Sendmail relay grant \"%s\" covers a /8 of IPv4, more than a /16",
				 key);
		return;
	}
	if (strchr(key, '@'))
		return;	/* not a client or a domain */
	psl = lint_public_suffix(key + (key[0] == '.'));
	if (psl == 0 || strcasecmp(key, "localhost") == 0)
		return;
	if ((what & G_TO) && psl == 2)	/* a suffix of the Internet's */
		grant_open(r, file, line, "relay grant \"%s\": mail to every domain under that public suffix is relayed, from anyone",
			   key);
	else if (what & G_CLIENT)
		lint_add(l, "relay-broad", file, line,
			 "Sendmail relay grant \"%s\" covers every client named under a public suffix (a top-level domain, or one like co.uk)",
			 key);
}

/* A class R file: every word of a line is an entry, a line starting with
 * '#' is a comment (Sendmail's fileclass without a scanf format). */
static void
class_file(struct lint *l, struct smr *r, const char *path)
{
	char err[1200], *line = NULL;
	size_t cap = 0;
	unsigned no = 0;
	FILE *f = lint_fopen(path, err, sizeof(err));

	if (f == NULL) {
		if (errno != ENOENT)	/* FR-o: a missing file is fine */
			lint_note(l, "Sendmail: class R file not read: %s", err);
		return;
	}
	while (getline(&line, &cap, f) > 0) {
		char *save = NULL;

		no++;
		if (line[0] == '#')
			continue;
		for (char *w = strtok_r(line, " \t\r\n", &save); w;
		     w = strtok_r(NULL, " \t\r\n", &save))
			grant(l, r, w, G_CLIENT | G_TO, path, no);
	}
	free(line);
	fclose(f);
}

/* The access map's text: "Tag:key<blanks>value". */
static void
access_file(struct lint *l, struct smr *r, const char *map)
{
	char path[1100], err[1200], *line = NULL;
	size_t cap = 0, n = strlen(map);
	unsigned no = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%.*s", (int)(n > 3 &&
		 strcmp(map + n - 3, ".db") == 0 ? n - 3 : n), map);
	if ((f = lint_fopen(path, err, sizeof(err))) == NULL) {
		lint_note(l, "Sendmail: access map %s: its text not read (%s)",
			  map, err);
		return;
	}
	while (getline(&line, &cap, f) > 0) {
		char *key = line + strspn(line, " \t"), *v;
		int what = G_CLIENT | G_TO;

		no++;
		if (*key == '#' || *key == '\0' || *key == '\n')
			continue;
		v = key + strcspn(key, " \t\r\n");
		if (*v)
			*v++ = '\0';
		v += strspn(v, " \t");
		v[strcspn(v, " \t\r\n")] = '\0';
		if (strcmp(v, "RELAY") != 0)
			continue;
		if (strncasecmp(key, "Connect:", 8) == 0) {
			what = G_CLIENT;
			key += 8;
		} else if (strncasecmp(key, "To:", 3) == 0) {
			what = G_TO;
			key += 3;
		} else if (strncasecmp(key, "From:", 5) == 0) {
			if (r->mail_from_line == 0)
				continue;	/* From: RELAY needs the feature */
			what = G_FROM;
			key += 5;
		} else if (strchr(key, ':') && strncasecmp(key, "IPv6:", 5) != 0) {
			continue;	/* another tag */
		}
		grant(l, r, key, what, path, no);
	}
	free(line);
	fclose(f);
}

void
lint_smr_line(struct smr *r, const char *text, unsigned line)
{
	char buf[sizeof(r->access)];

	if ((text[0] == 'C' || text[0] == 'F') &&
	    (strncmp(text + 1, "R", 1) == 0 || strncmp(text + 1, "{R}", 3) == 0)) {
		if ((r->n_cls & 15) == 0) {
			void *more = realloc(r->cls, (r->n_cls + 16) *
					     sizeof(*r->cls));

			if (more == NULL) {
				fprintf(stderr, "qrelayctl: lint: out of memory\n");
				exit(111);
			}
			r->cls = more;
		}
		r->cls[r->n_cls].text = lint_strdup(text);
		r->cls[r->n_cls++].line = line;
	} else if (strncmp(text, "Kaccess ", 8) == 0) {
		snprintf(buf, sizeof(buf), "%s", text);
		snprintf(r->access, sizeof(r->access), "%s", last_word(buf));
	} else if (text[0] == 'R' && strstr(text, "$@ RELAY") &&
		   strstr(text, "FROM local")) {
		r->local_from_line = line;
	} else if (text[0] == 'R' && strstr(text, "$@ RELAY") &&
		   strstr(text, "RELAY FROM sender ok")) {
		r->mail_from_line = line;
	}
}

/* A class R line of sendmail.cf: "CR words" / "C{R}words", or
 * "FR[-o] file" / "F{R}[-o] file" (its words from the file). */
static void
class_line(struct lint *l, struct smr *r, const char *cf, char *text,
	   unsigned line)
{
	char *p = text + (text[1] == 'R' ? 2 : 4), *save = NULL;

	if (text[0] == 'F') {
		p += strspn(p, " \t");
		if (strncmp(p, "-o", 2) == 0)
			p += 2 + strspn(p + 2, " \t");
		p[strcspn(p, " \t\r\n")] = '\0';
		class_file(l, r, p);
		return;
	}
	for (char *w = strtok_r(p, " \t\r\n", &save); w;
	     w = strtok_r(NULL, " \t\r\n", &save))
		grant(l, r, w, G_CLIENT | G_TO, cf, line);
}

int
lint_smr_judge(struct lint *l, struct smr *r, const char *cf, char *why,
	       size_t len)
{
	if (r->local_from_line)
		grant_open(r, cf, r->local_from_line, "%s",
			   "FEATURE(`relay_local_from'): a client that says MAIL FROM a local domain relays, and a client names any sender it likes");
	for (size_t i = 0; i < r->n_cls; i++)
		class_line(l, r, cf, r->cls[i].text, r->cls[i].line);
	if (r->access[0])
		access_file(l, r, r->access);
	if (r->open)
		snprintf(why, len, "%s", r->why);
	return r->open;
}
