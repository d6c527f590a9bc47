/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * main.c - qrelay-milter: options, socket, privileges, signals.
 *
 * Threads: smfi_main() runs in its own thread (libmilter adds its workers
 * and a signal thread there); the snapshot watcher polls the files; the
 * main thread waits for signals: SIGHUP reloads, SIGTERM/SIGINT stop.
 * Linux delivers a process-directed signal to the main thread first when it
 * is waiting for it, so libmilter's own signal thread (which would treat
 * SIGHUP as "stop") does not see it.
 */
#include "config.h"
#include "callbacks.h"
#include "snapshot.h"
#include "conf/conf.h"
#include "pop/pop.h"
#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *opt_config;
static const char *opt_socket, *opt_control, *opt_rules;
static int opt_foreground, opt_check;
static int milter_rc;

static void
usage(void)
{
	fprintf(stderr,
		"usage: qrelay-milter [-f] [-n] [-c FILE] [-p SOCKET] [-d DIR] [-x FILE]\n"
		"  -c FILE   configuration file (qrelay-milter.conf(5))\n"
		"  -p SOCKET unix:/path, inet:PORT@HOST or inet6:PORT@HOST\n"
		"  -d DIR    qmail control directory (default /var/qmail/control)\n"
		"  -x FILE   tcpserver rules: tcprules text, or a .cdb\n"
		"  -f        stay in the foreground, log to stderr too\n"
		"  -n        check the configuration and files, then exit\n");
	exit(1);
}

static int
build_settings(struct settings *s, char *err, size_t errlen)
{
	settings_defaults(s);
	if (opt_config && config_load(s, opt_config, err, errlen) != 0)
		return -1;
	if (opt_socket)
		snprintf(s->socket, sizeof(s->socket), "%s", opt_socket);
	if (opt_control)
		snprintf(s->control_dir, sizeof(s->control_dir), "%s",
			 opt_control);
	if (opt_rules)
		snprintf(s->rules_file, sizeof(s->rules_file), "%s", opt_rules);
	return 0;
}

/* The path of a unix socket spec, or NULL. */
static const char *
unix_path(const char *spec)
{
	if (strncmp(spec, "unix:", 5) == 0)
		return spec + 5;
	if (strncmp(spec, "local:", 6) == 0)
		return spec + 6;
	if (spec[0] == '/')
		return spec;
	return NULL;
}

/* The id of the user (or group) a setting names; "" leaves *id as it is.
 * 0, or -1 (logged) if there is no such one. */
static int
name_id(const char *key, const char *name, int group, unsigned *id)
{
	struct passwd *pw;
	struct group *gr;

	if (name[0] == '\0')
		return 0;
	if (group && (gr = getgrnam(name)) != NULL)
		*id = gr->gr_gid;
	else if (!group && (pw = getpwnam(name)) != NULL)
		*id = pw->pw_uid;
	else {
		log_msg(LOG_ERR, "%s %s: no such %s", key, name,
			group ? "group" : "user");
		return -1;
	}
	return 0;
}

