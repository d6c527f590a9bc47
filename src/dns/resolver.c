/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * resolver.c - asynchronous DNSBL lookups over c-ares: one resolver
 * thread owns the channel, workers submit jobs and wait with a deadline
 * (see resolver.h).
 *
 * dns_start() puts a job on a mutex-protected queue and writes a byte to
 * a pipe; the resolver thread polls that pipe and the c-ares sockets
 * (ares_getsock, never fd_set: descriptors may pass FD_SETSIZE in a busy
 * milter), bounded by ares_timeout(), and calls ares_process_fd().  The
 * c-ares callbacks run in that thread only (inside ares_query, whose
 * callback may come at once, ares_process_fd or ares_destroy); each stores
 * its answer under the job's lock and wakes the waiters.
 *
 * Bounds: at most DNS_MAX_JOBS jobs queued or outstanding (more fail at
 * once, "resolver overloaded"); at most MAX_INFLIGHT queries out in c-ares
 * at a time (a server's socket buffer drops a large burst, and c-ares 1.18
 * looks for a free 16-bit query id in a loop, forever once 65536 are out),
 * the jobs behind wait in the resolver thread's backlog, and one whose
 * deadline passes there, or that its caller released, is never sent.
 */
#include "config.h"
#include "resolver.h"
#include "util/clock.h"

#include <ares.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* c-ares retries: TRY_MS for the first try of each server, doubled in the
 * second round, so one server takes at most 1.5 + 3 = 4.5 s to give up,
 * within the default 5 s job timeout.  The job's deadline decides. */
#define TRY_MS 1500
#define TRIES 2

/* Queries out in c-ares at a time.  The window is also the largest
 * burst a server gets: rbldnsd's 128 KB socket buffer dropped some of 128
 * queries sent at once and, at 1024, retries too (lookups failed).  64
 * answered by a local cache is some 50000 lookups a second; at 100 ms a
 * lookup, 640. */
#define MAX_INFLIGHT 64
#define NAME_MAX_LEN 253	/* a DNS name, no trailing dot */

struct lookup {
	struct dns_job *job;
	int type;			/* DNS_A or DNS_TXT */
	int send;			/* to be sent (not failed at once) */
	int in_query;			/* inside ares_query (the thread's) */
	char qname[NAME_MAX_LEN + 2];
};

struct dns_job {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	unsigned refs;			/* the caller, the resolver thread */
	size_t n, answered;
	int frozen;			/* deadline passed: no more answers */
	struct timespec deadline;	/* CLOCK_MONOTONIC */
	struct dnsbl_result *res;	/* [n] */
	/* the resolver thread's (set before the job is queued) */
	struct dns_resolver *r;
	struct dns_job *next;		/* in the queue or the backlog */
	size_t nsend;			/* lookups to send */
	size_t left;			/* queries out, + 1 while sending */
	struct lookup lk[];		/* [n] */
};

struct dns_resolver {
	ares_channel ch;		/* the resolver thread's only */
	pthread_t thread;
	int wake[2];			/* pipe: [1] written to wake the thread */
	pthread_mutex_t lock;		/* for head, tail, jobs, stopping */
	struct dns_job *head, *tail;	/* submitted, not taken yet */
	unsigned jobs;			/* queued or outstanding */
	int stopping;
	/* the resolver thread's */
	struct dns_job *bl_head, *bl_tail;	/* taken, waiting for room */
	unsigned inflight;		/* queries out in c-ares */
	atomic_ulong sent;
};

static pthread_once_t lib_once = PTHREAD_ONCE_INIT;
static int lib_status = ARES_ENOTINITIALIZED;

static void
lib_init(void)
{
	lib_status = ares_library_init(ARES_LIB_INIT_ALL);
}

int
dns_library_init(void)
{
	pthread_once(&lib_once, lib_init);
	return lib_status == ARES_SUCCESS ? 0 : -1;
}

/* --- jobs ----------------------------------------------------------------- */

static void
job_free(struct dns_job *j)
{
	pthread_cond_destroy(&j->cond);
	pthread_mutex_destroy(&j->lock);
	free(j->res);
	free(j);
}

