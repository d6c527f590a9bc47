/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * callbacks.c - libmilter callbacks: connect, MAIL FROM, RCPT TO.
 *
 * Each callback hands the MTA's data to the core (src/core/policy.c) and
 * turns its verdict into a reply.  Per-connection state lives in smfi
 * private data (libmilter may run one connection's callbacks on different
 * worker threads).  Every failure path returns SMFIS_TEMPFAIL.
 *
 * A client whose RELAYCLIENT has a value gets its recipients rewritten
 * at end of message (smfi_delrcpt + smfi_addrcpt), as qmail appends the
 * value; every other session is accepted whole at DATA, with no
 * end-of-message round trip.
 */
#include "config.h"
#include "callbacks.h"
#include "snapshot.h"
#include "core/addr.h"
#include "core/policy.h"
#include "core/rewrite.h"
#include "dns/rbl.h"
#include "util/log.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

struct conn {
	struct snap *snap;
	int nr_mail;		/* the MTA agreed not to wait for a MAIL reply */
	struct session ss;
	struct rbl_conn rbl;	/* its DNSBL lookups */
	/* for the log only: the core judges the whole texts (policy_mail) */
	char from[ADDR_MAX + 8];
	char mta_from[ADDR_MAX + 8];	/* its {mail_addr}; "" if none */
	size_t from_len;		/* the whole sender's length */
	int has_mta_from;
	int connected;		/* qr_connect ran */
	int can_rewrite;	/* the MTA granted ADDRCPT and DELRCPT */
	/* this transaction's rewrites: the recipient as the MTA passed it,
	 * and the one to put in its place */
	struct rewrite { char *from, *to; } *rw;
	size_t n_rw, max_rw;
};

static atomic_int warned_symlist, warned_macros, warned_rcpt_macros;
static atomic_int warned_servers, warned_rewrite;

/* The macros we need at MAIL: the AUTH user; {mail_addr}, the MTA's own
 * reading of the sender (the envelope sender it will use); and
 * {mail_mailer}, which both Postfix and Sendmail always send, to tell "no
 * AUTH" from "no macros".  At RCPT: {rcpt_addr}, the recipient as the MTA
 * read and resolved it (addr.h, README "Which address is judged"), and
 * {rcpt_mailer}, again always sent.  At connect: {client_resolve}, how
 * the client's name was checked (OK: forward-confirmed; FORGED, FAIL,
 * TEMP: not): like tcpserver -p, only a confirmed name may match =host
 * rules and relaydomains.  Both MTAs already pass "[ip]" as the host name
 * when the name did not confirm; the macro also covers what they do not
 * (Sendmail run from inetd or with -bs).  And {daemon_name}, the
 * listener the client came in on (Postfix milter_macro_daemon_name,
 * Sendmail DAEMON_OPTIONS Name=), which picks a listener section. */
static char conn_macros[] = "{client_resolve} {daemon_name}";
static char mail_macros[] = "{auth_authen} {auth_type} {mail_mailer} {mail_addr}";
static char rcpt_macros[] = "{rcpt_addr} {rcpt_mailer}";

