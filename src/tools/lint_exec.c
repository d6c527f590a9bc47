/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * lint_exec.c - qrelayctl lint: run a program (postconf) with an argument
 * vector, no shell, and collect what it prints (see lint.h).  Its
 * standard input is /dev/null; it gets LINT_EXEC_TIMEOUT seconds and
 * LINT_EXEC_MAX bytes of output, then it is killed: an answer that is
 * not complete is no answer.
 */
#define _GNU_SOURCE
#include "config.h"
#include "lint.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define LINT_EXEC_TIMEOUT 30
#define LINT_EXEC_MAX (16u << 20)

/* argv[0] in PATH (its absolute directories), or in /usr/sbin (postconf
 * is there, and a user's PATH often lacks it): the file to run, or NULL. */
static char *
find_program(const char *name, char *buf, size_t len)
{
	const char *path = getenv("PATH");

	if (strchr(name, '/'))
		return access(name, X_OK) == 0 ? (char *)name : NULL;
	while (path && *path) {
		size_t n = strcspn(path, ":");

		/* an empty entry would be the current directory: not that */
		snprintf(buf, len, "%.*s/%s", (int)n, path, name);
		if (n > 0 && path[0] == '/' && access(buf, X_OK) == 0)
			return buf;
		path += n + (path[n] == ':');
	}
	snprintf(buf, len, "/usr/sbin/%s", name);
	return access(buf, X_OK) == 0 ? buf : NULL;
}

/* The last non-empty line of s (cut at its end in place). */
static const char *
last_line(char *s)
{
	size_t n = strlen(s);
	char *p;

	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r'))
		s[--n] = '\0';
	p = strrchr(s, '\n');
	return p ? p + 1 : s;
}

struct sink {
	char *p;
	size_t len, cap;
};

/* Read what is there; 1 more to come, 0 at EOF, -1 too much or error. */
static int
drain(int fd, struct sink *s)
{
	char buf[8192];
	ssize_t n = read(fd, buf, sizeof(buf));

	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 1 : -1;
	if (n == 0)
		return 0;
	if (s->len + (size_t)n + 1 > LINT_EXEC_MAX)
		return -1;
	if (s->len + (size_t)n + 1 > s->cap) {
		size_t nc = s->cap ? s->cap : 16384;
		char *np;

		while (nc < s->len + (size_t)n + 1)
			nc *= 2;
		if ((np = realloc(s->p, nc)) == NULL)
			return -1;
		s->p = np;
		s->cap = nc;
	}
	memcpy(s->p + s->len, buf, (size_t)n);
	s->len += (size_t)n;
	s->p[s->len] = '\0';
	return 1;
}

int
lint_exec(char *const argv[], char **out, char *err, size_t errlen)
{
	struct sink o = { 0 }, e = { 0 };
	int po[2] = { -1, -1 }, pe[2] = { -1, -1 }, status, open_o, open_e;
	char prog[1024], *file = find_program(argv[0], prog, sizeof(prog));
	time_t deadline = time(NULL) + LINT_EXEC_TIMEOUT;
	const char *fail = NULL;
	pid_t pid;

	*out = NULL;
	if (file == NULL) {
		snprintf(err, errlen, "%s: not found in PATH or /usr/sbin",
			 argv[0]);
		return -1;
	}
	if (pipe2(po, O_CLOEXEC) != 0 || pipe2(pe, O_CLOEXEC) != 0 ||
	    (pid = fork()) < 0) {
		snprintf(err, errlen, "cannot run %s: %s", file,
			 strerror(errno));
		for (int i = 0; i < 2; i++) {
			if (po[i] >= 0)
				close(po[i]);
			if (pe[i] >= 0)
				close(pe[i]);
		}
		return -1;
	}
	if (pid == 0) {
		int nul = open("/dev/null", O_RDONLY);

		if (nul < 0 || dup2(nul, 0) < 0 || dup2(po[1], 1) < 0 ||
		    dup2(pe[1], 2) < 0)
			_exit(127);
		execv(file, argv);
		_exit(127);
	}
	close(po[1]);
	close(pe[1]);
	open_o = open_e = 1;
	while (open_o || open_e) {
		struct pollfd p[2] = { { po[0], POLLIN, 0 }, { pe[0], POLLIN, 0 } };
		time_t left = deadline - time(NULL);
		int rc;

		if (left <= 0) {
			fail = "took too long";
			break;
		}
		if (!open_o)
			p[0].fd = -1;
		if (!open_e)
			p[1].fd = -1;
		rc = poll(p, 2, (int)left * 1000);
		if (rc < 0 && errno != EINTR) {
			fail = "poll failed";
			break;
		}
		if (open_o && p[0].revents && (rc = drain(po[0], &o)) <= 0) {
			open_o = 0;
			if (rc < 0) {
				fail = "printed too much";
				break;
			}
		}
		if (open_e && p[1].revents && (rc = drain(pe[0], &e)) <= 0) {
			open_e = 0;
			if (rc < 0) {
				fail = "printed too much";
				break;
			}
		}
	}
	if (fail)
		kill(pid, SIGKILL);
	close(po[0]);
	close(pe[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (fail == NULL && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		free(e.p);
		*out = o.p ? o.p : lint_strdup("");
		return 0;
	}
	if (fail)
		snprintf(err, errlen, "%s %s", file, fail);
	else if (e.len)	/* the last line: a fatal error follows warnings */
		snprintf(err, errlen, "%s: %s", file, last_line(e.p));
	else if (WIFEXITED(status))
		snprintf(err, errlen, "%s exited with status %d", file,
			 WEXITSTATUS(status));
	else
		snprintf(err, errlen, "%s was killed by signal %d", file,
			 WTERMSIG(status));
	free(o.p);
	free(e.p);
	return fail == NULL && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}
