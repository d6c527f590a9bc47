#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# tap.sh - run one of the suite's tests for automake's TAP driver
# (make check): its "ok - ..." / "not ok - ..." lines are TAP already;
# this adds the plan at the end, and a failure if the test exited
# non-zero without saying what failed.
#
#   sh tests/tap.sh TEST.sh
set -u
out=$(mktemp)
trap 'rm -f "$out"' EXIT
sh "$1" >"$out" 2>&1
rc=$?
cat "$out"
n=$(grep -Ec '^(not )?ok( |$)' "$out")
nf=$(grep -c '^not ok' "$out")
if [ "$rc" -ne 0 ] && [ "$nf" -eq 0 ]; then
	echo "not ok - $1 exited with status $rc"
	n=$((n + 1))
fi
echo "1..$n"
