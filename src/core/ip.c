/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ip.c - client address and host name normalisation (see ip.h).
 */
#include "config.h"
#include "ip.h"
#include "ascii.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

int
ip_parse(struct client_ip *ip, const char *s)
{
	char buf[IP_TEXT_MAX + 8];
	size_t len;
	struct in_addr a4;
	struct in6_addr a6;

	memset(ip, 0, sizeof(*ip));
	if (s == NULL)
		return -1;
	if (strlen(s) >= 5 && ascii_equal(s, "IPv6:", 5))
		s += 5;
	len = strlen(s);
	if (len >= 2 && s[0] == '[' && s[len - 1] == ']') {
		s++;
		len -= 2;
	}
	if (len == 0 || len >= sizeof(buf))
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';

	if (inet_pton(AF_INET, buf, &a4) == 1) {
		ip->family = AF_INET;
		ip->v4 = ntohl(a4.s_addr);
	} else if (inet_pton(AF_INET6, buf, &a6) == 1) {
		if (IN6_IS_ADDR_V4MAPPED(&a6)) {
			ip->family = AF_INET;
			memcpy(&a4.s_addr, &a6.s6_addr[12], 4);
			ip->v4 = ntohl(a4.s_addr);
		} else {
			ip->family = AF_INET6;
			if (inet_ntop(AF_INET6, &a6, ip->text,
				      sizeof(ip->text)) == NULL)
				return -1;
			return 0;
		}
	} else {
		return -1;
	}
	snprintf(ip->text, sizeof(ip->text), "%u.%u.%u.%u",
		 (ip->v4 >> 24) & 255, (ip->v4 >> 16) & 255,
		 (ip->v4 >> 8) & 255, ip->v4 & 255);
	return 0;
}

size_t
ip_next_prefix(const char *text, size_t *pos)
{
	while (*pos > 0) {
		size_t i = --*pos;

		/* a prefix is text[0..i] inclusive, ending in '.' or ':' and
		 * shorter than the whole text */
		if ((text[i] == '.' || text[i] == ':') && text[i + 1] != '\0')
			return i + 1;
	}
	return 0;
}

int
host_normalise(const char *in, char *out, size_t outlen)
{
	size_t o = 0;

	if (in == NULL || *in == '\0' || *in == '[' ||
	    (strlen(in) == 7 && ascii_equal(in, "unknown", 7)))
		return 0;
	for (; *in; in++) {
		unsigned char c = (unsigned char)ascii_tolower(*in);

		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '.' || c == '-' || c == '_') {
			if (o + 1 >= outlen)
				return 0;
			out[o++] = (char)c;
		} else {
			if (o + 4 >= outlen)
				return 0;
			snprintf(out + o, 5, "\\%03o", c);
			o += 4;
		}
	}
	out[o] = '\0';
	return 1;
}
