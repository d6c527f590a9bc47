/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * qrelayctl.c - explain relay decisions without an MTA.
 *
 *   qrelayctl check [-c FILE | -d DIR [-x FILE]] --ip ADDR [--host NAME]
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
 * With a configured SMTP-after-POP backend, check asks it like the daemon.
 *
 *   qrelayctl [-c FILE] allow ADDR [USER]   record a POP/IMAP login
 *   qrelayctl [-c FILE] expire              remove stale entries
 *   qrelayctl [-c FILE] list                show the entries
 *
 * These use the backend of the configuration file (default
 * SYSCONFDIR/qrelay-milter.conf).  Exit 0, or 111 on an error.
 */
#include "config.h"
#include "conf/conf.h"
#include "core/policy.h"
#include "pop/pop.h"
#include "tables/load.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXIT_USAGE 111

static void
usage(void)
{
	fprintf(stderr,
		"usage: qrelayctl check [-c FILE | -d DIR [-x FILE]] --ip ADDR [--host NAME]\n"
		"                       [--auth USER] [--from ADDR [--mail-addr ADDR]]\n"
		"                       [--rcpt-addr ADDR]... RCPT...\n"
		"       qrelayctl [-c FILE] allow ADDR [USER]\n"
		"       qrelayctl [-c FILE] expire\n"
		"       qrelayctl [-c FILE] list\n");
	exit(EXIT_USAGE);
}

static const char *default_config = SYSCONFDIR "/qrelay-milter.conf";

static void
warn_stderr(void *arg, const char *msg)
{
	(void)arg;
	fprintf(stderr, "qrelayctl: warning: %s\n", msg);
}

static void
print_verdict(const char *rcpt, const struct verdict *v)
{
	char reply[sizeof(v->reply.text) + 32];

	reply_format(&v->reply, reply, sizeof(reply));
	printf("%s %s | rcpt %s | %s\n", verdict_action_name(v->action), reply,
	       rcpt, v->reason);
}

