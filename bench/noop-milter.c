/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * noop-milter.c - the floor: a libmilter milter that decides nothing.
 *
 * It has the same shape as qrelay-milter on the wire: connect, MAIL FROM
 * and RCPT TO callbacks that answer "continue", per-connection private
 * data, TCP_NODELAY on the listener, and the same stages negotiated away
 * (helo, headers, body, EOH, unknown, DATA).  -d adds a DATA callback that
 * answers "accept this message", as qrelay-milter's does, so Postfix waits
 * for a DATA reply and then skips end-of-message.  -a answers "accept" at
 * connect: Postfix then closes the milter connection and sends nothing
 * more for the session, so that is the least any milter can cost Postfix
 * (a connection, the negotiation and one round trip).  -m registers no
 * callbacks at all (libmilter then asks the MTA to skip every stage), for
 * reference only.  It uses glibc's default thread stacks, as a stock
 * libmilter milter does.
 *
 * usage: noop-milter -p inet:PORT@127.0.0.1 [-d] [-a] [-m]
 */
#include <libmilter/mfapi.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int with_data, accept_at_connect;

static sfsistat
nx_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1,
	     unsigned long f2, unsigned long f3, unsigned long *pf0,
	     unsigned long *pf1, unsigned long *pf2, unsigned long *pf3)
{
	(void)ctx;
	(void)f0;
	(void)f2;
	(void)f3;
	*pf0 = 0;
	*pf1 = f1 & (SMFIP_NOHELO | SMFIP_NOHDRS | SMFIP_NOBODY | SMFIP_NOEOH |
		     SMFIP_NOUNKNOWN | (with_data ? 0 : SMFIP_NODATA));
	*pf2 = 0;
	*pf3 = 0;
	return SMFIS_CONTINUE;
}

static sfsistat
nx_connect(SMFICTX *ctx, char *host, _SOCK_ADDR *sa)
{
	(void)host;
	(void)sa;
	smfi_setpriv(ctx, malloc(64));
	return accept_at_connect ? SMFIS_ACCEPT : SMFIS_CONTINUE;
}

static sfsistat
nx_env(SMFICTX *ctx, char **argv)
{
	(void)ctx;
	(void)argv;
	return SMFIS_CONTINUE;
}

static sfsistat
nx_data(SMFICTX *ctx)
{
	(void)ctx;
	return SMFIS_ACCEPT;
}

static sfsistat
nx_close(SMFICTX *ctx)
{
	free(smfi_getpriv(ctx));
	smfi_setpriv(ctx, NULL);
	return SMFIS_CONTINUE;
}

int
main(int argc, char **argv)
{
	struct smfiDesc d = {
		.xxfi_name = "noop-milter",
		.xxfi_version = SMFI_VERSION,
		.xxfi_connect = nx_connect,
		.xxfi_envfrom = nx_env,
		.xxfi_envrcpt = nx_env,
		.xxfi_close = nx_close,
		.xxfi_negotiate = nx_negotiate,
	};
	const char *spec = NULL;
	int ch, minimal = 0;

	while ((ch = getopt(argc, argv, "p:dam")) != -1) {
		switch (ch) {
		case 'p': spec = optarg; break;
		case 'd': with_data = 1; break;
		case 'a': accept_at_connect = 1; break;
		case 'm': minimal = 1; break;
		default: spec = NULL; optind = argc; break;
		}
	}
	if (spec == NULL) {
		fprintf(stderr, "usage: noop-milter -p SOCKET [-d] [-a] [-m]\n");
		return 2;
	}
	if (with_data)
		d.xxfi_data = nx_data;
	if (minimal) {
		struct smfiDesc m = { .xxfi_name = "noop-milter-min",
				      .xxfi_version = SMFI_VERSION };
		d = m;
	}
	if (smfi_setconn((char *)spec) != MI_SUCCESS ||
	    smfi_register(d) != MI_SUCCESS || smfi_opensocket(1) != MI_SUCCESS) {
		fprintf(stderr, "noop-milter: cannot open %s\n", spec);
		return 1;
	}
	/* as qrelay-milter does: accepted sockets inherit TCP_NODELAY */
	for (int fd = 3; fd < 1024; fd++) {
		int v = 0, one = 1;
		socklen_t l = sizeof(v);

		if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &v, &l) == 0 && v)
			setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
				   sizeof(one));
	}
	return smfi_main() == MI_SUCCESS ? 0 : 1;
}