static int
fix_socket_perms(const struct settings *s)
{
	const char *path = unix_path(s->socket);
	unsigned uid = (unsigned)-1, gid = (unsigned)-1;

	if (path == NULL)
		return 0;
	if (name_id("socket_owner", s->socket_owner, 0, &uid) != 0 ||
	    name_id("socket_group", s->socket_group, 1, &gid) != 0)
		return -1;
	if ((uid != (unsigned)-1 || gid != (unsigned)-1) &&
	    chown(path, uid, gid) != 0) {
		log_msg(LOG_ERR, "chown %s: %s", path, strerror(errno));
		return -1;
	}
	if (s->socket_mode >= 0 && chmod(path, (mode_t)s->socket_mode) != 0) {
		log_msg(LOG_ERR, "chmod %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* libmilter never sets TCP_NODELAY; set it on the listening socket so
 * accepted connections inherit it (avoids Nagle/delayed-ACK stalls). */
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

static int
drop_privileges(const struct settings *s)
{
	struct passwd *pw = NULL;
	unsigned gid;

	if (s->user[0] && (pw = getpwnam(s->user)) == NULL) {
		log_msg(LOG_ERR, "user %s: no such user", s->user);
		return -1;
	}
	if (s->group[0]) {
		if (name_id("group", s->group, 1, &gid) != 0)
			return -1;
		if (setgid(gid) != 0) {
			log_msg(LOG_ERR, "setgid: %s", strerror(errno));
			return -1;
		}
	} else if (pw && setgid(pw->pw_gid) != 0) {
		log_msg(LOG_ERR, "setgid: %s", strerror(errno));
		return -1;
	}
	if (pw) {
		if (initgroups(pw->pw_name, s->group[0] ? getgid() : pw->pw_gid) != 0 ||
		    setuid(pw->pw_uid) != 0) {
			log_msg(LOG_ERR, "cannot become %s: %s", s->user,
				strerror(errno));
			return -1;
		}
	}
	return 0;
}

/* libmilter starts one thread per MTA connection, and the callbacks need a
 * few kB of stack (the address and reason buffers, vsyslog, libmariadb).
 * With glibc's default 8 MB stacks its stack cache keeps only five of
 * them, so at 20 concurrent sessions most threads map a new stack and
 * unmap it when they end, and every unmap makes the kernel flush the TLB
 * on the other CPU.  256 kB stacks stay cached: about 15% more sessions/s
 * and 18% less CPU per session under bench/loadgen at 20 sessions.  An
 * AddressSanitizer build needs more room for its redzones. */
#ifdef __SANITIZE_ADDRESS__
#define THREAD_STACK_SIZE (2u << 20)
#else
#define THREAD_STACK_SIZE (256u << 10)
#endif

static void
set_thread_stack_size(void)
{
	pthread_attr_t a;
	int rc = pthread_attr_init(&a);

	if (rc == 0) {
		if ((rc = pthread_attr_setstacksize(&a, THREAD_STACK_SIZE)) == 0)
			rc = pthread_setattr_default_np(&a);
		pthread_attr_destroy(&a);
	}
	if (rc != 0)	/* not fatal: the threads get glibc's default */
		log_msg(LOG_WARNING, "cannot set the thread stack size: %s",
			strerror(rc));
}

static void *
milter_thread(void *arg)
{
	(void)arg;
	milter_rc = smfi_main();
	kill(getpid(), SIGUSR2);	/* wake the main thread */
	return NULL;
}

static void
daemonize(void)
{
	pid_t pid = fork();
	int fd;

	if (pid < 0) {
		perror("qrelay-milter: fork");
		exit(1);
	}
	if (pid > 0)
		_exit(0);
	setsid();
	if (chdir("/") != 0)
		_exit(1);
	fd = open("/dev/null", O_RDWR);
	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
}

int
main(int argc, char **argv)
{
	struct settings s;
	char err[1024];
	sigset_t set;
	pthread_t mt;
	int ch, sig, stop = 0;

	while ((ch = getopt(argc, argv, "c:p:d:x:fnh")) != -1) {
		switch (ch) {
		case 'c': opt_config = optarg; break;
		case 'p': opt_socket = optarg; break;
		case 'd': opt_control = optarg; break;
		case 'x': opt_rules = optarg; break;
		case 'f': opt_foreground = 1; break;
		case 'n': opt_check = 1; break;
		default: usage();
		}
	}
	if (optind != argc)
		usage();
	if (build_settings(&s, err, sizeof(err)) != 0) {
		fprintf(stderr, "qrelay-milter: %s\n", err);
		return 1;
	}
	if (log_open(s.syslog_ident, s.syslog_facility,
		     opt_foreground || opt_check) != 0) {
		fprintf(stderr, "qrelay-milter: unknown syslog_facility \"%s\"\n",
			s.syslog_facility);
		return 1;
	}
	if (snapshot_init(build_settings, err, sizeof(err)) != 0) {
		log_msg(LOG_ERR, "cannot start: %s", err);
		return 1;
	}
	if (opt_check) {
		printf("qrelay-milter: configuration OK (control %s, rules %s, pop-before-smtp %s)\n",
		       s.control_dir, s.rules_file[0] ? s.rules_file : "none",
		       pop_backend_name(s.pop_backend));
		snapshot_shutdown();
		return 0;
	}
	if (!opt_foreground)
		daemonize();

	/* block the signals in every thread; the main thread sigwaits */
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGUSR2);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (smfi_setconn(s.socket) != MI_SUCCESS ||
	    smfi_register(qr_milter_desc) != MI_SUCCESS ||
	    smfi_settimeout(s.milter_timeout) != MI_SUCCESS) {
		log_msg(LOG_ERR, "cannot set up libmilter for %s", s.socket);
		return 1;
	}
	{
		/* with socket_mode set, create the unix socket owner-only and
		 * chmod it below; otherwise it is left to the umask */
		int narrow = unix_path(s.socket) && s.socket_mode >= 0;
		mode_t old = narrow ? umask(0177) : 0;
		int rc = smfi_opensocket(1);

		if (narrow)
			umask(old);
		if (rc != MI_SUCCESS) {
			log_msg(LOG_ERR,
				"cannot open socket %s (address in use, or bad path?)",
				s.socket);
			return 1;
		}
	}
	set_nodelay_on_listener();
	if (fix_socket_perms(&s) != 0)
		return 1;
	if (s.pidfile[0]) {
		FILE *f = fopen(s.pidfile, "w");

		if (f == NULL) {
			log_msg(LOG_ERR, "pidfile %s: %s", s.pidfile,
				strerror(errno));
			return 1;
		}
		fprintf(f, "%ld\n", (long)getpid());
		fclose(f);
	}
	if (drop_privileges(&s) != 0)
		return 1;
	set_thread_stack_size();	/* before the first thread starts */
	if (snapshot_start_watcher() != 0 ||
	    pthread_create(&mt, NULL, milter_thread, NULL) != 0) {
		log_msg(LOG_ERR, "cannot start threads");
		return 1;
	}
	log_msg(LOG_INFO, "started on %s (control %s, rules %s, pop-before-smtp %s)",
		s.socket, s.control_dir, s.rules_file[0] ? s.rules_file : "none",
		pop_backend_name(s.pop_backend));

	while (!stop) {
		if (sigwait(&set, &sig) != 0)
			continue;
		switch (sig) {
		case SIGHUP:
			log_msg(LOG_INFO, "SIGHUP: reloading");
			snapshot_request_reload();
			break;
		case SIGUSR2:
			stop = 1;	/* smfi_main returned */
			break;
		default:
			log_msg(LOG_INFO, "signal %d: stopping", sig);
			smfi_stop();
			stop = 1;
			break;
		}
	}
	pthread_join(mt, NULL);
	snapshot_stop_watcher();
	snapshot_shutdown();
	if (s.pidfile[0])
		unlink(s.pidfile);
	log_msg(milter_rc == MI_SUCCESS ? LOG_INFO : LOG_ERR, "stopped%s",
		milter_rc == MI_SUCCESS ? "" : " (libmilter failed)");
	return milter_rc == MI_SUCCESS ? 0 : 1;
}
