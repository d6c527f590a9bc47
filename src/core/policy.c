/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * policy.c - the relay decision (see policy.h for the order).
 */
#include "config.h"
#include "policy.h"
#include "addr.h"
#include "ascii.h"
#include "dnsbl.h"
#include "rewrite.h"
#include "suffix.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

/* A reply text: the listener's, else the global one. */
#define RP(t, ss, f) ((ss)->lp ? &(ss)->lp->f : &(t)->s.f)

/* On the listener: only SMTP AUTH lets a client relay; DNSBL and
 * RBLSMTPD; SMTP-after-POP. */
#define AUTH_ONLY(ss) ((ss)->lp && (ss)->lp->require_auth)
#define DNSBL_ON(ss) (!(ss)->lp || (ss)->lp->dnsbl)
#define POP_ON(ss) (!(ss)->lp || ((ss)->lp->pop && !(ss)->lp->require_auth))

/* The client may relay for the rest of the session; why names the source. */
static void
grant(struct session *ss, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
grant(struct session *ss, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ss->relay_why, sizeof(ss->relay_why), fmt, ap);
	va_end(ap);
	ss->relay = 1;
}

/* relayclients: the full address, then prefixes ending in '.' (or ':'). */
static unsigned
match_relayclients(const struct tables *t, const char *ip, char *hit,
		   size_t hitlen)
{
	size_t pos = strlen(ip), plen;
	unsigned line;

	if ((line = strset_find(t->relayclients.set, ip, pos)) != 0) {
		snprintf(hit, hitlen, "%s", ip);
		return line;
	}
	while ((plen = ip_next_prefix(ip, &pos)) > 0) {
		if ((line = strset_find(t->relayclients.set, ip, plen)) != 0) {
			snprintf(hit, hitlen, "%.*s", (int)plen, ip);
			return line;
		}
	}
	return 0;
}

/* relaydomains: the host name, then each suffix starting at a '.'. */
static unsigned
match_domain_walk(const struct strset *set, const char *d, const char **hit)
{
	unsigned line;

	for (const char *p = d; p; p = suffix_next(p)) {
		if ((line = strset_find(set, p, strlen(p))) != 0) {
			*hit = p;
			return line;
		}
	}
	return 0;
}

/* Remember a connect-stage refusal for every later recipient. */
static void
refuse_connection(struct session *ss, const struct verdict *v)
{
	ss->conn_refused = 1;
	ss->conn_verdict = *v;
}

void
policy_connect(const struct tables *t, struct session *ss, const char *ip,
	       const char *hostname, const char *listener, struct verdict *v)
{
	char hit[64];
	unsigned line;
	const char *h;

	/* all but the DNSBL answer's text, which rbl_state guards */
	memset(ss, 0, offsetof(struct session, rbl_verdict));
	if (ip == NULL || ip_parse(&ss->ip, ip) != 0)
		memset(&ss->ip, 0, sizeof(ss->ip));
	ss->has_host = host_normalise(hostname, ss->host, sizeof(ss->host));
	snprintf(ss->rule_desc, sizeof(ss->rule_desc), "no rules file");
	ss->lp = listener ? settings_listener(&t->s, listener) : NULL;

	if (t->rules) {
		/* tcpserver treats an unknown address as 0.0.0.0 */
		const char *key = ss->ip.family ? ss->ip.text : "0.0.0.0";

		if (rules_lookup(t->rules, key, ss->has_host ? ss->host : NULL,
				 NULL, &ss->rule) != 0) {
			verdict_tempfail(v, "cannot read %s",
					 t->s.rules_file);
			refuse_connection(ss, v);
			return;
		}
		rules_describe(t->rules, &ss->rule, ss->rule_desc,
			       sizeof(ss->rule_desc));
		if (ss->rule.deny) {
			verdict_set(v, VERDICT_REJECT, RP(t, ss, reply_deny),
				    "%s: deny", ss->rule_desc);
			refuse_connection(ss, v);
			return;
		}
		if (ss->rule.relayclient && !AUTH_ONLY(ss)) {
			grant(ss, "%s sets RELAYCLIENT", ss->rule_desc);
			if (ss->rule.rc_value_len > 0) {
				ss->rc_value = ss->rule.rc_value;
				ss->rc_value_len = ss->rule.rc_value_len;
			}
		}
	}
	if (AUTH_ONLY(ss))
		;	/* no grant by address or name on this listener */
	else if (!ss->relay && ss->ip.family &&
	    (line = match_relayclients(t, ss->ip.text, hit, sizeof(hit)))) {
		grant(ss, "relayclients:%u \"%s\"", line, hit);
		ss->rc_value = tables_line_value(&t->relayclients, line,
						 &ss->rc_value_len);
	}
	if (!ss->relay && ss->has_host && !AUTH_ONLY(ss) &&
	    (line = match_domain_walk(t->relaydomains.set, ss->host, &h))) {
		grant(ss, "relaydomains:%u \"%s\"", line, h);
		ss->rc_value = tables_line_value(&t->relaydomains, line,
						 &ss->rc_value_len);
	}
	verdict_set(v, VERDICT_ACCEPT, &t->s.reply_ok, "%s",
		    ss->relay ? ss->relay_why : ss->rule_desc);
}

