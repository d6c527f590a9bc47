/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * popmysql.c - SMTP-after-POP from the vpopmail or IndiMail `relay` table
 * in MySQL/MariaDB (libmariadb).
 *
 *   vpopmail: relay(ip_addr, timestamp)        any sender from ip_addr
 *   IndiMail: relay(email, ipaddr, timestamp)  the stored email must start
 *             with the envelope sender, case-insensitive (IndiMail's prefix
 *             match; <> matches any row)
 *
 * A row is fresh while timestamp + pop_expiry >= now (pop_fresh(); the
 * query asks for timestamp >= now - pop_expiry; vpopmail's default window
 * is 180 min, IndiMail's 60 min).  Connections are kept
 * in a small pool (mysql_pool) and reused; a broken one is closed and
 * reopened on next use.  Connect, read and write timeouts are bounded
 * (mysql_connect_timeout + mysql_read_timeout, default 1 + 1 s).  After a
 * failure, lookups fail fast (POP_ERROR, i.e. tempfail) for
 * mysql_retry_interval_ms before the server is tried again.  An outage is
 * logged once when it starts and once when it ends.
 */
#include "config.h"
#include "backend.h"
#include "core/ascii.h"
#include "core/ip.h"
#include "util/clock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef HAVE_MYSQL

int
popmysql_open(const struct pop_ops **ops, void **impl,
	      const struct settings *s, const struct pop_log *log, char *err,
	      size_t errlen)
{
	(void)ops;
	(void)impl;
	(void)s;
	(void)log;
	snprintf(err, errlen,
		 "pop_before_smtp = mysql: this build has no MySQL/MariaDB support (configure found no libmariadb; on Debian: apt-get install libmariadb-dev, then reconfigure)");
	return -1;
}

#else

#include <errno.h>
#include <mysql.h>
#include <errmsg.h>
#include <pthread.h>
#include <strings.h>
#include <syslog.h>
#include <time.h>

struct slot {
	MYSQL *m;
	int busy;
};

struct popmysql {
	struct settings s;	/* host, credentials, timeouts */
	struct pop_log log;
	char table[64], c_ip[64], c_email[64], c_time[64];
	long expiry;
	int indimail;

	pthread_mutex_t lock;
	pthread_cond_t freed;
	struct slot *slots;
	int n;
	int down;		/* an outage is being reported */
	struct timespec last_fail;	/* CLOCK_MONOTONIC */
	char last_err[256];
};

static pthread_once_t lib_once = PTHREAD_ONCE_INIT;
static int lib_rc;

static void
lib_init(void)
{
	lib_rc = mysql_library_init(0, NULL, NULL);
}

static const char *
schema_name(const struct popmysql *p)
{
	return p->indimail ? "indimail" : "vpopmail";
}

/* A failure: remember it, log it if it starts an outage. */
static void
note_failure(struct popmysql *p, const char *what)
{
	int first;

	pthread_mutex_lock(&p->lock);
	first = !p->down;
	p->down = 1;
	clock_gettime(CLOCK_MONOTONIC, &p->last_fail);
	snprintf(p->last_err, sizeof(p->last_err), "%s", what);
	pthread_mutex_unlock(&p->lock);
	if (first)
		pop_logf(&p->log, LOG_ERR,
			 "pop-before-smtp: mysql %s: %s; tempfailing recipients that need the relay table until it is back",
			 schema_name(p), what);
}

static void
note_success(struct popmysql *p)
{
	int was;

	pthread_mutex_lock(&p->lock);
	was = p->down;
	p->down = 0;
	pthread_mutex_unlock(&p->lock);
	if (was)
		pop_logf(&p->log, LOG_NOTICE,
			 "pop-before-smtp: mysql %s: the database answers again",
			 schema_name(p));
}

static MYSQL *
db_connect(struct popmysql *p, char *err, size_t errlen)
{
	MYSQL *m = mysql_init(NULL);
	unsigned ct = (unsigned)p->s.mysql_connect_timeout;
	unsigned rt = (unsigned)p->s.mysql_read_timeout;
	const struct settings *s = &p->s;

	if (m == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	mysql_options(m, MYSQL_OPT_CONNECT_TIMEOUT, &ct);
	mysql_options(m, MYSQL_OPT_READ_TIMEOUT, &rt);
	mysql_options(m, MYSQL_OPT_WRITE_TIMEOUT, &rt);
	mysql_options(m, MYSQL_SET_CHARSET_NAME, "utf8mb4");
	if (mysql_real_connect(m, s->mysql_host[0] ? s->mysql_host : NULL,
			       s->mysql_user,
			       s->mysql_password[0] ? s->mysql_password : NULL,
			       s->mysql_database,
			       (unsigned)s->mysql_port,
			       s->mysql_socket[0] ? s->mysql_socket : NULL,
			       0) == NULL) {
		snprintf(err, errlen, "cannot connect: %s", mysql_error(m));
		mysql_close(m);
		return NULL;
	}
	return m;
}

/* Take a free slot, waiting until the deadline at most.  -1 if none. */
static int
slot_take(struct popmysql *p, const struct timespec *until, char *err,
	  size_t errlen)
{
	int i;

	pthread_mutex_lock(&p->lock);
	for (;;) {
		for (i = 0; i < p->n; i++)
			if (!p->slots[i].busy)
				break;
		if (i < p->n)
			break;
		if (pthread_cond_timedwait(&p->freed, &p->lock, until) != 0) {
			pthread_mutex_unlock(&p->lock);
			snprintf(err, errlen, "all %d database connections stayed busy",
				 p->n);
			return -1;
		}
	}
	p->slots[i].busy = 1;
	pthread_mutex_unlock(&p->lock);
	return i;
}

static void
slot_give(struct popmysql *p, int i)
{
	pthread_mutex_lock(&p->lock);
	p->slots[i].busy = 0;
	pthread_cond_signal(&p->freed);
	pthread_mutex_unlock(&p->lock);
}

/* Fail fast while an outage is recent.  1 = do not try now. */
static int
backing_off(struct popmysql *p, char *err, size_t errlen)
{
	int rc = 0;

	pthread_mutex_lock(&p->lock);
	if (p->down && clock_ms_since(&p->last_fail) < p->s.mysql_retry_ms) {
		snprintf(err, errlen, "database unavailable (%s)", p->last_err);
		rc = 1;
	}
	pthread_mutex_unlock(&p->lock);
	return rc;
}

/* A string for a quoted SQL literal.  The connection's character set is
 * always utf8mb4 (db_connect), in which no multibyte character contains a
 * quote or a backslash, so libmariadb's connection-less escaping is exact
 * here.  to must hold 2 * 256 + 1 bytes; longer input is cut at 256. */
static const char *
sql_escape(char *to, const char *from)
{
	size_t len = strlen(from);

	mysql_escape_string(to, from, (unsigned long)(len > 256 ? 256 : len));
	return to;
}

/* Run a statement on a pooled connection; on success *res holds the result
 * (NULL for statements without one) and *affected the affected rows.  A
 * reused connection that turns out to be dead (server restarted) is
 * reopened once, if that failure was quick.  0 or -1 with err. */
static int
run(struct popmysql *p, const char *q, MYSQL_RES **res, long *affected,
    char *err, size_t errlen)
{
	struct timespec t0, until;
	int i, tries;

	*res = NULL;
	if (backing_off(p, err, errlen))
		return -1;
	/* waiting for a busy pool counts against the same time budget */
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += p->s.mysql_connect_timeout + p->s.mysql_read_timeout;
	if ((i = slot_take(p, &until, err, errlen)) < 0) {
		note_failure(p, err);
		return -1;
	}
	/* an outage noted while this lookup waited: do not wait again */
	if (backing_off(p, err, errlen)) {
		slot_give(p, i);
		return -1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (tries = 0; tries < 2; tries++) {
		MYSQL *m = p->slots[i].m;
		int fresh = 0;

		if (m == NULL) {
			if ((m = db_connect(p, err, errlen)) == NULL)
				break;
			p->slots[i].m = m;
			fresh = 1;
		}
		if (mysql_query(m, q) == 0) {
			if (mysql_field_count(m) > 0 &&
			    (*res = mysql_store_result(m)) == NULL) {
				snprintf(err, errlen, "reading the result: %s",
					 mysql_error(m));
			} else {
				*affected = (long)mysql_affected_rows(m);
				slot_give(p, i);
				note_success(p);
				return 0;
			}
		} else {
			snprintf(err, errlen, "query failed: %s",
				 mysql_error(m));
		}
		/* drop this connection; reopen it once if it was a reused one
		 * that failed at once (the server closed it, e.g. a restart),
		 * so the retry stays within the connect + read budget */
		mysql_close(m);
		p->slots[i].m = NULL;
		if (fresh || clock_ms_since(&t0) > 50)
			break;
	}
	slot_give(p, i);
	note_failure(p, err);
	return -1;
}

static int
popmysql_lookup(void *impl, const char *ip, const char *sender, char *why,
		size_t whylen)
{
	struct popmysql *p = impl;
	char q[1024], err[512], eip[2 * 256 + 1];
	long long cutoff = (long long)time(NULL) - p->expiry;
	MYSQL_RES *res;
	MYSQL_ROW row;
	long aff;
	int found = 0;

	/* identifiers were checked as [A-Za-z0-9_] when the configuration
	 * was read; the address is escaped all the same */
	sql_escape(eip, ip);
	if (p->indimail)
		snprintf(q, sizeof(q),
			 "SELECT `%s`, `%s` FROM `%s` WHERE `%s` = '%s' AND `%s` >= %lld",
			 p->c_email, p->c_time, p->table, p->c_ip, eip,
			 p->c_time, cutoff);
	else
		snprintf(q, sizeof(q),
			 "SELECT `%s` FROM `%s` WHERE `%s` = '%s' AND `%s` >= %lld LIMIT 1",
			 p->c_time, p->table, p->c_ip, eip, p->c_time, cutoff);
	if (run(p, q, &res, &aff, err, sizeof(err)) != 0) {
		snprintf(why, whylen, "mysql %s relay table: %s",
			 schema_name(p), err);
		return POP_ERROR;
	}
	while (res && !found && (row = mysql_fetch_row(res)) != NULL) {
		if (!p->indimail) {
			snprintf(why, whylen,
				 "pop-before-smtp mysql vpopmail %s table ip %s timestamp %s",
				 p->table, ip, row[0] ? row[0] : "NULL");
			found = 1;
		} else if (row[0] &&
			   strncasecmp(row[0], sender, strlen(sender)) == 0) {
			/* IndiMail: the stored address starts with the sender */
			snprintf(why, whylen,
				 "pop-before-smtp mysql indimail %s table ip %s email %s timestamp %s",
				 p->table, ip, row[0], row[1] ? row[1] : "NULL");
			found = 1;
		}
	}
	if (res)
		mysql_free_result(res);
	return found ? POP_YES : POP_NO;
}

static int
popmysql_allow(void *impl, const char *ip, const char *user, char *err,
	       size_t errlen)
{
	struct popmysql *p = impl;
	struct client_ip cip;
	char q[2048], lower[257], euser[2 * 256 + 1], eip[2 * 256 + 1];
	MYSQL_RES *res;
	long aff;

	if (ip_parse(&cip, ip) != 0) {
		snprintf(err, errlen, "%s: not an IPv4 or IPv6 address", ip);
		return -1;
	}
	if (p->indimail) {
		if (user == NULL || user[0] == '\0') {
			snprintf(err, errlen, "the IndiMail relay table needs the user's address: qrelayctl allow ADDR USER@DOMAIN");
			return -1;
		}
		snprintf(lower, sizeof(lower), "%s", user);
		ascii_lower(lower);
		snprintf(q, sizeof(q),
			 "REPLACE INTO `%s` (`%s`, `%s`, `%s`) VALUES ('%s', '%s', %lld)",
			 p->table, p->c_email, p->c_ip, p->c_time,
			 sql_escape(euser, lower), sql_escape(eip, cip.text),
			 (long long)time(NULL));
	} else {
		snprintf(q, sizeof(q),
			 "REPLACE INTO `%s` (`%s`, `%s`) VALUES ('%s', %lld)",
			 p->table, p->c_ip, p->c_time, sql_escape(eip, cip.text),
			 (long long)time(NULL));
	}
	if (run(p, q, &res, &aff, err, errlen) != 0)
		return -1;
	if (res)
		mysql_free_result(res);
	return 0;
}

static int
popmysql_expire(void *impl, long *removed, char *err, size_t errlen)
{
	struct popmysql *p = impl;
	char q[512];
	MYSQL_RES *res;

	snprintf(q, sizeof(q), "DELETE FROM `%s` WHERE `%s` <= %lld",
		 p->table, p->c_time, (long long)time(NULL) - p->expiry);
	if (run(p, q, &res, removed, err, errlen) != 0)
		return -1;
	if (res)
		mysql_free_result(res);
	return 0;
}

static int
popmysql_list(void *impl, FILE *out, char *err, size_t errlen)
{
	struct popmysql *p = impl;
	char q[512];
	MYSQL_RES *res;
	MYSQL_ROW row;
	long aff;
	long long now = (long long)time(NULL);

	if (p->indimail)
		snprintf(q, sizeof(q),
			 "SELECT `%s`, `%s`, `%s` FROM `%s` ORDER BY `%s`",
			 p->c_ip, p->c_time, p->c_email, p->table, p->c_time);
	else
		snprintf(q, sizeof(q),
			 "SELECT `%s`, `%s` FROM `%s` ORDER BY `%s`",
			 p->c_ip, p->c_time, p->table, p->c_time);
	if (run(p, q, &res, &aff, err, errlen) != 0)
		return -1;
	while (res && (row = mysql_fetch_row(res)) != NULL) {
		long long ts = row[1] ? strtoll(row[1], NULL, 10) : 0;

		fprintf(out, "%s age=%llds %s%s%s\n", row[0] ? row[0] : "NULL",
			now - ts, pop_fresh(ts, p->expiry, now) ? "fresh" :
			"stale",
			p->indimail ? " user=" : "",
			p->indimail && row[2] ? row[2] : "");
	}
	if (res)
		mysql_free_result(res);
	return 0;
}

static void
popmysql_close(void *impl)
{
	struct popmysql *p = impl;

	for (int i = 0; i < p->n; i++)
		if (p->slots[i].m)
			mysql_close(p->slots[i].m);
	free(p->slots);
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->freed);
	free(p);
}

static const struct pop_ops popmysql_vpopmail_ops = {
	.lookup = popmysql_lookup,
	.allow = popmysql_allow,
	.expire = popmysql_expire,
	.list = popmysql_list,
	.close = popmysql_close,
	.uses_sender = 0,
};

static const struct pop_ops popmysql_indimail_ops = {
	.lookup = popmysql_lookup,
	.allow = popmysql_allow,
	.expire = popmysql_expire,
	.list = popmysql_list,
	.close = popmysql_close,
	.uses_sender = 1,
};

static void
pick(char *dst, size_t len, const char *set, const char *def)
{
	snprintf(dst, len, "%s", set[0] ? set : def);
}

int
popmysql_open(const struct pop_ops **ops, void **impl,
	      const struct settings *s, const struct pop_log *log, char *err,
	      size_t errlen)
{
	struct popmysql *p;

	pthread_once(&lib_once, lib_init);
	if (lib_rc != 0) {
		snprintf(err, errlen, "pop_before_smtp = mysql: cannot initialise libmariadb");
		return -1;
	}
	if ((p = calloc(1, sizeof(*p))) == NULL ||
	    (p->slots = calloc((size_t)s->mysql_pool, sizeof(*p->slots))) == NULL) {
		free(p);
		snprintf(err, errlen, "pop_before_smtp: out of memory");
		return -1;
	}
	p->s = *s;
	if (log)
		p->log = *log;
	p->n = s->mysql_pool;
	p->indimail = s->mysql_schema == POP_SCHEMA_INDIMAIL;
	pick(p->table, sizeof(p->table), s->mysql_table, "relay");
	pick(p->c_ip, sizeof(p->c_ip), s->mysql_ip_column,
	     p->indimail ? "ipaddr" : "ip_addr");
	pick(p->c_email, sizeof(p->c_email), s->mysql_email_column, "email");
	pick(p->c_time, sizeof(p->c_time), s->mysql_time_column, "timestamp");
	if (p->s.mysql_database[0] == '\0')
		snprintf(p->s.mysql_database, sizeof(p->s.mysql_database),
			 "%s", p->indimail ? "indimail" : "vpopmail");
	/* vpopmail: RELAY_CLEAR_MINUTES 180; IndiMail: 60 */
	p->expiry = s->pop_expiry > 0 ? s->pop_expiry :
		    p->indimail ? 3600 : 10800;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->freed, NULL);
	*ops = p->indimail ? &popmysql_indimail_ops : &popmysql_vpopmail_ops;
	*impl = p;
	return 0;
}

#endif
