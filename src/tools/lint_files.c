/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * lint_files.c - qrelayctl lint: the daemon's configuration and the qmail
 * control directory.
 *
 * The tables are loaded with the daemon's own loader (tables_load), with
 * the two safety switches on so that a missing rcpthosts or a catch-all
 * rule is a finding here instead of a refusal; the loader's remarks about
 * single lines (a CR, a leading blank, ...) become never-matches findings.
 * Then each line of relayclients and relaydomains is judged for what it
 * covers, relaymailfrom(.cdb) for senders in hosted domains, and qmail's
 * locals and virtualdomains for domains rcpthosts would refuse.
 */
#include "config.h"
#include "lint.h"
#include "core/policy.h"
#include "core/tables.h"
#include "tables/cdbfile.h"
#include "tables/ctlfile.h"
#include "tables/load.h"

#include <cdb.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void
lint_split(const char *msg, const char *const *known, size_t n,
	   const char **file, unsigned *line, const char **why)
{
	*file = known[0];
	*line = 0;
	*why = msg;
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(known[i]);
		const char *p = msg + len;
		unsigned v = 0;

		if (len == 0 || strncmp(msg, known[i], len) != 0 || *p != ':')
			continue;
		*file = known[i];
		p++;
		if (*p >= '0' && *p <= '9') {
			const char *q = p;

			while (*q >= '0' && *q <= '9' && v < 100000000)
				v = v * 10 + (unsigned)(*q++ - '0');
			if (*q == ':') {
				*line = v;
				p = q + 1;
			}
		}
		*why = p + strspn(p, " ");
		return;
	}
}

void
lint_stale(struct lint *l, const char *text, const char *cdb, const char *how)
{
	struct stat a, b;

	if (stat(text, &a) != 0 || stat(cdb, &b) != 0)
		return;
	if (a.st_mtim.tv_sec > b.st_mtim.tv_sec ||
	    (a.st_mtim.tv_sec == b.st_mtim.tv_sec &&
	     a.st_mtim.tv_nsec > b.st_mtim.tv_nsec))
		lint_add(l, "cdb-stale", cdb, 0,
			 "older than %s (changed %lld s later), so whatever reads the cdb misses the latest changes; rebuild it (%s)",
			 text, (long long)(a.st_mtim.tv_sec - b.st_mtim.tv_sec),
			 how);
}

/* The loader's remarks: a line's (never matches) become findings; the
 * others (rcpthosts missing or empty, a catch-all rule) lint finds
 * itself, with their own codes. */
struct load_ctx {
	struct lint *l;
	const char *known[TF_COUNT];
};

static void
warn_load(void *arg, const char *msg)
{
	struct load_ctx *c = arg;
	const char *file, *why;
	unsigned line;

	lint_split(msg, c->known, TF_COUNT, &file, &line, &why);
	if (line > 0)
		lint_add(c->l, "never-matches", file, line, "%s", why);
}

