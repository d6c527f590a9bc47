/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz_cdb.c - libFuzzer harness for lookups in a cdb whose bytes are
 * arbitrary (core/cdbmap.h over tinycdb): a corrupt database gives "found",
 * "not found" or an error, never a read outside it.
 */
#define _GNU_SOURCE
#include "core/cdbmap.h"
#include "tables/cdbfile.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const keys[] = {
		"example.com", "a", "", "more.example", "192.0.2.7", "=",
	};
	struct cdbmap m;
	char err[512];
	int fd = memfd_create("fuzz-cdb", MFD_CLOEXEC);

	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	if (cdbfile_map_fd(&m, fd, "fuzz.cdb", err, sizeof(err)) != 1)
		return 0;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const char *d;
		unsigned dl;
		struct cdbmap_probe p;

		if (cdbmap_find(&m, keys[i], (unsigned)strlen(keys[i]), &d,
				&dl) == 1 &&
		    (d < (const char *)m.cdb.cdb_mem ||
		     d + dl > (const char *)m.cdb.cdb_mem + m.size))
			abort();
		cdbmap_start(&m, &p, keys[i], (unsigned)strlen(keys[i]));
		(void)cdbmap_finish(&p);
	}
	cdbmap_close(&m);
	return 0;
}
