#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# run.sh - build and run the libFuzzer harnesses (Debian's clang).
#
#   sh tests/fuzz/run.sh [SECONDS]       each harness for SECONDS (default 60)
#   sh tests/fuzz/run.sh --runs N        each harness for N inputs (the suite
#                                        runs this with a small N)
#
# Each harness is built with -fsanitize=fuzzer,address,undefined from the
# sources it needs, into $QR_BUILD/fuzz (QR_BUILD: a configured build dir,
# for config.h; default build).  The seeds are tests/fuzz/seeds/NAME; what
# libFuzzer finds is kept in $QR_BUILD/fuzz/corpus/NAME, crashes in
# $QR_BUILD/fuzz/crash-NAME-*.  Prints a line per harness (executions,
# corpus size) and last "N passed, N failed": a harness fails if it
# crashes, leaks or trips a sanitizer or its oracle.
# FUZZ_HARNESSES: the harnesses to run (default: all).
set -u
cd "$(dirname "$0")/../.."
build=${QR_BUILD:-build}
mode=-max_total_time=${1:-60}
if [ "${1:-}" = --runs ]; then mode=-runs=${2:-10000}; fi
out=$build/fuzz
mkdir -p "$out"
pass=0 fail=0
CC=${FUZZ_CC:-clang}
if ! command -v "$CC" >/dev/null 2>&1; then
	echo "not ok - $CC is not installed (scripts/install-deps.sh installs clang)"
	echo "0 passed, 1 failed"; exit 1
fi
if [ ! -f "$build/config.h" ]; then
	echo "not ok - $build/config.h missing: configure a build first (scripts/build.sh build)"
	echo "0 passed, 1 failed"; exit 1
fi
CFLAGS="-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -I$build -Isrc -DSYSCONFDIR=\"/etc\""
CORE="src/core/verdict.c src/core/settings.c src/core/ip.c src/core/addr.c src/core/ctllines.c src/core/strset.c src/core/cdbmap.c src/core/rules.c src/core/tables.c src/core/dnsbl.c src/core/policy.c src/core/rewrite.c"
TABLES="src/tables/file.c src/tables/ctlfile.c src/tables/cdbfile.c src/tables/tcprules.c"
for name in ${FUZZ_HARNESSES:-addr rules ctl cdb conf decision dnsbl}; do
	case $name in
	addr | dnsbl) srcs="$CORE" libs="-lcdb" ;;
	rules | ctl | cdb | decision) srcs="$CORE $TABLES" libs="-lcdb" ;;
	conf) srcs="$CORE src/conf/conf.c" libs="-lcdb -lconfuse" ;;
	esac
	bin=$out/fuzz_$name
	# shellcheck disable=SC2086
	if ! $CC $CFLAGS -o "$bin" "tests/fuzz/fuzz_$name.c" $srcs $libs 2>"$out/$name.build.log"; then
		fail=$((fail + 1)); echo "not ok - fuzz_$name does not build:"
		sed 's/^/#   /' "$out/$name.build.log" | tail -n 20
		continue
	fi
	mkdir -p "$out/corpus/$name"
	seeds=tests/fuzz/seeds/$name
	[ -d "$seeds" ] || seeds=
	# shellcheck disable=SC2086
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		"$bin" "$mode" -rss_limit_mb=2048 -max_len=4096 -print_final_stats=1 \
		-artifact_prefix="$out/crash-$name-" "$out/corpus/$name" $seeds \
		>"$out/$name.log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/$name.log")
	units=$(ls "$out/corpus/$name" | wc -l)
	if [ $rc -eq 0 ]; then
		pass=$((pass + 1))
		echo "ok - fuzz_$name: ${execs:-?} executions, corpus $units"
	else
		fail=$((fail + 1))
		echo "not ok - fuzz_$name (exit $rc) after ${execs:-?} executions:"
		grep -E 'ERROR|SUMMARY|==[0-9]+==|abort|runtime error|Test unit written' "$out/$name.log" |
			head -n 12 | sed 's/^/#   /'
	fi
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
