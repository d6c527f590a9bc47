/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_dns.c - the DNSBL resolver (src/dns/resolver.c) against a real
 * rbldnsd: listed with a TXT text, not listed, A lookups, IPv6 nibble
 * names, an allow-list, a zone the server refuses, a port where nothing
 * listens, a server that never answers, the deadline, many concurrent jobs
 * from several threads, releasing or closing with answers on the way,
 * overload, and the server list syntax.
 *
 * usage: test_dns PORT, the UDP port of an rbldnsd on 127.0.0.1 serving
 * the zones tests/dns/resolver.sh writes (the expectations below follow
 * them).  Prints "ok N - ..." lines; "# sent N" is the number of queries
 * sent to that rbldnsd, for the wrapper to compare with its log.
 */
#include "config.h"
#include "core/dnsbl.h"
#include "dns/resolver.h"
#include "tap.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define LISTED_TXT "Listed in bl.test, see http://bl.test/lookup?ip="

static int rbl_port;
static char rbl_servers[64];

static double
ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) * 1e3 +
	       (double)(t.tv_nsec - t0->tv_nsec) / 1e6;
}

static int
until_final(void *arg, const struct dnsbl_result *r, size_t n, int final)
{
	(void)arg;
	(void)r;
	(void)n;
	return final;
}

/* One job: start, wait until final, copy the results.  The time taken. */
static double
lookup(struct dns_resolver *res, const char *const *name, const int *type,
       size_t n, int timeout_ms, struct dnsbl_result *out)
{
	struct timespec t0;
	struct dns_job *j;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	j = dns_start(res, name, type, n, timeout_ms);
	if (j == NULL) {
		for (size_t i = 0; i < n; i++)
			out[i].answer = DNSBL_FAILED;
		return ms_since(&t0);
	}
	dns_wait(j, until_final, NULL);
	dns_results(j, out, n);
	dns_release(j);
	return ms_since(&t0);
}

static const char *
answer_name(enum dnsbl_answer a)
{
	static const char *const name[] = { "pending", "not listed",
					    "listed", "failed" };

	return (unsigned)a < 4 ? name[a] : "?";
}

static void
check_result(const struct dnsbl_result *r, enum dnsbl_answer want,
	     const char *text, const char *error, const char *what)
{
	CHECK(r->answer == want, "%s: %s (got %s%s%s)", what,
	      answer_name(want), answer_name(r->answer),
	      r->error[0] ? ", " : "", r->error);
	if (text != NULL)
		CHECK_STR(r->text, text, what);
	if (error != NULL)
		CHECK_STR(r->error, error, what);
}

static void
v4name(const char *ip, const char *zone, char *out, size_t outlen)
{
	struct client_ip c;
	struct in_addr a;

	memset(&c, 0, sizeof(c));
	c.family = AF_INET;
	snprintf(c.text, sizeof(c.text), "%s", ip);
	inet_pton(AF_INET, ip, &a);
	c.v4 = ntohl(a.s_addr);
	if (dnsbl_qname(&c, zone, out, outlen) != 0)
		out[0] = '\0';
}

static void
v6name(const char *ip, const char *zone, char *out, size_t outlen)
{
	struct client_ip c;

	memset(&c, 0, sizeof(c));
	c.family = AF_INET6;
	snprintf(c.text, sizeof(c.text), "%s", ip);
	if (dnsbl_qname(&c, zone, out, outlen) != 0)
		out[0] = '\0';
}

/* A UDP socket on 127.0.0.1 (that never answers); its port in *port. */
static int
udp_socket(int *port)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int s = socket(AF_INET, SOCK_DGRAM, 0);

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (s < 0 || bind(s, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    getsockname(s, (struct sockaddr *)&sa, &len) != 0) {
		perror("udp socket");
		exit(2);
	}
	*port = ntohs(sa.sin_port);
	return s;
}

