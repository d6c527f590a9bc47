/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * main.c - qrelay-milter: options, start-up, signals, shutdown.
 *
 * Start-up: read the configuration; open the socket (as root, if started
 * as root); become the configured user; then load the tables, so that the
 * first load and every reload read with the same rights; write the
 * pidfile; start the threads and tell systemd it is ready.
 *
 * Threads: smfi_main() runs in its own thread (libmilter adds its workers
 * and a signal thread there); the snapshot watcher polls the files; the
 * main thread waits for signals: SIGUSR1 reloads, SIGTERM/SIGINT stop.
 * libmilter's own signal thread also waits for SIGHUP and takes it as
 * "stop", and whichever thread waits first gets a signal; so SIGHUP is
 * ignored, which the kernel does by discarding it when it is sent (the main
 * thread does not block it), and no SIGHUP can ever reach libmilter.
 */
#include "config.h"
#include "callbacks.h"
#include "guard.h"
#include "notify.h"
#include "pidfile.h"
#include "privs.h"
#include "snapshot.h"
#include "sockspec.h"
#include "conf/conf.h"
#include "dns/rbl.h"
#include "dns/resolver.h"
#include "pop/pop.h"
#include "tables/load.h"
#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define EXIT_USAGE 2

static const char *opt_config;
static int opt_config_given;
static const char *opt_socket, *opt_control, *opt_rules, *opt_log;
static int opt_foreground, opt_check;
static int milter_rc;

static const char *default_config = SYSCONFDIR "/qrelay-milter.conf";

static void
help(FILE *f)
{
	fprintf(f,
		"usage: qrelay-milter [-f] [-n] [-c FILE] [-p SOCKET] [-d DIR] [-x FILE] [-l WHERE]\n"
		"  -c FILE   configuration file (default %s, if it exists)\n"
		"  -p SOCKET unix:/path, inet:PORT@HOST or inet6:PORT@HOST\n"
		"  -d DIR    qmail control directory (default /var/qmail/control)\n"
		"  -x FILE   tcpserver rules: tcprules text, or a .cdb\n"
		"  -f        stay in the foreground\n"
		"  -l WHERE  log to syslog, both (syslog and stderr) or journal\n"
		"            (default: journal under systemd, both with -f, else syslog)\n"
		"  -n        check the configuration and every file as a start would, then exit\n"
		"  -V        print the version\n"
		"  -h        this help\n",
		default_config);
}

