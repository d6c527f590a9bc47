/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * suffix.h - a domain and then each of its suffixes that starts at a '.',
 * in the order qmail's rcpthosts and tcpserver's "=.suffix" rules try
 * them: "a.b.c", ".b.c", ".c".
 *
 *	for (const char *p = domain; p; p = suffix_next(p))
 *		try(p);
 */
#ifndef QR_SUFFIX_H
#define QR_SUFFIX_H

#include <string.h>

static inline const char *
suffix_next(const char *p)
{
	return strchr(p + (*p == '.'), '.');
}

#endif
