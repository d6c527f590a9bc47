/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * addr.c - envelope addresses read as Postfix and Sendmail read them, and
 * classified by how safely they can be judged (see addr.h).
 */
#include "config.h"
#include "addr.h"
#include "ascii.h"

#include <string.h>

static int
is_alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		(c >= '0' && c <= '9');
}

/* RFC 5321 atext without '%' and '!' (sender-specified routing). */
static int
plain_atext(unsigned char c)
{
	switch (c) {
	case '#': case '$': case '&': case '\'': case '*': case '+':
	case '-': case '/': case '=': case '?': case '^': case '_':
	case '`': case '{': case '|': case '}': case '~':
		return 1;
	default:
		return is_alnum(c);
	}
}

static int
host_char(unsigned char c)
{
	return is_alnum(c) || c == '-' || c == '_';
}

/* Exactly "<>", "<dot-string>" or "<dot-string@domain>", where domain is
 * dot-separated labels (no trailing dot) or an address literal. */
static int
is_plain(const char *s, size_t n)
{
	size_t i, start;

	if (n < 2 || s[0] != '<' || s[n - 1] != '>')
		return 0;
	s++;
	n -= 2;
	if (n == 0)
		return 1;
	for (i = 0;; i++) {		/* local part: atom *("." atom) */
		for (start = i; i < n && plain_atext((unsigned char)s[i]); i++)
			;
		if (i == start)
			return 0;
		if (i == n || s[i] != '.')
			break;
	}
	if (i == n)
		return 1;
	if (s[i++] != '@')
		return 0;
	if (i < n && s[i] == '[') {	/* address literal */
		for (start = ++i; i < n && (host_char((unsigned char)s[i]) ||
					    s[i] == '.' || s[i] == ':'); i++)
			;
		return i > start && i + 1 == n && s[i] == ']';
	}
	for (;; i++) {			/* label *("." label) */
		for (start = i; i < n && host_char((unsigned char)s[i]); i++)
			;
		if (i == start)
			return 0;
		if (i == n || s[i] != '.')
			return i == n;
	}
}

/* The worse form wins, with the first reason given for it. */
static void
mark(struct env_addr *a, enum addr_form f, const char *why)
{
	if (f > a->form) {
		a->form = f;
		a->why = why;
	}
}

struct scan {
	struct env_addr *a;
	size_t o;		/* bytes written to a->addr */
	int angle;		/* 0 before '<', 1 inside, 2 after '>' */
	int text_before;	/* address text seen before a '<' */
	int overflow;
};

