/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * loadgen.c - milter-protocol load generator: plays the MTA (Postfix-like).
 *
 * Each session opens its own milter connection (as Postfix does), sends
 * OPTNEG, then CONNECT (+macros), HELO, MAIL (+macros), RCPT (+macros),
 * ABORT and QUIT, honouring the SMFIP_NO* (skip a stage) and SMFIP_NR_*
 * (no reply) bits the milter returns.  TCP_NODELAY is set; the macro packet
 * and its command go out in one write, as an MTA's buffered stream does.
 * -c threads each run one session after another, so -c sessions are in
 * flight.  Traffic comes from a file (bench/gentables.sh writes one):
 *
 *   ip|hostname|auth|from|rcpt|expect      expect: accept, reject or -
 *
 * Session i uses line i mod N.  Prints one line of figures:
 *   sessions= secs= rate= p50_us= p99_us= max_us= accept= reject=
 *   tempfail= failed= wrong=
 * -N: do not check the expected verdicts (a no-op milter accepts all).
 * -o FILE also writes "start_ns latency_us ok" per session (CLOCK_REALTIME
 * start) so a script can take percentiles over a time window.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define V6_PROT 0x001FFFFFUL	/* every SMFIP_* bit an MTA may offer */
#define V6_ACTS 0x000001FFUL
#define P_NOCONNECT 0x1UL
#define P_NOHELO 0x2UL
#define P_NOMAIL 0x4UL
#define P_NORCPT 0x8UL
#define P_NR_CONN 0x1000UL
#define P_NR_HELO 0x2000UL
#define P_NR_MAIL 0x4000UL
#define P_NR_RCPT 0x8000UL

enum { V_ACCEPT, V_REJECT, V_TEMPFAIL, V_FAILED };

struct traffic {
	char *ip, *host, *auth, *from, *rcpt;
	int expect;		/* V_ACCEPT, V_REJECT or -1 (do not check) */
};

struct sample {
	int64_t start_ns;
	uint32_t lat_us;
	uint8_t ok;
};

struct worker {
	pthread_t t;
	struct sample *s;
	size_t n, cap;
	unsigned long count[4], wrong;
};

static struct traffic *traffic;
static size_t ntraffic;
static struct sockaddr_storage addr;
static socklen_t addrlen;
static long total = 1000;	/* sessions, or until deadline */
static double seconds;
static atomic_long next_session;
static int64_t deadline_ns;
static int io_timeout_ms = 10000;
static int verbose, nocheck;

static int64_t
now_ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void
die(const char *msg)
{
	fprintf(stderr, "loadgen: %s\n", msg);
	exit(2);
}

/* ---- packet building ---- */
struct buf {
	char d[8192];
	size_t n;
};

static void
put32(struct buf *b, uint32_t v)
{
	v = htonl(v);
	memcpy(b->d + b->n, &v, 4);
	b->n += 4;
}

static void
putstr(struct buf *b, const char *s)
{
	size_t l = strlen(s) + 1;

	if (b->n + l > sizeof(b->d))
		l = 0;
	memcpy(b->d + b->n, s, l);
	b->n += l;
}

/* start a packet; returns the offset of its length field */
static size_t
pkt_begin(struct buf *b, char cmd)
{
	size_t at = b->n;

	b->n += 4;
	b->d[b->n++] = cmd;
	return at;
}

static void
pkt_end(struct buf *b, size_t at)
{
	uint32_t len = htonl((uint32_t)(b->n - at - 4));

	memcpy(b->d + at, &len, 4);
}

/* ---- I/O ---- */
static int
write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int
read_all(int fd, char *p, size_t n)
{
	while (n > 0) {
		struct pollfd pf = { .fd = fd, .events = POLLIN };
		ssize_t r;

		r = recv(fd, p, n, MSG_DONTWAIT);
		if (r > 0) {
			p += r;
			n -= (size_t)r;
			continue;
		}
		if (r == 0)
			return -1;
		if (errno != EAGAIN && errno != EINTR)
			return -1;
		if (poll(&pf, 1, io_timeout_ms) <= 0)
			return -1;
	}
	return 0;
}

/* Read one reply packet (skipping 'p' progress); returns the command
 * byte, or -1.  data (up to datalen) receives the payload. */