static void
test_servers(void)
{
	static const char *const good[] = {
		"127.0.0.1", "127.0.0.1:5353", "[::1]:5353", "[::1]", "::1",
		"2001:db8::53", "127.0.0.1, 192.0.2.1:54 ,[2001:db8::1]:55",
	};
	static const char *const bad[] = {
		"bogus", "127.0.0.1:0", "127.0.0.1:65536", "127.0.0.1:53x",
		"127.0.0.1:", "[::1", "[::1]x", "[::1]:", "127.0.0.1,",
		",127.0.0.1", "127.0.0.1,,127.0.0.2", " ", "fe80::1%lo",
		"1.2.3.4,1.2.3.5,1.2.3.6,1.2.3.7,1.2.3.8,1.2.3.9,1.2.3.10,1.2.3.11,1.2.3.12",
		"host.example",
	};
	char err[256];

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct dns_resolver *r;

		err[0] = '\0';
		r = dns_open(good[i], err, sizeof(err));
		CHECK(r != NULL, "servers \"%s\" accepted %s", good[i], err);
		dns_close(r);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct dns_resolver *r;

		err[0] = '\0';
		r = dns_open(bad[i], err, sizeof(err));
		CHECK(r == NULL && err[0] != '\0', "servers \"%s\" refused: %s",
		      bad[i], err);
		dns_close(r);
	}
	{
		struct dns_resolver *r = dns_open("", err, sizeof(err));

		CHECK(r != NULL, "\"\": the system resolver %s",
		      r ? "" : err);
		dns_close(r);
	}
}

