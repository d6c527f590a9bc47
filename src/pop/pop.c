/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pop.c - the SMTP-after-POP interface (see pop.h): dispatches to the
 * backend the settings name.
 */
#include "config.h"
#include "pop.h"
#include "backend.h"

#include <stdlib.h>
#include <string.h>

struct pop {
	const struct pop_ops *ops;
	void *impl;
	struct relay_oracle oracle;
};

static int
ask(void *arg, const char *ip, const char *sender, char *why, size_t whylen)
{
	return pop_lookup(arg, ip, sender, why, whylen);
}

int
pop_open(struct pop **out, const struct settings *s,
	 const struct pop_log *log, char *err, size_t errlen)
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
		rc = popdir_open(&p->ops, &p->impl, s, log, err, errlen);
	else
		rc = popmysql_open(&p->ops, &p->impl, s, log, err, errlen);
	if (rc != 0) {
		free(p);
		return -1;
	}
	p->oracle.ask = ask;
	p->oracle.arg = p;
	p->oracle.uses_sender = p->ops->uses_sender;
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

const struct relay_oracle *
pop_oracle(const struct pop *p)
{
	return p ? &p->oracle : NULL;
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
