/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tables.c - build and check a snapshot of the relay tables in memory
 * (see tables.h).
 */
#include "config.h"
#include "tables.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const file_names[TF_COUNT] = {
	[TF_RCPTHOSTS] = "rcpthosts",
	[TF_MORERCPTHOSTS] = "morercpthosts.cdb",
	[TF_RELAYCLIENTS] = "relayclients",
	[TF_RELAYDOMAINS] = "relaydomains",
	[TF_RELAYMAILFROM] = "relaymailfrom",
	[TF_RELAYMAILFROM_CDB] = "relaymailfrom.cdb",
	[TF_BADMAILFROM] = "badmailfrom",
	[TF_ME] = "me",
	[TF_LOCALIPHOST] = "localiphost",
	[TF_DNSBLLIST] = "dnsbllist",
};

struct tables_ref {
	atomic_uint n;		/* snapshots that use the piece */
	size_t bytes;		/* the file's size, for memory accounting */
};

static void
warnf(tables_warn_fn warn, void *arg, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
warnf(tables_warn_fn warn, void *arg, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (warn == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	warn(arg, msg);
}

struct tables *
tables_new(const struct settings *s)
{
	struct tables *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return NULL;
	t->s = *s;
	for (int i = 0; i < TF_COUNT; i++) {
		if (i == TF_RULES)
			snprintf(t->path[i], sizeof(t->path[i]), "%s",
				 s->rules_file);
		else
			snprintf(t->path[i], sizeof(t->path[i]), "%s/%s",
				 s->control_dir, file_names[i]);
	}
	/* checked when the configuration was read; tables_finish says so
	 * if a caller passed zones that do not parse */
	if (dnsbl_parse(&t->dnsbl, s->dnsbl_zones, strlen(s->dnsbl_zones),
			"dnsbl_zones", "dnsbl_zones", t->dnsbl_err,
			sizeof(t->dnsbl_err)) != 0 && t->dnsbl_err[0] == '\0')
		snprintf(t->dnsbl_err, sizeof(t->dnsbl_err), "dnsbl_zones: invalid");
	return t;
}

int
tables_set_dnsbl(struct tables *t, const char *text, size_t len, char *err,
		 size_t errlen)
{
	return dnsbl_parse(&t->dnsbl, text, len, "dnsbllist",
			   t->path[TF_DNSBLLIST], err, errlen);
}

/* The files that are lists of entries (loaded into sets). */
static const enum tables_file list_files[] = {
	TF_RCPTHOSTS, TF_RELAYCLIENTS, TF_RELAYDOMAINS, TF_RELAYMAILFROM,
	TF_BADMAILFROM
};
#define N_LISTS (sizeof(list_files) / sizeof(list_files[0]))

int
tables_is_list(enum tables_file f)
{
	for (size_t i = 0; i < N_LISTS; i++)
		if (list_files[i] == f)
			return 1;
	return 0;
}

static struct ctl_set *
list_of(struct tables *t, enum tables_file f)
{
	switch (f) {
	case TF_RCPTHOSTS: return &t->rcpthosts;
	case TF_RELAYCLIENTS: return &t->relayclients;
	case TF_RELAYDOMAINS: return &t->relaydomains;
	case TF_RELAYMAILFROM: return &t->relaymailfrom;
	case TF_BADMAILFROM: return &t->badmailfrom;
	default: return NULL;
	}
}

/* A new piece for f, counted once (if the counter cannot be allocated the
 * piece is just not shared). */
static void
own(struct tables *t, enum tables_file f)
{
	if ((t->ref[f] = malloc(sizeof(*t->ref[f]))) != NULL) {
		atomic_init(&t->ref[f]->n, 1);
		t->ref[f]->bytes = t->stamp[f].state == 1 ?
			(size_t)t->stamp[f].size : 0;
	}
}

size_t
tables_bytes_apart(const struct tables *old, const struct tables *cur)
{
	size_t n = 0;

	for (int f = 0; f < TF_COUNT; f++)
		if (old->ref[f] && (cur == NULL || old->ref[f] != cur->ref[f]))
			n += old->ref[f]->bytes;
	return n;
}

/* Let go of f's piece: freed if no other snapshot uses it. */
static void
drop(struct tables *t, enum tables_file f)
{
	struct ctl_set *cs = list_of(t, f);

	if (t->ref[f] && atomic_fetch_sub(&t->ref[f]->n, 1) != 1) {
		/* still used elsewhere: forget it here */
		if (cs)
			memset(cs, 0, sizeof(*cs));
		else if (f == TF_MORERCPTHOSTS)
			memset(&t->morercpthosts, 0, sizeof(t->morercpthosts));
		else if (f == TF_RELAYMAILFROM_CDB)
			memset(&t->relaymailfrom_cdb, 0,
			       sizeof(t->relaymailfrom_cdb));
		else if (f == TF_RULES)
			t->rules = NULL;
		t->ref[f] = NULL;
		return;
	}
	free(t->ref[f]);
	t->ref[f] = NULL;
	if (cs) {
		strset_free(cs->set);
		ctl_lines_free(&cs->lines);
		free(cs->values);
		memset(cs, 0, sizeof(*cs));
	} else if (f == TF_MORERCPTHOSTS) {
		cdbmap_close(&t->morercpthosts);
	} else if (f == TF_RELAYMAILFROM_CDB) {
		cdbmap_close(&t->relaymailfrom_cdb);
	} else if (f == TF_RULES) {
		rules_free(t->rules);
		t->rules = NULL;
	}
}

int
tables_share(struct tables *t, const struct tables *prev, enum tables_file f)
{
	const struct ctl_set *pcs;

	if (prev == NULL || prev->ref[f] == NULL || t->ref[f] != NULL)
		return 0;
	if ((pcs = list_of((struct tables *)prev, f)) != NULL) {
		if (!pcs->present)
			return 0;
		*list_of(t, f) = *pcs;
	} else if (f == TF_MORERCPTHOSTS && prev->morercpthosts.open) {
		t->morercpthosts = prev->morercpthosts;
	} else if (f == TF_RELAYMAILFROM_CDB && prev->relaymailfrom_cdb.open) {
		t->relaymailfrom_cdb = prev->relaymailfrom_cdb;
	} else if (f == TF_RULES && prev->rules) {
		t->rules = prev->rules;
	} else {
		return 0;
	}
	atomic_fetch_add(&prev->ref[f]->n, 1);
	t->ref[f] = prev->ref[f];
	return 1;
}

/* relayclients, relaydomains: "key:@value" is the key with a RELAYCLIENT
 * value, which qrelay-milter appends to the client's recipients as qmail
 * does with $RELAYCLIENT.  The first ":@" splits (neither an address nor
 * a host name has '@'); any other line is a bare key, as in IndiMail. */
static int
split_value(struct ctl_set *cs, struct ctl_line *l)
{
	char *sep = strstr(l->text, ":@");
	struct ctl_value *v;

	if (sep == NULL)
		return 0;
	v = realloc(cs->values, (cs->n_values + 1) * sizeof(*v));
	if (v == NULL)
		return -1;
	cs->values = v;
	v += cs->n_values++;
	v->lineno = l->lineno;
	v->text = sep + 1;
	v->len = (unsigned)(l->len - (size_t)(sep + 1 - l->text));
	*sep = '\0';		/* the key ends here (lines.buf is ours) */
	l->len = (size_t)(sep - l->text);
	return 0;
}

const char *
tables_line_value(const struct ctl_set *cs, unsigned lineno, unsigned *len)
{
	size_t lo = 0, hi = cs->n_values;

	while (lo < hi) {	/* values are in line order */
		size_t mid = lo + (hi - lo) / 2;

		if (cs->values[mid].lineno < lineno)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == cs->n_values || cs->values[lo].lineno != lineno)
		return NULL;
	*len = cs->values[lo].len;
	return cs->values[lo].text;
}

int
tables_set_list(struct tables *t, enum tables_file f, char *text, size_t len,
		tables_warn_fn warn, void *warnarg, char *err, size_t errlen)
{
	struct ctl_set *cs = list_of(t, f);
	const char *path = t->path[f];

	if (cs == NULL || cs->present) {
		free(text);
		snprintf(err, errlen, "%s: not a list, or given twice", path);
		return -1;
	}
	if (ctl_lines_split(&cs->lines, text, len) != 0 ||
	    (cs->set = strset_new(cs->lines.n)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	cs->present = 1;
	own(t, f);
	for (size_t i = 0; i < cs->lines.n; i++) {
		struct ctl_line *l = &cs->lines.v[i];

		/* a million random slots: fetch a few lines ahead */
		if (i + 8 < cs->lines.n)
			strset_prefetch(cs->set, cs->lines.v[i + 8].text,
					cs->lines.v[i + 8].len);
		if (memchr(l->text, '\r', l->len))
			warnf(warn, warnarg,
			      "%s:%u: line contains a carriage return (DOS line ending?); qmail never matches it either",
			      path, l->lineno);
		else if (l->text[0] == ' ' || l->text[0] == '\t')
			warnf(warn, warnarg,
			      "%s:%u: leading whitespace is part of the entry (as in qmail), so it never matches",
			      path, l->lineno);
		else if ((f == TF_RELAYCLIENTS || f == TF_RELAYDOMAINS) &&
			 strchr(l->text, ':') && !strstr(l->text, ":@") &&
			 (f == TF_RELAYDOMAINS || strchr(l->text, '.')))
			warnf(warn, warnarg,
			      "%s:%u: \"%s\" never matches: like IndiMail, a line is the bare %s (write KEY:@VALUE for a RELAYCLIENT value)",
			      path, l->lineno, l->text,
			      f == TF_RELAYCLIENTS ? "address or prefix" :
			      "host name or .suffix");
		if ((f == TF_RELAYCLIENTS || f == TF_RELAYDOMAINS) &&
		    split_value(cs, l) != 0) {
			snprintf(err, errlen, "%s: out of memory", path);
			return -1;
		}
		if (strset_add(cs->set, l->text, l->len, l->lineno) != 0) {
			snprintf(err, errlen, "%s: out of memory", path);
			return -1;
		}
	}
	return 0;
}

void
tables_set_cdb(struct tables *t, enum tables_file f, struct cdbmap *m)
{
	struct cdbmap *dst = f == TF_MORERCPTHOSTS ? &t->morercpthosts :
		f == TF_RELAYMAILFROM_CDB ? &t->relaymailfrom_cdb : NULL;

	if (dst == NULL) {
		cdbmap_close(m);
		return;
	}
	drop(t, f);
	*dst = *m;
	memset(m, 0, sizeof(*m));
	own(t, f);
}

void
tables_set_rules(struct tables *t, struct rules *r)
{
	drop(t, TF_RULES);
	t->rules = r;
	own(t, TF_RULES);
}

void
tables_set_localiphost(struct tables *t, const char *name)
{
	snprintf(t->localiphost, sizeof(t->localiphost), "%s", name);
}

void
tables_set_local_v4(struct tables *t, uint32_t *v, int n)
{
	free(t->local_v4);
	t->local_v4 = v;
	t->n_local_v4 = n;
}

/* A missing rcpthosts and a rule granting RELAYCLIENT to every client
 * both make an open relay: refused unless allowed, warned about then. */
static int
check_open_relay(struct tables *t, tables_warn_fn warn, void *warnarg,
		 char *err, size_t errlen)
{
	char why[512];
	int rc;

	if (!t->rcpthosts.present) {
		if (!t->s.allow_missing_rcpthosts) {
			snprintf(err, errlen,
				 "%s: missing; qmail would then accept mail for every domain (an open relay). Create it, or set allow_missing_rcpthosts = true if that is really what you want",
				 t->path[TF_RCPTHOSTS]);
			return -1;
		}
		warnf(warn, warnarg,
		      "%s: missing and allow_missing_rcpthosts is set: every recipient domain is accepted (open relay)",
		      t->path[TF_RCPTHOSTS]);
		/* qmail ignores morercpthosts.cdb when rcpthosts is absent */
		drop(t, TF_MORERCPTHOSTS);
	} else if (t->rcpthosts.lines.n == 0 && !t->morercpthosts.open) {
		warnf(warn, warnarg,
		      "%s: has no entries and there is no morercpthosts.cdb: every recipient with a domain is refused",
		      t->path[TF_RCPTHOSTS]);
	}
	rc = rules_relay_for_all(t->rules, why, sizeof(why));
	if (rc < 0) {
		snprintf(err, errlen, "%s: cannot read rules",
			 t->path[TF_RULES]);
		return -1;
	}
	if (rc > 0) {
		if (!t->s.allow_relay_for_all_rule) {
			snprintf(err, errlen,
				 "%s: that makes an open relay. Remove the rule, or set allow_relay_for_all_rule = true if that is really what you want",
				 why);
			return -1;
		}
		warnf(warn, warnarg, "%s (allowed by allow_relay_for_all_rule)",
		      why);
	}
	return 0;
}

int
tables_finish(struct tables *t, tables_warn_fn warn, void *warnarg,
	      char *err, size_t errlen)
{
	if (t->dnsbl_err[0]) {
		snprintf(err, errlen, "%s", t->dnsbl_err);
		return -1;
	}
	if (check_open_relay(t, warn, warnarg, err, errlen) != 0)
		return -1;
	t->rc_values = rules_have_values(t->rules) ||
		t->relayclients.n_values > 0 || t->relaydomains.n_values > 0 ||
		(t->s.pop_backend != POP_BACKEND_NONE && t->s.pop_relayclient[0]);
	/* the sets point into the text buffers; the per-line index is no
	 * longer needed (24 MB for a million-line rcpthosts) */
	for (size_t i = 0; i < N_LISTS; i++) {
		struct ctl_set *cs = list_of(t, list_files[i]);

		free(cs->lines.v);
		cs->lines.v = NULL;
	}
	return 0;
}

void
tables_free(struct tables *t)
{
	if (t == NULL)
		return;
	for (int f = 0; f < TF_COUNT; f++)
		drop(t, f);
	free(t->local_v4);
	free(t);
}