static void
test_answers(struct dns_resolver *r)
{
	char n[8][300], big[256];
	const char *name[8];
	int type[8];
	struct dnsbl_result res[8];

	for (int i = 0; i < 8; i++)
		name[i] = n[i];
	v4name("192.0.2.7", "bl.test", n[0], sizeof(n[0]));
	CHECK_STR(n[0], "7.2.0.192.bl.test", "dnsbl_qname IPv4");
	strcpy(n[1], n[0]);
	v4name("192.0.2.8", "bl.test", n[2], sizeof(n[2]));
	strcpy(n[3], n[2]);
	v4name("203.0.113.9", "bl.test", n[4], sizeof(n[4]));
	strcpy(n[5], n[4]);
	v4name("198.51.100.77", "bl.test", n[6], sizeof(n[6]));
	v4name("192.0.2.7", "wl.test", n[7], sizeof(n[7]));
	type[0] = DNS_TXT, type[1] = DNS_A, type[2] = DNS_TXT;
	type[3] = DNS_A, type[4] = DNS_TXT, type[5] = DNS_A;
	type[6] = DNS_TXT, type[7] = DNS_A;
	lookup(r, name, type, 8, 5000, res);
	check_result(&res[0], DNSBL_LISTED, LISTED_TXT "192.0.2.7", "",
		     "TXT listed, with the text");
	check_result(&res[1], DNSBL_LISTED, "", "", "A listed");
	check_result(&res[2], DNSBL_NOT_LISTED, "", "", "TXT not listed");
	check_result(&res[3], DNSBL_NOT_LISTED, "", "", "A not listed");
	check_result(&res[4], DNSBL_NOT_LISTED, "", "",
		     "TXT of an entry without text (NODATA): not listed");
	check_result(&res[5], DNSBL_LISTED, "", "", "... listed for A");
	check_result(&res[6], DNSBL_LISTED,
		     "Spam source 198.51.100.77 (range 198.51.100.0/24)", "",
		     "TXT of a range");
	check_result(&res[7], DNSBL_LISTED, "", "", "allow-list A listed");

	v6name("2001:db8::7", "bl.test", n[0], sizeof(n[0]));
	CHECK_STR(n[0], "7.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.bl.test",
		  "dnsbl_qname IPv6");
	strcpy(n[1], n[0]);
	v6name("2001:db8::8", "bl.test", n[2], sizeof(n[2]));
	type[0] = DNS_TXT, type[1] = DNS_A, type[2] = DNS_TXT;
	lookup(r, name, type, 3, 5000, res);
	check_result(&res[0], DNSBL_LISTED, "IPv6 listed in bl.test", "",
		     "IPv6 TXT listed");
	check_result(&res[1], DNSBL_LISTED, "", "", "IPv6 A listed");
	check_result(&res[2], DNSBL_NOT_LISTED, "", "", "IPv6 not listed");

	/* the text as rblsmtpd shows it: bytes outside ASCII as '?', cut */
	v4name("192.0.2.20", "bl.test", n[0], sizeof(n[0]));
	v4name("192.0.2.21", "bl.test", n[1], sizeof(n[1]));
	type[0] = type[1] = DNS_TXT;
	lookup(r, name, type, 2, 5000, res);
	check_result(&res[0], DNSBL_LISTED, "Caf?? listed", "",
		     "non-ASCII bytes become '?'");
	memset(big, 'x', 200);
	big[200] = '\0';
	check_result(&res[1], DNSBL_LISTED, big, "",
		     "a 250-byte text is cut to 200");

	/* refused and bad input fail, never "not listed" */
	v4name("192.0.2.7", "other.test", n[0], sizeof(n[0]));
	strcpy(n[1], "a..b.bl.test");
	n[2][0] = '\0';
	memset(n[3], 'a', 260);
	n[3][260] = '\0';
	strcpy(n[4], "7.2.0.192.bl.test");
	type[0] = type[1] = type[2] = type[3] = DNS_A;
	type[4] = 28;		/* AAAA: not for a DNSBL */
	lookup(r, name, type, 5, 5000, res);
	check_result(&res[0], DNSBL_FAILED, "", "refused",
		     "a zone the server does not serve (REFUSED)");
	check_result(&res[1], DNSBL_FAILED, "", "bad name", "a..b: bad name");
	check_result(&res[2], DNSBL_FAILED, "", "bad name", "empty name");
	check_result(&res[3], DNSBL_FAILED, "", "bad name", "260 bytes");
	check_result(&res[4], DNSBL_FAILED, "", "bad query type",
		     "a type other than A and TXT");
	{
		const char *many[DNS_MAX_LOOKUPS + 1];
		int mt[DNS_MAX_LOOKUPS + 1];
		struct dnsbl_result mr[DNS_MAX_LOOKUPS + 1];
		int all = 1;

		for (int i = 0; i <= DNS_MAX_LOOKUPS; i++) {
			many[i] = "7.2.0.192.bl.test";
			mt[i] = DNS_A;
		}
		lookup(r, many, mt, DNS_MAX_LOOKUPS + 1, 5000, mr);
		for (int i = 0; i <= DNS_MAX_LOOKUPS; i++)
			all &= mr[i].answer == DNSBL_FAILED;
		CHECK(all, "more than %d lookups in a job fail",
		      DNS_MAX_LOOKUPS);
		lookup(r, many, mt, DNS_MAX_LOOKUPS, 5000, mr);
		all = 1;
		for (int i = 0; i < DNS_MAX_LOOKUPS; i++)
			all &= mr[i].answer == DNSBL_LISTED;
		CHECK(all, "%d lookups in a job", DNS_MAX_LOOKUPS);
	}
	{
		struct dns_job *j = dns_start(r, NULL, NULL, 0, 1000);
		struct timespec t0;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		dns_wait(j, until_final, NULL);
		CHECK(ms_since(&t0) < 2000, "a job of no lookups is final at once");
		dns_release(j);
	}
}

/* dns_wait's calls of decided */
struct calls {
	int n, first_final, last_final, pending_at_final;
	int stop_at_first;
};

static int
count_calls(void *arg, const struct dnsbl_result *r, size_t n, int final)
{
	struct calls *c = arg;

	if (c->n++ == 0)
		c->first_final = final;
	c->last_final = final;
	c->pending_at_final = 0;
	for (size_t i = 0; i < n; i++)
		c->pending_at_final += r[i].answer == DNSBL_PENDING;
	return c->stop_at_first || final;
}

