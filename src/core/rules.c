/*
 * tcprules.c - tcprules text parser and tcpserver rule lookup (see
 * tcprules.h).
 */
#define _GNU_SOURCE
#include "config.h"
#include "tcprules.h"
#include "cdbmap.h"
#include "ctlfile.h"
#include "ip.h"

#include <cdb.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

struct rules {
	struct cdbmap map;
	char *name;		/* file name for messages */
	int from_text;		/* records carry an "L<line>" item first */
};

/* A growing byte buffer for one record's data. */
struct buf {
	char *p;
	size_t len, cap;
};

static int
buf_add(struct buf *b, const void *s, size_t n)
{
	if (b->len + n > b->cap) {
		size_t nc = b->cap ? b->cap : 128;
		char *np;

		while (nc < b->len + n)
			nc *= 2;
		np = realloc(b->p, nc);
		if (np == NULL)
			return -1;
		b->p = np;
		b->cap = nc;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	return 0;
}

static const char *
base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

/* Find the rule separator: the first ':' followed by "allow" or "deny".
 * Returns its offset, -1 if the line has no ':' at all (tcprules ignores
 * such a line), -2 if there is a ':' but no rule. */
static long
find_separator(const char *x, size_t len)
{
	int any = 0;

	for (size_t i = 0; i < len; i++) {
		if (x[i] != ':')
			continue;
		any = 1;
		if ((len - i - 1 >= 5 && memcmp(x + i + 1, "allow", 5) == 0) ||
		    (len - i - 1 >= 4 && memcmp(x + i + 1, "deny", 4) == 0))
			return (long)i;
	}
	return any ? -2 : -1;
}

/* Emit one key (with djb's "-" range expansion) to the cdb being made. */
static int
emit(struct cdb_make *cm, const char *addr, size_t alen, const struct buf *data,
     const char **why)
{
	const char *dp = NULL;
	size_t dash, start, end;
	unsigned long bot = 0, top = 0;

	if (memchr(addr, '=', alen) || memchr(addr, '@', alen) ||
	    (dp = memchr(addr, '-', alen)) == NULL)
		return cdb_make_add(cm, addr, (unsigned)alen, data->p,
				    (unsigned)data->len) ? -1 : 0;
	dash = (size_t)(dp - addr);
	start = dash;
	while (start > 0 && addr[start - 1] != '.')
		start--;
	end = dash + 1;
	while (end < alen && addr[end] != '.')
		end++;
	for (size_t i = start; i < dash; i++) {
		if (addr[i] < '0' || addr[i] > '9') {
			*why = "non-digit in address range";
			return -2;
		}
		bot = bot * 10 + (unsigned long)(addr[i] - '0');
		if (bot > 100000)
			bot = 100000;
	}
	for (size_t i = dash + 1; i < end; i++) {
		if (addr[i] < '0' || addr[i] > '9') {
			*why = "non-digit in address range";
			return -2;
		}
		top = top * 10 + (unsigned long)(addr[i] - '0');
		if (top > 100000)
			top = 100000;
	}
	if (top > 255)
		top = 255;
	for (unsigned long v = bot; v <= top; v++) {
		char key[1024];
		int n = snprintf(key, sizeof(key), "%.*s%lu%.*s", (int)start,
				 addr, v, (int)(alen - end), addr + end);

		if (n < 0 || (size_t)n >= sizeof(key)) {
			*why = "address too long";
			return -2;
		}
		if (cdb_make_add(cm, key, (unsigned)n, data->p,
				 (unsigned)data->len))
			return -1;
	}
	return 0;
}

/* Parse one non-comment line into data; returns 0, 1 (ignored), or -2. */
static int
parse_line(const char *x, size_t len, unsigned lineno, struct buf *data,
	   size_t *alen, const char **why)
{
	long sep = find_separator(x, len);
	char lbuf[24];
	int n;

	if (sep == -1)
		return 1;
	if (sep == -2) {
		*why = "no \":allow\" or \":deny\" after the address";
		return -2;
	}
	*alen = (size_t)sep;
	data->len = 0;
	n = snprintf(lbuf, sizeof(lbuf), "L%u", lineno);
	if (buf_add(data, lbuf, (size_t)n + 1))
		return -1;
	x += sep + 1;
	len -= (size_t)sep + 1;
	if (len >= 5 && memcmp(x, "allow", 5) == 0) {
		x += 5;
		len -= 5;
	} else {
		x += 4;
		len -= 4;
		if (buf_add(data, "D", 2))
			return -1;
	}
	while (len) {
		const char *eq, *close;
		char delim;

		if (*x != ',') {
			*why = "expected \",VAR=\" after allow/deny";
			return -2;
		}
		x++;
		len--;
		eq = memchr(x, '=', len);
		if (eq == NULL) {
			*why = "variable without '='";
			return -2;
		}
		if (buf_add(data, "+", 1) ||
		    buf_add(data, x, (size_t)(eq - x) + 1))
			return -1;
		len -= (size_t)(eq - x) + 1;
		x = eq + 1;
		if (len == 0) {
			*why = "variable without a value";
			return -2;
		}
		delim = *x++;
		len--;
		close = memchr(x, delim, len);
		if (close == NULL) {
			*why = "value without its closing delimiter";
			return -2;
		}
		if (buf_add(data, x, (size_t)(close - x)) ||
		    buf_add(data, "", 1))
			return -1;
		len -= (size_t)(close - x) + 1;
		x = close + 1;
	}
	return 0;
}

static int
compile_text(struct rules *r, const char *path,
	     void (*warn)(void *, const char *), void *warnarg, char *err,
	     size_t errlen)
{
	char *text, *p, *end;
	size_t tlen;
	unsigned lineno = 0;
	struct cdb_make cm;
	struct buf data = { 0 };
	int fd, rc;

	rc = ctl_slurp(path, &text, &tlen, err, errlen);
	if (rc == 0) {
		snprintf(err, errlen, "%s: rules file does not exist", path);
		return -1;
	}
	if (rc < 0)
		return -1;
	fd = memfd_create("qrelay-rules", MFD_CLOEXEC);
	if (fd < 0 || cdb_make_start(&cm, fd) != 0) {
		snprintf(err, errlen, "%s: cannot compile rules: %s", path,
			 strerror(errno));
		free(text);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	end = text + tlen;
	for (p = text; p < end;) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		char *e = nl ? nl : end;
		size_t len = (size_t)(e - p), alen = 0;
		const char *why = NULL;

		lineno++;
		while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
			len--;
		if (len > 0 && p[0] != '#') {
			rc = parse_line(p, len, lineno, &data, &alen, &why);
			if (rc == 0)
				rc = emit(&cm, p, alen, &data, &why);
			if (rc == 1 && memchr(p, ':', len) == NULL &&
			    p[strspn(p, " \t")] != '#' && warn) {
				char msg[512];

				snprintf(msg, sizeof(msg),
					 "%s:%u: line has no ':' and is ignored (as tcprules does)",
					 path, lineno);
				warn(warnarg, msg);
			}
			if (rc < 0) {
				if (rc == -1)
					snprintf(err, errlen,
						 "%s:%u: out of memory", path,
						 lineno);
				else {
					char shown[201];
					size_t k;

					for (k = 0; k < len && k < 200; k++)
						shown[k] = (unsigned char)p[k] < 32 ?
							'?' : p[k];
					shown[k] = '\0';
					snprintf(err, errlen,
						 "%s:%u: unable to parse this line (%s%s): %s",
						 path, lineno, why,
						 memchr(p, '\r', len) ?
							 "; DOS line ending?" :
							 "",
						 shown);
				}
				free(text);
				free(data.p);
				close(fd);
				return -1;
			}
		}
		p = e + 1;
	}
	free(text);
	free(data.p);
	if (cdb_make_finish(&cm) != 0) {
		snprintf(err, errlen, "%s: cannot compile rules: %s", path,
			 strerror(errno));
		close(fd);
		return -1;
	}
	r->from_text = 1;
	return cdbmap_open_fd(&r->map, fd, path, err, errlen) < 0 ? -1 : 0;
}

int
rules_load(struct rules **out, const char *path,
	   void (*warn)(void *, const char *), void *warnarg, char *err,
	   size_t errlen)
{
	struct rules *r = calloc(1, sizeof(*r));
	size_t plen = strlen(path);
	int rc;

	if (r == NULL || (r->name = strdup(base_name(path))) == NULL) {
		free(r);
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	if (plen > 4 && strcmp(path + plen - 4, ".cdb") == 0) {
		rc = cdbmap_open(&r->map, path, err, errlen);
		if (rc == 0)
			snprintf(err, errlen, "%s: rules file does not exist",
				 path);
		rc = rc == 1 ? 0 : -1;
	} else {
		rc = compile_text(r, path, warn, warnarg, err, errlen);
	}
	if (rc != 0) {
		rules_free(r);
		return -1;
	}
	*out = r;
	return 0;
}

/* Interpret a record: items are NUL-terminated; "D" deny, "+VAR=value",
 * "-VAR" (unset), "L<n>" our line number. */
static void
decode(const struct rules *r, const char *d, unsigned dlen,
       struct rule_match *m)
{
	const char *end = d + dlen;

	while (d < end) {
		const char *z = memchr(d, '\0', (size_t)(end - d));
		size_t n = z ? (size_t)(z - d) : (size_t)(end - d);

		if (n >= 1 && d[0] == 'D') {
			m->deny = 1;
		} else if (n >= 1 && d[0] == 'L' && r->from_text) {
			m->lineno = (unsigned)strtoul(d + 1, NULL, 10);
		} else if (n >= 13 && memcmp(d, "+RELAYCLIENT=", 13) == 0) {
			m->relayclient = 1;
			snprintf(m->relayclient_value,
				 sizeof(m->relayclient_value), "%.*s",
				 (int)(n - 13), d + 13);
		} else if (n == 12 && memcmp(d, "-RELAYCLIENT", 12) == 0) {
			m->relayclient = 0;
		}
		d += n + 1;
	}
}

static int
probe(const struct rules *r, const char *key, size_t klen,
      struct rule_match *m)
{
	const char *data;
	unsigned dlen;
	int rc;

	if (klen >= sizeof(m->key))
		return 0;
	rc = cdbmap_find(&r->map, key, (unsigned)klen, &data, &dlen);
	if (rc <= 0)
		return rc;
	m->found = 1;
	memcpy(m->key, key, klen);
	m->key[klen] = '\0';
	decode(r, data, dlen, m);
	return 1;
}

int
rules_lookup(const struct rules *r, const char *ip, const char *host,
	     const char *info, struct rule_match *m)
{
	char key[320];
	size_t iplen = strlen(ip), pos, plen;
	int rc;

	memset(m, 0, sizeof(*m));
	if (r == NULL)
		return 0;
#define TRY(k, n) do { rc = probe(r, (k), (n), m); if (rc) return rc < 0 ? -1 : 0; } while (0)
	if (info) {
		int n = snprintf(key, sizeof(key), "%s@%s", info, ip);

		if (n > 0 && (size_t)n < sizeof(key))
			TRY(key, (size_t)n);
		if (host) {
			n = snprintf(key, sizeof(key), "%s@=%s", info, host);
			if (n > 0 && (size_t)n < sizeof(key))
				TRY(key, (size_t)n);
		}
	}
	TRY(ip, iplen);
	if (host) {
		int n = snprintf(key, sizeof(key), "=%s", host);

		if (n > 0 && (size_t)n < sizeof(key))
			TRY(key, (size_t)n);
	}
	pos = iplen;
	while ((plen = ip_next_prefix(ip, &pos)) > 0)
		TRY(ip, plen);
	if (host) {
		for (const char *d = strchr(host, '.'); d; d = strchr(d + 1, '.')) {
			int n = snprintf(key, sizeof(key), "=%s", d);

			if (n > 0 && (size_t)n < sizeof(key))
				TRY(key, (size_t)n);
		}
		TRY("=", 1);
	}
	TRY("", 0);
#undef TRY
	return 0;
}

int
rules_relay_for_all(const struct rules *r, char *why, size_t whylen)
{
	static const char *const keys[] = { "", "=" };

	if (r == NULL)
		return 0;
	for (size_t i = 0; i < 2; i++) {
		struct rule_match m;
		char desc[400];
		int rc;

		memset(&m, 0, sizeof(m));
		rc = probe(r, keys[i], strlen(keys[i]), &m);
		if (rc < 0)
			return -1;
		if (rc > 0 && m.relayclient && !m.deny) {
			rules_describe(r, &m, desc, sizeof(desc));
			snprintf(why, whylen,
				 "%s grants RELAYCLIENT to %s", desc,
				 i == 0 ? "every client" :
					  "every client with a host name");
			return 1;
		}
	}
	return 0;
}

void
rules_describe(const struct rules *r, const struct rule_match *m, char *buf,
	       size_t len)
{
	if (!m->found)
		snprintf(buf, len, "%s: no rule matched", r ? r->name : "rules");
	else if (m->lineno)
		snprintf(buf, len, "%s:%u \"%s\"", r->name, m->lineno, m->key);
	else
		snprintf(buf, len, "%s key \"%s\"", r->name, m->key);
}

int
rules_walk(const struct rules *r,
	   int (*fn)(void *, const char *, unsigned, const char *, unsigned),
	   void *arg)
{
	unsigned pos;
	struct cdb c = r->map.cdb;

	cdb_seqinit(&pos, &c);
	for (;;) {
		int rc = cdb_seqnext(&pos, &c);
		const char *k, *d;
		unsigned dl;

		if (rc <= 0)
			return rc;
		k = cdb_get(&c, cdb_keylen(&c), cdb_keypos(&c));
		d = cdb_get(&c, cdb_datalen(&c), cdb_datapos(&c));
		dl = cdb_datalen(&c);
		if (k == NULL || d == NULL)
			return -1;
		if (r->from_text) {	/* drop our "L<n>" item */
			const char *z = memchr(d, '\0', dl);

			if (z) {
				dl -= (unsigned)(z - d) + 1;
				d = z + 1;
			}
		}
		if (fn(arg, k, cdb_keylen(&c), d, dl) != 0)
			return 0;
	}
}

void
rules_free(struct rules *r)
{
	if (r) {
		cdbmap_close(&r->map);
		free(r->name);
		free(r);
	}
}
