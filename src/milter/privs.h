/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * privs.h - the daemon's user and group.  Started as root, it opens its
 * socket and then becomes the configured user before it reads a table,
 * so the first load and every reload read with the same rights.
 */
#ifndef QR_PRIVS_H
#define QR_PRIVS_H

#include <stddef.h>

#include "core/settings.h"

/* The id of the user (or group) a setting names; "" leaves *id as it is.
 * 0, or -1 with "key name: no such user/group" in err. */
int privs_id(const char *key, const char *name, int group, unsigned *id,
	     char *err, size_t errlen);

/* Check that user, group, socket_owner and socket_group exist. */
int privs_check(const struct settings *s, char *err, size_t errlen);

/* Become user (and group, or the user's group) if running as root and a
 * user is set.  0, or -1 with the reason in err. */
int privs_drop(const struct settings *s, char *err, size_t errlen);

#endif
