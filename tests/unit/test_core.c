/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_core.c - table-driven unit tests of the decision core's modules
 * (envelope address parsing, client address and host normalisation, the
 * string set, reply parsing, the decisions over tables built in memory)
 * and of the loaders (control files, tcprules parsing errors, the
 * fail-closed checks of tables_load()).
 */
#define _GNU_SOURCE
#include "config.h"
#include "core/addr.h"
#include "core/dnsbl.h"
#include "core/ip.h"
#include "core/policy.h"
#include "core/rewrite.h"
#include "core/strset.h"
#include "core/tables.h"
#include "core/verdict.h"
#include "pop/backend.h"
#include "tables/cdbfile.h"
#include "tables/ctlfile.h"
#include "tables/load.h"
#include "tables/tcprules.h"
#include "tap.h"

#include <cdb.h>

#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static char tmpdir[] = "/tmp/qrelay-unit-XXXXXX";

static void
write_file(const char *name, const char *content)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	f = fopen(path, "w");
	if (f == NULL) {
		perror(path);
		exit(2);
	}
	fputs(content, f);
	fclose(f);
}

static void
test_addr(void)
{
	enum { P = ADDR_PLAIN, T = ADDR_TOLERATED, A = ADDR_AMBIGUOUS };
	static const struct {
		const char *raw, *addr, *domain;
		int routing, form;
	} v[] = {
		{ "<a@example.com>", "a@example.com", "example.com", 0, P },
		{ "<A.b+c@Example.COM>", "A.b+c@Example.COM", "Example.COM", 0, P },
		{ "<a@[127.0.0.1]>", "a@[127.0.0.1]", "[127.0.0.1]", 0, P },
		{ "<a@[IPv6:2001:db8::1]>", "a@[IPv6:2001:db8::1]",
		  "[IPv6:2001:db8::1]", 0, P },
		{ "<postmaster>", "postmaster", NULL, 0, P },
		{ "<>", "", NULL, 0, P },
		/* read as the MTAs read it: blanks and comments inside the
		 * brackets go, a trailing dot stays */
		{ "<a@evil.com >", "a@evil.com", "evil.com", 0, T },
		{ "<user@example.com (comment)>", "user@example.com",
		  "example.com", 0, T },
		{ "<user(x)@example(y).com>", "user@example.com", "example.com",
		  0, T },
		{ "<a@example.com.>", "a@example.com.", "example.com.", 0, T },
		{ "<\"first last\"@example.com>", "first last@example.com",
		  "example.com", 0, T },
		{ "a@example.com", "a@example.com", "example.com", 0, T },
		{ "<\"a@example.com\"@evil.com>", "a@example.com@evil.com",
		  "evil.com", 1, T },
		{ "<a\\@evil.com>", "a@evil.com", "evil.com", 0, T },
		{ "<a%evil.com@example.com>", "a%evil.com@example.com",
		  "example.com", 1, T },
		{ "<evil.com!a@example.com>", "evil.com!a@example.com",
		  "example.com", 1, T },
		{ "<user%elsewhere>", "user%elsewhere", NULL, 1, T },
		{ "<v\xc3\xaf" "ctim@example.com>", "v\xc3\xaf" "ctim@example.com",
		  "example.com", 0, T },
		/* a '<' in a comment or quoted string is not a bracket: the
		 * address is what the MTA routes, and it is ambiguous */
		{ "(<x@example.com>)victim@elsewhere.example",
		  "victim@elsewhere.example", "elsewhere.example", 0, A },
		{ "(<>)victim@elsewhere.example", "victim@elsewhere.example",
		  "elsewhere.example", 0, A },
		{ "\"<x@example.com>\"@elsewhere.example",
		  "<x@example.com>@elsewhere.example", "elsewhere.example", 1, A },
		{ "<victim@elsewhere.example>(<x@example.com>)",
		  "victim@elsewhere.example", "elsewhere.example", 0, A },
		{ "<victim@elsewhere.example((x)@example.com)>",
		  "victim@elsewhere.example", "elsewhere.example", 0, T },
		{ "<victim@elsewhere.example(\\)x@example.com)>",
		  "victim@elsewhere.example", "elsewhere.example", 0, T },
		{ "\"x@example.com\"<victim@elsewhere.example>",
		  "victim@elsewhere.example", "elsewhere.example", 0, A },
		{ "<<victim@elsewhere.example>>", "victim@elsewhere.example",
		  "elsewhere.example", 0, A },
		{ "<victim@elsewhere.example", "victim@elsewhere.example",
		  "elsewhere.example", 0, A },
		{ "<a@example.com,b@evil.com>", "a@example.comb@evil.com",
		  "evil.com", 1, A },
		{ "bogus <a@example.com>", "a@example.com", "example.com", 0, A },
		{ "<a@example.com> x", "a@example.com", "example.com", 0, A },
		{ "<a@example.com(unterminated>", "a@example.com", "example.com",
		  0, A },
		{ "<vic\ttim@example.com>", "vic\ttim@example.com",
		  "example.com", 0, A },
		/* source routes are dropped, as the MTAs drop them */
		{ "<@a.b,@c.d:x@evil.com>", "x@evil.com", "evil.com", 0, A },
		{ "<@relay.evil>", "", NULL, 0, A },
	};

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct env_addr a;

		CHECK(addr_parse(&a, v[i].raw) == 0, "addr_parse %s", v[i].raw);
		CHECK_STR(a.addr, v[i].addr, v[i].raw);
		CHECK_STR(a.domain, v[i].domain, "domain");
		CHECK(addr_has_routing(&a) == v[i].routing, "routing %s = %d",
		      v[i].raw, v[i].routing);
		CHECK((int)a.form == v[i].form, "form of %s = %d (%s)",
		      v[i].raw, (int)a.form, a.why ? a.why : "plain");
	}
	{
		struct env_addr a;
		char big[1000];

		memset(big, 'a', sizeof(big));
		big[sizeof(big) - 1] = '\0';
		CHECK(addr_parse(&a, big) == -1, "901+ bytes is a syntax error");
		big[900] = '\0';
		CHECK(addr_parse(&a, big) == 0, "900 bytes is fine");
		big[0] = '<';
		big[899] = '>';
		CHECK(addr_parse(&a, big) == 0 && a.form == ADDR_PLAIN &&
		      a.len == 898, "a plain 898-byte address");
	}
}

/* addr_agree: the raw text's reading against the MTA's {rcpt_addr} */
static void
test_addr_agree(void)
{
	static const struct {
		const char *raw, *mta;
		int agree;
	} v[] = {
		{ "<user@example.com >", "user@example.com", 1 },
		{ "<USER@Example.COM>", "user@example.com", 1 },	/* Postfix */
		{ "<user@example.com.>", "user@example.com", 1 },
		{ "<\"user\"@example.com>", "\"user\"@example.com", 1 },	/* Sendmail */
		{ "<a\\ b@example.com>", "\"a b\"@example.com", 1 },	/* Postfix */
		{ "<a\\ b@example.com>", "a\\ b@example.com", 1 },	/* Sendmail */
		{ "<User@localhost>", "user", 1 },	/* Sendmail's local mailer */
		{ "<postmaster>", "postmaster@mta.example", 1 },	/* $myorigin */
		{ "<victim%elsewhere.example@localhost>",
		  "victim@elsewhere.example", 0 },	/* percent hack */
		{ "<elsewhere.example!victim@localhost>",
		  "victim@elsewhere.example", 0 },
		{ "<victim%elsewhere.example>", "victim@elsewhere.example", 0 },
		{ "<user@example.com>", "user@elsewhere.example", 0 },
		{ "<user@example.com>", "other@example.com", 0 },
		{ "<x@example.com>", "\"<x@example.com>\"@elsewhere.example", 0 },
		{ "<>", "", 1 },
	};

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct env_addr a, m;

		CHECK(addr_parse(&a, v[i].raw) == 0 &&
		      addr_parse(&m, v[i].mta) == 0 &&
		      addr_agree(&a, &m) == v[i].agree,
		      "%s and MTA %s agree: %d", v[i].raw, v[i].mta,
		      v[i].agree);
	}
}

static void
test_ipv4_literal(void)
{
	static const struct {
		const char *s;
		int ok;
		uint32_t ip;
	} v[] = {
		{ "[127.0.0.1]", 1, 0x7f000001 },
		{ "[127.0.0.257]", 1, 0x7f000001 },
		{ "[127.000.000.001]", 1, 0x7f000001 },
		{ "[0.0.0.0]", 1, 0 },
		{ "[127.1]", 0, 0 },
		{ "[127.0.0.1]x", 0, 0 },
		{ "127.0.0.1", 0, 0 },
		{ "[1.2.3.]", 0, 0 },
	};

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		uint32_t ip = 0;
		int ok = addr_ipv4_literal(v[i].s, &ip);

		CHECK(ok == v[i].ok && (!ok || ip == v[i].ip),
		      "ipv4 literal %s -> %d %08x", v[i].s, ok, ip);
	}
}

