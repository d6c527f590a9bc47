/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rewrite.c - append a RELAYCLIENT value to a recipient (see rewrite.h).
 */
#include "config.h"
#include "rewrite.h"
#include "addr.h"

#include <stdio.h>
#include <string.h>

#define VALUE_MAX 255

/* RFC 5322 atext, and '.' between atoms */
static int
is_atext(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		(c >= '0' && c <= '9') || (c && strchr("!#$%&'*+-/=?^_`{|}~", c));
}

static int
is_dot_atom(const char *s, size_t n)
{
	if (n == 0 || s[0] == '.' || s[n - 1] == '.')
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '.' ? s[i + 1] == '.' : !is_atext((unsigned char)s[i]))
			return 0;
	}
	return 1;
}

/* a host name (letters, digits, '-', '.', '_') or an address literal */
static int
is_domain(const char *s, size_t n)
{
	if (n == 0)
		return 0;
	if (s[0] == '[') {
		if (n < 3 || s[n - 1] != ']')
			return 0;
		for (size_t i = 1; i + 1 < n; i++)
			if (s[i] <= ' ' || s[i] >= 0x7f || strchr("[]\\", s[i]))
				return 0;
		return 1;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_'))
			return 0;
	}
	return 1;
}

int
rewrite_rcpt(const struct tables *t, const char *rcpt, const char *mta_rcpt,
	     const char *value, size_t vlen, char *out, size_t outlen,
	     const char **why)
{
	char n[ADDR_MAX + 1 + 256 + VALUE_MAX + 1];
	struct env_addr a, m;
	size_t nlen, at, o = 0;
	uint32_t lit;

	*why = NULL;
	if (vlen > VALUE_MAX) {
		*why = "the RELAYCLIENT value is longer than 255 bytes";
		return -1;
	}
	if (addr_parse(&a, rcpt) != 0) {
		*why = "the recipient is too long";
		return -2;
	}
	if (a.len == 0) {
		*why = "the recipient is empty";
		return -2;
	}
	if (a.form == ADDR_AMBIGUOUS) {
		*why = "the recipient is ambiguous: which address the value would be appended to is unclear";
		return -2;
	}
	if (a.form != ADDR_PLAIN &&
	    (mta_rcpt == NULL || addr_parse(&m, mta_rcpt) != 0 ||
	     !addr_agree(&a, &m))) {
		*why = "the recipient is not a plain <local@domain> and the MTA's own reading of it ({rcpt_addr}) is missing or differs";
		return -2;
	}
	/* qmail's addrparse: "a@[ip]" of this host becomes a@localiphost */
	memcpy(n, a.addr, a.len);
	nlen = a.len;
	if (a.domain && addr_ipv4_literal(a.domain, &lit) && t->localiphost[0]) {
		for (int i = 0; i < t->n_local_v4; i++) {
			if (t->local_v4[i] == lit) {
				size_t ll = strlen(t->localiphost);

				nlen = (size_t)(a.domain - a.addr);
				memcpy(n + nlen, t->localiphost, ll);
				nlen += ll;
				break;
			}
		}
	}
	memcpy(n + nlen, value, vlen);
	nlen += vlen;
	n[nlen] = '\0';
	for (size_t i = 0; i < nlen; i++) {
		if ((unsigned char)n[i] < 0x20 || n[i] == 0x7f) {
			*why = "the rewritten recipient would contain a control character";
			return -1;
		}
	}
	/* the domain is what follows the last '@' */
	for (at = nlen; at > 0 && n[at - 1] != '@'; at--)
		;
	if (at > 0 && !is_domain(n + at, nlen - at)) {
		*why = "the rewritten recipient would have no valid domain";
		return -1;
	}
	if (outlen < 2 * nlen + 8) {
		*why = "the rewritten recipient is too long";
		return -1;
	}
	out[o++] = '<';
	{
		size_t local = at > 0 ? at - 1 : nlen;

		if (is_dot_atom(n, local)) {
			memcpy(out + o, n, local);
			o += local;
		} else {
			out[o++] = '"';
			for (size_t i = 0; i < local; i++) {
				if (n[i] == '"' || n[i] == '\\')
					out[o++] = '\\';
				out[o++] = n[i];
			}
			out[o++] = '"';
		}
		if (at > 0) {
			memcpy(out + o, n + local, nlen - local);
			o += nlen - local;
		}
	}
	out[o++] = '>';
	out[o] = '\0';
	/* what the MTA gets must read back as exactly this address, for
	 * every parser: a quoted local part with brackets or parentheses,
	 * for one, does not (addr.h) */
	if (addr_parse(&a, out) != 0 || a.form == ADDR_AMBIGUOUS ||
	    a.len != nlen || memcmp(a.addr, n, nlen) != 0) {
		*why = "the rewritten recipient would be ambiguous";
		return -2;
	}
	return 0;
}
