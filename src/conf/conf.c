/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * conf.c - the configuration file: one declarative table of keys (name,
 * type, struct settings field, bounds), from which the libconfuse schema,
 * the validation and the copy into struct settings are all made.  Every
 * key is optional and has no default here: the defaults are
 * settings_defaults()'s alone.  An unknown key, a wrong type or a bad value
 * is an error naming the file and line (see qrelay-milter.conf(5)).
 */
#include "config.h"
#include "conf.h"
#include "core/dnsbl.h"

#include <confuse.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum ktype {
	K_STR,		/* a string field */
	K_BOOL,		/* int 0/1 */
	K_INT,		/* int within [lo, hi] */
	K_MS,		/* seconds within [lo, hi], stored in milliseconds */
	K_MODE,		/* octal file mode ("0660"), int */
	K_REPLY,	/* "5xx x.y.z text": struct reply */
	K_IDENT,	/* SQL table or column name: letters, digits, '_' */
	K_WORD,		/* one of the keyword list `words`, int */
	K_ZONES,	/* a list of DNSBL zones (dnsbl.h), one per line */
	K_SERVERS	/* a list of "ip[:port]", joined with ',' */
};

struct keyword {
	const char *name;
	int value;
};

struct key {
	const char *name;
	enum ktype type;
	size_t off, size;	/* the field in struct settings */
	long lo, hi;
	const struct keyword *words;	/* K_WORD: the words, and */
	const char *choices;		/* how an error lists them */
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

#define F(f) offsetof(struct settings, f), sizeof(((struct settings *)0)->f)
#define K(name, type, field) { name, type, F(field), 0, 0, NULL, NULL }
#define KR(name, type, field, lo, hi) { name, type, F(field), lo, hi, NULL, NULL }
#define KW(name, field, words, choices) \
	{ name, K_WORD, F(field), 0, 0, words, choices }

static const struct key keys[] = {
	K("socket", K_STR, socket),
	K("control_dir", K_STR, control_dir),
	K("rules", K_STR, rules_file),
	K("user", K_STR, user),
	K("group", K_STR, group),
	K("pidfile", K_STR, pidfile),
	K("socket_owner", K_STR, socket_owner),
	K("socket_group", K_STR, socket_group),
	KR("socket_mode", K_MODE, socket_mode, 0, 07777),
	K("allow_missing_rcpthosts", K_BOOL, allow_missing_rcpthosts),
	K("allow_relay_for_all_rule", K_BOOL, allow_relay_for_all_rule),
	K("reject_sender_routing", K_BOOL, reject_sender_routing),
	K("auth_allows_relay", K_BOOL, auth_allows_relay),
	KR("reload_interval", K_MS, reload_interval_ms, 0, 86400),
	KR("stale_warn_interval", K_MS, stale_warn_ms, 1, 86400),
	K("status_file", K_STR, status_file),
	KR("milter_timeout", K_INT, milter_timeout, 1, 86400),
	KR("max_connections", K_INT, max_connections, 1, 60000),
	KR("max_session_time", K_INT, max_session_time, 0, 864000),
	K("syslog_facility", K_STR, syslog_facility),
	K("syslog_ident", K_STR, syslog_ident),
	KW("pop_before_smtp", pop_backend, pop_backends,
	   "none, directory, mysql"),
	K("pop_dir", K_STR, pop_dir),
	KR("pop_expiry", K_INT, pop_expiry, 1, 31L * 86400),
	K("pop_relayclient", K_STR, pop_relayclient),
	K("mysql_host", K_STR, mysql_host),
	KR("mysql_port", K_INT, mysql_port, 0, 65535),
	K("mysql_socket", K_STR, mysql_socket),
	K("mysql_user", K_STR, mysql_user),
	K("mysql_password", K_STR, mysql_password),
	K("mysql_database", K_STR, mysql_database),
	KW("mysql_schema", mysql_schema, pop_schemas, "vpopmail, indimail"),
	K("mysql_table", K_IDENT, mysql_table),
	K("mysql_ip_column", K_IDENT, mysql_ip_column),
	K("mysql_email_column", K_IDENT, mysql_email_column),
	K("mysql_time_column", K_IDENT, mysql_time_column),
	KR("mysql_connect_timeout", K_INT, mysql_connect_timeout, 1, 30),
	KR("mysql_read_timeout", K_INT, mysql_read_timeout, 1, 30),
	KR("mysql_pool", K_INT, mysql_pool, 1, 64),
	KR("mysql_retry_interval_ms", K_INT, mysql_retry_ms, 0, 60000),
	K("reply_relay", K_REPLY, reply_relay),
	K("reply_badmailfrom", K_REPLY, reply_badmailfrom),
	K("reply_routing", K_REPLY, reply_routing),
	K("reply_ambiguous", K_REPLY, reply_ambiguous),
	K("reply_deny", K_REPLY, reply_deny),
	K("dnsbl_zones", K_ZONES, dnsbl_zones),
	K("dnsbl_servers", K_SERVERS, dnsbl_servers),
	KR("dnsbl_timeout", K_MS, dnsbl_timeout_ms, 1, 120),
	K("dnsbl_fail_closed", K_BOOL, dnsbl_fail_closed),
	KR("dnsbl_cache_ttl", K_INT, dnsbl_cache_ttl, 0, 86400),
	K("rbl_before_auth", K_BOOL, rbl_before_auth),
};

/* listener "NAME" { ... }: keys of struct listener_policy */
#undef F
#define F(f) offsetof(struct listener_policy, f), \
	sizeof(((struct listener_policy *)0)->f)
static const struct key lkeys[] = {
	K("require_auth", K_BOOL, require_auth),
	K("dnsbl", K_BOOL, dnsbl),
	K("pop_before_smtp", K_BOOL, pop),
	K("reply_relay", K_REPLY, reply_relay),
	K("reply_badmailfrom", K_REPLY, reply_badmailfrom),
	K("reply_routing", K_REPLY, reply_routing),
	K("reply_ambiguous", K_REPLY, reply_ambiguous),
	K("reply_deny", K_REPLY, reply_deny),
};

#define N_KEYS (sizeof(keys) / sizeof(keys[0]))
#define N_LKEYS (sizeof(lkeys) / sizeof(lkeys[0]))

/* The key an option of cfg is (a listener section has its own). */
static const struct key *
key_named(const cfg_t *cfg, const char *name)
{
	int sec = cfg && cfg->name && strcmp(cfg->name, "listener") == 0;
	const struct key *k = sec ? lkeys : keys;
	size_t n = sec ? N_LKEYS : N_KEYS;

	for (size_t i = 0; i < n; i++)
		if (strcmp(k[i].name, name) == 0)
			return &k[i];
	return NULL;
}

static _Thread_local char conf_err[1024];
static _Thread_local const char *conf_path;	/* the file being parsed */

static void
conf_errfn(cfg_t *cfg, const char *fmt, va_list ap)
{
	char msg[768];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (conf_err[0])
		return;		/* keep the first error */
	if (cfg && conf_path)
		snprintf(conf_err, sizeof(conf_err), "%s:%d: %s",
			 conf_path, cfg->line, msg);
	else
		snprintf(conf_err, sizeof(conf_err), "%s", msg);
}

/* K_WORD values, parsed by libconfuse (CFG_INT_CB) into an int. */
static int
parse_word(cfg_t *cfg, cfg_opt_t *opt, const char *value, void *result)
{
	const struct key *k = key_named(cfg, opt->name);

	for (const struct keyword *w = k->words; w->name; w++) {
		if (strcmp(value, w->name) == 0) {
			*(long *)result = w->value;
			return 0;
		}
	}
	cfg_error(cfg, "%s: \"%s\" is not one of %s", opt->name, value,
		  k->choices);
	return -1;
}

static int
is_ident(const char *v)
{
	size_t n = strlen(v);

	if (n == 0 || n > 63)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = v[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_'))
			return 0;
	}
	return 1;
}

/* "ip", "ip:port", "[ipv6]:port" or a bare IPv6 address. */
static int
server_ok(const char *v)
{
	char host[64];
	const char *port = NULL, *e;
	unsigned char a[16];
	size_t n;

	if (v[0] == '[') {
		if ((e = strchr(v, ']')) == NULL || (e[1] && e[1] != ':'))
			return 0;
		n = (size_t)(e - v - 1);
		v++;
		port = e[1] ? e + 2 : NULL;
	} else if ((e = strchr(v, ':')) != NULL && strchr(e + 1, ':') == NULL) {
		n = (size_t)(e - v);
		port = e + 1;
	} else {
		n = strlen(v);
	}
	if (n == 0 || n >= sizeof(host))
		return 0;
	memcpy(host, v, n);
	host[n] = '\0';
	if (inet_pton(AF_INET, host, a) != 1 && inet_pton(AF_INET6, host, a) != 1)
		return 0;
	if (port) {
		char *end;
		long p = strtol(port, &end, 10);

		if (*port == '\0' || *end != '\0' || p < 1 || p > 65535)
			return 0;
	}
	return 1;
}

/* A list's values: each one checked, and all of them together must fit
 * the field once joined. */
static int
validate_list(cfg_t *cfg, cfg_opt_t *opt, const struct key *k)
{
	struct dnsbl_list l;
	char err[700];
	size_t total = 0;

	memset(&l, 0, sizeof(l));
	for (unsigned i = 0; i < cfg_opt_size(opt); i++) {
		const char *v = cfg_opt_getnstr(opt, i);

		total += strlen(v) + 1;
		if (k->type == K_SERVERS && !server_ok(v)) {
			cfg_error(cfg, "%s: \"%s\" is not an address like \"127.0.0.1\", \"127.0.0.1:53\" or \"[::1]:53\"",
				  opt->name, v);
			return -1;
		}
		if (k->type == K_ZONES &&
		    (strchr(v, '\n') != NULL ||
		     dnsbl_add(&l, v, strlen(v), "dnsbl_zones", opt->name,
			       i + 1, err, sizeof(err)) != 0)) {
			cfg_error(cfg, "%s", strchr(v, '\n') ?
				  "dnsbl_zones: a zone with a line break" : err);
			return -1;
		}
	}
	if (total >= k->size) {
		cfg_error(cfg, "%s: too long (at most %zu bytes in all)",
			  opt->name, k->size - 1);
		return -1;
	}
	return 0;
}

/* Validate one value as libconfuse reads it (so the error has a line). */
static int
validate(cfg_t *cfg, cfg_opt_t *opt)
{
	const struct key *k = key_named(cfg, opt->name);
	unsigned n = cfg_opt_size(opt) - 1;
	const char *v = k->type == K_MODE || k->type == K_REPLY ||
		k->type == K_IDENT ? cfg_opt_getnstr(opt, n) : NULL;
	char err[600], *end;
	struct reply r;
	long m;

	switch (k->type) {
	case K_INT:
	case K_MS:
		m = cfg_opt_getnint(opt, n);
		if (m < k->lo || m > k->hi) {
			cfg_error(cfg, "%s: %ld is out of range (%ld..%ld)",
				  opt->name, m, k->lo, k->hi);
			return -1;
		}
		return 0;
	case K_MODE:
		errno = 0;
		m = v ? strtol(v, &end, 8) : -1;
		if (v == NULL || *v == '\0' || *end != '\0' || errno || m < 0 ||
		    m > k->hi) {
			cfg_error(cfg, "%s: \"%s\" is not an octal mode like \"0660\"",
				  opt->name, v ? v : "");
			return -1;
		}
		return 0;
	case K_REPLY:
		if (v == NULL || reply_parse(&r, v, '5', err, sizeof(err)) != 0) {
			cfg_error(cfg, "%s: %s", opt->name, v ? err : "empty");
			return -1;
		}
		return 0;
	case K_IDENT:
		if (v == NULL || !is_ident(v)) {
			cfg_error(cfg, "%s: \"%s\" is not a table or column name (letters, digits, '_', at most 63)",
				  opt->name, v ? v : "");
			return -1;
		}
		return 0;
	case K_ZONES:
	case K_SERVERS:
		return validate_list(cfg, opt, k);
	default:
		return 0;
	}
}

/* The options made from a key table, with no defaults (settings.c has
 * them); extra: room for more options after them. */
static cfg_opt_t *
options(const struct key *keys, size_t n, size_t extra)
{
	cfg_opt_t *o = calloc(n + extra + 1, sizeof(*o));

	if (o == NULL)
		return NULL;
	for (size_t i = 0; i < n + extra + 1; i++)
		o[i] = (cfg_opt_t)CFG_END();
	for (size_t i = 0; i < n; i++) {
		const char *name = keys[i].name;

		switch (keys[i].type) {
		case K_BOOL:
			o[i] = (cfg_opt_t)CFG_BOOL(name, cfg_false, CFGF_NODEFAULT);
			break;
		case K_INT:
		case K_MS:
			o[i] = (cfg_opt_t)CFG_INT(name, 0, CFGF_NODEFAULT);
			break;
		case K_WORD:
			o[i] = (cfg_opt_t)CFG_INT_CB(name, 0, CFGF_NODEFAULT,
						     parse_word);
			break;
		case K_ZONES:
		case K_SERVERS:
			o[i] = (cfg_opt_t)CFG_STR_LIST(name, NULL,
						       CFGF_NODEFAULT);
			break;
		default:
			o[i] = (cfg_opt_t)CFG_STR(name, NULL, CFGF_NODEFAULT);
			break;
		}
		o[i].validcb = validate;
	}
	return o;
}

/* The whole schema: the keys, and the listener sections with theirs. */
static cfg_opt_t *
schema(cfg_opt_t **lopts)
{
	cfg_opt_t *o;

	if ((*lopts = options(lkeys, N_LKEYS, 0)) == NULL)
		return NULL;
	if ((o = options(keys, N_KEYS, 1)) == NULL) {
		free(*lopts);
		return NULL;
	}
	o[N_KEYS] = (cfg_opt_t)CFG_SEC("listener", *lopts,
				       CFGF_MULTI | CFGF_TITLE |
				       CFGF_NO_TITLE_DUPES);
	return o;
}

/* Join a list's values with sep into field (they fit: validate_list). */
static void
join(cfg_t *cfg, const char *name, char *field, size_t size, char sep)
{
	const char seps[2] = { sep, '\0' };
	size_t o = 0;

	field[0] = '\0';
	for (unsigned i = 0; i < cfg_size(cfg, name); i++) {
		int n = snprintf(field + o, size - o, "%s%s", o ? seps : "",
				 cfg_getnstr(cfg, name, i));

		if (n < 0 || (size_t)n >= size - o)
			break;
		o += (size_t)n;
	}
}

/* Copy the keys the file set into the struct at base (values are valid
 * by now). */
static void
copy_keys(cfg_t *cfg, const struct key *keys, size_t nkeys, void *base)
{
	for (size_t i = 0; i < nkeys; i++) {
		const struct key *k = &keys[i];
		char *field = (char *)base + k->off;

		if (cfg_size(cfg, k->name) == 0)
			continue;
		switch (k->type) {
		case K_BOOL:
			*(int *)field = cfg_getbool(cfg, k->name) ? 1 : 0;
			break;
		case K_INT:
		case K_WORD:
			*(int *)field = (int)cfg_getint(cfg, k->name);
			break;
		case K_MS:
			*(int *)field = (int)cfg_getint(cfg, k->name) * 1000;
			break;
		case K_MODE:
			*(int *)field = (int)strtol(cfg_getstr(cfg, k->name),
						    NULL, 8);
			break;
		case K_REPLY:
			reply_parse((struct reply *)(void *)field,
				    cfg_getstr(cfg, k->name), '5', NULL, 0);
			break;
		case K_ZONES:
			join(cfg, k->name, field, k->size, '\n');
			break;
		case K_SERVERS:
			join(cfg, k->name, field, k->size, ',');
			break;
		default:	/* K_STR, K_IDENT */
			snprintf(field, k->size, "%s", cfg_getstr(cfg, k->name));
			break;
		}
	}
}

/* The settings, then each listener section over the global replies. */
static int
copy(cfg_t *cfg, struct settings *s, const char *path, char *err,
     size_t errlen)
{
	unsigned n = cfg_size(cfg, "listener");

	copy_keys(cfg, keys, N_KEYS, s);
	if (n > LISTENERS_MAX) {
		snprintf(err, errlen, "%s: more than %d listener sections",
			 path, LISTENERS_MAX);
		return -1;
	}
	s->n_listeners = (int)n;
	for (unsigned i = 0; i < n; i++) {
		cfg_t *sec = cfg_getnsec(cfg, "listener", i);
		const char *name = cfg_title(sec);

		if (name == NULL || name[0] == '\0' ||
		    strlen(name) >= sizeof(s->listener[i].name)) {
			snprintf(err, errlen, "%s:%d: listener: a name of 1 to %zu bytes, as the MTA sends it in {daemon_name}",
				 path, sec->line,
				 sizeof(s->listener[i].name) - 1);
			return -1;
		}
		settings_listener_defaults(s, &s->listener[i], name);
		copy_keys(sec, lkeys, N_LKEYS, &s->listener[i]);
	}
	return 0;
}

/* The file is opened non-blocking and must be a regular file: a FIFO or
 * a device at the path must never block a start or the reload thread. */
static FILE *
open_config(const char *path, char *err, size_t errlen)
{
	struct stat st;
	FILE *fp;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);

