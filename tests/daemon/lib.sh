# SPDX-License-Identifier: BSD-2-Clause
# lib.sh - helpers for tests that run the real daemon (sourced, POSIX sh).
#
# qd_start ARGS...   start qrelay-milter -f on a free loopback port ($QD_PORT)
#                    with ARGS, stderr to $QD_LOG; waits until it listens
# qd_stop            SIGTERM and wait until the process is gone
# qd_query VECLINE   one session through miltertest; prints its reply type
# qd_replay VEC PORT replay a .vec file through miltertest against PORT
#                    (tests/milter/vectors.lua), its output on stdout
# ok/bad/finish      test accounting; finish prints "N passed, N failed"
QR_BUILD=${QR_BUILD:-.}
QD_BIN=$QR_BUILD/src/qrelay-milter
QD_WORK=$(mktemp -d)
QD_LOG=$QD_WORK/daemon.log
QD_PID=
qd_pass=0 qd_fail=0

qd_skip=0
ok() { qd_pass=$((qd_pass + 1)); echo "ok - $*"; }
bad() { qd_fail=$((qd_fail + 1)); echo "not ok - $*"; }
skip() { qd_skip=$((qd_skip + 1)); echo "ok - # SKIP $*"; }
check() {	# check NAME CMD...: ok if CMD succeeds
	name=$1; shift
	if "$@"; then ok "$name"; else bad "$name"; fi
}
finish() {
	qd_stop
	rm -rf "$QD_WORK"
	if [ "$qd_skip" -gt 0 ]; then
		echo "$qd_pass passed, $qd_fail failed, $qd_skip skipped"
	else
		echo "$qd_pass passed, $qd_fail failed"
	fi
	[ "$qd_fail" -eq 0 ]
}

. tests/lib/wait.sh

qd_start() {
	QD_PORT=$(port_free "${QD_PORT_BASE:-$((20000 + $$ % 5000))}")
	"$QD_BIN" -f -p "inet:$QD_PORT@127.0.0.1" "$@" 2>>"$QD_LOG" &
	QD_PID=$!
	if ! port_wait "$QD_PORT" "$QD_PID"; then
		echo "# daemon did not start:"; sed 's/^/#   /' "$QD_LOG"
		QD_PID=
		return 1
	fi
}

qd_stop() {
	[ -n "$QD_PID" ] || return 0
	proc_stop "$QD_PID" 15
	QD_STATUS=$?
	QD_PID=
}

# qd_query "accept 250 | 9.9.9.9 | - | - | <s@x.org> | <a@b> |" -> continue/replycode/...
qd_replay() {
	awk -f tests/vectors/vecread.awk "$1" >"$1.rec" &&
		miltertest -D recfile="$1.rec" -D port="$2" -s tests/milter/vectors.lua
}

qd_query() {
	printf 'control unused\n%s\n' "$1" > "$QD_WORK/q.vec"
	qd_replay "$QD_WORK/q.vec" "$QD_PORT" 2>/dev/null | sed -n 's/^VECTOR 1 //p'
}

# the verdict of the last decision line in the log
qd_last_verdict() {
	grep ' decision stage=' "$QD_LOG" | tail -n 1 | sed -n 's/.* verdict=\([a-z]*\) .*/\1/p'
}
