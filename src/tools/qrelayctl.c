/*
 * qrelayctl.c - explain relay decisions without an MTA.
 *
 *   qrelayctl check [-c FILE | -d DIR [-x FILE]] --ip ADDR [--host NAME]
 *                   [--auth USER] [--from ADDR] RCPT...
 *
 * Loads the same tables and runs the same core as the daemon, then prints
 * one line per recipient: "VERDICT CODE X.Y.Z text | rcpt <r> | reason".
 * Exit: 0 all accepted, 1 a reject, 2 a tempfail, 111 usage/config error.
 */
#include "config.h"
#include "conf.h"
#include "policy.h"
#include "tables.h"

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
		"                       [--auth USER] [--from ADDR] RCPT...\n");
	exit(EXIT_USAGE);
}

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
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *config = NULL, *dir = NULL, *rules = NULL, *ip = NULL;
	const char *host = NULL, *auth = NULL, *from = "<>";
	struct settings s;
	struct tables *t;
	struct session ss;
	struct verdict v;
	char err[1024];
	int ch, worst = 0;

	while ((ch = getopt_long(argc, argv, "c:d:x:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c': config = optarg; break;
		case 'd': dir = optarg; break;
		case 'x': rules = optarg; break;
		case 'i': ip = optarg; break;
		case 'H': host = optarg; break;
		case 'a': auth = optarg; break;
		case 'F': from = optarg; break;
		default: usage();
		}
	}
	if (ip == NULL || optind >= argc)
		usage();
	settings_defaults(&s);
	if (config && config_load(&s, config, err, sizeof(err)) != 0) {
		fprintf(stderr, "qrelayctl: %s\n", err);
		return EXIT_USAGE;
	}
	if (dir)
		snprintf(s.control_dir, sizeof(s.control_dir), "%s", dir);
	if (rules)
		snprintf(s.rules_file, sizeof(s.rules_file), "%s", rules);
	if (tables_load(&t, &s, warn_stderr, NULL, err, sizeof(err)) != 0) {
		fprintf(stderr, "qrelayctl: %s\n", err);
		return EXIT_USAGE;
	}
	{
		struct client_ip probe;

		if (ip_parse(&probe, ip) != 0) {
			fprintf(stderr, "qrelayctl: --ip %s: not an IPv4 or IPv6 address\n",
				ip);
			tables_free(t);
			return EXIT_USAGE;
		}
	}
	/* a refusal at connect or MAIL is replayed by policy_rcpt() */
	policy_connect(t, &ss, ip, host, &v);
	if (v.action == VERDICT_ACCEPT)
		policy_mail(t, &ss, from, auth, &v);
	for (int i = optind; i < argc; i++) {
		policy_rcpt(t, &ss, argv[i], &v);
		print_verdict(argv[i], &v);
		if (v.action == VERDICT_TEMPFAIL)
			worst = 2;
		else if (v.action == VERDICT_REJECT && worst < 1)
			worst = 1;
	}
	tables_free(t);
	return worst;
}

int
main(int argc, char **argv)
{
	if (argc < 2)
		usage();
	if (strcmp(argv[1], "check") == 0)
		return cmd_check(argc - 1, argv + 1);
	usage();
	return EXIT_USAGE;
}
