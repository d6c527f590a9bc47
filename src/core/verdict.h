/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * verdict.h - the outcome of one relay decision: action, SMTP reply, reason.
 *
 * Every decision the core makes is a struct verdict.  The milter glue turns
 * it into smfi_setreply()+SMFIS_*; qrelayctl prints it; the daemon logs it.
 * The reason names the source that decided (file and line, cdb key, rule).
 */
#ifndef QR_VERDICT_H
#define QR_VERDICT_H

#include <stddef.h>

enum verdict_action {
	VERDICT_ACCEPT = 0,	/* continue: this recipient is fine */
	VERDICT_REJECT,		/* permanent refusal (5xx) */
	VERDICT_TEMPFAIL	/* temporary refusal (4xx): internal error */
};

/* A reply as configured: "553 5.7.1 text".  Parsed once at config time. */
struct reply {
	char code[4];		/* "553" */
	char xcode[16];		/* "5.7.1" */
	char text[512];		/* free text, no CR/LF */
};

struct verdict {
	enum verdict_action action;
	struct reply reply;
	char reason[512];
};

/* Parse "CCC X.Y.Z text" into *r.  want is '2', '4' or '5' (first digit the
 * code must have).  Returns 0, or -1 with a message in err. */
int reply_parse(struct reply *r, const char *spec, char want,
		char *err, size_t errlen);

/* Fill v; reason is printf-style.  The reply is copied. */
void verdict_set(struct verdict *v, enum verdict_action a,
		 const struct reply *r, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Internal error: 451 4.3.0, reason given. */
void verdict_tempfail(struct verdict *v, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

const char *verdict_action_name(enum verdict_action a);

/* "553 5.7.1 text" into buf. */
void reply_format(const struct reply *r, char *buf, size_t len);

#endif
