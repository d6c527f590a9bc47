/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * lint_pftable.c - qrelayctl lint: what a Postfix lookup table named in a
 * relay restriction (or in mynetworks) holds and answers.
 *
 *   - lint_pft_query asks Postfix itself (postmap -q), so a cidr,
 *     regexp, pcre, hash or any other table answers as smtpd would make
 *     it answer;
 *   - lint_pft_entries reads the text the table is made from, for the
 *     file and line of each entry: the file of a cidr, regexp, pcre or
 *     texthash table, the source of a postmap'd hash, btree, lmdb, cdb,
 *     dbm or sdbm table (else postmap -s, without lines), a plain
 *     "/file" of mynetworks (every word an entry), inline:{ k=v, ... }.
 */
#include "config.h"
#include "lint_postfix.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

int
lint_pft_action_permits(const char *v)
{
	size_t n;

	v += strspn(v, " \t\r\n,");
	n = strcspn(v, " \t\r\n,");
	if (n == 0)
		return 0;
	if (strspn(v, "0123456789") == n)	/* all-numerical: OK */
		return 1;
	return (n == 2 && strncasecmp(v, "OK", 2) == 0) ||
		(n == 6 && strncasecmp(v, "permit", 6) == 0);
}

/* postmap [-c dir] args... (args NULL-terminated, at most 4): its output,
 * 0 answered, 1 no answer, -1 failed (err). */
static int
postmap(const struct pf *p, const char *const *args, char **out, char *err,
	size_t errlen)
{
	char *argv[8];
	int n = 0, rc;

	argv[n++] = "postmap";
	if (p->dir[0]) {
		argv[n++] = "-c";
		argv[n++] = (char *)p->dir;
	}
	for (int i = 0; args[i] && n < 7; i++)
		argv[n++] = (char *)args[i];
	argv[n] = NULL;
	rc = lint_exec(argv, out, err, errlen);
	if (rc == 1 && strstr(err, "fatal:") == NULL && strstr(err, "error:") == NULL)
		return 1;	/* postmap -q: not found */
	return rc == 0 ? 0 : -1;
}

/* proxy:type:name is type:name read through proxymap, which lint need
 * not reach (nor a test run it): the same table. */
static const char *
unproxied(const char *table)
{
	return strncmp(table, "proxy:", 6) == 0 ? table + 6 : table;
}

int
lint_pft_query(const struct pf *p, const char *table, const char *key,
	       char *answer, size_t alen, char *err, size_t errlen)
{
	const char *args[] = { "-q", key, unproxied(table), NULL };
	char *out = NULL;
	int rc = postmap(p, args, &out, err, errlen);

	if (rc == 0) {
		out[strcspn(out, "\n")] = '\0';
		snprintf(answer, alen, "%s", out);
	}
	free(out);
	return rc == 0 ? 1 : rc == 1 ? 0 : -1;
}

/* One line of a table's text: key and value (split after the key; for
 * regexp and pcre the key is the /pattern/flags).  0, or -1 (no entry:
 * blank, comment, if/endif). */
static int
split_entry(char *s, int regex, char **key, char **value)
{
	char *e;

	s += strspn(s, " \t");
	if (*s == '\0' || *s == '#')
		return -1;
	if (regex) {
		char d = *s;

		if (strncasecmp(s, "if", 2) == 0 || strncasecmp(s, "endif", 5) == 0 ||
		    d == '\0')
			return -1;
		e = s + 1;
		while (*e && *e != d)
			e += e[0] == '\\' && e[1] ? 2 : 1;
		e += *e == d;
		e += strcspn(e, " \t");	/* flags */
	} else {
		e = s + strcspn(s, " \t");
	}
	*key = s;
	if (*e)
		*e++ = '\0';
	*value = e + strspn(e, " \t");
	return 0;
}

/* Feed the entries of a text file: a line that starts with a blank goes
 * on the one before it, as postmap reads it; words: every word of every
 * line (commas and blanks separate them) is a key. */
static int
file_entries(const char *path, int regex, int words, lint_pft_fn fn,
	     void *arg, char *err, size_t errlen)
{
	FILE *f = lint_fopen(path, err, errlen);
	char *buf = NULL, *line = NULL, *key, *value;
	size_t cap = 0, blen = 0, bcap = 0;
	unsigned no = 0, start = 0;
	ssize_t n;

	if (f == NULL)	/* a FIFO is not read: -2, do not ask postmap either */
		return errno == ENOENT ? -1 : -2;
	for (;;) {
		const char *t;
		int cont;

		n = getline(&line, &cap, f);
		if (n >= 0) {
			no++;
			if (n > 0 && line[n - 1] == '\n')
				line[--n] = '\0';
		}
		t = n >= 0 ? line + strspn(line, " \t\r") : "";
		cont = n >= 0 && !words && blen && t != line && *t && *t != '#';
		if (!cont && blen) {	/* the entry so far is complete */
			if (words) {
				for (char *w = strtok(buf, " \t\r,"); w && *w != '#';
				     w = strtok(NULL, " \t\r,"))
					fn(arg, w, "", path, start);
			} else if (split_entry(buf, regex, &key, &value) == 0) {
				fn(arg, key, value, path, start);
			}
			blen = 0;
		}
		if (n < 0)
			break;
		if (!cont && (*t == '\0' || *t == '#'))
			continue;
		if (!cont)
			start = no;
		if (blen + (size_t)n + 2 > bcap) {
			char *nb = realloc(buf, bcap = blen + (size_t)n + 256);

			if (nb == NULL) {
				fprintf(stderr, "qrelayctl: lint: out of memory\n");
				exit(111);
			}
			buf = nb;
		}
		if (blen)
			buf[blen++] = ' ';
		memcpy(buf + blen, line, (size_t)n + 1);
		blen += (size_t)n;
	}
	free(line);
	free(buf);
	fclose(f);
	return 0;
}

