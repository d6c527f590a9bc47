/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * lint.c - qrelayctl lint: the options, the parts to run, and the report
 * (see lint.h and qrelayctl(8), LINT).
 *
 *   qrelayctl [-c FILE] lint [-c FILE] [-d DIR] [-x FILE] [-p SOCKET]
 *             [--postfix[=DIR] | --no-postfix]
 *             [--sendmail[=CF] | --no-sendmail]
 *             [--daemon | --no-daemon] [--json]
 *
 * Prints "SEVERITY file:line: message [code]" per finding, then "lint: "
 * lines saying what was audited and a count; --json prints one object
 * instead.  Exit: 0 no finding, 1 an ERROR, 2 a WARNING (and no ERROR),
 * 3 only INFO, 111 a usage error or a configuration file that cannot be
 * read.
 */
#define _GNU_SOURCE
#include "config.h"
#include "lint.h"
#include "conf/conf.h"
#include "tables/file.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define EXIT_USAGE 111

/* Every code and its severity: the one place that says how bad each is. */
static const struct {
	const char *code;
	enum lint_severity sev;
} codes[] = {
	{ "relay-catch-all", LINT_ERROR },
	{ "relay-broad", LINT_ERROR },
	{ "relaymailfrom-hosted", LINT_ERROR },
	{ "sender-routing", LINT_ERROR },
	{ "rcpthosts-missing", LINT_ERROR },
	{ "file-unusable", LINT_ERROR },
	{ "audit-failed", LINT_ERROR },
	{ "postfix-open-relay", LINT_ERROR },
	{ "postfix-fail-open", LINT_ERROR },
	{ "sendmail-open-relay", LINT_ERROR },
	{ "sendmail-fail-open", LINT_ERROR },
	{ "daemon-stale", LINT_ERROR },
	{ "rcpthosts-empty", LINT_WARNING },
	{ "never-matches", LINT_WARNING },
	{ "not-in-rcpthosts", LINT_WARNING },
	{ "cdb-stale", LINT_WARNING },
	{ "postfix-no-milter", LINT_WARNING },
	{ "postfix-milter-protocol", LINT_WARNING },
	{ "sendmail-no-milter", LINT_WARNING },
	{ "sendmail-relay-check", LINT_WARNING },
	{ "listener-unmatched", LINT_WARNING },
	{ "daemon-down", LINT_WARNING },
	{ "daemon-other-config", LINT_WARNING },
	{ "milter-not-last", LINT_WARNING },
	{ "postfix-milter-disabled", LINT_INFO },
};

static const char *const sev_name[] = {
	[LINT_INFO] = "INFO", [LINT_WARNING] = "WARNING",
	[LINT_ERROR] = "ERROR"
};

void *
lint_alloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL) {
		fprintf(stderr, "qrelayctl: lint: out of memory\n");
		exit(EXIT_USAGE);
	}
	return p;
}

FILE *
lint_fopen(const char *path, char *err, size_t errlen)
{
	int fd, rc = file_open(path, &fd, err, errlen);
	FILE *f;

	if (rc <= 0) {
		if (rc == 0)
			snprintf(err, errlen, "%s: missing", path);
		errno = rc == 0 ? ENOENT : EINVAL;
		return NULL;
	}
	/* a regular file: reads no longer need O_NONBLOCK */
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) != 0 ||
	    (f = fdopen(fd, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		errno = EINVAL;
		return NULL;
	}
	return f;
}

char *
lint_trim(char *s)
{
	size_t n;

	s += strspn(s, " \t\r\n");
	n = strlen(s);
	while (n > 0 && strchr(" \t\r\n", s[n - 1]))
		s[--n] = '\0';
	return s;
}

char *
lint_strdup(const char *s)
{
	size_t n = strlen(s) + 1;

	return memcpy(lint_alloc(n), s, n);
}

static char *
vformat(const char *fmt, va_list ap)
{
	char *s;

	if (vasprintf(&s, fmt, ap) < 0) {
		fprintf(stderr, "qrelayctl: lint: out of memory\n");
		exit(EXIT_USAGE);
	}
	return s;
}

