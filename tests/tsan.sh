#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# tsan.sh - the daemon built with ThreadSanitizer (build-tsan/), under
# bench/loadgen at 20 concurrent sessions while its files are replaced,
# edited in place and reloaded by signal, over and over, with DNSBL zones
# on a real rbldnsd (answers cached for 2 s, so both the cache and the
# resolver thread work) and control/dnsbllist rewritten: no data race
# reported, every session answered, no wrong verdict.
#
#   sh tests/tsan.sh [SECONDS]     (default 20; needs the bench programs
#                                   of QR_BUILD, default build/)
# Prints "ok"/"not ok" lines and last "N passed, N failed".
set -u
cd "$(dirname "$0")/.."
secs=${1:-20}
QR_BUILD=${QR_BUILD:-build}
LG=$QR_BUILD/bench/loadgen
. tests/daemon/lib.sh
. tests/lib/rbldnsd.sh
trap 'rbl_stop' EXIT
tb=build-tsan
if ! sh scripts/build.sh "$tb" CFLAGS="-fsanitize=thread -g -O1" \
	LDFLAGS="-fsanitize=thread" >"$QD_WORK/build.log" 2>&1; then
	bad "TSan build"; tail -n 20 "$QD_WORK/build.log" | sed 's/^/#   /'
	finish; exit 1
fi
QD_BIN=$tb/src/qrelay-milter
t=$QD_WORK/tables
sh bench/gentables.sh "$t" 20000 20000 1000 5000 || bad "gentables"
mkdir -p "$QD_WORK/rbl"
chmod 755 "$QD_WORK"
printf '$SOA 60 ns.bl.test. hm.bl.test. 1 60 60 60 60\n:127.0.0.2:Listed $\n203.0.113.1\n' > "$QD_WORK/rbl/bl.zone"
rbl_start "$QD_WORK/rbl" bl1.test:ip4set:bl.zone bl2.test:ip4set:bl.zone \
	bl3.test:ip4set:bl.zone || bad "rbldnsd starts"
printf 'dnsbl_zones = { "bl1.test", "-bl2.test:Listed %%IP%%" }\ndnsbl_servers = { "127.0.0.1:%s" }\ndnsbl_cache_ttl = 2\n' \
	"$RBL_PORT" > "$QD_WORK/q.conf"
export TSAN_OPTIONS="halt_on_error=0 second_deadlock_stack=1 suppressions=$(pwd)/tests/tsan.supp"
qd_start -c "$QD_WORK/q.conf" -d "$t/control" -x "$t/tcp.smtp.cdb" ||
	{ bad "TSan daemon start"; finish; exit 1; }
"$LG" -s "inet:$QD_PORT@127.0.0.1" -t "$t/traffic" -c 20 -d "$secs" > "$QD_WORK/lg.out" 2>&1 &
lg=$!
end=$(( $(date +%s) + secs ))
k=0
while [ "$(date +%s)" -lt "$end" ] && proc_alive "$QD_PID"; do
	case $((k % 5)) in
	0) cp "$t/control/rcpthosts" "$t/control/rcpthosts.new" &&
		mv "$t/control/rcpthosts.new" "$t/control/rcpthosts" ;;
	1) echo "@spam$k.example" >> "$t/control/badmailfrom" ;;
	2) kill -USR1 "$QD_PID" ;;
	3) tcprules "$t/tcp.smtp.cdb" "$t/tcp.tmp" < "$t/tcp.smtp" ;;
	4) printf 'bl3.test\n# %s\n' "$k" > "$t/control/dnsbllist" ;;
	esac
	k=$((k + 1))
	sleep 0.3
done
wait "$lg"
out=$(tail -n 1 "$QD_WORK/lg.out")
echo "# loadgen: $out"
case $out in
*" tempfail=0 failed=0 wrong=0") ok "loadgen under TSan with $k file changes and reloads: 0 failed, 0 wrong" ;;
*) bad "loadgen under TSan: $out" ;;
esac
n=$(grep -c 'reloaded tables' "$QD_LOG")
check "the daemon reloaded ($n times)" [ "$n" -gt 10 ]
check "the DNSBL zones were asked ($(rbl_queries) queries)" [ "$(rbl_queries)" -gt 100 ]
qd_stop
races=$(grep -c 'WARNING: ThreadSanitizer' "$QD_LOG")
if [ "$races" -eq 0 ]; then
	ok "ThreadSanitizer: no report"
else
	bad "ThreadSanitizer: $races reports:"
	grep -A 12 'WARNING: ThreadSanitizer' "$QD_LOG" | head -n 60 | sed 's/^/#   /'
fi
check "stopped cleanly ($QD_STATUS)" [ "$QD_STATUS" -eq 0 ]
finish
