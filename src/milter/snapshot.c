/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * snapshot.c - refcounted current tables and the reload watcher (see
 * snapshot.h).
 */
#include "config.h"
#include "snapshot.h"
#include "notify.h"
#include "status.h"
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

/* Old snapshots stay alive for the sessions that started on them, but the
 * files they hold apart from the current one (unchanged files are shared)
 * may add up to at most twice the current tables, or 1 MB, once they have
 * been replaced for OLD_GRACE_S (a session gets that long to finish on the
 * tables it started with, however fast the files change); and there are
 * at most 64 of them.  Past that the oldest is retired and its sessions
 * are tempfailed at their next command (snapshot_expired), so memory stays
 * bounded however often the files change while sessions stay open. */
#define MAX_OLD_SNAPSHOTS 64
#define OLD_BYTES_MIN (1u << 20)
#define OLD_GRACE_S 10

/* After a failed reload, retry after 1 s, doubling up to 60 s, until it
 * works or a file changes (then at once). */
#define RETRY_FIRST_MS 1000
#define RETRY_MAX_MS 60000

/* A changed file is read once nobody has written to it for this long. */
#define SETTLE_MS 200

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
	int expired;		/* retired: its sessions must stop */
	time_t replaced;	/* when it stopped being current (monotonic) */
	struct snap *older, *newer;	/* the old snapshots still alive */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake;
static struct snap *current;
static struct snap *oldest, *newest;	/* old snapshots still in use */
static settings_builder builder;
static int reload_forced, stopping, watcher_running;
static pthread_t watcher;

/* the watcher's state (only the watcher thread touches it after init) */
static struct {
	int failing;			/* the last reload failed */
	struct file_stamp failed_stamp[TF_COUNT];	/* ... on these files */
	char error[1024];		/* ... with this reason */
	unsigned backoff_ms;
	struct timespec next_retry, next_warn;	/* monotonic */
	int settling;			/* a changed file is being written */
	struct status st;		/* what status_write shows */
	char status_file[SETTINGS_PATH_MAX], socket[SETTINGS_PATH_MAX];
	char control_dir[SETTINGS_PATH_MAX], rules_file[SETTINGS_PATH_MAX];
} w;

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

/* A new snapshot; prev (the current one, or NULL) shares the pieces of
 * the files that did not change. */