static void
test_ip(void)
{
	static const struct {
		const char *in, *out;
	} v[] = {
		{ "1.2.3.4", "1.2.3.4" },
		{ "::ffff:1.2.3.4", "1.2.3.4" },
		{ "::FFFF:10.0.0.1", "10.0.0.1" },
		{ "IPv6:2001:DB8::25", "2001:db8::25" },
		{ "[2001:db8:0:0::1]", "2001:db8::1" },
		{ "[192.0.2.1]", "192.0.2.1" },
		{ "::1", "::1" },
	};
	struct client_ip ip;
	size_t pos, n;
	const char *t = "2001:db8:2::9";

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		CHECK(ip_parse(&ip, v[i].in) == 0, "ip_parse %s", v[i].in);
		CHECK_STR(ip.text, v[i].out, v[i].in);
	}
	CHECK(ip_parse(&ip, "unknown") == -1, "ip_parse rejects garbage");
	CHECK(ip_parse(&ip, "1.2.3") == -1, "ip_parse rejects 1.2.3");

	/* prefixes, longest first */
	pos = strlen("10.1.2.3");
	n = ip_next_prefix("10.1.2.3", &pos);
	CHECK(n == 7, "first prefix of 10.1.2.3 is 10.1.2.");
	n = ip_next_prefix("10.1.2.3", &pos);
	CHECK(n == 5, "then 10.1.");
	n = ip_next_prefix("10.1.2.3", &pos);
	CHECK(n == 3, "then 10.");
	CHECK(ip_next_prefix("10.1.2.3", &pos) == 0, "then done");
	pos = strlen(t);
	CHECK(ip_next_prefix(t, &pos) == 12, "IPv6 prefix 2001:db8:2::");
	CHECK(ip_next_prefix(t, &pos) == 11, "IPv6 prefix 2001:db8:2:");
}

static void
test_host(void)
{
	char out[256];

	CHECK(host_normalise("Mail.Example.ORG", out, sizeof(out)) == 1 &&
	      strcmp(out, "mail.example.org") == 0, "host lower-cased");
	CHECK(host_normalise("unknown", out, sizeof(out)) == 0, "unknown = unset");
	CHECK(host_normalise("[1.2.3.4]", out, sizeof(out)) == 0, "[ip] = unset");
	CHECK(host_normalise("", out, sizeof(out)) == 0, "empty = unset");
	CHECK(host_normalise(NULL, out, sizeof(out)) == 0, "NULL = unset");
	CHECK(host_normalise("a b.example", out, sizeof(out)) == 1 &&
	      strcmp(out, "a\\040b.example") == 0, "odd byte octal-escaped: %s", out);
}

static void
test_ctlfile(void)
{
	struct ctl_lines l;
	char err[512], path[512];

	write_file("ctl", "# comment\nexample.com  \t\n\n  spaced\n.x.org\r\nlast");
	snprintf(path, sizeof(path), "%s/ctl", tmpdir);
	CHECK(ctl_read(path, &l, err, sizeof(err)) == 1, "ctl_read reads");
	CHECK(l.n == 4, "4 entries (comment, empty skipped): %zu", l.n);
	if (l.n == 4) {
		CHECK_STR(l.v[0].text, "example.com", "trailing blanks stripped");
		CHECK(l.v[0].lineno == 2, "line numbers kept");
		CHECK_STR(l.v[1].text, "  spaced", "leading blanks kept");
		CHECK_STR(l.v[2].text, ".x.org\r", "CR kept, as qmail does");
		CHECK_STR(l.v[3].text, "last", "no final newline");
	}
	ctl_lines_free(&l);
	snprintf(path, sizeof(path), "%s/absent", tmpdir);
	CHECK(ctl_read(path, &l, err, sizeof(err)) == 0, "absent file = 0");
	CHECK(ctl_read(tmpdir, &l, err, sizeof(err)) == -1 &&
	      strstr(err, tmpdir) != NULL, "a directory is an error naming it: %s", err);
}

static void
test_strset(void)
{
	struct strset *s = strset_new(2);
	char keys[5000][32];

	CHECK(s != NULL, "strset_new");
	strset_add(s, "Example.COM", 11, 3);
	strset_add(s, "example.com", 11, 9);
	CHECK(strset_find(s, "EXAMPLE.com", 11) == 3,
	      "case-insensitive, first duplicate wins");
	CHECK(strset_find(s, "example.co", 10) == 0, "exact length");
	for (int i = 0; i < 5000; i++) {
		snprintf(keys[i], sizeof(keys[i]), "d%d.example", i);
		strset_add(s, keys[i], strlen(keys[i]), (unsigned)i + 100);
	}
	CHECK(strset_count(s) == 5001, "grows: %zu entries", strset_count(s));
	CHECK(strset_find(s, "D4321.EXAMPLE", 13) == 4421, "found after growth");
	strset_free(s);
}

static void
test_reply(void)
{
	struct reply r;
	char err[512];

	CHECK(reply_parse(&r, "553 5.7.1 no relay for you", '5', err,
			  sizeof(err)) == 0 &&
	      strcmp(r.code, "553") == 0 && strcmp(r.xcode, "5.7.1") == 0 &&
	      strcmp(r.text, "no relay for you") == 0, "reply parsed");
	CHECK(reply_parse(&r, "250 2.1.5 ok", '5', err, sizeof(err)) == -1,
	      "a 2xx is not a rejection");
	CHECK(reply_parse(&r, "553 no xcode", '5', err, sizeof(err)) == -1,
	      "enhanced code required");
	CHECK(reply_parse(&r, "553 4.7.1 mixed", '5', err, sizeof(err)) == -1,
	      "enhanced code class must match");
	CHECK(reply_parse(&r, "553 5.7.1", '5', err, sizeof(err)) == -1,
	      "text required");
}

static void
test_rules_errors(void)
{
	static const struct {
		const char *text;
		const char *err;	/* NULL = loads */
	} v[] = {
		{ "1.2.3.4:allow\r\n", "tcp.smtp:1: unable to parse" },
		{ "# c\n1.2.3.4:allowed\n", "tcp.smtp:2:" },
		{ "1.2.3.4:allow,X=\"1\n", "closing delimiter" },
		{ "1.2.3.4:allow ,X=\"1\"\n", "tcp.smtp:1:" },
		{ "1.2.3.4:allow # note\n", "tcp.smtp:1:" },
		{ "a-b.example:allow\n", "range" },
		{ "1.2.3.4:allow:extra\n", "tcp.smtp:1:" },
		{ "  # indented comment\n1.2.3.4:allow\n", NULL },
		{ "=a-b.example:allow\n", NULL },
		{ "1.2.3.4:allow,X=|a \"q\" b|,Y=1abc1\n", NULL },
		{ "10.0.0.0/8:allow\n", NULL },
	};
	char err[1024];

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct rules *r = NULL;
		int rc;

		err[0] = '\0';
		rc = tcprules_compile(&r, v[i].text, strlen(v[i].text),
				      "tcp.smtp", NULL, NULL, err, sizeof(err));
		if (v[i].err)
			CHECK(rc == -1 && strstr(err, v[i].err),
			      "rules error for %.30s: %s", v[i].text, err);
		else
			CHECK(rc == 0, "rules load %.30s: %s", v[i].text, err);
		rules_free(r);
	}
}

/* --- tables built in memory (core/tables.h), as a policy test needs them -- */

static struct tables *
mt_new(const struct settings *s)
{
	struct tables *t = tables_new(s);
	uint32_t *v4 = calloc(2, sizeof(*v4));

	if (t == NULL || v4 == NULL) {
		fprintf(stderr, "out of memory\n");
		exit(2);
	}
	v4[0] = 0;		/* as qmail's ipme, and this host's loopback */
	v4[1] = 0x7f000001;
	tables_set_local_v4(t, v4, 2);
	return t;
}

static void
mt_list(struct tables *t, enum tables_file f, const char *text)
{
	char err[512];

	CHECK(tables_set_list(t, f, strdup(text), strlen(text), NULL, NULL,
			      err, sizeof(err)) == 0, "list %d: %s", f, err);
}

/* A cdb from its bytes, in a memfd: no file on disk. */
static void
mt_cdb(struct tables *t, enum tables_file f, const void *bytes, size_t len)
{
	struct cdbmap m;
	char err[512];
	int fd = memfd_create("test-cdb", MFD_CLOEXEC);

	if (fd < 0 || write(fd, bytes, len) != (ssize_t)len) {
		perror("memfd");
		exit(2);
	}
	if (cdbfile_map_fd(&m, fd, "test.cdb", err, sizeof(err)) == 1)
		tables_set_cdb(t, f, &m);
	else
		CHECK(0, "test cdb opens: %s", err);
}

