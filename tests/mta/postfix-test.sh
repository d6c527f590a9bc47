#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# postfix-test.sh - the quick start as a test: a real private Postfix with
# the README's snippet, wired to the daemon of this build; a relay attempt
# must get 553 5.7.1, a hosted and a relay-client delivery must be queued,
# each confirmed by the milter's decision log (see scripts/quickstart.sh).
set -u
cd "$(dirname "$0")/../.."
out=$(mktemp)
QS_SKIP_DEPS=1 QS_SKIP_BUILD=1 QRELAY_MILTER="${QR_BUILD:-.}/src/qrelay-milter" \
	sh scripts/quickstart.sh > "$out" 2>&1
rc=$?
p=$(grep -c '^ *PASS' "$out")
f=$(grep -c 'FAIL' "$out")
if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
sed 's/^/# /' "$out"
# the README's Postfix snippet must be exactly the one tested here
sed -n '/^# >>> qrelay-milter documented snippet/,/^# <<< /{/^#/d;p;}' tests/mta/postfix.sh |
	sed 's/\$2/inet:127.0.0.1:8893/' > "$out"
if [ -s "$out" ] && awk 'NR == FNR { want[$0] = 1; n++; next } ($0 in want) { found++ } END { exit !(found == n) }' \
	"$out" README.md; then
	p=$((p + 1)); echo "ok - README's Postfix snippet is the tested one"
else
	f=$((f + 1)); echo "not ok - README's Postfix snippet differs from tests/mta/postfix.sh"
fi
rm -f "$out"
echo "$p passed, $f failed"
[ "$f" -eq 0 ]
