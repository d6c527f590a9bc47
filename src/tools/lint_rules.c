/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * lint_rules.c - qrelayctl lint: the tcpserver rules (tcp.smtp or its
 * cdb), read by the daemon's own loader, and what an address or host key
 * can match (for relayclients and relaydomains too).
 *
 * A rule that sets RELAYCLIENT (and does not deny) is judged by what its
 * line covers in all (a range line is several keys; a cdb has no lines,
 * so there each key counts alone): the empty key or "=" (everyone),
 * "=.tld", or more than a /16 of IPv4 or a /32 of IPv6.  A line whose
 * every key can never match is reported whatever it sets.
 */
#include "config.h"
#include "lint.h"
#include "core/ip.h"
#include "core/rules.h"
#include "tables/tcprules.h"

#include <arpa/inet.h>
#include <libpsl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* An IPv4 prefix "a.", "a.b.", "a.b.c." as tcpserver text writes it (no
 * leading zeros): its octets, or 0. */
static int
v4_prefix(const char *p, size_t len)
{
	int n = 0;

	while (len > 0) {
		size_t d = 0;
		unsigned v = 0;

		while (d < len && p[d] >= '0' && p[d] <= '9') {
			v = v * 10 + (unsigned)(p[d] - '0');
			if (++d > 3)
				return 0;
		}
		if (d == 0 || d == len || p[d] != '.' || v > 255 ||
		    (d > 1 && p[0] == '0'))
			return 0;
		n++;
		p += d + 1;
		len -= d + 1;
	}
	return n <= 3 ? n : 0;
}

/* An IPv6 prefix as the compressed lower-case text begins: groups of 1 to
 * 4 hex digits without leading zeros, at most one "::", ending in ':'.
 * Its fixed bits (a "::" fixes two zero groups at least), or -1. */
static int
v6_prefix(const char *p, size_t len)
{
	int groups = 0, dcolon = 0;
	size_t i = 0;

	if (len >= 2 && p[0] == ':' && p[1] == ':') {
		dcolon = 1;
		i = 2;
	}
	while (i < len) {
		size_t d = 0;

		while (i + d < len && strchr("0123456789abcdef", p[i + d]) &&
		       p[i + d] != '\0')
			d++;
		if (d == 0 || d > 4 || (d > 1 && p[i] == '0') ||
		    i + d >= len || p[i + d] != ':')
			return -1;
		groups++;
		i += d + 1;
		if (i < len && p[i] == ':') {
			if (dcolon)
				return -1;
			dcolon = 1;
			i++;
		}
	}
	if (groups + 2 * dcolon > 8)
		return -1;
	return 16 * groups + 32 * dcolon;
}

/* A host name or .suffix as the daemon compares it: lower case, bytes
 * outside [a-z0-9._-] escaped.  1 good, 0 never matches (why set). */
