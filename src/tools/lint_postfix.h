/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * lint_postfix.h - qrelayctl lint's view of Postfix, shared by
 * lint_postconf.c (what postconf says, and where in main.cf and master.cf
 * it is set) and lint_postfix.c (the judgement).
 */
#ifndef QR_LINT_POSTFIX_H
#define QR_LINT_POSTFIX_H

#include "lint.h"

struct pf_kv {
	char *name, *value;	/* into the postconf output */
};

struct pf_svc {
	char name[256], type[32];
	int chroot, smtpd;
	unsigned line;		/* in master.cf */
};

struct pf {
	struct lint *l;
	char *out[4];			/* postconf's outputs */
	struct pf_kv *main, *over;	/* over: "svc/type/name" */
	size_t n_main, n_over;
	struct pf_svc *svc;
	size_t n_svc;
	char dir[1024];			/* config_directory */
	char maincf[1100], mastercf[1100];
	struct lint_sock daemon;
	int any_reach;
	char (*names)[64];	/* the {daemon_name}s the milter gets */
	size_t n_names;
};

/* Run postconf [-c dir] for the parameters lint judges, the services'
 * overrides and master.cf: 0, or -1 (an audit-failed finding made). */
int lint_pf_read(struct pf *p, const char *dir);
void lint_pf_free(struct pf *p);

/* A parameter in main.cf (postconf -x: expanded; "" if unset), and as the
 * service s sees it (its -o override, if any; s may be NULL). */
const char *lint_pf_main(const struct pf *p, const char *name);
const char *lint_pf_override(const struct pf *p, const struct pf_svc *s,
			     const char *name);
const char *lint_pf_value(const struct pf *p, const struct pf_svc *s,
			  const char *name);

/* Where the service's value of name is set: master.cf's -o line or
 * main.cf's line (0: not in the file, a default); the file in *file. */
unsigned lint_pf_where(const struct pf *p, const struct pf_svc *s,
		       const char *name, const char **file);

/* A list's words, split at commas and blanks outside { }: n of them in
 * w, in one allocation (free(w)). */
struct pf_words {
	char **w;
	int n;
};
void lint_pf_words(const char *list, struct pf_words *out);

/* Lookup tables (lint_pftable.c).  Does an access action (a table's
 * answer) let the client past: OK, all-numerical, permit? */
int lint_pft_action_permits(const char *value);
/* What Postfix answers for key (postmap -q): 1 (answer filled), 0 no
 * answer, -1 the table cannot be read (err). */
int lint_pft_query(const struct pf *p, const char *table, const char *key,
		   char *answer, size_t alen, char *err, size_t errlen);
/* Each entry of table ("type:name", or a "/file" of patterns), with the
 * file and line it is on (0: not known): 0, or -1 (err says why), -2 its
 * file is there but no regular file (a FIFO: Postfix would hang on it
 * too, so it is not asked either). */
typedef void (*lint_pft_fn)(void *arg, const char *key, const char *value,
			    const char *file, unsigned line);
int lint_pft_entries(const struct pf *p, const char *table, lint_pft_fn fn,
		     void *arg, char *err, size_t errlen);
/* A network "a.b.c.d/n", "[v6]/n", "v6/n" or an address: its prefix
 * length (v6 set), or -1. */
int lint_pft_net(const char *t, int *v6);

#endif
