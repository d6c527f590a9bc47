/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * qrelayctl.c - explain relay decisions without an MTA, and keep the
 * SMTP-after-POP logins.
 *
 *   qrelayctl [-c FILE] check [-d DIR] [-x FILE] --ip ADDR [--host NAME]
 *                   [--listener NAME] [--no-dns]
 *                   [--auth USER] [--from ADDR [--mail-addr ADDR]]
 *                   [--rcpt-addr ADDR]... RCPT...
 *
 * Loads the same tables and runs the same core as the daemon, then prints
 * one line per recipient: "VERDICT CODE X.Y.Z text | rcpt <r> | reason".
 * --mail-addr and --rcpt-addr state what the MTA would pass as {mail_addr}
 * and {rcpt_addr} (its own reading of the address); the n-th --rcpt-addr
 * goes with the n-th RCPT.  Without them, check decides as the daemon does
 * when the MTA sends no such macro (only plain addresses are judged).
 * Exit: 0 all accepted, 1 a reject, 2 a tempfail, 111 usage/config error.
 * With a configured SMTP-after-POP backend, check asks it like the daemon;
 * with DNSBL zones it looks the client up like the daemon (--no-dns: it
 * does not) and prints a last line "dnsbl | what the lists said".
 * --listener is the {daemon_name} the MTA would send.
 *
 *   qrelayctl [-c FILE] allow ADDR [USER]   record a POP/IMAP login
 *   qrelayctl [-c FILE] expire              remove stale entries
 *   qrelayctl [-c FILE] list                show the entries
 *   qrelayctl [-c FILE] status              the running daemon's tables:
 *                                           exit 0 up to date, 1 stale,
 *                                           3 no daemon
 *   qrelayctl [-c FILE] lint [...]          an open-relay audit (lint.c):
 *                                           exit 0 clean, 1 ERROR,
 *                                           2 WARNING, 3 INFO
 *
 * The configuration file is SYSCONFDIR/qrelay-milter.conf if it exists
 * (-c FILE: that file, which must exist); -d and -x override its keys.
 * Exit 0, or 111 on an error.
 */
#include "config.h"
#include "conf/conf.h"
#include "core/policy.h"
#include "core/rewrite.h"
#include "dns/rbl.h"
#include "dns/resolver.h"
#include "pop/pop.h"
#include "tables/load.h"
#include "lint.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define EXIT_USAGE 111

static const char *default_config = SYSCONFDIR "/qrelay-milter.conf";

static void
help(FILE *f)
{
	fprintf(f,
		"usage: qrelayctl [-c FILE] check [-d DIR] [-x FILE] --ip ADDR [--host NAME]\n"
		"                       [--listener NAME] [--no-dns]\n"
		"                       [--auth USER] [--from ADDR [--mail-addr ADDR]]\n"
		"                       [--rcpt-addr ADDR]... RCPT...\n"
		"       qrelayctl [-c FILE] allow ADDR [USER]\n"
		"       qrelayctl [-c FILE] expire\n"
		"       qrelayctl [-c FILE] list\n"
		"       qrelayctl [-c FILE] status\n"
		"       qrelayctl [-c FILE] lint [-d DIR] [-x FILE] [-p SOCKET]\n"
		"                       [--postfix[=DIR] | --no-postfix]\n"
		"                       [--sendmail[=CF] | --no-sendmail]\n"
		"                       [--daemon | --no-daemon] [--json]\n"
		"       qrelayctl -V | -h\n"
		"The configuration file is %s if it exists; see qrelayctl(8).\n",
		default_config);
}

static void
usage(const char *why, const char *arg)
{
	fprintf(stderr, "qrelayctl: %s%s%s\n", why, arg ? ": " : "",
		arg ? arg : "");
	help(stderr);
	exit(EXIT_USAGE);
}

static void
warn_stderr(void *arg, const char *msg)
{
	(void)arg;
	fprintf(stderr, "qrelayctl: warning: %s\n", msg);
}

/* The settings: defaults, then the configuration file (the default one
 * only if it exists).  0 or EXIT_USAGE (reported). */
static int
load_settings(struct settings *s, const char *config, int given)
{
	char err[1024];

	settings_defaults(s);
	if (!given && access(config, F_OK) != 0)
		return 0;
	if (config_load(s, config, err, sizeof(err)) != 0) {
		fprintf(stderr, "qrelayctl: %s\n", err);
		return EXIT_USAGE;
	}
	return 0;
}

/* to: the rewritten recipient ("" if none) */
static void
print_verdict(const char *rcpt, const char *to, const struct verdict *v)
{
	char reply[sizeof(v->reply.text) + 32];

	reply_format(&v->reply, reply, sizeof(reply));
	printf("%s %s | rcpt %s%s%s | %s\n", verdict_action_name(v->action),
	       reply, rcpt, to[0] ? " -> " : "", to, v->reason);
}

