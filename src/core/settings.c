/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * settings.c - built-in defaults (see settings.h).
 */
#include "settings.h"

#include <stdio.h>
#include <string.h>

static void
set_reply(struct reply *r, const char *code, const char *xcode,
	  const char *text)
{
	snprintf(r->code, sizeof(r->code), "%s", code);
	snprintf(r->xcode, sizeof(r->xcode), "%s", xcode);
	snprintf(r->text, sizeof(r->text), "%s", text);
}

void
settings_defaults(struct settings *s)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->control_dir, sizeof(s->control_dir), "/var/qmail/control");
	s->reject_sender_routing = 1;
	s->auth_allows_relay = 1;
	set_reply(&s->reply_relay, "553", "5.7.1",
		  "sorry, that domain isn't in my list of allowed rcpthosts");
	set_reply(&s->reply_badmailfrom, "553", "5.7.1",
		  "sorry, your envelope sender is in my badmailfrom list");
	set_reply(&s->reply_routing, "553", "5.7.1",
		  "sorry, sender-specified routing is not allowed here");
	set_reply(&s->reply_ambiguous, "553", "5.7.1",
		  "sorry, that address is ambiguous; use a plain <user@domain>");
	set_reply(&s->reply_deny, "554", "5.7.1",
		  "sorry, your connection is not allowed here");
	set_reply(&s->reply_syntax, "555", "5.5.4", "syntax error");
	set_reply(&s->reply_ok, "250", "2.1.5", "ok");
	snprintf(s->pop_dir, sizeof(s->pop_dir), "/var/spool/relay-ctrl/allow");
	s->pop_expiry = -1;
	snprintf(s->mysql_user, sizeof(s->mysql_user), "qrelay");
	snprintf(s->mysql_table, sizeof(s->mysql_table), "relay");
	s->mysql_connect_timeout = 1;
	s->mysql_read_timeout = 1;
	s->mysql_pool = 4;
	s->mysql_retry_ms = 1000;
	snprintf(s->socket, sizeof(s->socket),
		 "unix:/run/qrelay-milter/qrelay-milter.sock");
	s->socket_mode = -1;
	s->dnsbl_timeout_ms = 5000;
	s->dnsbl_cache_ttl = 60;
	s->reload_interval_ms = 1000;
	s->stale_warn_ms = 60000;
	snprintf(s->status_file, sizeof(s->status_file),
		 "/run/qrelay-milter/status");
	/* libmilter closes a connection idle this long: longer than the
	 * MTA lets an SMTP client idle (Postfix: smtpd_timeout, 300 s), or a
	 * slow client's next command would be tempfailed */
	s->milter_timeout = 600;
	s->max_connections = 2000;
	s->max_session_time = 3600;
	snprintf(s->syslog_facility, sizeof(s->syslog_facility), "mail");
	snprintf(s->syslog_ident, sizeof(s->syslog_ident), "qrelay-milter");
}

void
settings_listener_defaults(const struct settings *s,
			   struct listener_policy *lp, const char *name)
{
	memset(lp, 0, sizeof(*lp));
	snprintf(lp->name, sizeof(lp->name), "%s", name);
	lp->dnsbl = 1;
	lp->pop = 1;
	lp->reply_relay = s->reply_relay;
	lp->reply_badmailfrom = s->reply_badmailfrom;
	lp->reply_routing = s->reply_routing;
	lp->reply_ambiguous = s->reply_ambiguous;
	lp->reply_deny = s->reply_deny;
}

const struct listener_policy *
settings_listener(const struct settings *s, const char *name)
{
	for (int i = 0; i < s->n_listeners; i++)
		if (strcmp(s->listener[i].name, name) == 0)
			return &s->listener[i];
	return NULL;
}
