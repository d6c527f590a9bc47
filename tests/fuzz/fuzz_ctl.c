/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz_ctl.c - libFuzzer harness for control files (core/ctllines.h,
 * core/tables.h tables_set_list, core/strset.h): any bytes load as
 * rcpthosts and relayclients; every line that loads is found again.
 */
#include "core/ctllines.h"
#include "core/strset.h"
#include "core/tables.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct settings s;
	struct tables *t;
	struct ctl_lines l;
	char err[512], *a, *b;

	settings_defaults(&s);
	if ((a = malloc(size + 1)) == NULL || (b = malloc(size + 1)) == NULL) {
		free(a);
		return 0;
	}
	memcpy(a, data, size);
	a[size] = '\0';
	memcpy(b, a, size + 1);
	if (ctl_lines_split(&l, b, size) == 0) {
		struct strset *set = strset_new(l.n);

		for (size_t i = 0; set && i < l.n; i++)
			if (strset_add(set, l.v[i].text, l.v[i].len,
				       l.v[i].lineno) != 0)
				abort();
		for (size_t i = 0; set && i < l.n; i++)
			if (strset_find(set, l.v[i].text, l.v[i].len) == 0)
				abort();	/* a loaded line is found */
		strset_free(set);
		ctl_lines_free(&l);
	}
	if ((t = tables_new(&s)) == NULL) {
		free(a);
		return 0;
	}
	if (tables_set_list(t, TF_RCPTHOSTS, a, size, NULL, NULL, err,
			    sizeof(err)) == 0)
		(void)tables_finish(t, NULL, NULL, err, sizeof(err));
	tables_free(t);
	return 0;
}