static void
job_unref(struct dns_job *j)
{
	unsigned left;

	pthread_mutex_lock(&j->lock);
	left = --j->refs;
	pthread_mutex_unlock(&j->lock);
	if (left == 0)
		job_free(j);
}

/* Record lookup i's answer, unless it has one or the deadline has passed
 * (the results are then frozen: what the caller decided on stays). */
static void
job_answer(struct dns_job *j, size_t i, enum dnsbl_answer a, const char *text,
	   const char *error)
{
	struct dnsbl_result *res = &j->res[i];

	pthread_mutex_lock(&j->lock);
	if (!j->frozen && clock_ts_passed(&j->deadline))
		j->frozen = 1;
	if (res->answer == DNSBL_PENDING && !j->frozen) {
		res->answer = a;
		snprintf(res->text, sizeof(res->text), "%s", text);
		snprintf(res->error, sizeof(res->error), "%s", error);
		j->answered++;
		pthread_cond_broadcast(&j->cond);
	}
	pthread_mutex_unlock(&j->lock);
}

/* The resolver thread is done with j. */
static void
job_done(struct dns_resolver *r, struct dns_job *j)
{
	pthread_mutex_lock(&r->lock);
	r->jobs--;
	pthread_mutex_unlock(&r->lock);
	job_unref(j);
}

/* Fail the lookups of j that were to be sent, and let it go. */
static void
job_fail(struct dns_resolver *r, struct dns_job *j, const char *why)
{
	for (size_t i = 0; i < j->n; i++)
		if (j->lk[i].send)
			job_answer(j, i, DNSBL_FAILED, "", why);
	job_done(r, j);
}

/* --- answers ---------------------------------------------------------------- */

static const char *
failure(int status)
{
	switch (status) {
	case ARES_ETIMEOUT:
		return "timeout";
	case ARES_ESERVFAIL:
		return "server failure";
	case ARES_EREFUSED:
		return "refused";
	case ARES_ENOTIMP:
		return "not implemented by the server";
	case ARES_EFORMERR:
		return "format error";
	case ARES_ECONNREFUSED:
		return "connection refused";
	case ARES_EBADRESP:
		return "bad reply";
	case ARES_EBADNAME:
		return "bad name";
	case ARES_ENOMEM:
		return "out of memory";
	case ARES_ECANCELLED:
	case ARES_EDESTRUCTION:
		return "resolver closed";
	default:
		return ares_strerror(status);
	}
}

/* An A lookup: any address lists. */
static int
parse_a(const unsigned char *abuf, int alen)
{
	struct ares_addrttl at[1];
	int n = 1, status;

	status = ares_parse_a_reply(abuf, alen, NULL, at, &n);
	if (status == ARES_SUCCESS && n == 0)
		status = ARES_ENODATA;
	return status;
}

/* A TXT lookup: the strings of the first record, joined and cleaned; an
 * empty text does not list (rblsmtpd). */
static int
parse_txt(const unsigned char *abuf, int alen, char *text, size_t textlen)
{
	struct ares_txt_ext *txt = NULL;
	char raw[DNSBL_TEXT_MAX];
	size_t len = 0;
	int status;

	status = ares_parse_txt_reply_ext(abuf, alen, &txt);
	if (status != ARES_SUCCESS)
		return status;
	for (struct ares_txt_ext *t = txt; t != NULL; t = t->next) {
		size_t k = t->length;

		if (t != txt && t->record_start)
			break;
		if (k > sizeof(raw) - len)
			k = sizeof(raw) - len;
		if (k > 0)
			memcpy(raw + len, t->txt, k);
		len += k;
	}
	ares_free_data(txt);
	if (len == 0)
		return ARES_ENODATA;
	dnsbl_clean(raw, len, text, textlen);
	return ARES_SUCCESS;
}