void
lint_add(struct lint *l, const char *code, const char *file, unsigned line,
	 const char *fmt, ...)
{
	struct lint_finding *f;
	size_t c = 0;
	va_list ap;
	char *msg;

	while (c < sizeof(codes) / sizeof(codes[0]) &&
	       strcmp(codes[c].code, code) != 0)
		c++;
	if (c == sizeof(codes) / sizeof(codes[0])) {
		fprintf(stderr, "qrelayctl: lint: internal error: no code %s\n",
			code);
		abort();
	}
	va_start(ap, fmt);
	msg = vformat(fmt, ap);
	va_end(ap);
	/* a line is one finding per code (the loader's warning and lint's
	 * own reading of the line say the same); the file as a whole may
	 * have several (keys of a cdb) */
	for (size_t i = 0; i < l->n; i++)
		if (l->f[i].code == codes[c].code && l->f[i].line == line &&
		    strcmp(l->f[i].file, file) == 0 &&
		    (line > 0 || strcmp(l->f[i].msg, msg) == 0)) {
			free(msg);
			return;
		}
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		f = realloc(l->f, l->cap * sizeof(*l->f));
		if (f == NULL) {
			fprintf(stderr, "qrelayctl: lint: out of memory\n");
			exit(EXIT_USAGE);
		}
		l->f = f;
	}
	f = &l->f[l->n++];
	f->sev = codes[c].sev;
	f->code = codes[c].code;
	f->file = lint_strdup(file);
	f->line = line;
	f->msg = msg;
}

void
lint_note(struct lint *l, const char *fmt, ...)
{
	va_list ap;

	if (l->n_notes == l->notes_cap) {
		char **n;

		l->notes_cap = l->notes_cap ? l->notes_cap * 2 : 8;
		n = realloc(l->notes, l->notes_cap * sizeof(*l->notes));
		if (n == NULL) {
			fprintf(stderr, "qrelayctl: lint: out of memory\n");
			exit(EXIT_USAGE);
		}
		l->notes = n;
	}
	va_start(ap, fmt);
	l->notes[l->n_notes] = vformat(fmt, ap);
	va_end(ap);
	/* every service inherits main.cf's tables: say it once */
	for (size_t i = 0; i < l->n_notes; i++)
		if (strcmp(l->notes[i], l->notes[l->n_notes]) == 0) {
			free(l->notes[l->n_notes]);
			return;
		}
	l->n_notes++;
}

/* Does text (after blanks) start with word, ending there? Then the rest. */
static const char *
word_at(const char *p, const char *word)
{
	size_t n = strlen(word);

	p += strspn(p, " \t");
	if (strncmp(p, word, n) != 0)
		return NULL;
	p += n;
	if (*p && *p != ' ' && *p != '\t' && *p != '=' && *p != '"' &&
	    *p != '{' && *p != '\n' && *p != '\r')
		return NULL;
	return p + strspn(p, " \t");
}

unsigned
lint_conf_line(const struct lint *l, const char *key, const char *title)
{
	unsigned n = 0, found = 0;
	char *line = NULL;
	size_t cap = 0;
	char err[1200];
	FILE *f;

	if (l->config == NULL || (f = lint_fopen(l->config, err, sizeof(err))) == NULL)
		return 0;
	while (getline(&line, &cap, f) > 0) {
		const char *p = word_at(line, key);

		n++;
		if (p == NULL)
			continue;
		if (title == NULL) {
			if (*p == '=')
				found = n;
			continue;
		}
		if (*p == '"')
			p++;
		if (strncmp(p, title, strlen(title)) == 0 &&
		    strchr("\" \t{\n", p[strlen(title)]))
			found = n;
	}
	free(line);
	fclose(f);
	return found;
}

/* Text output: a control byte from a file becomes \xNN, so that no
 * finding can end a line or move the cursor. */
static void
put_text(const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c == 0x7f)
			printf("\\x%02x", c);
		else
			putchar(c);
	}
}