static int
read_reply(int fd, char *data, size_t datalen, uint32_t *plen)
{
	for (;;) {
		uint32_t len;
		char cmd;

		if (read_all(fd, (char *)&len, 4) != 0)
			return -1;
		len = ntohl(len);
		if (len == 0 || len > 65536 + 1)
			return -1;
		if (read_all(fd, &cmd, 1) != 0)
			return -1;
		len--;
		{
			char skip[512];
			size_t got = 0;

			while (got < len) {
				size_t want = len - got;
				char *dst;

				if (got < datalen) {
					dst = data + got;
					if (want > datalen - got)
						want = datalen - got;
				} else {
					dst = skip;
					if (want > sizeof(skip))
						want = sizeof(skip);
				}
				if (read_all(fd, dst, want) != 0)
					return -1;
				got += want;
			}
		}
		if (plen)
			*plen = len;
		if (cmd != 'p')
			return (unsigned char)cmd;
	}
}

static int
verdict_of(int cmd, const char *data, uint32_t len)
{
	switch (cmd) {
	case 'c': case 'a': case 's':
		return V_ACCEPT;
	case 'r': case 'd':
		return V_REJECT;
	case 't':
		return V_TEMPFAIL;
	case 'y':
		if (len > 0 && data[0] == '4')
			return V_TEMPFAIL;
		return V_REJECT;
	default:
		return V_FAILED;
	}
}

/* Send the packets in b; unless the milter said it will not reply, read
 * the reply into *v and set *done when the session ends here (a refusal,
 * or "accept" = no more stages).  -1 when the connection failed. */
static int
stage(int fd, const struct buf *b, int noreply, int *v, int *done)
{
	char data[1024];
	uint32_t dlen = 0;
	int cmd;

	if (write_all(fd, b->d, b->n) != 0)
		return -1;
	if (noreply)
		return 0;
	cmd = read_reply(fd, data, sizeof(data), &dlen);
	*v = verdict_of(cmd, data, dlen);
	if (*v == V_FAILED)
		return -1;
	if (*v != V_ACCEPT || cmd == 'a')
		*done = 1;
	return 0;
}

/* One session.  Returns its verdict (the RCPT's, or an earlier refusal). */
static int
session(const struct traffic *tr)
{
	struct buf b;
	char data[1024];
	uint32_t dlen = 0, proto;
	int fd, one = 1, cmd, v = V_ACCEPT, done = 0;
	size_t at;

	fd = socket(addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return V_FAILED;
	if (addr.ss_family != AF_UNIX)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (struct sockaddr *)&addr, addrlen) != 0)
		goto fail;

	/* option negotiation */
	b.n = 0;
	at = pkt_begin(&b, 'O');
	put32(&b, 6);
	put32(&b, V6_ACTS);
	put32(&b, V6_PROT);
	pkt_end(&b, at);
	if (write_all(fd, b.d, b.n) != 0)
		goto fail;
	cmd = read_reply(fd, data, sizeof(data), &dlen);
	if (cmd != 'O' || dlen < 12)
		goto fail;
	memcpy(&proto, data + 8, 4);
	proto = ntohl(proto);

	/* CONNECT */
	if (!(proto & P_NOCONNECT)) {
		int v6 = strchr(tr->ip, ':') != NULL;

		b.n = 0;
		at = pkt_begin(&b, 'D');
		b.d[b.n++] = 'C';
		putstr(&b, "j");
		putstr(&b, "mta.bench.test");
		putstr(&b, "{daemon_name}");
		putstr(&b, "smtpd");
		putstr(&b, "v");
		putstr(&b, "Postfix 3.7");
		pkt_end(&b, at);
		at = pkt_begin(&b, 'C');
		putstr(&b, tr->host[0] ? tr->host : "unknown");
		b.d[b.n++] = v6 ? '6' : '4';
		b.d[b.n++] = 0x30;	/* port 12345, network order */
		b.d[b.n++] = 0x39;
		putstr(&b, tr->ip);
		pkt_end(&b, at);
		if (stage(fd, &b, (proto & P_NR_CONN) != 0, &v, &done) != 0)
			goto fail;
	}
	/* HELO */
	if (!done && !(proto & P_NOHELO)) {
		b.n = 0;
		at = pkt_begin(&b, 'H');
		putstr(&b, "client.bench.test");
		pkt_end(&b, at);
		if (stage(fd, &b, (proto & P_NR_HELO) != 0, &v, &done) != 0)
			goto fail;
	}
	/* MAIL */
	if (!done && !(proto & P_NOMAIL)) {
		b.n = 0;
		at = pkt_begin(&b, 'D');
		b.d[b.n++] = 'M';
		putstr(&b, "{mail_mailer}");
		putstr(&b, "smtp");
		if (tr->auth[0]) {
			putstr(&b, "{auth_type}");
			putstr(&b, "PLAIN");
			putstr(&b, "{auth_authen}");
			putstr(&b, tr->auth);
		}
		pkt_end(&b, at);
		at = pkt_begin(&b, 'M');
		putstr(&b, tr->from);
		pkt_end(&b, at);
		if (stage(fd, &b, (proto & P_NR_MAIL) != 0, &v, &done) != 0)
			goto fail;
	}
	/* RCPT */
	if (!done && !(proto & P_NORCPT)) {
		b.n = 0;
		at = pkt_begin(&b, 'D');
		b.d[b.n++] = 'R';
		putstr(&b, "{rcpt_mailer}");
		putstr(&b, "smtp");
		putstr(&b, "{rcpt_addr}");
		putstr(&b, tr->rcpt);
		pkt_end(&b, at);
		at = pkt_begin(&b, 'R');
		putstr(&b, tr->rcpt);
		pkt_end(&b, at);
		if (stage(fd, &b, (proto & P_NR_RCPT) != 0, &v, &done) != 0)
			goto fail;
	}
	/* ABORT, QUIT: no replies */
	b.n = 0;
	at = pkt_begin(&b, 'A');
	pkt_end(&b, at);
	at = pkt_begin(&b, 'Q');
	pkt_end(&b, at);
	if (write_all(fd, b.d, b.n) != 0)
		goto fail;
	close(fd);
	return v;
