/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cache.c - DNSBL answers kept for a while (see cache.h).
 */
#include "config.h"
#include "cache.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define PROBE 4		/* slots a key may live in */

struct slot {
	uint64_t zone;		/* hash of the zone name (0: empty slot) */
	unsigned char addr[16];	/* the client address (IPv4 mapped) */
	int64_t expires;
	unsigned char type, answer;
	char *text;		/* a TXT answer's text, or NULL */
};

struct dnsc {
	pthread_mutex_t lock;
	struct slot *s;		/* [DNSC_SLOTS] */
};

struct dnsc *
dnsc_new(void)
{
	struct dnsc *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	if ((c->s = calloc(DNSC_SLOTS, sizeof(c->s[0]))) == NULL ||
	    pthread_mutex_init(&c->lock, NULL) != 0) {
		free(c->s);
		free(c);
		return NULL;
	}
	return c;
}

void
dnsc_clear(struct dnsc *c)
{
	pthread_mutex_lock(&c->lock);
	for (size_t i = 0; i < DNSC_SLOTS; i++) {
		free(c->s[i].text);
		memset(&c->s[i], 0, sizeof(c->s[i]));
	}
	pthread_mutex_unlock(&c->lock);
}

void
dnsc_free(struct dnsc *c)
{
	if (c == NULL)
		return;
	dnsc_clear(c);
	pthread_mutex_destroy(&c->lock);
	free(c->s);
	free(c);
}

/* FNV-1a, 64 bits */
static uint64_t
fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* The key: the address as 16 bytes, the zone's hash (never 0). */
static size_t
key(const struct client_ip *ip, const char *zone, int type,
    unsigned char addr[16], uint64_t *zh)
{
	memset(addr, 0, 16);
	if (ip->family == AF_INET6 && inet_pton(AF_INET6, ip->text, addr) != 1)
		memset(addr, 0, 16);
	if (ip->family == AF_INET) {
		uint32_t v = htonl(ip->v4);

		addr[10] = addr[11] = 0xff;
		memcpy(addr + 12, &v, 4);
	}
	*zh = fnv(0xcbf29ce484222325ULL, zone, strlen(zone)) | 1;
	return (size_t)(fnv(*zh ^ (uint64_t)type, addr, 16) &
			(DNSC_SLOTS - 1));
}

static struct slot *
find(struct dnsc *c, size_t at, const unsigned char addr[16], uint64_t zh,
     int type)
{
	for (size_t k = 0; k < PROBE; k++) {
		struct slot *s = &c->s[(at + k) & (DNSC_SLOTS - 1)];

		if (s->zone == zh && s->type == type &&
		    memcmp(s->addr, addr, 16) == 0)
			return s;
	}
	return NULL;
}

int
dnsc_get(struct dnsc *c, const struct client_ip *ip, const char *zone,
	 int type, time_t now, struct dnsbl_result *out)
{
	unsigned char addr[16];
	uint64_t zh;
	size_t at = key(ip, zone, type, addr, &zh);
	struct slot *s;
	int hit = 0;

	if (ip->family == 0)
		return 0;
	pthread_mutex_lock(&c->lock);
	if ((s = find(c, at, addr, zh, type)) != NULL && now < s->expires) {
		memset(out, 0, sizeof(*out));
		out->answer = (enum dnsbl_answer)s->answer;
		if (s->text)
			memcpy(out->text, s->text, strlen(s->text) + 1);
		hit = 1;
	}
	pthread_mutex_unlock(&c->lock);
	return hit;
}

void
dnsc_put(struct dnsc *c, const struct client_ip *ip, const char *zone,
	 int type, const struct dnsbl_result *r, time_t expires)
{
	unsigned char addr[16];
	uint64_t zh;
	size_t at = key(ip, zone, type, addr, &zh);
	struct slot *s;
	char *text = NULL;

	if (ip->family == 0 || (r->answer != DNSBL_LISTED &&
				r->answer != DNSBL_NOT_LISTED))
		return;
	if (r->text[0] && (text = strdup(r->text)) == NULL)
		return;		/* no memory: not kept */
	pthread_mutex_lock(&c->lock);
	if ((s = find(c, at, addr, zh, type)) == NULL) {
		/* an empty or expired slot, else the one that expires first */
		s = &c->s[at];
		for (size_t k = 0; k < PROBE; k++) {
			struct slot *t = &c->s[(at + k) & (DNSC_SLOTS - 1)];

			if (t->zone == 0) {
				s = t;
				break;
			}
			if (t->expires < s->expires)
				s = t;
		}
	}
	free(s->text);
	s->zone = zh;
	memcpy(s->addr, addr, 16);
	s->type = (unsigned char)type;
	s->answer = (unsigned char)r->answer;
	s->expires = expires;
	s->text = text;
	pthread_mutex_unlock(&c->lock);
}
