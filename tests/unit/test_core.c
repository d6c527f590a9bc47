/*
 * test_core.c - table-driven unit tests of the decision core's modules:
 * envelope address parsing, client address and host normalisation,
 * control-file reading, the string set, reply parsing, tcprules parsing
 * errors, and the fail-closed checks of tables_load().
 */
#include "config.h"
#include "addr.h"
#include "ctlfile.h"
#include "ip.h"
#include "policy.h"
#include "strset.h"
#include "tables.h"
#include "tcprules.h"
#include "verdict.h"
#include "tap.h"

#include <cdb.h>

#include <stdlib.h>
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
	ctl_free(&l);
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
	char path[512], err[1024];

	snprintf(path, sizeof(path), "%s/tcp.smtp", tmpdir);
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct rules *r = NULL;
		int rc;

		write_file("tcp.smtp", v[i].text);
		err[0] = '\0';
		rc = rules_load(&r, path, NULL, NULL, err, sizeof(err));
		if (v[i].err)
			CHECK(rc == -1 && strstr(err, v[i].err),
			      "rules error for %.30s: %s", v[i].text, err);
		else
			CHECK(rc == 0, "rules load %.30s: %s", v[i].text, err);
		rules_free(r);
	}
}

static void
test_tables_refusals(void)
{
	struct settings s;
	struct tables *t = NULL;
	char err[1024];
	char ctl[512], rules[512];

	settings_defaults(&s);
	snprintf(ctl, sizeof(ctl), "%s/control", tmpdir);
	mkdir(ctl, 0755);
	snprintf(s.control_dir, sizeof(s.control_dir), "%s", ctl);
	CHECK(tables_load(&t, &s, NULL, NULL, err, sizeof(err)) == -1 &&
	      strstr(err, "rcpthosts: missing") && strstr(err, "open relay"),
	      "missing rcpthosts refused: %s", err);
	s.allow_missing_rcpthosts = 1;
	CHECK(tables_load(&t, &s, NULL, NULL, err, sizeof(err)) == 0,
	      "missing rcpthosts allowed explicitly");
	tables_free(t);
	s.allow_missing_rcpthosts = 0;
	write_file("control/rcpthosts", "example.com\n");
	snprintf(rules, sizeof(rules), "%s/rules", tmpdir);
	snprintf(s.rules_file, sizeof(s.rules_file), "%s", rules);
	write_file("rules", "127.0.0.1:allow,RELAYCLIENT=\"\"\n:allow,RELAYCLIENT=\"\"\n");
	CHECK(tables_load(&t, &s, NULL, NULL, err, sizeof(err)) == -1 &&
	      strstr(err, "rules:2") && strstr(err, "every client"),
	      "catch-all RELAYCLIENT rule refused: %s", err);
	write_file("rules", "=:allow,RELAYCLIENT=\"\"\n");
	CHECK(tables_load(&t, &s, NULL, NULL, err, sizeof(err)) == -1 &&
	      strstr(err, "host name"), "\"=\" RELAYCLIENT rule refused: %s", err);
	write_file("rules", ":allow,RELAYCLIENT=\"\"\n");
	s.allow_relay_for_all_rule = 1;
	CHECK(tables_load(&t, &s, NULL, NULL, err, sizeof(err)) == 0,
	      "catch-all allowed explicitly");
	tables_free(t);
	s.allow_relay_for_all_rule = 0;
	write_file("rules", ":deny\n127.:allow,RELAYCLIENT=\"\"\n");
	CHECK(tables_load(&t, &s, NULL, NULL, err, sizeof(err)) == 0,
	      "a default deny rule is fine");
	tables_free(t);
	write_file("control/morercpthosts.cdb", "not a cdb");
	CHECK(tables_load(&t, &s, NULL, NULL, err, sizeof(err)) == -1 &&
	      strstr(err, "morercpthosts.cdb"), "corrupt cdb refused: %s", err);
}

/* A corrupt-inside cdb: opens fine, every lookup fails (EPROTO), except
 * for keys hashing to the slots of the keys in `readable`, which are empty
 * (found nothing). */
static void
write_corrupt_cdb(const char *name, const char *const *readable)
{
	char path[512];
	int empty[256] = { 0 };
	FILE *f;

	for (; readable && *readable; readable++)
		empty[cdb_hash(*readable, (unsigned)strlen(*readable)) & 255] = 1;
	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	f = fopen(path, "wb");
	if (f == NULL) {
		perror(path);
		exit(2);
	}
	for (int i = 0; i < 256; i++)
		fwrite(empty[i] ? "\000\010\000\000\000\000\000\000" :
				  "\000\010\000\000\350\003\000\000",
		       1, 8, f);
	fclose(f);
}