/* inline:{ key=value, { key = value }, ... } */
static int
inline_entries(const char *table, const char *name, lint_pft_fn fn, void *arg)
{
	char *s = lint_strdup(name), *b = lint_trim(s), *item;
	size_t n = strlen(b);
	int depth = 0;

	if (b[0] == '{' && n > 1 && b[n - 1] == '}') {
		b[n - 1] = '\0';
		b++;
	}
	item = b;
	for (char *c = b;; c++) {
		if (*c == '{')
			depth++;
		else if (*c == '}' && depth > 0)
			depth--;
		if (*c == '\0' || (*c == ',' && depth == 0)) {
			int end = *c == '\0';
			char *it, *eq;

			*c = '\0';
			it = lint_trim(item);
			n = strlen(it);
			if (it[0] == '{' && n > 1 && it[n - 1] == '}') {
				it[n - 1] = '\0';
				it = lint_trim(it + 1);
			}
			if ((eq = strchr(it, '=')) != NULL) {
				*eq = '\0';
				fn(arg, lint_trim(it), lint_trim(eq + 1), table, 0);
			}
			if (end)
				break;
			item = c + 1;
		}
	}
	free(s);
	return 0;
}

int
lint_pft_entries(const struct pf *p, const char *table, lint_pft_fn fn,
		 void *arg, char *err, size_t errlen)
{
	static const char *const indexed[] = {
		"hash", "btree", "lmdb", "cdb", "dbm", "sdbm", NULL
	};
	const char *colon, *name;
	char type[32];
	struct stat st;
	size_t tl;
	int k;

	if (table[0] == '/')	/* mynetworks: a file of patterns */
		return file_entries(table, 0, 1, fn, arg, err, errlen);
	table = unproxied(table);
	colon = strchr(table, ':');
	if (colon == NULL || (tl = (size_t)(colon - table)) >= sizeof(type)) {
		snprintf(err, errlen, "%s: not a lookup table", table);
		return -1;
	}
	memcpy(type, table, tl);
	type[tl] = '\0';
	name = colon + 1;
	if (strcmp(type, "static") == 0) {
		char *v = lint_strdup(name + strspn(name, "{ \t"));

		v[strcspn(v, "}")] = '\0';
		fn(arg, "*", v, table, 0);
		free(v);
		return 0;
	}
	if (strcmp(type, "inline") == 0)
		return inline_entries(table, name, fn, arg);
	if (strcmp(type, "cidr") == 0 || strcmp(type, "texthash") == 0)
		return file_entries(name, 0, 0, fn, arg, err, errlen);
	if (strcmp(type, "regexp") == 0 || strcmp(type, "pcre") == 0)
		return file_entries(name, 1, 0, fn, arg, err, errlen);
	for (k = 0; indexed[k] && strcmp(type, indexed[k]) != 0; k++)
		;
	if (indexed[k] == NULL) {
		snprintf(err, errlen, "%s: a %s table is not read by lint", table,
			 type);
		return -1;
	}
	if (stat(name, &st) == 0 && S_ISREG(st.st_mode))
		return file_entries(name, 0, 0, fn, arg, err, errlen);
	{	/* no source text: what postmap -s lists */
		const char *args[] = { "-s", table, NULL };
		char *out = NULL, *save = NULL;

		if (postmap(p, args, &out, err, errlen) != 0) {
			free(out);
			return -1;
		}
		for (char *l = strtok_r(out, "\n", &save); l;
		     l = strtok_r(NULL, "\n", &save)) {
			char *key, *value;

			if (split_entry(l, 0, &key, &value) == 0)
				fn(arg, key, value, table, 0);
		}
		free(out);
	}
	return 0;
}

int
lint_pft_net(const char *t, int *v6)
{
	char a[128];
	unsigned char bin[16];
	const char *slash = strrchr(t, '/');
	size_t n = slash ? (size_t)(slash - t) : strlen(t);
	int bits, max;

	if (n >= sizeof(a))
		return -1;
	memcpy(a, t, n);
	a[n] = '\0';
	if (a[0] == '[' && n > 2 && a[n - 1] == ']') {	/* [v6] */
		memmove(a, a + 1, n - 2);
		a[n - 2] = '\0';
	}
	*v6 = strchr(a, ':') != NULL;
	if (inet_pton(*v6 ? AF_INET6 : AF_INET, a, bin) != 1)
		return -1;
	max = *v6 ? 128 : 32;
	if (slash == NULL)
		return max;
	if (slash[1] == '\0' || strspn(slash + 1, "0123456789") != strlen(slash + 1) ||
	    strlen(slash + 1) > 3 || (bits = atoi(slash + 1)) > max)
		return -1;
	return bits;
}