struct check_args {
	const char *dir, *rules, *ip, *host, *auth, *from, *mail_addr;
	const char *listener;
	int no_dns;
	const char **rcpt_addr;
	int n_rcpt_addr;
	char **rcpts;
	int n_rcpts;
};

static void
check_options(int argc, char **argv, struct check_args *a,
	      const char **config, int *config_given)
{
	static const struct option longopts[] = {
		{ "ip", required_argument, NULL, 'i' },
		{ "host", required_argument, NULL, 'H' },
		{ "auth", required_argument, NULL, 'a' },
		{ "from", required_argument, NULL, 'F' },
		{ "mail-addr", required_argument, NULL, 'M' },
		{ "rcpt-addr", required_argument, NULL, 'R' },
		{ "listener", required_argument, NULL, 'L' },
		{ "no-dns", no_argument, NULL, 'N' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int ch;

	opterr = 0;
	optind = 1;
	while ((ch = getopt_long(argc, argv, ":c:d:x:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c': *config = optarg; *config_given = 1; break;
		case 'd': a->dir = optarg; break;
		case 'x': a->rules = optarg; break;
		case 'i': a->ip = optarg; break;
		case 'H': a->host = optarg; break;
		case 'a': a->auth = optarg; break;
		case 'F': a->from = optarg; break;
		case 'M': a->mail_addr = optarg; break;
		case 'R': a->rcpt_addr[a->n_rcpt_addr++] = optarg; break;
		case 'L': a->listener = optarg; break;
		case 'N': a->no_dns = 1; break;
		case 'h': help(stdout); exit(0);
		case ':': usage("check: option needs a value", argv[optind - 1]);
			  break;
		default: usage("check: unknown option", argv[optind - 1]);
		}
	}
	if (a->ip == NULL)
		usage("check: --ip ADDR is required", NULL);
	if (optind >= argc)
		usage("check: name at least one recipient", NULL);
	a->rcpts = argv + optind;
	a->n_rcpts = argc - optind;
	if (a->n_rcpt_addr != 0 && a->n_rcpt_addr != a->n_rcpts) {
		fprintf(stderr, "qrelayctl: %d --rcpt-addr for %d recipients; give one per recipient, in order\n",
			a->n_rcpt_addr, a->n_rcpts);
		exit(EXIT_USAGE);
	}
}

/* What the lists said, or why they were not asked. */
static const char *
dnsbl_summary(const struct tables *t, const struct session *ss,
	      const struct check_args *a, struct rbl_conn *rbl, int dns)
{
	static char out[sizeof(ss->rbl_verdict.reason) + 600];
	struct verdict v;

	if (a->no_dns && ss->rbl_state != 2 && !ss->rule.rblsmtpd_set)
		return "not looked up (--no-dns)";
	if (ss->rbl_state != 0) {
		if (ss->rbl_state == 2) {
			char reply[sizeof(v.reply.text) + 32];

			reply_format(&ss->rbl_verdict.reply, reply,
				     sizeof(reply));
			snprintf(out, sizeof(out), "blocked: %s | %s", reply,
				 ss->rbl_verdict.reason);
		} else {
			snprintf(out, sizeof(out), "not blocked: %s",
				 ss->rbl_verdict.reason[0] ?
				 ss->rbl_verdict.reason : "no lookup");
		}
		return out;
	}
	if (dns) {	/* asked at connect, but no recipient needed it */
		rbl->oracle.decide(rbl->oracle.arg, &v);
		snprintf(out, sizeof(out), "not needed (a relay client); the lists say: %s%s%s",
			 v.action == VERDICT_ACCEPT ? "" : "blocked, ",
			 v.reason, "");
		return out;
	}
	if (ss->lp && !ss->lp->dnsbl)
		return "off for this listener";
	if (ss->relay && !t->s.rbl_before_auth)
		return "not looked up: a relay client";
	return "not looked up";
}

static int
cmd_check(int argc, char **argv, const char *config, int config_given)
{
	struct check_args a = { .from = "<>" };
	struct settings s;
	struct tables *t;
	struct session ss;
	struct verdict v;
	struct client_ip probe;
	struct pop *pop;
	struct rbl_conn rbl;
	char err[1024];
	int worst = 0, dns = 0;

	/* at most one --rcpt-addr per argument */
	if ((a.rcpt_addr = calloc((size_t)argc, sizeof(*a.rcpt_addr))) == NULL) {
		fprintf(stderr, "qrelayctl: out of memory\n");
		return EXIT_USAGE;
	}
	check_options(argc, argv, &a, &config, &config_given);
	if (ip_parse(&probe, a.ip) != 0) {
		fprintf(stderr, "qrelayctl: --ip %s: not an IPv4 or IPv6 address\n",
			a.ip);
		free(a.rcpt_addr);
		return EXIT_USAGE;
	}
	if (load_settings(&s, config, config_given) != 0) {
		free(a.rcpt_addr);
		return EXIT_USAGE;
	}
	if (a.dir)
		snprintf(s.control_dir, sizeof(s.control_dir), "%s", a.dir);
	if (a.rules)
		snprintf(s.rules_file, sizeof(s.rules_file), "%s", a.rules);
	if (tables_load(&t, &s, NULL, warn_stderr, NULL, err, sizeof(err)) != 0) {
		fprintf(stderr, "qrelayctl: %s\n", err);
		free(a.rcpt_addr);
		return EXIT_USAGE;
	}
	if (pop_open(&pop, &s, NULL, err, sizeof(err)) != 0) {
		fprintf(stderr, "qrelayctl: %s\n", err);
		tables_free(t);
		free(a.rcpt_addr);
		return EXIT_USAGE;
	}
	/* a refusal at connect or MAIL is replayed by policy_rcpt() */
	policy_connect(t, &ss, a.ip, a.host, a.listener, &v);
	policy_set_pop(&ss, pop_oracle(pop));
	if (v.action == VERDICT_ACCEPT && !a.no_dns &&
	    policy_wants_dnsbl(t, &ss)) {
		if (rbl_open(s.dnsbl_servers, err, sizeof(err)) != 0) {
			fprintf(stderr, "qrelayctl: dnsbl_servers: %s\n", err);
			pop_close(pop);
			tables_free(t);
			free(a.rcpt_addr);
			return EXIT_USAGE;
		}
		dns = 1;
		policy_set_dnsbl(&ss, rbl_start(&rbl, t, &ss));
	}
	if (v.action == VERDICT_ACCEPT)
		policy_mail(t, &ss, a.from, a.mail_addr, a.auth, &v);
	for (int i = 0; i < a.n_rcpts; i++) {
		char to[REWRITE_MAX];

		policy_rcpt(t, &ss, a.rcpts[i],
			    a.n_rcpt_addr ? a.rcpt_addr[i] : NULL, &v);
		if (policy_rewrite(t, &ss, a.rcpts[i],
				   a.n_rcpt_addr ? a.rcpt_addr[i] : NULL, &v, to,
				   sizeof(to)) != 1)
			to[0] = '\0';
		print_verdict(a.rcpts[i], to, &v);
		if (v.action == VERDICT_TEMPFAIL)
			worst = 2;
		else if (v.action == VERDICT_REJECT && worst < 1)
			worst = 1;
	}
	if (t->dnsbl.n > 0 || (ss.rule.rblsmtpd_set && ss.rule.rblsmtpd[0]))
		printf("dnsbl | %s\n", dnsbl_summary(t, &ss, &a, &rbl, dns));
	if (dns) {
		rbl_end(&rbl);
		rbl_close();
	}
	pop_close(pop);
	tables_free(t);
	free(a.rcpt_addr);
	return worst;
}

/* allow / expire / list: the SMTP-after-POP backend of the configuration. */
static int
cmd_pop(const char *config, int given, int argc, char **argv)
{
	struct settings s;
	struct pop *pop;
	char err[1024];
	int rc = 0;
	long removed = 0;

	if ((strcmp(argv[0], "allow") == 0 && (argc < 2 || argc > 3)) ||
	    (strcmp(argv[0], "allow") != 0 && argc != 1))
		usage(strcmp(argv[0], "allow") == 0 ?
		      "allow wants an address and optionally a user" :
		      "this command takes no arguments", argv[0]);
	if (load_settings(&s, config, given) != 0)
		return EXIT_USAGE;
	if (s.pop_backend == POP_BACKEND_NONE) {
		/* the expire timer runs whether it is configured or not */
		if (strcmp(argv[0], "expire") == 0) {
			printf("pop_before_smtp is not set in %s: nothing to expire\n",
			       config);
			return 0;
		}
		fprintf(stderr, "qrelayctl: %s: pop_before_smtp is not set (directory or mysql)\n",
			config);
		return EXIT_USAGE;
	}
	if (pop_open(&pop, &s, NULL, err, sizeof(err)) != 0) {
		fprintf(stderr, "qrelayctl: %s: %s\n", config, err);
		return EXIT_USAGE;
	}
	if (strcmp(argv[0], "allow") == 0) {
		rc = pop_allow(pop, argv[1], argc > 2 ? argv[2] : NULL, err,
			       sizeof(err));
	} else if (strcmp(argv[0], "expire") == 0) {
		rc = pop_expire(pop, &removed, err, sizeof(err));
		if (rc == 0)
			printf("removed %ld stale entries\n", removed);
	} else {
		rc = pop_list(pop, stdout, err, sizeof(err));
	}
	pop_close(pop);
	if (rc != 0) {
		fprintf(stderr, "qrelayctl: %s: %s\n", argv[0], err);
		return EXIT_USAGE;
	}
	return 0;
}

/* status: what the daemon's status file (status_file) says. */
static int
cmd_status(const char *config, int given, int argc)
{
	char line[1200], error[1100] = "", version[64] = "?";
	char socket[SETTINGS_PATH_MAX + 16] = "?", state[16] = "?";
	long long pid = 0, started = 0, loaded = 0, stale = 0;
	unsigned long reloads = 0, failed = 0;
	unsigned long long tb = 0, ob = 0;
	unsigned nold = 0;
	struct settings s;
	time_t now = time(NULL);
	char err[1200];
	FILE *f;

	if (argc != 1)
		usage("status takes no arguments", NULL);
	if (load_settings(&s, config, given) != 0)
		return EXIT_USAGE;
	if (s.status_file[0] == '\0' ||
	    (f = lint_fopen(s.status_file, err, sizeof(err))) == NULL) {
		if (s.status_file[0] && errno != ENOENT)
			printf("status file: %s\n", err);
		else
			printf("no status file %s: qrelay-milter is not running (or not as the service, or status_file differs)\n",
			       s.status_file[0] ? s.status_file : "(status_file is empty)");
		return 3;
	}
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		sscanf(line, "pid=%lld", &pid);
		sscanf(line, "started=%lld", &started);
		sscanf(line, "loaded=%lld", &loaded);
		sscanf(line, "stale_since=%lld", &stale);
		sscanf(line, "reloads=%lu", &reloads);
		sscanf(line, "failed_reloads=%lu", &failed);
		sscanf(line, "tables_bytes=%llu", &tb);
		sscanf(line, "old_bytes=%llu", &ob);
		sscanf(line, "old_snapshots=%u", &nold);
		sscanf(line, "version=%63s", version);
		sscanf(line, "state=%15s", state);
		if (strncmp(line, "socket=", 7) == 0)
			snprintf(socket, sizeof(socket), "%.1030s", line + 7);
		if (strncmp(line, "error=", 6) == 0)
			snprintf(error, sizeof(error), "%.1090s", line + 6);
	}
	fclose(f);
	if (pid <= 0 || (kill((pid_t)pid, 0) != 0 && errno != EPERM)) {
		printf("qrelay-milter is not running (%s names pid %lld)\n",
		       s.status_file, pid);
		return 3;
	}
	printf("qrelay-milter %s, pid %lld, on %s, up %lld s\n", version, pid,
	       socket, (long long)now - started);
	printf("tables loaded %lld s ago; %lu reloads, %lu failed\n",
	       (long long)now - loaded, reloads, failed);
	printf("tables hold %llu kB; %u replaced snapshot(s) still used by sessions hold %llu kB more\n",
	       tb / 1024, nold, ob / 1024);
	if (strcmp(state, "stale") == 0) {
		printf("STALE: reloads have failed for %lld s; the files' current contents are not in force: %s\n",
		       (long long)now - stale, error);
		return 1;
	}
	printf("tables up to date with the files\n");
	return 0;
}

int
main(int argc, char **argv)
{
	const char *config = default_config;
	int i = 1, given = 0;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			help(stdout);
			return 0;
		}
		if (strcmp(argv[i], "-V") == 0 ||
		    strcmp(argv[i], "--version") == 0) {
			printf("qrelayctl %s\n", PACKAGE_VERSION);
			return 0;
		}
		if (strcmp(argv[i], "-c") != 0)
			usage("unknown option", argv[i]);
		if (++i >= argc)
			usage("option needs a value", "-c");
		config = argv[i];
		given = 1;
	}
	if (i >= argc)
		usage("name a command: check, allow, expire, list, status or lint", NULL);
	if (strcmp(argv[i], "check") == 0)
		return cmd_check(argc - i, argv + i, config, given);
	if (strcmp(argv[i], "allow") == 0 || strcmp(argv[i], "expire") == 0 ||
	    strcmp(argv[i], "list") == 0)
		return cmd_pop(config, given, argc - i, argv + i);
	if (strcmp(argv[i], "status") == 0)
		return cmd_status(config, given, argc - i);
	if (strcmp(argv[i], "lint") == 0)
		return cmd_lint(argc - i, argv + i, config, given);
	usage("unknown command", argv[i]);
	return EXIT_USAGE;
}