void
policy_set_pop(struct session *ss, const struct relay_oracle *pop)
{
	ss->pop = pop;
	ss->pop_said_no = 0;
}

int
policy_wants_dnsbl(const struct tables *t, const struct session *ss)
{
	return t->dnsbl.n > 0 && DNSBL_ON(ss) && !ss->conn_refused &&
		ss->ip.family != 0 && !ss->rule.rblsmtpd_set &&
		(t->s.rbl_before_auth || !ss->relay);
}

void
policy_set_dnsbl(struct session *ss, const struct dnsbl_oracle *o)
{
	ss->dnsbl = o;
	ss->rbl_state = 0;
}

/* Row 3b: RBLSMTPD or the DNSBL, asked once per connection.  1: blocked
 * (v is the block), 0: not. */
static int
rbl_blocked(const struct tables *t, struct session *ss, struct verdict *v)
{
	if (ss->rbl_state == 1 || !DNSBL_ON(ss) ||
	    (ss->rbl_state == 0 && !ss->rule.rblsmtpd_set && ss->dnsbl == NULL))
		return 0;	/* nothing to ask, or asked: not blocked */
	if (ss->rbl_state == 0) {
		struct verdict *b = &ss->rbl_verdict;

		ss->rbl_state = 1;
		b->action = VERDICT_ACCEPT;
		b->reason[0] = '\0';
		if (ss->rule.rblsmtpd_set) {
			if (dnsbl_rblsmtpd(ss->rule.rblsmtpd, ss->rule_desc, b))
				ss->rbl_state = 2;
			else
				snprintf(b->reason, sizeof(b->reason),
					 "no DNSBL: %s sets RBLSMTPD=\"\"",
					 ss->rule_desc);
		} else if (ss->dnsbl && t->dnsbl.n > 0 && ss->ip.family) {
			ss->dnsbl->decide(ss->dnsbl->arg, b);
			if (b->action != VERDICT_ACCEPT)
				ss->rbl_state = 2;
		}
	}
	if (ss->rbl_state != 2)
		return 0;
	*v = ss->rbl_verdict;
	return 1;
}

/* Add what the DNSBL said ("; DNSBL: ... not listed") to a decision. */
static void
rbl_note(const struct session *ss, struct verdict *v)
{
	size_t n, m;

	if (ss->rbl_state != 1 || ss->rbl_verdict.reason[0] == '\0')
		return;
	n = strlen(v->reason);
	m = strlen(ss->rbl_verdict.reason);
	if (n + m + 3 < sizeof(v->reason)) {
		memcpy(v->reason + n, "; ", 2);
		memcpy(v->reason + n + 2, ss->rbl_verdict.reason, m + 1);
	}
}

/* A MAIL-stage refusal: answered at RCPT, for every recipient. */
static void
refuse_transaction(struct session *ss, enum verdict_action a,
		   const struct reply *r, const char *why)
{
	ss->mail_refused = 1;
	verdict_set(&ss->mail_verdict, a, r, "%s", why);
}

/* badmailfrom: the whole address, then "@domain" (a is lower-case). */
static unsigned
badmailfrom_match(const struct tables *t, const struct env_addr *a,
		  const char **key)
{
	unsigned line;

	if ((line = strset_find(t->badmailfrom.set, a->addr, a->len))) {
		*key = a->addr;
		return line;
	}
	if (a->domain && (line = strset_find(t->badmailfrom.set,
					     a->domain - 1,
					     strlen(a->domain) + 1))) {
		*key = a->domain - 1;
		return line;
	}
	return 0;
}

