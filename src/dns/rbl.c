/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rbl.c - a connection's DNSBL lookups (see rbl.h).
 */
#include "config.h"
#include "rbl.h"
#include "cache.h"
#include "resolver.h"
#include "util/clock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct dns_resolver *resolver;
static struct dnsc *cache;
static char servers_used[sizeof(((struct settings *)0)->dnsbl_servers)];

int
rbl_open(const char *servers, char *err, size_t errlen)
{
	resolver = dns_open(servers, err, errlen);
	if (resolver == NULL)
		return -1;
	if ((cache = dnsc_new()) == NULL) {
		dns_close(resolver);
		resolver = NULL;
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	snprintf(servers_used, sizeof(servers_used), "%s", servers);
	return 0;
}

const char *
rbl_servers(void)
{
	return servers_used;
}

void
rbl_close(void)
{
	dns_close(resolver);
	resolver = NULL;
	dnsc_free(cache);
	cache = NULL;
}


/* The answers for every zone: the cached ones, and the job's (jr). */
static void
merge(const struct rbl_conn *rc, const struct dnsbl_result *jr,
      struct dnsbl_result *out)
{
	for (size_t i = 0; i < rc->list->n; i++)
		out[i] = rc->q[i] >= 0 ? jr[(int)rc->q[i]] : rc->known[i];
}

struct decide_ctx {
	const struct rbl_conn *rc;
	struct verdict *v;
};

/* dns_wait's test: has dnsbl_decide an answer yet? */
static int
decided(void *arg, const struct dnsbl_result *r, size_t n, int final)
{
	struct decide_ctx *d = arg;
	struct dnsbl_result all[DNSBL_MAX_ZONES];

	(void)n;
	merge(d->rc, r, all);
	return dnsbl_decide(d->rc->list, all, d->rc->ip, d->rc->fail_closed,
			    final, d->v) != DNSBL_WAIT || final;
}

static void
decide(void *arg, struct verdict *v)
{
	struct rbl_conn *rc = arg;
	struct decide_ctx d = { rc, v };

	if (rc->known == NULL) {	/* no memory: all failed */
		struct dnsbl_result r[DNSBL_MAX_ZONES];

		memset(r, 0, sizeof(r));
		for (size_t i = 0; i < rc->list->n; i++) {
			r[i].answer = DNSBL_FAILED;
			snprintf(r[i].error, sizeof(r[i].error),
				 "out of memory");
		}
		dnsbl_decide(rc->list, r, rc->ip, rc->fail_closed, 1, v);
		return;
	}
	if (rc->job == NULL) {		/* all from the cache */
		struct dnsbl_result all[DNSBL_MAX_ZONES];

		merge(rc, NULL, all);
		dnsbl_decide(rc->list, all, rc->ip, rc->fail_closed, 1, v);
		return;
	}
	dns_wait(rc->job, decided, &d);
}

static int
ready(void *arg)
{
	struct rbl_conn *rc = arg;
	struct dnsbl_result r[DNSBL_MAX_ZONES];
	struct verdict v;

	if (rc->job == NULL || rc->known == NULL)
		return 1;
	dns_results(rc->job, r, rc->list->n);
	{
		struct dnsbl_result all[DNSBL_MAX_ZONES];

		merge(rc, r, all);
		return dnsbl_decide(rc->list, all, rc->ip, rc->fail_closed, 0,
				    &v) != DNSBL_WAIT;
	}
}

const struct dnsbl_oracle *
rbl_start(struct rbl_conn *rc, const struct tables *t,
	  const struct session *ss)
{
	char names[DNSBL_MAX_ZONES][300];
	const char *qname[DNSBL_MAX_ZONES];
	int type[DNSBL_MAX_ZONES];
	size_t n = t->dnsbl.n, nq = 0;
	time_t now = clock_mono_s();

	memset(rc, 0, sizeof(*rc));
	rc->list = &t->dnsbl;
	rc->ip = &ss->ip;
	rc->fail_closed = t->s.dnsbl_fail_closed;
	rc->cache_ttl = t->s.dnsbl_cache_ttl;
	rc->oracle.decide = decide;
	rc->oracle.ready = ready;
	rc->oracle.arg = rc;
	if (n == 0 || (rc->known = calloc(n, sizeof(rc->known[0]))) == NULL)
		return &rc->oracle;
	for (size_t i = 0; i < n; i++) {
		const struct dnsbl_zone *z = &t->dnsbl.zone[i];
		int ty = z->kind == DNSBL_TXT ? DNS_TXT : DNS_A;

		rc->q[i] = -1;
		if (cache && rc->cache_ttl > 0 &&
		    dnsc_get(cache, &ss->ip, z->zone, ty, now, &rc->known[i]))
			continue;
		if (dnsbl_qname(&ss->ip, z->zone, names[nq],
				sizeof(names[nq])) != 0)
			names[nq][0] = '\0';	/* answered as failed */
		qname[nq] = names[nq];
		type[nq] = ty;
		rc->q[i] = (signed char)nq++;
	}
	if (nq == 0)
		return &rc->oracle;
	if (resolver == NULL ||
	    (rc->job = dns_start(resolver, qname, type, nq,
				 t->s.dnsbl_timeout_ms)) == NULL) {
		free(rc->known);	/* no memory: all fail */
		rc->known = NULL;
	}
	return &rc->oracle;
}

void
rbl_end(struct rbl_conn *rc)
{
	if (rc->job) {
		/* keep what the job found (answers, not failures) */
		if (cache && rc->cache_ttl > 0 && rc->known) {
			struct dnsbl_result r[DNSBL_MAX_ZONES];
			time_t until = clock_mono_s() + rc->cache_ttl;

			dns_results(rc->job, r, DNSBL_MAX_ZONES);
			for (size_t i = 0; i < rc->list->n; i++) {
				const struct dnsbl_zone *z = &rc->list->zone[i];

				if (rc->q[i] >= 0)
					dnsc_put(cache, rc->ip, z->zone,
						 z->kind == DNSBL_TXT ? DNS_TXT :
						 DNS_A, &r[(int)rc->q[i]],
						 until);
			}
		}
		dns_release(rc->job);
	}
	free(rc->known);
	rc->job = NULL;
	rc->known = NULL;
}
