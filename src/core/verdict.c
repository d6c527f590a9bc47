/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * verdict.c - building and formatting decision outcomes (see verdict.h).
 */
#include "verdict.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const struct reply tempfail_reply = {
	"451", "4.3.0", "temporary failure in relay check, try again later"
};

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int
is_xcode(const char *s, size_t n, char want)
{
	/* class.subject.detail: digit '.' 1-3 digits '.' 1-3 digits */
	size_t i = 0, parts = 0, digits = 0;

	if (n < 5 || s[0] != want)
		return 0;
	for (i = 0; i < n; i++) {
		if (is_digit(s[i])) {
			if (++digits > 3)
				return 0;
		} else if (s[i] == '.' && digits > 0) {
			parts++;
			digits = 0;
		} else {
			return 0;
		}
	}
	return parts == 2 && digits > 0;
}

int
reply_parse(struct reply *r, const char *spec, char want, char *err,
	    size_t errlen)
{
	const char *p = spec, *x, *t;
	size_t xl;

	memset(r, 0, sizeof(*r));
	if (strlen(spec) < 4 || p[0] != want || !is_digit(p[1]) ||
	    !is_digit(p[2]) || p[3] != ' ') {
		snprintf(err, errlen,
			 "reply \"%s\" must start with a %cxx code and a space",
			 spec, want);
		return -1;
	}
	memcpy(r->code, p, 3);
	x = p + 4;
	t = strchr(x, ' ');
	xl = t ? (size_t)(t - x) : strlen(x);
	if (!is_xcode(x, xl, want) || xl >= sizeof(r->xcode)) {
		snprintf(err, errlen,
			 "reply \"%s\" needs an enhanced status code like %c.7.1 after the code",
			 spec, want);
		return -1;
	}
	memcpy(r->xcode, x, xl);
	t = t ? t + 1 : x + xl;
	if (*t == '\0') {
		snprintf(err, errlen, "reply \"%s\" has no text", spec);
		return -1;
	}
	if (strlen(t) >= sizeof(r->text)) {
		snprintf(err, errlen, "reply \"%s\" is too long", spec);
		return -1;
	}
	for (const char *c = t; *c; c++) {
		if (*c == '\r' || *c == '\n' || (unsigned char)*c < 32) {
			snprintf(err, errlen,
				 "reply \"%s\" contains a control character",
				 spec);
			return -1;
		}
	}
	strcpy(r->text, t);
	return 0;
}

static void
vset(struct verdict *v, enum verdict_action a, const struct reply *r,
     const char *fmt, va_list ap)
{
	v->action = a;
	v->reply = *r;
	vsnprintf(v->reason, sizeof(v->reason), fmt, ap);
}

void
verdict_set(struct verdict *v, enum verdict_action a, const struct reply *r,
	    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vset(v, a, r, fmt, ap);
	va_end(ap);
}

void
verdict_tempfail(struct verdict *v, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vset(v, VERDICT_TEMPFAIL, &tempfail_reply, fmt, ap);
	va_end(ap);
}

const char *
verdict_action_name(enum verdict_action a)
{
	switch (a) {
	case VERDICT_ACCEPT:
		return "accept";
	case VERDICT_REJECT:
		return "reject";
	default:
		return "tempfail";
	}
}

void
reply_format(const struct reply *r, char *buf, size_t len)
{
	snprintf(buf, len, "%s %s %s", r->code, r->xcode, r->text);
}
