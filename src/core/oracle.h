/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * oracle.h - what the core asks the outside world: "did this client
 * address (and, for IndiMail, this sender) log in over POP/IMAP a short
 * while ago?" and "is it in a DNS blocklist?"  The core only calls the
 * functions it is given; the SMTP-after-POP backends (pop/pop.h) and the
 * daemon's resolver (milter/dnsbl_glue.c) provide them.
 */
#ifndef QR_ORACLE_H
#define QR_ORACLE_H

#include <stddef.h>

struct relay_oracle {
	/* 1: the client may relay (why names the source); 0: no; -1: the
	 * answer is unknown (why says why; the recipient tempfails).  ip is
	 * normalised (ip.h), sender lower-case ("" for <>). */
	int (*ask)(void *arg, const char *ip, const char *sender, char *why,
		   size_t whylen);
	void *arg;
	int uses_sender;	/* a "no" is asked again at the next MAIL */
};

struct verdict;

struct dnsbl_oracle {
	/* The DNSBL answer for the session's client, from the lookups
	 * started at connect: waits at most until their deadline, then
	 * decides with dnsbl_decide() (dnsbl.h).  v: VERDICT_ACCEPT (not
	 * listed, allow-listed, or a failed lookup skipped; the reason says
	 * which) or the block. */
	void (*decide)(void *arg, struct verdict *v);
	/* 1 if decide() would answer now without waiting */
	int (*ready)(void *arg);
	void *arg;
};

#endif