fail:
	if (verbose)
		fprintf(stderr, "loadgen: session failed: %s\n",
			strerror(errno));
	close(fd);
	return V_FAILED;
}

static void *
work(void *arg)
{
	struct worker *w = arg;

	for (;;) {
		long i = atomic_fetch_add(&next_session, 1);
		int64_t t0, t1, w0;
		const struct traffic *tr;
		int v, ok;

		if (deadline_ns) {
			if (now_ns(CLOCK_MONOTONIC) >= deadline_ns)
				break;
		} else if (i >= total) {
			break;
		}
		tr = &traffic[(size_t)i % ntraffic];
		w0 = now_ns(CLOCK_REALTIME);
		t0 = now_ns(CLOCK_MONOTONIC);
		v = session(tr);
		t1 = now_ns(CLOCK_MONOTONIC);
		w->count[v]++;
		ok = v != V_FAILED &&
		     (nocheck || tr->expect < 0 || tr->expect == v);
		if (v != V_FAILED && !ok)
			w->wrong++;
		if (w->n == w->cap) {
			w->cap = w->cap ? w->cap * 2 : 4096;
			w->s = realloc(w->s, w->cap * sizeof(*w->s));
			if (w->s == NULL)
				die("out of memory");
		}
		w->s[w->n].start_ns = w0;
		w->s[w->n].lat_us = (uint32_t)((t1 - t0) / 1000);
		w->s[w->n].ok = (uint8_t)ok;
		w->n++;
	}
	return NULL;
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static void
load_traffic(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[4096];
	size_t cap = 0;

	if (f == NULL)
		die("cannot open the traffic file");
	while (fgets(line, sizeof(line), f)) {
		char *fld[6], *p = line;
		int n = 0;

		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		while (n < 6) {
			fld[n++] = p;
			p = strchr(p, '|');
			if (p == NULL)
				break;
			*p++ = '\0';
		}
		if (n != 6)
			die("traffic line needs 6 fields: ip|host|auth|from|rcpt|expect");
		if (ntraffic == cap) {
			cap = cap ? cap * 2 : 1024;
			traffic = realloc(traffic, cap * sizeof(*traffic));
			if (traffic == NULL)
				die("out of memory");
		}
		traffic[ntraffic].ip = strdup(fld[0]);
		traffic[ntraffic].host = strdup(fld[1][0] == '-' ? "" : fld[1]);
		traffic[ntraffic].auth = strdup(fld[2][0] == '-' ? "" : fld[2]);
		traffic[ntraffic].from = strdup(fld[3]);
		traffic[ntraffic].rcpt = strdup(fld[4]);
		traffic[ntraffic].expect = strcmp(fld[5], "accept") == 0 ? V_ACCEPT :
			strcmp(fld[5], "reject") == 0 ? V_REJECT : -1;
		ntraffic++;
	}
	fclose(f);
	if (ntraffic == 0)
		die("empty traffic file");
}

static void
parse_target(const char *spec)
{
	memset(&addr, 0, sizeof(addr));
	if (strncmp(spec, "unix:", 5) == 0) {
		struct sockaddr_un *u = (struct sockaddr_un *)&addr;

		u->sun_family = AF_UNIX;
		snprintf(u->sun_path, sizeof(u->sun_path), "%s", spec + 5);
		addrlen = sizeof(*u);
	} else if (strncmp(spec, "inet:", 5) == 0) {
		struct sockaddr_in *in = (struct sockaddr_in *)&addr;
		const char *at = strchr(spec, '@');

		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)atoi(spec + 5));
		if (inet_pton(AF_INET, at ? at + 1 : "127.0.0.1",
			      &in->sin_addr) != 1)
			die("bad inet address");
		addrlen = sizeof(*in);
	} else {
		die("socket must be unix:/path or inet:PORT@127.0.0.1");
	}
}

