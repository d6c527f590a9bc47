/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz_decision.c - libFuzzer harness for the decision (core/policy.h)
 * with a fail-open oracle.  The tables: rcpthosts example.com; 127.0.0.1
 * may relay (RELAYCLIENT); badmailfrom @spam.example.  The input is split
 * at NUL bytes into: client choice, host name, sender text, the MTA's
 * reading of the sender, then (recipient text, the MTA's reading of it)
 * pairs; an empty reading means the MTA sent none.
 *
 * The oracle, for the client that may not relay (9.9.9.9, no AUTH): a
 * recipient is only ever accepted if the address the MTA delivers to is
 * hosted - its own reading ({rcpt_addr}) names example.com, or the text
 * is a plain <local@example.com> judged as written, or the address has no
 * domain at all (local delivery, as qmail accepts it).  A sender listed in
 * badmailfrom is never accepted, for any client.
 *
 * A third client, 127.0.0.2, has RELAYCLIENT="@fixme.example": each
 * recipient it gets accepted must be rewritten (policy_rewrite) to an
 * address that reads back, unambiguously, as the recipient with
 * "@fixme.example" appended, so it routes to fixme.example and nowhere
 * else.
 */
#include "core/addr.h"
#include "core/policy.h"
#include "core/rewrite.h"
#include "core/tables.h"
#include "tables/tcprules.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static struct tables *t;

static void
build(void)
{
	struct settings s;
	struct rules *r;
	char err[512];
	static const char hosts[] = "example.com\n";
	static const char bad[] = "@spam.example\n";
	static const char rules[] = "127.0.0.1:allow,RELAYCLIENT=\"\"\n"
		"127.0.0.2:allow,RELAYCLIENT=\"@fixme.example\"\n:allow\n";

	settings_defaults(&s);
	t = tables_new(&s);
	if (t == NULL ||
	    tables_set_list(t, TF_RCPTHOSTS, strdup(hosts), strlen(hosts),
			    NULL, NULL, err, sizeof(err)) != 0 ||
	    tables_set_list(t, TF_BADMAILFROM, strdup(bad), strlen(bad), NULL,
			    NULL, err, sizeof(err)) != 0 ||
	    tcprules_compile(&r, rules, strlen(rules), "tcp.smtp", NULL, NULL,
			     err, sizeof(err)) != 0)
		abort();
	tables_set_rules(t, r);
	if (tables_finish(t, NULL, NULL, err, sizeof(err)) != 0)
		abort();
}

/* "example.com" after the last '@', any case, one trailing dot */
static int
hosted_domain(const char *d, size_t n)
{
	if (n > 0 && d[n - 1] == '.')
		n--;
	return n == 11 && strncasecmp(d, "example.com", 11) == 0;
}

/* The MTA's reading names a hosted address, or no domain at all.  A
 * reading in angle brackets ("<a@example.com>": no MTA sends one, but the
 * core reads it as the address inside) is judged without them. */
static int
delivers_hosted(const char *mta)
{
	size_t n = strlen(mta);
	const char *at;

	if (n >= 2 && mta[0] == '<' && mta[n - 1] == '>') {
		mta++;
		n -= 2;
	}
	at = NULL;
	for (size_t i = 0; i < n; i++)
		if (mta[i] == '@')
			at = mta + i;
	if (at == NULL)
		return 1;	/* local delivery */
	if (memchr(mta, '%', (size_t)(at - mta)) ||
	    memchr(mta, '!', (size_t)(at - mta)) ||
	    memchr(mta, '@', (size_t)(at - mta)))
		return 0;	/* routing: the MTA may relay it on */
	return hosted_domain(at + 1, (size_t)(mta + n - at - 1));
}

/* The text, read strictly: "<atoms@example.com>" or "<atoms>", atoms of
 * RFC 5321's atext but '%' and '!' (routing). */
static int
plain_hosted(const char *text)
{
	size_t n = strlen(text);
	const char *at;

	if (n < 2 || text[0] != '<' || text[n - 1] != '>')
		return 0;
	for (size_t i = 1; i + 1 < n; i++) {
		unsigned char c = (unsigned char)text[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || (c && strchr(".@'#$&*+-/=?^_`{|}~", c))))
			return 0;
	}
	at = memchr(text, '@', n);
	if (at == NULL)
		return 1;
	if (memchr(at + 1, '@', (size_t)(text + n - at - 1)))
		return 0;
	return hosted_domain(at + 1, (size_t)(text + n - 1 - (at + 1)));
}

/* The RELAYCLIENT client: an accepted recipient is rewritten to one that
 * reads back as itself plus "@fixme.example", or refused. */
static void
check_rewrite(const struct session *ss, const char *rcpt, const char *mta,
	      struct verdict *v)
{
	static char out[REWRITE_MAX];
	struct env_addr a, b;
	int rc = policy_rewrite(t, ss, rcpt, mta, v, out, sizeof(out));

	if (rc == 0)
		abort();	/* accepted unchanged */
	if (rc < 0) {
		if (v->action == VERDICT_ACCEPT)
			abort();
		return;
	}
	if (v->action != VERDICT_ACCEPT || addr_parse(&a, rcpt) != 0 ||
	    addr_parse(&b, out) != 0 || b.form == ADDR_AMBIGUOUS ||
	    b.domain == NULL || strcmp(b.domain, "fixme.example") != 0 ||
	    b.len != a.len + 14 || memcmp(b.addr, a.addr, a.len) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1), *f[16];
	int nf = 0, relay;
	struct session ss;
	struct verdict v;
	size_t i = 0;
	int fixme;

	if (t == NULL)
		build();
	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	while (nf < 16 && i <= size) {
		f[nf++] = buf + i;
		i += strlen(buf + i) + 1;
	}
	if (nf < 5) {
		free(buf);
		return 0;
	}
	relay = f[0][0] & 1;
	fixme = relay && (f[0][0] & 2);
	policy_connect(t, &ss, fixme ? "127.0.0.2" : relay ? "127.0.0.1" :
		       "9.9.9.9", f[1][0] ? f[1] : NULL, NULL, &v);
	policy_mail(t, &ss, f[2], f[3][0] ? f[3] : NULL, NULL, &v);
	for (int k = 4; k + 1 < nf || k == 4; k += 2) {
		const char *rcpt = f[k], *mta = k + 1 < nf && f[k + 1][0] ?
			f[k + 1] : NULL;
		struct env_addr from, mfrom;

		policy_rcpt(t, &ss, rcpt, mta, &v);
		if (v.action == VERDICT_ACCEPT && fixme)
			check_rewrite(&ss, rcpt, mta, &v);
		if (v.action != VERDICT_ACCEPT)
			continue;
		/* a badmailfrom sender is never accepted */
		if (addr_parse(&from, f[2]) == 0 && from.domain &&
		    strcasecmp(from.domain, "spam.example") == 0 &&
		    from.form == ADDR_PLAIN)
			abort();
		if (f[3][0] && addr_parse(&mfrom, f[3]) == 0 && mfrom.domain &&
		    strcasecmp(mfrom.domain, "spam.example") == 0)
			abort();
		/* the client that may not relay: only hosted deliveries */
		if (!relay && !(mta ? delivers_hosted(mta) || plain_hosted(rcpt) :
				plain_hosted(rcpt)))
			abort();
	}
	free(buf);
	return 0;
}