static void
test_wait(struct dns_resolver *r)
{
	const char *name[3] = { "7.2.0.192.bl.test", "8.2.0.192.bl.test",
				"7.2.0.192.wl.test" };
	int type[3] = { DNS_TXT, DNS_A, DNS_A };
	struct calls c;
	struct dns_job *j;
	unsigned long sent0 = dns_queries_sent(r);

	memset(&c, 0, sizeof(c));
	j = dns_start(r, name, type, 3, 5000);
	dns_wait(j, count_calls, &c);
	CHECK(c.n >= 1 && c.n <= 4 && c.last_final && c.pending_at_final == 0,
	      "decided: called at once and per answer (%d calls), the last final",
	      c.n);
	dns_release(j);
	CHECK(dns_queries_sent(r) == sent0 + 3, "3 queries sent (%lu)",
	      dns_queries_sent(r) - sent0);

	memset(&c, 0, sizeof(c));
	c.stop_at_first = 1;
	j = dns_start(r, name, type, 3, 5000);
	dns_wait(j, count_calls, &c);
	CHECK(c.n == 1, "decided returning nonzero ends the wait");
	dns_release(j);		/* answers may still be on the way */
}

/* Many jobs from several threads at once. */
#define THREADS 8
#define JOBS_PER_THREAD 250

struct worker {
	struct dns_resolver *r;
	int id, wrong, failed;
	char why[300];
};

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	struct dns_job *job[JOBS_PER_THREAD];
	int kind[JOBS_PER_THREAD], last[JOBS_PER_THREAD];

	for (int k = 0; k < JOBS_PER_THREAD; k++) {
		char n[3][300], ip[32];
		const char *name[3] = { n[0], n[1], n[2] };
		int type[3] = { DNS_TXT, DNS_A, DNS_A };

		kind[k] = (k + w->id) % 4;
		last[k] = 1 + (k * 7 + w->id) % 254;
		switch (kind[k]) {
		case 0: snprintf(ip, sizeof(ip), "192.0.2.7"); break;
		case 1: snprintf(ip, sizeof(ip), "192.0.2.%d", 100 + last[k] % 100); break;
		case 2: snprintf(ip, sizeof(ip), "198.51.100.%d", last[k]); break;
		default: snprintf(ip, sizeof(ip), "10.1.2.%d", last[k]); break;
		}
		v4name(ip, "bl.test", n[0], sizeof(n[0]));
		strcpy(n[1], n[0]);
		v4name(ip, "wl.test", n[2], sizeof(n[2]));
		job[k] = dns_start(w->r, name, type, 3, 20000);
	}
	for (int k = 0; k < JOBS_PER_THREAD; k++) {
		struct dnsbl_result res[3];
		enum dnsbl_answer want[3];
		char text[DNSBL_TEXT_MAX + 1] = "";

		if (job[k] == NULL) {
			w->failed++;
			continue;
		}
		dns_wait(job[k], until_final, NULL);
		dns_results(job[k], res, 3);
		dns_release(job[k]);
		switch (kind[k]) {
		case 0:
			want[0] = want[1] = want[2] = DNSBL_LISTED;
			snprintf(text, sizeof(text), LISTED_TXT "192.0.2.7");
			break;
		case 1:
			want[0] = want[1] = want[2] = DNSBL_NOT_LISTED;
			break;
		case 2:
			want[0] = want[1] = DNSBL_LISTED;
			want[2] = DNSBL_NOT_LISTED;
			snprintf(text, sizeof(text),
				 "Spam source 198.51.100.%d (range 198.51.100.0/24)",
				 last[k]);
			break;
		default:
			want[0] = want[1] = DNSBL_NOT_LISTED;
			want[2] = DNSBL_LISTED;
			break;
		}
		for (int i = 0; i < 3; i++) {
			if (res[i].answer == DNSBL_FAILED ||
			    res[i].answer == DNSBL_PENDING)
				w->failed++;
			if (res[i].answer != want[i] ||
			    (i == 0 && strcmp(res[i].text, text) != 0)) {
				if (w->wrong++ == 0)
					snprintf(w->why, sizeof(w->why),
						 "job %d lookup %d: %s \"%s\" %s", k, i,
						 answer_name(res[i].answer),
						 res[i].text, res[i].error);
			}
		}
	}
	return NULL;
}

