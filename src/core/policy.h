/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * policy.h - qmail's relay decision, stage by stage.
 *
 * policy_connect() runs once per SMTP connection (tcpserver's rule lookup,
 * IndiMail relayclients / relaydomains); policy_mail() once per MAIL FROM
 * (badmailfrom, relaymailfrom, SMTP AUTH); policy_rcpt() once per RCPT TO.
 * Everything is read from one struct tables snapshot; nothing here does
 * I/O, takes a lock or allocates memory.  Decision order at RCPT:
 *
 *   1. address longer than 900 bytes          -> 555 5.5.4 (qmail)
 *   2. sender in badmailfrom                  -> 553 5.7.1 (even relay clients)
 *   3. client may relay (RELAYCLIENT rule, relayclients, relaydomains,
 *      relaymailfrom, SMTP AUTH)              -> accept (a non-empty
 *      RELAYCLIENT value is appended to the recipient: policy_rewrite)
 *   3b. RBLSMTPD text, or listed in a DNSBL  -> its block (451, or 553),
 *      unless SMTP-after-POP makes it a relay client
 *   4. the address is ambiguous, or not plain and the MTA's own reading
 *      ({rcpt_addr}) is missing or differs   -> 553 5.7.1 (stricter than qmail)
 *   5. local part has '@', '%' or '!'         -> 553 5.7.1 (stricter than qmail)
 *   6. no '@' in the recipient                -> accept (qmail)
 *   7. domain or a .suffix in rcpthosts or morercpthosts.cdb -> accept
 *   8. otherwise                              -> 553 5.7.1 rcpthosts
 *
 * Rows 5 to 8 judge the address the MTA routes (addr.h): a plain
 * "<local@domain>" as written, any other form as the MTA read it.  At MAIL
 * the same rule decides whether the sender may earn a relaymailfrom grant,
 * and badmailfrom is matched against both readings.
 *
 * SMTP-after-POP (oracle.h) is asked only when rows 4 to 8 would refuse a
 * recipient (a hosted recipient never needs it): a recent POP/IMAP login
 * from the client address makes the client a relay client for the rest of
 * the session, as relay-ctrl-check / vpopmail / IndiMail set RELAYCLIENT;
 * an unknown answer gives 451 4.3.0 for that recipient (never accept).
 * IndiMail's table also matches the sender, so a "no" is asked again at
 * the next MAIL FROM.  The oracles are the only part of a decision that
 * may do I/O, and they are the caller's.
 *
 * DNSBL (dnsbl.h): the lookups start at connect (policy_wants_dnsbl says
 * whether they are needed); the first recipient of a client that may not
 * relay asks for the answer, which then holds for the whole connection,
 * for hosted recipients too, as with rblsmtpd.  $RBLSMTPD from the
 * tcpserver rule decides instead when it is set.  With rbl_before_auth,
 * row 3b comes right after row 1, before badmailfrom, for every client
 * (rblsmtpd's own order: relay clients need RBLSMTPD="").
 *
 * A listener section (settings.h), chosen by the MTA's {daemon_name},
 * can require SMTP AUTH (then no IP rule, relaymailfrom or POP login
 * lets a client relay), turn the DNSBL and RBLSMTPD or SMTP-after-POP
 * off, and has its own reply texts.
 */
#ifndef QR_POLICY_H
#define QR_POLICY_H

#include "addr.h"
#include "ip.h"
#include "oracle.h"
#include "rules.h"
#include "tables.h"
#include "verdict.h"

struct session {
	struct client_ip ip;
	char host[256];
	int has_host;
	struct rule_match rule;		/* tcpserver rule found at connect */
	char rule_desc[400];		/* e.g. tcp.smtp:3 "10.1." */
	int relay;			/* session-wide relay grant */
	char relay_why[1024];		/* which source granted it */
	/* its RELAYCLIENT value when the grant came from a rule,
	 * relayclients or relaydomains and is not empty (NULL: none);
	 * in the snapshot's memory */
	const char *rc_value;
	unsigned rc_value_len;

	/* A refusal decided at connect (tcprules deny, or a tempfail) or at
	 * MAIL FROM (badmailfrom, over-long sender, or a tempfail) holds for
	 * every recipient that follows, even if the MTA carries on. */
	int conn_refused;
	struct verdict conn_verdict;
	int mail_refused;
	struct verdict mail_verdict;

	char auth[256];			/* {auth_authen} of this MAIL, "" if none */

	/* SMTP-after-POP: the oracle (not owned; NULL: none), and whether it
	 * said "no" already for this session (or this MAIL, if it matches
	 * senders) */
	const struct relay_oracle *pop;
	int pop_said_no;
	char sender[ADDR_MAX + 1];	/* this MAIL's sender, lower-case */

	/* the listener's own policy (NULL: the global settings) */
	const struct listener_policy *lp;

	/* DNSBL: the oracle (not owned; NULL: no lookups), and the answer
	 * for the connection once asked (0 not yet, 1 not blocked, 2 the
	 * block in rbl_verdict) */
	const struct dnsbl_oracle *dnsbl;
	int rbl_state;
	struct verdict rbl_verdict;	/* last: policy_connect does not
					 * clear it (rbl_state says) */
};

/* ip may be NULL or unparseable (then unknown: only rules that do not
 * depend on the address can match).  hostname as the MTA gives it;
 * listener its {daemon_name} (NULL: none sent). */
void policy_connect(const struct tables *t, struct session *ss,
		    const char *ip, const char *hostname, const char *listener,
		    struct verdict *v);

/* After policy_connect(): 1 if the client's DNSBL lookups are needed
 * (zones configured and on for its listener, no RBLSMTPD in its rule, its
 * address known, and not already a relay client unless rbl_before_auth),
 * so the caller starts them now and passes their oracle (policy_set_dnsbl);
 * then the queries in t->dnsbl. */
int policy_wants_dnsbl(const struct tables *t, const struct session *ss);
void policy_set_dnsbl(struct session *ss, const struct dnsbl_oracle *o);

/* Ask this SMTP-after-POP oracle (NULL: none) in the session; call after
 * policy_connect().  It must outlive the session. */
void policy_set_pop(struct session *ss, const struct relay_oracle *pop);

/* sender as the MTA passes it ("<a@b>"), mta_sender the MTA's own reading
 * of it ({mail_addr}; NULL if it sent none); auth may be NULL. */
void policy_mail(const struct tables *t, struct session *ss,
		 const char *sender, const char *mta_sender, const char *auth,
		 struct verdict *v);

/* rcpt as the MTA passes it, mta_rcpt its {rcpt_addr} (NULL: none). */
void policy_rcpt(const struct tables *t, struct session *ss,
		 const char *rcpt, const char *mta_rcpt, struct verdict *v);

/* After an accepted recipient (v): qmail appends a non-empty RELAYCLIENT
 * value to every recipient of the session (rewrite.h; rcpt and mta_rcpt as
 * for policy_rcpt), unless SMTP AUTH
 * made the client a relay client, which sets it to "".  Returns 0: keep
 * the recipient; 1: out holds the recipient to put in its place (at least
 * REWRITE_MAX bytes), and v's reason says so; -1: it cannot be rewritten,
 * v is now the refusal (ambiguous recipient) or a tempfail. */
int policy_rewrite(const struct tables *t, const struct session *ss,
		   const char *rcpt, const char *mta_rcpt, struct verdict *v,
		   char *out, size_t outlen);

/* Is the domain (lower-case) hosted: it or one of its .suffixes in
 * rcpthosts or morercpthosts.cdb, as row 7 decides?  1 yes (why names
 * the entry, like "rcpthosts:2 \".example.net\""), 0 no (also when there
 * is no rcpthosts), -1 the cdb cannot be read. */
int policy_rcpthosts(const struct tables *t, const char *domain, char *why,
		     size_t whylen);

#endif
