#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# test.sh - the README's test command: install, build, run every test.
#
# Builds twice, out of tree: build/ (-Werror) and build-asan/ (ASan+UBSan,
# also -Werror), and runs the whole suite (tests/run-all.sh) against each;
# with the first, also the tarball (make distcheck) and the Debian package.
# The last line is the combined "N passed, N failed".
set -eu
cd "$(dirname "$0")/.."
sh scripts/install-deps.sh
sh scripts/build.sh build
san="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined -g -O1"
sh scripts/build.sh build-asan CFLAGS="$san" LDFLAGS="-fsanitize=address,undefined"

status=0
log=$(mktemp)
echo "== normal build (-Werror)"
QR_BUILD=build QR_DIST=1 sh tests/run-all.sh 2>&1 | tee "$log" || status=1
n1=$(tail -n 1 "$log")
echo "== ASan+UBSan build"
QR_BUILD=build-asan ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	sh tests/run-all.sh 2>&1 | tee "$log" || status=1
n2=$(tail -n 1 "$log")
rm -f "$log"
p1=$(echo "$n1" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed.*/\1/p')
f1=$(echo "$n1" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed.*/\2/p')
s1=$(echo "$n1" | sed -n 's/^[0-9]* passed, [0-9]* failed, \([0-9]*\) skipped.*/\1/p')
p2=$(echo "$n2" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed.*/\1/p')
f2=$(echo "$n2" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed.*/\2/p')
s2=$(echo "$n2" | sed -n 's/^[0-9]* passed, [0-9]* failed, \([0-9]*\) skipped.*/\1/p')
: "${p1:=0}" "${f1:=1}" "${p2:=0}" "${f2:=1}" "${s1:=0}" "${s2:=0}"
[ $((f1 + f2)) -eq 0 ] || status=1
if [ $((s1 + s2)) -gt 0 ]; then
	echo "$((p1 + p2)) passed, $((f1 + f2)) failed, $((s1 + s2)) skipped"
else
	echo "$((p1 + p2)) passed, $((f1 + f2)) failed"
fi
exit $status
