/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sockspec.c - check and finish the milter socket (see sockspec.h).
 */
#include "config.h"
#include "sockspec.h"
#include "privs.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

const char *
sockspec_unix_path(const char *spec)
{
	if (strncmp(spec, "unix:", 5) == 0)
		return spec + 5;
	if (strncmp(spec, "local:", 6) == 0)
		return spec + 6;
	if (spec[0] == '/')
		return spec;
	return NULL;
}

static int
check_unix(const char *spec, const char *path, char *err, size_t errlen)
{
	char dir[SETTINGS_PATH_MAX];
	const char *slash = strrchr(path, '/');
	struct stat st;

	if (path[0] != '/' || slash[1] == '\0') {
		snprintf(err, errlen, "socket \"%s\": want unix:/absolute/path",
			 spec);
		return -1;
	}
	if (strlen(path) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
		snprintf(err, errlen, "socket \"%s\": the path is too long for a unix socket",
			 spec);
		return -1;
	}
	snprintf(dir, sizeof(dir), "%.*s", slash == path ? 1 :
		 (int)(slash - path), path);
	if (stat(dir, &st) != 0) {
		snprintf(err, errlen, "socket \"%s\": directory %s: %s", spec,
			 dir, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "socket \"%s\": %s is not a directory",
			 spec, dir);
		return -1;
	}
	return 0;
}

static int
check_inet(const char *spec, int family, const char *rest, char *err,
	   size_t errlen, char *warn, size_t warnlen)
{
	const char *at = strchr(rest, '@');
	char port[16], host[256];
	struct addrinfo hints, *res = NULL;
	size_t plen = at ? (size_t)(at - rest) : strlen(rest);
	char *end;
	long p;

	snprintf(port, sizeof(port), "%.*s", (int)(plen < 15 ? plen : 15),
		 rest);
	p = strtol(port, &end, 10);
	if (plen == 0 || plen > 5 || *end != '\0' || p < 1 || p > 65535) {
		snprintf(err, errlen, "socket \"%s\": want %s:PORT@HOST with a port from 1 to 65535",
			 spec, family == AF_INET ? "inet" : "inet6");
		return -1;
	}
	if (at == NULL) {
		snprintf(warn, warnlen, "socket \"%s\" listens on every interface; give @127.0.0.1 (or a firewall rule) so that only the MTA can reach it",
			 spec);
		return 0;
	}
	snprintf(host, sizeof(host), "%s", at + 1);
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = family;
	hints.ai_socktype = SOCK_STREAM;
	if (host[0] == '\0' || getaddrinfo(host, NULL, &hints, &res) != 0) {
		snprintf(err, errlen, "socket \"%s\": \"%s\" is not an %s address or a host name that resolves to one",
			 spec, host, family == AF_INET ? "IPv4" : "IPv6");
		return -1;
	}
	if (!(family == AF_INET ?
	      (ntohl(((struct sockaddr_in *)(void *)res->ai_addr)->sin_addr.s_addr) >> 24) == 127 :
	      IN6_IS_ADDR_LOOPBACK(&((struct sockaddr_in6 *)(void *)res->ai_addr)->sin6_addr)))
		snprintf(warn, warnlen, "socket \"%s\" can be reached from other hosts: anyone who reaches it can talk to the milter; allow only the MTA with a firewall rule",
			 spec);
	freeaddrinfo(res);
	return 0;
}

int
sockspec_check(const char *spec, char *err, size_t errlen, char *warn,
	       size_t warnlen)
{
	const char *path = sockspec_unix_path(spec);

	warn[0] = '\0';
	if (path)
		return check_unix(spec, path, err, errlen);
	if (strncmp(spec, "inet:", 5) == 0)
		return check_inet(spec, AF_INET, spec + 5, err, errlen, warn,
				  warnlen);
	if (strncmp(spec, "inet6:", 6) == 0)
		return check_inet(spec, AF_INET6, spec + 6, err, errlen, warn,
				  warnlen);
	snprintf(err, errlen, "socket \"%s\": want unix:/path, inet:PORT@HOST or inet6:PORT@HOST",
		 spec);
	return -1;
}

int
sockspec_unix_free(const char *spec, char *err, size_t errlen)
{
	const char *path = sockspec_unix_path(spec);
	struct sockaddr_un sun;
	int fd, rc;

	if (path == NULL || access(path, F_OK) != 0)
		return 0;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return 0;	/* libmilter will say what is wrong */
	rc = connect(fd, (struct sockaddr *)&sun, sizeof(sun));
	close(fd);
	if (rc == 0) {
		snprintf(err, errlen, "socket \"%s\" is in use: another milter answers on it",
			 spec);
		return -1;
	}
	return 0;
}

/* libmilter never sets TCP_NODELAY: set it on the listening socket. */
static void
set_nodelay_on_listener(void)
{
	for (int fd = 3; fd < 1024; fd++) {
		int v = 0, one = 1;
		socklen_t l = sizeof(v);
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);

		if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &v, &l) != 0 || !v)
			continue;
		if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0 &&
		    (ss.ss_family == AF_INET || ss.ss_family == AF_INET6))
			setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
				   sizeof(one));
	}
}

int
sockspec_finish(const struct settings *s, char *err, size_t errlen)
{
	const char *path = sockspec_unix_path(s->socket);
	unsigned uid = (unsigned)-1, gid = (unsigned)-1;

	if (path == NULL) {
		set_nodelay_on_listener();
		return 0;
	}
	if (privs_id("socket_owner", s->socket_owner, 0, &uid, err, errlen) ||
	    privs_id("socket_group", s->socket_group, 1, &gid, err, errlen))
		return -1;
	if ((uid != (unsigned)-1 || gid != (unsigned)-1) &&
	    chown(path, uid, gid) != 0) {
		snprintf(err, errlen, "chown %s: %s", path, strerror(errno));
		return -1;
	}
	if (chmod(path, (mode_t)(s->socket_mode >= 0 ? s->socket_mode : 0660)) != 0) {
		snprintf(err, errlen, "chmod %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}
