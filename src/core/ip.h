/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ip.h - client addresses and host names, normalised as tcpserver sets
 * TCPREMOTEIP and TCPREMOTEHOST.
 *
 * IPv4 is dotted decimal; IPv4-mapped IPv6 (::ffff:a.b.c.d) becomes IPv4;
 * other IPv6 is inet_ntop's compressed lower-case form (as the Debian
 * ucspi-tcp-ipv6 tcpserver prints it).  Host names are lower-cased; bytes
 * outside [a-z0-9._-] are octal-escaped as \ooo like tcpserver does.
 */
#ifndef QR_IP_H
#define QR_IP_H

#include <stddef.h>
#include <stdint.h>

#define IP_TEXT_MAX 48

struct client_ip {
	int family;			/* AF_INET, AF_INET6, or 0 = unknown */
	char text[IP_TEXT_MAX];		/* normalised text, "" if unknown */
	uint32_t v4;			/* host order, valid if AF_INET */
};

/* Parse "1.2.3.4", "::1", "::ffff:1.2.3.4", "IPv6:2001:db8::1" (Postfix's
 * {client_addr} form) or "[...]".  Returns 0, or -1 if unparseable. */
int ip_parse(struct client_ip *ip, const char *s);

/* Iterate the prefixes of an address text that end in '.' or ':', longest
 * first: call with *pos = strlen(text) initially; returns the length of the
 * next prefix (> 0), or 0 when done. */
size_t ip_next_prefix(const char *text, size_t *pos);

/* Normalise a client host name as tcpserver would.  Returns 1 and fills out,
 * or 0 if the name is absent: NULL, "", "unknown" or "[address]". */
int host_normalise(const char *in, char *out, size_t outlen);

#endif