/* The c-ares callback, in the resolver thread. */
static void
on_answer(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	struct lookup *lk = arg;
	struct dns_job *j = lk->job;
	struct dns_resolver *r = j->r;
	char text[DNSBL_TEXT_MAX + 1] = "";
	size_t i = (size_t)(lk - j->lk);

	(void)timeouts;
	if (status == ARES_SUCCESS && abuf == NULL)
		status = ARES_EBADRESP;
	if (status == ARES_SUCCESS)
		status = lk->type == DNS_A ? parse_a(abuf, alen) :
		    parse_txt(abuf, alen, text, sizeof(text));
	if (lk->in_query)	/* failed before anything was sent */
		lk->in_query = -1;
	if (status == ARES_SUCCESS)
		job_answer(j, i, DNSBL_LISTED, lk->type == DNS_A ? "" : text,
			   "");
	else if (status == ARES_ENOTFOUND || status == ARES_ENODATA)
		job_answer(j, i, DNSBL_NOT_LISTED, "", "");
	else
		job_answer(j, i, DNSBL_FAILED, "", failure(status));
	r->inflight--;
	if (--j->left == 0)
		job_done(r, j);
}

/* --- the resolver thread ---------------------------------------------------- */

static void
send_job(struct dns_resolver *r, struct dns_job *j)
{
	int skip;

	pthread_mutex_lock(&j->lock);
	if (!j->frozen && clock_ts_passed(&j->deadline))
		j->frozen = 1;
	skip = j->refs == 1 || j->frozen;	/* released, or too late */
	pthread_mutex_unlock(&j->lock);
	if (skip) {		/* nobody needs the answers now */
		job_done(r, j);
		return;
	}
	/* the extra 1 keeps j alive through callbacks that come at once */
	j->left = j->nsend + 1;
	for (size_t i = 0; i < j->n; i++) {
		struct lookup *lk = &j->lk[i];

		if (!lk->send)
			continue;
		r->inflight++;
		lk->in_query = 1;
		ares_query(r->ch, lk->qname, 1 /* C_IN */, lk->type,
			   on_answer, lk);
		if (lk->in_query == 1)
			atomic_fetch_add_explicit(&r->sent, 1,
						  memory_order_relaxed);
		lk->in_query = 0;
	}
	if (--j->left == 0)
		job_done(r, j);
}

/* Send the backlog while there is room in c-ares. */
static void
send_backlog(struct dns_resolver *r)
{
	struct dns_job *j;

	while ((j = r->bl_head) != NULL &&
	       r->inflight + j->nsend <= MAX_INFLIGHT) {
		r->bl_head = j->next;
		if (r->bl_head == NULL)
			r->bl_tail = NULL;
		j->next = NULL;
		send_job(r, j);
	}
}

static void
drain(int fd)
{
	char buf[64];

	while (read(fd, buf, sizeof(buf)) > 0)
		;
}

