/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * load.h - a snapshot (core/tables.h) from the files a configuration
 * names: rcpthosts, morercpthosts.cdb, the tcpserver rules, IndiMail's
 * relayclients / relaydomains / relaymailfrom(.cdb), badmailfrom, me and
 * localiphost, read the way qmail reads them.
 */
#ifndef QR_LOAD_H
#define QR_LOAD_H

#include <stddef.h>

#include "core/tables.h"

/* Returns 0 and a new snapshot, or -1 with "file[:line]: why" in err.
 * prev (or NULL) is the snapshot in use: the files that have not changed
 * since it was read are not read again, their pieces are shared. */
int tables_load(struct tables **out, const struct settings *s,
		const struct tables *prev, tables_warn_fn warn, void *warnarg,
		char *err, size_t errlen);

#endif
