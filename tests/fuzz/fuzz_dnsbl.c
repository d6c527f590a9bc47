/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz_dnsbl.c - libFuzzer harness for DNSBL zone lists and decisions
 * (core/dnsbl.h): any bytes parse as control/dnsbllist or are refused
 * with "path:line: why"; every zone gives a query name for an IPv4 and an
 * IPv6 client; answers taken from the input never give a block without a
 * 451/553 and a clean text, nor a pass with a refusal, and a failed
 * lookup under dnsbl_fail_closed never passes.
 */
#include "core/dnsbl.h"
#include "core/ip.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dnsbl_list l;
	struct dnsbl_result r[DNSBL_MAX_ZONES];
	struct client_ip ip4, ip6;
	struct verdict v;
	char err[700], q[300];
	size_t half = size / 2;

	memset(&l, 0, sizeof(l));
	if (dnsbl_parse(&l, (const char *)data, half, "dnsbllist", "/c/dnsbllist",
			err, sizeof(err)) != 0) {
		if (strncmp(err, "/c/dnsbllist:", 13) != 0)
			abort();	/* an error names the file and line */
		return 0;
	}
	ip_parse(&ip4, "192.0.2.7");
	ip_parse(&ip6, "2001:db8::1");
	memset(r, 0, sizeof(r));
	for (size_t i = 0; i < l.n; i++) {
		unsigned char b = i < size - half ? data[half + i] : 0;

		if (l.zone[i].zone[0] == '\0' || strlen(l.zone[i].zone) > 200)
			abort();
		(void)dnsbl_qname(&ip4, l.zone[i].zone, q, sizeof(q));
		(void)dnsbl_qname(&ip6, l.zone[i].zone, q, sizeof(q));
		r[i].answer = (enum dnsbl_answer)(b & 3);
		dnsbl_clean((const char *)data + half, size - half, r[i].text,
			    sizeof(r[i].text));
		memcpy(r[i].error, "test", 5);
	}
	for (int fc = 0; fc < 2; fc++) {
		enum dnsbl_decision d = dnsbl_decide(&l, r, &ip4, fc, 1, &v);
		int failed = 0;

		if (d == DNSBL_WAIT)
			abort();	/* final: always decided */
		if (d == DNSBL_PASS && v.action != VERDICT_ACCEPT)
			abort();
		if (d == DNSBL_BLOCK &&
		    (v.action == VERDICT_ACCEPT ||
		     (strcmp(v.reply.code, "451") && strcmp(v.reply.code, "553"))))
			abort();
		for (const char *p = v.reply.text; d == DNSBL_BLOCK && *p; p++)
			if ((unsigned char)*p < 32 || (unsigned char)*p > 126)
				abort();
		for (size_t i = 0; i < l.n; i++)
			if (r[i].answer == DNSBL_FAILED ||
			    r[i].answer == DNSBL_PENDING)
				failed = 1;
		/* fail closed: some lookup failed and nothing allowed first */
		if (fc && failed && d == DNSBL_PASS &&
		    strstr(v.reason, "allow-listed") == NULL)
			abort();
	}
	return 0;
}
