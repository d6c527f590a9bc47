/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tap.h - a tiny test reporter: "ok N - name" / "not ok N - name" lines and
 * a closing "N passed, N failed" line, as the project's test runner expects.
 */
#ifndef QR_TAP_H
#define QR_TAP_H

#include <stdio.h>
#include <string.h>

static int tap_n, tap_fail;

#define CHECK(cond, ...) do { \
	tap_n++; \
	if (cond) { printf("ok %d - ", tap_n); } \
	else { tap_fail++; printf("not ok %d - %s:%d: ", tap_n, __FILE__, __LINE__); } \
	printf(__VA_ARGS__); putchar('\n'); \
} while (0)

#define CHECK_STR(got, want, name) do { \
	const char *g_ = (got), *w_ = (want); \
	CHECK(g_ && w_ ? strcmp(g_, w_) == 0 : g_ == w_, "%s: got \"%s\" want \"%s\"", \
	      name, g_ ? g_ : "(null)", w_ ? w_ : "(null)"); \
} while (0)

static int
tap_done(void)
{
	printf("%d passed, %d failed\n", tap_n - tap_fail, tap_fail);
	return tap_fail ? 1 : 0;
}

#endif
