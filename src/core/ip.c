/*
 * ip.c - client address and host name normalisation (see ip.h).
 */
#include "config.h"
#include "ip.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <net/if.h>
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
	if (strncasecmp(s, "IPv6:", 5) == 0)
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
	    strcasecmp(in, "unknown") == 0)
		return 0;
	for (; *in; in++) {
		unsigned char c = (unsigned char)tolower((unsigned char)*in);

		if (isalnum(c) || c == '.' || c == '-' || c == '_') {
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

int
ip_local_v4(uint32_t **out)
{
	struct ifaddrs *ifa = NULL, *p;
	size_t n = 1, i = 0;
	uint32_t *v;

	if (getifaddrs(&ifa) != 0)
		return -1;
	for (p = ifa; p; p = p->ifa_next)
		if (p->ifa_addr && p->ifa_addr->sa_family == AF_INET)
			n++;
	v = calloc(n, sizeof(*v));
	if (v == NULL) {
		freeifaddrs(ifa);
		return -1;
	}
	v[i++] = 0;	/* qmail's ipme always contains 0.0.0.0 */
	for (p = ifa; p; p = p->ifa_next)
		if (p->ifa_addr && p->ifa_addr->sa_family == AF_INET &&
		    (p->ifa_flags & IFF_UP))
			v[i++] = ntohl(((struct sockaddr_in *)(void *)p->ifa_addr)
					       ->sin_addr.s_addr);
	freeifaddrs(ifa);
	*out = v;
	return (int)i;
}
