/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * lint_postconf.c - qrelayctl lint: what postconf says about a Postfix
 * configuration (see lint_postfix.h): the parameters lint judges
 * (postconf -x, expanded), each service's -o overrides (-P -x), the
 * services of master.cf (-M), and the lines of main.cf and master.cf
 * that set them, for the findings to name.
 */
#define _GNU_SOURCE
#include "config.h"
#include "lint_postfix.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* "name = value" lines into kv pairs (the text is cut in place). */
static size_t
parse_kv(char *text, struct pf_kv **out)
{
	size_t n = 0, cap = 0;
	char *line, *save = NULL;

	*out = NULL;
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *eq = strstr(line, " =");

		if (eq == NULL)
			continue;
		if (n == cap) {
			struct pf_kv *nk;

			cap = cap ? cap * 2 : 64;
			if ((nk = realloc(*out, cap * sizeof(**out))) == NULL) {
				fprintf(stderr, "qrelayctl: lint: out of memory\n");
				exit(111);
			}
			*out = nk;
		}
		*eq = '\0';
		(*out)[n].name = line;
		(*out)[n].value = eq + 2 + (eq[2] == ' ');
		n++;
	}
	return n;
}

const char *
lint_pf_main(const struct pf *p, const char *name)
{
	for (size_t i = 0; i < p->n_main; i++)
		if (strcmp(p->main[i].name, name) == 0)
			return p->main[i].value;
	return "";
}

/* The service's -o override of name, or NULL. */
const char *
lint_pf_override(const struct pf *p, const struct pf_svc *s, const char *name)
{
	char key[512];

	snprintf(key, sizeof(key), "%s/%s/%s", s->name, s->type, name);
	for (size_t i = 0; i < p->n_over; i++)
		if (strcmp(p->over[i].name, key) == 0)
			return p->over[i].value;
	return NULL;
}

const char *
lint_pf_value(const struct pf *p, const struct pf_svc *s, const char *name)
{
	const char *v = s ? lint_pf_override(p, s, name) : NULL;

	return v ? v : lint_pf_main(p, name);
}

/* Does line start a definition of name ("name =", "name=")? */
static int
defines(const char *line, const char *name)
{
	size_t n = strlen(name);

	if (strncmp(line, name, n) != 0)
		return 0;
	line += n;
	line += strspn(line, " \t");
	return *line == '=';
}

/* The line of main.cf that sets name (the last), 0 if none. */
static unsigned
main_line(const struct pf *p, const char *name)
{
	unsigned n = 0, found = 0;
	char *line = NULL;
	size_t cap = 0;
	char err[1200];
	FILE *f = lint_fopen(p->maincf, err, sizeof(err));

	if (f == NULL)
		return 0;
	while (getline(&line, &cap, f) > 0) {
		n++;
		if (defines(line, name))
			found = n;
	}
	free(line);
	fclose(f);
	return found;
}

/* The master.cf line of the service's "-o name=" (or the service's own
 * line). */
static unsigned
master_line(const struct pf_svc *s, const char *mastercf, const char *name)
{
	unsigned n = 0, found = s->line;
	char *line = NULL;
	size_t cap = 0;
	char err[1200];
	FILE *f = lint_fopen(mastercf, err, sizeof(err));

	if (f == NULL)
		return found;
	while (getline(&line, &cap, f) > 0) {
		char *q;

		if (++n <= s->line)
			continue;
		if (line[0] != ' ' && line[0] != '\t' && line[0] != '#' &&
		    line[0] != '\n')
			break;		/* the next service */
		for (q = strstr(line, name); q; q = strstr(q + 1, name))
			if (strchr(" \t{", q[-1]) &&
			    q[strlen(name) + strspn(q + strlen(name), " \t")] == '=')
				found = n;
	}
	free(line);
	fclose(f);
	return found;
}

/* Where the service's value of name comes from: file and line. */
unsigned
lint_pf_where(const struct pf *p, const struct pf_svc *s, const char *name,
      const char **file)
{
	if (s && lint_pf_override(p, s, name)) {
		*file = p->mastercf;
		return master_line(s, p->mastercf, name);
	}
	*file = p->maincf;
	return main_line(p, name);
}

void
lint_pf_words(const char *list, struct pf_words *out)
{
	size_t len = strlen(list), o = 0;
	char *buf;
	int depth = 0;

	/* at most len + 1 words, and the text with a NUL after each */
	out->w = lint_alloc((len + 1) * sizeof(char *) + 2 * len + 2);
	buf = (char *)(out->w + len + 1);
	out->n = 0;
	for (const char *c = list; *c; c++) {
		if (depth == 0 && strchr(", \t\n", *c)) {
			if (o > 0 && buf[o - 1] != '\0')
				buf[o++] = '\0';
			continue;
		}
		if (o == 0 || buf[o - 1] == '\0')
			out->w[out->n++] = buf + o;
		depth += *c == '{' ? 1 : *c == '}' && depth > 0 ? -1 : 0;
		buf[o++] = *c;
	}
	buf[o] = '\0';
}

/* postconf [-c dir] args...: its output, or NULL (a finding made). */
static char *
postconf(struct pf *p, const char *dir, const char *const *args)
{
	size_t na = 0, n = 0;
	char **argv, err[1200], *out;

	while (args[na])
		na++;
	argv = lint_alloc((na + 4) * sizeof(*argv));
	argv[n++] = "postconf";
	if (dir) {
		argv[n++] = "-c";
		argv[n++] = (char *)dir;
	}
	for (size_t i = 0; i < na; i++)
		argv[n++] = (char *)args[i];
	argv[n] = NULL;
	if (lint_exec(argv, &out, err, sizeof(err)) != 0) {
		lint_add(p->l, "audit-failed", dir ? dir : "postconf", 0,
			 "cannot read the Postfix configuration: %s", err);
		out = NULL;
	}
	free(argv);
	return out;
}

