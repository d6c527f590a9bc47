/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * lint_postfix.c - qrelayctl lint: Postfix, as postconf reads main.cf and
 * master.cf (postconf -x for the parameters, -P -x for each service's -o
 * overrides, -M for the services).
 *
 * Every smtpd service of master.cf is judged with its own values:
 *   - does Postfix itself let every client relay there?  Its relay and
 *     recipient restrictions are walked as smtpd walks them for a client
 *     that is nothing special (not in a narrow mynetworks, not logged
 *     in); "permit", a check_*_access table that answers OK for
 *     everyone (static:OK, a cidr 0.0.0.0/0, a regexp /./, or any entry
 *     that lets past what a client chooses: a sender, a HELO name, an
 *     MX host; lint_pftable.c reads and asks the tables), or
 *     permit_mynetworks with mynetworks covering every address (its
 *     files and tables included), before any reject_unauth_destination
 *     (or reject, defer...) in both lists, let it relay, and then the
 *     milter is the only relay guard; a grant broader than a /16 or a
 *     /32 in mynetworks or a client table is a relay-broad finding;
 *   - do its smtpd_milters reach this daemon's socket (a unix path seen
 *     from the chroot when the service is chrooted), and is
 *     receive_override_options free of no_milters?
 *   - does that milter fail closed (default_action, milter_default_action
 *     not accept), speak protocol 6, and which {daemon_name} does the
 *     service send (milter_macro_daemon_name, for listener sections)?
 * Findings name the master.cf line of the service, or the main.cf (or
 * master.cf -o) line that sets the parameter.
 */
#include "config.h"
#include "lint_postfix.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Does an access table answer OK for every key: static:OK (or PERMIT, a
 * number)? */
static int
static_ok(const char *t)
{
	char v[64];
	size_t n;

	if (strncmp(t, "static:", 7) != 0)
		return 0;
	t += 7;
	t += strspn(t, "{ \t");
	n = strcspn(t, "} \t");
	if (n == 0 || n >= sizeof(v))
		return 0;
	memcpy(v, t, n);
	v[n] = '\0';
	if (strspn(v, "0123456789") == n)
		return 1;
	for (char *c = v; *c; c++)
		if (*c >= 'a' && *c <= 'z')
			*c = (char)(*c - 'a' + 'A');
	return strcmp(v, "OK") == 0 || strcmp(v, "PERMIT") == 0;
}

/* A network a relay grant names (a mynetworks pattern, the key of an
 * access table entry that lets the client past): 2 it is every address,
 * 1 it is broader than a /16 (IPv4) or a /32 (IPv6) (a relay-broad
 * finding made; 127.0.0.0/8 is only this host), 0 neither or not a
 * network. */
static int
grant_net(struct pf *p, const char *net, const char *file, unsigned line,
	  const char *what)
{
	int v6, bits = lint_pft_net(net, &v6);

	if (bits < 0)
		return 0;
	if (bits == 0)
		return 2;
	if (!v6 && strncmp(net, "127.", 4) == 0 && bits >= 8)
		return 0;	/* loopback: no remote client */
	if (bits >= (v6 ? 32 : 16))
		return 0;
	lint_add(p->l, "relay-broad", file, line,
		 "%s has \"%s\", more than a /16 of IPv4 or a /32 of IPv6, and lets it relay",
		 what, net);
	return 1;
}

enum { R_PASS, R_REJECT, R_PERMIT };

static int walk(struct pf *p, const struct pf_svc *s, const char *list,
		int depth, char *why, size_t len);

/* Is w one of the list's words? */
static int
is_word(const char *list, const char *w)
{
	struct pf_words ws;
	int found = 0;

	lint_pf_words(list, &ws);
	for (int i = 0; i < ws.n && !found; i++)
		found = strcmp(ws.w[i], w) == 0;
	free(ws.w);
	return found;
}

/* Does a table's answer let the client past: OK, a number, permit, or a
 * restriction class (smtpd_restriction_classes) that does? */
