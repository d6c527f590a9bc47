/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * dnsbl.c - DNS blocklists and RBLSMTPD (see dnsbl.h).
 */
#include "config.h"
#include "dnsbl.h"
#include "ascii.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

void
dnsbl_clean(const char *in, size_t len, char *out, size_t outlen)
{
	size_t o = 0;

	if (outlen == 0)
		return;
	for (size_t i = 0; i < len && o < DNSBL_TEXT_MAX && o + 1 < outlen; i++) {
		unsigned char c = (unsigned char)in[i];

		out[o++] = c < 32 || c > 126 ? '?' : (char)c;
	}
	out[o] = '\0';
}

/* A zone name: letters, digits, '-', '_', '.', no empty label. */
static int
zone_ok(const char *z, size_t n)
{
	if (n == 0 || n > 200 || z[0] == '.' || z[n - 1] == '.')
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = ascii_tolower(z[i]);

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_' || c == '.'))
			return 0;
		if (c == '.' && z[i + 1] == '.')
			return 0;
	}
	return 1;
}

int
dnsbl_add(struct dnsbl_list *l, const char *line, size_t len,
	  const char *src, const char *path, unsigned lineno, char *err,
	  size_t errlen)
{
	struct dnsbl_zone *z;
	const char *colon;
	size_t zl;

	while (len > 0 && (line[len - 1] == ' ' || line[len - 1] == '\t' ||
			   line[len - 1] == '\r'))
		len--;
	while (len > 0 && (*line == ' ' || *line == '\t')) {
		line++;
		len--;
	}
	if (len == 0 || line[0] == '#')
		return 0;
	if (l->n >= DNSBL_MAX_ZONES) {
		snprintf(err, errlen, "%s:%u: more than %d zones", path,
			 lineno, DNSBL_MAX_ZONES);
		return -1;
	}
	z = &l->zone[l->n];
	memset(z, 0, sizeof(*z));
	z->src = src;
	z->lineno = lineno;
	if (line[0] == '+') {
		z->kind = DNSBL_ALLOW;
		line++;
		len--;
	} else if (line[0] == '-') {
		z->permanent = 1;
		line++;
		len--;
	}
	colon = memchr(line, ':', len);
	zl = colon ? (size_t)(colon - line) : len;
	if (colon && z->kind == DNSBL_ALLOW) {
		snprintf(err, errlen, "%s:%u: an allow-list zone (+zone) takes no text",
			 path, lineno);
		return -1;
	}
	if (!zone_ok(line, zl)) {
		snprintf(err, errlen, "%s:%u: \"%.*s\" is not a DNS zone name",
			 path, lineno, (int)(zl > 200 ? 200 : zl), line);
		return -1;
	}
	for (size_t i = 0; i < zl; i++)
		z->zone[i] = ascii_tolower(line[i]);
	z->zone[zl] = '\0';
	if (colon) {
		z->kind = DNSBL_A;
		dnsbl_clean(colon + 1, len - zl - 1, z->text, sizeof(z->text));
		if (z->text[0] == '\0') {
			snprintf(err, errlen, "%s:%u: \"%s:\" has an empty reply text",
				 path, lineno, z->zone);
			return -1;
		}
	} else if (z->kind != DNSBL_ALLOW) {
		z->kind = DNSBL_TXT;
	}
	l->n++;
	return 0;
}

int
dnsbl_parse(struct dnsbl_list *l, const char *text, size_t len,
	    const char *src, const char *path, char *err, size_t errlen)
{
	const char *p = text, *end = text + len;
	unsigned lineno = 0;

	while (p < end) {
		const char *e = memchr(p, '\n', (size_t)(end - p));
		size_t n = e ? (size_t)(e - p) : (size_t)(end - p);

		lineno++;
		if (memchr(p, '\0', n)) {
			snprintf(err, errlen, "%s:%u: a NUL byte", path,
				 lineno);
			return -1;
		}
		if (dnsbl_add(l, p, n, src, path, lineno, err, errlen) != 0)
			return -1;
		p += n + 1;
	}
	return 0;
}

int
dnsbl_qname(const struct client_ip *ip, const char *zone, char *out,
	    size_t outlen)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char a[16];
	size_t o = 0;
	int n;

	if (ip->family == AF_INET) {
		n = snprintf(out, outlen, "%u.%u.%u.%u.%s", ip->v4 & 255,
			     (ip->v4 >> 8) & 255, (ip->v4 >> 16) & 255,
			     ip->v4 >> 24, zone);
		return n > 0 && (size_t)n < outlen && n <= 253 ? 0 : -1;
	}
	if (ip->family != AF_INET6 || inet_pton(AF_INET6, ip->text, a) != 1 ||
	    outlen < 64 + strlen(zone) + 1 || 64 + strlen(zone) > 253)
		return -1;
	for (int i = 15; i >= 0; i--) {
		out[o++] = hex[a[i] & 15];
		out[o++] = '.';
		out[o++] = hex[a[i] >> 4];
		out[o++] = '.';
	}
	snprintf(out + o, outlen - o, "%s", zone);
	return 0;
}