static void
usage(const char *why, const char *arg)
{
	fprintf(stderr, "qrelay-milter: %s%s%s\n", why, arg ? ": " : "",
		arg ? arg : "");
	help(stderr);
	exit(EXIT_USAGE);
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

static void
warn_stderr(void *arg, const char *msg)
{
	(void)arg;
	log_msg(LOG_WARNING, "warning: %s", msg);
}

/* A database password in a file every local user can read. */
static void
warn_password_file(const struct settings *s)
{
	struct stat st;

	if (s->mysql_password[0] && opt_config &&
	    stat(opt_config, &st) == 0 && (st.st_mode & S_IROTH))
		log_msg(LOG_WARNING, "warning: %s holds mysql_password and every local user can read it; chmod o-r it (0640, group of the daemon's user)",
			opt_config);
}

/* -n, the part that needs the daemon's rights: read the configuration and
 * every table as the daemon's user would (in a child that becomes it). */
static int
check_as_user(const struct settings *s0)
{
	pid_t pid = fork();
	int status;

	if (pid < 0) {
		log_msg(LOG_ERR, "fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		struct settings s;
		struct tables *t;
		struct pop *pop;
		char err[1024];

		if (privs_drop(s0, err, sizeof(err)) != 0 ||
		    build_settings(&s, err, sizeof(err)) != 0 ||
		    tables_load(&t, &s, NULL, warn_stderr, NULL, err, sizeof(err)) != 0 ||
		    pop_open(&pop, &s, NULL, err, sizeof(err)) != 0 ||
		    (s.pidfile[0] &&
		     pidfile_check_writable(s.pidfile, err, sizeof(err)) != 0)) {
			log_msg(LOG_ERR, "%s%s%s%s", err,
				s0->user[0] ? " (read as user " : "", s0->user,
				s0->user[0] ? ", as every reload will be)" : "");
			_exit(1);
		}
		pop_close(pop);
		tables_free(t);
		_exit(0);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/* -n: everything a start checks, without opening the socket. */
static int
check_only(const struct settings *s)
{
	char err[1024], warn[512];

	if (sockspec_check(s->socket, err, sizeof(err), warn, sizeof(warn)) != 0 ||
	    privs_check(s, err, sizeof(err)) != 0 ||
	    (s->pidfile[0] && pidfile_check(s->pidfile, err, sizeof(err)) != 0)) {
		log_msg(LOG_ERR, "%s", err);
		return 1;
	}
	if (warn[0])
		log_msg(LOG_WARNING, "warning: %s", warn);
	if (geteuid() == 0 && s->user[0] == '\0')
		log_msg(LOG_WARNING, "warning: no user is set, so the daemon would run as root; set user = (the Debian package runs it as qrelay-milter)");
	if (check_as_user(s) != 0)
		return 1;
	printf("qrelay-milter: configuration OK (config %s, socket %s, control %s, rules %s, pop-before-smtp %s)\n",
	       opt_config ? opt_config : "none", s->socket, s->control_dir,
	       s->rules_file[0] ? s->rules_file : "none",
	       pop_backend_name(s->pop_backend));
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
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
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

static void
parse_options(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	int ch;

	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":c:p:d:x:l:fnhV", longopts,
				 NULL)) != -1) {
		switch (ch) {
		case 'c': opt_config = optarg; opt_config_given = 1; break;
		case 'p': opt_socket = optarg; break;
		case 'd': opt_control = optarg; break;
		case 'x': opt_rules = optarg; break;
		case 'l': opt_log = optarg; break;
		case 'f': opt_foreground = 1; break;
		case 'n': opt_check = 1; break;
		case 'h': help(stdout); exit(0);
		case 'V': printf("qrelay-milter %s\n", PACKAGE_VERSION); exit(0);
		case ':': usage("option needs a value", argv[optind - 1]);
			  break;
		default: usage("unknown option", argv[optind - 1]);
		}
	}
	if (optind != argc)
		usage("unexpected argument", argv[optind]);
	if (opt_log && strcmp(opt_log, "syslog") && strcmp(opt_log, "both") &&
	    strcmp(opt_log, "journal"))
		usage("-l wants syslog, both or journal, not", opt_log);
	/* the default file is read if it exists; one named with -c must */
	if (!opt_config_given && access(default_config, F_OK) == 0)
		opt_config = default_config;
}

static enum log_target
log_target(void)
{
	if (opt_log)
		return strcmp(opt_log, "journal") == 0 ? LOG_TO_JOURNAL :
			strcmp(opt_log, "both") == 0 ? LOG_TO_BOTH :
			LOG_TO_SYSLOG;
	if (log_stderr_is_journal())
		return LOG_TO_JOURNAL;
	return opt_foreground || opt_check ? LOG_TO_BOTH : LOG_TO_SYSLOG;
}

/* Open the socket with libmilter (as root, if started as root); a unix
 * socket is created owner-only and then given socket_mode. */
static int
open_socket(const struct settings *s, char *err, size_t errlen)
{
	int unix_sock = sockspec_unix_path(s->socket) != NULL;
	mode_t old = 0;
	int rc;

	if (sockspec_unix_free(s->socket, err, errlen) != 0)
		return -1;
	if (smfi_setconn((char *)s->socket) != MI_SUCCESS ||
	    smfi_register(qr_milter_desc) != MI_SUCCESS ||
	    smfi_settimeout(s->milter_timeout) != MI_SUCCESS) {
		snprintf(err, errlen, "cannot set up libmilter for %.512s",
			 s->socket);
		return -1;
	}
	if (unix_sock)
		old = umask(0177);
	rc = smfi_opensocket(1);
	if (unix_sock)
		umask(old);
	if (rc != MI_SUCCESS) {
		snprintf(err, errlen,
			 "cannot open socket %.512s (address in use, or no permission?)",
			 s->socket);
		return -1;
	}
	return sockspec_finish(s, err, errlen);
}

static void
wait_for_signals(const sigset_t *set)
{
	int sig, stop = 0;

	while (!stop) {
		if (sigwait(set, &sig) != 0)
			continue;
		switch (sig) {
		case SIGUSR1:
			log_msg(LOG_INFO, "SIGUSR1: reloading");
			snapshot_request_reload();
			break;
		case SIGUSR2:
			stop = 1;	/* smfi_main returned */
			break;
		default:
			log_msg(LOG_INFO, "signal %d: stopping", sig);
			notify("STOPPING=1");
			smfi_stop();
			stop = 1;
			break;
		}
	}
}

int
main(int argc, char **argv)
{
	struct settings s;
	char err[1024], warn[512];
	sigset_t set;
	pthread_t mt;

	/* tables are big, long-lived blocks: give each its own mapping, so
	 * that the memory of a replaced snapshot goes back to the system
	 * (glibc would otherwise raise this threshold after the first free
	 * and keep later tables in the heap) */
	mallopt(M_MMAP_THRESHOLD, 256 * 1024);
	if (dns_library_init() != 0) {	/* c-ares: before any thread */
		fprintf(stderr, "qrelay-milter: cannot initialise c-ares\n");
		return 1;
	}
	parse_options(argc, argv);
	if (build_settings(&s, err, sizeof(err)) != 0) {
		fprintf(stderr, "qrelay-milter: %s\n", err);
		return 1;
	}
	if (log_open(s.syslog_ident, s.syslog_facility, log_target()) != 0) {
		fprintf(stderr, "qrelay-milter: unknown syslog_facility \"%s\"\n",
			s.syslog_facility);
		return 1;
	}
	warn_password_file(&s);
	if (opt_check)
		return check_only(&s);
	if (sockspec_check(s.socket, err, sizeof(err), warn, sizeof(warn)) != 0 ||
	    privs_check(&s, err, sizeof(err)) != 0) {
		log_msg(LOG_ERR, "cannot start: %s", err);
		return 1;
	}
	if (warn[0])
		log_msg(LOG_WARNING, "warning: %s", warn);
	if (geteuid() == 0 && s.user[0] == '\0')
		log_msg(LOG_WARNING, "warning: running as root; set user = in the configuration (the Debian package runs the daemon as qrelay-milter)");
	if (!opt_foreground)
		daemonize();
	/* one descriptor per MTA connection: as many as allowed (the unit
	 * sets LimitNOFILE) */
	if (guard_raise_nofile() < (long)s.max_connections + 64)
		log_msg(LOG_WARNING, "warning: the open files limit (%ld) is below max_connections (%d) + 64; raise it (LimitNOFILE=) or lower max_connections",
			guard_raise_nofile(), s.max_connections);

	/* TERM, INT, USR1 and USR2 are taken by sigwait in the main thread
	 * (and blocked in every thread started from it); HUP is ignored */
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	signal(SIGHUP, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	pthread_sigmask(SIG_BLOCK, &set, NULL);

	if (open_socket(&s, err, sizeof(err)) != 0 ||
	    privs_drop(&s, err, sizeof(err)) != 0) {
		log_msg(LOG_ERR, "cannot start: %s", err);
		return 1;
	}
	/* the first load, with the rights of every reload */
	if (snapshot_init(build_settings, err, sizeof(err)) != 0) {
		log_msg(LOG_ERR, "cannot start: %s", err);
		return 1;
	}
	if (s.pidfile[0] && pidfile_write(s.pidfile, err, sizeof(err)) != 0) {
		log_msg(LOG_ERR, "cannot start: %s", err);
		return 1;
	}
	set_thread_stack_size();	/* before the first thread starts */
	if (rbl_open(s.dnsbl_servers, err, sizeof(err)) != 0) {
		log_msg(LOG_ERR, "cannot start: dnsbl_servers: %s", err);
		pidfile_remove(s.pidfile);
		return 1;
	}
	if (guard_start(s.max_connections, s.max_session_time) != 0 ||
	    snapshot_start_watcher() != 0 ||
	    pthread_create(&mt, NULL, milter_thread, NULL) != 0) {
		log_msg(LOG_ERR, "cannot start threads");
		pidfile_remove(s.pidfile);
		return 1;
	}
	log_msg(LOG_INFO, "qrelay-milter %s started on %s (config %s, control %s, rules %s, pop-before-smtp %s)",
		PACKAGE_VERSION, s.socket, opt_config ? opt_config : "none",
		s.control_dir, s.rules_file[0] ? s.rules_file : "none",
		pop_backend_name(s.pop_backend));
	notify("READY=1");
	notify_status("serving on %s", s.socket);

	wait_for_signals(&set);
	pthread_join(mt, NULL);
	guard_stop();
	snapshot_stop_watcher();
	snapshot_shutdown();
	rbl_close();
	pidfile_remove(s.pidfile);
	log_msg(milter_rc == MI_SUCCESS ? LOG_INFO : LOG_ERR, "stopped%s",
		milter_rc == MI_SUCCESS ? "" : " (libmilter failed)");
	return milter_rc == MI_SUCCESS ? 0 : 1;
}