static int
answer_permits(struct pf *p, const struct pf_svc *s, const char *value,
	       int depth)
{
	char w[128], why[300];
	size_t n;

	if (lint_pft_action_permits(value))
		return 1;
	value += strspn(value, " \t,");
	n = strcspn(value, " \t,");
	if (n == 0 || n >= sizeof(w) || depth >= 4)
		return 0;
	memcpy(w, value, n);
	w[n] = '\0';
	return is_word(lint_pf_main(p, "smtpd_restriction_classes"), w) &&
		walk(p, s, lint_pf_main(p, w), depth + 1, why, sizeof(why)) ==
		R_PERMIT;
}

struct grants {
	struct pf *p;
	const struct pf_svc *s;
	int depth;		/* of the restriction list that names it */
	const char *what;	/* "mynetworks", "check_client_access cidr:..." */
	int keys_only;		/* mynetworks: the value does not matter */
	int all;		/* an entry covers every address */
	char first[300];	/* the entry that covers every address, or
				 * the first that lets a client past */
};

static void
grant_entry(void *arg, const char *key, const char *value, const char *file,
	    unsigned line)
{
	struct grants *g = arg;
	int all;

	if (!g->keys_only && !answer_permits(g->p, g->s, value, g->depth))
		return;
	all = grant_net(g->p, key, file, line, g->what) == 2;
	if (g->first[0] == '\0' || (all && !g->all)) {	/* name it */
		char at[16] = "";

		if (line)
			snprintf(at, sizeof(at), ":%u", line);
		snprintf(g->first, sizeof(g->first), "%.200s%s: \"%s%s%.40s\"",
			 file, at, key, value[0] ? " " : "", value);
	}
	g->all |= all;
}

/* mynetworks as the service sees it: 1 it covers every address (a
 * pattern, or an entry of a file or table it names), else 0; a broad
 * pattern is a relay-broad finding. */
static int
mynetworks(struct pf *p, const struct pf_svc *s)
{
	struct pf_words ws;
	struct grants g = { p, s, 0, "mynetworks", 1, 0, "" };
	const char *file;
	unsigned line = lint_pf_where(p, s, "mynetworks", &file);
	char err[1200];

	lint_pf_words(lint_pf_value(p, s, "mynetworks"), &ws);
	for (int i = 0; i < ws.n; i++) {
		const char *t = ws.w[i];

		if (t[0] == '/' || (t[0] != '[' && strchr(t, ':') &&
				    lint_pft_net(t, &(int){ 0 }) < 0)) {
			if (lint_pft_entries(p, t, grant_entry, &g, err,
					     sizeof(err)) != 0)
				lint_note(p->l, "mynetworks: %s not read: %s", t, err);
		} else if (grant_net(p, t, file, line, "mynetworks") == 2) {
			g.all = 1;
		}
	}
	free(ws.w);
	return g.all;
}

/* why = the reason, cut to len (a reason is read, not parsed). */
static void __attribute__((format(printf, 3, 4)))
say(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
}

/* Does check_X_access TABLE let every client past: 1 (why says how),
 * else 0.  A table answers for what the client says or its DNS shows
 * (a sender, a HELO name, an unverified or its own domain's MX or NS
 * host): an entry that lets anyone naming it past lets everyone.  Else,
 * Postfix itself is asked for keys nobody lists (two addresses of each
 * family, two mail addresses, two domains); a table that lets all of
 * one kind past lets everyone; an address entry broader than a /16 or
 * a /32 that lets clients past is a relay-broad finding. */
