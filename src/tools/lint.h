/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * lint.h - qrelayctl lint: an open-relay audit of the daemon's files, the
 * MTA's configuration and the running daemon.
 *
 * Each part adds findings (lint_add) under a stable code; the code fixes
 * the severity (lint.c's table, documented in qrelayctl(8)):
 *   ERROR    someone who may not relay could relay, now or whenever the
 *            milter is down; or something the daemon refuses to load
 *   WARNING  a line that never matches, a stale cdb, mail that would be
 *            refused, a part of the setup that does not take effect
 *   INFO     a deliberate choice lint cannot judge
 * lint.c parses the options, runs the parts and prints the findings:
 *   lint_files.c    control files and the daemon's configuration
 *   lint_rules.c    the tcpserver rules, and the shape and breadth of an
 *                   address or host key (also for relayclients/relaydomains)
 *   lint_postfix.c  Postfix: each smtpd service's relay restrictions and
 *                   milters (lint_postfix.h)
 *   lint_postconf.c what postconf says of main.cf and master.cf, and where
 *   lint_pftable.c  what a Postfix lookup table holds and answers
 *   lint_exec.c     running a program (postconf) without a shell
 *   lint_sendmail.c sendmail.cf
 *   lint_smrelay.c  Sendmail's own relay grants (class R, access map)
 *   lint_sock.c     milter socket names, as the daemon, Postfix and
 *                   Sendmail write them, and whether two name the same
 *   lint_daemon.c   the running daemon: its status file, and a milter
 *                   option negotiation on its socket
 */
#ifndef QR_LINT_H
#define QR_LINT_H

#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include "core/settings.h"

enum lint_severity { LINT_INFO = 1, LINT_WARNING, LINT_ERROR };

struct lint_finding {
	enum lint_severity sev;
	char *file;
	unsigned line;		/* 0: the file as a whole */
	const char *code;	/* static */
	char *msg;
};

struct lint {
	struct settings s;	/* the daemon's, with -d, -x and -p applied */
	const char *config;	/* the file they came from; NULL: defaults */
	struct lint_finding *f;
	size_t n, cap;
	char **notes;		/* "audited ...", what the daemon said */
	char rc_value[1100];	/* "file:line" of a RELAYCLIENT value the
				 * tables hold ("" none): set by lint_files
				 * and lint_rules, read by the MTA parts */
	size_t n_notes, notes_cap;
};

/* A finding; its severity is the code's.  Several parts may find the same
 * thing (a main.cf parameter every service inherits): a finding with the
 * same code, file and line as an earlier one is dropped.  Out of memory
 * ends the program (exit 111). */
void lint_add(struct lint *l, const char *code, const char *file,
	      unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* A line of the summary (what was audited, what the daemon said); one
 * already there is not repeated. */
void lint_note(struct lint *l, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The line of the daemon's configuration file that sets key (the last
 * one), or that opens the section `key "title"` (title non-NULL); 0 if
 * none or no file. */
unsigned lint_conf_line(const struct lint *l, const char *key,
			const char *title);

/* qrelayctl [-c FILE] lint ...: argv[0] is "lint". */
int cmd_lint(int argc, char **argv, const char *config, int given);

/* Split a loader's message "path:line: why" or "path: why" (path one of
 * the n known paths; else known[0], line 0, the whole message). */
void lint_split(const char *msg, const char *const *known, size_t n,
		const char **file, unsigned *line, const char **why);

/* file is newer than its cdb: a cdb-stale finding (rebuild: how). */
void lint_stale(struct lint *l, const char *text, const char *cdb,
		const char *how);

/* Open a regular file to read (a FIFO or a device is refused, not
 * waited on): NULL with errno ENOENT (missing) or another, and err says
 * why. */
FILE *lint_fopen(const char *path, char *err, size_t errlen);

/* s without blanks (and CR, LF) at both ends; cut in place. */
char *lint_trim(char *s);

/* malloc that ends the program when out of memory. */
void *lint_alloc(size_t n);
char *lint_strdup(const char *s);

/* The parts.  Each returns after adding what it found. */
void lint_files(struct lint *l);
void lint_rules(struct lint *l);
/* dir: Postfix's configuration directory (postconf -c), or NULL for
 * postconf's own.  What cannot be read is a finding (audit-failed). */
void lint_postfix(struct lint *l, const char *dir);
void lint_sendmail(struct lint *l, const char *cf);
/* Sendmail's own relay grants (lint_smrelay.c): fed sendmail.cf's
 * logical lines, then judged (relay-broad findings; 1 if everyone may
 * relay through Sendmail's own check, why says how). */
struct smr;
struct smr *lint_smr_new(void);
void lint_smr_line(struct smr *r, const char *text, unsigned line);
int lint_smr_judge(struct lint *l, struct smr *r, const char *cf, char *why,
		   size_t len);
void lint_smr_free(struct smr *r);
/* explicit: even without a status file or a unix socket (--daemon) */
void lint_daemon(struct lint *l, int explicit);

/* The default Postfix configuration directory, if postconf runs and it
 * holds a main.cf: 1 (dir filled), else 0. */
int lint_postfix_found(char *dir, size_t dirlen);

/* An address or host key as tcpserver, relayclients or relaydomains read
 * it (lint_rules.c). */
enum lint_key_kind {
	LK_NEVER,	/* can never match; why says so */
	LK_EVERYONE,	/* the empty key */
	LK_NAMED,	/* "=": every client with a host name */
	LK_IP,		/* an address or a prefix: bits fixed */
	LK_HOST,	/* a host name */
	LK_SUFFIX	/* a .suffix of host names; tld: a public suffix */
};
struct lint_key {
	enum lint_key_kind kind;
	int v6, bits, tld;
	int loopback;		/* within 127.0.0.0/8: no remote client */
	const char *why;	/* LK_NEVER: the reason */
};
#define LK_RULES 0		/* tcp.smtp: "=host", "=.suffix", case counts */
#define LK_RELAYCLIENTS 1	/* addresses and prefixes, any case */
#define LK_RELAYDOMAINS 2	/* host names and .suffixes, any case */
void lint_key(const char *key, size_t len, int where, struct lint_key *k);

/* Is domain a public suffix, under which anyone may register a name: 2 a
 * suffix of the Public Suffix List (libpsl: com, co.uk, github.io), 1 a
 * single label the list does not know (a top-level domain to be safe:
 * "lan"), 0 neither.  Any case, a final '.' allowed. */
int lint_public_suffix(const char *domain);

/* How many addresses a LK_IP key covers (a double: an IPv6 /0 is 2^128),
 * and the most a relay grant may cover: a /16 of IPv4, a /32 of IPv6. */
double lint_key_span(const struct lint_key *k);
#define LINT_SPAN_MAX_V4 65536.0		/* 2^16 */
#define LINT_SPAN_MAX_V6 79228162514264337593543950336.0	/* 2^96 */

/* A milter socket (lint_sock.c). */
struct lint_sock {
	int kind;		/* 0 unknown, 1 unix, 2 inet */
	char path[1024];	/* unix */
	char host[256];		/* inet: "" any address */
	unsigned port;
};
/* The daemon's (libmilter) form: unix:/path, local:/path, /path,
 * inet:port@host, inet:port, inet6:port@host.  0, or -1 (kind 0). */
int lint_sock_milter(const char *spec, struct lint_sock *s);
/* Postfix's form: unix:/path, local:/path, inet:host:port,
 * inet:[v6]:port; chroot: the smtpd runs chrooted in chroot_dir, where a
 * unix path is looked up.  0 or -1. */
int lint_sock_postfix(const char *spec, const char *chroot_dir,
		      struct lint_sock *s);
/* Does the MTA's socket m reach the daemon's d? */
int lint_sock_same(const struct lint_sock *d, const struct lint_sock *m);

/* Run argv[0] (searched in PATH, then /usr/sbin) with argv, without a
 * shell; its standard output in *out (malloc'ed, NUL-terminated).
 * 0 when it exited 0; its exit status when it exited with another; -1
 * otherwise; what went wrong (the last line of its standard error) in
 * err when not 0. */
int lint_exec(char *const argv[], char **out, char *err, size_t errlen);

#endif