static void
mt_rules(struct tables *t, const char *text)
{
	struct rules *r;
	char err[512];

	if (tcprules_compile(&r, text, strlen(text), "tcp.smtp", NULL, NULL,
			     err, sizeof(err)) == 0)
		tables_set_rules(t, r);
	else
		CHECK(0, "test rules compile: %s", err);
}

/* A cdb that opens fine but whose hash table points past its end: every
 * lookup fails (EPROTO), except for keys hashing to the slots of the keys
 * in `readable`, which are empty (found nothing). */
static size_t
corrupt_cdb(unsigned char out[2048], const char *const *readable)
{
	int empty[256] = { 0 };

	for (; readable && *readable; readable++)
		empty[cdb_hash(*readable, (unsigned)strlen(*readable)) & 255] = 1;
	for (int i = 0; i < 256; i++)
		memcpy(out + 8 * i, empty[i] ? "\000\010\000\000\000\000\000\000" :
		       "\000\010\000\000\350\003\000\000", 8);
	return 2048;
}

/* rules_each: every record in file order, with its line, what it sets,
 * and whether a lookup can ever return it (the first of duplicate keys). */
struct each_rec {
	char key[64];
	unsigned line;
	int relay, deny, first;
};

static int
each_collect(void *arg, const struct rule_match *m, size_t keylen, int first)
{
	struct each_rec *v = arg;
	int i = 0;

	while (v[i].line)
		i++;
	if (i >= 15)
		return 1;
	snprintf(v[i].key, sizeof(v[i].key), "%.*s", (int)keylen, m->key);
	v[i].line = m->lineno;
	v[i].relay = m->relayclient;
	v[i].deny = m->deny;
	v[i].first = first;
	return 0;
}

static void
test_rules_each(void)
{
	static const char text[] =
		"# comment\n"
		"10.:allow,RELAYCLIENT=\"\"\n"
		"1.2.3-4.:deny\n"
		"10.:deny\n"
		":allow\n";
	struct each_rec v[16];
	struct rules *r;
	char err[512];

	memset(v, 0, sizeof(v));
	CHECK(tcprules_compile(&r, text, strlen(text), "tcp.smtp", NULL, NULL,
			       err, sizeof(err)) == 0, "each: compiled: %s", err);
	CHECK(rules_each(r, each_collect, v) == 0, "each: walked");
	CHECK(strcmp(v[0].key, "10.") == 0 && v[0].line == 2 && v[0].relay &&
	      !v[0].deny && v[0].first, "each: 10. line 2 sets RELAYCLIENT");
	CHECK(strcmp(v[1].key, "1.2.3.") == 0 && v[1].line == 3 &&
	      strcmp(v[2].key, "1.2.4.") == 0 && v[2].line == 3 && v[2].deny,
	      "each: a range gives one record per key, on its line");
	CHECK(strcmp(v[3].key, "10.") == 0 && v[3].line == 4 && !v[3].first,
	      "each: a duplicate key is not the first (never matches)");
	CHECK(v[4].key[0] == '\0' && v[4].line == 5 && v[4].first &&
	      v[5].line == 0, "each: the empty key last; nothing more");
	rules_free(r);
}

/* policy_rcpthosts: row 7's lookup, for qrelayctl lint. */
static void
test_policy_rcpthosts(void)
{
	struct settings s;
	struct tables *t;
	char why[256], err[512];

	settings_defaults(&s);
	s.allow_missing_rcpthosts = 1;
	t = mt_new(&s);
	CHECK(tables_finish(t, NULL, NULL, err, sizeof(err)) == 0, "no rcpthosts");
	CHECK(policy_rcpthosts(t, "example.com", why, sizeof(why)) == 0,
	      "no rcpthosts: nothing is hosted");
	tables_free(t);
	t = mt_new(&s);
	mt_list(t, TF_RCPTHOSTS, "example.com\n.example.net\n");
	CHECK(tables_finish(t, NULL, NULL, err, sizeof(err)) == 0, "rcpthosts");
	CHECK(policy_rcpthosts(t, "a.example.net", why, sizeof(why)) == 1 &&
	      strcmp(why, "rcpthosts:2 \".example.net\"") == 0,
	      "a subdomain is hosted: %s", why);
	CHECK(policy_rcpthosts(t, "example.net", why, sizeof(why)) == 0,
	      "a .suffix entry does not cover the domain itself");
	tables_free(t);
}

/* The open-relay refusals of tables_finish(), on tables in memory. */
static void
test_tables_refusals(void)
{
	struct settings s;
	struct tables *t;
	char err[1024];

	settings_defaults(&s);
	snprintf(s.control_dir, sizeof(s.control_dir), "/ctl");
	snprintf(s.rules_file, sizeof(s.rules_file), "/tcp.smtp");
	t = mt_new(&s);
	CHECK(tables_finish(t, NULL, NULL, err, sizeof(err)) == -1 &&
	      strstr(err, "/ctl/rcpthosts: missing") && strstr(err, "open relay"),
	      "missing rcpthosts refused: %s", err);
	tables_free(t);
	s.allow_missing_rcpthosts = 1;
	t = mt_new(&s);
	CHECK(tables_finish(t, NULL, NULL, err, sizeof(err)) == 0,
	      "missing rcpthosts allowed explicitly");
	tables_free(t);
	s.allow_missing_rcpthosts = 0;

	t = mt_new(&s);
	mt_list(t, TF_RCPTHOSTS, "example.com\n");
	mt_rules(t, "127.0.0.1:allow,RELAYCLIENT=\"\"\n:allow,RELAYCLIENT=\"\"\n");
	CHECK(tables_finish(t, NULL, NULL, err, sizeof(err)) == -1 &&
	      strstr(err, "tcp.smtp:2") && strstr(err, "every client"),
	      "catch-all RELAYCLIENT rule refused: %s", err);
	tables_free(t);
	t = mt_new(&s);
	mt_list(t, TF_RCPTHOSTS, "example.com\n");
	mt_rules(t, "=:allow,RELAYCLIENT=\"\"\n");
	CHECK(tables_finish(t, NULL, NULL, err, sizeof(err)) == -1 &&
	      strstr(err, "host name"), "\"=\" RELAYCLIENT rule refused: %s", err);
	tables_free(t);
	s.allow_relay_for_all_rule = 1;
	t = mt_new(&s);
	mt_list(t, TF_RCPTHOSTS, "example.com\n");
	mt_rules(t, ":allow,RELAYCLIENT=\"\"\n");
	CHECK(tables_finish(t, NULL, NULL, err, sizeof(err)) == 0,
	      "catch-all allowed explicitly");
	tables_free(t);
	s.allow_relay_for_all_rule = 0;
	t = mt_new(&s);
	mt_list(t, TF_RCPTHOSTS, "example.com\n");
	mt_rules(t, ":deny\n127.:allow,RELAYCLIENT=\"\"\n");
	CHECK(tables_finish(t, NULL, NULL, err, sizeof(err)) == 0,
	      "a default deny rule is fine");
	tables_free(t);
	{	/* a rules cdb whose catch-all keys cannot be read */
		unsigned char bad[2048];
		size_t n = corrupt_cdb(bad, NULL);
		struct cdbmap m;
		int fd = memfd_create("bad-rules", MFD_CLOEXEC);

		if (fd < 0 || write(fd, bad, n) != (ssize_t)n ||
		    cdbfile_map_fd(&m, fd, "bad.cdb", err, sizeof(err)) != 1) {
			CHECK(0, "corrupt rules cdb opens: %s", err);
			return;
		}
		t = mt_new(&s);
		mt_list(t, TF_RCPTHOSTS, "example.com\n");
		tables_set_rules(t, rules_new(&m, "bad.cdb", 0));
		CHECK(tables_finish(t, NULL, NULL, err, sizeof(err)) == -1 &&
		      strstr(err, "cannot read rules"),
		      "unreadable rules cdb refused: %s", err);
		tables_free(t);
	}
}

/* The same refusals through the loader, from files, and what only the
 * loader can see: a cdb file that is not a cdb. */
static void
test_tables_load(void)
{
	struct settings s;
	struct tables *t = NULL;
	char err[1024], ctl[512];

	settings_defaults(&s);
	snprintf(ctl, sizeof(ctl), "%s/control", tmpdir);
	mkdir(ctl, 0755);
	snprintf(s.control_dir, sizeof(s.control_dir), "%s", ctl);
	CHECK(tables_load(&t, &s, NULL, NULL, NULL, err, sizeof(err)) == -1 &&
	      strstr(err, "rcpthosts: missing") && strstr(err, "open relay"),
	      "loader: missing rcpthosts refused: %s", err);
	write_file("control/rcpthosts", "example.com\n");
	CHECK(tables_load(&t, &s, NULL, NULL, NULL, err, sizeof(err)) == 0 &&
	      strset_find(t->rcpthosts.set, "EXAMPLE.COM", 11) == 1,
	      "loader: rcpthosts read: %s", err);
	tables_free(t);
	write_file("control/morercpthosts.cdb", "not a cdb");
	CHECK(tables_load(&t, &s, NULL, NULL, NULL, err, sizeof(err)) == -1 &&
	      strstr(err, "morercpthosts.cdb"), "corrupt cdb refused: %s", err);
}