static int
cmd_check(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "ip", required_argument, NULL, 'i' },
		{ "host", required_argument, NULL, 'H' },
		{ "auth", required_argument, NULL, 'a' },
		{ "from", required_argument, NULL, 'F' },
		{ "mail-addr", required_argument, NULL, 'M' },
		{ "rcpt-addr", required_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *config = NULL, *dir = NULL, *rules = NULL, *ip = NULL;
	const char *host = NULL, *auth = NULL, *from = "<>", *mail_addr = NULL;
	const char **rcpt_addr;
	int n_rcpt_addr = 0;
	struct settings s;
	struct tables *t;
	struct session ss;
	struct verdict v;
	struct pop *pop;
	char err[1024];
	int ch, worst = EXIT_USAGE;

	/* at most one --rcpt-addr per argument */
	if ((rcpt_addr = calloc((size_t)argc, sizeof(*rcpt_addr))) == NULL) {
		fprintf(stderr, "qrelayctl: out of memory\n");
		return EXIT_USAGE;
	}
	while ((ch = getopt_long(argc, argv, "c:d:x:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c': config = optarg; break;
		case 'd': dir = optarg; break;
		case 'x': rules = optarg; break;
		case 'i': ip = optarg; break;
		case 'H': host = optarg; break;
		case 'a': auth = optarg; break;
		case 'F': from = optarg; break;
		case 'M': mail_addr = optarg; break;
		case 'R': rcpt_addr[n_rcpt_addr++] = optarg; break;
		default: usage();
		}
	}
	if (ip == NULL || optind >= argc)
		usage();
	if (n_rcpt_addr != 0 && n_rcpt_addr != argc - optind) {
		fprintf(stderr, "qrelayctl: %d --rcpt-addr for %d recipients; give one per recipient, in order\n",
			n_rcpt_addr, argc - optind);
		goto out;
	}
	settings_defaults(&s);
	if (config && config_load(&s, config, err, sizeof(err)) != 0) {
		fprintf(stderr, "qrelayctl: %s\n", err);
		goto out;
	}
	if (dir)
		snprintf(s.control_dir, sizeof(s.control_dir), "%s", dir);
	if (rules)
		snprintf(s.rules_file, sizeof(s.rules_file), "%s", rules);
	if (tables_load(&t, &s, warn_stderr, NULL, err, sizeof(err)) != 0) {
		fprintf(stderr, "qrelayctl: %s\n", err);
		goto out;
	}
	{
		struct client_ip probe;

		if (ip_parse(&probe, ip) != 0) {
			fprintf(stderr, "qrelayctl: --ip %s: not an IPv4 or IPv6 address\n",
				ip);
			tables_free(t);
			goto out;
		}
	}
	if (pop_open(&pop, &s, NULL, err, sizeof(err)) != 0) {
		fprintf(stderr, "qrelayctl: %s\n", err);
		tables_free(t);
		goto out;
	}
	/* a refusal at connect or MAIL is replayed by policy_rcpt() */
	policy_connect(t, &ss, ip, host, &v);
	policy_set_pop(&ss, pop_oracle(pop));
	worst = 0;
	if (v.action == VERDICT_ACCEPT)
		policy_mail(t, &ss, from, mail_addr, auth, &v);
	for (int i = optind; i < argc; i++) {
		policy_rcpt(t, &ss, argv[i],
			    n_rcpt_addr ? rcpt_addr[i - optind] : NULL, &v);
		print_verdict(argv[i], &v);
		if (v.action == VERDICT_TEMPFAIL)
			worst = 2;
		else if (v.action == VERDICT_REJECT && worst < 1)
			worst = 1;
	}
	pop_close(pop);
	tables_free(t);
out:
	free(rcpt_addr);
	return worst;
}

/* allow / expire / list: the SMTP-after-POP backend of the config file. */
static int
cmd_pop(const char *config, int argc, char **argv)
{
	struct settings s;
	struct pop *pop;
	char err[1024];
	int rc = 0;
	long removed = 0;

	settings_defaults(&s);
	if (config_load(&s, config, err, sizeof(err)) != 0) {
		fprintf(stderr, "qrelayctl: %s\n", err);
		return EXIT_USAGE;
	}
	if (s.pop_backend == POP_BACKEND_NONE) {
		fprintf(stderr, "qrelayctl: %s: pop_before_smtp is not set (directory or mysql)\n",
			config);
		return EXIT_USAGE;
	}
	if (pop_open(&pop, &s, NULL, err, sizeof(err)) != 0) {
		fprintf(stderr, "qrelayctl: %s: %s\n", config, err);
		return EXIT_USAGE;
	}
	if (strcmp(argv[0], "allow") == 0) {
		if (argc < 2 || argc > 3)
			usage();
		rc = pop_allow(pop, argv[1], argc > 2 ? argv[2] : NULL, err,
			       sizeof(err));
	} else if (strcmp(argv[0], "expire") == 0) {
		if (argc != 1)
			usage();
		rc = pop_expire(pop, &removed, err, sizeof(err));
		if (rc == 0)
			printf("removed %ld stale entries\n", removed);
	} else {
		if (argc != 1)
			usage();
		rc = pop_list(pop, stdout, err, sizeof(err));
	}
	pop_close(pop);
	if (rc != 0) {
		fprintf(stderr, "qrelayctl: %s: %s\n", argv[0], err);
		return EXIT_USAGE;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	const char *config = default_config;
	int i = 1;

	/* "-c FILE" may come before the command (allow, expire, list) */
	if (argc > 2 && strcmp(argv[1], "-c") == 0) {
		config = argv[2];
		i = 3;
	}
	if (i >= argc)
		usage();
	if (strcmp(argv[i], "check") == 0) {
		char **args;
		int n = 0, rc;

		if (i == 1)
			return cmd_check(argc - 1, argv + 1);
		/* "qrelayctl -c FILE check ...": hand -c on to check */
		if ((args = calloc((size_t)argc + 1, sizeof(*args))) == NULL) {
			fprintf(stderr, "qrelayctl: out of memory\n");
			return EXIT_USAGE;
		}
		args[n++] = argv[i];
		args[n++] = argv[1];
		args[n++] = argv[2];
		for (int k = i + 1; k < argc; k++)
			args[n++] = argv[k];
		rc = cmd_check(n, args);
		free(args);
		return rc;
	}
	if (strcmp(argv[i], "allow") == 0 || strcmp(argv[i], "expire") == 0 ||
	    strcmp(argv[i], "list") == 0)
		return cmd_pop(config, argc - i, argv + i);
	usage();
	return EXIT_USAGE;
}