/* z's reply text for ip: the A zone's own text with %IP% replaced. */
static void
a_text(const struct dnsbl_zone *z, const char *ip, char *out, size_t outlen)
{
	size_t o = 0;

	for (const char *p = z->text; *p && o + 1 < outlen; ) {
		if (strncmp(p, "%IP%", 4) == 0) {
			o += (size_t)snprintf(out + o, outlen - o, "%s", ip);
			if (o >= outlen)
				o = outlen - 1;
			p += 4;
		} else {
			out[o++] = *p++;
		}
	}
	out[o] = '\0';
}

static void
block(struct verdict *v, int permanent, const char *text, const char *why)
{
	struct reply r;

	memset(&r, 0, sizeof(r));
	snprintf(r.code, sizeof(r.code), "%s", permanent ? "553" : "451");
	snprintf(r.xcode, sizeof(r.xcode), "%s", permanent ? "5.7.1" : "4.7.1");
	dnsbl_clean(text, strlen(text), r.text, sizeof(r.text));
	verdict_set(v, permanent ? VERDICT_REJECT : VERDICT_TEMPFAIL, &r, "%s",
		    why);
}

enum dnsbl_decision
dnsbl_decide(const struct dnsbl_list *l, const struct dnsbl_result *r,
	     const struct client_ip *ip, int fail_closed, int final,
	     struct verdict *v)
{
	char text[DNSBL_TEXT_MAX * 2], why[600];
	int failed = 0;		/* an earlier lookup failed */

	for (size_t i = 0; i < l->n; i++) {
		const struct dnsbl_zone *z = &l->zone[i];
		enum dnsbl_answer a = r[i].answer;

		if (a == DNSBL_PENDING && !final)
			return DNSBL_WAIT;	/* it could decide */
		if (a == DNSBL_NOT_LISTED)
			continue;
		if (a == DNSBL_LISTED && z->kind == DNSBL_ALLOW) {
			v->action = VERDICT_ACCEPT;
			snprintf(v->reason, sizeof(v->reason),
				 "DNSBL: %s allow-listed in %s (%s:%u)",
				 ip->text, z->zone, z->src, z->lineno);
			return DNSBL_PASS;
		}
		if (a == DNSBL_LISTED) {
			if (z->kind == DNSBL_A)
				a_text(z, ip->text, text, sizeof(text));
			else
				snprintf(text, sizeof(text), "%s", r[i].text);
			snprintf(why, sizeof(why), "DNSBL: %s listed in %s (%s:%u)%s",
				 ip->text, z->zone, z->src, z->lineno,
				 failed && z->permanent ?
				 "; 451, not 553, after a failed lookup (rblsmtpd)" : "");
			block(v, z->permanent && !failed, text, why);
			return DNSBL_BLOCK;
		}
		/* failed, or pending at the end: rblsmtpd -c blocks on a
		 * failed lookup in any zone, an allow-list too */
		if (fail_closed) {
			snprintf(why, sizeof(why), "DNSBL: lookup of %s in %s failed (%s) and dnsbl_fail_closed is set",
				 ip->text, z->zone,
				 a == DNSBL_PENDING ? "timeout" : r[i].error);
			block(v, 0, "temporary RBL lookup error", why);
			return DNSBL_BLOCK;
		}
		if (!failed)
			snprintf(v->reason, sizeof(v->reason),
				 "DNSBL: lookup of %s in %s failed (%s), skipped",
				 ip->text, z->zone, a == DNSBL_PENDING ?
				 "timeout" : r[i].error);
		failed = 1;
	}
	v->action = VERDICT_ACCEPT;
	if (!failed)
		snprintf(v->reason, sizeof(v->reason), "DNSBL: %s not listed",
			 ip->text);
	return DNSBL_PASS;
}

int
dnsbl_rblsmtpd(const char *value, const char *rule_desc, struct verdict *v)
{
	char why[600];
	int permanent = value[0] == '-';

	if (value[0] == '\0')
		return 0;
	snprintf(why, sizeof(why), "RBLSMTPD set by %s", rule_desc);
	block(v, permanent, value + permanent, why);
	return 1;
}