static void
test_policy_stages(void)
{
	struct settings s;
	struct tables *t;
	struct session ss;
	struct verdict v;
	unsigned char bad[2048];
	char err[1024];

	settings_defaults(&s);
	t = mt_new(&s);
	mt_list(t, TF_RCPTHOSTS, "example.com\nmail.example.com\n");
	tables_set_localiphost(t, "mail.example.com");
	mt_cdb(t, TF_RELAYMAILFROM_CDB, bad, corrupt_cdb(bad, NULL));
	CHECK(tables_finish(t, NULL, NULL, err, sizeof(err)) == 0,
	      "policy tables built: %s", err);

	policy_connect(t, &ss, "9.9.9.9", NULL, NULL, &v);
	CHECK(v.action == VERDICT_ACCEPT, "connect accepted");
	policy_rcpt(t, &ss, "<a@EXAMPLE.COM>", NULL, &v);
	CHECK(v.action == VERDICT_ACCEPT && !strstr(v.reason, "localiphost"),
	      "upper-case domain is not reported as localiphost: %s", v.reason);
	policy_rcpt(t, &ss, NULL, NULL, &v);
	CHECK(v.action == VERDICT_TEMPFAIL, "no recipient at all: tempfail, not \"<>\"");
	policy_rcpt(t, &ss, "<a@[127.0.0.1]>", NULL, &v);
	CHECK(v.action == VERDICT_ACCEPT &&
	      strstr(v.reason, "via localiphost for [127.0.0.1]"),
	      "[127.0.0.1] accepted via localiphost: %s", v.reason);

	/* relaymailfrom.cdb unreadable: MAIL tempfails, and so does every
	 * recipient of the transaction, hosted or not */
	policy_mail(t, &ss, "<s@x.org>", NULL, NULL, &v);
	CHECK(v.action == VERDICT_TEMPFAIL && strcmp(v.reply.code, "451") == 0,
	      "MAIL tempfails on a cdb read error: %s", v.reason);
	policy_rcpt(t, &ss, "<a@example.com>", NULL, &v);
	CHECK(v.action == VERDICT_TEMPFAIL,
	      "after a MAIL tempfail a hosted recipient tempfails too");
	policy_rcpt(t, &ss, "<a@evil.example>", NULL, &v);
	CHECK(v.action == VERDICT_TEMPFAIL,
	      "after a MAIL tempfail a foreign recipient tempfails too");
	policy_mail(t, &ss, "<>", NULL, NULL, &v);
	CHECK(v.action == VERDICT_ACCEPT, "<> is never looked up: MAIL ok");
	policy_rcpt(t, &ss, "<a@example.com>", NULL, &v);
	CHECK(v.action == VERDICT_ACCEPT,
	      "a new MAIL clears the previous transaction's refusal");
	tables_free(t);

	/* readable catch-all keys, everything else corrupt: connect
	 * tempfails, and so does every recipient */
	{
		static const char *const ok_keys[] = { "", "=", NULL };
		struct cdbmap m;
		size_t n = corrupt_cdb(bad, ok_keys);
		int fd = memfd_create("rules", MFD_CLOEXEC);

		if (fd < 0 || write(fd, bad, n) != (ssize_t)n ||
		    cdbfile_map_fd(&m, fd, "rules.cdb", err, sizeof(err)) != 1) {
			CHECK(0, "partly corrupt rules cdb opens: %s", err);
			return;
		}
		t = mt_new(&s);
		mt_list(t, TF_RCPTHOSTS, "example.com\n");
		tables_set_rules(t, rules_new(&m, "rules.cdb", 0));
	}
	if (tables_finish(t, NULL, NULL, err, sizeof(err)) != 0) {
		CHECK(0, "tables with a partly corrupt rules cdb build: %s", err);
		tables_free(t);
		return;
	}
	policy_connect(t, &ss, "9.9.9.9", NULL, NULL, &v);
	CHECK(v.action == VERDICT_TEMPFAIL, "connect tempfails on a rules read error");
	policy_mail(t, &ss, "<s@x.org>", NULL, "alice", &v);
	policy_rcpt(t, &ss, "<a@example.com>", NULL, &v);
	CHECK(v.action == VERDICT_TEMPFAIL,
	      "after a connect tempfail even an authenticated, hosted recipient tempfails");
	tables_free(t);
}

/* The directory backend as the core's oracle (pop.c does the same). */
struct dir_oracle {
	const struct pop_ops *ops;
	void *impl;
};

static int
dir_ask(void *arg, const char *ip, const char *sender, char *why,
	size_t whylen)
{
	struct dir_oracle *d = arg;

	return d->ops->lookup(d->impl, ip, sender, why, whylen);
}

/* SMTP-after-POP in the decision order, with the directory backend: asked
 * only when a recipient would be refused, never before badmailfrom, and an
 * unreadable entry tempfails only what needed it. */
static void
test_policy_pop(void)
{
	struct settings s;
	struct tables *t;
	struct dir_oracle d;
	struct relay_oracle o = { dir_ask, &d, 0 };
	struct session ss;
	struct verdict v;
	char err[1024], path[SETTINGS_PATH_MAX + 32];

	settings_defaults(&s);
	snprintf(s.pop_dir, sizeof(s.pop_dir), "%s/pop-allow", tmpdir);
	mkdir(s.pop_dir, 0755);
	write_file("pop-allow/192.0.2.7", "");
	snprintf(path, sizeof(path), "%s/192.0.2.20", s.pop_dir);
	if (symlink("192.0.2.20", path) != 0)
		perror(path);

	s.pop_backend = POP_BACKEND_DIR;
	snprintf(s.pop_dir, sizeof(s.pop_dir), "relative/dir");
	CHECK(popdir_open(&d.ops, &d.impl, &s, NULL, err, sizeof(err)) == -1 &&
	      strstr(err, "absolute"), "relative pop_dir refused: %s", err);
	snprintf(s.pop_dir, sizeof(s.pop_dir), "%s/pop-allow", tmpdir);
	if (popdir_open(&d.ops, &d.impl, &s, NULL, err, sizeof(err)) != 0) {
		CHECK(0, "pop backend opens: %s", err);
		return;
	}
	CHECK(!d.ops->uses_sender, "relay-ctrl does not match senders");
	t = mt_new(&s);
	mt_list(t, TF_RCPTHOSTS, "example.com\n");
	mt_list(t, TF_BADMAILFROM, "@spam.example\n");
	CHECK(tables_finish(t, NULL, NULL, err, sizeof(err)) == 0,
	      "pop tables built: %s", err);

	policy_connect(t, &ss, "192.0.2.7", NULL, NULL, &v);
	policy_set_pop(&ss, &o);
	policy_mail(t, &ss, "<s@x.org>", NULL, NULL, &v);
	policy_rcpt(t, &ss, "<a@example.com>", NULL, &v);
	CHECK(v.action == VERDICT_ACCEPT && !ss.relay,
	      "hosted recipient: the directory is not asked (%s)", v.reason);
	policy_rcpt(t, &ss, "<a@evil.example>", NULL, &v);
	CHECK(v.action == VERDICT_ACCEPT && ss.relay &&
	      strstr(v.reason, "pop-before-smtp relay-ctrl dir"),
	      "foreign recipient: fresh file relays (%s)", v.reason);
	policy_mail(t, &ss, "<s@spam.example>", NULL, NULL, &v);
	policy_rcpt(t, &ss, "<a@evil.example>", NULL, &v);
	CHECK(v.action == VERDICT_REJECT && strstr(v.reason, "badmailfrom"),
	      "badmailfrom beats SMTP-after-POP (%s)", v.reason);

	policy_connect(t, &ss, "192.0.2.20", NULL, NULL, &v);
	policy_set_pop(&ss, &o);
	policy_mail(t, &ss, "<s@x.org>", NULL, NULL, &v);
	policy_rcpt(t, &ss, "<a@example.com>", NULL, &v);
	CHECK(v.action == VERDICT_ACCEPT,
	      "unreadable entry: hosted recipient accepted (%s)", v.reason);
	policy_rcpt(t, &ss, "<a@evil.example>", NULL, &v);
	CHECK(v.action == VERDICT_TEMPFAIL && strcmp(v.reply.code, "451") == 0,
	      "unreadable entry: foreign recipient 451 (%s)", v.reason);

	policy_connect(t, &ss, "192.0.2.99", NULL, NULL, &v);
	policy_set_pop(&ss, &o);
	policy_mail(t, &ss, "<s@x.org>", NULL, NULL, &v);
	policy_rcpt(t, &ss, "<a@evil.example>", NULL, &v);
	CHECK(v.action == VERDICT_REJECT && ss.pop_said_no &&
	      strstr(v.reason, "no pop-before-smtp login"),
	      "no file: 553 (%s)", v.reason);
	tables_free(t);
	d.ops->close(d.impl);
}


