/*
 * tables.c - load, check and compare snapshots of the relay tables (see
 * tables.h).
 */
#include "config.h"
#include "tables.h"
#include "ip.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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
};

static void
stamp(const char *path, struct file_stamp *st)
{
	struct stat sb;

	memset(st, 0, sizeof(*st));
	if (path[0] == '\0')
		return;
	if (stat(path, &sb) != 0) {
		st->state = errno == ENOENT ? 0 : -1;
		return;
	}
	st->state = 1;
	st->dev = sb.st_dev;
	st->ino = sb.st_ino;
	st->size = sb.st_size;
	st->mtime = sb.st_mtim;
	st->ctime = sb.st_ctim;
}

int
tables_stamps_equal(const struct file_stamp *a, const struct file_stamp *b)
{
	for (int i = 0; i < TF_COUNT; i++) {
		const struct file_stamp *x = &a[i], *y = &b[i];

		if (x->state != y->state || x->dev != y->dev ||
		    x->ino != y->ino || x->size != y->size ||
		    x->mtime.tv_sec != y->mtime.tv_sec ||
		    x->mtime.tv_nsec != y->mtime.tv_nsec ||
		    x->ctime.tv_sec != y->ctime.tv_sec ||
		    x->ctime.tv_nsec != y->ctime.tv_nsec)
			return 0;
	}
	return 1;
}

void
tables_stamp_all(const struct tables *t, struct file_stamp *out)
{
	for (int i = 0; i < TF_COUNT; i++)
		stamp(t->path[i], &out[i]);
}

int
tables_changed(const struct tables *t)
{
	struct file_stamp now[TF_COUNT];

	tables_stamp_all(t, now);
	return !tables_stamps_equal(now, t->stamp);
}

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

/* Load a control file into a set.  lower: store nothing special; the set is
 * case-insensitive anyway.  Returns 0 or -1. */
