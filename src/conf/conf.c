/*
 * conf.c - the configuration file schema and loader (libconfuse).
 *
 * Every key is optional; an unknown key, a wrong type or a malformed reply
 * text is an error naming the file and line.  Keys map one to one onto
 * struct settings fields (see qrelay-milter.conf(5)).
 */
#include "conf.h"

#include <confuse.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static _Thread_local char conf_err[1024];

static void
conf_errfn(cfg_t *cfg, const char *fmt, va_list ap)
{
	char msg[768];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (conf_err[0])
		return;		/* keep the first error */
	if (cfg && cfg->filename)
		snprintf(conf_err, sizeof(conf_err), "%s:%d: %s",
			 cfg->filename, cfg->line, msg);
	else
		snprintf(conf_err, sizeof(conf_err), "%s", msg);
}

static int
validate_reply(cfg_t *cfg, cfg_opt_t *opt)
{
	const char *v = cfg_opt_getnstr(opt, cfg_opt_size(opt) - 1);
	struct reply r;
	char err[600];

	if (v == NULL || reply_parse(&r, v, '5', err, sizeof(err)) != 0) {
		cfg_error(cfg, "%s: %s", opt->name, v ? err : "empty");
		return -1;
	}
	return 0;
}

static int
validate_mode(cfg_t *cfg, cfg_opt_t *opt)
{
	const char *v = cfg_opt_getnstr(opt, cfg_opt_size(opt) - 1);
	char *end;
	long m;

	errno = 0;
	m = strtol(v, &end, 8);
	if (v == NULL || *v == '\0' || *end != '\0' || errno || m < 0 || m > 07777) {
		cfg_error(cfg, "%s: \"%s\" is not an octal mode like \"0660\"",
			  opt->name, v ? v : "");
		return -1;
	}
	return 0;
}

static int
validate_nonneg(cfg_t *cfg, cfg_opt_t *opt)
{
	long v = cfg_opt_getnint(opt, cfg_opt_size(opt) - 1);

	if (v < 0 || v > 86400) {
		cfg_error(cfg, "%s: %ld is out of range (0..86400)", opt->name,
			  v);
		return -1;
	}
	return 0;
}

/* Keyword options, parsed by libconfuse (CFG_INT_CB) into an int. */
struct keyword {
	const char *name;
	int value;
};

static const struct keyword pop_backends[] = {
	{ "none", POP_BACKEND_NONE }, { "no", POP_BACKEND_NONE },
	{ "directory", POP_BACKEND_DIR }, { "relay-ctrl", POP_BACKEND_DIR },
	{ "mysql", POP_BACKEND_MYSQL }, { "mariadb", POP_BACKEND_MYSQL },
	{ NULL, 0 }
};

static const struct keyword pop_schemas[] = {
	{ "vpopmail", POP_SCHEMA_VPOPMAIL }, { "indimail", POP_SCHEMA_INDIMAIL },
	{ NULL, 0 }
};

static int
parse_keyword(cfg_t *cfg, cfg_opt_t *opt, const char *value, void *result,
	      const struct keyword *k, const char *choices)
{
	for (; k->name; k++) {
		if (strcmp(value, k->name) == 0) {
			*(long *)result = k->value;
			return 0;
		}
	}
	cfg_error(cfg, "%s: \"%s\" is not one of %s", opt->name, value,
		  choices);
	return -1;
}

static int
parse_pop_backend(cfg_t *cfg, cfg_opt_t *opt, const char *value,
		  void *result)
{
	return parse_keyword(cfg, opt, value, result, pop_backends,
			     "none, directory, mysql");
}

static int
parse_pop_schema(cfg_t *cfg, cfg_opt_t *opt, const char *value,
		 void *result)
{
	return parse_keyword(cfg, opt, value, result, pop_schemas,
			     "vpopmail, indimail");
}

/* Table and column names go into SQL backquoted: letters, digits, '_'. */
static int
validate_ident(cfg_t *cfg, cfg_opt_t *opt)
{
	const char *v = cfg_opt_getnstr(opt, cfg_opt_size(opt) - 1);
	size_t n = v ? strlen(v) : 0;

	for (size_t i = 0; i < n; i++) {
		char c = v[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_')) {
			n = 0;
			break;
		}
	}
	if (n == 0 || n > 63) {
		cfg_error(cfg, "%s: \"%s\" is not a table or column name (letters, digits, '_', at most 63)",
			  opt->name, v ? v : "");
		return -1;
	}
	return 0;
}

static int
validate_range(cfg_t *cfg, cfg_opt_t *opt, long lo, long hi)
{
	long v = cfg_opt_getnint(opt, cfg_opt_size(opt) - 1);

	if (v < lo || v > hi) {
		cfg_error(cfg, "%s: %ld is out of range (%ld..%ld)", opt->name,
			  v, lo, hi);
		return -1;
	}
	return 0;
}