/* The zone list, the names looked up, dnsbl_decide (rblsmtpd's meaning)
 * and RBLSMTPD, in the core. */
static void
test_dnsbl(void)
{
	struct dnsbl_list l;
	struct dnsbl_result r[4];
	struct client_ip ip, ip6;
	struct verdict v;
	char err[600], q[300], clean[300];
	const char *list = "# comment\n\n+wl.test\n  Bl.Test  \n-perm.test\na.test:Listed %IP% here\r\n";

	memset(&l, 0, sizeof(l));
	CHECK(dnsbl_parse(&l, list, strlen(list), "dnsbllist", "/c/dnsbllist",
			  err, sizeof(err)) == 0 && l.n == 4,
	      "dnsbllist parses: 4 zones (%s)", err);
	CHECK(l.zone[0].kind == DNSBL_ALLOW && l.zone[1].kind == DNSBL_TXT &&
	      !l.zone[1].permanent && l.zone[2].permanent &&
	      l.zone[3].kind == DNSBL_A && l.zone[1].lineno == 4,
	      "kinds: +allow, TXT, -permanent, A with text; line numbers");
	CHECK_STR(l.zone[1].zone, "bl.test", "zone lower-cased, blanks cut");
	CHECK_STR(l.zone[3].text, "Listed %IP% here", "A zone's text");
	{
		static const char *const badz[] = {
			"bad zone", "a..b", ".a", "+wl.test:text", "x.test:",
			"-", "a_b!"
		};

		for (size_t i = 0; i < sizeof(badz) / sizeof(badz[0]); i++) {
			struct dnsbl_list b;

			memset(&b, 0, sizeof(b));
			CHECK(dnsbl_parse(&b, badz[i], strlen(badz[i]),
					  "dnsbllist", "/c/dnsbllist", err,
					  sizeof(err)) == -1 &&
			      strncmp(err, "/c/dnsbllist:1: ", 16) == 0,
			      "refused, file and line named: %s", err);
		}
	}
	ip_parse(&ip, "192.0.2.7");
	ip_parse(&ip6, "2001:db8::1");
	CHECK(dnsbl_qname(&ip, "bl.test", q, sizeof(q)) == 0, "v4 qname");
	CHECK_STR(q, "7.2.0.192.bl.test", "IPv4: reversed octets");
	CHECK(dnsbl_qname(&ip6, "bl.test", q, sizeof(q)) == 0, "v6 qname");
	CHECK_STR(q, "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.bl.test",
		  "IPv6: 32 reversed nibbles");

	memset(r, 0, sizeof(r));
	CHECK(dnsbl_decide(&l, r, &ip, 0, 0, &v) == DNSBL_WAIT,
	      "nothing answered yet: wait");
	r[0].answer = DNSBL_NOT_LISTED;
	r[1].answer = DNSBL_LISTED;
	snprintf(r[1].text, sizeof(r[1].text), "Listed in bl.test");
	CHECK(dnsbl_decide(&l, r, &ip, 0, 0, &v) == DNSBL_BLOCK &&
	      v.action == VERDICT_TEMPFAIL && strcmp(v.reply.code, "451") == 0 &&
	      strcmp(v.reply.text, "Listed in bl.test") == 0 &&
	      strstr(v.reason, "192.0.2.7 listed in bl.test (dnsbllist:4)"),
	      "TXT zone: decided by its answer without waiting for later zones: %s %s",
	      v.reply.code, v.reason);
	r[0].answer = DNSBL_PENDING;
	CHECK(dnsbl_decide(&l, r, &ip, 0, 0, &v) == DNSBL_WAIT,
	      "an allow-list still pending could decide first: wait");
	r[0].answer = DNSBL_LISTED;
	CHECK(dnsbl_decide(&l, r, &ip, 0, 0, &v) == DNSBL_PASS &&
	      strstr(v.reason, "allow-listed in wl.test"),
	      "allow-listed: no later zone counts (%s)", v.reason);
	r[0].answer = DNSBL_NOT_LISTED;
	r[1].answer = DNSBL_NOT_LISTED;
	r[2].answer = DNSBL_LISTED;
	snprintf(r[2].text, sizeof(r[2].text), "Perm\001text");
	CHECK(dnsbl_decide(&l, r, &ip, 0, 1, &v) == DNSBL_BLOCK &&
	      strcmp(v.reply.code, "553") == 0 &&
	      strcmp(v.reply.text, "Perm?text") == 0,
	      "-zone: 553, text cleaned: %s %s", v.reply.code, v.reply.text);
	r[1].answer = DNSBL_FAILED;
	snprintf(r[1].error, sizeof(r[1].error), "timeout");
	CHECK(dnsbl_decide(&l, r, &ip, 0, 1, &v) == DNSBL_BLOCK &&
	      strcmp(v.reply.code, "451") == 0,
	      "-zone after a failed lookup: 451, as rblsmtpd (%s)", v.reason);
	CHECK(dnsbl_decide(&l, r, &ip, 1, 1, &v) == DNSBL_BLOCK &&
	      strcmp(v.reply.text, "temporary RBL lookup error") == 0 &&
	      strstr(v.reason, "bl.test failed (timeout)"),
	      "fail closed: the failed zone blocks first (%s)", v.reason);
	r[2].answer = DNSBL_NOT_LISTED;
	r[3].answer = DNSBL_LISTED;
	CHECK(dnsbl_decide(&l, r, &ip, 0, 1, &v) == DNSBL_BLOCK &&
	      strcmp(v.reply.text, "Listed 192.0.2.7 here") == 0,
	      "A zone: its text, %%IP%% replaced: %s", v.reply.text);
	r[3].answer = DNSBL_PENDING;
	CHECK(dnsbl_decide(&l, r, &ip, 0, 1, &v) == DNSBL_PASS &&
	      v.action == VERDICT_ACCEPT &&
	      strstr(v.reason, "failed (timeout), skipped"),
	      "failed and timed out: not blocked (rblsmtpd): %s", v.reason);
	CHECK(dnsbl_decide(&l, r, &ip, 1, 1, &v) == DNSBL_BLOCK,
	      "... unless the list fails closed");
	r[0].answer = DNSBL_FAILED;
	r[1].answer = DNSBL_NOT_LISTED;
	r[3].answer = DNSBL_NOT_LISTED;
	CHECK(dnsbl_decide(&l, r, &ip, 1, 1, &v) == DNSBL_BLOCK,
	      "fail closed: a failed allow-list blocks too (rblsmtpd -c)");

	CHECK(dnsbl_rblsmtpd("", "tcp.smtp:3", &v) == 0, "RBLSMTPD=\"\": no block");
	CHECK(dnsbl_rblsmtpd("-Go away: listed", "tcp.smtp:3", &v) == 1 &&
	      strcmp(v.reply.code, "553") == 0 &&
	      strcmp(v.reply.text, "Go away: listed") == 0,
	      "RBLSMTPD=-text: 553 text");
	CHECK(dnsbl_rblsmtpd("-bad\tchar \xc3\xa9", "r", &v) == 1 &&
	      strcmp(v.reply.text, "bad?char ??") == 0,
	      "rblsmtpd's cleaning: \"%s\"", v.reply.text);
	CHECK(dnsbl_rblsmtpd("Try later", "r", &v) == 1 &&
	      strcmp(v.reply.code, "451") == 0, "RBLSMTPD=text: 451");
	{
		char longt[400];

		memset(longt, 'x', sizeof(longt) - 1);
		longt[sizeof(longt) - 1] = '\0';
		dnsbl_clean(longt, strlen(longt), clean, sizeof(clean));
		CHECK(strlen(clean) == 200, "texts cut to 200 bytes");
	}
}

/* A fake DNSBL answer for the policy tests. */
struct fake_dnsbl {
	int listed, asked;
};

static int
fake_not_ready(void *arg)
{
	(void)arg;
	return 0;
}

/* SMTP-after-POP: 192.0.2.50 logged in */
static int
fake_pop(void *arg, const char *ip, const char *sender, char *why,
	 size_t whylen)
{
	(void)arg;
	(void)sender;
	snprintf(why, whylen, "pop-before-smtp fake %s", ip);
	return strcmp(ip, "192.0.2.50") == 0;
}

