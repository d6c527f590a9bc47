# SPDX-License-Identifier: BSD-2-Clause
# bench/lib.sh - helpers shared by the benchmark scripts (sourced, POSIX sh).
#
# Needs: QR_BUILD (build dir), BW (work dir); sourced from the repository
# root.  Daemons listen on free loopback ports from 32000 up.  Results go to $BW/rows as
#   ROW|what|figure|baseline|ratio|target|verdict
# which bench/run.sh prints as one table.
B=${QR_BUILD:-build}
QD=$B/src/qrelay-milter
LG=$B/bench/loadgen
NOOP=$B/bench/noop-milter
CB=$B/bench/corebench

# ports and processes: tests/lib/wait.sh (port_free, port_wait, proc_stop)
. tests/lib/wait.sh

# bl_qrelay PORT CONTROL RULES LOG: start the daemon; sets QPID
bl_qrelay() {
	"$QD" -f -p "inet:$1@127.0.0.1" -d "$2" -x "$3" 2>"$4" &
	QPID=$!
	echo "$QPID" >> "$BW/pids"
	port_wait "$1" "$QPID"
}

# bl_noop PORT [FLAGS]: start the no-op milter; sets NPID
bl_noop() {
	_p=$1
	shift
	"$NOOP" -p "inet:$_p@127.0.0.1" "$@" 2>/dev/null &
	NPID=$!
	echo "$NPID" >> "$BW/pids"
	port_wait "$_p" "$NPID"
}

# field NAME from a "k=v k=v" line on stdin
bl_field() { tr ' ' '\n' | sed -n "s/^$1=//p"; }

# median of the numbers given as arguments
bl_median() {
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
		if (NR == 0) { print "-"; exit }
		if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

bl_ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }

# RSS of a process in kB: total, anonymous, mapped (files and the sealed
# memfd copies of the cdbs: RssFile + RssShmem)
bl_rss() { awk '/^VmRSS:/ { t = $2 } /^RssAnon:/ { a = $2 } /^RssFile:/ { f += $2 } /^RssShmem:/ { f += $2 } END { print t, a, f }' "/proc/$1/status"; }

bl_row() {	# bl_row WHAT FIGURE BASELINE RATIO TARGET VERDICT
	echo "ROW|$1|$2|$3|$4|$5|$6" >> "$BW/rows"
	echo "  $1: $2 (baseline $3, ratio $4; target $5: $6)"
}

bl_note() { echo "NOTE|$*" >> "$BW/rows"; echo "  note: $*"; }

# met/missed: bl_ge VALUE TARGET
bl_ge() { awk -v a="$1" -v b="$2" 'BEGIN { print (a >= b) ? "met" : "MISSED" }'; }
bl_le() { awk -v a="$1" -v b="$2" 'BEGIN { print (a <= b) ? "met" : "MISSED" }'; }