static sfsistat
qr_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1,
	     unsigned long f2, unsigned long f3, unsigned long *pf0,
	     unsigned long *pf1, unsigned long *pf2, unsigned long *pf3)
{
	struct conn *c = smfi_getpriv(ctx);

	(void)f2;
	(void)f3;
	/* the connection's state is allocated here, to remember what the MTA
	 * agreed to; qr_close frees it */
	if (c == NULL && (c = calloc(1, sizeof(*c))) != NULL &&
	    smfi_setpriv(ctx, c) != MI_SUCCESS) {
		free(c);
		c = NULL;
	}
	/* the right to change recipients only when the tables hold a
	 * RELAYCLIENT value (the session keeps this snapshot: qr_connect) */
	if (c != NULL) {
		snapshot_release(c->snap);
		c->snap = snapshot_acquire();
	}
	*pf0 = f0 & SMFIF_SETSYMLIST;
	if (c != NULL && c->snap != NULL &&
	    snapshot_tables(c->snap)->rc_values) {
		*pf0 |= f0 & (SMFIF_ADDRCPT | SMFIF_DELRCPT);
		c->can_rewrite = (f0 & (SMFIF_ADDRCPT | SMFIF_DELRCPT)) ==
			(SMFIF_ADDRCPT | SMFIF_DELRCPT);
	}
	/* skip every stage we do not use, where the MTA allows it */
	*pf1 = f1 & (SMFIP_NOHELO | SMFIP_NOHDRS | SMFIP_NOBODY |
		     SMFIP_NOEOH | SMFIP_NOUNKNOWN);
	/* MAIL FROM needs no reply: a refusal decided there (badmailfrom,
	 * a tempfail) is answered at every RCPT anyway (policy.h) */
	if (c != NULL) {
		c->nr_mail = (f1 & SMFIP_NR_MAIL) != 0;
		if (c->nr_mail)
			*pf1 |= SMFIP_NR_MAIL;
	}
	*pf2 = 0;
	*pf3 = 0;
	if ((f0 & SMFIF_SETSYMLIST) &&
	    smfi_setsymlist(ctx, SMFIM_CONNECT, conn_macros) == MI_SUCCESS &&
	    smfi_setsymlist(ctx, SMFIM_ENVFROM, mail_macros) == MI_SUCCESS &&
	    smfi_setsymlist(ctx, SMFIM_ENVRCPT, rcpt_macros) == MI_SUCCESS)
		return SMFIS_CONTINUE;
	if (atomic_exchange(&warned_symlist, 1) == 0)
		log_msg(LOG_WARNING,
			"the MTA does not let the milter choose its macros; make sure it sends {auth_authen} and {mail_addr} at MAIL FROM and {rcpt_addr} at RCPT TO, or SMTP AUTH users cannot relay and strangers' recipients must be plain <user@domain>");
	return SMFIS_CONTINUE;
}

static void
set_reply(SMFICTX *ctx, const struct reply *r)
{
	char text[sizeof(r->text) * 2];
	size_t o = 0;

	/* libmilter treats the text as a format: double every '%' */
	for (const char *p = r->text; *p && o + 2 < sizeof(text); p++) {
		text[o++] = *p;
		if (*p == '%')
			text[o++] = '%';
	}
	text[o] = '\0';
	smfi_setreply(ctx, (char *)r->code, (char *)r->xcode, text);
}

static sfsistat
answer(SMFICTX *ctx, const struct verdict *v)
{
	switch (v->action) {
	case VERDICT_ACCEPT:
		return SMFIS_CONTINUE;
	case VERDICT_REJECT:
		set_reply(ctx, &v->reply);
		return SMFIS_REJECT;
	default:
		set_reply(ctx, &v->reply);
		return SMFIS_TEMPFAIL;
	}
}

/* Copy s into out as the inside of a "..." field: '"' and '\\' get a
 * backslash, every byte outside printable ASCII becomes \xNN, so no text
 * from a client can end a field or a line. */
static const char *
esc(const char *s, char *out, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	for (; *s && o + 5 < len; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c >= 0x7f) {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
			continue;
		}
		if (c == '"' || c == '\\')
			out[o++] = '\\';
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return out;
}

/* One line per decision; every field that comes from the client or the
 * MTA is quoted and escaped (esc). */
static void
log_decision(const char *stage, const struct conn *c, const char *rcpt,
	     const char *mta_rcpt, const struct verdict *v)
{
	enum { F = (ADDR_MAX + 8) * 4 + 1 };
	char reply[sizeof(v->reply.text) + 32];
	char qhost[sizeof(c->ss.host) * 4], qauth[sizeof(c->ss.auth) * 4];
	char qfrom[F], qmfrom[F], qrcpt[F], qmrcpt[F];
	char qreply[sizeof(reply) * 4], qreason[sizeof(v->reason) * 4];
	char lst[sizeof(c->ss.lp->name) * 4 + 16] = "", ql[sizeof(lst)];
	char cut[48] = "";

	reply_format(&v->reply, reply, sizeof(reply));
	/* a sender too long for the log's copy: say how long it was */
	if (c->from_len >= sizeof(c->from))
		snprintf(cut, sizeof(cut), " from_bytes=%zu", c->from_len);
	if (c->ss.lp)
		snprintf(lst, sizeof(lst), " listener=\"%s\"",
			 esc(c->ss.lp->name, ql, sizeof(ql)));
	log_msg(v->action == VERDICT_ACCEPT ? LOG_INFO : LOG_NOTICE,
		"decision stage=%s client=%s%s host=\"%s\" auth=\"%s\" from=\"%s\"%s mta_from=\"%s\" rcpt=\"%s\" mta_rcpt=\"%s\" verdict=%s reply=\"%s\" reason=\"%s\"",
		stage, c->ss.ip.family ? c->ss.ip.text : "unknown", lst,
		esc(c->ss.has_host ? c->ss.host : "-", qhost, sizeof(qhost)),
		esc(c->ss.auth[0] ? c->ss.auth : "-", qauth, sizeof(qauth)),
		esc(c->from[0] ? c->from : "-", qfrom, sizeof(qfrom)), cut,
		esc(c->has_mta_from ? c->mta_from : "-", qmfrom, sizeof(qmfrom)),
		esc(rcpt ? rcpt : "-", qrcpt, sizeof(qrcpt)),
		esc(mta_rcpt ? mta_rcpt : "-", qmrcpt, sizeof(qmrcpt)),
		verdict_action_name(v->action),
		esc(reply, qreply, sizeof(qreply)),
		esc(v->reason, qreason, sizeof(qreason)));
}

