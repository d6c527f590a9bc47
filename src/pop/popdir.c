/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * popdir.c - SMTP-after-POP from a relay-ctrl directory (relay-ctrl 3.2
 * compatible): one file per client address, named by the address as
 * TCPREMOTEIP spells it (IPv6: inet_ntop's compressed form), fresh while
 * mtime + expiry >= now (default 900 s).  Stale files are ignored here and
 * removed by `qrelayctl expire` (relay-ctrl-age); the daemon never writes
 * to the directory.
 */
#include "config.h"
#include "backend.h"
#include "core/ip.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

struct popdir {
	char dir[SETTINGS_PATH_MAX];
	long expiry;
	struct pop_log log;
	atomic_int failing;	/* an incident is being reported */
};

/* The directory answered (a file or no file): end a reported incident.
 * Reads the flag first, so the common case writes no shared memory. */
static void
popdir_answered(struct popdir *d)
{
	if (atomic_load(&d->failing) && atomic_exchange(&d->failing, 0))
		pop_logf(&d->log, LOG_NOTICE,
			 "pop-before-smtp: relay-ctrl dir %s is readable again",
			 d->dir);
}

static int
popdir_lookup(void *impl, const char *ip, const char *sender, char *why,
	      size_t whylen)
{
	struct popdir *d = impl;
	char path[SETTINGS_PATH_MAX + IP_TEXT_MAX + 2];
	struct stat st;
	time_t now = time(NULL);
	int found;

	(void)sender;
	/* a normalised address never holds '/', but be sure */
	if (strchr(ip, '/') || ip[0] == '.')
		return POP_NO;
	snprintf(path, sizeof(path), "%s/%s", d->dir, ip);
	found = stat(path, &st) == 0;
	if (!found && errno != ENOENT) {
		snprintf(why, whylen, "relay-ctrl dir: cannot stat %s: %s",
			 path, strerror(errno));
		if (atomic_exchange(&d->failing, 1) == 0)
			pop_logf(&d->log, LOG_ERR,
				 "pop-before-smtp: %s; tempfailing recipients that need it",
				 why);
		return POP_ERROR;
	}
	popdir_answered(d);
	if (!found || !pop_fresh(st.st_mtime, d->expiry, now))
		return POP_NO;
	snprintf(why, whylen, "pop-before-smtp relay-ctrl dir %s age %llds",
		 path, (long long)now - (long long)st.st_mtime);
	return POP_YES;
}

static int
popdir_allow(void *impl, const char *ip, const char *user, char *err,
	     size_t errlen)
{
	struct popdir *d = impl;
	struct client_ip cip;
	char path[SETTINGS_PATH_MAX + IP_TEXT_MAX + 2];
	char tmp[sizeof(path) + 32], data[1024];
	size_t n = 0;
	int fd;

	if (ip_parse(&cip, ip) != 0) {
		snprintf(err, errlen, "%s: not an IPv4 or IPv6 address", ip);
		return -1;
	}
	if (user && user[0]) {
		const char *at = strrchr(user, '@');

		n = (size_t)snprintf(data, sizeof(data), "USER=%s", user) + 1;
		if (at && n < sizeof(data))
			n += (size_t)snprintf(data + n, sizeof(data) - n,
					      "DOMAIN=%s", at + 1) + 1;
		if (n > sizeof(data))
			n = sizeof(data);
	}
	snprintf(path, sizeof(path), "%s/%s", d->dir, cip.text);
	snprintf(tmp, sizeof(tmp), "%s/.%s.%ld", d->dir, cip.text,
		 (long)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		snprintf(err, errlen, "cannot create %s: %s", tmp,
			 strerror(errno));
		return -1;
	}
	if ((n && write(fd, data, n) != (ssize_t)n) || close(fd) != 0) {
		snprintf(err, errlen, "cannot write %s: %s", tmp,
			 strerror(errno));
		unlink(tmp);
		return -1;
	}
	if (rename(tmp, path) != 0) {
		snprintf(err, errlen, "cannot rename %s to %s: %s", tmp, path,
			 strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

/* Walk the directory: expire != 0 removes stale files, out != NULL lists. */
static int
popdir_walk(struct popdir *d, int expire, FILE *out, long *removed,
	    char *err, size_t errlen)
{
	DIR *dh = opendir(d->dir);
	struct dirent *de;
	time_t now = time(NULL);

	if (dh == NULL) {
		snprintf(err, errlen, "cannot open %s: %s", d->dir,
			 strerror(errno));
		return -1;
	}
	if (removed)
		*removed = 0;
	while ((de = readdir(dh)) != NULL) {
		char path[SETTINGS_PATH_MAX + 260], user[256] = "";
		struct stat st;
		struct client_ip cip;
		long long age;

		/* only the files relay-ctrl and qrelayctl allow write: named
		 * by a client address as the daemon looks it up; anything
		 * else in the directory is not ours to list or remove */
		if (ip_parse(&cip, de->d_name) != 0 ||
		    strcmp(cip.text, de->d_name) != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", d->dir, de->d_name);
		if (lstat(path, &st) != 0 || !S_ISREG(st.st_mode))
			continue;
		age = (long long)now - (long long)st.st_mtime;
		if (expire) {
			if (!pop_fresh(st.st_mtime, d->expiry, now) &&
			    unlink(path) == 0 && removed)
				(*removed)++;
			continue;
		}
		{
			FILE *f = fopen(path, "r");

			if (f) {
				char buf[512];
				size_t n = fread(buf, 1, sizeof(buf) - 1, f);

				buf[n] = '\0';
				if (strncmp(buf, "USER=", 5) == 0)
					snprintf(user, sizeof(user), "%.200s",
						 buf + 5);
				fclose(f);
			}
		}
		fprintf(out, "%s age=%llds %s%s%s\n", de->d_name, age,
			pop_fresh(st.st_mtime, d->expiry, now) ? "fresh" :
			"stale", user[0] ? " user=" : "", user);
	}
	closedir(dh);
	return 0;
}

static int
popdir_expire(void *impl, long *removed, char *err, size_t errlen)
{
	return popdir_walk(impl, 1, NULL, removed, err, errlen);
}

static int
popdir_list(void *impl, FILE *out, char *err, size_t errlen)
{
	return popdir_walk(impl, 0, out, NULL, err, errlen);
}

static void
popdir_close(void *impl)
{
	free(impl);
}

static const struct pop_ops popdir_ops = {
	.lookup = popdir_lookup,
	.allow = popdir_allow,
	.expire = popdir_expire,
	.list = popdir_list,
	.close = popdir_close,
	.uses_sender = 0,
};

int
popdir_open(const struct pop_ops **ops, void **impl,
	    const struct settings *s, const struct pop_log *log, char *err,
	    size_t errlen)
{
	struct popdir *d;
	struct stat st;

	if (s->pop_dir[0] != '/') {
		snprintf(err, errlen, "pop_dir \"%s\" must be an absolute path",
			 s->pop_dir);
		return -1;
	}
	if (stat(s->pop_dir, &st) != 0) {
		snprintf(err, errlen, "pop_dir %s: %s", s->pop_dir,
			 strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "pop_dir %s: not a directory",
			 s->pop_dir);
		return -1;
	}
	if ((d = calloc(1, sizeof(*d))) == NULL) {
		snprintf(err, errlen, "pop_dir: out of memory");
		return -1;
	}
	snprintf(d->dir, sizeof(d->dir), "%s", s->pop_dir);
	if (log)
		d->log = *log;
	/* relay-ctrl: unset or <= 0 means 900 */
	d->expiry = s->pop_expiry > 0 ? s->pop_expiry : 900;
	*ops = &popdir_ops;
	*impl = d;
	return 0;
}