static int
access_permits(struct pf *p, const struct pf_svc *s, int depth,
	       const char *check, const char *table, char *why, size_t len)
{
	static const char *const probes[4][2] = {
		{ "198.51.100.77", "203.0.113.199" },
		{ "2001:db8:77::77", "3fff:77::77" },
		{ "probe-q7@probe-q7.invalid", "nobody-z3@other-z3.test" },
		{ "probe-q7.invalid", "other-z3.test" },
	};
	int forgeable = strncmp(check, "check_sender_", 13) == 0 ||
		strncmp(check, "check_helo_", 11) == 0 ||
		strncmp(check, "check_reverse_client_", 21) == 0 ||
		strstr(check, "_mx_access") || strstr(check, "_ns_access");
	struct grants g = { p, s, depth, "", 0, 0, "" };
	char what[300], err[1200], answer[300];
	int k;

	if (static_ok(table)) {
		say(why, len, "%s %s", check, table);
		return 1;
	}
	snprintf(what, sizeof(what), "%s %s", check, table);
	g.what = what;
	k = lint_pft_entries(p, table, grant_entry, &g, err, sizeof(err));
	if (k == -2) {
		lint_note(p->l, "%s: not read: %s", what, err);
		return 0;
	}
	if (k != 0)
		lint_note(p->l, "%s: entries not read (%s); asked Postfix instead",
			  what, err);
	if (forgeable && g.first[0]) {
		say(why, len, "%s: %s lets past whoever names it, and a client names what it likes",
			 what, g.first);
		return 1;
	}
	if (g.all) {
		say(why, len, "%s: %s covers every address", what, g.first);
		return 1;
	}
	for (k = 0; k < 4; k++) {
		int r = 1;

		for (int j = 0; j < 2 && r == 1; j++) {
			r = lint_pft_query(p, table, probes[k][j], answer,
					   sizeof(answer), err, sizeof(err));
			if (r == 1 && !answer_permits(p, s, answer, depth))
				r = 0;
		}
		if (r == 1) {
			say(why, len, "%s lets \"%s\" and \"%s\" past, keys nobody lists (it answers \"%s\")",
			    what, probes[k][0], probes[k][1], answer);
			return 1;
		}
		if (r < 0) {
			lint_note(p->l, "%s: Postfix cannot look it up (%s); smtpd defers there",
				  what, err);
			break;
		}
	}
	return 0;
}


/* Walk a restriction list as smtpd does for a client that is nothing
 * special: R_REJECT at the first restriction that refuses relaying to
 * such a client, R_PERMIT at the first that lets everyone past (why says
 * which), else R_PASS. */
static int
walk(struct pf *p, const struct pf_svc *s, const char *list, int depth,
     char *why, size_t len)
{
	static const char *const rejects[] = {
		"reject_unauth_destination", "defer_unauth_destination",
		"reject", "defer", "defer_if_permit", "check_relay_domains",
		NULL
	};
	static const char *const with_arg[] = {
		"check_policy_service", "reject_rbl_client",
		"reject_rhsbl_client", "reject_rhsbl_sender",
		"reject_rhsbl_helo", "reject_rhsbl_recipient",
		"reject_rhsbl_reverse_client", "permit_dnswl_client",
		"permit_rhswl_client", "sleep", NULL
	};
	struct pf_words ws;
	int res = R_PASS;

	lint_pf_words(list, &ws);
	for (int i = 0; i < ws.n && res == R_PASS; i++) {
		const char *t = ws.w[i], *classes;
		size_t tl = strlen(t);
		int k;

		for (k = 0; rejects[k] && strcmp(t, rejects[k]) != 0; k++)
			;
		if (rejects[k]) {
			res = R_REJECT;
		} else if (strcmp(t, "permit") == 0) {
			snprintf(why, len, "permit");
			res = R_PERMIT;
		} else if (strcmp(t, "permit_mynetworks") == 0) {
			if (mynetworks(p, s)) {
				snprintf(why, len, "permit_mynetworks, and mynetworks covers every address");
				res = R_PERMIT;
			}
		} else if (strcmp(t, "warn_if_reject") == 0) {
			i++;	/* the next one only warns */
		} else if (strncmp(t, "check_", 6) == 0 && tl > 7 &&
			   strcmp(t + tl - 7, "_access") == 0) {
			if (i + 1 < ws.n && strcmp(t, "check_sasl_access") != 0 &&
			    strcmp(t, "check_ccert_access") != 0 &&
			    access_permits(p, s, depth, t, ws.w[i + 1], why, len))
				res = R_PERMIT;
			i++;	/* its table */
		} else {
			for (k = 0; with_arg[k] && strcmp(t, with_arg[k]); k++)
				;
			if (with_arg[k]) {
				i++;
				continue;
			}
			/* a restriction class of smtpd_restriction_classes */
			classes = lint_pf_main(p, "smtpd_restriction_classes");
			if (depth < 4 && is_word(classes, t))
				res = walk(p, s, lint_pf_main(p, t), depth + 1,
					   why, len);
		}
	}
	free(ws.w);
	return res;
}

/* Does Postfix itself let every client relay through the service?  1
 * (why says how), 0. */
