/*
 * pop.c - the SMTP-after-POP backend interface (see pop.h): dispatches to
 * popdir.c or popmysql.c.
 */
#include "config.h"
#include "pop.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static pop_log_fn logger;

void
pop_set_logger(pop_log_fn fn)
{
	logger = fn;
}

void
pop_log(int prio, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (logger)
		logger(prio, msg);
	else
		fprintf(stderr, "%s\n", msg);
}

struct pop {
	const struct pop_ops *ops;
	void *impl;
};

int
pop_open(struct pop **out, const struct settings *s, char *err,
	 size_t errlen)
{
	struct pop *p;
	int rc;

	*out = NULL;
	if (s->pop_backend == POP_BACKEND_NONE)
		return 0;
	if ((p = calloc(1, sizeof(*p))) == NULL) {
		snprintf(err, errlen, "pop_before_smtp: out of memory");
		return -1;
	}
	if (s->pop_backend == POP_BACKEND_DIR)
		rc = popdir_open(&p->ops, &p->impl, s, err, errlen);
	else
		rc = popmysql_open(&p->ops, &p->impl, s, err, errlen);
	if (rc != 0) {
		free(p);
		return -1;
	}
	*out = p;
	return 0;
}

const char *
pop_backend_name(int backend)
{
	switch (backend) {
	case POP_BACKEND_DIR: return "directory";
	case POP_BACKEND_MYSQL: return "mysql";
	default: return "none";
	}
}

void
pop_close(struct pop *p)
{
	if (p == NULL)
		return;
	p->ops->close(p->impl);
	free(p);
}

int
pop_uses_sender(const struct pop *p)
{
	return p && p->ops->uses_sender;
}

int
pop_lookup(struct pop *p, const char *ip, const char *sender, char *why,
	   size_t whylen)
{
	if (p == NULL || ip == NULL || ip[0] == '\0')
		return POP_NO;
	return p->ops->lookup(p->impl, ip, sender ? sender : "", why, whylen);
}

int
pop_allow(struct pop *p, const char *ip, const char *user, char *err,
	  size_t errlen)
{
	return p->ops->allow(p->impl, ip, user, err, errlen);
}

int
pop_expire(struct pop *p, long *removed, char *err, size_t errlen)
{
	return p->ops->expire(p->impl, removed, err, errlen);
}

int
pop_list(struct pop *p, FILE *out, char *err, size_t errlen)
{
	return p->ops->list(p->impl, out, err, errlen);
}

int
pop_settings_equal(const struct settings *a, const struct settings *b)
{
#define EQ(f) (a->f == b->f)
#define SEQ(f) (strcmp(a->f, b->f) == 0)
	return EQ(pop_backend) && SEQ(pop_dir) && EQ(pop_expiry) &&
	       SEQ(mysql_host) && EQ(mysql_port) && SEQ(mysql_socket) &&
	       SEQ(mysql_user) && SEQ(mysql_password) &&
	       SEQ(mysql_database) && EQ(mysql_schema) && SEQ(mysql_table) &&
	       SEQ(mysql_ip_column) && SEQ(mysql_email_column) &&
	       SEQ(mysql_time_column) && EQ(mysql_connect_timeout) &&
	       EQ(mysql_read_timeout) && EQ(mysql_pool) &&
	       EQ(mysql_retry_ms);
#undef EQ
#undef SEQ
}