static int
load_set(struct ctl_set *cs, const char *path, tables_warn_fn warn,
	 void *warnarg, char *err, size_t errlen)
{
	int rc = ctl_read(path, &cs->lines, err, errlen);

	if (rc < 0)
		return -1;
	if (rc == 0)
		return 0;
	cs->present = 1;
	cs->set = strset_new(cs->lines.n);
	if (cs->set == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	for (size_t i = 0; i < cs->lines.n; i++) {
		const struct ctl_line *l = &cs->lines.v[i];

		/* a million random slots: fetch a few lines ahead (load time) */
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
		if (strset_add(cs->set, l->text, l->len, l->lineno) != 0) {
			snprintf(err, errlen, "%s: out of memory", path);
			return -1;
		}
	}
	return 0;
}

static void
drop_index(struct ctl_set *cs)
{
	free(cs->lines.v);
	cs->lines.v = NULL;	/* lines.n and lines.buf stay */
}

static void
free_set(struct ctl_set *cs)
{
	strset_free(cs->set);
	ctl_free(&cs->lines);
	memset(cs, 0, sizeof(*cs));
}

static int
read_first_line(const char *path, char *out, size_t outlen, char *err,
		size_t errlen)
{
	struct ctl_lines l;
	int rc = ctl_read(path, &l, err, errlen);

	if (rc <= 0)
		return rc;
	if (l.n > 0)
		snprintf(out, outlen, "%s", l.v[0].text);
	ctl_free(&l);
	return l.n > 0 ? 1 : 0;
}

int
tables_load(struct tables **out, const struct settings *s,
	    tables_warn_fn warn, void *warnarg, char *err, size_t errlen)
{
	struct tables *t = calloc(1, sizeof(*t));
	char why[512];
	int rc;

	if (t == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	t->s = *s;
	for (int i = 0; i < TF_COUNT; i++) {
		if (i == TF_RULES)
			snprintf(t->path[i], sizeof(t->path[i]), "%s",
				 s->rules_file);
		else
			snprintf(t->path[i], sizeof(t->path[i]), "%s/%s",
				 s->control_dir, file_names[i]);
	}
	/* stamp first: a change while we read triggers another reload */
	tables_stamp_all(t, t->stamp);

	if (load_set(&t->rcpthosts, t->path[TF_RCPTHOSTS], warn, warnarg, err,
		     errlen) ||
	    load_set(&t->relayclients, t->path[TF_RELAYCLIENTS], warn,
		     warnarg, err, errlen) ||
	    load_set(&t->relaydomains, t->path[TF_RELAYDOMAINS], warn,
		     warnarg, err, errlen) ||
	    load_set(&t->relaymailfrom, t->path[TF_RELAYMAILFROM], warn,
		     warnarg, err, errlen) ||
	    load_set(&t->badmailfrom, t->path[TF_BADMAILFROM], warn, warnarg,
		     err, errlen))
		goto fail;
	if (!t->rcpthosts.present) {
		if (!s->allow_missing_rcpthosts) {
			snprintf(err, errlen,
				 "%s: missing; qmail would then accept mail for every domain (an open relay). Create it, or set allow_missing_rcpthosts = true if that is really what you want",
				 t->path[TF_RCPTHOSTS]);
			goto fail;
		}
		warnf(warn, warnarg,
		      "%s: missing and allow_missing_rcpthosts is set: every recipient domain is accepted (open relay)",
		      t->path[TF_RCPTHOSTS]);
	} else {
		/* qmail ignores morercpthosts.cdb when rcpthosts is absent */
		if (cdbmap_open(&t->morercpthosts, t->path[TF_MORERCPTHOSTS],
				err, errlen) < 0)
			goto fail;
		if (t->rcpthosts.lines.n == 0 && !t->morercpthosts.open)
			warnf(warn, warnarg,
			      "%s: has no entries and there is no morercpthosts.cdb: every recipient with a domain is refused",
			      t->path[TF_RCPTHOSTS]);
	}
	if (cdbmap_open(&t->relaymailfrom_cdb, t->path[TF_RELAYMAILFROM_CDB],
			err, errlen) < 0)
		goto fail;
	for (size_t i = 0; i < t->relayclients.lines.n; i++) {
		const struct ctl_line *l = &t->relayclients.lines.v[i];

		if (l->len > 1 && l->text[l->len - 1] == ':' &&
		    strchr(l->text, '.'))
			warnf(warn, warnarg,
			      "%s:%u: \"%s\" ends in ':'; like IndiMail, only the bare address or prefix matches",
			      t->path[TF_RELAYCLIENTS], l->lineno, l->text);
	}

	rc = read_first_line(t->path[TF_LOCALIPHOST], t->localiphost,
			     sizeof(t->localiphost), err, errlen);
	if (rc == 0)
		rc = read_first_line(t->path[TF_ME], t->localiphost,
				     sizeof(t->localiphost), err, errlen);
	if (rc < 0)
		goto fail;

	if (s->rules_file[0]) {
		if (rules_load(&t->rules, s->rules_file, warn, warnarg, err,
			       errlen) != 0)
			goto fail;
		rc = rules_relay_for_all(t->rules, why, sizeof(why));
		if (rc < 0) {
			snprintf(err, errlen, "%s: cannot read rules",
				 s->rules_file);
			goto fail;
		}
		if (rc > 0) {
			if (!s->allow_relay_for_all_rule) {
				snprintf(err, errlen,
					 "%s: that makes an open relay. Remove the rule, or set allow_relay_for_all_rule = true if that is really what you want",
					 why);
				goto fail;
			}
			warnf(warn, warnarg,
			      "%s (allowed by allow_relay_for_all_rule)", why);
		}
	}

	t->n_local_v4 = ip_local_v4(&t->local_v4);
	if (t->n_local_v4 < 0) {
		snprintf(err, errlen, "cannot list local addresses: %s",
			 strerror(errno));
		goto fail;
	}
	/* the sets point into the file buffers; the per-line index is no
	 * longer needed (24 MB for a million-line rcpthosts) */
	drop_index(&t->rcpthosts);
	drop_index(&t->relayclients);
	drop_index(&t->relaydomains);
	drop_index(&t->relaymailfrom);
	drop_index(&t->badmailfrom);
	*out = t;
	return 0;
fail:
	tables_free(t);
	return -1;
}

void
tables_free(struct tables *t)
{
	if (t == NULL)
		return;
	free_set(&t->rcpthosts);
	free_set(&t->relayclients);
	free_set(&t->relaydomains);
	free_set(&t->relaymailfrom);
	free_set(&t->badmailfrom);
	cdbmap_close(&t->morercpthosts);
	cdbmap_close(&t->relaymailfrom_cdb);
	rules_free(t->rules);
	free(t->local_v4);
	free(t);
}