int
main(int argc, char **argv)
{
	const char *target = NULL, *tfile = NULL, *ofile = NULL;
	int conc = 10, ch;
	struct worker *w;
	unsigned long count[4] = { 0 }, wrong = 0;
	size_t n = 0;
	uint32_t *lat;
	int64_t t0, t1;
	double secs;

	while ((ch = getopt(argc, argv, "s:t:c:n:d:o:T:vN")) != -1) {
		switch (ch) {
		case 's': target = optarg; break;
		case 't': tfile = optarg; break;
		case 'c': conc = atoi(optarg); break;
		case 'n': total = atol(optarg); break;
		case 'd': seconds = atof(optarg); break;
		case 'o': ofile = optarg; break;
		case 'T': io_timeout_ms = atoi(optarg); break;
		case 'v': verbose = 1; break;
		case 'N': nocheck = 1; break;
		default:
			fprintf(stderr,
				"usage: loadgen -s SOCKET -t TRAFFIC [-c CONC] [-n SESSIONS | -d SECONDS] [-o FILE] [-T TIMEOUT_MS] [-N] [-v]\n");
			return 2;
		}
	}
	if (target == NULL || tfile == NULL || conc < 1)
		die("need -s SOCKET and -t TRAFFIC (and -c >= 1)");
	parse_target(target);
	load_traffic(tfile);
	w = calloc((size_t)conc, sizeof(*w));
	if (w == NULL)
		die("out of memory");
	t0 = now_ns(CLOCK_MONOTONIC);
	if (seconds > 0)
		deadline_ns = t0 + (int64_t)(seconds * 1e9);
	for (int i = 0; i < conc; i++)
		if (pthread_create(&w[i].t, NULL, work, &w[i]) != 0)
			die("cannot create threads");
	for (int i = 0; i < conc; i++)
		pthread_join(w[i].t, NULL);
	t1 = now_ns(CLOCK_MONOTONIC);
	secs = (double)(t1 - t0) / 1e9;

	for (int i = 0; i < conc; i++)
		n += w[i].n;
	lat = malloc((n ? n : 1) * sizeof(*lat));
	if (lat == NULL)
		die("out of memory");
	{
		FILE *o = ofile ? fopen(ofile, "w") : NULL;
		size_t k = 0;

		if (ofile && o == NULL)
			die("cannot write the -o file");
		for (int i = 0; i < conc; i++) {
			for (size_t j = 0; j < w[i].n; j++) {
				lat[k++] = w[i].s[j].lat_us;
				if (o)
					fprintf(o, "%lld %u %u\n",
						(long long)w[i].s[j].start_ns,
						w[i].s[j].lat_us, w[i].s[j].ok);
			}
			for (int v = 0; v < 4; v++)
				count[v] += w[i].count[v];
			wrong += w[i].wrong;
		}
		if (o)
			fclose(o);
	}
	qsort(lat, n, sizeof(*lat), cmp_u32);
	printf("sessions=%zu secs=%.3f rate=%.1f p50_us=%u p99_us=%u max_us=%u accept=%lu reject=%lu tempfail=%lu failed=%lu wrong=%lu\n",
	       n, secs, secs > 0 ? (double)n / secs : 0.0,
	       n ? lat[n / 2] : 0, n ? lat[(size_t)((double)n * 0.99)] : 0,
	       n ? lat[n - 1] : 0, count[V_ACCEPT], count[V_REJECT],
	       count[V_TEMPFAIL], count[V_FAILED], wrong);
	for (int i = 0; i < conc; i++)
		free(w[i].s);
	free(w);
	free(lat);
	for (size_t i = 0; i < ntraffic; i++) {
		free(traffic[i].ip);
		free(traffic[i].host);
		free(traffic[i].auth);
		free(traffic[i].from);
		free(traffic[i].rcpt);
	}
	free(traffic);
	return count[V_FAILED] || wrong ? 1 : 0;
}
