/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cache.h - DNSBL answers by client address, zone and query type, kept
 * for dnsbl_cache_ttl seconds (as Postfix's postscreen keeps its DNSBL
 * results), so that a client that comes back sends no query.
 *
 * Only answers are kept (listed, with its TXT text, or not listed), never
 * a failure.  A fixed number of slots (DNSC_SLOTS, about 2.5 MB): a new
 * answer takes the expired or the oldest of a few neighbouring slots.
 * Thread-safe (one mutex).
 */
#ifndef QR_DNS_CACHE_H
#define QR_DNS_CACHE_H

#include <time.h>

#include "core/dnsbl.h"
#include "core/ip.h"

#define DNSC_SLOTS 65536	/* a power of two */

struct dnsc;

/* NULL when out of memory. */
struct dnsc *dnsc_new(void);
void dnsc_free(struct dnsc *c);

/* 1 and *out filled (answer, text) if an answer for (ip, zone, type) is
 * cached and now < its expiry; else 0.  now: monotonic seconds. */
int dnsc_get(struct dnsc *c, const struct client_ip *ip, const char *zone,
	     int type, time_t now, struct dnsbl_result *out);

/* Keep r (DNSBL_LISTED or DNSBL_NOT_LISTED; anything else is ignored)
 * until expires. */
void dnsc_put(struct dnsc *c, const struct client_ip *ip, const char *zone,
	      int type, const struct dnsbl_result *r, time_t expires);

/* Forget everything (the zones changed). */
void dnsc_clear(struct dnsc *c);

#endif
