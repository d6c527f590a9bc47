/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * lint_daemon.c - qrelayctl lint: the running daemon.
 *
 * Its status file (status_file, as qrelayctl status reads it) says
 * whether it runs, on stale tables or not, on which socket and from which
 * control directory and rules file; and a milter option negotiation on
 * its socket (SMFIC_OPTNEG, then SMFIC_QUIT: what an MTA sends first)
 * shows that it answers.  Audited when the status file or the unix socket
 * exists, or when asked (--daemon).
 */
#define _GNU_SOURCE
#include "config.h"
#include "lint.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define WAIT_MS 5000

struct status {
	long long pid, loaded, stale_since;
	char state[16], version[64], error[1200];
	char socket[1200], control_dir[1200], rules_file[1200];
	int has_dirs;		/* control_dir= and rules_file= present */
};

/* The status file: 1 read, 0 absent, -1 unreadable (a finding). */
static int
read_status(struct lint *l, const char *path, struct status *st)
{
	char line[1200], err[1200];
	FILE *f;

	memset(st, 0, sizeof(*st));
	if (path[0] == '\0' || (f = lint_fopen(path, err, sizeof(err))) == NULL) {
		if (path[0] && errno != ENOENT) {
			lint_add(l, "audit-failed", path, 0,
				 "cannot read the daemon's status file: %s", err);
			return -1;
		}
		return 0;
	}
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		sscanf(line, "pid=%lld", &st->pid);
		sscanf(line, "loaded=%lld", &st->loaded);
		sscanf(line, "stale_since=%lld", &st->stale_since);
		sscanf(line, "state=%15s", st->state);
		sscanf(line, "version=%63s", st->version);
		if (strncmp(line, "error=", 6) == 0)
			snprintf(st->error, sizeof(st->error), "%s", line + 6);
		if (strncmp(line, "socket=", 7) == 0)
			snprintf(st->socket, sizeof(st->socket), "%s", line + 7);
		if (strncmp(line, "control_dir=", 12) == 0) {
			snprintf(st->control_dir, sizeof(st->control_dir), "%s",
				 line + 12);
			st->has_dirs = 1;
		}
		if (strncmp(line, "rules_file=", 11) == 0)
			snprintf(st->rules_file, sizeof(st->rules_file), "%s",
				 line + 11);
	}
	fclose(f);
	return 1;
}

/* Two paths to the same file (or both empty)? */
static int
same_path(const char *a, const char *b)
{
	char ra[PATH_MAX], rb[PATH_MAX];

	if (strcmp(a, b) == 0)
		return 1;
	return a[0] && b[0] && realpath(a, ra) && realpath(b, rb) &&
		strcmp(ra, rb) == 0;
}

/* Wait for fd to be ready for ev: 0, or -1 (errno ETIMEDOUT). */
static int
ready(int fd, short ev)
{
	struct pollfd p = { fd, ev, 0 };
	int rc;

	while ((rc = poll(&p, 1, WAIT_MS)) < 0 && errno == EINTR)
		;
	if (rc == 0)
		errno = ETIMEDOUT;
	return rc > 0 ? 0 : -1;
}

/* Connect to the daemon's socket within WAIT_MS: a descriptor, or -1. */
static int
connect_to(const struct lint_sock *d, char *err, size_t errlen)
{
	struct addrinfo hints, *res = NULL, *a;
	char port[8];
	int fd = -1, e = 0;

	if (d->kind == 1) {
		struct sockaddr_un sun = { .sun_family = AF_UNIX };

		if (strlen(d->path) >= sizeof(sun.sun_path)) {
			snprintf(err, errlen, "the path is too long");
			return -1;
		}
		memcpy(sun.sun_path, d->path, strlen(d->path) + 1);
		if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
		    connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
			snprintf(err, errlen, "connect: %s", strerror(errno));
			if (fd >= 0)
				close(fd);
			return -1;
		}
		return fd;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	snprintf(port, sizeof(port), "%u", d->port);
	if ((e = getaddrinfo(d->host[0] && strcmp(d->host, "0.0.0.0") &&
			     strcmp(d->host, "::") ? d->host : "localhost",
			     port, &hints, &res)) != 0) {
		snprintf(err, errlen, "%s: %s", d->host, gai_strerror(e));
		return -1;
	}
	for (a = res; a; a = a->ai_next) {
		socklen_t sl = sizeof(e);

		fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC |
			    SOCK_NONBLOCK, a->ai_protocol);
		if (fd < 0)
			continue;
		if ((connect(fd, a->ai_addr, a->ai_addrlen) == 0 ||
		     (errno == EINPROGRESS && ready(fd, POLLOUT) == 0 &&
		      getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &sl) == 0 &&
		      (errno = e) == 0)) &&
		    fcntl(fd, F_SETFL, 0) == 0)
			break;
		snprintf(err, errlen, "connect: %s", strerror(errno));
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd;
}

