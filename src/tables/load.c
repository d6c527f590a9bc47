/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * load.c - read the relay tables from their files (see load.h).
 */
#include "config.h"
#include "load.h"
#include "cdbfile.h"
#include "ctlfile.h"
#include "localip.h"
#include "stamp.h"
#include "tcprules.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A control file into its set, if it exists.  0 or -1. */
static int
load_list(struct tables *t, enum tables_file f, tables_warn_fn warn,
	  void *warnarg, char *err, size_t errlen)
{
	char *text;
	size_t len;
	int rc = ctl_slurp(t->path[f], &text, &len, err, errlen);

	if (rc <= 0)
		return rc;
	return tables_set_list(t, f, text, len, warn, warnarg, err, errlen);
}

/* A cdb, if it exists.  0 or -1. */
static int
load_cdb(struct tables *t, enum tables_file f, char *err, size_t errlen)
{
	struct cdbmap m;
	int rc = cdbfile_open(&m, t->path[f], err, errlen);

	if (rc > 0)
		tables_set_cdb(t, f, &m);
	return rc < 0 ? -1 : 0;
}

/* control/dnsbllist, if it exists.  0 or -1. */
static int
load_dnsbl(struct tables *t, char *err, size_t errlen)
{
	char *text;
	size_t len;
	int rc = ctl_slurp(t->path[TF_DNSBLLIST], &text, &len, err, errlen);

	if (rc <= 0)
		return rc;
	rc = tables_set_dnsbl(t, text, len, err, errlen);
	free(text);
	return rc;
}

/* The first line of a control file into out: 1, 0 absent or empty, -1. */
static int
first_line(const char *path, char *out, size_t outlen, char *err,
	   size_t errlen)
{
	struct ctl_lines l;
	int rc = ctl_read(path, &l, err, errlen);

	if (rc <= 0)
		return rc;
	rc = l.n > 0;
	if (rc)
		snprintf(out, outlen, "%s", l.v[0].text);
	ctl_lines_free(&l);
	return rc;
}

/* File f unchanged since prev was read: share prev's piece of it. */
static int
shared(struct tables *t, const struct tables *prev, enum tables_file f)
{
	return stamp_unchanged(prev, t, f) && tables_share(t, prev, f);
}

static int
load_all(struct tables *t, const struct tables *prev, tables_warn_fn warn,
	 void *warnarg, char *err, size_t errlen)
{
	char name[256];
	uint32_t *v4;
	int rc, n;

	for (int f = 0; f < TF_COUNT; f++)
		if (tables_is_list(f) && !shared(t, prev, f) &&
		    load_list(t, f, warn, warnarg, err, errlen) != 0)
			return -1;
	/* qmail ignores morercpthosts.cdb when rcpthosts is absent */
	if (t->rcpthosts.present && !shared(t, prev, TF_MORERCPTHOSTS) &&
	    load_cdb(t, TF_MORERCPTHOSTS, err, errlen) != 0)
		return -1;
	if (!shared(t, prev, TF_RELAYMAILFROM_CDB) &&
	    load_cdb(t, TF_RELAYMAILFROM_CDB, err, errlen) != 0)
		return -1;
	rc = first_line(t->path[TF_LOCALIPHOST], name, sizeof(name), err,
			errlen);
	if (rc == 0)
		rc = first_line(t->path[TF_ME], name, sizeof(name), err,
				errlen);
	if (rc < 0)
		return -1;
	if (rc > 0)
		tables_set_localiphost(t, name);
	if (t->s.rules_file[0] && !shared(t, prev, TF_RULES)) {
		struct rules *r;

		if (tcprules_load(&r, t->s.rules_file, warn, warnarg, err,
				  errlen) != 0)
			return -1;
		tables_set_rules(t, r);
	}
	if (!shared(t, prev, TF_DNSBLLIST) &&
	    load_dnsbl(t, err, errlen) != 0)
		return -1;
	if ((n = localip_v4(&v4)) < 0) {
		snprintf(err, errlen, "cannot list local addresses: %s",
			 strerror(errno));
		return -1;
	}
	tables_set_local_v4(t, v4, n);
	return tables_finish(t, warn, warnarg, err, errlen);
}

int
tables_load(struct tables **out, const struct settings *s,
	    const struct tables *prev, tables_warn_fn warn, void *warnarg,
	    char *err, size_t errlen)
{
	struct tables *t = tables_new(s);

	if (t == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	/* stamp first: a change while we read triggers another reload */
	stamp_files(t, t->stamp);
	if (load_all(t, prev, warn, warnarg, err, errlen) != 0) {
		tables_free(t);
		return -1;
	}
	*out = t;
	return 0;
}
