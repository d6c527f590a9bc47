/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * guard.c - limits on the milter connections, and no delayed ACK on
 * them (see guard.h).
 */
#define _GNU_SOURCE
#include "config.h"
#include "guard.h"
#include "util/log.h"

#include <dlfcn.h>
#include <errno.h>
#include <libmilter/mfdef.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define GUARD_FDS 65536		/* descriptors tracked; higher ones refused */

/* is_conn[fd]: CONN_MILTER for a milter connection, | CONN_TCP over TCP */
#define CONN_MILTER 1
#define CONN_TCP 2

static atomic_uchar is_conn[GUARD_FDS];
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

typedef ssize_t (*read_fn)(int, void *, size_t);
static _Atomic(read_fn) real_read;
static _Thread_local int resolving_read;

/* The next read() after this one: libc's, or a sanitizer's interceptor
 * (which then calls libc's).  Should dlsym itself read, that read goes
 * straight to the kernel. */
static ssize_t
read_fd(int fd, void *buf, size_t n)
{
	read_fn f = atomic_load_explicit(&real_read, memory_order_relaxed);

	if (f == NULL) {
		if (resolving_read)
			return syscall(SYS_read, fd, buf, n);
		resolving_read = 1;
		f = (read_fn)dlsym(RTLD_NEXT, "read");
		resolving_read = 0;
		if (f == NULL)
			return syscall(SYS_read, fd, buf, n);
		atomic_store_explicit(&real_read, f, memory_order_relaxed);
	}
	return f(fd, buf, n);
}

/* Where the reader of a TCP milter connection is in the packet stream
 * (a packet: 4-byte length, command byte, data); reset at accept. */
struct rd_state {
	unsigned char hdr[5];	/* the header so far */
	unsigned char have;	/* bytes of it read */
	uint32_t left;		/* data bytes of the packet still to read */
};
static struct rd_state rd[GUARD_FDS];

/* Commands the milter sends no reply to: the macros (always followed by
 * their command), MAIL FROM (qrelay-milter negotiates its reply away,
 * SMFIP_NR_MAIL) and abort (followed by the next transaction). */
static int
no_reply(unsigned char cmd)
{
	return cmd == SMFIC_MACRO || cmd == SMFIC_MAIL || cmd == SMFIC_ABORT;
}

/* Follow the stream through n bytes just read; if they complete a packet
 * that gets no reply, its command (the last one), else 0. */
static unsigned char
rd_track(struct rd_state *st, const unsigned char *p, size_t n)
{
	unsigned char quiet = 0;

	while (n > 0) {
		size_t k;

		if (st->have < sizeof(st->hdr)) {
			k = sizeof(st->hdr) - st->have;
			if (k > n)
				k = n;
			memcpy(st->hdr + st->have, p, k);
			st->have += (unsigned char)k;
			p += k;
			n -= k;
			if (st->have < sizeof(st->hdr))
				break;
			st->left = ((uint32_t)st->hdr[0] << 24 |
				    (uint32_t)st->hdr[1] << 16 |
				    (uint32_t)st->hdr[2] << 8 | st->hdr[3]);
			st->left = st->left > 0 ? st->left - 1 : 0;
		} else {
			k = st->left < n ? st->left : n;
			st->left -= (uint32_t)k;
			p += k;
			n -= k;
		}
		if (st->left == 0) {	/* the packet is complete */
			quiet = no_reply(st->hdr[4]) ? st->hdr[4] : 0;
			st->have = 0;
		}
	}
	return quiet;
}

/* libmilter reads every packet with read().  Sendmail writes the macros
 * and their command as two packets, and Nagle's algorithm on its side
 * holds the command until the macros are ACKed; a delayed ACK here held
 * each such pair ~40 ms (at connect and at RCPT).  So on a TCP milter
 * connection, once a packet that gets no reply has been read,
 * TCP_QUICKACK sends its ACK at once (the kernel drops the option again
 * by itself, so it is set each time).  Not when the command is already
 * there after the macros, as Postfix writes them: the reply to the
 * command carries the ACK, as it does for every packet that gets one.
 * Every other descriptor goes straight through; the result and errno are
 * never changed. */
ssize_t
read(int fd, void *buf, size_t n)
{
	ssize_t r = read_fd(fd, buf, n);
	unsigned char cmd;
	int e, waiting = 0, one = 1;

	if (r <= 0 || fd < 0 || fd >= GUARD_FDS ||
	    !(atomic_load_explicit(&is_conn[fd], memory_order_relaxed) &
	      CONN_TCP))
		return r;
	cmd = rd_track(&rd[fd], buf, (size_t)r);
	if (cmd == 0)
		return r;
	e = errno;
	if (cmd != SMFIC_MACRO || ioctl(fd, FIONREAD, &waiting) != 0 ||
	    waiting == 0)
		(void)setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one,
				 sizeof(one));
	errno = e;
	return r;
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

static int
is_tcp(int fd)
{
	int dom = 0;
	socklen_t l = sizeof(dom);

	return getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &dom, &l) == 0 &&
	       (dom == AF_INET || dom == AF_INET6);
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
	memset(&rd[fd], 0, sizeof(rd[fd]));
	atomic_store(&is_conn[fd], CONN_MILTER | (is_tcp(fd) ? CONN_TCP : 0));
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
