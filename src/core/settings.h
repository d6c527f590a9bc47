/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * settings.h - everything the daemon and qrelayctl can be told, as plain
 * data.  Filled with defaults by settings_defaults(), then by the config
 * file (src/conf/conf.c, libconfuse) and finally by command-line flags.
 */
#ifndef QR_SETTINGS_H
#define QR_SETTINGS_H

#include "verdict.h"

#define SETTINGS_PATH_MAX 1024
#define LISTENERS_MAX 8

/* A listener's own policy (listener "NAME" { ... } in the configuration),
 * for the connections whose {daemon_name} is NAME: the submission port
 * can require SMTP AUTH and skip the DNSBL while port 25 does not. */
struct listener_policy {
	char name[64];
	int require_auth;		/* only SMTP AUTH lets a client relay */
	int dnsbl;			/* DNSBL lookups for its clients */
	int pop;			/* SMTP-after-POP for its clients */
	struct reply reply_relay, reply_badmailfrom, reply_routing,
		reply_ambiguous, reply_deny;
};

enum { POP_BACKEND_NONE = 0, POP_BACKEND_DIR, POP_BACKEND_MYSQL };
enum { POP_SCHEMA_VPOPMAIL = 0, POP_SCHEMA_INDIMAIL };

struct settings {
	/* what to read */
	char control_dir[SETTINGS_PATH_MAX];	/* qmail control directory */
	char rules_file[SETTINGS_PATH_MAX];	/* tcp.smtp or .cdb; "" = none */

	/* safety switches: both default to refusing to start */
	int allow_missing_rcpthosts;	/* run as an open relay like qmail */
	int allow_relay_for_all_rule;	/* a ":" or "=" rule with RELAYCLIENT */

	/* policy */
	int reject_sender_routing;	/* '@', '%', '!' in local part: 553 */
	int auth_allows_relay;		/* non-empty {auth_authen} relays */

	/* SMTP-after-POP (pop.h): which backend, and its settings */
	int pop_backend;		/* POP_BACKEND_* */
	char pop_dir[SETTINGS_PATH_MAX];	/* relay-ctrl allow directory */
	int pop_expiry;			/* seconds; -1 = the backend's default */
	char pop_relayclient[256];	/* RELAYCLIENT value of a login, as
					 * RELAY_CTRL_RELAYCLIENT; "" none */
	char mysql_host[256];		/* "" = localhost via mysql_socket */
	int mysql_port;			/* 0 = default */
	char mysql_socket[SETTINGS_PATH_MAX];
	char mysql_user[128];
	char mysql_password[256];
	char mysql_database[128];
	int mysql_schema;		/* POP_SCHEMA_* */
	char mysql_table[64];
	char mysql_ip_column[64];
	char mysql_email_column[64];
	char mysql_time_column[64];
	int mysql_connect_timeout;	/* seconds */
	int mysql_read_timeout;		/* seconds (read and write) */
	int mysql_pool;			/* connections kept open */
	int mysql_retry_ms;		/* after a failure, fail fast this long */

	/* DNSBL (dnsbl.h): zones from the configuration, one per line (the
	 * control directory's dnsbllist adds its own), the servers to ask
	 * ("ip[:port],..." or "" for the system's resolver), how long a
	 * connection's lookups may take in all, and rblsmtpd's -c */
	char dnsbl_zones[4096];
	char dnsbl_servers[512];
	int dnsbl_timeout_ms;
	int dnsbl_fail_closed;
	int dnsbl_cache_ttl;		/* seconds an answer is kept */
	int rbl_before_auth;		/* rblsmtpd's order: block relay
					 * clients and AUTH users too */

	/* per-listener policies ({daemon_name}) */
	int n_listeners;
	struct listener_policy listener[LISTENERS_MAX];

	/* replies */
	struct reply reply_relay;	/* 553 5.7.1 ... rcpthosts */
	struct reply reply_badmailfrom;	/* 553 5.7.1 ... badmailfrom */
	struct reply reply_routing;	/* 553 5.7.1 ... routing */
	struct reply reply_ambiguous;	/* 553 5.7.1 ... ambiguous address */
	struct reply reply_deny;	/* 554 5.7.1 ... connection */
	struct reply reply_syntax;	/* 555 5.5.4 syntax error */
	struct reply reply_ok;		/* 250 2.1.5 ok */

	/* daemon only */
	char socket[SETTINGS_PATH_MAX];
	char pidfile[SETTINGS_PATH_MAX];
	char user[64];
	char group[64];
	char socket_owner[64];
	char socket_group[64];
	int socket_mode;		/* unix socket; -1: 0660 */
	int reload_interval_ms;		/* stat check period */
	int stale_warn_ms;		/* while reloads fail: log this often */
	char status_file[SETTINGS_PATH_MAX];	/* "" = none (qrelayctl status) */
	int milter_timeout;		/* smfi_settimeout, seconds */
	int max_connections;		/* milter connections open at once */
	int max_session_time;		/* seconds; 0 = no limit */
	char syslog_facility[32];
	char syslog_ident[64];
};

void settings_defaults(struct settings *s);

/* A listener section's defaults: DNSBL and SMTP-after-POP on, no AUTH
 * requirement, the global replies of s. */
void settings_listener_defaults(const struct settings *s,
				struct listener_policy *lp, const char *name);

/* The section for a {daemon_name}, or NULL (the global settings). */
const struct listener_policy *settings_listener(const struct settings *s,
						const char *name);

#endif
