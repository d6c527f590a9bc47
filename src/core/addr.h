/*
 * addr.h - envelope addresses the way qmail-smtpd's addrparse() sees them.
 *
 * Input is the address the MTA hands the milter (usually "<local@domain>",
 * possibly followed by nothing else).  Output is the bare address with
 * angle brackets, source route, quotes and backslashes removed, the domain
 * after the last '@', and whether the local part carries sender-specified
 * routing ('@', '%' or '!') that Postfix or Sendmail would act on.
 */
#ifndef QR_ADDR_H
#define QR_ADDR_H

#include <stddef.h>
#include <stdint.h>

#define ADDR_MAX 900		/* qmail-smtpd: longer is "555 syntax error" */

struct env_addr {
	char addr[ADDR_MAX + 1];	/* unquoted address */
	size_t len;
	const char *domain;	/* points into addr after the last '@', or NULL */
	size_t local_len;	/* bytes before the last '@' (len if no '@') */
	int route_unterminated;	/* "<@host>" with no ':': qmail reads "" */
};

/* Returns 0, or -1 if the address is longer than ADDR_MAX. */
int addr_parse(struct env_addr *a, const char *raw);

/* 1 if the local part contains '@', '%' or '!'. */
int addr_has_routing(const struct env_addr *a);

/* If s is exactly "[d.d.d.d]" (qmail's ip_scanbracket: decimal, leading
 * zeros allowed, each value taken mod 256) set *ip (host order), return 1. */
int addr_ipv4_literal(const char *s, uint32_t *ip);

/* ASCII lower-casing in place (constmap is case-insensitive for A-Z only). */
void addr_lower(char *s);

#endif
