/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * localip.h - this host's IPv4 addresses, for qmail's localiphost rule.
 */
#ifndef QR_LOCALIP_H
#define QR_LOCALIP_H

#include <stdint.h>

/* The IPv4 addresses of the interfaces that are up, plus 0.0.0.0 (qmail's
 * ipme always holds it).  Returns the count (>= 1), or -1 on error.  *out
 * is malloc'ed. */
int localip_v4(uint32_t **out);

#endif