static void *
resolver_main(void *arg)
{
	struct dns_resolver *r = arg;
	struct pollfd pfd[1 + ARES_GETSOCK_MAXNUM];
	ares_socket_t socks[ARES_GETSOCK_MAXNUM];
	struct timeval tv, *tvp;
	struct dns_job *j, *taken;
	unsigned bits;
	int stopping, nfd, ms, rc, any;

	for (;;) {
		/* the pipe first, then the queue: no wakeup is lost */
		drain(r->wake[0]);
		pthread_mutex_lock(&r->lock);
		taken = r->head;
		r->head = r->tail = NULL;
		stopping = r->stopping;
		pthread_mutex_unlock(&r->lock);
		if (taken != NULL) {
			if (r->bl_tail != NULL)
				r->bl_tail->next = taken;
			else
				r->bl_head = taken;
			for (j = taken; j->next != NULL; j = j->next)
				;
			r->bl_tail = j;
		}
		if (stopping)
			break;
		send_backlog(r);

		pfd[0].fd = r->wake[0];
		pfd[0].events = POLLIN;
		pfd[0].revents = 0;
		nfd = 1;
		bits = (unsigned)ares_getsock(r->ch, socks, ARES_GETSOCK_MAXNUM);
		for (int k = 0; k < ARES_GETSOCK_MAXNUM; k++) {
			short ev = 0;

			/* not ARES_GETSOCK_WRITABLE: 1 << 31 in an int */
			if (bits & (1u << k))
				ev |= POLLIN;
			if (bits & (1u << (k + ARES_GETSOCK_MAXNUM)))
				ev |= POLLOUT;
			if (ev == 0)
				continue;
			pfd[nfd].fd = socks[k];
			pfd[nfd].events = ev;
			pfd[nfd].revents = 0;
			nfd++;
		}
		tvp = ares_timeout(r->ch, NULL, &tv);	/* NULL: nothing out */
		ms = tvp == NULL ? -1 :
		    (int)(tvp->tv_sec * 1000 + (tvp->tv_usec + 999) / 1000);
		rc = poll(pfd, (nfds_t)nfd, ms);
		if (rc < 0 && errno != EINTR) {
			struct timespec pause = { 0, 10000000L };

			nanosleep(&pause, NULL);	/* ENOMEM: try again */
		}
		any = 0;
		for (int k = 1; rc > 0 && k < nfd; k++) {
			short re = pfd[k].revents;

			if (re == 0)
				continue;
			any = 1;
			ares_process_fd(r->ch,
			    re & (POLLIN | POLLERR | POLLHUP | POLLNVAL) ?
			    pfd[k].fd : ARES_SOCKET_BAD,
			    re & (POLLOUT | POLLERR | POLLHUP) ?
			    pfd[k].fd : ARES_SOCKET_BAD);
		}
		if (!any)	/* the timeouts */
			ares_process_fd(r->ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
	}
	while ((j = r->bl_head) != NULL) {
		r->bl_head = j->next;
		job_fail(r, j, "resolver closed");
	}
	r->bl_tail = NULL;
	ares_destroy(r->ch);	/* the rest: ARES_EDESTRUCTION */
	r->ch = NULL;
	return NULL;
}

static void
wake(struct dns_resolver *r)
{
	char c = 0;

	/* a full pipe (EAGAIN) has a wakeup pending already */
	while (write(r->wake[1], &c, 1) < 0 && errno == EINTR)
		;
}

/* --- the servers ------------------------------------------------------------ */

/* One entry of the server list: ip, ip:port, [ip6]:port, [ip6] or ip6;
 * written to out as c-ares' ip:port or [ip6]:port. */
static int
server_entry(const char *s, size_t len, char *out, size_t outlen, char *err,
	     size_t errlen)
{
	char item[80], addr[INET6_ADDRSTRLEN];
	unsigned char buf[16];
	char *host = item, *port = NULL, *p;
	unsigned long pn = 53;
	int v6;

	while (len > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		len--;
	}
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	if (len == 0) {
		snprintf(err, errlen, "DNS servers: an empty entry");
		return -1;
	}
	if (len >= sizeof(item)) {
		snprintf(err, errlen, "DNS server \"%.40s...\": too long", s);
		return -1;
	}
	memcpy(item, s, len);
	item[len] = '\0';
	if (item[0] == '[') {
		host = item + 1;
		if ((p = strchr(host, ']')) == NULL ||
		    (p[1] != '\0' && p[1] != ':'))
			goto bad;
		*p = '\0';
		if (p[1] == ':')
			port = p + 2;
	} else if ((p = strchr(item, ':')) != NULL &&
		   strchr(p + 1, ':') == NULL) {
		*p = '\0';		/* one colon: IPv4 and a port */
		port = p + 1;
	}
	if (inet_pton(AF_INET, host, buf) == 1)
		v6 = 0;
	else if (inet_pton(AF_INET6, host, buf) == 1)
		v6 = 1;
	else
		goto bad;
	if (port != NULL) {
		char *end;

		if (*port < '0' || *port > '9')
			goto bad;
		errno = 0;
		pn = strtoul(port, &end, 10);
		if (*end != '\0' || errno != 0 || pn == 0 || pn > 65535)
			goto bad;
	}
	inet_ntop(v6 ? AF_INET6 : AF_INET, buf, addr, sizeof(addr));
	snprintf(out, outlen, v6 ? "[%s]:%lu" : "%s:%lu", addr, pn);
	return 0;
bad:
	snprintf(err, errlen, "DNS server \"%.*s\": not ip, ip:port, [ip6]:port or ip6",
		 (int)(len > 60 ? 60 : len), s);
	return -1;
}

/* The server list in c-ares' form (it does not check the ports). */
static int
servers_csv(const char *in, char *out, size_t outlen, char *err,
	    size_t errlen)
{
	size_t o = 0, count = 0;
	const char *p = in, *e;

	out[0] = '\0';
	for (;;) {
		char one[INET6_ADDRSTRLEN + 10];
		size_t len;

		e = strchr(p, ',');
		len = e ? (size_t)(e - p) : strlen(p);
		if (server_entry(p, len, one, sizeof(one), err, errlen) != 0)
			return -1;
		if (++count > DNS_MAX_SERVERS) {
			snprintf(err, errlen, "DNS servers: more than %d",
				 DNS_MAX_SERVERS);
			return -1;
		}
		o += (size_t)snprintf(out + o, outlen - o, "%s%s",
				      o ? "," : "", one);
		if (o >= outlen) {
			snprintf(err, errlen, "DNS servers: list too long");
			return -1;
		}
		if (e == NULL)
			return 0;
		p = e + 1;
	}
}

/* --- the API ---------------------------------------------------------------- */

struct dns_resolver *
dns_open(const char *servers, char *err, size_t errlen)
{
	struct dns_resolver *r;
	struct ares_options o;
	struct ares_addr_port_node *list = NULL;
	char csv[DNS_MAX_SERVERS * (INET6_ADDRSTRLEN + 10)];
	sigset_t all, old;
	int rc, count = 0;

	if (dns_library_init() != 0) {
		snprintf(err, errlen, "cannot initialise c-ares: %s",
			 ares_strerror(lib_status));
		return NULL;
	}
	if (servers[0] != '\0' &&
	    servers_csv(servers, csv, sizeof(csv), err, errlen) != 0)
		return NULL;
	if ((r = calloc(1, sizeof(*r))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	r->wake[0] = r->wake[1] = -1;
	atomic_init(&r->sent, 0);
	memset(&o, 0, sizeof(o));
	o.timeout = TRY_MS;
	o.tries = TRIES;
	/* SERVFAIL and REFUSED as such, not retried as something else */
	o.flags = ARES_FLAG_NOCHECKRESP;
	rc = ares_init_options(&r->ch, &o,
			       ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES |
			       ARES_OPT_FLAGS);
	if (rc != ARES_SUCCESS) {
		snprintf(err, errlen, "cannot initialise c-ares: %s",
			 ares_strerror(rc));
		free(r);
		return NULL;
	}
	if (servers[0] != '\0' &&
	    (rc = ares_set_servers_ports_csv(r->ch, csv)) != ARES_SUCCESS) {
		snprintf(err, errlen, "DNS servers \"%s\": %s", csv,
			 ares_strerror(rc));
		goto fail;
	}
	if ((rc = ares_get_servers_ports(r->ch, &list)) != ARES_SUCCESS) {
		snprintf(err, errlen, "DNS servers: %s", ares_strerror(rc));
		goto fail;
	}
	for (struct ares_addr_port_node *s = list; s != NULL; s = s->next)
		count++;
	ares_free_data(list);
	if (count == 0 || count > DNS_MAX_SERVERS) {
		snprintf(err, errlen, "DNS servers: %d in /etc/resolv.conf (1 to %d can be used)",
			 count, DNS_MAX_SERVERS);
		goto fail;
	}
	if (pipe2(r->wake, O_NONBLOCK | O_CLOEXEC) != 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		goto fail;
	}
	if ((rc = pthread_mutex_init(&r->lock, NULL)) != 0) {
		snprintf(err, errlen, "mutex: %s", strerror(rc));
		goto fail;
	}
	/* signals are for the other threads */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&r->thread, NULL, resolver_main, r);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		snprintf(err, errlen, "cannot start the resolver thread: %s",
			 strerror(rc));
		pthread_mutex_destroy(&r->lock);
		goto fail;
	}
	return r;
fail:
	if (r->wake[0] >= 0) {
		close(r->wake[0]);
		close(r->wake[1]);
	}
	ares_destroy(r->ch);
	free(r);
	return NULL;
}

void
dns_close(struct dns_resolver *r)
{
	struct dns_job *j;

	if (r == NULL)
		return;
	pthread_mutex_lock(&r->lock);
	r->stopping = 1;
	pthread_mutex_unlock(&r->lock);
	wake(r);
	pthread_join(r->thread, NULL);
	/* jobs queued after the thread took its last look */
	while ((j = r->head) != NULL) {
		r->head = j->next;
		job_fail(r, j, "resolver closed");
	}
	close(r->wake[0]);
	close(r->wake[1]);
	pthread_mutex_destroy(&r->lock);
	free(r);
}

struct dns_job *
dns_start(struct dns_resolver *r, const char *const *qname, const int *type,
	  size_t n, int timeout_ms)
{
	struct dns_job *j;
	pthread_condattr_t ca;
	const char *why = NULL;
	int queue = 0, wakeup = 0;

	if ((j = calloc(1, sizeof(*j) + n * sizeof(j->lk[0]))) == NULL)
		return NULL;
	if (n > 0 && (j->res = calloc(n, sizeof(j->res[0]))) == NULL) {
		free(j);
		return NULL;
	}
	if (pthread_mutex_init(&j->lock, NULL) != 0) {
		free(j->res);
		free(j);
		return NULL;
	}
	if (pthread_condattr_init(&ca) != 0 ||
	    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) != 0 ||
	    pthread_cond_init(&j->cond, &ca) != 0) {
		pthread_mutex_destroy(&j->lock);
		free(j->res);
		free(j);
		return NULL;
	}
	pthread_condattr_destroy(&ca);
	j->refs = 1;
	j->n = n;
	j->r = r;
	clock_gettime(CLOCK_MONOTONIC, &j->deadline);
	clock_ts_add_ms(&j->deadline, timeout_ms > 0 ? timeout_ms : 0);
	if (n > DNS_MAX_LOOKUPS)
		why = "too many lookups";
	for (size_t i = 0; i < n; i++) {
		struct lookup *lk = &j->lk[i];
		size_t len = qname[i] ? strlen(qname[i]) : 0;

		lk->job = j;
		lk->type = type[i];
		if (why != NULL)
			job_answer(j, i, DNSBL_FAILED, "", why);
		else if (type[i] != DNS_A && type[i] != DNS_TXT)
			job_answer(j, i, DNSBL_FAILED, "", "bad query type");
		else if (len == 0 || len > NAME_MAX_LEN + 1)
			job_answer(j, i, DNSBL_FAILED, "", "bad name");
		else {
			memcpy(lk->qname, qname[i], len + 1);
			lk->send = 1;
			j->nsend++;
		}
	}
	if (j->nsend == 0)
		return j;
	pthread_mutex_lock(&r->lock);
	if (r->stopping)
		why = "resolver closed";
	else if (r->jobs >= DNS_MAX_JOBS)
		why = "resolver overloaded";
	else {
		r->jobs++;
		j->refs++;		/* the resolver thread's */
		wakeup = r->head == NULL;
		if (r->tail != NULL)
			r->tail->next = j;
		else
			r->head = j;
		r->tail = j;
		queue = 1;
	}
	pthread_mutex_unlock(&r->lock);
	if (!queue) {
		for (size_t i = 0; i < n; i++)
			if (j->lk[i].send)
				job_answer(j, i, DNSBL_FAILED, "", why);
	} else if (wakeup) {
		wake(r);
	}
	return j;
}

