/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * clock.h - elapsed time and deadlines on the monotonic clock.
 */
#ifndef QR_CLOCK_H
#define QR_CLOCK_H

#include <time.h>

/* Milliseconds since t0 (taken with clock_gettime(CLOCK_MONOTONIC)). */
static inline double
clock_ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) * 1e3 +
	       (double)(t.tv_nsec - t0->tv_nsec) / 1e6;
}

/* Move t ms milliseconds later (ms >= 0). */
static inline void
clock_ts_add_ms(struct timespec *t, long ms)
{
	t->tv_sec += ms / 1000;
	t->tv_nsec += (ms % 1000) * 1000000L;
	if (t->tv_nsec >= 1000000000L) {
		t->tv_sec++;
		t->tv_nsec -= 1000000000L;
	}
}

/* 1 once the monotonic clock has reached t. */
static inline int
clock_ts_passed(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > t->tv_sec ||
	       (now.tv_sec == t->tv_sec && now.tv_nsec >= t->tv_nsec);
}

/* Seconds on the monotonic clock (for expiry times). */
static inline time_t
clock_mono_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec;
}

#endif