static int
is_ctl(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

/* One byte of the address; outside the brackets it is noted (before) or
 * dropped (after), as the MTAs keep only what is inside. */
static void
emit(struct scan *sc, unsigned char c)
{
	if (sc->angle == 2) {
		mark(sc->a, ADDR_AMBIGUOUS, "text after the <path>");
		return;
	}
	if (sc->angle == 0)
		sc->text_before = 1;
	if (is_ctl(c))
		mark(sc->a, ADDR_AMBIGUOUS, "control character");
	else if (c >= 0x80)
		mark(sc->a, ADDR_TOLERATED, "8-bit byte");
	if (sc->o >= ADDR_MAX) {
		sc->overflow = 1;
		return;
	}
	sc->a->addr[sc->o++] = (char)c;
}

/* Skip a comment starting at *p == '('; returns the pointer to its last
 * byte (the closing ')', or the last byte of an unterminated one). */
static const char *
skip_comment(struct scan *sc, const char *p)
{
	int depth = 0;

	for (; *p; p++) {
		if (*p == '\\' && p[1])
			p++;
		else if (*p == '(')
			depth++;
		else if (*p == ')' && --depth == 0)
			break;
	}
	if (depth) {
		mark(sc->a, ADDR_AMBIGUOUS, "unterminated comment");
		p--;
	}
	if (sc->angle == 1)
		mark(sc->a, ADDR_TOLERATED, "comment");
	else
		mark(sc->a, ADDR_AMBIGUOUS, "comment outside the <path>");
	return p;
}

/* A quoted string starting at *p == '"'; returns its last byte. */
static const char *
quoted(struct scan *sc, const char *p)
{
	for (p++; *p && *p != '"'; p++) {
		if (*p == '\\' && p[1])
			p++;
		if (*p == '<' || *p == '>' || *p == '(' || *p == ')')
			mark(sc->a, ADDR_AMBIGUOUS,
			     "angle bracket or parenthesis in a quoted string");
		emit(sc, (unsigned char)*p);
	}
	if (*p == '\0') {
		mark(sc->a, ADDR_AMBIGUOUS, "unterminated quoted string");
		p--;
	}
	mark(sc->a, ADDR_TOLERATED, "quoted string");
	return p;
}

/* A domain literal starting at *p == '['; returns its last byte. */
static const char *
literal(struct scan *sc, const char *p)
{
	if (sc->o == 0 || sc->a->addr[sc->o - 1] != '@')
		mark(sc->a, ADDR_AMBIGUOUS, "'[' outside a domain literal");
	emit(sc, '[');
	for (p++; *p && *p != ']'; p++) {
		if (*p == '\\' && p[1]) {
			p++;
			mark(sc->a, ADDR_TOLERATED, "backslash escape");
		}
		if (!host_char((unsigned char)*p) && *p != '.' && *p != ':')
			mark(sc->a, ADDR_AMBIGUOUS, "unusual domain literal");
		emit(sc, (unsigned char)*p);
	}
	if (*p == '\0') {
		mark(sc->a, ADDR_AMBIGUOUS, "unterminated domain literal");
		return p - 1;
	}
	emit(sc, ']');
	return p;
}

/* Bytes that make the text ambiguous wherever they stand (outside a
 * comment, a quoted string and a domain literal). */
static const struct {
	char c;
	const char *why;
} ambiguous_bytes[] = {
	{ ')', "unbalanced ')'" }, { ']', "unbalanced ']'" },
	{ ',', "address list" }, { ';', "address list" },
	{ ':', "source route or group" },
};

static const char *
ambiguous_byte(unsigned char c)
{
	for (size_t i = 0; i < sizeof(ambiguous_bytes) / sizeof(ambiguous_bytes[0]); i++)
		if ((unsigned char)ambiguous_bytes[i].c == c)
			return ambiguous_bytes[i].why;
	return NULL;
}

static void
scan(struct scan *sc, const char *p)
{
	int route = 0;		/* inside "@a,@b:" */
	const char *why;

	for (; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (route && c != '>') {	/* dropped, as the MTAs do */
			if (c == ':')
				route = 0;
			continue;
		}
		if ((why = ambiguous_byte(c)) != NULL) {
			mark(sc->a, ADDR_AMBIGUOUS, why);
			continue;
		}
		switch (c) {
		case '(':
			p = skip_comment(sc, p);
			break;
		case '[':
			p = literal(sc, p);
			break;
		case '"':
			p = quoted(sc, p);
			break;
		case '\\':
			if (p[1] == '\0') {
				mark(sc->a, ADDR_AMBIGUOUS, "backslash at the end");
				break;
			}
			mark(sc->a, ADDR_TOLERATED, "backslash escape");
			emit(sc, (unsigned char)*++p);
			break;
		case '<':
			if (sc->angle != 0) {
				mark(sc->a, ADDR_AMBIGUOUS, "more than one '<'");
				break;
			}
			if (sc->text_before)
				mark(sc->a, ADDR_AMBIGUOUS,
				     "text before the <path>");
			sc->angle = 1;
			sc->o = 0;	/* the MTAs take what is inside */
			break;
		case '>':
			if (sc->angle != 1)
				mark(sc->a, ADDR_AMBIGUOUS, "'>' without '<'");
			else
				sc->angle = 2;
			break;
		case ' ':
			mark(sc->a, sc->angle == 1 ? ADDR_TOLERATED :
			     ADDR_AMBIGUOUS, sc->angle == 1 ?
			     "blank in the <path>" : "blank outside the <path>");
			break;
		case '@':
			if (sc->o == 0 && sc->angle != 2) {
				mark(sc->a, ADDR_AMBIGUOUS, "source route");
				route = 1;
				break;
			}
			emit(sc, c);
			break;
		case '%':
		case '!':
			mark(sc->a, ADDR_TOLERATED, "'%' or '!'");
			emit(sc, c);
			break;
		default:
			emit(sc, c);
			break;
		}
	}
	if (sc->angle == 1)
		mark(sc->a, ADDR_AMBIGUOUS, "'<' without '>'");
	else if (sc->angle == 0)
		mark(sc->a, ADDR_TOLERATED, "no angle brackets");
	if (route)
		sc->o = 0;	/* "<@host>": no address at all */
}

/* Nothing the scan saw made it TOLERATED, yet it is not plain: say why. */
static const char *
why_not_plain(const struct env_addr *a)
{
	const char *at = memchr(a->addr, '@', a->len);

	if (at && at != a->domain - 1)
		return "more than one '@'";
	if (at == a->addr)
		return "empty local part";
	if (a->domain && a->domain[0] == '\0')
		return "empty domain";
	if (a->domain && a->domain[strlen(a->domain) - 1] == '.')
		return "trailing dot";
	if (strstr(a->addr, "..") || (a->domain && a->domain[0] == '.') ||
	    a->addr[0] == '.' || (at && at[-1] == '.'))
		return "empty label";
	return "not a plain <local@domain>";
}

int
addr_parse(struct env_addr *a, const char *raw)
{
	size_t n;
	char *at;
	int plain;

	if (raw == NULL)
		raw = "";
	n = strlen(raw);
	a->form = ADDR_PLAIN;
	a->why = NULL;
	plain = is_plain(raw, n);
	if (plain) {
		if (n - 2 > ADDR_MAX)
			return -1;
		memcpy(a->addr, raw + 1, n - 2);
		a->len = n - 2;
	} else {
		struct scan sc = { .a = a };

		scan(&sc, raw);
		if (sc.overflow)
			return -1;
		a->len = sc.o;
	}
	a->addr[a->len] = '\0';
	at = memrchr(a->addr, '@', a->len);
	a->domain = at ? at + 1 : NULL;
	a->local_len = at ? (size_t)(at - a->addr) : a->len;
	if (a->form == ADDR_PLAIN && !plain)
		mark(a, ADDR_TOLERATED, why_not_plain(a));
	return 0;
}

static int
same(const char *x, size_t xl, const char *y, size_t yl)
{
	return xl == yl && ascii_equal(x, y, xl);
}

/* Length of a domain without one trailing dot. */
static size_t
domain_len(const char *d)
{
	size_t n = strlen(d);

	return n > 0 && d[n - 1] == '.' ? n - 1 : n;
}

int
addr_agree(const struct env_addr *a, const struct env_addr *mta)
{
	if (mta->form == ADDR_AMBIGUOUS ||
	    !same(a->addr, a->local_len, mta->addr, mta->local_len))
		return 0;
	if (a->domain == NULL || mta->domain == NULL)
		return 1;
	return same(a->domain, domain_len(a->domain), mta->domain,
		    domain_len(mta->domain));
}

int
addr_has_routing(const struct env_addr *a)
{
	for (size_t i = 0; i < a->local_len; i++) {
		char c = a->addr[i];

		if (c == '@' || c == '%' || c == '!')
			return 1;
	}
	return 0;
}

int
addr_ipv4_literal(const char *s, uint32_t *ip)
{
	uint32_t r = 0;

	if (*s++ != '[')
		return 0;
	for (int part = 0; part < 4; part++) {
		unsigned long v = 0;
		int digits = 0;

		while (*s >= '0' && *s <= '9') {
			v = v * 10 + (unsigned long)(*s++ - '0');
			digits++;
		}
		if (digits == 0)
			return 0;
		r = (r << 8) | (unsigned char)v;
		if (part < 3 && *s++ != '.')
			return 0;
	}
	if (s[0] != ']' || s[1] != '\0')
		return 0;
	*ip = r;
	return 1;
}
