/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * clock.h - elapsed time on the monotonic clock.
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

/* Seconds on the monotonic clock (for expiry times). */
static inline time_t
clock_mono_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec;
}

#endif
