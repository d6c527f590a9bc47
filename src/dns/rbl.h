/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rbl.h - a connection's DNSBL lookups, for the core's dnsbl_oracle
 * (used by the daemon and by qrelayctl check).
 *
 * rbl_open() starts the resolver (dns/resolver.h) once, at start-up.  At
 * connect, rbl_start() sends the queries for every zone of the snapshot's
 * list at once, without waiting; the first recipient that needs the answer
 * waits for it through the oracle, at most until dnsbl_timeout after
 * connect, and the core keeps the answer for the connection.  Answers are
 * kept for dnsbl_cache_ttl seconds (dns/cache.h): a client that comes
 * back within that time sends no query.
 */
#ifndef QR_RBL_H
#define QR_RBL_H

#include "core/oracle.h"
#include "core/policy.h"
#include "core/tables.h"

struct rbl_conn {
	struct dns_job *job;		/* NULL: no query sent */
	const struct dnsbl_list *list;	/* the snapshot's zones */
	const struct client_ip *ip;
	int fail_closed;
	int cache_ttl;			/* seconds; 0: no cache */
	/* zone i: answered from the cache (known[i]), or lookup q[i] of
	 * the job (-1: none); NULL known: no memory, all failed */
	struct dnsbl_result *known;
	signed char q[DNSBL_MAX_ZONES];
	struct dnsbl_oracle oracle;
};

/* Start the resolver that asks servers ("" the system's).  0, or -1. */
int rbl_open(const char *servers, char *err, size_t errlen);
void rbl_close(void);

/* The servers it was opened with (a reload cannot change them). */
const char *rbl_servers(void);

/* Start the lookups for ss's client in t's zones; the oracle to pass to
 * policy_set_dnsbl.  rc must stay where it is until rbl_end. */
const struct dnsbl_oracle *rbl_start(struct rbl_conn *rc,
				     const struct tables *t,
				     const struct session *ss);

/* Let go of the lookups (answers still on the way are dropped). */
void rbl_end(struct rbl_conn *rc);

#endif
