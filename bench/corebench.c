/*
 * corebench.c - in-process cost of the decision core (libqrcore.a).
 *
 *   corebench -d CONTROL_DIR [-x RULES] -t TRAFFIC [-s SECONDS]
 *
 * Loads the tables as the daemon does (timing tables_load), runs
 * policy_connect + policy_mail once per traffic line, then calls
 * policy_rcpt over the traffic lines, on one thread, for about SECONDS
 * (default 1), and checks every verdict against the line's expectation.
 * Prints one line:
 *   load_ms= rcpt_ns= rcpt_per_s= session_ns= wrong= lines=
 * rcpt_ns is one RCPT decision; session_ns is connect+MAIL+RCPT.
 */
#include "config.h"
#include "policy.h"
#include "settings.h"
#include "tables.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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
	double secs = 1.0, t0, t1, load_ms, rcpt_ns, sess_ns;
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
	if (tables_load(&t, &s, NULL, NULL, err, sizeof(err)) != 0)
		die(err);
	load_ms = (now() - t0) * 1e3;

	/* connect + MAIL once per line (timed as part of a session) */
	ss = calloc(n, sizeof(*ss));
	if (ss == NULL)
		die("out of memory");
	for (int pass = 0; pass < 3; pass++) {	/* the first pass warms up */
		t0 = now();
		for (size_t i = 0; i < n; i++) {
			policy_connect(t, &ss[i], tr[i].ip, tr[i].host, &v);
			policy_mail(t, &ss[i], tr[i].from, tr[i].auth, &v);
		}
		t1 = now();
		sess_ns = (t1 - t0) * 1e9 / (double)n;
	}

	/* RCPT decisions, for about secs */
	t0 = now();
	do {
		for (size_t i = 0; i < n; i++) {
			policy_rcpt(t, &ss[i], tr[i].rcpt, &v);
			if (tr[i].expect >= 0 && (int)v.action != tr[i].expect)
				wrong++;
		}
		done += n;
		t1 = now();
	} while (t1 - t0 < secs);
	rcpt_ns = (t1 - t0) * 1e9 / (double)done;
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