static void
fake_decide(void *arg, struct verdict *v)
{
	struct fake_dnsbl *f = arg;
	struct reply r = { "451", "4.7.1", "listed" };

	f->asked++;
	if (f->listed)
		verdict_set(v, VERDICT_TEMPFAIL, &r, "DNSBL: listed in fake");
	else
		verdict_set(v, VERDICT_ACCEPT, &r, "DNSBL: not listed");
}

/* Where DNSBL and RBLSMTPD fit in the decision, and listener sections. */
static void
test_policy_dnsbl(void)
{
	struct settings s;
	struct tables *t;
	struct session ss;
	struct verdict v;
	struct fake_dnsbl f = { 1, 0 };
	struct dnsbl_oracle o = { fake_decide, NULL, &f };
	struct dnsbl_oracle slow = { fake_decide, fake_not_ready, &f };
	struct relay_oracle pop = { fake_pop, NULL, 0 };
	char err[1024];

	settings_defaults(&s);
	snprintf(s.dnsbl_zones, sizeof(s.dnsbl_zones), "bl.test");
	s.n_listeners = 1;
	settings_listener_defaults(&s, &s.listener[0], "ORIGINATING");
	s.listener[0].require_auth = 1;
	s.listener[0].dnsbl = 0;
	snprintf(s.listener[0].reply_relay.text,
		 sizeof(s.listener[0].reply_relay.text), "authenticate first");
	t = mt_new(&s);
	mt_list(t, TF_RCPTHOSTS, "example.com\n");
	mt_list(t, TF_RELAYCLIENTS, "192.0.2.9\n");
	mt_rules(t, "10.0.0.1:allow,RBLSMTPD=\"\"\n10.0.0.2:allow,RBLSMTPD=\"-Go away\"\n"
		 "10.0.0.3:allow,RELAYCLIENT=\"\"\n:allow\n");
	CHECK(tables_finish(t, NULL, NULL, err, sizeof(err)) == 0 &&
	      t->dnsbl.n == 1, "dnsbl tables built: %s", err);

	policy_connect(t, &ss, "9.9.9.9", NULL, NULL, &v);
	CHECK(policy_wants_dnsbl(t, &ss), "a stranger: lookups wanted");
	policy_set_dnsbl(&ss, &o);
	policy_mail(t, &ss, "<s@x.org>", NULL, NULL, &v);
	policy_rcpt(t, &ss, "<a@example.com>", NULL, &v);
	CHECK(v.action == VERDICT_TEMPFAIL && strstr(v.reason, "listed in fake"),
	      "listed: hosted recipient blocked (%s)", v.reason);
	policy_rcpt(t, &ss, "<b@example.com>", NULL, &v);
	CHECK(v.action == VERDICT_TEMPFAIL && f.asked == 1,
	      "the answer holds for the connection (asked %d)", f.asked);
	policy_mail(t, &ss, "<s@x.org>", NULL, "joe", &v);
	policy_rcpt(t, &ss, "<b@evil.example>", NULL, &v);
	CHECK(v.action == VERDICT_ACCEPT && strstr(v.reason, "SMTP AUTH"),
	      "after SMTP AUTH: relays although listed (%s)", v.reason);

	f.asked = 0;
	policy_connect(t, &ss, "192.0.2.50", NULL, NULL, &v);
	policy_set_pop(&ss, &pop);
	policy_set_dnsbl(&ss, &slow);
	policy_mail(t, &ss, "<s@x.org>", NULL, NULL, &v);
	policy_rcpt(t, &ss, "<a@example.com>", NULL, &v);
	CHECK(v.action == VERDICT_ACCEPT && f.asked == 0 && ss.relay,
	      "answer not in yet: a POP user relays without waiting for it (%s)",
	      v.reason);
	policy_connect(t, &ss, "192.0.2.51", NULL, NULL, &v);
	policy_set_pop(&ss, &pop);
	policy_set_dnsbl(&ss, &slow);
	policy_mail(t, &ss, "<s@x.org>", NULL, NULL, &v);
	policy_rcpt(t, &ss, "<a@example.com>", NULL, &v);
	CHECK(v.action == VERDICT_TEMPFAIL && f.asked == 1,
	      "... no POP login: it waits for the answer, and is blocked (%s)",
	      v.reason);
	policy_connect(t, &ss, "192.0.2.50", NULL, NULL, &v);
	policy_set_pop(&ss, &pop);
	policy_set_dnsbl(&ss, &o);
	policy_mail(t, &ss, "<s@x.org>", NULL, NULL, &v);
	policy_rcpt(t, &ss, "<a@example.com>", NULL, &v);
	CHECK(v.action == VERDICT_ACCEPT && ss.relay,
	      "listed, answer in: a POP user still relays (%s)", v.reason);

	f.asked = 0;
	policy_connect(t, &ss, "10.0.0.3", NULL, NULL, &v);
	CHECK(!policy_wants_dnsbl(t, &ss), "a RELAYCLIENT rule: no lookups");
	policy_connect(t, &ss, "192.0.2.9", NULL, NULL, &v);
	CHECK(!policy_wants_dnsbl(t, &ss), "relayclients: no lookups");
	policy_connect(t, &ss, "10.0.0.1", NULL, NULL, &v);
	CHECK(!policy_wants_dnsbl(t, &ss), "RBLSMTPD=\"\": no lookups");
	policy_mail(t, &ss, "<s@x.org>", NULL, NULL, &v);
	policy_rcpt(t, &ss, "<a@example.com>", NULL, &v);
	CHECK(v.action == VERDICT_ACCEPT, "RBLSMTPD=\"\": not blocked (%s)",
	      v.reason);
	policy_connect(t, &ss, "10.0.0.2", NULL, NULL, &v);
	policy_mail(t, &ss, "<s@x.org>", NULL, NULL, &v);
	policy_rcpt(t, &ss, "<a@example.com>", NULL, &v);
	CHECK(v.action == VERDICT_REJECT && strcmp(v.reply.text, "Go away") == 0 &&
	      strstr(v.reason, "RBLSMTPD set by tcp.smtp:2"),
	      "RBLSMTPD=\"-Go away\": 553 (%s)", v.reason);
	policy_mail(t, &ss, "<s@x.org>", NULL, "joe", &v);
	policy_rcpt(t, &ss, "<a@evil.example>", NULL, &v);
	CHECK(v.action == VERDICT_ACCEPT,
	      "... but not for an AUTH user (%s)", v.reason);

	policy_connect(t, &ss, "10.0.0.3", NULL, "ORIGINATING", &v);
	CHECK(!policy_wants_dnsbl(t, &ss) && !ss.relay,
	      "listener requiring AUTH: no RELAYCLIENT grant, no lookups");
	policy_mail(t, &ss, "<s@x.org>", NULL, NULL, &v);
	policy_rcpt(t, &ss, "<a@evil.example>", NULL, &v);
	CHECK(v.action == VERDICT_REJECT &&
	      strcmp(v.reply.text, "authenticate first") == 0,
	      "... foreign recipient refused with the listener's reply (%s)",
	      v.reason);
	policy_mail(t, &ss, "<s@x.org>", NULL, "joe", &v);
	policy_rcpt(t, &ss, "<a@evil.example>", NULL, &v);
	CHECK(v.action == VERDICT_ACCEPT, "... AUTH relays (%s)", v.reason);
	policy_connect(t, &ss, "9.9.9.9", NULL, "ORIGINATING", &v);
	CHECK(!policy_wants_dnsbl(t, &ss), "... dnsbl = false: no lookups");
	policy_connect(t, &ss, "10.0.0.2", NULL, "ORIGINATING", &v);
	policy_mail(t, &ss, "<s@x.org>", NULL, NULL, &v);
	policy_rcpt(t, &ss, "<a@example.com>", NULL, &v);
	CHECK(v.action == VERDICT_ACCEPT,
	      "... nor RBLSMTPD texts (%s)", v.reason);
	policy_connect(t, &ss, "9.9.9.9", NULL, "other", &v);
	CHECK(ss.lp == NULL && policy_wants_dnsbl(t, &ss),
	      "an unknown listener: the global settings");
	tables_free(t);

	s.rbl_before_auth = 1;
	t = mt_new(&s);
	mt_list(t, TF_RCPTHOSTS, "example.com\n");
	mt_rules(t, "10.0.0.3:allow,RELAYCLIENT=\"\"\n:allow\n");
	CHECK(tables_finish(t, NULL, NULL, err, sizeof(err)) == 0, "tables");
	policy_connect(t, &ss, "10.0.0.3", NULL, NULL, &v);
	CHECK(policy_wants_dnsbl(t, &ss),
	      "rbl_before_auth: a relay client is looked up too");
	policy_set_dnsbl(&ss, &o);
	policy_mail(t, &ss, "<s@spam.example>", NULL, "joe", &v);
	policy_rcpt(t, &ss, "<a@evil.example>", NULL, &v);
	CHECK(v.action == VERDICT_TEMPFAIL,
	      "rbl_before_auth: blocked before RELAYCLIENT and AUTH (%s)",
	      v.reason);
	tables_free(t);
}