static void
test_policy_stages(void)
{
	struct settings s;
	struct tables *t = NULL;
	struct session ss;
	struct verdict v;
	char err[1024];

	settings_defaults(&s);
	mkdir(strcat(strcpy(err, tmpdir), "/pol"), 0755);
	snprintf(s.control_dir, sizeof(s.control_dir), "%s/pol", tmpdir);
	write_file("pol/rcpthosts", "example.com\nmail.example.com\n");
	write_file("pol/me", "mail.example.com\n");
	write_corrupt_cdb("pol/relaymailfrom.cdb", NULL);
	CHECK(tables_load(&t, &s, NULL, NULL, err, sizeof(err)) == 0,
	      "policy tables load: %s", err);
	if (t == NULL)
		return;

	policy_connect(t, &ss, "9.9.9.9", NULL, &v);
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

	/* a rules cdb whose catch-all keys cannot be read is refused at load */
	write_corrupt_cdb("pol-rules.cdb", NULL);
	snprintf(s.rules_file, sizeof(s.rules_file), "%s/pol-rules.cdb", tmpdir);
	unlink(strcat(strcpy(err, tmpdir), "/pol/relaymailfrom.cdb"));
	t = NULL;
	CHECK(tables_load(&t, &s, NULL, NULL, err, sizeof(err)) == -1 &&
	      strstr(err, "cannot read rules"),
	      "unreadable rules cdb refused at load: %s", err);

	/* readable catch-all keys, everything else corrupt: connect
	 * tempfails, and so does every recipient */
	{
		static const char *const ok_keys[] = { "", "=", NULL };

		write_corrupt_cdb("pol-rules.cdb", ok_keys);
	}
	if (tables_load(&t, &s, NULL, NULL, err, sizeof(err)) != 0) {
		CHECK(0, "tables with a partly corrupt rules cdb load: %s", err);
		return;
	}
	policy_connect(t, &ss, "9.9.9.9", NULL, &v);
	CHECK(v.action == VERDICT_TEMPFAIL, "connect tempfails on a rules read error");
	policy_mail(t, &ss, "<s@x.org>", NULL, "alice", &v);
	policy_rcpt(t, &ss, "<a@example.com>", NULL, &v);
	CHECK(v.action == VERDICT_TEMPFAIL,
	      "after a connect tempfail even an authenticated, hosted recipient tempfails");
	tables_free(t);
}

/* SMTP-after-POP in the decision order, with the directory backend: asked
 * only when a recipient would be refused, never before badmailfrom, and an
 * unreadable entry tempfails only what needed it. */
static void
test_policy_pop(void)
{
	struct settings s;
	struct tables *t = NULL;
	struct pop *pop = NULL;
	struct session ss;
	struct verdict v;
	char err[1024], path[SETTINGS_PATH_MAX + 32];

	settings_defaults(&s);
	snprintf(s.control_dir, sizeof(s.control_dir), "%s/pop", tmpdir);
	mkdir(s.control_dir, 0755);
	snprintf(s.pop_dir, sizeof(s.pop_dir), "%s/pop/allow", tmpdir);
	mkdir(s.pop_dir, 0755);
	write_file("pop/rcpthosts", "example.com\n");
	write_file("pop/badmailfrom", "@spam.example\n");
	write_file("pop/allow/192.0.2.7", "");
	snprintf(path, sizeof(path), "%s/192.0.2.20", s.pop_dir);
	if (symlink("192.0.2.20", path) != 0)
		perror(path);

	s.pop_backend = POP_BACKEND_NONE;
	CHECK(pop_open(&pop, &s, err, sizeof(err)) == 0 && pop == NULL,
	      "no backend configured: no backend object");
	s.pop_backend = POP_BACKEND_DIR;
	snprintf(s.pop_dir, sizeof(s.pop_dir), "relative/dir");
	CHECK(pop_open(&pop, &s, err, sizeof(err)) == -1 &&
	      strstr(err, "absolute"), "relative pop_dir refused: %s", err);
	snprintf(s.pop_dir, sizeof(s.pop_dir), "%s/pop/allow", tmpdir);
	if (pop_open(&pop, &s, err, sizeof(err)) != 0 ||
	    tables_load(&t, &s, NULL, NULL, err, sizeof(err)) != 0) {
		CHECK(0, "pop tables and backend load: %s", err);
		return;
	}
	CHECK(!pop_uses_sender(pop), "relay-ctrl does not match senders");

	policy_connect(t, &ss, "192.0.2.7", NULL, &v);
	policy_set_pop(&ss, pop);
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

	policy_connect(t, &ss, "192.0.2.20", NULL, &v);
	policy_set_pop(&ss, pop);
	policy_mail(t, &ss, "<s@x.org>", NULL, NULL, &v);
	policy_rcpt(t, &ss, "<a@example.com>", NULL, &v);
	CHECK(v.action == VERDICT_ACCEPT,
	      "unreadable entry: hosted recipient accepted (%s)", v.reason);
	policy_rcpt(t, &ss, "<a@evil.example>", NULL, &v);
	CHECK(v.action == VERDICT_TEMPFAIL && strcmp(v.reply.code, "451") == 0,
	      "unreadable entry: foreign recipient 451 (%s)", v.reason);

	policy_connect(t, &ss, "192.0.2.99", NULL, &v);
	policy_set_pop(&ss, pop);
	policy_mail(t, &ss, "<s@x.org>", NULL, NULL, &v);
	policy_rcpt(t, &ss, "<a@evil.example>", NULL, &v);
	CHECK(v.action == VERDICT_REJECT && ss.pop_said_no &&
	      strstr(v.reason, "no pop-before-smtp login"),
	      "no file: 553 (%s)", v.reason);
	tables_free(t);
	pop_close(pop);
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
	test_tables_refusals();
	test_policy_stages();
	test_policy_pop();
	{
		char cmd[600];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", tmpdir);
	}
	return tap_done();
}
