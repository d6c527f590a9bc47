/*
 * addr.c - qmail-compatible envelope address parsing (see addr.h).
 */
#include "addr.h"

#include <string.h>

int
addr_parse(struct env_addr *a, const char *raw)
{
	const char *p = raw;
	char term = ' ';
	int quoted = 0;
	size_t o = 0;
	const char *lt = strchr(raw, '<');

	memset(a, 0, sizeof(*a));
	if (lt) {
		p = lt + 1;
		term = '>';
	} else {
		while (*p == ' ')
			p++;
	}
	if (*p == '@') {
		/* source route "@a,@b:user@dom": skip through the first ':' */
		const char *colon = strchr(p, ':');

		if (colon == NULL) {
			a->route_unterminated = 1;
			p = p + strlen(p);
		} else {
			p = colon + 1;
		}
	}
	for (; *p; p++) {
		char c = *p;

		if (c == '\\') {
			if (*++p == '\0')
				break;
			c = *p;
		} else if (c == '"') {
			quoted = !quoted;
			continue;
		} else if (!quoted && c == term) {
			break;
		}
		if (o >= ADDR_MAX)
			return -1;
		a->addr[o++] = c;
	}
	a->addr[o] = '\0';
	a->len = o;
	{
		char *at = strrchr(a->addr, '@');

		if (at) {
			a->domain = at + 1;
			a->local_len = (size_t)(at - a->addr);
		} else {
			a->domain = NULL;
			a->local_len = o;
		}
	}
	return 0;
}

int
addr_has_routing(const struct env_addr *a)
{
	for (size_t i = 0; i < a->local_len; i++) {
		char c = a->addr[i];

		if (c == '@' || c == '%' || c == '!')
			return 1;
	}
	return 0;
}

int
addr_ipv4_literal(const char *s, uint32_t *ip)
{
	uint32_t r = 0;

	if (*s++ != '[')
		return 0;
	for (int part = 0; part < 4; part++) {
		unsigned long v = 0;
		int digits = 0;

		while (*s >= '0' && *s <= '9') {
			v = v * 10 + (unsigned long)(*s++ - '0');
			digits++;
		}
		if (digits == 0)
			return 0;
		r = (r << 8) | (unsigned char)v;
		if (part < 3 && *s++ != '.')
			return 0;
	}
	if (s[0] != ']' || s[1] != '\0')
		return 0;
	*ip = r;
	return 1;
}

void
addr_lower(char *s)
{
	for (; *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
}
