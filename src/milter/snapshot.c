/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * snapshot.c - refcounted current tables and the reload watcher (see
 * snapshot.h).
 */
#include "config.h"
#include "snapshot.h"
#include "tables/load.h"
#include "tables/stamp.h"
#include "util/clock.h"
#include "util/log.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The SMTP-after-POP backend holds open connections, so a reload that
 * keeps its settings keeps the backend: snapshots share it by reference. */
struct popref {
	struct pop *p;
	unsigned refs;		/* snapshots using it */
};

struct snap {
	struct tables *t;
	struct popref *pop;	/* NULL: no backend configured */
	unsigned refs;		/* sessions + 1 while current */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static struct snap *current;
static settings_builder builder;
static int reload_forced, stopping, watcher_running;
static pthread_t watcher;
static struct file_stamp failed_stamp[TF_COUNT];
static int have_failed_stamp;

static void
warn_log(void *arg, const char *msg)
{
	(void)arg;
	log_msg(LOG_WARNING, "warning: %s", msg);
}

/* The backends report their incidents here. */
static void
pop_log(void *arg, int prio, const char *msg)
{
	(void)arg;
	log_msg(prio, "%s", msg);
}

static const struct pop_log pop_logger = { pop_log, NULL };

/* Drop one reference; returns how many are left. */
static unsigned
unref(unsigned *refs)
{
	unsigned left;

	pthread_mutex_lock(&lock);
	left = --*refs;
	pthread_mutex_unlock(&lock);
	return left;
}

static void
popref_drop(struct popref *pr)
{
	if (pr && unref(&pr->refs) == 0) {
		pop_close(pr->p);
		free(pr);
	}
}

/* The backend for new settings: the current one if its settings are the
 * same, else a new one.  0, or -1 with err. */
static int
popref_for(const struct settings *s, struct popref **out, char *err,
	   size_t errlen)
{
	struct popref *pr;

	*out = NULL;
	if (s->pop_backend == POP_BACKEND_NONE)
		return 0;
	pthread_mutex_lock(&lock);
	if (current && current->pop &&
	    pop_settings_equal(&current->t->s, s)) {
		current->pop->refs++;
		*out = current->pop;
		pthread_mutex_unlock(&lock);
		return 0;
	}
	pthread_mutex_unlock(&lock);
	if ((pr = calloc(1, sizeof(*pr))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (pop_open(&pr->p, s, &pop_logger, err, errlen) != 0) {
		free(pr);
		return -1;
	}
	pr->refs = 1;
	*out = pr;
	return 0;
}

static struct snap *
build(char *err, size_t errlen)
{
	struct settings s;
	struct snap *sn = calloc(1, sizeof(*sn));

	if (sn == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (builder(&s, err, errlen) != 0 ||
	    tables_load(&sn->t, &s, warn_log, NULL, err, errlen) != 0) {
		free(sn);
		return NULL;
	}
	if (popref_for(&s, &sn->pop, err, errlen) != 0) {
		tables_free(sn->t);
		free(sn);
		return NULL;
	}
	sn->refs = 1;
	return sn;
}

int
snapshot_init(settings_builder b, char *err, size_t errlen)
{
	builder = b;
	current = build(err, errlen);
	return current ? 0 : -1;
}

struct snap *
snapshot_acquire(void)
{
	struct snap *sn;

	pthread_mutex_lock(&lock);
	sn = current;
	if (sn)
		sn->refs++;
	pthread_mutex_unlock(&lock);
	return sn;
}

const struct tables *
snapshot_tables(const struct snap *sn)
{
	return sn->t;
}

const struct relay_oracle *
snapshot_oracle(const struct snap *sn)
{
	return sn->pop ? pop_oracle(sn->pop->p) : NULL;
}

void
snapshot_release(struct snap *sn)
{
	/* at 0: no longer current, and no session holds it */
	if (sn && unref(&sn->refs) == 0) {
		popref_drop(sn->pop);
		tables_free(sn->t);
		free(sn);
	}
}

static void
reload(int forced)
{
	char err[1024];
	struct file_stamp before[TF_COUNT];
	struct snap *sn, *old;
	struct timespec t0;

	pthread_mutex_lock(&lock);
	stamp_files(current->t, before);
	pthread_mutex_unlock(&lock);
	if (!forced && have_failed_stamp &&
	    stamp_equal(before, failed_stamp))
		return;		/* already failed on exactly these files */

	clock_gettime(CLOCK_MONOTONIC, &t0);
	sn = build(err, sizeof(err));
	if (sn == NULL) {
		/* logged once: these stamps are not retried until they change */
		log_msg(LOG_ERR, "reload failed, keeping the previous tables: %s",
			err);
		memcpy(failed_stamp, before, sizeof(before));
		have_failed_stamp = 1;
		return;
	}
	have_failed_stamp = 0;
	pthread_mutex_lock(&lock);
	old = current;
	current = sn;
	pthread_mutex_unlock(&lock);
	snapshot_release(old);		/* drop the "current" reference */
	log_msg(LOG_INFO, "reloaded tables%s in %.1f ms",
		forced ? " (forced)" : "", clock_ms_since(&t0));
}

static void *
watch(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&lock);
	while (!stopping) {
		int forced, changed, interval = current->t->s.reload_interval_ms;

		if (!reload_forced) {
			if (interval > 0) {
				struct timespec ts;

				clock_gettime(CLOCK_REALTIME, &ts);
				ts.tv_sec += interval / 1000;
				ts.tv_nsec += (long)(interval % 1000) * 1000000L;
				if (ts.tv_nsec >= 1000000000L) {
					ts.tv_sec++;
					ts.tv_nsec -= 1000000000L;
				}
				pthread_cond_timedwait(&wake, &lock, &ts);
			} else {
				pthread_cond_wait(&wake, &lock);
			}
		}
		if (stopping)
			break;
		forced = reload_forced;
		reload_forced = 0;
		pthread_mutex_unlock(&lock);
		changed = forced || stamp_changed(current->t);
		if (changed)
			reload(forced);
		pthread_mutex_lock(&lock);
	}
	pthread_mutex_unlock(&lock);
	return NULL;
}

int
snapshot_start_watcher(void)
{
	int rc = pthread_create(&watcher, NULL, watch, NULL);

	if (rc == 0)
		watcher_running = 1;
	return rc;
}

void
snapshot_request_reload(void)
{
	pthread_mutex_lock(&lock);
	reload_forced = 1;
	pthread_cond_signal(&wake);
	pthread_mutex_unlock(&lock);
}

void
snapshot_stop_watcher(void)
{
	pthread_mutex_lock(&lock);
	stopping = 1;
	pthread_cond_signal(&wake);
	pthread_mutex_unlock(&lock);
	if (watcher_running)
		pthread_join(watcher, NULL);
	watcher_running = 0;
}

void
snapshot_shutdown(void)
{
	struct snap *sn;

	pthread_mutex_lock(&lock);
	sn = current;
	current = NULL;
	pthread_mutex_unlock(&lock);
	snapshot_release(sn);
}