/* Length of the UTF-8 sequence at s, or 0 if it is not one. */
static size_t
utf8_len(const unsigned char *s)
{
	size_t n;
	unsigned cp;

	if (s[0] < 0xc2 || s[0] > 0xf4)
		return 0;
	n = s[0] < 0xe0 ? 2 : s[0] < 0xf0 ? 3 : 4;
	cp = s[0] & (0x7f >> n);
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 ||
						   cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

/* A JSON string: quotes, backslashes and control bytes escaped, a byte
 * that is not UTF-8 replaced by U+FFFD. */
static void
put_json(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	putchar('"');
	while (*p) {
		size_t n;

		if (*p == '"' || *p == '\\') {
			printf("\\%c", *p++);
		} else if (*p < 0x20 || *p == 0x7f) {
			printf("\\u%04x", *p++);
		} else if (*p < 0x80) {
			putchar(*p++);
		} else if ((n = utf8_len(p)) > 0) {
			fwrite(p, 1, n, stdout);
			p += n;
		} else {
			fputs("\\ufffd", stdout);
			p++;
		}
	}
	putchar('"');
}

static void
help(FILE *f)
{
	fprintf(f,
		"usage: qrelayctl [-c FILE] lint [-d DIR] [-x FILE] [-p SOCKET]\n"
		"                 [--postfix[=DIR] | --no-postfix]\n"
		"                 [--sendmail[=CF] | --no-sendmail]\n"
		"                 [--daemon | --no-daemon] [--json]\n"
		"Audits the control files, the rules, Postfix, Sendmail and the running\n"
		"daemon for open relays; exit 0 no finding, 1 ERROR, 2 WARNING, 3 INFO,\n"
		"111 usage error.  See qrelayctl(8), LINT.\n");
}

static void
usage(const char *why, const char *arg)
{
	fprintf(stderr, "qrelayctl: lint: %s%s%s\n", why, arg ? ": " : "",
		arg ? arg : "");
	help(stderr);
	exit(EXIT_USAGE);
}

enum part { P_AUTO, P_ON, P_OFF };

struct lint_opts {
	const char *dir, *rules, *socket, *postfix_dir, *sendmail_cf;
	enum part postfix, sendmail, daemon;
	int json;
};

static void
lint_options(int argc, char **argv, struct lint_opts *o, const char **config,
	     int *given)
{
	static const struct option longopts[] = {
		{ "postfix", optional_argument, NULL, 'P' },
		{ "no-postfix", no_argument, NULL, 'Q' },
		{ "sendmail", optional_argument, NULL, 'S' },
		{ "no-sendmail", no_argument, NULL, 'T' },
		{ "daemon", no_argument, NULL, 'D' },
		{ "no-daemon", no_argument, NULL, 'E' },
		{ "json", no_argument, NULL, 'J' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int ch;

	opterr = 0;
	optind = 1;
	while ((ch = getopt_long(argc, argv, ":c:d:x:p:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c': *config = optarg; *given = 1; break;
		case 'd': o->dir = optarg; break;
		case 'x': o->rules = optarg; break;
		case 'p': o->socket = optarg; break;
		case 'P': o->postfix = P_ON; o->postfix_dir = optarg; break;
		case 'Q': o->postfix = P_OFF; break;
		case 'S': o->sendmail = P_ON; o->sendmail_cf = optarg; break;
		case 'T': o->sendmail = P_OFF; break;
		case 'D': o->daemon = P_ON; break;
		case 'E': o->daemon = P_OFF; break;
		case 'J': o->json = 1; break;
		case 'h': help(stdout); exit(0);
		case ':': usage("option needs a value", argv[optind - 1]);
			  break;
		default: usage("unknown option", argv[optind - 1]);
		}
	}
	if (optind < argc)
		usage("unexpected argument", argv[optind]);
	if (o->postfix_dir && o->postfix_dir[0] == '\0')
		usage("--postfix=DIR: empty directory name", NULL);
	if (o->sendmail_cf && o->sendmail_cf[0] == '\0')
		usage("--sendmail=CF: empty file name", NULL);
}

static void
report(const struct lint *l, int json, int rc)
{
	size_t count[4] = { 0 };

	for (size_t i = 0; i < l->n; i++)
		count[l->f[i].sev]++;
	if (!json) {
		for (size_t i = 0; i < l->n; i++) {
			printf("%s ", sev_name[l->f[i].sev]);
			put_text(l->f[i].file);
			printf(":%u: ", l->f[i].line);
			put_text(l->f[i].msg);
			printf(" [%s]\n", l->f[i].code);
		}
		for (size_t i = 0; i < l->n_notes; i++) {
			fputs("lint: ", stdout);
			put_text(l->notes[i]);
			putchar('\n');
		}
		printf("lint: %zu error%s, %zu warning%s, %zu info\n",
		       count[LINT_ERROR], count[LINT_ERROR] == 1 ? "" : "s",
		       count[LINT_WARNING], count[LINT_WARNING] == 1 ? "" : "s",
		       count[LINT_INFO]);
		return;
	}
	printf("{\"findings\": [");
	for (size_t i = 0; i < l->n; i++) {
		printf("%s\n  {\"severity\": \"%s\", \"file\": ", i ? "," : "",
		       sev_name[l->f[i].sev]);
		put_json(l->f[i].file);
		printf(", \"line\": %u, \"code\": \"%s\", \"message\": ",
		       l->f[i].line, l->f[i].code);
		put_json(l->f[i].msg);
		putchar('}');
	}
	printf("%s],\n \"summary\": {\"errors\": %zu, \"warnings\": %zu, \"info\": %zu, \"exit\": %d, \"notes\": [",
	       l->n ? "\n " : "", count[LINT_ERROR], count[LINT_WARNING],
	       count[LINT_INFO], rc);
	for (size_t i = 0; i < l->n_notes; i++) {
		if (i)
			fputs(", ", stdout);
		put_json(l->notes[i]);
	}
	printf("]}}\n");
}

int
cmd_lint(int argc, char **argv, const char *config, int given)
{
	struct lint_opts o = { 0 };
	struct lint *l = calloc(1, sizeof(*l));
	char err[1024], pfdir[1024];
	int rc = 0;

	if (l == NULL) {
		fprintf(stderr, "qrelayctl: lint: out of memory\n");
		return EXIT_USAGE;
	}
	lint_options(argc, argv, &o, &config, &given);
	settings_defaults(&l->s);
	if (given || access(config, F_OK) == 0) {
		if (config_load(&l->s, config, err, sizeof(err)) != 0) {
			fprintf(stderr, "qrelayctl: lint: %s\n", err);
			free(l);
			return EXIT_USAGE;
		}
		l->config = config;
	}
	if (o.dir)
		snprintf(l->s.control_dir, sizeof(l->s.control_dir), "%s", o.dir);
	if (o.rules)
		snprintf(l->s.rules_file, sizeof(l->s.rules_file), "%s", o.rules);
	if (o.socket)
		snprintf(l->s.socket, sizeof(l->s.socket), "%s", o.socket);

	lint_note(l, "configuration: %s", l->config ? l->config :
		  "(none: the built-in defaults)");
	lint_files(l);
	lint_rules(l);
	if (o.postfix == P_ON)
		lint_postfix(l, o.postfix_dir);
	else if (o.postfix == P_AUTO && lint_postfix_found(pfdir, sizeof(pfdir)))
		lint_postfix(l, NULL);
	else
		lint_note(l, "Postfix: not audited (%s)", o.postfix == P_OFF ?
			  "--no-postfix" : "no postconf, or no main.cf in its config_directory");
	if (o.sendmail == P_ON) {
		lint_sendmail(l, o.sendmail_cf ? o.sendmail_cf :
			      "/etc/mail/sendmail.cf");
	} else if (o.sendmail == P_AUTO &&
		   access("/etc/mail/sendmail.cf", F_OK) == 0) {
		lint_sendmail(l, "/etc/mail/sendmail.cf");
	} else {
		lint_note(l, "Sendmail: not audited (%s)", o.sendmail == P_OFF ?
			  "--no-sendmail" : "no /etc/mail/sendmail.cf");
	}
	if (o.daemon == P_OFF)
		lint_note(l, "daemon: not audited (--no-daemon)");
	else
		lint_daemon(l, o.daemon == P_ON);

	for (size_t i = 0; i < l->n; i++) {
		int r = l->f[i].sev == LINT_ERROR ? 1 :
			l->f[i].sev == LINT_WARNING ? 2 : 3;

		if (rc == 0 || r < rc)
			rc = r;
	}
	report(l, o.json, rc);
	for (size_t i = 0; i < l->n; i++) {
		free(l->f[i].file);
		free(l->f[i].msg);
	}
	for (size_t i = 0; i < l->n_notes; i++)
		free(l->notes[i]);
	free(l->f);
	free(l->notes);
	free(l);
	if (fflush(stdout) != 0)
		return EXIT_USAGE;
	return rc;
}