void
dns_wait(struct dns_job *j,
	 int (*decided)(void *arg, const struct dnsbl_result *r, size_t n,
			int final),
	 void *arg)
{
	int final;

	pthread_mutex_lock(&j->lock);
	for (;;) {
		size_t seen = j->answered;

		if (!j->frozen && clock_ts_passed(&j->deadline))
			j->frozen = 1;
		final = j->answered == j->n || j->frozen;
		if (decided(arg, j->res, j->n, final) || final)
			break;
		while (j->answered == seen) {
			if (pthread_cond_timedwait(&j->cond, &j->lock,
						   &j->deadline) == ETIMEDOUT) {
				j->frozen = 1;
				break;
			}
		}
	}
	pthread_mutex_unlock(&j->lock);
}

void
dns_results(struct dns_job *j, struct dnsbl_result *out, size_t n)
{
	pthread_mutex_lock(&j->lock);
	if (n > j->n)
		n = j->n;
	if (n > 0)
		memcpy(out, j->res, n * sizeof(out[0]));
	pthread_mutex_unlock(&j->lock);
}

unsigned long
dns_queries_sent(const struct dns_resolver *r)
{
	return atomic_load_explicit(&r->sent, memory_order_relaxed);
}

void
dns_release(struct dns_job *j)
{
	if (j != NULL)
		job_unref(j);
}
