/*
 * tables.h - one immutable snapshot of everything a decision reads.
 *
 * tables_load() reads rcpthosts, morercpthosts.cdb, the tcpserver rules,
 * IndiMail's relayclients / relaydomains / relaymailfrom(.cdb), badmailfrom,
 * me and localiphost, and refuses configurations that would make an open
 * relay.  A snapshot never changes after loading; the daemon swaps in a new
 * one when tables_changed() sees a file change (inode, size, mtime, ctime)
 * and frees the old one when its last session lets go.
 */
#ifndef QR_TABLES_H
#define QR_TABLES_H

#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "cdbmap.h"
#include "ctlfile.h"
#include "settings.h"
#include "strset.h"
#include "tcprules.h"

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
	TF_COUNT
};

struct file_stamp {
	int state;		/* 1 exists, 0 absent, -1 stat error */
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime, ctime;
};

/* A control file loaded into a case-insensitive set.  After loading,
 * lines.v is NULL (freed); lines.n and lines.buf (the keys) remain. */
struct ctl_set {
	int present;
	struct ctl_lines lines;
	struct strset *set;
};

struct tables {
	struct settings s;		/* copy used by the decisions */
	char path[TF_COUNT][SETTINGS_PATH_MAX + 32];
	struct file_stamp stamp[TF_COUNT];

	struct ctl_set rcpthosts, relayclients, relaydomains;
	struct ctl_set relaymailfrom, badmailfrom;
	struct cdbmap morercpthosts, relaymailfrom_cdb;
	struct rules *rules;		/* NULL: no rules file given */
	char localiphost[256];		/* replaces [local-ip] literals */
	uint32_t *local_v4;		/* this host's IPv4 addresses */
	int n_local_v4;
};

typedef void (*tables_warn_fn)(void *arg, const char *msg);

/* Returns 0 and a new snapshot, or -1 with "file[:line]: why" in err. */
int tables_load(struct tables **out, const struct settings *s,
		tables_warn_fn warn, void *warnarg, char *err, size_t errlen);

/* 1 if any watched file differs from the snapshot's stamps. */
int tables_changed(const struct tables *t);

/* Fill stamps for the paths a settings would read (used to remember a
 * failed reload so it is not retried until something changes again). */
void tables_stamp_all(const struct tables *t, struct file_stamp *out);
int tables_stamps_equal(const struct file_stamp *a, const struct file_stamp *b);

void tables_free(struct tables *t);

#endif