static int
validate_expiry(cfg_t *cfg, cfg_opt_t *opt)
{
	return validate_range(cfg, opt, 1, 31L * 86400);
}

static int
validate_timeout(cfg_t *cfg, cfg_opt_t *opt)
{
	return validate_range(cfg, opt, 1, 30);
}

static int
validate_pool(cfg_t *cfg, cfg_opt_t *opt)
{
	return validate_range(cfg, opt, 1, 64);
}

static int
validate_port(cfg_t *cfg, cfg_opt_t *opt)
{
	return validate_range(cfg, opt, 0, 65535);
}

static int
validate_retry(cfg_t *cfg, cfg_opt_t *opt)
{
	return validate_range(cfg, opt, 0, 60000);
}

static void
copy_str(cfg_t *cfg, const char *key, char *dst, size_t len)
{
	const char *v;

	if (cfg_size(cfg, key) == 0)
		return;
	v = cfg_getstr(cfg, key);
	if (v)
		snprintf(dst, len, "%s", v);
}

#define REPLY_KEYS(X) \
	X(reply_relay) X(reply_badmailfrom) X(reply_routing) X(reply_deny) \
	X(reply_ambiguous)

int
config_load(struct settings *s, const char *path, char *err, size_t errlen)
{
	cfg_opt_t opts[] = {
		CFG_STR("socket", NULL, CFGF_NODEFAULT),
		CFG_STR("control_dir", NULL, CFGF_NODEFAULT),
		CFG_STR("rules", NULL, CFGF_NODEFAULT),
		CFG_STR("user", NULL, CFGF_NODEFAULT),
		CFG_STR("group", NULL, CFGF_NODEFAULT),
		CFG_STR("pidfile", NULL, CFGF_NODEFAULT),
		CFG_STR("socket_owner", NULL, CFGF_NODEFAULT),
		CFG_STR("socket_group", NULL, CFGF_NODEFAULT),
		CFG_STR("socket_mode", NULL, CFGF_NODEFAULT),
		CFG_BOOL("allow_missing_rcpthosts", cfg_false, CFGF_NODEFAULT),
		CFG_BOOL("allow_relay_for_all_rule", cfg_false, CFGF_NODEFAULT),
		CFG_BOOL("reject_sender_routing", cfg_true, CFGF_NODEFAULT),
		CFG_BOOL("auth_allows_relay", cfg_true, CFGF_NODEFAULT),
		CFG_INT("reload_interval", 1, CFGF_NODEFAULT),
		CFG_INT("milter_timeout", 30, CFGF_NODEFAULT),
		CFG_STR("syslog_facility", NULL, CFGF_NODEFAULT),
		CFG_STR("syslog_ident", NULL, CFGF_NODEFAULT),
		CFG_INT_CB("pop_before_smtp", 0, CFGF_NODEFAULT,
			   parse_pop_backend),
		CFG_STR("pop_dir", NULL, CFGF_NODEFAULT),
		CFG_INT("pop_expiry", 900, CFGF_NODEFAULT),
		CFG_STR("mysql_host", NULL, CFGF_NODEFAULT),
		CFG_INT("mysql_port", 0, CFGF_NODEFAULT),
		CFG_STR("mysql_socket", NULL, CFGF_NODEFAULT),
		CFG_STR("mysql_user", NULL, CFGF_NODEFAULT),
		CFG_STR("mysql_password", NULL, CFGF_NODEFAULT),
		CFG_STR("mysql_database", NULL, CFGF_NODEFAULT),
		CFG_INT_CB("mysql_schema", 0, CFGF_NODEFAULT, parse_pop_schema),
		CFG_STR("mysql_table", NULL, CFGF_NODEFAULT),
		CFG_STR("mysql_ip_column", NULL, CFGF_NODEFAULT),
		CFG_STR("mysql_email_column", NULL, CFGF_NODEFAULT),
		CFG_STR("mysql_time_column", NULL, CFGF_NODEFAULT),
		CFG_INT("mysql_connect_timeout", 1, CFGF_NODEFAULT),
		CFG_INT("mysql_read_timeout", 1, CFGF_NODEFAULT),
		CFG_INT("mysql_pool", 4, CFGF_NODEFAULT),
		CFG_INT("mysql_retry_interval_ms", 1000, CFGF_NODEFAULT),
#define X(k) CFG_STR(#k, NULL, CFGF_NODEFAULT),
		REPLY_KEYS(X)
#undef X
		CFG_END()
	};
	cfg_t *cfg;
	int rc;

	conf_err[0] = '\0';
	cfg = cfg_init(opts, CFGF_NONE);
	if (cfg == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	cfg_set_error_function(cfg, conf_errfn);
#define X(k) cfg_set_validate_func(cfg, #k, validate_reply);
	REPLY_KEYS(X)
#undef X
	cfg_set_validate_func(cfg, "socket_mode", validate_mode);
	cfg_set_validate_func(cfg, "reload_interval", validate_nonneg);
	cfg_set_validate_func(cfg, "milter_timeout", validate_nonneg);
	cfg_set_validate_func(cfg, "pop_expiry", validate_expiry);
	cfg_set_validate_func(cfg, "mysql_port", validate_port);
	cfg_set_validate_func(cfg, "mysql_table", validate_ident);
	cfg_set_validate_func(cfg, "mysql_ip_column", validate_ident);
	cfg_set_validate_func(cfg, "mysql_email_column", validate_ident);
	cfg_set_validate_func(cfg, "mysql_time_column", validate_ident);
	cfg_set_validate_func(cfg, "mysql_connect_timeout", validate_timeout);
	cfg_set_validate_func(cfg, "mysql_read_timeout", validate_timeout);
	cfg_set_validate_func(cfg, "mysql_pool", validate_pool);
	cfg_set_validate_func(cfg, "mysql_retry_interval_ms", validate_retry);

	rc = cfg_parse(cfg, path);
	if (rc == CFG_FILE_ERROR) {
		snprintf(err, errlen, "%s: cannot read: %s", path,
			 strerror(errno));
		cfg_free(cfg);
		return -1;
	}
	if (rc != CFG_SUCCESS) {
		snprintf(err, errlen, "%s", conf_err[0] ? conf_err :
			 "configuration parse error");
		cfg_free(cfg);
		return -1;
	}
	{
		const struct {
			const char *key;
			char *dst;
			size_t len;
		} strs[] = {
#define S(k, f) { k, s->f, sizeof(s->f) }
			S("socket", socket), S("control_dir", control_dir),
			S("rules", rules_file), S("user", user),
			S("group", group), S("pidfile", pidfile),
			S("socket_owner", socket_owner),
			S("socket_group", socket_group),
			S("syslog_facility", syslog_facility),
			S("syslog_ident", syslog_ident),
			S("pop_dir", pop_dir),
			S("mysql_host", mysql_host),
			S("mysql_socket", mysql_socket),
			S("mysql_user", mysql_user),
			S("mysql_password", mysql_password),
			S("mysql_database", mysql_database),
			S("mysql_table", mysql_table),
			S("mysql_ip_column", mysql_ip_column),
			S("mysql_email_column", mysql_email_column),
			S("mysql_time_column", mysql_time_column),
#undef S
		};

		for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
			copy_str(cfg, strs[i].key, strs[i].dst, strs[i].len);
	}
	if (cfg_size(cfg, "socket_mode"))
		s->socket_mode = (int)strtol(cfg_getstr(cfg, "socket_mode"),
					     NULL, 8);
	if (cfg_size(cfg, "allow_missing_rcpthosts"))
		s->allow_missing_rcpthosts =
			cfg_getbool(cfg, "allow_missing_rcpthosts");
	if (cfg_size(cfg, "allow_relay_for_all_rule"))
		s->allow_relay_for_all_rule =
			cfg_getbool(cfg, "allow_relay_for_all_rule");
	if (cfg_size(cfg, "reject_sender_routing"))
		s->reject_sender_routing =
			cfg_getbool(cfg, "reject_sender_routing");
	if (cfg_size(cfg, "auth_allows_relay"))
		s->auth_allows_relay = cfg_getbool(cfg, "auth_allows_relay");
	if (cfg_size(cfg, "reload_interval"))
		s->reload_interval_ms =
			(int)cfg_getint(cfg, "reload_interval") * 1000;
	if (cfg_size(cfg, "milter_timeout"))
		s->milter_timeout = (int)cfg_getint(cfg, "milter_timeout");
	if (cfg_size(cfg, "pop_before_smtp"))
		s->pop_backend = (int)cfg_getint(cfg, "pop_before_smtp");
	if (cfg_size(cfg, "mysql_schema"))
		s->mysql_schema = (int)cfg_getint(cfg, "mysql_schema");
	{
		const struct {
			const char *key;
			int *dst;
		} ints[] = {
			{ "pop_expiry", &s->pop_expiry },
			{ "mysql_port", &s->mysql_port },
			{ "mysql_connect_timeout", &s->mysql_connect_timeout },
			{ "mysql_read_timeout", &s->mysql_read_timeout },
			{ "mysql_pool", &s->mysql_pool },
			{ "mysql_retry_interval_ms", &s->mysql_retry_ms },
		};

		for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++)
			if (cfg_size(cfg, ints[i].key))
				*ints[i].dst = (int)cfg_getint(cfg, ints[i].key);
	}
	/* validated while parsing; checked again so no error path can leave
	 * a half-filled reply behind */
#define X(k) \
	if (cfg_size(cfg, #k) && \
	    reply_parse(&s->k, cfg_getstr(cfg, #k), '5', err, errlen) != 0) { \
		cfg_free(cfg); \
		return -1; \
	}
	REPLY_KEYS(X)
#undef X
	cfg_free(cfg);
	return 0;
}