	if (fd < 0) {
		snprintf(err, errlen, "%s: cannot read: %s", path,
			 strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		close(fd);
		return NULL;
	}
	if ((fp = fdopen(fd, "r")) == NULL) {
		snprintf(err, errlen, "%s: cannot read: %s", path,
			 strerror(errno));
		close(fd);
	}
	return fp;
}

int
config_load(struct settings *s, const char *path, char *err, size_t errlen)
{
	cfg_opt_t *opts, *lopts = NULL;
	cfg_t *cfg;
	FILE *fp;
	int rc;

	if ((fp = open_config(path, err, errlen)) == NULL)
		return -1;
	opts = schema(&lopts);
	cfg = opts ? cfg_init(opts, CFGF_NONE) : NULL;
	conf_err[0] = '\0';
	if (cfg == NULL) {
		free(opts);
		free(lopts);
		fclose(fp);
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	cfg_set_error_function(cfg, conf_errfn);
	conf_path = path;
	rc = cfg_parse_fp(cfg, fp);
	conf_path = NULL;
	fclose(fp);
	if (rc != CFG_SUCCESS && conf_err[0])
		snprintf(err, errlen, "%s", conf_err);
	else if (rc != CFG_SUCCESS)	/* libconfuse said nothing */
		snprintf(err, errlen, "%s:%d: cannot parse (a NUL byte, or an unterminated string?)",
			 path, cfg->line);
	else if (copy(cfg, s, path, err, errlen) != 0)
		rc = CFG_PARSE_ERROR;
	cfg_free(cfg);
	free(opts);
	free(lopts);
	return rc == CFG_SUCCESS ? 0 : -1;
}
