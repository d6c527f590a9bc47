/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz_addr.c - libFuzzer harness for the envelope address reader
 * (core/addr.h): any bytes, read as the text and as the MTA's reading of
 * it (split at the first NUL), never crash; the results are consistent.
 */
#include "core/addr.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	const char *mta;
	struct env_addr a, m;
	uint32_t ip;

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	mta = memchr(data, '\0', size) ? text + strlen(text) + 1 : NULL;
	if (addr_parse(&a, text) == 0) {
		if (a.len != strlen(a.addr) || a.len > ADDR_MAX)
			abort();
		if (a.domain && (a.domain < a.addr || a.domain > a.addr + a.len))
			abort();
		if (a.local_len > a.len)
			abort();
		(void)addr_has_routing(&a);
		if (a.domain)
			(void)addr_ipv4_literal(a.domain, &ip);
		if (mta && addr_parse(&m, mta) == 0 && addr_agree(&a, &m) != addr_agree(&a, &m))
			abort();
		/* an address always agrees with itself */
		if (addr_agree(&a, &a) != 1 && a.form != ADDR_AMBIGUOUS)
			abort();
	}
	free(text);
	return 0;
}
