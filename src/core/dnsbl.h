/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * dnsbl.h - DNS blocklists as rblsmtpd uses them, and tcpserver's
 * RBLSMTPD.
 *
 * A zone list (control/dnsbllist, or dnsbl_zones in the configuration)
 * has one zone per line, in the format of the qmail-smtpd RBL patch:
 *
 *   zone          TXT lookup; listed: block with the TXT text, 451
 *   -zone         the same, but 553 (a permanent refusal)
 *   zone:text     A lookup; listed: block with text, 451 (%IP% in the
 *                 text is the client address)
 *   -zone:text    the same, 553
 *   +zone         an allow-list: an A record there decides "not blocked"
 *                 and no later zone is asked
 *   # ...         a comment; blank lines are ignored
 *
 * The zones are tried in order, as rblsmtpd tries its -r and -a options:
 * the first allow-list hit or listing decides.  A lookup that fails is
 * skipped (rblsmtpd's default), or blocks with 451 when the list fails
 * closed (rblsmtpd -c).  Texts are cut to 200 bytes and bytes outside
 * printable ASCII become '?', as rblsmtpd does.
 *
 * $RBLSMTPD from a tcpserver rule: set and empty, no lookups for this
 * client; set, a block with its text (553 if it starts with '-', which is
 * removed, else 451).
 */
#ifndef QR_DNSBL_H
#define QR_DNSBL_H

#include <stddef.h>

#include "ip.h"
#include "verdict.h"

#define DNSBL_MAX_ZONES 32
#define DNSBL_TEXT_MAX 200	/* rblsmtpd's cut */

enum dnsbl_kind { DNSBL_TXT, DNSBL_A, DNSBL_ALLOW };

struct dnsbl_zone {
	enum dnsbl_kind kind;
	int permanent;			/* 553 rather than 451 */
	char zone[256];			/* lower-case, no trailing dot */
	char text[DNSBL_TEXT_MAX + 1];	/* DNSBL_A: the reply text */
	const char *src;		/* where it was written: "dnsbllist" */
	unsigned lineno;		/* ... and the line (or entry) */
};

struct dnsbl_list {
	struct dnsbl_zone zone[DNSBL_MAX_ZONES];
	size_t n;
};

/* Add the zones of a list (len bytes of text, lines as above) to l.  src
 * (a static string) names the source in decisions, path in messages.  0,
 * or -1 with "path:line: why" in err. */
int dnsbl_parse(struct dnsbl_list *l, const char *text, size_t len,
		const char *src, const char *path, char *err, size_t errlen);

/* Add one zone in the same syntax (line lineno of src, named path in
 * messages).  0 (a comment or blank line adds nothing) or -1. */
int dnsbl_add(struct dnsbl_list *l, const char *line, size_t len,
	      const char *src, const char *path, unsigned lineno, char *err,
	      size_t errlen);

/* The name to look up for a client in a zone: d.c.b.a.zone for IPv4, the
 * 32 nibbles of an IPv6 address reversed, then zone.  0, or -1 if the
 * address is unknown or the name too long. */
int dnsbl_qname(const struct client_ip *ip, const char *zone, char *out,
		size_t outlen);

/* What a lookup in one zone found. */
enum dnsbl_answer {
	DNSBL_PENDING = 0,	/* not answered (yet) */
	DNSBL_NOT_LISTED,	/* NXDOMAIN, or no record of the type */
	DNSBL_LISTED,		/* a record: for a TXT zone, its text */
	DNSBL_FAILED		/* timeout, SERVFAIL, refused... */
};

struct dnsbl_result {
	enum dnsbl_answer answer;
	char text[DNSBL_TEXT_MAX + 1];	/* the TXT text, cleaned */
	char error[64];			/* DNSBL_FAILED: why */
};

enum dnsbl_decision {
	DNSBL_PASS,		/* not listed, or allow-listed */
	DNSBL_BLOCK,		/* listed: block with v */
	DNSBL_WAIT		/* an answer that decides is still pending */
};

/* Decide from the answers so far (r[i] for l->zone[i]).  final: no more
 * answers will come (pending counts as failed).  As rblsmtpd, a block
 * after a failed lookup is a 451 even from a "-zone".  On DNSBL_BLOCK, v holds
 * the block (451 or 553, the zone's text) and the reason names the zone
 * and the address looked up; on DNSBL_PASS after an allow-list hit the
 * reason says so (v->reason, v->action VERDICT_ACCEPT). */
enum dnsbl_decision dnsbl_decide(const struct dnsbl_list *l,
				 const struct dnsbl_result *r,
				 const struct client_ip *ip, int fail_closed,
				 int final, struct verdict *v);

/* $RBLSMTPD's value (set): fills v with the block, or returns 0 for the
 * empty value (no DNSBL).  1: blocked. */
int dnsbl_rblsmtpd(const char *value, const char *rule_desc,
		   struct verdict *v);

/* rblsmtpd's text: at most 200 bytes, bytes < 32 or > 126 as '?'. */
void dnsbl_clean(const char *in, size_t len, char *out, size_t outlen);

#endif
