/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * localip.c - this host's IPv4 addresses (see localip.h).
 */
#include "config.h"
#include "localip.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>

int
localip_v4(uint32_t **out)
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
	v[i++] = 0;
	for (p = ifa; p; p = p->ifa_next)
		if (p->ifa_addr && p->ifa_addr->sa_family == AF_INET &&
		    (p->ifa_flags & IFF_UP))
			v[i++] = ntohl(((struct sockaddr_in *)(void *)p->ifa_addr)
					       ->sin_addr.s_addr);
	freeifaddrs(ifa);
	*out = v;
	return (int)i;
}
