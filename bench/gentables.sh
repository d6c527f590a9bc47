#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# gentables.sh - big qmail tables and mixed traffic for the benchmarks.
#
#   sh bench/gentables.sh DIR [RCPTHOSTS_LINES [CDB_DOMAINS [RULES [TRAFFIC]]]]
#
# Defaults 100000, 1000000, 10000, 20000.  Writes:
#   DIR/control/rcpthosts           h<N>.rh.test, every 10th also as .h<N>.rh.test
#   DIR/control/morercpthosts.cdb   m<N>.mrh.test, built with tinycdb's cdb -c
#                                   the way qmail-newmrh keys it
#   DIR/tcp.smtp, DIR/tcp.smtp.cdb  RULES rules compiled by the real tcprules:
#                                   10.x.y.z RELAYCLIENT, 192.0.2.x deny,
#                                   172.16-31.x. prefixes allow, then ":allow"
#   DIR/traffic                     ip|host|auth|from|rcpt|expect lines:
#     30% hosted in rcpthosts, 30% hosted in the cdb (both accept),
#     20% foreign (reject), 10% RELAYCLIENT clients to foreign domains,
#     10% SMTP AUTH users to foreign domains (both accept).
set -eu
dir=$1
nrh=${2:-100000}
ncdb=${3:-1000000}
nrules=${4:-10000}
ntraffic=${5:-20000}
mkdir -p "$dir/control"
echo mta.bench.test > "$dir/control/me"

awk -v n="$nrh" 'BEGIN { for (i = 0; i < n; i++) {
	if (i % 10 == 9) printf ".h%07d.rh.test\n", i; else printf "h%07d.rh.test\n", i } }' \
	> "$dir/control/rcpthosts.tmp"
mv "$dir/control/rcpthosts.tmp" "$dir/control/rcpthosts"

if [ "$ncdb" -gt 0 ]; then
	awk -v n="$ncdb" 'BEGIN { for (i = 0; i < n; i++) {
		k = sprintf("m%07d.mrh.test", i); printf "+%d,0:%s->\n", length(k), k }
		print "" }' |
		cdb -c -t "$dir/control/morercpthosts.cdb.tmp" "$dir/control/morercpthosts.cdb"
else
	rm -f "$dir/control/morercpthosts.cdb"
fi

# rules: 40% single relay IPs, 10% deny, 50% /24 prefixes, catch-all allow last
awk -v n="$nrules" 'BEGIN { for (i = 0; i < n; i++) {
	k = i % 10
	if (k < 4) printf "10.%d.%d.%d:allow,RELAYCLIENT=\"\"\n", int(i / 65536) % 256, int(i / 256) % 256, i % 256
	else if (k == 4) printf "192.0.%d.%d:deny\n", int(i / 256) % 256, i % 256
	else printf "172.%d.%d.:allow,NOTE=\"p%d\"\n", 16 + int(i / 256) % 16, i % 256, i }
	print ":allow" }' > "$dir/tcp.smtp"
tcprules "$dir/tcp.smtp.cdb" "$dir/tcp.smtp.tmp" < "$dir/tcp.smtp"

awk -v n="$ntraffic" -v nrh="$nrh" -v ncdb="$ncdb" -v nrules="$nrules" 'BEGIN {
	srand(42)
	for (i = 0; i < n; i++) {
		k = i % 10
		ip = sprintf("198.51.%d.%d", int(i / 256) % 256, i % 256)
		from = sprintf("<s%d@sender.example>", i)
		if (k < 3) {
			j = int(rand() * nrh)
			d = sprintf("h%07d.rh.test", j)
			if (j % 10 == 9) d = "sub." d	# matches the .suffix entry
			printf "%s|-|-|%s|<u%d@%s>|accept\n", ip, from, i, d
		} else if (k < 6 && ncdb > 0) {
			printf "%s|-|-|%s|<u%d@m%07d.mrh.test>|accept\n", ip, from, i, int(rand() * ncdb)
		} else if (k < 8) {
			printf "%s|-|-|%s|<u%d@x%d.foreign.test>|reject\n", ip, from, i, i
		} else if (k == 8) {
			r = int(rand() * (nrules / 10)) * 10 + int(rand() * 4)	# a RELAYCLIENT rule
			if (r >= nrules) r = 0
			printf "10.%d.%d.%d|-|-|%s|<u%d@x%d.foreign.test>|accept\n", int(r / 65536) % 256, int(r / 256) % 256, r % 256, from, i, i
		} else {
			printf "%s|-|user%d@bench.test|%s|<u%d@x%d.foreign.test>|accept\n", ip, i, from, i, i
		}
	} }' > "$dir/traffic"