static int
relay_open(struct pf *p, const struct pf_svc *s, char *why, size_t len)
{
	char w1[300] = "", w2[300] = "";
	int r1 = walk(p, s, lint_pf_value(p, s, "smtpd_relay_restrictions"), 0, w1,
		      sizeof(w1));
	int r2 = r1 == R_REJECT ? R_REJECT :
		walk(p, s, lint_pf_value(p, s, "smtpd_recipient_restrictions"), 0, w2,
		     sizeof(w2));

	if (r2 == R_REJECT)
		return 0;
	snprintf(why, len, "smtpd_relay_restrictions %s%s%s, smtpd_recipient_restrictions %s%s%s",
		 r1 == R_PERMIT ? "lets every client past (" :
		 "has no reject_unauth_destination", w1,
		 r1 == R_PERMIT ? ")" : "",
		 r2 == R_PERMIT ? "lets every client past (" :
		 "has no reject_unauth_destination", w2,
		 r2 == R_PERMIT ? ")" : "");
	return 1;
}

/* The service's milter that reaches the daemon, with its own settings:
 * 1 found (spec, default_action and protocol filled; "" unset; *after:
 * how many milters follow it), 0. */
static int
our_milter(struct pf *p, const struct pf_svc *s, char *spec, size_t slen,
	   char *action, char *protocol, size_t vlen, int *after)
{
	struct pf_words ws;
	char chroot_dir[1100];
	int found = 0;

	snprintf(chroot_dir, sizeof(chroot_dir), "%s",
		 s->chroot ? lint_pf_main(p, "queue_directory") : "");
	lint_pf_words(lint_pf_value(p, s, "smtpd_milters"), &ws);
	for (int i = 0; i < ws.n && !found; i++) {
		char *item = ws.w[i], *save = NULL, *a;
		struct lint_sock m;

		action[0] = protocol[0] = '\0';
		if (item[0] == '{') {	/* { spec, name = value, ... } */
			item[strcspn(item, "}")] = '\0';
			item++;
		}
		a = strtok_r(item, ",", &save);
		if (a == NULL)
			continue;
		a += strspn(a, " \t");
		a[strcspn(a, " \t")] = '\0';
		snprintf(spec, slen, "%s", a);
		while ((a = strtok_r(NULL, ",", &save)) != NULL) {
			char *eq = strchr(a, '='), *v;

			if (eq == NULL)
				continue;
			*eq = '\0';
			v = eq + 1 + strspn(eq + 1, " \t");
			v[strcspn(v, " \t")] = '\0';
			a += strspn(a, " \t");
			a[strcspn(a, " \t")] = '\0';
			if (strcmp(a, "default_action") == 0)
				snprintf(action, vlen, "%s", v);
			else if (strcmp(a, "protocol") == 0)
				snprintf(protocol, vlen, "%s", v);
		}
		found = lint_sock_postfix(spec, chroot_dir[0] ? chroot_dir : NULL,
					  &m) == 0 && lint_sock_same(&p->daemon, &m);
		*after = ws.n - i - 1;
	}
	free(ws.w);
	return found;
}

