#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# loadgen-smoke.sh - the benchmark load generator works (verdicts, not timing).
#
# Small generated tables (bench/gentables.sh), 300 sessions at concurrency
# 10 through bench/loadgen against the daemon of this build and against
# bench/noop-milter; the verdict counts must be exact: 20% of the traffic
# is foreign (reject), the rest hosted, relay clients or AUTH (accept).
set -u
cd "$(dirname "$0")/../.."
. tests/daemon/lib.sh
LG=$QR_BUILD/bench/loadgen
NOOP=$QR_BUILD/bench/noop-milter
t=$QD_WORK/tables
sh bench/gentables.sh "$t" 1000 1000 100 500 || bad "gentables"

if qd_start -d "$t/control" -x "$t/tcp.smtp.cdb"; then
	out=$("$LG" -s "inet:$QD_PORT@127.0.0.1" -t "$t/traffic" -c 10 -n 300)
	echo "# qrelay-milter: $out"
	case $out in
	*" accept=240 reject=60 tempfail=0 failed=0 wrong=0") ok "loadgen vs qrelay-milter: 240 accept, 60 reject, 0 failed, 0 wrong" ;;
	*) bad "loadgen vs qrelay-milter: $out" ;;
	esac
	n=$(grep -c ' decision stage=rcpt ' "$QD_LOG")
	check "the daemon logged 300 RCPT decisions ($n)" [ "$n" -eq 300 ]
	qd_stop
else
	bad "daemon start"
fi

port=$(port_free $((QD_PORT + 1)))
"$NOOP" -p "inet:$port@127.0.0.1" 2>>"$QD_LOG" &
noop=$!
port_wait "$port" "$noop"
out=$("$LG" -N -s "inet:$port@127.0.0.1" -t "$t/traffic" -c 10 -n 300)
echo "# noop-milter: $out"
case $out in
*" accept=300 reject=0 tempfail=0 failed=0 wrong=0") ok "loadgen vs noop-milter: 300 accept" ;;
*) bad "loadgen vs noop-milter: $out" ;;
esac
kill -TERM "$noop" 2>/dev/null
wait "$noop" 2>/dev/null

# a refused connection is a failed session, not a verdict
out=$("$LG" -s "inet:$port@127.0.0.1" -t "$t/traffic" -c 2 -n 10)
case $out in
*" failed=10 wrong=0") ok "loadgen counts refused connections as failed" ;;
*) bad "loadgen with no milter: $out" ;;
esac
finish