/* Snapshots share the pieces of unchanged files (tables_share): the
 * shared piece answers in the new snapshot after the old one is freed, is
 * freed with the last one (ASan's leak check), and the size accounting
 * counts only what is not shared. */
static void
stamp_size(struct tables *t, enum tables_file f, off_t size)
{
	t->stamp[f].state = 1;
	t->stamp[f].size = size;
}

static void
test_tables_share(void)
{
	struct settings s;
	struct tables *a, *b, *c;
	struct session ss;
	struct verdict v;
	char err[512];

	settings_defaults(&s);
	a = mt_new(&s);
	stamp_size(a, TF_RCPTHOSTS, 1000);
	mt_list(a, TF_RCPTHOSTS, "example.com\n");
	stamp_size(a, TF_RULES, 300);
	mt_rules(a, "127.0.0.1:allow,RELAYCLIENT=\"\"\n");
	CHECK(tables_finish(a, NULL, NULL, err, sizeof(err)) == 0,
	      "share: first snapshot: %s", err);
	CHECK(tables_bytes_apart(a, NULL) == 1300,
	      "a holds its two files: %zu", tables_bytes_apart(a, NULL));

	b = mt_new(&s);
	CHECK(tables_share(b, a, TF_RCPTHOSTS) == 1, "share rcpthosts");
	CHECK(tables_share(b, a, TF_RULES) == 1, "share the rules");
	CHECK(tables_share(b, a, TF_BADMAILFROM) == 0,
	      "nothing to share for an absent file");
	CHECK(tables_share(b, a, TF_RCPTHOSTS) == 0, "no piece is taken twice");
	CHECK(tables_finish(b, NULL, NULL, err, sizeof(err)) == 0,
	      "share: second snapshot: %s", err);
	CHECK(tables_bytes_apart(a, b) == 0, "a holds nothing apart from b");
	tables_free(a);
	policy_connect(b, &ss, "127.0.0.1", NULL, NULL, &v);
	policy_rcpt(b, &ss, "<x@evil.example>", NULL, &v);
	CHECK(v.action == VERDICT_ACCEPT, "shared rules answer after the first snapshot is gone: %s",
	      v.reason);
	policy_connect(b, &ss, "9.9.9.9", NULL, NULL, &v);
	policy_rcpt(b, &ss, "<x@example.com>", NULL, &v);
	CHECK(v.action == VERDICT_ACCEPT, "shared rcpthosts still answers");
	policy_rcpt(b, &ss, "<x@evil.example>", NULL, &v);
	CHECK(v.action == VERDICT_REJECT, "and still refuses");

	/* c shares rcpthosts with b but has rules of its own */
	c = mt_new(&s);
	CHECK(tables_share(c, b, TF_RCPTHOSTS) == 1, "share rcpthosts again");
	stamp_size(c, TF_RULES, 40);
	mt_rules(c, "10.:allow\n");
	CHECK(tables_finish(c, NULL, NULL, err, sizeof(err)) == 0,
	      "share: third snapshot: %s", err);
	CHECK(tables_bytes_apart(b, c) == 300,
	      "b holds only its rules apart from c: %zu",
	      tables_bytes_apart(b, c));
	CHECK(tables_bytes_apart(c, b) == 40, "c holds its own rules: %zu",
	      tables_bytes_apart(c, b));
	tables_free(b);
	policy_connect(c, &ss, "127.0.0.1", NULL, NULL, &v);
	policy_rcpt(c, &ss, "<x@evil.example>", NULL, &v);
	CHECK(v.action == VERDICT_REJECT, "c's own rules: 127.0.0.1 may not relay");
	policy_rcpt(c, &ss, "<x@example.com>", NULL, &v);
	CHECK(v.action == VERDICT_ACCEPT, "c's shared rcpthosts answers");
	tables_free(c);
}


/* SMTP-after-POP with pop_relayclient: a login carries the value, as
 * relay-ctrl-check's RELAY_CTRL_RELAYCLIENT; asked at the first
 * recipient, hosted ones too; a failed lookup is a tempfail. */
static int
failing_pop(void *arg, const char *ip, const char *sender, char *why,
	    size_t whylen)
{
	(void)arg;
	(void)ip;
	(void)sender;
	snprintf(why, whylen, "database down");
	return -1;
}

static void
test_pop_values(void)
{
	struct settings s;
	struct tables *t;
	struct session ss;
	struct verdict vd;
	struct relay_oracle pop = { fake_pop, NULL, 0 };
	struct relay_oracle down = { failing_pop, NULL, 0 };
	char err[1024], out[REWRITE_MAX];

	settings_defaults(&s);
	s.pop_backend = POP_BACKEND_DIR;
	snprintf(s.pop_relayclient, sizeof(s.pop_relayclient), "@fixme.example");
	t = mt_new(&s);
	mt_list(t, TF_RCPTHOSTS, "example.com\n");
	CHECK(tables_finish(t, NULL, NULL, err, sizeof(err)) == 0 && t->rc_values,
	      "pop_relayclient: the tables say values are in use (%s)", err);
	policy_connect(t, &ss, "192.0.2.50", NULL, NULL, &vd);
	policy_set_pop(&ss, &pop);
	policy_mail(t, &ss, "<s@x.org>", NULL, NULL, &vd);
	policy_rcpt(t, &ss, "<a@example.com>", NULL, &vd);
	CHECK(vd.action == VERDICT_ACCEPT &&
	      policy_rewrite(t, &ss, "<a@example.com>", NULL, &vd, out, sizeof(out)) == 1 &&
	      strcmp(out, "<\"a@example.com\"@fixme.example>") == 0,
	      "a login with a value: a hosted recipient is rewritten too (%s)", vd.reason);
	policy_rcpt(t, &ss, "<a@evil.com>", NULL, &vd);
	CHECK(vd.action == VERDICT_ACCEPT &&
	      policy_rewrite(t, &ss, "<a@evil.com>", NULL, &vd, out, sizeof(out)) == 1 &&
	      strcmp(out, "<\"a@evil.com\"@fixme.example>") == 0,
	      "... and a foreign one (%s)", vd.reason);
	policy_connect(t, &ss, "192.0.2.50", NULL, NULL, &vd);
	policy_set_pop(&ss, &pop);
	policy_mail(t, &ss, "<s@x.org>", NULL, "bob", &vd);
	policy_rcpt(t, &ss, "<a@evil.com>", NULL, &vd);
	CHECK(vd.action == VERDICT_ACCEPT &&
	      policy_rewrite(t, &ss, "<a@evil.com>", NULL, &vd, out, sizeof(out)) == 0,
	      "... not after SMTP AUTH (%s)", vd.reason);
	policy_connect(t, &ss, "192.0.2.51", NULL, NULL, &vd);
	policy_set_pop(&ss, &pop);
	policy_mail(t, &ss, "<s@x.org>", NULL, NULL, &vd);
	policy_rcpt(t, &ss, "<a@example.com>", NULL, &vd);
	CHECK(vd.action == VERDICT_ACCEPT &&
	      policy_rewrite(t, &ss, "<a@example.com>", NULL, &vd, out, sizeof(out)) == 0,
	      "no login: a hosted recipient is accepted unchanged (%s)", vd.reason);
	policy_rcpt(t, &ss, "<a@evil.com>", NULL, &vd);
	CHECK(vd.action == VERDICT_REJECT, "... a foreign one refused (%s)", vd.reason);
	policy_connect(t, &ss, "192.0.2.50", NULL, NULL, &vd);
	policy_set_pop(&ss, &down);
	policy_mail(t, &ss, "<s@x.org>", NULL, NULL, &vd);
	policy_rcpt(t, &ss, "<a@example.com>", NULL, &vd);
	CHECK(vd.action == VERDICT_TEMPFAIL,
	      "the lookup fails: even a hosted recipient waits (%s)", vd.reason);
	tables_free(t);

	s.pop_relayclient[0] = '\0';
	t = mt_new(&s);
	mt_list(t, TF_RCPTHOSTS, "example.com\n");
	CHECK(tables_finish(t, NULL, NULL, err, sizeof(err)) == 0 && !t->rc_values,
	      "no pop_relayclient: no values");
	policy_connect(t, &ss, "192.0.2.50", NULL, NULL, &vd);
	policy_set_pop(&ss, &down);
	policy_mail(t, &ss, "<s@x.org>", NULL, NULL, &vd);
	policy_rcpt(t, &ss, "<a@example.com>", NULL, &vd);
	CHECK(vd.action == VERDICT_ACCEPT,
	      "... and a hosted recipient does not ask (%s)", vd.reason);
	policy_set_pop(&ss, &pop);
	policy_rcpt(t, &ss, "<a@evil.com>", NULL, &vd);
	CHECK(vd.action == VERDICT_ACCEPT &&
	      policy_rewrite(t, &ss, "<a@evil.com>", NULL, &vd, out, sizeof(out)) == 0,
	      "... a login relays with \"\" (%s)", vd.reason);
	tables_free(t);
}