/* relaymailfrom(.cdb) for a lower-case, non-empty sender: 1 the client
 * may relay (granted), 0 no, -1 the cdb cannot be read. */
static int
relaymailfrom_match(const struct tables *t, struct session *ss,
		    const struct env_addr *a)
{
	const char *key = a->addr;
	unsigned line;
	int rc;

	rc = cdbmap_find(&t->relaymailfrom_cdb, a->addr, (unsigned)a->len,
			 NULL, NULL);
	if (rc < 0)
		return -1;
	if (rc > 0) {
		grant(ss, "relaymailfrom.cdb \"%s\"", a->addr);
		return 1;
	}
	line = strset_find(t->relaymailfrom.set, key, a->len);
	if (line == 0 && a->domain) {
		key = a->domain - 1;	/* "@domain" */
		line = strset_find(t->relaymailfrom.set, key, strlen(key));
	}
	if (line == 0)
		return 0;
	grant(ss, "relaymailfrom:%u \"%s\"", line, key);
	return 1;
}

void
policy_mail(const struct tables *t, struct session *ss, const char *sender,
	    const char *mta_sender, const char *auth, struct verdict *v)
{
	struct env_addr a, m;
	char why[ADDR_MAX + 64];
	const char *key;
	unsigned line;
	int have_m, trusted;

	ss->mail_refused = 0;
	snprintf(ss->auth, sizeof(ss->auth), "%s", auth ? auth : "");
	if (addr_parse(&a, sender ? sender : "") != 0) {
		/* qmail answers 555 at MAIL; the MTA has accepted it, so every
		 * recipient of this transaction gets it instead */
		snprintf(why, sizeof(why), "envelope sender longer than %d bytes",
			 ADDR_MAX);
		refuse_transaction(ss, VERDICT_REJECT, &t->s.reply_syntax, why);
		verdict_set(v, VERDICT_ACCEPT, &t->s.reply_ok, "%s", why);
		return;
	}
	/* The MTA's own reading of the sender ({mail_addr}) is the envelope
	 * sender it will use.  Only a sender that every parser reads the same
	 * way, or that the MTA read as we did, may earn a relaymailfrom
	 * grant; badmailfrom refuses what either reading lists. */
	have_m = mta_sender != NULL && addr_parse(&m, mta_sender) == 0;
	trusted = a.form == ADDR_PLAIN ||
		(a.form == ADDR_TOLERATED && have_m && addr_agree(&a, &m));
	ascii_lower(a.addr);
	snprintf(ss->sender, sizeof(ss->sender), "%s", a.addr);
	if (ss->pop && ss->pop->uses_sender)
		ss->pop_said_no = 0;	/* IndiMail: a new sender, ask again */
	line = badmailfrom_match(t, &a, &key);
	if (line == 0 && have_m) {
		ascii_lower(m.addr);
		line = badmailfrom_match(t, &m, &key);
	}
	if (line) {
		snprintf(why, sizeof(why), "badmailfrom:%u \"%s\"", line, key);
		refuse_transaction(ss, VERDICT_REJECT,
				   RP(t, ss, reply_badmailfrom), why);
	}
	/* relaymailfrom: a grant for the rest of the session; <> never */
	if (!ss->relay && trusted && a.len > 0 && !AUTH_ONLY(ss) &&
	    relaymailfrom_match(t, ss, &a) < 0) {
		verdict_tempfail(v, "cannot read %s",
				 t->path[TF_RELAYMAILFROM_CDB]);
		ss->mail_refused = 1;
		ss->mail_verdict = *v;
		return;
	}
	if (ss->mail_refused)
		verdict_set(v, VERDICT_ACCEPT, &t->s.reply_ok, "%s",
			    ss->mail_verdict.reason);
	else if (trusted)
		verdict_set(v, VERDICT_ACCEPT, &t->s.reply_ok, "sender ok");
	else
		verdict_set(v, VERDICT_ACCEPT, &t->s.reply_ok,
			    "sender ok, but never for relaymailfrom: %s",
			    a.form == ADDR_AMBIGUOUS ? a.why : have_m ?
			    "the MTA reads it differently" :
			    "not plain, and the MTA sent no {mail_addr}");
}

/* Is the domain (lower-case) or one of its .suffixes in rcpthosts or
 * morercpthosts.cdb?  1 yes (why filled), 0 no, -1 cdb error.  qmail's
 * order: every suffix in rcpthosts first, then every suffix in the cdb.
 * With big tables each lookup is a cache miss, so the first
 * SUFFIX_PREFETCH suffixes' slots in both tables are requested before any
 * is read: the misses overlap, and a foreign domain costs about one
 * memory access instead of one per suffix and table. */
