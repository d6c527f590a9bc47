/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * lint_sendmail.c - qrelayctl lint: Sendmail, as its sendmail.cf says.
 *
 * What m4 makes of the .mc:
 *   INPUT_MAIL_FILTER(`name', `S=..., F=T')  "Xname, S=..., F=T" and the
 *                                           name in "O InputMailFilters="
 *   DAEMON_OPTIONS(`..., Name=MSA')          "O DaemonPortOptions=...";
 *                                           an InputMailFilters= there
 *                                           replaces the global list
 *   FEATURE(`promiscuous_relay')             the Relay_ok ruleset and its
 *                                           call from check_rcpt (the
 *                                           "550 Relaying denied" path)
 *                                           are left out
 * Each daemon (listener) must hand its mail to a filter whose S= reaches
 * this daemon's socket, and that filter must fail closed (F=T, F=R or
 * F=4; without, Sendmail goes on without the filter).  promiscuous_relay
 * makes the milter the only relay guard; without it Sendmail refuses to
 * relay itself, before the milter sees a recipient, except to whom its
 * own grants let relay (class R, the access map: lint_smrelay.c), which
 * decide alone on a daemon that does not reach the milter.
 */
#define _GNU_SOURCE
#include "config.h"
#include "lint.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SM_MAX 64		/* X lines, and daemons, read */

struct sm_filter {
	char name[64], spec[1024], flags[32];
	unsigned line;
	int reach;
};

struct sm_daemon {
	char name[64], filters[512];
	int own_filters;	/* InputMailFilters= on its own line */
	unsigned line;
};

struct sm {
	struct sm_filter x[SM_MAX];
	struct sm_daemon d[SM_MAX];
	int nx, nd;
	char filters[512];	/* O InputMailFilters= */
	unsigned filters_line, check_rcpt_line, relay_ok_line;
	int calls_relay_ok;
	int overflow;		/* more than SM_MAX of either */
	struct smr *grants;	/* Sendmail's own relay grants */
};

/* "Xname, S=spec, F=flags, T=..." */
static void
filter_line(struct sm *m, char *text, unsigned line)
{
	struct sm_filter *f;
	char *save = NULL, *item = strtok_r(text + 1, ",", &save);

	if (item == NULL)
		return;
	if (m->nx == SM_MAX) {
		m->overflow = 1;
		return;
	}
	f = &m->x[m->nx++];
	memset(f, 0, sizeof(*f));
	f->line = line;
	snprintf(f->name, sizeof(f->name), "%s", lint_trim(item));
	while ((item = strtok_r(NULL, ",", &save)) != NULL) {
		item = lint_trim(item);
		if (strncmp(item, "S=", 2) == 0)
			snprintf(f->spec, sizeof(f->spec), "%s", lint_trim(item + 2));
		else if (strncmp(item, "F=", 2) == 0)
			snprintf(f->flags, sizeof(f->flags), "%s", lint_trim(item + 2));
	}
}

/* "O DaemonPortOptions=Port=587, Name=MSA, M=E, InputMailFilters=a;b" */
static void
daemon_line(struct sm *m, char *opts, unsigned line)
{
	struct sm_daemon *d;
	char *save = NULL, *item;

	if (m->nd == SM_MAX) {
		m->overflow = 1;
		return;
	}
	d = &m->d[m->nd++];
	memset(d, 0, sizeof(*d));
	d->line = line;
	for (item = strtok_r(opts, ",", &save); item;
	     item = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(item, '=');

		if (eq == NULL)
			continue;
		*eq = '\0';
		item = lint_trim(item);
		if (strcasecmp(item, "Name") == 0 || strcmp(item, "N") == 0) {
			snprintf(d->name, sizeof(d->name), "%s", lint_trim(eq + 1));
		} else if (strcasecmp(item, "InputMailFilters") == 0 ||
			   strcmp(item, "I") == 0) {
			snprintf(d->filters, sizeof(d->filters), "%s",
				 lint_trim(eq + 1));
			d->own_filters = 1;
		}
	}
}

static void
logical_line(struct sm *m, char *text, unsigned line)
{
	char *p;

	lint_smr_line(m->grants, text, line);
	if (text[0] == 'X') {
		filter_line(m, text, line);
	} else if (strncmp(text, "O InputMailFilters=", 19) == 0) {
		snprintf(m->filters, sizeof(m->filters), "%s", lint_trim(text + 19));
		m->filters_line = line;
	} else if (strncmp(text, "O DaemonPortOptions=", 20) == 0) {
		daemon_line(m, text + 20, line);
	} else if (text[0] == 'S') {
		p = text + 1 + strspn(text + 1, " \t");
		if (strncmp(p, "Relay_ok", 8) == 0 && strchr(" \t=\n", p[8]))
			m->relay_ok_line = line;
		if ((strncmp(p, "check_rcpt", 10) == 0 &&
		     strchr(" \t=\n", p[10])) ||
		    (strncmp(p, "Basic_check_rcpt", 16) == 0 &&
		     strchr(" \t=\n", p[16])))
			m->check_rcpt_line = line;
	} else if (text[0] == 'R' && (strstr(text, "$>\"Relay_ok\"") ||
				      strstr(text, "$>Relay_ok"))) {
		m->calls_relay_ok = 1;
	}
}

/* Is one of the filters named in list (separated by ',', ';' or
 * blanks) one that reaches the daemon?  Its index (*after: how many
 * names follow it), or -1. */
static int
reaching(const struct sm *m, const char *list, int *after)
{
	char buf[512], *save = NULL, *name;
	int found = -1;

	snprintf(buf, sizeof(buf), "%s", list);
	*after = 0;
	for (name = strtok_r(buf, ",; \t", &save); name;
	     name = strtok_r(NULL, ",; \t", &save)) {
		if (found >= 0) {
			(*after)++;
			continue;
		}
		for (int i = 0; i < m->nx; i++)
			if (m->x[i].reach && strcmp(m->x[i].name, name) == 0)
				found = i;
	}
	return found;
}

void
lint_sendmail(struct lint *l, const char *cf)
{
	struct sm *m = calloc(1, sizeof(*m));
	struct lint_sock d, s;
	FILE *f;
	char *line = NULL, *logical = NULL, err[1200];
	size_t cap = 0, llen = 0;
	unsigned n = 0, start = 0;
	int promiscuous, own_open, reached = 0;
	char own_why[600];
	char names[SM_MAX][64];
	int n_names = 0;

	if (m == NULL) {
		fprintf(stderr, "qrelayctl: lint: out of memory\n");
		exit(111);
	}
	if ((f = lint_fopen(cf, err, sizeof(err))) == NULL) {
		lint_add(l, "audit-failed", cf, 0,
			 "cannot read the Sendmail configuration: %s", err);
		free(m);
		return;
	}
	m->grants = lint_smr_new();
	lint_note(l, "Sendmail: %s", cf);
	/* a line that starts with a blank continues the one before */
	for (;;) {
		ssize_t r = getline(&line, &cap, f);

		if (r > 0 && (line[0] == ' ' || line[0] == '\t') && logical) {
			char *more = realloc(logical, llen + (size_t)r + 1);

			if (more == NULL) {
				fprintf(stderr, "qrelayctl: lint: out of memory\n");
				exit(111);
			}
			logical = more;
			memcpy(logical + llen, line, (size_t)r + 1);
			llen += (size_t)r;
			n++;
			continue;
		}
		if (logical) {
			for (char *c = logical; *c; c++)
				if (*c == '\n')
					*c = ' ';
			logical_line(m, logical, start);
			free(logical);
			logical = NULL;
		}
		if (r <= 0)
			break;
		n++;
		start = n;
		logical = lint_strdup(line);
		llen = (size_t)r;
	}
	free(logical);
	free(line);
	fclose(f);

	if (m->overflow || lint_sock_milter(l->s.socket, &d) != 0) {
		if (m->overflow)
			lint_add(l, "audit-failed", cf, 0,
				 "more than %d mail filters or daemons: not audited",
				 SM_MAX);
		else
			lint_add(l, "audit-failed", cf, 0,
				 "the daemon's socket \"%s\" is no milter socket name: not audited",
				 l->s.socket);
		lint_smr_free(m->grants);
		free(m);
		return;
	}
	for (int i = 0; i < m->nx; i++)
		m->x[i].reach = lint_sock_milter(m->x[i].spec, &s) == 0 &&
			lint_sock_same(&d, &s);
	promiscuous = !(m->relay_ok_line && m->calls_relay_ok);
	/* without promiscuous_relay, Sendmail's own grants decide where the
	 * milter is not asked */
	own_open = !promiscuous && lint_smr_judge(l, m->grants, cf, own_why,
						   sizeof(own_why));
	if (m->nd == 0) {	/* no DaemonPortOptions: Sendmail's default */
		m->nd = 1;
		memset(&m->d[0], 0, sizeof(m->d[0]));
	}
	for (int i = 0; i < m->nd; i++) {
		const struct sm_daemon *dm = &m->d[i];
		int after, x = reaching(m, dm->own_filters ? dm->filters :
					m->filters, &after);
		unsigned at = dm->line ? dm->line : m->filters_line;

		if (x < 0) {
			lint_add(l, promiscuous || own_open ? "sendmail-open-relay" :
				 "sendmail-no-milter", cf, at,
				 "daemon %s: its input mail filters (%s) do not reach the daemon's socket (%s)%s%s",
				 dm->name[0] ? dm->name : "(default)",
				 (dm->own_filters ? dm->filters : m->filters)[0] ?
				 (dm->own_filters ? dm->filters : m->filters) :
				 "none", l->s.socket, promiscuous ?
				 ", and promiscuous_relay turns Sendmail's own relay check off: every client may relay" :
				 own_open ? ", and Sendmail's own relay check lets everyone relay: " :
				 "; Sendmail's own relay check decides there, qmail's relay clients and badmailfrom do not apply",
				 own_open ? own_why : "");
			continue;
		}
		reached = 1;
		if (after > 0 && l->rc_value[0])
			lint_add(l, "milter-not-last", cf,
				 dm->own_filters ? dm->line : m->filters_line,
				 "daemon %s: %d filter%s after %s in its input mail filters, and the tables hold RELAYCLIENT values (%s): a later filter sees recipients qrelay-milter rewrites at end of message; put it last",
				 dm->name[0] ? dm->name : "(default)", after,
				 after == 1 ? "" : "s", m->x[x].name, l->rc_value);
		if (n_names < SM_MAX)
			snprintf(names[n_names++], sizeof(names[0]), "%s",
				 dm->name);
		if (!strpbrk(m->x[x].flags, "TR4"))
			lint_add(l, "sendmail-fail-open", cf, m->x[x].line,
				 "filter %s has no F=T (or F=R): while the milter is down, Sendmail accepts without it%s",
				 m->x[x].name, promiscuous ?
				 ", and with promiscuous_relay every client may relay then" :
				 own_open ? ", and Sendmail's own relay check lets everyone relay then" : "");
	}
	if (!promiscuous)
		lint_add(l, "sendmail-relay-check", cf, m->check_rcpt_line,
			 "no FEATURE(`promiscuous_relay'): Sendmail refuses relaying itself (\"Relaying denied\") before the milter sees a recipient, so qmail's relay clients, relaymailfrom and SMTP-after-POP cannot relay");
	for (int i = 0; reached && i < l->s.n_listeners; i++) {
		int k = 0;

		while (k < n_names && strcmp(names[k], l->s.listener[i].name))
			k++;
		if (k == n_names)
			lint_add(l, "listener-unmatched",
				 l->config ? l->config : "(configuration)",
				 lint_conf_line(l, "listener", l->s.listener[i].name),
				 "listener \"%s\": no Sendmail daemon that reaches the daemon has Name=%s (its {daemon_name}), so its policy never applies",
				 l->s.listener[i].name, l->s.listener[i].name);
	}
	lint_smr_free(m->grants);
	free(m);
}