static void
lower(char *s)
{
	for (; *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
}

/* Read a control file's lines: 1 read, 0 absent, -1 (a finding). */
static int
read_lines(struct lint *l, const char *path, struct ctl_lines *out)
{
	char err[1024];
	int rc = ctl_read(path, out, err, sizeof(err));

	if (rc < 0)
		lint_add(l, "file-unusable", path, 0, "%s", err);
	return rc;
}

/* The key of a relayclients or relaydomains line: the text before ":@"
 * (a RELAYCLIENT value may follow there). */
static size_t
key_len(const char *text)
{
	const char *v = strstr(text, ":@");

	return v ? (size_t)(v - text) : strlen(text);
}

/* relayclients and relaydomains: what each line can match, and how much. */
static void
grants(struct lint *l, const char *dir, const char *name, int where)
{
	char path[sizeof(l->s.control_dir) + 32];
	struct ctl_lines cl;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (read_lines(l, path, &cl) <= 0)
		return;
	for (size_t i = 0; i < cl.n; i++) {
		const struct ctl_line *ln = &cl.v[i];
		size_t kl = key_len(ln->text);
		struct lint_key k;
		double span;

		lint_key(ln->text, kl, where, &k);
		if (k.kind == LK_NEVER) {
			lint_add(l, "never-matches", path, ln->lineno,
				 "\"%.*s\" never matches: %s", (int)kl,
				 ln->text, k.why);
		} else if (k.kind == LK_SUFFIX && k.tld) {
			lint_add(l, "relay-broad", path, ln->lineno,
				 "\"%.*s\" lets every host name under a public suffix (a top-level domain, or one like co.uk) relay",
				 (int)kl, ln->text);
		} else if (k.kind == LK_IP && !k.loopback &&
			   (span = lint_key_span(&k)) >
			   (k.v6 ? LINT_SPAN_MAX_V6 : LINT_SPAN_MAX_V4)) {
			lint_add(l, "relay-broad", path, ln->lineno,
				 "\"%.*s\" lets a /%d of %s relay, more than a /%d",
				 (int)kl, ln->text, k.bits, k.v6 ? "IPv6" : "IPv4",
				 k.v6 ? 32 : 16);
		}
	}
	ctl_lines_free(&cl);
}

/* Is the domain (lower-case) hosted?  1 (why filled), 0, -1 (a finding
 * made). */
static int
hosted(struct lint *l, const struct tables *t, const char *domain,
       char *why, size_t whylen)
{
	int rc = policy_rcpthosts(t, domain, why, whylen);

	if (rc < 0)
		lint_add(l, "file-unusable", t->path[TF_MORERCPTHOSTS], 0,
			 "a lookup failed (a corrupt cdb)");
	return rc;
}

/* relaymailfrom and relaymailfrom.cdb: a sender in a hosted domain lets
 * anyone relay who writes it in MAIL FROM. */
static void
relaymailfrom(struct lint *l, const struct tables *t)
{
	const char *path = t->path[TF_RELAYMAILFROM];
	const char *cpath = t->path[TF_RELAYMAILFROM_CDB];
	char why[600], err[1024];
	struct ctl_lines cl;
	struct cdbmap m;
	unsigned pos;

	if (read_lines(l, path, &cl) > 0) {
		for (size_t i = 0; i < cl.n; i++) {
			char *e = lint_strdup(cl.v[i].text), *d;

			lower(e);
			d = strrchr(e, '@');
			if (d && d[1] && e[0] != ' ' && e[0] != '\t' &&
			    !strchr(e, '\r') &&
			    hosted(l, t, d + 1, why, sizeof(why)) > 0)
				lint_add(l, "relaymailfrom-hosted", path,
					 cl.v[i].lineno,
					 "\"%s\" is in a hosted domain (%s): anyone may relay who writes such a sender in MAIL FROM",
					 cl.v[i].text, why);
			free(e);
		}
		ctl_lines_free(&cl);
	}
	if (cdbfile_open(&m, cpath, err, sizeof(err)) <= 0)
		return;		/* an error: the loader said so already */
	cdb_seqinit(&pos, &m.cdb);
	for (;;) {
		int rc = cdb_seqnext(&pos, &m.cdb);
		unsigned kl = cdb_keylen(&m.cdb);
		const char *k;
		char *e, *d;

		if (rc <= 0) {
			if (rc < 0)
				lint_add(l, "file-unusable", cpath, 0,
					 "a corrupt cdb");
			break;
		}
		if ((k = cdb_get(&m.cdb, kl, cdb_keypos(&m.cdb))) == NULL)
			continue;
		e = lint_alloc((size_t)kl + 1);
		memcpy(e, k, kl);
		e[kl] = '\0';
		if (strlen(e) == kl && strpbrk(e, "ABCDEFGHIJKLMNOPQRSTUVWXYZ")) {
			lint_add(l, "never-matches", cpath, 0,
				 "key \"%s\" never matches: senders are looked up in lower case",
				 e);
		} else if ((d = strrchr(e, '@')) && d[1] &&
			   hosted(l, t, d + 1, why, sizeof(why)) > 0) {
			lint_add(l, "relaymailfrom-hosted", cpath, 0,
				 "key \"%s\" is in a hosted domain (%s): anyone may relay who writes that sender in MAIL FROM",
				 e, why);
		}
		free(e);
	}
	cdbmap_close(&m);
}

/* qmail's locals and virtualdomains: their domains should be hosted, or
 * mail for them is refused to clients that may not relay. */
static void
local_domains(struct lint *l, const struct tables *t, const char *name)
{
	char path[sizeof(l->s.control_dir) + 32], why[600], probe[600];
	struct ctl_lines cl;

	snprintf(path, sizeof(path), "%s/%s", l->s.control_dir, name);
	if (read_lines(l, path, &cl) <= 0)
		return;
	for (size_t i = 0; i < cl.n; i++) {
		char *e = lint_strdup(cl.v[i].text), *d = e, *c;

		lower(e);
		if (strcmp(name, "virtualdomains") == 0) {
			if ((c = strchr(e, ':')) != NULL)
				*c = '\0';
			if ((c = strrchr(e, '@')) != NULL)
				d = c + 1;
		}
		/* a .suffix is hosted if a name under it is */
		snprintf(probe, sizeof(probe), "%s%s", d[0] == '.' ? "x" : "", d);
		if (d[0] != '\0' && d[0] != ' ' && d[0] != '\t' &&
		    !strchr(d, '\r') && hosted(l, t, probe, why, sizeof(why)) == 0)
			lint_add(l, "not-in-rcpthosts", path, cl.v[i].lineno,
				 "\"%s\" is not in rcpthosts%s: mail for it is refused (553) to clients that may not relay",
				 d, t->morercpthosts.open ? " or morercpthosts.cdb" : "");
		free(e);
	}
	ctl_lines_free(&cl);
}

void
lint_files(struct lint *l)
{
	struct settings s = l->s;
	struct load_ctx c = { l, { 0 } };
	struct tables *t, *names;
	char err[1024], path[sizeof(s.control_dir) + 32];
	const char *file, *why;
	unsigned line;

	lint_note(l, "control files: %s", l->s.control_dir);
	if (!l->s.reject_sender_routing)
		lint_add(l, "sender-routing",
			 l->config ? l->config : "(configuration)",
			 lint_conf_line(l, "reject_sender_routing", NULL),
			 "reject_sender_routing = false: a stranger's user%%elsewhere@hosted is accepted where the MTA delivers it as written, and a host that applies the percent hack for that domain (a backup MX's primary, a qmail behind it) relays it");
	/* as the daemon loads them, but a missing rcpthosts and a catch-all
	 * rule are findings here, not refusals; the rules on their own */
	s.rules_file[0] = '\0';
	s.allow_missing_rcpthosts = 1;
	s.allow_relay_for_all_rule = 1;
	if ((names = tables_new(&s)) == NULL) {
		fprintf(stderr, "qrelayctl: lint: out of memory\n");
		exit(111);
	}
	for (int f = 0; f < TF_COUNT; f++)
		c.known[f] = names->path[f];
	if (tables_load(&t, &s, NULL, warn_load, &c, err, sizeof(err)) != 0) {
		lint_split(err, c.known, TF_COUNT, &file, &line, &why);
		if (file == c.known[0] && strncmp(err, file, strlen(file)) != 0)
			file = s.control_dir;
		lint_add(l, "file-unusable", file, line,
			 "the daemon cannot load the tables: %s", why);
		t = NULL;
	}
	snprintf(path, sizeof(path), "%s", names->path[TF_RCPTHOSTS]);
	if (access(path, F_OK) != 0 && errno == ENOENT) {
		lint_add(l, "rcpthosts-missing", path, 0,
			 "missing: qmail then accepts mail for every domain, an open relay; %s",
			 l->s.allow_missing_rcpthosts ?
			 "allow_missing_rcpthosts is set, so the daemon does too" :
			 "the daemon refuses to start (allow_missing_rcpthosts)");
	} else if (t && t->rcpthosts.present && t->rcpthosts.lines.n == 0 &&
		   !t->morercpthosts.open) {
		lint_add(l, "rcpthosts-empty", path, 0,
			 "no entries and no morercpthosts.cdb: every recipient with a domain is refused to clients that may not relay");
	}
	if (t && t->relayclients.n_values)
		snprintf(l->rc_value, sizeof(l->rc_value), "%s:%u",
			 names->path[TF_RELAYCLIENTS], t->relayclients.values[0].lineno);
	else if (t && t->relaydomains.n_values)
		snprintf(l->rc_value, sizeof(l->rc_value), "%s:%u",
			 names->path[TF_RELAYDOMAINS], t->relaydomains.values[0].lineno);
	else if (s.pop_backend != POP_BACKEND_NONE && s.pop_relayclient[0])
		snprintf(l->rc_value, sizeof(l->rc_value), "%s:%u pop_relayclient",
			 l->config ? l->config : "(configuration)",
			 lint_conf_line(l, "pop_relayclient", NULL));
	grants(l, s.control_dir, "relayclients", LK_RELAYCLIENTS);
	grants(l, s.control_dir, "relaydomains", LK_RELAYDOMAINS);
	if (t && t->rcpthosts.present) {
		relaymailfrom(l, t);
		local_domains(l, t, "locals");
		local_domains(l, t, "virtualdomains");
	}
	snprintf(path, sizeof(path), "%s/morercpthosts", s.control_dir);
	lint_stale(l, path, names->path[TF_MORERCPTHOSTS], "qmail-newmrh");
	tables_free(t);
	tables_free(names);
}
