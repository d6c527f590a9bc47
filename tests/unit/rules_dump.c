/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rules_dump.c - print a rules file the way `cdb -d` prints a cdb.
 *
 * Used by the tests to compare our tcprules text parser with Debian's real
 * tcprules: both must produce the same records in the same order.
 */
#include "config.h"
#include "tables/tcprules.h"

#include <stdio.h>

static int
dump(void *arg, const char *k, unsigned kl, const char *d, unsigned dl)
{
	(void)arg;
	printf("+%u,%u:", kl, dl);
	fwrite(k, 1, kl, stdout);
	fputs("->", stdout);
	fwrite(d, 1, dl, stdout);
	putchar('\n');
	return 0;
}

int
main(int argc, char **argv)
{
	struct rules *r;
	char err[1024];

	if (argc != 2) {
		fprintf(stderr, "usage: rules_dump FILE\n");
		return 2;
	}
	if (tcprules_load(&r, argv[1], NULL, NULL, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return 100;
	}
	rules_walk(r, dump, NULL);
	putchar('\n');
	rules_free(r);
	return 0;
}
