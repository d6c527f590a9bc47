/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * addr.h - envelope addresses: the raw text of MAIL FROM / RCPT TO read
 * the way the MTA reads it, and how safely it can be judged.
 *
 * Postfix (tok822) and Sendmail (prescan) parse the envelope address as
 * RFC 5322 text: comments "( )" are dropped, a '<' inside a comment or a
 * quoted string does not count, and whatever sits inside the angle
 * brackets is the address they route.  qmail's own addrparse() instead
 * starts at the first '<'; reading the MTA's argument that way judges an
 * address the text merely mentions.  addr_parse() reads the text as the
 * MTAs do and says how the result may be used:
 *
 *   ADDR_PLAIN      "<local@domain>", "<local>" or "<>" with an RFC 5321
 *                   dot-string local part free of '%' and '!', and a
 *                   hostname or address-literal domain: every parser
 *                   reads it the same way, so it can be judged as is.
 *   ADDR_TOLERATED  readable, but parsers may differ (quoted strings,
 *                   backslash escapes, comments or blanks inside the
 *                   brackets, no brackets, a trailing dot, '%' or '!',
 *                   8-bit bytes): judge it only when the MTA's own parse
 *                   ({rcpt_addr} / {mail_addr}) agrees (addr_agree).
 *   ADDR_AMBIGUOUS  a comment, text or an angle bracket outside one
 *                   "<path>", a source route, an address list, a control
 *                   character or an unbalanced quote, comment or bracket:
 *                   never judged for a client that may not relay.
 *
 * The address itself is kept in internal form (quotes, escapes, comments,
 * blanks and the brackets removed), as qmail and Postfix keep it; its
 * domain is the part after the last '@'.
 */
#ifndef QR_ADDR_H
#define QR_ADDR_H

#include <stddef.h>
#include <stdint.h>

#define ADDR_MAX 900		/* qmail-smtpd: longer is "555 syntax error" */

enum addr_form { ADDR_PLAIN = 0, ADDR_TOLERATED, ADDR_AMBIGUOUS };

struct env_addr {
	char addr[ADDR_MAX + 1];	/* internal form */
	size_t len;
	const char *domain;	/* points into addr after the last '@', or NULL */
	size_t local_len;	/* bytes before the last '@' (len if no '@') */
	enum addr_form form;
	const char *why;	/* what made it TOLERATED or AMBIGUOUS (static) */
};

/* Read raw (the MTA's argument, e.g. "<a@b>"; NULL reads as "").
 * Returns 0, or -1 if the address is longer than ADDR_MAX. */
int addr_parse(struct env_addr *a, const char *raw);

/* Does the MTA's parse mta (its {rcpt_addr} or {mail_addr}, already
 * parsed with addr_parse) name the same address as a?  Case, quoting and
 * one trailing dot of the domain do not matter; an MTA address without a
 * domain (Sendmail's local mailer) agrees with a's local part, and a
 * without a domain agrees with an mta that only appended one (Postfix's
 * $myorigin).  1 yes, 0 no. */
int addr_agree(const struct env_addr *a, const struct env_addr *mta);

/* 1 if the local part contains '@', '%' or '!'. */
int addr_has_routing(const struct env_addr *a);

/* If s is exactly "[d.d.d.d]" (qmail's ip_scanbracket: decimal, leading
 * zeros allowed, each value taken mod 256) set *ip (host order), return 1. */
int addr_ipv4_literal(const char *s, uint32_t *ip);

#endif