static void
test_concurrent(struct dns_resolver *r)
{
	pthread_t t[THREADS];
	struct worker w[THREADS];
	struct timespec t0;
	int wrong = 0, failed = 0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < THREADS; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		w[i].r = r;
		w[i].id = i;
		if (pthread_create(&t[i], NULL, worker_main, &w[i]) != 0) {
			perror("pthread_create");
			exit(2);
		}
	}
	for (int i = 0; i < THREADS; i++) {
		pthread_join(t[i], NULL);
		wrong += w[i].wrong;
		failed += w[i].failed;
		if (w[i].wrong)
			printf("# thread %d: %s\n", i, w[i].why);
	}
	CHECK(wrong == 0 && failed == 0,
	      "%d jobs of 3 lookups from %d threads: all answered right (%d wrong, %d failed, %.0f ms)",
	      THREADS * JOBS_PER_THREAD, THREADS, wrong, failed,
	      ms_since(&t0));
}

/* Released or closed with answers on the way (for ASan and TSan). */
static void
test_release(void)
{
	const char *name[2] = { "7.2.0.192.bl.test", "8.2.0.192.bl.test" };
	int type[2] = { DNS_TXT, DNS_A };
	struct dns_job *job[300];
	struct dnsbl_result res[2];
	struct dns_resolver *r;
	char err[256];
	int ok = 1;

	if ((r = dns_open(rbl_servers, err, sizeof(err))) == NULL) {
		CHECK(0, "dns_open: %s", err);
		return;
	}
	for (int k = 0; k < 300; k++) {
		struct dns_job *j = dns_start(r, name, type, 2, 5000);

		dns_release(j);		/* before any answer */
	}
	lookup(r, name, type, 2, 5000, res);
	CHECK(res[0].answer == DNSBL_LISTED && res[1].answer == DNSBL_NOT_LISTED,
	      "300 jobs released before their answers; the next is answered");

	for (int k = 0; k < 300; k++)
		job[k] = dns_start(r, name, type, 2, 5000);
	dns_close(r);		/* with answers on the way */
	for (int k = 0; k < 300; k++) {
		dns_wait(job[k], until_final, NULL);
		dns_results(job[k], res, 2);
		for (int i = 0; i < 2; i++)
			if (res[i].answer == DNSBL_PENDING ||
			    (res[i].answer == DNSBL_FAILED &&
			     strcmp(res[i].error, "resolver closed") != 0))
				ok = 0;
		dns_release(job[k]);
	}
	CHECK(ok, "closed with 300 jobs on the way: each answered or failed \"resolver closed\"; jobs stay valid");
}

