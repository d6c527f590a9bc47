/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rbl.c - a connection's DNSBL lookups (see rbl.h).
 */
#include "config.h"
#include "rbl.h"
#include "resolver.h"

#include <stdio.h>
#include <string.h>

static struct dns_resolver *resolver;
static char servers_used[sizeof(((struct settings *)0)->dnsbl_servers)];

int
rbl_open(const char *servers, char *err, size_t errlen)
{
	resolver = dns_open(servers, err, errlen);
	if (resolver == NULL)
		return -1;
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

	(void)n;
	return dnsbl_decide(d->rc->list, r, d->rc->ip, d->rc->fail_closed,
			    final, d->v) != DNSBL_WAIT || final;
}

static void
decide(void *arg, struct verdict *v)
{
	struct rbl_conn *rc = arg;
	struct decide_ctx d = { rc, v };

	if (rc->job == NULL) {	/* no lookups could start: all failed */
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
	dns_wait(rc->job, decided, &d);
}

static int
ready(void *arg)
{
	struct rbl_conn *rc = arg;
	struct dnsbl_result r[DNSBL_MAX_ZONES];
	struct verdict v;

	if (rc->job == NULL)
		return 1;
	dns_results(rc->job, r, rc->list->n);
	return dnsbl_decide(rc->list, r, rc->ip, rc->fail_closed, 0, &v) !=
		DNSBL_WAIT;
}

const struct dnsbl_oracle *
rbl_start(struct rbl_conn *rc, const struct tables *t,
	  const struct session *ss)
{
	char names[DNSBL_MAX_ZONES][300];
	const char *qname[DNSBL_MAX_ZONES];
	int type[DNSBL_MAX_ZONES];
	size_t n = t->dnsbl.n;

	memset(rc, 0, sizeof(*rc));
	rc->list = &t->dnsbl;
	rc->ip = &ss->ip;
	rc->fail_closed = t->s.dnsbl_fail_closed;
	rc->oracle.decide = decide;
	rc->oracle.ready = ready;
	rc->oracle.arg = rc;
	for (size_t i = 0; i < n; i++) {
		const struct dnsbl_zone *z = &t->dnsbl.zone[i];

		if (dnsbl_qname(&ss->ip, z->zone, names[i],
				sizeof(names[i])) != 0)
			names[i][0] = '\0';	/* answered as failed */
		qname[i] = names[i];
		type[i] = z->kind == DNSBL_TXT ? DNS_TXT : DNS_A;
	}
	if (resolver)
		rc->job = dns_start(resolver, qname, type, n,
				    t->s.dnsbl_timeout_ms);
	return &rc->oracle;
}

void
rbl_end(struct rbl_conn *rc)
{
	if (rc->job)
		dns_release(rc->job);
	rc->job = NULL;
}