#define SUFFIX_PREFETCH 12

static int
rcpthosts_match(const struct tables *t, const char *domain, char *why,
		size_t whylen)
{
	uint32_t hash[SUFFIX_PREFETCH];
	struct cdbmap_probe probe[SUFFIX_PREFETCH];
	size_t total = strlen(domain), i, n = 0;
	const char *c;

	for (c = domain; c && n < SUFFIX_PREFETCH; c = suffix_next(c)) {
		hash[n] = strset_hash(c, total - (size_t)(c - domain));
		strset_prefetch_hash(t->rcpthosts.set, hash[n]);
		cdbmap_start(&t->morercpthosts, &probe[n], c,
			     (unsigned)(total - (size_t)(c - domain)));
		n++;
	}
	for (i = 0, c = domain; c; i++, c = suffix_next(c)) {
		size_t len = total - (size_t)(c - domain);
		unsigned line = i < n ?
			strset_find_hash(t->rcpthosts.set, c, len, hash[i]) :
			strset_find(t->rcpthosts.set, c, len);

		if (line) {
			snprintf(why, whylen, "rcpthosts:%u \"%s\"", line, c);
			return 1;
		}
	}
	for (i = 0, c = domain; c; i++, c = suffix_next(c)) {
		size_t len = total - (size_t)(c - domain);
		int rc = i < n ? cdbmap_finish(&probe[i]) :
			cdbmap_find(&t->morercpthosts, c, (unsigned)len, NULL,
				    NULL);

		if (rc < 0)
			return -1;
		if (rc > 0) {
			snprintf(why, whylen, "morercpthosts.cdb \"%s\"", c);
			return 1;
		}
	}
	return 0;
}

int
policy_rcpthosts(const struct tables *t, const char *domain, char *why,
		 size_t whylen)
{
	if (!t->rcpthosts.present)
		return 0;
	return rcpthosts_match(t, domain, why, whylen);
}

/* SMTP-after-POP, asked when a recipient would otherwise be refused.
 * 1: the client may relay (session-wide, like RELAYCLIENT); 0: no;
 * -1: the answer is unknown (v is a tempfail). */
static int
pop_relay(const struct tables *t, struct session *ss, struct verdict *v)
{
	char why[sizeof(ss->relay_why)];
	int rc;

	if (ss->pop == NULL || ss->pop_said_no || ss->ip.family == 0 ||
	    !POP_ON(ss))
		return 0;
	why[0] = '\0';
	rc = ss->pop->ask(ss->pop->arg, ss->ip.text, ss->sender, why,
			  sizeof(why));
	if (rc < 0) {
		verdict_tempfail(v, "pop-before-smtp lookup failed: %s", why);
		return -1;
	}
	if (rc == 0) {
		ss->pop_said_no = 1;
		return 0;
	}
	grant(ss, "%s", why);
	if (t->s.pop_relayclient[0]) {	/* RELAY_CTRL_RELAYCLIENT */
		ss->rc_value = t->s.pop_relayclient;
		ss->rc_value_len = (unsigned)strlen(t->s.pop_relayclient);
	}
	return 1;
}

static void rcpt_unprivileged(const struct tables *t,
			      const struct session *ss,
			      const struct env_addr *a,
			      const struct env_addr *m, struct verdict *v);

