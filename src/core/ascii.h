/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ascii.h - ASCII-only case folding.  qmail's constmap and tcpserver fold
 * A-Z and nothing else, whatever the locale; so does everything here.
 */
#ifndef QR_ASCII_H
#define QR_ASCII_H

#include <stddef.h>

static inline char
ascii_tolower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* Lower-case s in place. */
static inline void
ascii_lower(char *s)
{
	for (; *s; s++)
		*s = ascii_tolower(*s);
}

/* 1 if a and b (n bytes each) are equal but for ASCII case. */
static inline int
ascii_equal(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (ascii_tolower(a[i]) != ascii_tolower(b[i]))
			return 0;
	return 1;
}

#endif
