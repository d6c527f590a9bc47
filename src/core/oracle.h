/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * oracle.h - what the core asks the outside world: "did this client
 * address (and, for IndiMail, this sender) log in over POP/IMAP a short
 * while ago?"  The core only calls the function it is given; the SMTP-
 * after-POP backends (pop/pop.h) provide one.
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

#endif
