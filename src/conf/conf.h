/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * conf.h - read qrelay-milter.conf (libconfuse) into struct settings.
 */
#ifndef QR_CONF_H
#define QR_CONF_H

#include <stddef.h>

#include "core/settings.h"

/* Apply the file's keys on top of *s.  Returns 0, or -1 with
 * "file:line: why" in err. */
int config_load(struct settings *s, const char *path, char *err,
		size_t errlen);

#endif
