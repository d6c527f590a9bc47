#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# docs.sh - the manual pages are clean and complete: mandoc finds nothing to
# warn about; every configuration key of the key table (src/conf/conf.c) is
# described in qrelay-milter.conf(5) and present in the sample
# etc/qrelay-milter.conf; every option of both programs is in its page;
# the documents point at nothing a reader of the repository cannot open.
#
#   sh tests/docs.sh       Prints "ok"/"not ok" lines and "N passed, N failed".
set -u
cd "$(dirname "$0")/.."
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok - $*"; }
bad() { fail=$((fail + 1)); echo "not ok - $*"; }

for m in man/*.[58]; do
	out=$(mandoc -T lint -W warning "$m" 2>&1)
	if [ -z "$out" ]; then ok "mandoc -T lint: $m is clean"
	else bad "mandoc -T lint $m:"; echo "$out" | sed 's/^/#   /'; fi
done

keys=$(sed -n 's/^[[:space:]]*K[RW]*("\([a-z_0-9]*\)",.*/\1/p' src/conf/conf.c)
n=$(echo "$keys" | wc -w)
[ "$n" -gt 30 ] || bad "read only $n keys from src/conf/conf.c"
undoc= unsampled=
for k in $keys; do
	# described: named on a .B / .BR / .BI line of the page
	grep -Eq "^\.B[RI]? (.*[ \"])?$k([ \"]|\$)" man/qrelay-milter.conf.5 ||
		undoc="$undoc $k"
	grep -Eq "^#? ?$k[[:space:]]*=" etc/qrelay-milter.conf || unsampled="$unsampled $k"
done
if [ -z "$undoc" ]; then ok "qrelay-milter.conf(5) describes all $n keys"
else bad "qrelay-milter.conf(5) lacks:$undoc"; fi
if [ -z "$unsampled" ]; then ok "etc/qrelay-milter.conf shows all $n keys"
else bad "etc/qrelay-milter.conf lacks:$unsampled"; fi

opts=$(sed -n 's/.*getopt_long(argc, argv, "\([^"]*\)".*/\1/p' src/milter/main.c | tr -d ':')
missing=
for o in $(echo "$opts" | sed 's/./& /g'); do
	grep -Eq "^\.B[RI]? (.*[ \"])?\\\\-$o([ \"]|\$)" man/qrelay-milter.8 || missing="$missing -$o"
done
if [ -n "$opts" ] && [ -z "$missing" ]; then ok "qrelay-milter(8) describes options -$opts"
else bad "qrelay-milter(8) lacks options:$missing (getopt string \"$opts\")"; fi
missing=
for c in check allow expire list status lint; do
	grep -q "^\.B $c\b\|^\.BR $c\b\|^\.SS $c\b\|^\.B \"$c" man/qrelayctl.8 || missing="$missing $c"
done
if [ -z "$missing" ]; then ok "qrelayctl(8) describes check, allow, expire, list, status, lint"
else bad "qrelayctl(8) lacks:$missing"; fi

refs=$(grep -rnE '\.\./shared|shared/spec|qmail-semantics|anchors\.md|milter-integration\.md|issue #[0-9]' \
	README.md man etc examples debian doc bench src tests/*.sh tests/*/*.sh \
	tests/*/*.vec tests/*/*.pl tests/vectors/README.md 2>/dev/null | grep -v '^tests/docs.sh:')
if [ -z "$refs" ]; then ok "documents and sources point only at what the repository holds"
else bad "documents point outside the repository:"; echo "$refs" | sed 's/^/#   /'; fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