/* A session whose tables were retired (snapshot.h) stops here: its
 * snapshot is let go at once and every further command is tempfailed. */
static int
retired(struct conn *c)
{
	if (c->snap == NULL || !snapshot_expired(c->snap))
		return 0;
	rbl_end(&c->rbl);	/* its zone list goes with the snapshot */
	snapshot_release(c->snap);
	c->snap = NULL;
	log_msg(LOG_NOTICE, "session client=%s outlived several table reloads; tempfail (the client will retry)",
		c->ss.ip.family ? c->ss.ip.text : "unknown");
	return 1;
}

static void
rewrites_clear(struct conn *c)
{
	for (size_t i = 0; i < c->n_rw; i++) {
		free(c->rw[i].from);
		free(c->rw[i].to);
	}
	c->n_rw = 0;
}

/* Remember to put to in the place of from at end of message (once per
 * recipient).  0, or -1 out of memory. */
static int
rewrite_add(struct conn *c, const char *from, const char *to)
{
	for (size_t i = 0; i < c->n_rw; i++)
		if (strcmp(c->rw[i].from, from) == 0)
			return 0;	/* the same recipient twice */
	if (c->n_rw == c->max_rw) {
		size_t m = c->max_rw ? 2 * c->max_rw : 8;
		struct rewrite *v = realloc(c->rw, m * sizeof(*v));

		if (v == NULL)
			return -1;
		c->rw = v;
		c->max_rw = m;
	}
	c->rw[c->n_rw].from = strdup(from);
	c->rw[c->n_rw].to = strdup(to);
	if (c->rw[c->n_rw].from == NULL || c->rw[c->n_rw].to == NULL) {
		free(c->rw[c->n_rw].from);
		free(c->rw[c->n_rw].to);
		return -1;
	}
	c->n_rw++;
	return 0;
}

static sfsistat
qr_connect(SMFICTX *ctx, char *hostname, _SOCK_ADDR *sa)
{
	char ip[INET6_ADDRSTRLEN] = "";
	struct conn *c = smfi_getpriv(ctx);
	struct verdict v;
	const struct tables *t;
	const char *resolve;

	if (c == NULL) {	/* negotiate could not allocate it */
		if ((c = calloc(1, sizeof(*c))) == NULL) {
			log_msg(LOG_ERR, "connect: out of memory; tempfail");
			return SMFIS_TEMPFAIL;
		}
		if (smfi_setpriv(ctx, c) != MI_SUCCESS) {
			free(c);
			return SMFIS_TEMPFAIL;
		}
	}
	rbl_end(&c->rbl);		/* none unless connect came twice */
	if (c->snap == NULL || c->connected) {	/* else negotiate's */
		snapshot_release(c->snap);
		c->snap = snapshot_acquire();
	}
	c->connected = 1;
	if (c->snap == NULL) {
		log_msg(LOG_ERR, "connect: no tables loaded; tempfail");
		return SMFIS_TEMPFAIL;	/* qr_close frees c */
	}
	if (sa && sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((struct sockaddr_in *)(void *)sa)->sin_addr,
			  ip, sizeof(ip));
	else if (sa && sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6,
			  &((struct sockaddr_in6 *)(void *)sa)->sin6_addr, ip,
			  sizeof(ip));
	resolve = smfi_getsymval(ctx, "{client_resolve}");
	if (resolve && strcmp(resolve, "OK") != 0)
		hostname = NULL;	/* the name did not forward-confirm */
	t = snapshot_tables(c->snap);
	policy_connect(t, &c->ss, ip[0] ? ip : NULL, hostname,
		       smfi_getsymval(ctx, "{daemon_name}"), &v);
	policy_set_pop(&c->ss, snapshot_oracle(c->snap));
	/* the DNSBL queries go out now and overlap the session */
	if (v.action == VERDICT_ACCEPT && policy_wants_dnsbl(t, &c->ss)) {
		if (strcmp(t->s.dnsbl_servers, rbl_servers()) != 0 &&
		    atomic_exchange(&warned_servers, 1) == 0)
			log_msg(LOG_WARNING, "warning: dnsbl_servers changed to \"%s\"; the DNSBL queries still go to \"%s\" until the daemon is restarted",
				t->s.dnsbl_servers, rbl_servers()[0] ?
				rbl_servers() : "the system's resolver");
		policy_set_dnsbl(&c->ss, rbl_start(&c->rbl, t, &c->ss));
	}
	if (v.action != VERDICT_ACCEPT)
		log_decision("connect", c, NULL, NULL, &v);
	return answer(ctx, &v);
}