int
lint_postfix_found(char *dir, size_t dirlen)
{
	char *argv[] = { "postconf", "-d", "-h", "config_directory", NULL };
	char err[1200], *out, path[1200];
	int found;

	if (lint_exec(argv, &out, err, sizeof(err)) != 0)
		return 0;
	out[strcspn(out, "\n")] = '\0';
	snprintf(dir, dirlen, "%s", out);
	snprintf(path, sizeof(path), "%s/main.cf", out);
	found = out[0] && access(path, F_OK) == 0;
	free(out);
	return found;
}

/* master.cf by postconf -M: the services, and their lines in the file. */
static void
services(struct pf *p, char *text)
{
	char *line, *save = NULL;

	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char f[8][256];
		struct pf_svc *s;

		if (sscanf(line, "%255s %255s %255s %255s %255s %255s %255s %255s",
			   f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7]) != 8)
			continue;
		if ((s = realloc(p->svc, (p->n_svc + 1) * sizeof(*s))) == NULL) {
			fprintf(stderr, "qrelayctl: lint: out of memory\n");
			exit(111);
		}
		p->svc = s;
		s = &p->svc[p->n_svc++];
		memset(s, 0, sizeof(*s));
		snprintf(s->name, sizeof(s->name), "%s", f[0]);
		snprintf(s->type, sizeof(s->type), "%.31s", f[1]);
		s->chroot = strcmp(f[4], "y") == 0;	/* "-": n since 3.0 */
		s->smtpd = strcmp(f[7], "smtpd") == 0;
	}
	/* each service's line: "name type" at the start of a line */
	{
		char err[1200], *buf = NULL;
		FILE *fp = lint_fopen(p->mastercf, err, sizeof(err));
		size_t cap = 0;
		unsigned n = 0;

		while (fp && getline(&buf, &cap, fp) > 0) {
			char a[256], b[32];

			n++;
			if (buf[0] == '#' || buf[0] == ' ' || buf[0] == '\t' ||
			    sscanf(buf, "%255s %31s", a, b) != 2)
				continue;
			for (size_t i = 0; i < p->n_svc; i++)
				if (p->svc[i].line == 0 &&
				    strcmp(p->svc[i].name, a) == 0 &&
				    strcmp(p->svc[i].type, b) == 0)
					p->svc[i].line = n;
		}
		free(buf);
		if (fp)
			fclose(fp);
	}
}

/* Everything lint judges, as postconf reads it. */
int
lint_pf_read(struct pf *p, const char *dir)
{
	static const char *const params[] = {
		"-x", "config_directory", "queue_directory", "smtpd_milters",
		"milter_default_action", "milter_protocol",
		"smtpd_relay_restrictions", "smtpd_recipient_restrictions",
		"mynetworks", "milter_macro_daemon_name",
		"smtpd_restriction_classes", "receive_override_options", NULL
	};
	static const char *const over[] = { "-P", "-x", NULL };
	static const char *const master[] = { "-M", NULL };

	if ((p->out[0] = postconf(p, dir, params)) == NULL ||
	    (p->out[1] = postconf(p, dir, over)) == NULL ||
	    (p->out[2] = postconf(p, dir, master)) == NULL)
		return -1;
	p->n_main = parse_kv(p->out[0], &p->main);
	if (strlen(lint_pf_main(p, "config_directory")) >= sizeof(p->dir)) {
		lint_add(p->l, "audit-failed", dir ? dir : "postconf", 0,
			 "config_directory is too long");
		return -1;
	}
	snprintf(p->dir, sizeof(p->dir), "%s",
		 lint_pf_main(p, "config_directory"));
	snprintf(p->maincf, sizeof(p->maincf), "%s/main.cf", p->dir);
	snprintf(p->mastercf, sizeof(p->mastercf), "%s/master.cf", p->dir);
	if (lint_pf_main(p, "smtpd_restriction_classes")[0]) {
		/* the classes' values, added to the parameters */
		struct pf_words c;
		const char **args;
		struct pf_kv *more, *nk;
		size_t m, all;

		lint_pf_words(lint_pf_main(p, "smtpd_restriction_classes"), &c);
		args = lint_alloc(((size_t)c.n + 2) * sizeof(*args));
		args[0] = "-x";
		for (int i = 0; i < c.n; i++)
			args[i + 1] = c.w[i];
		args[c.n + 1] = NULL;
		p->out[3] = postconf(p, dir, args);
		free(args);
		free(c.w);
		if (p->out[3] == NULL)
			return -1;
		m = parse_kv(p->out[3], &more);
		all = p->n_main + m;
		if ((nk = realloc(p->main, (all ? all : 1) * sizeof(*nk))) == NULL) {
			fprintf(stderr, "qrelayctl: lint: out of memory\n");
			exit(111);
		}
		if (m)
			memcpy(nk + p->n_main, more, m * sizeof(*nk));
		free(more);
		p->main = nk;
		p->n_main = all;
	}
	p->n_over = parse_kv(p->out[1], &p->over);
	services(p, p->out[2]);
	return 0;
}

void
lint_pf_free(struct pf *p)
{
	for (int i = 0; i < 4; i++)
		free(p->out[i]);
	free(p->main);
	free(p->over);
	free(p->svc);
	free(p->names);
	free(p);
}
