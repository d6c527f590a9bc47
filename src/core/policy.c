/*
 * policy.c - the relay decision (see policy.h for the order).
 */
#include "config.h"
#include "policy.h"
#include "addr.h"

#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

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

	if ((line = strset_find(set, d, strlen(d))) != 0) {
		*hit = d;
		return line;
	}
	for (const char *p = strchr(d, '.'); p; p = strchr(p + 1, '.')) {
		if ((line = strset_find(set, p, strlen(p))) != 0) {
			*hit = p;
			return line;
		}
	}
	return 0;
}

void
policy_connect(const struct tables *t, struct session *ss, const char *ip,
	       const char *hostname, struct verdict *v)
{
	char *desc = ss->rule_desc, hit[64];
	unsigned line;
	const char *h;

	memset(ss, 0, sizeof(*ss));
	if (ip == NULL || ip_parse(&ss->ip, ip) != 0)
		memset(&ss->ip, 0, sizeof(ss->ip));
	ss->has_host = host_normalise(hostname, ss->host, sizeof(ss->host));

	if (t->rules) {
		/* tcpserver treats an unknown address as 0.0.0.0 */
		const char *key = ss->ip.family ? ss->ip.text : "0.0.0.0";

		if (rules_lookup(t->rules, key, ss->has_host ? ss->host : NULL,
				 NULL, &ss->rule) != 0) {
			verdict_tempfail(v, "cannot read %s",
					 t->s.rules_file);
			return;
		}
		rules_describe(t->rules, &ss->rule, desc, sizeof(ss->rule_desc));
		if (ss->rule.deny) {
			ss->denied = 1;
			verdict_set(v, VERDICT_REJECT, &t->s.reply_deny,
				    "%s: deny", desc);
			return;
		}
		if (ss->rule.relayclient) {
			ss->relay = 1;
			snprintf(ss->relay_why, sizeof(ss->relay_why),
				 "%s sets RELAYCLIENT", desc);
		}
	}
	if (!ss->relay && ss->ip.family &&
	    (line = match_relayclients(t, ss->ip.text, hit, sizeof(hit)))) {
		ss->relay = 1;
		snprintf(ss->relay_why, sizeof(ss->relay_why),
			 "relayclients:%u \"%s\"", line, hit);
	}
	if (!ss->relay && ss->has_host &&
	    (line = match_domain_walk(t->relaydomains.set, ss->host, &h))) {
		ss->relay = 1;
		snprintf(ss->relay_why, sizeof(ss->relay_why),
			 "relaydomains:%u \"%s\"", line, h);
	}
	verdict_set(v, VERDICT_ACCEPT, &t->s.reply_ok, "%s",
		    ss->relay ? ss->relay_why :
		    t->rules ? ss->rule_desc : "no rules file");
}

void
policy_mail(const struct tables *t, struct session *ss, const char *sender,
	    const char *auth, struct verdict *v)
{
	struct env_addr a;
	unsigned line;

	ss->bad_sender = 0;
	ss->bad_why[0] = '\0';
	snprintf(ss->auth, sizeof(ss->auth), "%s", auth ? auth : "");
	if (addr_parse(&a, sender ? sender : "") != 0) {
		/* qmail answers 555 at MAIL; the MTA has accepted it, so make
		 * every recipient of this transaction fail the same way */
		ss->bad_sender = 2;
		snprintf(ss->bad_why, sizeof(ss->bad_why),
			 "envelope sender longer than %d bytes", ADDR_MAX);
		verdict_set(v, VERDICT_ACCEPT, &t->s.reply_ok, "%s",
			    ss->bad_why);
		return;
	}
	addr_lower(a.addr);
	if (t->badmailfrom.present) {
		if ((line = strset_find(t->badmailfrom.set, a.addr, a.len))) {
			ss->bad_sender = 1;
			snprintf(ss->bad_why, sizeof(ss->bad_why),
				 "badmailfrom:%u \"%s\"", line, a.addr);
		} else if (a.domain &&
			   (line = strset_find(t->badmailfrom.set,
					       a.domain - 1,
					       strlen(a.domain) + 1))) {
			ss->bad_sender = 1;
			snprintf(ss->bad_why, sizeof(ss->bad_why),
				 "badmailfrom:%u \"%s\"", line, a.domain - 1);
		}
	}
	/* relaymailfrom: a grant for the rest of the session; <> never */
	if (!ss->relay && a.len > 0) {
		int rc = cdbmap_find(&t->relaymailfrom_cdb, a.addr,
				     (unsigned)a.len, NULL, NULL);

		if (rc < 0) {
			verdict_tempfail(v, "cannot read %s",
					 t->path[TF_RELAYMAILFROM_CDB]);
			return;
		}
		if (rc > 0) {
			ss->relay = ss->mailfrom_relay = 1;
			snprintf(ss->relay_why, sizeof(ss->relay_why),
				 "relaymailfrom.cdb \"%s\"", a.addr);
		} else {
			const char *key = a.addr;

			line = strset_find(t->relaymailfrom.set, key, a.len);
			if (line == 0 && a.domain) {
				key = a.domain - 1;	/* "@domain" */
				line = strset_find(t->relaymailfrom.set, key,
						   strlen(key));
			}
			if (line) {
				ss->relay = ss->mailfrom_relay = 1;
				snprintf(ss->relay_why, sizeof(ss->relay_why),
					 "relaymailfrom:%u \"%s\"", line, key);
			}
		}
	}
	verdict_set(v, VERDICT_ACCEPT, &t->s.reply_ok, "%s",
		    ss->bad_sender ? ss->bad_why : "sender ok");
}