static sfsistat
qr_envfrom(SMFICTX *ctx, char **argv)
{
	struct conn *c = smfi_getpriv(ctx);
	struct verdict v;
	const char *from, *auth, *mta_from;

	if (c == NULL)
		return SMFIS_TEMPFAIL;	/* never NR_MAIL without c */
	if (c->snap == NULL || retired(c))	/* every RCPT will tempfail */
		return c->nr_mail ? SMFIS_NOREPLY : SMFIS_TEMPFAIL;
	rewrites_clear(c);	/* a new transaction */
	from = argv[0] ? argv[0] : "";
	c->from_len = strlen(from);
	snprintf(c->from, sizeof(c->from), "%s", from);
	auth = smfi_getsymval(ctx, "{auth_authen}");
	mta_from = smfi_getsymval(ctx, "{mail_addr}");
	c->has_mta_from = mta_from != NULL;
	snprintf(c->mta_from, sizeof(c->mta_from), "%s",
		 mta_from ? mta_from : "");
	if ((smfi_getsymval(ctx, "{mail_mailer}") == NULL || mta_from == NULL) &&
	    atomic_exchange(&warned_macros, 1) == 0)
		log_msg(LOG_WARNING,
			"the MTA sent no {mail_mailer} or {mail_addr} at MAIL FROM; SMTP AUTH users may not be recognised and a sender that is not a plain <user@domain> never earns a relaymailfrom grant. Postfix: check milter_mail_macros; Sendmail: confMILTER_MACROS_ENVFROM");
	policy_mail(snapshot_tables(c->snap), &c->ss, from, mta_from, auth, &v);
	if (v.action != VERDICT_ACCEPT)
		log_decision("mail", c, NULL, NULL, &v);
	if (c->nr_mail)		/* the refusal is replayed at every RCPT */
		return SMFIS_NOREPLY;
	return answer(ctx, &v);
}

/* An accepted recipient of a client with a RELAYCLIENT value: remember
 * its rewrite, or refuse it (never accept a recipient unchanged that qmail
 * would have rewritten). */
static void
rcpt_rewrite(struct conn *c, const char *rcpt, const char *mta_rcpt,
	     struct verdict *v)
{
	char to[REWRITE_MAX];

	if (policy_rewrite(snapshot_tables(c->snap), &c->ss, rcpt, mta_rcpt,
			   v, to, sizeof(to)) != 1)
		return;
	if (!c->can_rewrite) {
		if (atomic_exchange(&warned_rewrite, 1) == 0)
			log_msg(LOG_WARNING, "the MTA did not let the milter change recipients (SMFIF_ADDRCPT, SMFIF_DELRCPT), so recipients of clients with a RELAYCLIENT value are tempfailed");
		verdict_tempfail(v, "the RELAYCLIENT value cannot be appended: the MTA did not let the milter change recipients on this connection");
	} else if (rewrite_add(c, rcpt, to) != 0) {
		verdict_tempfail(v, "out of memory");
	}
}