/* Servers that refuse (nothing listens) or never answer. */
static void
test_unreachable(void)
{
	const char *name[1] = { "7.2.0.192.bl.test" };
	int type[1] = { DNS_A };
	struct dnsbl_result res[1], late[1];
	struct dns_resolver *r;
	struct dns_job *a, *b;
	struct timespec t0;
	char servers[128], err[256];
	int port, s;
	double ms;

	/* nothing listens: the ICMP error fails it at once */
	close(udp_socket(&port));
	snprintf(servers, sizeof(servers), "127.0.0.1:%d", port);
	if ((r = dns_open(servers, err, sizeof(err))) == NULL) {
		CHECK(0, "dns_open: %s", err);
		return;
	}
	ms = lookup(r, name, type, 1, 3000, res);
	check_result(&res[0], DNSBL_FAILED, NULL, "connection refused",
		     "nothing listens on the port");
	CHECK(ms < 3000 + 2000, "... within the timeout (%.0f ms of 3000)", ms);
	dns_close(r);

	/* the first server refuses, the second answers */
	snprintf(servers, sizeof(servers), "127.0.0.1:%d,127.0.0.1:%d", port,
		 rbl_port);
	if ((r = dns_open(servers, err, sizeof(err))) == NULL) {
		CHECK(0, "dns_open: %s", err);
		return;
	}
	ms = lookup(r, name, type, 1, 5000, res);
	check_result(&res[0], DNSBL_LISTED, NULL, NULL,
		     "first server down: the second answers");
	printf("# ... after %.0f ms\n", ms);
	dns_close(r);

	/* a server that never answers: c-ares gives up after 1.5 + 3 s,
	 * a shorter deadline ends the wait first */
	s = udp_socket(&port);
	snprintf(servers, sizeof(servers), "127.0.0.1:%d", port);
	if ((r = dns_open(servers, err, sizeof(err))) == NULL) {
		CHECK(0, "dns_open: %s", err);
		close(s);
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	a = dns_start(r, name, type, 1, 8000);
	b = dns_start(r, name, type, 1, 700);
	dns_wait(b, until_final, NULL);
	ms = ms_since(&t0);
	dns_results(b, res, 1);
	check_result(&res[0], DNSBL_PENDING, NULL, NULL,
		     "no answer: final at the deadline, still pending");
	CHECK(ms >= 690 && ms < 700 + 5000, "... after %.0f ms (deadline 700)",
	      ms);
	dns_wait(a, until_final, NULL);
	ms = ms_since(&t0);
	dns_results(a, res, 1);
	check_result(&res[0], DNSBL_FAILED, NULL, "timeout",
		     "no answer: c-ares times out");
	CHECK(ms >= 4000 && ms < 8000 + 2000,
	      "... after %.0f ms (1.5 + 3 s; deadline 8000)", ms);
	dns_results(b, late, 1);
	CHECK(late[0].answer == DNSBL_PENDING,
	      "results do not change after the deadline");
	dns_release(a);
	dns_release(b);

	/* overload: DNS_MAX_JOBS outstanding, the next fails at once */
	{
		struct dns_job **job = calloc(DNS_MAX_JOBS, sizeof(*job));
		int null = 0, ok = 1;

		if (job == NULL)
			exit(2);
		for (int k = 0; k < DNS_MAX_JOBS; k++)
			null += (job[k] = dns_start(r, name, type, 1, 20000)) == NULL;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		lookup(r, name, type, 1, 20000, res);
		ms = ms_since(&t0);
		check_result(&res[0], DNSBL_FAILED, NULL, "resolver overloaded",
			     "the job after 10000 outstanding");
		CHECK(ms < 1000, "... at once (%.0f ms)", ms);
		dns_close(r);
		for (int k = 0; k < DNS_MAX_JOBS; k++) {
			if (job[k] == NULL)
				continue;
			dns_wait(job[k], until_final, NULL);
			dns_results(job[k], res, 1);
			if (res[0].answer != DNSBL_FAILED ||
			    strcmp(res[0].error, "resolver closed") != 0)
				ok = 0;
			dns_release(job[k]);
		}
		CHECK(null == 0 && ok,
		      "closing fails the 10000 (queued and sent): \"resolver closed\"");
		free(job);
	}
	close(s);
}

int
main(int argc, char **argv)
{
	struct dns_resolver *r;
	char err[256];

	if (argc != 2 || (rbl_port = atoi(argv[1])) <= 0) {
		fprintf(stderr, "usage: test_dns RBLDNSD-PORT\n");
		return 2;
	}
	snprintf(rbl_servers, sizeof(rbl_servers), "127.0.0.1:%d", rbl_port);
	CHECK(dns_library_init() == 0 && dns_library_init() == 0,
	      "dns_library_init, twice");
	test_servers();
	if ((r = dns_open(rbl_servers, err, sizeof(err))) == NULL) {
		CHECK(0, "dns_open %s: %s", rbl_servers, err);
		return tap_done();
	}
	test_answers(r);
	test_wait(r);
	test_concurrent(r);
	printf("# sent %lu\n", dns_queries_sent(r));
	dns_close(r);
	test_release();
	test_unreachable();
	return tap_done();
}