static struct snap *
build(const struct tables *prev, char *err, size_t errlen)
{
	struct settings s;
	struct snap *sn = calloc(1, sizeof(*sn));

	if (sn == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (builder(&s, err, errlen) != 0 ||
	    tables_load(&sn->t, &s, prev, warn_log, NULL, err, errlen) != 0) {
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

/* Fill in the memory figures of the status (and the files the tables
 * come from); 1 if the figures changed. */
static int
usage_status(void)
{
	unsigned n = 0;
	size_t cur, old = 0;

	pthread_mutex_lock(&lock);
	/* which files the tables in use come from (qrelayctl lint) */
	snprintf(w.control_dir, sizeof(w.control_dir), "%s",
		 current->t->s.control_dir);
	snprintf(w.rules_file, sizeof(w.rules_file), "%s",
		 current->t->s.rules_file);
	cur = tables_bytes_apart(current->t, NULL);
	for (struct snap *x = oldest; x; x = x->newer) {
		n++;
		old += tables_bytes_apart(x->t, current->t);
	}
	pthread_mutex_unlock(&lock);
	if (cur == w.st.tables_bytes && n == w.st.old_snapshots &&
	    old == w.st.old_bytes)
		return 0;
	w.st.tables_bytes = cur;
	w.st.old_snapshots = n;
	w.st.old_bytes = old;
	return 1;
}

static void
publish_status(void)
{
	usage_status();
	w.st.error = w.failing ? w.error : NULL;
	status_write(w.status_file, &w.st);
	if (w.failing)
		notify_status("STALE tables since %lld: %s",
			      (long long)w.st.stale_since, w.error);
	else
		notify_status("serving on %s", w.socket);
}

int
snapshot_init(settings_builder b, char *err, size_t errlen)
{
	pthread_condattr_t ca;

	/* the watcher's waits must not jump with the wall clock */
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&wake, &ca);
	pthread_condattr_destroy(&ca);
	builder = b;
	current = build(NULL, err, errlen);
	if (current == NULL)
		return -1;
	snprintf(w.status_file, sizeof(w.status_file), "%s",
		 current->t->s.status_file);
	snprintf(w.socket, sizeof(w.socket), "%s", current->t->s.socket);
	w.st.socket = w.socket;
	w.st.control_dir = w.control_dir;
	w.st.rules_file = w.rules_file;
	w.st.started = w.st.loaded = time(NULL);
	return 0;
}

int
snapshot_expired(const struct snap *sn)
{
	int e;

	pthread_mutex_lock(&lock);
	e = sn->expired;
	pthread_mutex_unlock(&lock);
	return e;
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
	int last;

	if (sn == NULL)
		return;
	pthread_mutex_lock(&lock);
	last = --sn->refs == 0;
	if (last && sn != current && (sn->older || sn->newer ||
				       oldest == sn)) {
		/* an old snapshot's last session: off the list */
		if (sn->older)
			sn->older->newer = sn->newer;
		else
			oldest = sn->newer;
		if (sn->newer)
			sn->newer->older = sn->older;
		else
			newest = sn->older;
	}
	pthread_mutex_unlock(&lock);
	if (last) {
		popref_drop(sn->pop);
		tables_free(sn->t);
		free(sn);
	}
}


/* Retire old snapshots past the bounds (see MAX_OLD_SNAPSHOTS): oldest
 * first, and only those replaced at least OLD_GRACE_S ago, unless there
 * are more than MAX_OLD_SNAPSHOTS.  Called at every reload and every
 * time the watcher wakes up. */
static void
retire_old(void)
{
	unsigned retired = 0;
	int valid = 0;
	size_t limit, held = 0;
	time_t now = clock_mono_s();

	pthread_mutex_lock(&lock);
	if (current == NULL || oldest == NULL) {
		pthread_mutex_unlock(&lock);
		return;
	}
	limit = 2 * tables_bytes_apart(current->t, NULL);
	if (limit < OLD_BYTES_MIN)
		limit = OLD_BYTES_MIN;
	for (struct snap *x = oldest; x; x = x->newer)
		if (!x->expired) {
			valid++;
			held += tables_bytes_apart(x->t, current->t);
		}
	for (struct snap *x = oldest;
	     x && (valid > MAX_OLD_SNAPSHOTS || held > limit); x = x->newer) {
		if (x->expired)
			continue;
		if (valid <= MAX_OLD_SNAPSHOTS && now - x->replaced < OLD_GRACE_S)
			break;	/* newer ones are younger still */
		x->expired = 1;
		valid--;
		held -= tables_bytes_apart(x->t, current->t);
		retired += x->refs;
	}
	pthread_mutex_unlock(&lock);
	if (retired)
		log_msg(LOG_WARNING, "warning: %u session(s) still use tables that changed several reloads ago; they are tempfailed at their next command, so that old tables do not pile up",
			retired);
}

/* Make sn current; the previous one stays alive while sessions use it,
 * on the list of old snapshots (retire_old bounds them). */
static void
install(struct snap *sn)
{
	struct snap *old;

	pthread_mutex_lock(&lock);
	old = current;
	current = sn;
	if (old && --old->refs == 0) {
		pthread_mutex_unlock(&lock);
		popref_drop(old->pop);
		tables_free(old->t);
		free(old);
		return;
	}
	if (old) {
		old->replaced = clock_mono_s();
		old->older = newest;
		old->newer = NULL;
		if (newest)
			newest->newer = old;
		else
			oldest = old;
		newest = old;
	}
	pthread_mutex_unlock(&lock);
	retire_old();
}

/* One reload attempt.  A failure keeps the current tables; it is logged
 * when its reason is new, retried with back-off, and said again every
 * stale_warn_interval while it lasts (stale_warn). */
static void
reload(int forced, const struct file_stamp *before)
{
	char err[1024];
	struct snap *sn;
	struct timespec t0;
	int was_failing = w.failing;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	sn = build(current->t, err, sizeof(err));
	if (sn == NULL) {
		w.st.failed_reloads++;
		if (!w.failing || forced || strcmp(err, w.error) != 0)
			log_msg(LOG_ERR, "reload failed, keeping the previous tables: %s",
				err);
		if (!w.failing) {
			w.st.stale_since = time(NULL);
			w.backoff_ms = RETRY_FIRST_MS;
			clock_gettime(CLOCK_MONOTONIC, &w.next_warn);
			clock_ts_add_ms(&w.next_warn,
					(unsigned)current->t->s.stale_warn_ms);
		} else if (w.backoff_ms < RETRY_MAX_MS) {
			w.backoff_ms = w.backoff_ms * 2 > RETRY_MAX_MS ?
				RETRY_MAX_MS : w.backoff_ms * 2;
		}
		w.failing = 1;
		snprintf(w.error, sizeof(w.error), "%s", err);
		memcpy(w.failed_stamp, before, sizeof(w.failed_stamp));
		clock_gettime(CLOCK_MONOTONIC, &w.next_retry);
		clock_ts_add_ms(&w.next_retry, w.backoff_ms);
		publish_status();
		return;
	}
	install(sn);
	w.st.reloads++;
	w.st.loaded = time(NULL);
	if (was_failing)
		log_msg(LOG_NOTICE, "reloaded tables%s in %.1f ms: up to date again after %lld s on stale tables",
			forced ? " (forced)" : "", clock_ms_since(&t0),
			(long long)(w.st.loaded - w.st.stale_since));
	else
		log_msg(LOG_INFO, "reloaded tables%s in %.1f ms",
			forced ? " (forced)" : "", clock_ms_since(&t0));
	w.failing = 0;
	w.st.stale_since = 0;
	publish_status();
}

/* While reloads fail, say so again every stale_warn_interval: a grant
 * the admin revoked may still be in force. */
static void
stale_warn(void)
{
	if (!w.failing || !clock_ts_passed(&w.next_warn))
		return;
	log_msg(LOG_ERR, "running on stale tables for %lld s (since the reload at %lld failed); changes to the files are not in force: %s",
		(long long)(time(NULL) - w.st.stale_since),
		(long long)w.st.stale_since, w.error);
	clock_gettime(CLOCK_MONOTONIC, &w.next_warn);
	clock_ts_add_ms(&w.next_warn, (unsigned)current->t->s.stale_warn_ms);
	publish_status();
}

/* When the watcher must look again: the poll interval, and while
 * failing, the next retry and the next stale warning. */
static int
next_wakeup(struct timespec *ts)
{
	int interval = current->t->s.reload_interval_ms, have = 0;

	if (w.settling)
		interval = interval > 0 && interval < 100 ? interval : 100;
	if (interval > 0) {
		clock_gettime(CLOCK_MONOTONIC, ts);
		clock_ts_add_ms(ts, (unsigned)interval);
		have = 1;
	}
	if (w.failing) {
		const struct timespec *c[2] = { &w.next_retry, &w.next_warn };

		for (int i = 0; i < 2; i++)
			if (!have || c[i]->tv_sec < ts->tv_sec ||
			    (c[i]->tv_sec == ts->tv_sec &&
			     c[i]->tv_nsec < ts->tv_nsec)) {
				*ts = *c[i];
				have = 1;
			}
	}
	return have;
}

static void *
watch(void *arg)
{
	(void)arg;
	publish_status();
	pthread_mutex_lock(&lock);
	while (!stopping) {
		struct file_stamp now[TF_COUNT];
		const struct file_stamp *ref;
		struct timespec ts;
		int forced, changed;

		if (!reload_forced) {
			if (next_wakeup(&ts))
				pthread_cond_timedwait(&wake, &lock, &ts);
			else
				pthread_cond_wait(&wake, &lock);
		}
		if (stopping)
			break;
		forced = reload_forced;
		reload_forced = 0;
		pthread_mutex_unlock(&lock);
		/* only this thread replaces current: no lock needed to read it */
		stamp_files(current->t, now);
		ref = w.failing ? w.failed_stamp : current->t->stamp;
		changed = !stamp_equal(now, ref);
		/* a file written in the last SETTLE_MS may be half written
		 * (cp and editors write in place): look again shortly */
		w.settling = changed && !forced &&
			!stamp_settled(now, ref, SETTLE_MS);
		if (!w.settling &&
		    (forced || changed || (w.failing &&
		     clock_ts_passed(&w.next_retry))))
			reload(forced, now);
		stale_warn();
		retire_old();
		if (usage_status())
			publish_status();
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
	status_remove(w.status_file);
}