static int
send_all(int fd, const unsigned char *b, size_t n)
{
	while (n > 0) {
		ssize_t w;

		if (ready(fd, POLLOUT) != 0)
			return -1;
		if ((w = send(fd, b, n, MSG_NOSIGNAL)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		b += w;
		n -= (size_t)w;
	}
	return 0;
}

static int
recv_all(int fd, unsigned char *b, size_t n)
{
	while (n > 0) {
		ssize_t r;

		if (ready(fd, POLLIN) != 0)
			return -1;
		if ((r = recv(fd, b, n, 0)) <= 0) {
			if (r < 0 && errno == EINTR)
				continue;
			if (r == 0)
				errno = ECONNRESET;
			return -1;
		}
		b += r;
		n -= (size_t)r;
	}
	return 0;
}

/* An option negotiation as an MTA opens a session: the daemon's milter
 * protocol version, or 0 (why in err). */
static unsigned
negotiate(const struct lint_sock *d, char *err, size_t errlen)
{
	/* length 13, 'O', version 6, every action, every protocol step */
	static const unsigned char optneg[17] = {
		0, 0, 0, 13, 'O', 0, 0, 0, 6, 0, 0, 0x01, 0xff,
		0, 0x1f, 0xff, 0xff
	};
	static const unsigned char quit[5] = { 0, 0, 0, 1, 'Q' };
	unsigned char hdr[4], body[4096];
	uint32_t len, ver;
	int fd = connect_to(d, err, errlen);

	if (fd < 0)
		return 0;
	if (send_all(fd, optneg, sizeof(optneg)) != 0 ||
	    recv_all(fd, hdr, 4) != 0) {
		snprintf(err, errlen, "%s", strerror(errno));
		close(fd);
		return 0;
	}
	memcpy(&len, hdr, 4);
	len = ntohl(len);
	if (len < 13 || len > sizeof(body) || recv_all(fd, body, len) != 0 ||
	    body[0] != 'O') {
		snprintf(err, errlen, "%s", len < 13 || len > sizeof(body) ||
			 errno == 0 ? "it answered, but not with an option negotiation" :
			 strerror(errno));
		close(fd);
		return 0;
	}
	(void)send_all(fd, quit, sizeof(quit));
	close(fd);
	memcpy(&ver, body + 1, 4);
	return ntohl(ver) ? ntohl(ver) : 1;
}

void
lint_daemon(struct lint *l, int explicit)
{
	const char *sf = l->s.status_file;
	struct lint_sock d, ds;
	struct status st;
	struct stat sb;
	char err[600];
	unsigned ver;
	int have, sock_exists;

	if (lint_sock_milter(l->s.socket, &d) != 0) {
		lint_add(l, "audit-failed", l->config ? l->config : "(socket)",
			 lint_conf_line(l, "socket", NULL),
			 "socket \"%s\": not a milter socket name", l->s.socket);
		return;
	}
	if ((have = read_status(l, sf, &st)) < 0)
		return;
	sock_exists = d.kind == 1 && stat(d.path, &sb) == 0 &&
		S_ISSOCK(sb.st_mode);
	if (!explicit && !have && !sock_exists) {
		lint_note(l, "daemon: not audited (no status file %s, no socket %s; --daemon asks anyway)",
			  sf[0] ? sf : "(status_file is empty)", l->s.socket);
		return;
	}
	if (have) {
		if (st.pid <= 0 || (kill((pid_t)st.pid, 0) != 0 && errno != EPERM)) {
			lint_add(l, "daemon-down", sf, 0,
				 "the status file names pid %lld, which is not running: the daemon died without removing it",
				 st.pid);
			return;
		}
		if (strcmp(st.state, "stale") == 0)
			lint_add(l, "daemon-stale", sf, 0,
				 "the daemon runs on stale tables: reloads have failed for %lld s, so the files' current contents, a revoked grant too, are not in force: %s",
				 (long long)time(NULL) - st.stale_since, st.error);
		if ((lint_sock_milter(st.socket, &ds) != 0 ||
		     !lint_sock_same(&d, &ds)) && strcmp(st.socket, l->s.socket))
			lint_add(l, "daemon-other-config", sf, 0,
				 "the running daemon serves %s, not %s as audited",
				 st.socket, l->s.socket);
		if (st.has_dirs &&
		    (!same_path(st.control_dir, l->s.control_dir) ||
		     !same_path(st.rules_file, l->s.rules_file)))
			lint_add(l, "daemon-other-config", sf, 0,
				 "the running daemon holds the tables of %s and rules \"%s\", not those audited (%s, rules \"%s\")",
				 st.control_dir, st.rules_file,
				 l->s.control_dir, l->s.rules_file);
	}
	if ((ver = negotiate(&d, err, sizeof(err))) == 0) {
		lint_add(l, "daemon-down", d.kind == 1 ? d.path : l->s.socket, 0,
			 "no answer to a milter option negotiation on %s (%s): the MTA cannot reach the daemon either",
			 l->s.socket, err);
		return;
	}
	lint_note(l, "daemon: answers on %s (milter protocol %u)", l->s.socket,
		  ver);
	if (have)
		lint_note(l, "daemon: qrelay-milter %s, pid %lld, tables loaded %lld s ago%s%s%s%s%s",
			  st.version, st.pid, (long long)time(NULL) - st.loaded,
			  st.has_dirs ? " from " : "", st.control_dir,
			  st.has_dirs ? ", rules \"" : "", st.rules_file,
			  st.has_dirs ? "\"" : "");
}
