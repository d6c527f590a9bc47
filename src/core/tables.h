/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tables.h - one immutable snapshot of everything a decision reads.
 *
 * A snapshot is built in memory: tables_new(), then the tables_set_*()
 * calls for what exists (a control file's text, a cdb, the tcpserver
 * rules, this host's addresses), then tables_finish(), which refuses
 * configurations that would make an open relay.  tables/load.h builds one
 * from the files a configuration names; a test can build one from
 * strings.  A snapshot never changes after that; the daemon swaps in a new
 * one when a file changes and frees the old one when its last session
 * lets go.
 */
#ifndef QR_TABLES_H
#define QR_TABLES_H

#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "cdbmap.h"
#include "ctllines.h"
#include "dnsbl.h"
#include "rules.h"
#include "settings.h"
#include "strset.h"

enum tables_file {
	TF_RCPTHOSTS,
	TF_MORERCPTHOSTS,
	TF_RELAYCLIENTS,
	TF_RELAYDOMAINS,
	TF_RELAYMAILFROM,
	TF_RELAYMAILFROM_CDB,
	TF_BADMAILFROM,
	TF_ME,
	TF_LOCALIPHOST,
	TF_RULES,
	TF_DNSBLLIST,
	TF_COUNT
};

/* What a file looked like when it was read (tables/stamp.h). */
struct file_stamp {
	int state;		/* 1 exists, 0 absent, -1 stat error */
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime, ctime;
};

/* A control file loaded into a case-insensitive set.  After
 * tables_finish(), lines.v is NULL (freed); lines.n and lines.buf (the
 * keys) remain. */
struct ctl_value {
	unsigned lineno;
	const char *text;	/* NUL-terminated, in lines.buf */
	unsigned len;
};

struct ctl_set {
	int present;
	struct ctl_lines lines;
	struct strset *set;
	/* relayclients, relaydomains: the RELAYCLIENT values of the lines
	 * written "key:@value" (their key is the text before ':'), in line
	 * order; NULL if none */
	struct ctl_value *values;
	size_t n_values;
};

/* What was read from one file (a list's set, a cdb, the rules) can be
 * shared by several snapshots: a reload shares the pieces of the files
 * that did not change (tables_share), so sessions that hold an older
 * snapshot do not hold a copy of everything.  Counted, freed with the last
 * snapshot that uses it. */
struct tables_ref;

struct tables {
	struct settings s;		/* copy used by the decisions */
	char path[TF_COUNT][SETTINGS_PATH_MAX + 32];	/* names in messages */
	struct file_stamp stamp[TF_COUNT];
	struct tables_ref *ref[TF_COUNT];	/* NULL: not shared */

	struct ctl_set rcpthosts, relayclients, relaydomains;
	struct ctl_set relaymailfrom, badmailfrom;
	struct cdbmap morercpthosts, relaymailfrom_cdb;
	struct rules *rules;		/* NULL: no rules file given */
	char localiphost[256];		/* replaces [local-ip] literals */
	uint32_t *local_v4;		/* this host's IPv4 addresses */
	int n_local_v4;
	struct dnsbl_list dnsbl;	/* dnsbl_zones, then dnsbllist */
	char dnsbl_err[600];		/* dnsbl_zones did not parse */
	int rc_values;			/* a rule, relayclients or relaydomains
					 * line has a RELAYCLIENT value (set
					 * by tables_finish) */
};

typedef void (*tables_warn_fn)(void *arg, const char *msg);

/* An empty snapshot for the settings (copied); paths are set from them.
 * NULL when out of memory. */
struct tables *tables_new(const struct settings *s);

/* 1 if f is a list of entries (one of the files tables_set_list takes). */
int tables_is_list(enum tables_file f);

/* The text of control file f (rcpthosts, relayclients, relaydomains,
 * relaymailfrom, badmailfrom: len bytes plus a NUL, malloc'ed, taken over
 * in any case).  Warns about lines that can never match.  0, or -1 with
 * the reason in err. */
int tables_set_list(struct tables *t, enum tables_file f, char *text,
		    size_t len, tables_warn_fn warn, void *warnarg, char *err,
		    size_t errlen);

/* The RELAYCLIENT value of line lineno of a relayclients or relaydomains
 * set (len filled), or NULL if the line has none. */
const char *tables_line_value(const struct ctl_set *cs, unsigned lineno,
			      unsigned *len);

/* A cdb (morercpthosts.cdb, relaymailfrom.cdb): taken over. */
void tables_set_cdb(struct tables *t, enum tables_file f, struct cdbmap *m);

/* The tcpserver rules: taken over. */
void tables_set_rules(struct tables *t, struct rules *r);

/* The name that replaces a [local-ip] literal (control/localiphost, or
 * control/me), and this host's IPv4 addresses (malloc'ed, taken over). */
void tables_set_localiphost(struct tables *t, const char *name);
void tables_set_local_v4(struct tables *t, uint32_t *v, int n);

/* control/dnsbllist's text (len bytes): its zones follow the
 * configuration's dnsbl_zones.  0, or -1 with "path:line: why" in err. */
int tables_set_dnsbl(struct tables *t, const char *text, size_t len,
		     char *err, size_t errlen);

/* Take file f's piece from prev instead of reading the file again (the
 * caller has checked that the file has not changed: same path, same
 * stamp).  Returns 1 shared, 0 prev has nothing to share for f (read the
 * file then).  Call before tables_finish(). */
int tables_share(struct tables *t, const struct tables *prev,
		 enum tables_file f);

/* The size of the files whose pieces old holds and cur does not share
 * (cur NULL: all of old's), a measure of what keeping old alive costs. */
size_t tables_bytes_apart(const struct tables *old, const struct tables *cur);

/* Checks the whole: a missing rcpthosts or a rule that grants RELAYCLIENT
 * to every client is refused unless the settings allow it (warned about
 * then).  0, or -1 with "file[:line]: why" in err. */
int tables_finish(struct tables *t, tables_warn_fn warn, void *warnarg,
		  char *err, size_t errlen);

void tables_free(struct tables *t);

#endif