/* Is the domain (lower-case) or one of its .suffixes in rcpthosts or
 * morercpthosts.cdb?  1 yes (why filled), 0 no, -1 cdb error. */
static int
rcpthosts_match(const struct tables *t, const char *domain, char *why,
		size_t whylen)
{
	const char *c = domain;

	for (;;) {
		size_t len = strlen(c);
		unsigned line = strset_find(t->rcpthosts.set, c, len);
		int rc;

		if (line) {
			snprintf(why, whylen, "rcpthosts:%u \"%s\"", line, c);
			return 1;
		}
		rc = cdbmap_find(&t->morercpthosts, c, (unsigned)len, NULL,
				 NULL);
		if (rc < 0)
			return -1;
		if (rc > 0) {
			snprintf(why, whylen, "morercpthosts.cdb \"%s\"", c);
			return 1;
		}
		c = strchr(c + (*c == '.'), '.');
		if (c == NULL)
			return 0;
	}
}

void
policy_rcpt(const struct tables *t, const struct session *ss,
	    const char *rcpt, struct verdict *v)
{
	struct env_addr a;
	char domain[ADDR_MAX + 1], why[ADDR_MAX + 128];
	uint32_t lit;
	int rc;

	if (ss->denied) {
		verdict_set(v, VERDICT_REJECT, &t->s.reply_deny,
			    "%s: deny", ss->rule_desc);
		return;
	}
	if (addr_parse(&a, rcpt ? rcpt : "") != 0) {
		verdict_set(v, VERDICT_REJECT, &t->s.reply_syntax,
			    "recipient longer than %d bytes", ADDR_MAX);
		return;
	}
	if (ss->bad_sender == 2) {
		verdict_set(v, VERDICT_REJECT, &t->s.reply_syntax, "%s",
			    ss->bad_why);
		return;
	}
	if (ss->bad_sender) {
		verdict_set(v, VERDICT_REJECT, &t->s.reply_badmailfrom, "%s",
			    ss->bad_why);
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
	if (t->s.reject_sender_routing &&
	    (addr_has_routing(&a) || a.route_unterminated)) {
		verdict_set(v, VERDICT_REJECT, &t->s.reply_routing,
			    "sender-specified routing in \"%s\" (the MTA would relay it; reject_sender_routing)",
			    a.route_unterminated ? rcpt : a.addr);
		return;
	}
	if (!t->rcpthosts.present) {
		verdict_set(v, VERDICT_ACCEPT, &t->s.reply_ok,
			    "rcpthosts missing and allow_missing_rcpthosts set: any domain");
		return;
	}
	if (a.domain == NULL) {
		verdict_set(v, VERDICT_ACCEPT, &t->s.reply_ok,
			    "recipient has no domain (qmail accepts it)");
		return;
	}
	snprintf(domain, sizeof(domain), "%s", a.domain);
	addr_lower(domain);
	if (addr_ipv4_literal(domain, &lit) && t->localiphost[0]) {
		for (int i = 0; i < t->n_local_v4; i++) {
			if (t->local_v4[i] == lit) {
				snprintf(domain, sizeof(domain), "%s",
					 t->localiphost);
				addr_lower(domain);
				break;
			}
		}
	}
	if (domain[0] == '\0') {
		verdict_set(v, VERDICT_REJECT, &t->s.reply_relay,
			    "empty domain in \"%s\"", a.addr);
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
			    strcmp(domain, a.domain) ? " via localiphost " : "",
			    strcmp(domain, a.domain) ? a.domain : "");
		return;
	}
	verdict_set(v, VERDICT_REJECT, &t->s.reply_relay,
		    "\"%s\" is not in rcpthosts%s and the client may not relay (%s)",
		    domain, t->morercpthosts.open ? " or morercpthosts.cdb" : "",
		    t->rules ? ss->rule_desc : "no rules file");
}
