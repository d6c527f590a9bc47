/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * corebench.c - in-process cost of the decision core (libqrcore.a).
 *
 *   corebench -d CONTROL_DIR [-x RULES] -t TRAFFIC [-s SECONDS]
 *
 * Loads the tables as the daemon does (timing tables_load), then, on one
 * thread, for about SECONDS (default 1): runs policy_connect + policy_mail
 * for a batch of BATCH traffic lines, then policy_rcpt for the same batch,
 * timing only the RCPT calls, and checks every verdict against the line's
 * expectation.  A struct session is about 5 kB: the batch keeps the
 * sessions in the cache, as the daemon's is when RCPT follows its connect
 * and MAIL, while the tables are looked up at random.  (One session per
 * line for all 20,000 lines, as this program first did, made every RCPT
 * read four or five cold cache lines of its session - ~100 MB of them -
 * whatever the size of the tables.)  Prints one line:
 *   load_ms= rcpt_ns= rcpt_per_s= session_ns= wrong= lines=
 * rcpt_ns is one RCPT decision; session_ns is connect+MAIL+RCPT.
 */
#include "config.h"
#include "core/policy.h"
#include "core/settings.h"
#include "tables/load.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64

struct line {
	char *ip, *host, *auth, *from, *rcpt;
	int expect;		/* VERDICT_ACCEPT, VERDICT_REJECT, or -1 */
};

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
die(const char *m)
{
	fprintf(stderr, "corebench: %s\n", m);
	exit(2);
}

static struct line *
load_traffic(const char *path, size_t *n)
{
	FILE *f = fopen(path, "r");
	char buf[4096];
	struct line *v = NULL;
	size_t cap = 0;

	if (f == NULL)
		die("cannot open the traffic file");
	*n = 0;
	while (fgets(buf, sizeof(buf), f)) {
		char *fld[6], *p = buf;
		int k = 0;

		buf[strcspn(buf, "\n")] = '\0';
		if (buf[0] == '\0' || buf[0] == '#')
			continue;
		while (k < 6) {
			fld[k++] = p;
			if ((p = strchr(p, '|')) == NULL)
				break;
			*p++ = '\0';
		}
		if (k != 6)
			die("bad traffic line");
		if (*n == cap) {
			cap = cap ? cap * 2 : 1024;
			if ((v = realloc(v, cap * sizeof(*v))) == NULL)
				die("out of memory");
		}
		v[*n].ip = strdup(fld[0]);
		v[*n].host = strcmp(fld[1], "-") ? strdup(fld[1]) : NULL;
		v[*n].auth = strcmp(fld[2], "-") ? strdup(fld[2]) : NULL;
		v[*n].from = strdup(fld[3]);
		v[*n].rcpt = strdup(fld[4]);
		v[*n].expect = strcmp(fld[5], "accept") == 0 ? VERDICT_ACCEPT :
			strcmp(fld[5], "reject") == 0 ? VERDICT_REJECT : -1;
		(*n)++;
	}
	fclose(f);
	if (*n == 0)
		die("empty traffic file");
	return v;
}

int
main(int argc, char **argv)
{
	struct settings s;
	struct tables *t;
	struct line *tr;
	struct session *ss;
	struct verdict v;
	const char *dir = NULL, *rules = NULL, *tfile = NULL;
	char err[1024];
	double secs = 1.0, t0, t1, load_ms, rcpt_ns, sess_ns, rcpt_s;
	size_t n, done = 0, wrong = 0;
	int ch;

	while ((ch = getopt(argc, argv, "d:x:t:s:")) != -1) {
		switch (ch) {
		case 'd': dir = optarg; break;
		case 'x': rules = optarg; break;
		case 't': tfile = optarg; break;
		case 's': secs = atof(optarg); break;
		default: die("usage: corebench -d DIR [-x RULES] -t TRAFFIC [-s SECONDS]");
		}
	}
	if (dir == NULL || tfile == NULL)
		die("usage: corebench -d DIR [-x RULES] -t TRAFFIC [-s SECONDS]");
	settings_defaults(&s);
	snprintf(s.control_dir, sizeof(s.control_dir), "%s", dir);
	if (rules)
		snprintf(s.rules_file, sizeof(s.rules_file), "%s", rules);
	tr = load_traffic(tfile, &n);

	t0 = now();
	if (tables_load(&t, &s, NULL, NULL, NULL, err, sizeof(err)) != 0)
		die(err);
	load_ms = (now() - t0) * 1e3;

	ss = calloc(BATCH, sizeof(*ss));
	if (ss == NULL)
		die("out of memory");
	/* connect + MAIL for every line, on a hot session (the first pass
	 * warms up) */
	for (int pass = 0; pass < 3; pass++) {
		t0 = now();
		for (size_t i = 0; i < n; i++) {
			policy_connect(t, &ss[0], tr[i].ip, tr[i].host, NULL, &v);
			policy_mail(t, &ss[0], tr[i].from, NULL, tr[i].auth, &v);
		}
		t1 = now();
		sess_ns = (t1 - t0) * 1e9 / (double)n;
	}

	/* RCPT decisions, batch by batch, for about secs */
	t0 = now();
	rcpt_s = 0;
	do {
		for (size_t b = 0; b < n; b += BATCH) {
			size_t m = n - b < BATCH ? n - b : BATCH;
			double r0;

			for (size_t j = 0; j < m; j++) {
				policy_connect(t, &ss[j], tr[b + j].ip,
					       tr[b + j].host, NULL, &v);
				policy_mail(t, &ss[j], tr[b + j].from, NULL,
					    tr[b + j].auth, &v);
			}
			r0 = now();
			for (size_t j = 0; j < m; j++) {
				policy_rcpt(t, &ss[j], tr[b + j].rcpt, NULL, &v);
				if (tr[b + j].expect >= 0 &&
				    (int)v.action != tr[b + j].expect)
					wrong++;
			}
			rcpt_s += now() - r0;
		}
		done += n;
		t1 = now();
	} while (t1 - t0 < secs);
	rcpt_ns = rcpt_s * 1e9 / (double)done;
	printf("load_ms=%.1f rcpt_ns=%.0f rcpt_per_s=%.0f session_ns=%.0f wrong=%zu lines=%zu\n",
	       load_ms, rcpt_ns, 1e9 / rcpt_ns, sess_ns + rcpt_ns, wrong, n);
	tables_free(t);
	free(ss);
	for (size_t i = 0; i < n; i++) {
		free(tr[i].ip);
		free(tr[i].host);
		free(tr[i].auth);
		free(tr[i].from);
		free(tr[i].rcpt);
	}
	free(tr);
	return wrong ? 1 : 0;
}
