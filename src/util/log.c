/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * log.c - syslog, standard error, or the journal (see log.h).
 */
#include "config.h"
#include "log.h"

#include <paths.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static enum log_target target = LOG_TO_SYSLOG;

/* With no syslog daemon (no /dev/log), glibc's syslog() tries socket() +
 * connect() again on every call and drops the line: three wasted system
 * calls per decision, ~10% of the daemon's CPU per session.  Look for the
 * socket at most once a second instead; lines are dropped either way. */
static atomic_long next_check;
static atomic_int have_syslog = 1;

static int
syslog_present(void)
{
	long now = (long)time(NULL);

	if (now >= atomic_load(&next_check)) {
		atomic_store(&next_check, now + 1);
		atomic_store(&have_syslog, access(_PATH_LOG, F_OK) == 0);
	}
	return atomic_load(&have_syslog);
}
static char log_ident[64] = "qrelay-milter";

static const struct {
	const char *name;
	int facility;
} facilities[] = {
	{ "mail", LOG_MAIL },	{ "daemon", LOG_DAEMON }, { "user", LOG_USER },
	{ "local0", LOG_LOCAL0 }, { "local1", LOG_LOCAL1 },
	{ "local2", LOG_LOCAL2 }, { "local3", LOG_LOCAL3 },
	{ "local4", LOG_LOCAL4 }, { "local5", LOG_LOCAL5 },
	{ "local6", LOG_LOCAL6 }, { "local7", LOG_LOCAL7 },
};

int
log_open(const char *ident, const char *facility, enum log_target to)
{
	int fac = -1;

	for (size_t i = 0; i < sizeof(facilities) / sizeof(facilities[0]); i++)
		if (strcmp(facilities[i].name, facility) == 0)
			fac = facilities[i].facility;
	snprintf(log_ident, sizeof(log_ident), "%s", ident);
	target = to;
	if (to != LOG_TO_JOURNAL)
		openlog(log_ident, LOG_PID | LOG_NDELAY,
			fac < 0 ? LOG_MAIL : fac);
	return fac < 0 ? -1 : 0;
}

int
log_stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	return js && sscanf(js, "%llu:%llu", &dev, &ino) == 2 &&
		fstat(STDERR_FILENO, &st) == 0 &&
		(unsigned long long)st.st_dev == dev &&
		(unsigned long long)st.st_ino == ino;
}

void
log_msg(int prio, const char *fmt, ...)
{
	char msg[8192];	/* a decision line holds four escaped addresses */
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (target == LOG_TO_JOURNAL) {
		/* sd-daemon(3) priority prefix; the journal adds the time */
		fprintf(stderr, "<%d>%s\n", LOG_PRI(prio), msg);
		return;
	}
	if (syslog_present())
		syslog(prio, "%s", msg);
	if (target == LOG_TO_BOTH) {
		char ts[32];
		time_t now = time(NULL);
		struct tm tm;

		strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S",
			 localtime_r(&now, &tm));
		fprintf(stderr, "%s %s: %s\n", ts, log_ident, msg);
	}
}
