/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz_conf.c - libFuzzer harness for the configuration file
 * (conf/conf.h over libconfuse): any bytes either load or are refused with
 * a message naming the file.
 */
#define _GNU_SOURCE
#include "conf/conf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	static char path[64];
	struct settings s;
	char err[1024];

	if (fd < 0) {
		fd = memfd_create("fuzz.conf", MFD_CLOEXEC);
		if (fd < 0)
			return 0;
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
		return 0;
	settings_defaults(&s);
	err[0] = '\0';
	if (config_load(&s, path, err, sizeof(err)) != 0 &&
	    strncmp(err, path, strlen(path)) != 0 && strstr(err, "memory") == NULL)
		abort();	/* a refusal names the file */
	return 0;
}
