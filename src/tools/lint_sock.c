/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * lint_sock.c - qrelayctl lint: milter socket names as the daemon
 * (libmilter), Postfix and Sendmail write them, and whether the MTA's
 * reaches the daemon's (see lint.h).
 *
 * Unix sockets are the same path (or the same file, when both exist);
 * TCP sockets the same port and address, where a daemon listening on
 * every address is reached by any, and "localhost" is the loopback
 * address.  No name is looked up in DNS.
 */
#include "config.h"
#include "lint.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

/* A path with "//" and "/./" folded and no trailing '/'. */
static void
clean_path(const char *in, char *out, size_t len)
{
	size_t o = 0;

	for (; *in && o + 1 < len; in++) {
		if (*in == '/' && o > 0 && out[o - 1] == '/')
			continue;
		if (*in == '.' && o > 0 && out[o - 1] == '/' &&
		    (in[1] == '/' || in[1] == '\0'))
			continue;
		out[o++] = *in;
	}
	while (o > 1 && out[o - 1] == '/')
		o--;
	out[o] = '\0';
}

static int
set_port(struct lint_sock *s, const char *p, size_t n)
{
	unsigned v = 0;

	if (n == 0 || n > 5)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		v = v * 10 + (unsigned)(p[i] - '0');
	}
	if (v == 0 || v > 65535)
		return -1;
	s->port = v;
	return 0;
}

static int
set_host(struct lint_sock *s, const char *h, size_t n)
{
	if (n >= 2 && h[0] == '[' && h[n - 1] == ']') {
		h++;
		n -= 2;
	}
	if (n >= sizeof(s->host))
		return -1;
	memcpy(s->host, h, n);
	s->host[n] = '\0';
	return 0;
}

static int
set_unix(struct lint_sock *s, const char *root, const char *path)
{
	char joined[sizeof(s->path) * 2];

	if (path[0] != '/')
		return -1;
	snprintf(joined, sizeof(joined), "%s%s", root ? root : "", path);
	clean_path(joined, s->path, sizeof(s->path));
	s->kind = 1;
	return 0;
}

int
lint_sock_milter(const char *spec, struct lint_sock *s)
{
	const char *rest, *at;

	memset(s, 0, sizeof(*s));
	if (strncmp(spec, "unix:", 5) == 0)
		return set_unix(s, NULL, spec + 5);
	if (strncmp(spec, "local:", 6) == 0)
		return set_unix(s, NULL, spec + 6);
	if (spec[0] == '/')
		return set_unix(s, NULL, spec);
	if (strncmp(spec, "inet:", 5) == 0)
		rest = spec + 5;
	else if (strncmp(spec, "inet6:", 6) == 0)
		rest = spec + 6;
	else
		return -1;
	at = strchr(rest, '@');
	if (set_port(s, rest, at ? (size_t)(at - rest) : strlen(rest)) != 0 ||
	    (at && set_host(s, at + 1, strlen(at + 1)) != 0)) {
		memset(s, 0, sizeof(*s));
		return -1;
	}
	s->kind = 2;
	return 0;
}

int
lint_sock_postfix(const char *spec, const char *chroot_dir,
		  struct lint_sock *s)
{
	const char *rest, *colon;

	memset(s, 0, sizeof(*s));
	if (strncmp(spec, "unix:", 5) == 0)
		return set_unix(s, chroot_dir, spec + 5);
	if (strncmp(spec, "local:", 6) == 0)
		return set_unix(s, chroot_dir, spec + 6);
	if (strncmp(spec, "inet:", 5) != 0)
		return -1;
	rest = spec + 5;
	colon = strrchr(rest, ':');
	if (colon == NULL || set_port(s, colon + 1, strlen(colon + 1)) != 0 ||
	    set_host(s, rest, (size_t)(colon - rest)) != 0) {
		memset(s, 0, sizeof(*s));
		return -1;
	}
	s->kind = 2;
	return 0;
}

/* An address, "localhost" as the loopback: 4 or 16 bytes in out, or 0
 * for a name. */
static int
host_addr(const char *h, unsigned char out[16], int v6)
{
	if (strcasecmp(h, "localhost") == 0)
		h = v6 ? "::1" : "127.0.0.1";
	if (inet_pton(AF_INET, h, out) == 1)
		return 4;
	if (inet_pton(AF_INET6, h, out) == 1)
		return 16;
	return 0;
}

static int
any_host(const char *h)
{
	return h[0] == '\0' || strcmp(h, "0.0.0.0") == 0 ||
		strcmp(h, "::") == 0 || strcmp(h, "*") == 0;
}

int
lint_sock_same(const struct lint_sock *d, const struct lint_sock *m)
{
	if (d->kind == 0 || d->kind != m->kind)
		return 0;
	if (d->kind == 1) {
		struct stat a, b;

		if (strcmp(d->path, m->path) == 0)
			return 1;
		return stat(d->path, &a) == 0 && stat(m->path, &b) == 0 &&
			a.st_dev == b.st_dev && a.st_ino == b.st_ino;
	}
	if (d->port != m->port)
		return 0;
	if (any_host(d->host))
		return 1;
	for (int v6 = 0; v6 < 2; v6++) {
		unsigned char a[16], b[16];
		int na = host_addr(d->host, a, v6), nb = host_addr(m->host, b, v6);

		if (na && na == nb && memcmp(a, b, (size_t)na) == 0)
			return 1;
	}
	return strcasecmp(d->host, m->host) == 0;
}