void
policy_rcpt(const struct tables *t, struct session *ss, const char *rcpt,
	    const char *mta_rcpt, struct verdict *v)
{
	struct env_addr a, m;

	if (ss->conn_refused) {
		*v = ss->conn_verdict;
		return;
	}
	if (t->s.rbl_before_auth && rbl_blocked(t, ss, v))
		return;		/* rblsmtpd answers every RCPT so */
	if (rcpt == NULL) {	/* malformed input: never read it as "<>" */
		verdict_tempfail(v, "the MTA passed no recipient");
		return;
	}
	if (addr_parse(&a, rcpt) != 0 ||
	    (mta_rcpt != NULL && addr_parse(&m, mta_rcpt) != 0)) {
		verdict_set(v, VERDICT_REJECT, &t->s.reply_syntax,
			    "recipient longer than %d bytes", ADDR_MAX);
		return;
	}
	if (ss->mail_refused) {
		*v = ss->mail_verdict;
		return;
	}
	if (ss->relay) {
		verdict_set(v, VERDICT_ACCEPT, &t->s.reply_ok,
			    "relay client: %s", ss->relay_why);
		return;
	}
	if (t->s.auth_allows_relay && ss->auth[0]) {
		verdict_set(v, VERDICT_ACCEPT, &t->s.reply_ok,
			    "relay client: SMTP AUTH user \"%s\"", ss->auth);
		return;
	}
	/* a login that carries a RELAYCLIENT value changes every recipient,
	 * hosted ones too, as relay-ctrl-check's RELAYCLIENT does: asked at
	 * once, and a failed lookup is a tempfail even for a hosted one */
	if (t->s.pop_relayclient[0]) {
		int r = pop_relay(t, ss, v);	/* -1: v is the tempfail */

		if (r == 1)
			verdict_set(v, VERDICT_ACCEPT, &t->s.reply_ok,
				    "relay client: %s", ss->relay_why);
		if (r != 0)
			return;
	}
	/* a roaming user never waits for the DNSBL: while its answer is
	 * still on the way, SMTP-after-POP is asked first (a lookup error
	 * there is answered below, if the recipient needs it) */
	if (ss->rbl_state == 0 && ss->dnsbl && ss->dnsbl->ready &&
	    !ss->rule.rblsmtpd_set && DNSBL_ON(ss) &&
	    !ss->dnsbl->ready(ss->dnsbl->arg)) {
		struct verdict pv;

		if (pop_relay(t, ss, &pv) == 1) {
			verdict_set(v, VERDICT_ACCEPT, &t->s.reply_ok,
				    "relay client: %s", ss->relay_why);
			return;
		}
	}
	if (rbl_blocked(t, ss, v)) {
		/* a client listed, or blocked by RBLSMTPD, may still be a
		 * roaming user who logged in over POP */
		struct verdict pv;

		switch (pop_relay(t, ss, &pv)) {
		case 1:
			verdict_set(v, VERDICT_ACCEPT, &t->s.reply_ok,
				    "relay client: %s (not blocked: %s)",
				    ss->relay_why, ss->rbl_verdict.reason);
			break;
		case -1:
			*v = pv;
			break;
		default:
			break;
		}
		return;
	}
	rcpt_unprivileged(t, ss, &a, mta_rcpt ? &m : NULL, v);
	rbl_note(ss, v);
	if (v->action == VERDICT_ACCEPT)
		return;
	switch (pop_relay(t, ss, v)) {
	case 1:
		verdict_set(v, VERDICT_ACCEPT, &t->s.reply_ok,
			    "relay client: %s", ss->relay_why);
		break;
	case 0:
		if (ss->pop && ss->pop_said_no && v->action == VERDICT_REJECT &&
		    strlen(v->reason) + 40 < sizeof(v->reason))
			strcat(v->reason, "; no pop-before-smtp login");
		break;
	default:	/* v is the tempfail */
		break;
	}
}

/* Which address to judge for a client that may not relay: a plain one as
 * it is (every parser reads it the same way); any other only if the MTA
 * sent its own reading (m) and it agrees, and then the MTA's, which is
 * the one it routes.  NULL (v set) when the recipient must be refused. */
static const struct env_addr *
judged_address(const struct tables *t, const struct session *ss,
	       const struct env_addr *a, const struct env_addr *m,
	       struct verdict *v)
{
	const struct reply *r = RP(t, ss, reply_ambiguous);

	switch (a->form) {
	case ADDR_PLAIN:
		return a;
	case ADDR_AMBIGUOUS:
		verdict_set(v, VERDICT_REJECT, r,
			    "ambiguous recipient: %s (the MTA may route another address than the text shows)",
			    a->why);
		return NULL;
	default:
		break;
	}
	if (m == NULL) {
		verdict_set(v, VERDICT_REJECT, r,
			    "recipient is not a plain <local@domain> (%s) and the MTA sent no {rcpt_addr} to check it against",
			    a->why);
		return NULL;
	}
	if (!addr_agree(a, m)) {
		verdict_set(v, VERDICT_REJECT, r,
			    "the MTA reads the recipient as \"%s\", not \"%s\"",
			    m->addr, a->addr);
		return NULL;
	}
	return m->domain ? m : a;
}

/* Rows 4 to 7: the answer for a client that may not relay. */
static void
rcpt_unprivileged(const struct tables *t, const struct session *ss,
		  const struct env_addr *a, const struct env_addr *m,
		  struct verdict *v)
{
	char domain[ADDR_MAX + 1], why[ADDR_MAX + 128];
	const struct env_addr *j;
	uint32_t lit;
	int rc, via_localiphost = 0;

