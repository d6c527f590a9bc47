/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * backend.c - what the SMTP-after-POP backends share (see backend.h).
 */
#include "config.h"
#include "backend.h"

#include <stdarg.h>
#include <stdio.h>

void
pop_logf(const struct pop_log *log, int prio, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (log && log->fn)
		log->fn(log->arg, prio, msg);
	else
		fprintf(stderr, "%s\n", msg);
}