static int
host_ok(const char *h, struct lint_key *k)
{
	char norm[320];

	if (!host_normalise(h, norm, sizeof(norm)) || strcmp(norm, h) != 0) {
		k->why = strpbrk(h, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") ?
			"host names are matched in lower case" :
			"not a host name (letters, digits, '.', '-', '_')";
		return 0;
	}
	return 1;
}

int
lint_public_suffix(const char *domain)
{
	static const psl_ctx_t *psl;
	static int tried;
	char d[256];
	size_t n = strlen(domain);

	if (n > 0 && domain[n - 1] == '.')
		n--;
	if (n == 0 || n >= sizeof(d))
		return 0;
	for (size_t i = 0; i < n; i++)
		d[i] = domain[i] >= 'A' && domain[i] <= 'Z' ?
			(char)(domain[i] - 'A' + 'a') : domain[i];
	d[n] = '\0';
	if (!tried) {	/* the system's list if newer, else the built-in */
		tried = 1;
		if ((psl = psl_latest(NULL)) == NULL)
			psl = psl_builtin();
	}
	if (psl && psl_is_public_suffix2(psl, d, PSL_TYPE_ANY |
					 PSL_TYPE_NO_STAR_RULE))
		return 2;
	return strchr(d, '.') == NULL;	/* one label: a TLD, known or not */
}

void
lint_key(const char *key, size_t len, int where, struct lint_key *k)
{
	char buf[320];
	struct in_addr a4;
	struct in6_addr a6;
	char norm[INET6_ADDRSTRLEN];
	int bits;

	memset(k, 0, sizeof(*k));
	k->kind = LK_NEVER;
	if (len >= sizeof(buf) || memchr(key, '\0', len)) {
		k->why = "longer than any address or host name";
		return;
	}
	for (size_t i = 0; i < len; i++)	/* relayclients, relaydomains:
						 * any case (constmap) */
		buf[i] = where != LK_RULES && key[i] >= 'A' && key[i] <= 'Z' ?
			(char)(key[i] - 'A' + 'a') : key[i];
	buf[len] = '\0';
	if (len == 0) {
		if (where == LK_RULES)
			k->kind = LK_EVERYONE;
		else
			k->why = "empty";
		return;
	}
	if (memchr(buf, '\r', len)) {
		k->why = "it ends in a carriage return (DOS line ending?)";
		return;
	}
	if (buf[0] == ' ' || buf[0] == '\t') {
		k->why = "a leading blank is part of the key";
		return;
	}
	if (where == LK_RULES && memchr(buf, '@', len)) {
		k->why = "milters get no ident (TCPREMOTEINFO), so info@ keys never match";
		return;
	}
	if (where == LK_RULES && buf[0] == '=') {
		if (len == 1) {
			k->kind = LK_NAMED;
			return;
		}
		memmove(buf, buf + 1, len);	/* with the NUL */
		len--;
		where = LK_RELAYDOMAINS;	/* a host or .suffix now */
	}
	if (where == LK_RELAYDOMAINS) {
		if (inet_pton(AF_INET, buf, &a4) == 1 ||
		    inet_pton(AF_INET6, buf, &a6) == 1 ||
		    v4_prefix(buf, len) > 0) {
			k->why = "an address: relaydomains and =host rules match host names (addresses go in relayclients or as an address rule)";
			return;
		}
		if (strcmp(buf, ".") == 0) {
			k->why = "a lone '.' is no host name suffix";
			return;
		}
		if (!host_ok(buf, k))
			return;
		k->kind = buf[0] == '.' ? LK_SUFFIX : LK_HOST;
		k->tld = buf[0] == '.' && lint_public_suffix(buf + 1);
		return;
	}
	if (memchr(buf, '/', len)) {
		k->why = "tcpserver has no CIDR notation; write a prefix ending in '.' (\"10.\", \"10.1.\")";
		return;
	}
	k->kind = LK_IP;
	k->loopback = strncmp(buf, "127.", 4) == 0;
	if (buf[len - 1] == '.' && (bits = v4_prefix(buf, len)) > 0) {
		k->bits = 8 * bits;
		return;
	}
	if (buf[len - 1] == ':' && !memchr(buf, '.', len) &&
	    (bits = v6_prefix(buf, len)) >= 0) {
		k->v6 = 1;
		k->bits = bits > 128 ? 128 : bits;
		return;
	}
	if (inet_pton(AF_INET, buf, &a4) == 1 &&
	    inet_ntop(AF_INET, &a4, norm, sizeof(norm)) &&
	    strcmp(norm, buf) == 0) {
		k->bits = 32;
		return;
	}
	if (inet_pton(AF_INET6, buf, &a6) == 1 && !IN6_IS_ADDR_V4MAPPED(&a6) &&
	    inet_ntop(AF_INET6, &a6, norm, sizeof(norm)) &&
	    strcmp(norm, buf) == 0) {
		k->v6 = 1;
		k->bits = 128;
		return;
	}
	k->kind = LK_NEVER;
	if (buf[len - 1] == ':' && memchr(buf, '.', len))
		k->why = "it ends in ':'; only the bare address or prefix matches";
	else if (inet_pton(AF_INET6, buf, &a6) == 1)
		k->why = "not in the form the daemon compares (IPv6 compressed and lower case, as inet_ntop writes it; IPv4-mapped as IPv4)";
	else if (where == LK_RULES)
		k->why = "not an address, a prefix ending in '.' or ':', =host, =.suffix, = or the empty key";
	else
		k->why = "not an address or a prefix ending in '.' or ':'";
}

static double
pow2(int e)
{
	double d = 1.0;

	while (e-- > 0)
		d *= 2.0;
	return d;
}

double
lint_key_span(const struct lint_key *k)
{
	return pow2((k->v6 ? 128 : 32) - k->bits);
}

/* What one line of the rules (or one key of a cdb) grants, as it is
 * read record by record. */
struct group {
	struct lint *l;
	const char *path;
	unsigned line;
	int have, relay, never_all, everyone, named, tld;
	double span4, span6;
	char key[320];		/* the first key */
	char tld_key[320];
	const char *why;	/* the first key's reason, if it never matches */
	int allow_all;		/* allow_relay_for_all_rule */
};

/* "a /8", or "12345 addresses" when it is no single prefix. */
static void
span_text(double span, int v6, char *out, size_t len)
{
	int top = v6 ? 128 : 32;

	for (int e = 0; e <= top; e++) {
		if (pow2(e) == span) {
			snprintf(out, len, "a /%d", top - e);
			return;
		}
	}
	snprintf(out, len, "%.0f addresses", span);
}

/* A text line is a rule; a cdb (no lines) is named by its key. */
#define RULE(g) ((g)->line ? "rule" : "key")

static void
flush(struct group *g)
{
	char what[64];

	if (!g->have)
		return;
	g->have = 0;
	if (g->never_all) {
		lint_add(g->l, "never-matches", g->path, g->line,
			 "%s \"%s\" never matches: %s", RULE(g), g->key,
			 g->why);
		return;
	}
	if (!g->relay)
		return;
	if (g->everyone || g->named) {
		lint_add(g->l, "relay-catch-all", g->path, g->line,
			 "%s \"%s\" (every client%s) sets RELAYCLIENT: an open relay; %s",
			 RULE(g), g->everyone ? "" : "=", g->everyone ? "" :
			 " with a host name, and anyone can set the PTR record of their address",
			 g->allow_all ?
			 "allow_relay_for_all_rule is set, so the daemon runs with it" :
			 "the daemon refuses to start on it unless allow_relay_for_all_rule is set; qmail relays");
		return;
	}
	if (g->tld)
		lint_add(g->l, "relay-broad", g->path, g->line,
			 "%s \"=%s\" sets RELAYCLIENT for every host name under a public suffix (a top-level domain, or one like co.uk)",
			 RULE(g), g->tld_key);
	if (g->span4 > LINT_SPAN_MAX_V4) {
		span_text(g->span4, 0, what, sizeof(what));
		lint_add(g->l, "relay-broad", g->path, g->line,
			 "%s \"%s\" sets RELAYCLIENT for %s of IPv4, more than a /16",
			 RULE(g), g->key, what);
	}
	if (g->span6 > LINT_SPAN_MAX_V6) {
		span_text(g->span6, 1, what, sizeof(what));
		lint_add(g->l, "relay-broad", g->path, g->line,
			 "%s \"%s\" sets RELAYCLIENT for %s of IPv6, more than a /32",
			 RULE(g), g->key, what);
	}
}

static int
each(void *arg, const struct rule_match *m, size_t keylen, int first)
{
	struct group *g = arg;
	struct lint_key k;

	/* text rules: a line's keys come together; a cdb's keys one by one */
	if (g->have && (m->lineno == 0 || m->lineno != g->line))
		flush(g);
	if (m->relayclient && !m->deny && m->rc_value && m->rc_value_len &&
	    g->l->rc_value[0] == '\0')	/* the first RELAYCLIENT value */
		snprintf(g->l->rc_value, sizeof(g->l->rc_value), "%s:%u", g->path,
			 m->lineno);
	if (!g->have) {
		memset(&g->relay, 0, sizeof(*g) - offsetof(struct group, relay));
		g->allow_all = g->l->s.allow_relay_for_all_rule;
		g->have = 1;
		g->never_all = 1;
		g->line = m->lineno;
		snprintf(g->key, sizeof(g->key), "%s", m->key);
		g->relay = m->relayclient && !m->deny;
	}
	lint_key(m->key, keylen < sizeof(m->key) ? keylen : sizeof(m->key),
		 LK_RULES, &k);
	if (k.kind != LK_NEVER && !first) {
		k.kind = LK_NEVER;
		k.why = "an earlier rule has the same key, and only the first counts (as in tcpserver)";
	}
	if (k.kind == LK_NEVER) {
		if (g->why == NULL)
			g->why = k.why;
		return 0;
	}
	if (g->never_all) {	/* name a key that does match */
		g->never_all = 0;
		snprintf(g->key, sizeof(g->key), "%s", m->key);
	}
	g->everyone |= k.kind == LK_EVERYONE;
	g->named |= k.kind == LK_NAMED;
	if (k.kind == LK_SUFFIX && k.tld && !g->tld) {
		g->tld = 1;
		snprintf(g->tld_key, sizeof(g->tld_key), "%s", m->key + 1);
	}
	if (k.kind == LK_IP && !k.loopback)
		*(k.v6 ? &g->span6 : &g->span4) += lint_key_span(&k);
	return 0;
}

/* The loader's remarks about a line ("path:N: why"): lines tcprules
 * ignores. */
struct warn_ctx {
	struct lint *l;
	const char *path;
};

static void
warn_rules(void *arg, const char *msg)
{
	struct warn_ctx *w = arg;
	const char *file, *why;
	unsigned line;

	lint_split(msg, &w->path, 1, &file, &line, &why);
	if (line > 0)
		lint_add(w->l, "never-matches", file, line, "%s", why);
}

void
lint_rules(struct lint *l)
{
	const char *path = l->s.rules_file;
	struct warn_ctx w = { l, path };
	struct group g;
	struct rules *r;
	char err[1024], other[sizeof(l->s.rules_file) + 8];
	size_t plen = strlen(path);
	int is_cdb = plen > 4 && strcmp(path + plen - 4, ".cdb") == 0;

	if (path[0] == '\0') {
		lint_note(l, "rules: none (no -x and no rules in the configuration)");
		return;
	}
	lint_note(l, "rules: %s", path);
	/* the text and its cdb, whichever the daemon reads */
	if (is_cdb) {
		snprintf(other, sizeof(other), "%.*s", (int)(plen - 4), path);
		lint_stale(l, other, path, "tcprules");
	} else {
		snprintf(other, sizeof(other), "%s.cdb", path);
		lint_stale(l, path, other, "tcprules");
	}
	if (tcprules_load(&r, path, warn_rules, &w, err, sizeof(err)) != 0) {
		const char *file, *why;
		unsigned line;

		lint_split(err, &path, 1, &file, &line, &why);
		lint_add(l, "file-unusable", file, line,
			 "the daemon cannot load the rules: %s", why);
		return;
	}
	memset(&g, 0, sizeof(g));
	g.l = l;
	g.path = path;
	if (rules_each(r, each, &g) != 0)
		lint_add(l, "file-unusable", path, 0,
			 "the rules cannot be read (a corrupt cdb)");
	else
		flush(&g);
	rules_free(r);
}