	if ((j = judged_address(t, ss, a, m, v)) == NULL)
		return;
	if (t->s.reject_sender_routing &&
	    (addr_has_routing(a) || addr_has_routing(j))) {
		verdict_set(v, VERDICT_REJECT, RP(t, ss, reply_routing),
			    "sender-specified routing in \"%s\" (the MTA would relay it; reject_sender_routing)",
			    addr_has_routing(a) ? a->addr : j->addr);
		return;
	}
	if (!t->rcpthosts.present) {
		verdict_set(v, VERDICT_ACCEPT, &t->s.reply_ok,
			    "rcpthosts missing and allow_missing_rcpthosts set: any domain");
		return;
	}
	if (j->domain == NULL) {
		verdict_set(v, VERDICT_ACCEPT, &t->s.reply_ok,
			    "recipient has no domain (qmail accepts it)");
		return;
	}
	/* j->domain is the NUL-terminated tail of j->addr (same size as domain) */
	memcpy(domain, j->domain, j->len - (size_t)(j->domain - j->addr) + 1);
	if (addr_ipv4_literal(domain, &lit) && t->localiphost[0]) {
		for (int i = 0; i < t->n_local_v4; i++) {
			if (t->local_v4[i] == lit) {
				snprintf(domain, sizeof(domain), "%s",
					 t->localiphost);
				via_localiphost = 1;
				break;
			}
		}
	}
	ascii_lower(domain);
	if (domain[0] == '\0') {
		verdict_set(v, VERDICT_REJECT, RP(t, ss, reply_relay),
			    "empty domain in \"%s\"", j->addr);
		return;
	}
	rc = rcpthosts_match(t, domain, why, sizeof(why));
	if (rc < 0) {
		verdict_tempfail(v, "cannot read %s",
				 t->path[TF_MORERCPTHOSTS]);
		return;
	}
	if (rc > 0) {
		verdict_set(v, VERDICT_ACCEPT, &t->s.reply_ok, "%s%s%s", why,
			    via_localiphost ? " via localiphost for " : "",
			    via_localiphost ? j->domain : "");
		return;
	}
	if (AUTH_ONLY(ss))
		verdict_set(v, VERDICT_REJECT, RP(t, ss, reply_relay),
			    "\"%s\" is not in rcpthosts%s and the client may not relay (%s; listener \"%s\" requires SMTP AUTH)",
			    domain, t->morercpthosts.open ?
			    " or morercpthosts.cdb" : "", ss->rule_desc,
			    ss->lp->name);
	else
		verdict_set(v, VERDICT_REJECT, &t->s.reply_relay,
			    "\"%s\" is not in rcpthosts%s and the client may not relay (%s)",
			    domain, t->morercpthosts.open ?
			    " or morercpthosts.cdb" : "", ss->rule_desc);
}

int
policy_rewrite(const struct tables *t, const struct session *ss,
	       const char *rcpt, const char *mta_rcpt, struct verdict *v,
	       char *out, size_t outlen)
{
	const char *why;
	size_t n;
	int rc;

	if (ss->rc_value == NULL || v->action != VERDICT_ACCEPT ||
	    (t->s.auth_allows_relay && ss->auth[0]))
		return 0;
	rc = rewrite_rcpt(t, rcpt, mta_rcpt, ss->rc_value, ss->rc_value_len,
			  out, outlen, &why);
	if (rc != 0) {
		if (rc == -2)
			verdict_set(v, VERDICT_REJECT, RP(t, ss, reply_ambiguous),
				    "cannot append the RELAYCLIENT value \"%.*s\" (%s): %s",
				    (int)ss->rc_value_len, ss->rc_value,
				    ss->relay_why, why);
		else
			verdict_tempfail(v, "cannot append the RELAYCLIENT value \"%.*s\" (%s): %s",
					 (int)(ss->rc_value_len > 255 ? 255 :
					       ss->rc_value_len), ss->rc_value,
					 ss->relay_why, why);
		return -1;
	}
	n = strlen(v->reason);
	snprintf(v->reason + n, sizeof(v->reason) - n,
		 "; RELAYCLIENT value \"%.*s\": recipient becomes %s",
		 (int)ss->rc_value_len, ss->rc_value, out);
	return 1;
}