static void
judge(struct pf *p, const struct pf_svc *s)
{
	char spec[1024], action[64], protocol[64], why[800];
	const char *file, *v;
	int open = relay_open(p, s, why, sizeof(why));
	int after = 0, has = our_milter(p, s, spec, sizeof(spec), action,
					protocol, sizeof(action), &after);
	int off = strstr(lint_pf_value(p, s, "receive_override_options"),
			 "no_milters") != NULL;
	unsigned line;

	if (!has || off) {
		const char *how = off ? "receive_override_options has no_milters" :
			"its smtpd_milters do not reach it";

		if (open)
			lint_add(p->l, "postfix-open-relay", p->mastercf, s->line,
				 "service %s/%s: Postfix itself lets every client relay (%s), and the milter at %s is not asked (%s): an open relay",
				 s->name, s->type, why, p->l->s.socket, how);
		else if (off)
			lint_add(p->l, "postfix-milter-disabled", p->mastercf,
				 s->line, "service %s/%s: %s; Postfix's own restrictions decide relaying there (a content filter's re-injection?)",
				 s->name, s->type, how);
		else
			lint_add(p->l, "postfix-no-milter", p->mastercf, s->line,
				 "service %s/%s: the milter at %s is not asked (%s); Postfix's own restrictions decide relaying there, so qmail's relay clients and badmailfrom do not apply",
				 s->name, s->type, p->l->s.socket, how);
		return;
	}
	p->any_reach = 1;
	if (after > 0 && p->l->rc_value[0]) {
		line = lint_pf_where(p, s, "smtpd_milters", &file);
		lint_add(p->l, "milter-not-last", file, line,
			 "service %s/%s: %d milter%s after qrelay-milter in smtpd_milters, and the tables hold RELAYCLIENT values (%s): a later milter sees recipients qrelay-milter rewrites at end of message; put it last",
			 s->name, s->type, after, after == 1 ? "" : "s",
			 p->l->rc_value);
	}
	if (action[0] == '\0') {
		snprintf(action, sizeof(action), "%s",
			 lint_pf_value(p, s, "milter_default_action"));
		line = lint_pf_where(p, s, "milter_default_action", &file);
		v = "milter_default_action";
	} else {
		line = lint_pf_where(p, s, "smtpd_milters", &file);
		v = "the milter's default_action";
	}
	if (strcmp(action, "accept") == 0)
		lint_add(p->l, "postfix-fail-open", file, line,
			 "%s = accept: while the milter is down or slow, Postfix accepts without it%s",
			 v, open ? ", and its own restrictions let every client relay: an open relay" : "");
	if (protocol[0] == '\0') {
		snprintf(protocol, sizeof(protocol), "%s",
			 lint_pf_value(p, s, "milter_protocol"));
		line = lint_pf_where(p, s, "milter_protocol", &file);
	} else {
		line = lint_pf_where(p, s, "smtpd_milters", &file);
	}
	if (atoi(protocol) < 6)
		lint_add(p->l, "postfix-milter-protocol", file, line,
			 "milter protocol %s: the daemon asks for its macros ({auth_authen}, {rcpt_addr}...) and skips replies to MAIL FROM with protocol 6; without, SMTP AUTH users may not be recognised and strangers' recipients must be plain <user@domain>",
			 protocol);
	v = lint_pf_value(p, s, "milter_macro_daemon_name");
	if ((p->n_names & 15) == 0) {
		char (*nn)[64] = realloc(p->names, (p->n_names + 16) *
					 sizeof(*nn));

		if (nn == NULL) {
			fprintf(stderr, "qrelayctl: lint: out of memory\n");
			exit(111);
		}
		p->names = nn;
	}
	snprintf(p->names[p->n_names++], sizeof(p->names[0]), "%.63s", v);
}

void
lint_postfix(struct lint *l, const char *dir)
{
	struct pf *p = calloc(1, sizeof(*p));
	size_t smtpd = 0;

	if (p == NULL) {
		fprintf(stderr, "qrelayctl: lint: out of memory\n");
		exit(111);
	}
	p->l = l;
	if (lint_sock_milter(l->s.socket, &p->daemon) != 0) {
		lint_add(l, "audit-failed", l->config ? l->config : "(socket)",
			 lint_conf_line(l, "socket", NULL),
			 "socket \"%s\": not a milter socket name; cannot tell whether Postfix reaches the daemon",
			 l->s.socket);
		lint_pf_free(p);
		return;
	}
	if (lint_pf_read(p, dir) != 0) {
		lint_pf_free(p);
		return;
	}
	lint_note(l, "Postfix: %s", p->dir);
	for (size_t i = 0; i < p->n_svc; i++) {
		if (p->svc[i].smtpd) {
			smtpd++;
			judge(p, &p->svc[i]);
		}
	}
	if (smtpd == 0)
		lint_note(l, "Postfix: master.cf has no smtpd service: nothing takes mail by SMTP");
	for (int i = 0; p->any_reach && i < l->s.n_listeners; i++) {
		size_t k = 0;

		while (k < p->n_names &&
		       strcmp(p->names[k], l->s.listener[i].name) != 0)
			k++;
		if (k == p->n_names)
			lint_add(l, "listener-unmatched",
				 l->config ? l->config : "(configuration)",
				 lint_conf_line(l, "listener", l->s.listener[i].name),
				 "listener \"%s\": no Postfix smtpd service that reaches the daemon sends it as {daemon_name} (milter_macro_daemon_name), so its policy never applies",
				 l->s.listener[i].name);
	}
	lint_pf_free(p);
}
