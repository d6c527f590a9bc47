/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz_rules.c - libFuzzer harness for the tcp.smtp compiler
 * (tables/tcprules.h) and the rule lookup (core/rules.h): any text either
 * compiles or is refused with a message naming a line; compiled rules
 * answer lookups for a few addresses and names.
 */
#include "core/rules.h"
#include "tables/tcprules.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const ips[] = {
		"127.0.0.1", "10.1.2.3", "192.0.2.7", "::1", "2001:db8::7",
	};
	static const char *const hosts[] = { NULL, "mx.example.com", "a" };
	struct rules *r = NULL;
	struct rule_match m;
	char err[1024], why[512], desc[1024];

	err[0] = '\0';
	if (tcprules_compile(&r, (const char *)data, size, "fuzz.smtp", NULL,
			     NULL, err, sizeof(err)) != 0) {
		if (strncmp(err, "fuzz.smtp", 9) != 0)
			abort();	/* every refusal names the file */
		return 0;
	}
	for (size_t i = 0; i < sizeof(ips) / sizeof(ips[0]); i++)
		for (size_t j = 0; j < sizeof(hosts) / sizeof(hosts[0]); j++)
			if (rules_lookup(r, ips[i], hosts[j], NULL, &m) == 0 && m.found)
				rules_describe(r, &m, desc, sizeof(desc));
	(void)rules_relay_for_all(r, why, sizeof(why));
	rules_free(r);
	return 0;
}