static sfsistat
qr_envrcpt(SMFICTX *ctx, char **argv)
{
	struct conn *c = smfi_getpriv(ctx);
	struct verdict v;
	const char *mta_rcpt;

	if (c == NULL || c->snap == NULL || retired(c))
		return SMFIS_TEMPFAIL;
	mta_rcpt = smfi_getsymval(ctx, "{rcpt_addr}");
	if (mta_rcpt == NULL && atomic_exchange(&warned_rcpt_macros, 1) == 0)
		log_msg(LOG_WARNING,
			"the MTA sent no {rcpt_addr} at RCPT TO; for clients that may not relay, only plain <user@domain> recipients can be judged and all others are refused. Postfix: check milter_rcpt_macros; Sendmail: confMILTER_MACROS_ENVRCPT");
	policy_rcpt(snapshot_tables(c->snap), &c->ss, argv[0], mta_rcpt, &v);
	if (c->ss.rc_value != NULL && v.action == VERDICT_ACCEPT)
		rcpt_rewrite(c, argv[0], mta_rcpt, &v);
	log_decision("rcpt", c, argv[0], mta_rcpt, &v);
	return answer(ctx, &v);
}

/* DATA decides nothing, but it is not negotiated away: with no DATA
 * stage, Postfix still sends the DATA macros as a packet that gets no
 * reply, and the next packet (end of message, from cleanup) then waits
 * ~40 ms on Nagle and the milter's delayed ACK - a single SMTP session
 * fell to ~22 messages/s.  Answering DATA keeps the exchange
 * request/reply (doc/performance.md).
 * Every recipient has been decided by now, so the answer is "accept this
 * message": the MTA then skips the end-of-message round trip, unless
 * recipients are to be rewritten (RELAYCLIENT values, qr_eom).  The next
 * transaction on the same connection is filtered again from MAIL on
 * (tests/mta/integration.sh checks that through Postfix and Sendmail). */
static sfsistat
qr_data(SMFICTX *ctx)
{
	struct conn *c = smfi_getpriv(ctx);

	/* recipients to rewrite: at end of message */
	return c != NULL && c->n_rw > 0 ? SMFIS_CONTINUE : SMFIS_ACCEPT;
}

/* End of message, only for a transaction with recipients to rewrite:
 * each is removed and its rewritten form added; if the MTA refuses any
 * change, the message is tempfailed. */
static sfsistat
qr_eom(SMFICTX *ctx)
{
	struct conn *c = smfi_getpriv(ctx);
	sfsistat r = SMFIS_CONTINUE;

	if (c == NULL)
		return SMFIS_TEMPFAIL;
	for (size_t i = 0; i < c->n_rw; i++) {
		char qf[(ADDR_MAX + 8) * 4 + 1], qt[REWRITE_MAX * 4 + 1];
		int ok = smfi_delrcpt(ctx, c->rw[i].from) == MI_SUCCESS &&
			smfi_addrcpt(ctx, c->rw[i].to) == MI_SUCCESS;

		log_msg(ok ? LOG_INFO : LOG_ERR,
			"rewrite client=%s rcpt=\"%s\" new=\"%s\" result=%s",
			c->ss.ip.family ? c->ss.ip.text : "unknown",
			esc(c->rw[i].from, qf, sizeof(qf)),
			esc(c->rw[i].to, qt, sizeof(qt)),
			ok ? "ok" : "failed; tempfail");
		if (!ok) {
			r = SMFIS_TEMPFAIL;
			break;
		}
	}
	rewrites_clear(c);
	return r;
}

static sfsistat
qr_abort(SMFICTX *ctx)
{
	struct conn *c = smfi_getpriv(ctx);

	if (c != NULL)
		rewrites_clear(c);
	return SMFIS_CONTINUE;
}

static sfsistat
qr_close(SMFICTX *ctx)
{
	struct conn *c = smfi_getpriv(ctx);

	if (c) {
		rbl_end(&c->rbl);
		snapshot_release(c->snap);
		rewrites_clear(c);
		free(c->rw);
		free(c);
		smfi_setpriv(ctx, NULL);
	}
	return SMFIS_CONTINUE;
}

struct smfiDesc qr_milter_desc = {
	.xxfi_name = "qrelay-milter",
	.xxfi_version = SMFI_VERSION,
	.xxfi_flags = SMFIF_SETSYMLIST | SMFIF_ADDRCPT | SMFIF_DELRCPT,
	.xxfi_connect = qr_connect,
	.xxfi_envfrom = qr_envfrom,
	.xxfi_envrcpt = qr_envrcpt,
	.xxfi_data = qr_data,
	.xxfi_eom = qr_eom,
	.xxfi_abort = qr_abort,
	.xxfi_close = qr_close,
	.xxfi_negotiate = qr_negotiate,
};
