/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rewrite.h - qmail's RELAYCLIENT value: appended to every recipient.
 *
 * qmail-smtpd appends a non-empty $RELAYCLIENT to each recipient of a
 * relay client (RELAYCLIENT="@fixme.example" turns a@evil.com into
 * a@evil.com@fixme.example, which then routes to fixme.example).
 * rewrite_rcpt() builds that address from the recipient as the MTA passed
 * it, in internal form as qmail keeps it, and writes it in the external
 * form the MTA's smfi_addrcpt() parses: "<local@domain>", the local part
 * quoted when it is not a dot-atom ("<\"a@evil.com\"@fixme.example>").
 */
#ifndef QR_REWRITE_H
#define QR_REWRITE_H

#include <stddef.h>

#include "tables.h"

/* Room for any rewritten recipient: a quoted 900-byte address (every byte
 * escaped), a 255-byte value, brackets. */
#define REWRITE_MAX (2 * (900 + 256) + 8)

/* rcpt as the MTA passed it ("<a@b>"), mta_rcpt its own reading
 * ({rcpt_addr}; NULL: none sent): a recipient that is not a plain
 * <local@domain> is rewritten only when the MTA read it as we do (addr.h),
 * so the value goes onto the address the MTA would have delivered to.
 * value/vlen the RELAYCLIENT value
 * (not empty).  t gives localiphost and this host's addresses ("a@[ip]"
 * of this host reads as "a@localiphost", as in qmail).  Returns 0 (out
 * filled, NUL-terminated), or with *why set (static text): -2 the
 * recipient is empty, ambiguous (addr.h), read differently by the MTA,
 * or too long; -1 no well-formed
 * address results (the value is longer than 255 bytes, the result has a
 * control character or an invalid domain, or outlen is too small). */
int rewrite_rcpt(const struct tables *t, const char *rcpt,
		 const char *mta_rcpt, const char *value, size_t vlen, char *out,
		 size_t outlen, const char **why);

#endif
