/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * guard.c - limits on the milter connections (see guard.h).
 */
#define _GNU_SOURCE
#include "config.h"
#include "guard.h"
#include "util/log.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define GUARD_FDS 65536		/* descriptors tracked; higher ones refused */

static atomic_uchar is_conn[GUARD_FDS];	/* 1: a milter connection */
static _Atomic time_t opened[GUARD_FDS];	/* when (monotonic seconds) */
static atomic_uint n_conns;
static atomic_int max_conns, max_secs;	/* 0: not started, no limit */
static atomic_int full_incident, fd_incident;
static atomic_ulong refused;
static pthread_mutex_t fd_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_t watchdog;
static atomic_int watchdog_running, stopping;
static int (*real_close)(int);

static time_t
mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

static int
close_fd(int fd)
{
	if (real_close == NULL)
		real_close = (int (*)(int))dlsym(RTLD_NEXT, "close");
	return real_close(fd);
}

/* A descriptor is closed: if it was a milter connection, it no longer
 * counts.  The lock keeps the watchdog from shutting down a descriptor
 * number that is being reused. */
int
close(int fd)
{
	int rc;

	if (fd < 0 || fd >= GUARD_FDS || !atomic_load(&is_conn[fd]))
		return close_fd(fd);
	pthread_mutex_lock(&fd_lock);
	if (atomic_exchange(&is_conn[fd], 0))
		atomic_fetch_sub(&n_conns, 1);
	rc = close_fd(fd);
	pthread_mutex_unlock(&fd_lock);
	return rc;
}

int
accept(int lfd, struct sockaddr *addr, socklen_t *len)
{
	int fd = accept4(lfd, addr, len, 0), e = errno;
	unsigned limit = (unsigned)atomic_load(&max_conns);

	if (fd < 0) {
		if (e == EMFILE || e == ENFILE || e == ENOMEM || e == ENOBUFS) {
			struct timespec pause = { 0, 100000000L };

			atomic_fetch_add(&refused, 1);
			if (atomic_exchange(&fd_incident, 1) == 0)
				log_msg(LOG_ERR, "cannot accept milter connections: %s (%u open); the MTA tempfails meanwhile; retrying every 0.1 s",
					strerror(e), atomic_load(&n_conns));
			nanosleep(&pause, NULL);	/* no busy loop */
		}
		errno = e;
		return -1;
	}
	if (atomic_exchange(&fd_incident, 0))
		log_msg(LOG_NOTICE, "accepting milter connections again (%lu attempts failed)",
			atomic_exchange(&refused, 0));
	if (limit == 0)		/* not started (the -n check, tests) */
		return fd;
	if (fd >= GUARD_FDS || atomic_load(&n_conns) >= limit) {
		close_fd(fd);
		if (atomic_exchange(&full_incident, 1) == 0)
			log_msg(LOG_ERR, "%u milter connections are open, the limit (max_connections); closing new ones until fewer are open",
				atomic_load(&n_conns));
		errno = ECONNABORTED;	/* libmilter carries on */
		return -1;
	}
	if (atomic_load(&n_conns) < limit - limit / 10 &&
	    atomic_exchange(&full_incident, 0))
		log_msg(LOG_NOTICE, "milter connections below the limit again");
	atomic_store(&opened[fd], mono_now());
	atomic_store(&is_conn[fd], 1);
	atomic_fetch_add(&n_conns, 1);
	return fd;
}

/* Every 5 s: shut down the connections older than max_session_time. */
static void *
watch(void *arg)
{
	(void)arg;
	while (!atomic_load(&stopping)) {
		time_t limit = atomic_load(&max_secs), now = mono_now();
		unsigned cut = 0;

		for (int fd = 0; limit > 0 && fd < GUARD_FDS; fd++) {
			if (!atomic_load(&is_conn[fd]) ||
			    now - atomic_load(&opened[fd]) < limit)
				continue;
			pthread_mutex_lock(&fd_lock);
			if (atomic_load(&is_conn[fd]) &&
			    now - atomic_load(&opened[fd]) >= limit &&
			    shutdown(fd, SHUT_RDWR) == 0)
				cut++;
			/* shut down once; libmilter closes it */
			atomic_store(&opened[fd], now + 3600L * 24 * 365);
			pthread_mutex_unlock(&fd_lock);
		}
		if (cut)
			log_msg(LOG_WARNING, "warning: shut down %u milter connection(s) open longer than max_session_time (%lld s)",
				cut, (long long)limit);
		for (int i = 0; i < 50 && !atomic_load(&stopping); i++) {
			struct timespec t = { 0, 100000000L };

			nanosleep(&t, NULL);
		}
	}
	return NULL;
}

int
guard_start(int max_connections, int max_session_time)
{
	atomic_store(&max_secs, max_session_time);
	atomic_store(&max_conns, max_connections > 0 ? max_connections :
		     GUARD_FDS);
	if (max_session_time <= 0)
		return 0;
	if (pthread_create(&watchdog, NULL, watch, NULL) != 0)
		return -1;
	atomic_store(&watchdog_running, 1);
	return 0;
}

void
guard_stop(void)
{
	atomic_store(&stopping, 1);
	if (atomic_exchange(&watchdog_running, 0))
		pthread_join(watchdog, NULL);
}

unsigned
guard_connections(void)
{
	return atomic_load(&n_conns);
}

long
guard_raise_nofile(void)
{
	struct rlimit r;

	if (getrlimit(RLIMIT_NOFILE, &r) != 0)
		return -1;
	if (r.rlim_cur < r.rlim_max) {
		r.rlim_cur = r.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &r) != 0)
			getrlimit(RLIMIT_NOFILE, &r);
	}
	return (long)r.rlim_cur;
}