/* RELAYCLIENT values: appended to every accepted recipient, as qmail
 * does, from a rule, relayclients or relaydomains; never after AUTH. */
static void
test_relayclient_values(void)
{
	static const struct {
		const char *ip, *host, *auth, *rcpt, *want;
		const char *mta;	/* {rcpt_addr}; NULL: none sent */
	} v[] = {
		{ "127.0.0.1", NULL, NULL, "<a@evil.com>", "<\"a@evil.com\"@fixme.example>", NULL },
		{ "127.0.0.1", NULL, NULL, "<a@example.com>", "<\"a@example.com\"@fixme.example>", NULL },
		{ "127.0.0.1", NULL, NULL, "<postmaster>", "<postmaster@fixme.example>", NULL },
		{ "127.0.0.1", NULL, NULL, "<\"john doe\"@x.org>", "<\"john doe@x.org\"@fixme.example>", "\"john doe\"@x.org" },
		{ "127.0.0.1", NULL, NULL, "<\"a\\\"b\"@x.org>", "<\"a\\\"b@x.org\"@fixme.example>", "\"a\\\"b\"@x.org" },
		{ "127.0.0.1", NULL, NULL, "<a@[192.0.2.1]>", "<\"a@here.example\"@fixme.example>", NULL },
		{ "127.0.0.1", NULL, "bob", "<a@evil.com>", "", NULL },	/* AUTH: "" */
		{ "127.0.0.2", NULL, NULL, "<a@evil.com>", "<a@evil.com.bad>", NULL },
		{ "10.0.0.9", NULL, NULL, "<a@evil.com>", "", NULL },	/* RELAYCLIENT="" */
		{ "192.168.7.20", NULL, NULL, "<a@evil.com>", "<\"a@evil.com\"@relay.example>", NULL },
		{ "10.5.5.5", NULL, NULL, "<a@evil.com>", "", NULL },	/* bare line */
		{ "2001:db8::1", NULL, NULL, "<a@evil.com>", "<\"a@evil.com\"@v6.example>", NULL },
		{ "9.9.9.9", "pc.branch.example", NULL, "<a@evil.com>", "<\"a@evil.com\"@branch.fix>", NULL },
		{ "9.9.9.9", NULL, NULL, "<a@example.com>", "", NULL },	/* no grant */
	};
	struct settings s;
	struct tables *t;
	struct session ss;
	struct verdict vd;
	char err[1024], out[REWRITE_MAX];
	const char *why;
	uint32_t *me = malloc(sizeof(*me));

	settings_defaults(&s);
	t = mt_new(&s);
	mt_list(t, TF_RCPTHOSTS, "example.com\n");
	mt_list(t, TF_RELAYCLIENTS, "192.168.7.:@relay.example\n10.5.5.5\n2001:db8::1:@v6.example\n172.16.1.:\n");
	mt_list(t, TF_RELAYDOMAINS, ".branch.example:@branch.fix\n");
	mt_rules(t, "127.0.0.1:allow,RELAYCLIENT=\"@fixme.example\"\n"
		 "127.0.0.2:allow,RELAYCLIENT=\".bad\"\n"
		 "10.0.0.:allow,RELAYCLIENT=\"\"\n127.0.0.3:allow,RELAYCLIENT=\"@bad domain\"\n:allow\n");
	tables_set_localiphost(t, "here.example");
	me[0] = 0xc0000201;	/* 192.0.2.1 */
	tables_set_local_v4(t, me, 1);
	CHECK(tables_finish(t, NULL, NULL, err, sizeof(err)) == 0 && t->rc_values,
	      "tables with RELAYCLIENT values: %s", err);
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		int rc;

		policy_connect(t, &ss, v[i].ip, v[i].host, NULL, &vd);
		policy_mail(t, &ss, "<s@x.org>", NULL, v[i].auth, &vd);
		policy_rcpt(t, &ss, v[i].rcpt, NULL, &vd);
		rc = policy_rewrite(t, &ss, v[i].rcpt, v[i].mta, &vd, out,
				    sizeof(out));
		if (v[i].want[0])
			CHECK(vd.action == VERDICT_ACCEPT && rc == 1 &&
			      strcmp(out, v[i].want) == 0 &&
			      strstr(vd.reason, "recipient becomes"),
			      "%s %s: becomes %s (got %d %s; %s)", v[i].ip,
			      v[i].rcpt, v[i].want, rc, rc == 1 ? out : "-",
			      vd.reason);
		else
			CHECK(rc == 0, "%s %s%s: not rewritten (%s)", v[i].ip,
			      v[i].rcpt, v[i].auth ? " after AUTH" : "",
			      vd.reason);
	}
	/* no rewrite for a refused recipient, never accept one unchanged */
	policy_connect(t, &ss, "9.9.9.9", NULL, NULL, &vd);
	policy_mail(t, &ss, "<s@x.org>", NULL, NULL, &vd);
	policy_rcpt(t, &ss, "<a@evil.com>", NULL, &vd);
	CHECK(vd.action == VERDICT_REJECT &&
	      policy_rewrite(t, &ss, "<a@evil.com>", NULL, &vd, out,
			     sizeof(out)) == 0,
	      "a refused recipient stays refused");
	policy_connect(t, &ss, "127.0.0.1", NULL, NULL, &vd);
	policy_mail(t, &ss, "<s@x.org>", NULL, NULL, &vd);
	policy_rcpt(t, &ss, "<@r.example:a@evil.com>", NULL, &vd);
	CHECK(policy_rewrite(t, &ss, "<@r.example:a@evil.com>", NULL, &vd, out,
			     sizeof(out)) == -1 && vd.action == VERDICT_REJECT,
	      "an ambiguous recipient is refused, not passed unchanged (%s)",
	      vd.reason);
	policy_connect(t, &ss, "127.0.0.3", NULL, NULL, &vd);
	policy_mail(t, &ss, "<s@x.org>", NULL, NULL, &vd);
	policy_rcpt(t, &ss, "<a@evil.com>", NULL, &vd);
	CHECK(policy_rewrite(t, &ss, "<a@evil.com>", NULL, &vd, out,
			     sizeof(out)) == -1 &&
	      vd.action == VERDICT_TEMPFAIL && strstr(vd.reason, "no valid domain"),
	      "a value that makes no valid domain: tempfail (%s)", vd.reason);
	policy_connect(t, &ss, "172.16.1.5", NULL, NULL, &vd);
	CHECK(!ss.relay, "\"172.16.1.:\" never matches, as in IndiMail");
	CHECK(rewrite_rcpt(t, "<a@b.c>", NULL, "@x.example", 256, out, sizeof(out), &why) == -1 &&
	      strstr(why, "255"), "a value over 255 bytes is refused");
	CHECK(rewrite_rcpt(t, "<a@b.c>", NULL, "@x.example", 10, out, 20, &why) == -1,
	      "a short buffer is refused");
	/* a recipient that is not plain: only as the MTA read it */
	CHECK(rewrite_rcpt(t, "<\"john doe\"@x.org>", NULL, "@x.example", 10, out,
			   sizeof(out), &why) == -2 &&
	      rewrite_rcpt(t, "<\"john doe\"@x.org>", "\"john\"@x.org", "@x.example",
			   10, out, sizeof(out), &why) == -2 &&
	      rewrite_rcpt(t, "<\"john doe\"@x.org>", "\"john doe\"@x.org",
			   "@x.example", 10, out, sizeof(out), &why) == 0,
	      "a quoted recipient: refused without the MTA's reading or when it differs");
	tables_free(t);

	t = mt_new(&s);
	mt_list(t, TF_RCPTHOSTS, "example.com\n");
	mt_list(t, TF_RELAYCLIENTS, "192.168.7.\n");
	mt_rules(t, "127.0.0.1:allow,RELAYCLIENT=\"\"\n");
	CHECK(tables_finish(t, NULL, NULL, err, sizeof(err)) == 0 && !t->rc_values,
	      "tables without values: recipients are never changed");
	tables_free(t);
	test_pop_values();
}

int
main(void)
{
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 2;
	}
	test_addr();
	test_addr_agree();
	test_ipv4_literal();
	test_ip();
	test_host();
	test_ctlfile();
	test_strset();
	test_reply();
	test_rules_errors();
	test_tables_load();
	test_tables_refusals();
	test_rules_each();
	test_policy_rcpthosts();
	test_tables_share();
	test_policy_stages();
	test_policy_pop();
	test_dnsbl();
	test_policy_dnsbl();
	test_relayclient_values();
	{
		char cmd[600];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", tmpdir);
	}
	return tap_done();
}
