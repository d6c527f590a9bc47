/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * resolver.h - asynchronous DNSBL lookups over c-ares for a threaded
 * milter.
 *
 * One resolver thread owns the c-ares channel (a c-ares 1.18 channel has
 * no locking of its own); worker threads hand it jobs of up to
 * DNS_MAX_LOOKUPS lookups, which are sent in parallel, and wait for the
 * answers with a deadline.  A job is refcounted: the caller holds one
 * reference until dns_release(), the resolver thread another while its
 * queries are out, so a caller may give up (or release) at any time and a
 * late answer is dropped.
 *
 * Every failure is reported as DNSBL_FAILED with a short reason, never as
 * "not listed": timeouts, SERVFAIL, REFUSED, an unreachable server, a bad
 * reply, an overloaded or closed resolver.  Once a job's deadline has
 * passed its results no longer change (what is still DNSBL_PENDING then
 * stays so), so what a caller logs is what it decided on.
 *
 * Call dns_library_init() in main() before any thread is started
 * (c-ares asks for that); dns_open() calls it too if it has not been done.
 */
#ifndef QR_DNS_RESOLVER_H
#define QR_DNS_RESOLVER_H

#include <stddef.h>

#include "core/dnsbl.h"

enum { DNS_A = 1, DNS_TXT = 16 };

#define DNS_MAX_LOOKUPS 32	/* per job */
#define DNS_MAX_JOBS 10000	/* queued or outstanding, per resolver */
#define DNS_MAX_SERVERS 8	/* two sockets each: within c-ares' 16 */

struct dns_resolver;
struct dns_job;

/* ares_library_init(), once (idempotent).  0, or -1 if c-ares cannot be
 * initialised. */
int dns_library_init(void);

/* servers: "" = the system resolver (/etc/resolv.conf), else a
 * comma-separated list of ip[:port], IPv6 as [addr]:port, [addr] or a
 * bare addr (port 53 if none).  Starts the resolver thread.  NULL with a
 * message in err on failure (bad server string, c-ares init failure). */
struct dns_resolver *dns_open(const char *servers, char *err, size_t errlen);

/* Stops the thread, fails what is queued or outstanding ("resolver
 * closed"), frees.  Jobs still held by callers stay valid until they are
 * released.  No dns_start() may run at the same time or later. */
void dns_close(struct dns_resolver *r);

/* Start n (<= DNS_MAX_LOOKUPS) lookups: qname[i] of type[i] (DNS_A or
 * DNS_TXT), all in parallel, to be answered within timeout_ms from now
 * (monotonic clock).  Never blocks on the network.  A bad name or type, n
 * too large or an overloaded resolver fail the lookups at once.  Returns a
 * job the caller must dns_release(); NULL only when out of memory. */
struct dns_job *dns_start(struct dns_resolver *r, const char *const *qname,
			  const int *type, size_t n, int timeout_ms);

/* Wait until decided(arg, results, n, final) returns nonzero.  It is
 * called with the job's lock held (it must not call dns_* functions) at
 * once and after each answer; final is 1 when every lookup has an answer
 * or the deadline has passed (unanswered ones are then DNSBL_PENDING), and
 * dns_wait returns when final whatever decided returns.  results[i] is
 * for qname[i]. */
void dns_wait(struct dns_job *j,
	      int (*decided)(void *arg, const struct dnsbl_result *r, size_t n,
			     int final),
	      void *arg);

/* Copy out the current results (at most n), for logging. */
void dns_results(struct dns_job *j, struct dnsbl_result *out, size_t n);

/* How many queries this resolver has sent (tests, statistics). */
unsigned long dns_queries_sent(const struct dns_resolver *r);

/* Drop the caller's reference. */
void dns_release(struct dns_job *j);

#endif
