# bench/lib.sh - helpers shared by the benchmark scripts (sourced, POSIX sh).
#
# Needs: QR_BUILD (build dir), BW (work dir).  Daemons listen on free
# loopback ports from 32000 up.  Results go to $BW/rows as
#   ROW|what|figure|baseline|ratio|target|verdict
# which bench/run.sh prints as one table.
B=${QR_BUILD:-build}
QD=$B/src/qrelay-milter
LG=$B/bench/loadgen
NOOP=$B/bench/noop-milter
CB=$B/bench/corebench

bl_listening() { ss -ltnH "sport = :$1" 2>/dev/null | grep -q .; }

bl_port() {	# a free port >= $1 (default 32000)
	p=${1:-32000}
	while bl_listening "$p"; do p=$((p + 1)); done
	echo "$p"
}

bl_wait_port() {	# bl_wait_port PORT PID
	i=0
	while ! bl_listening "$1"; do
		i=$((i + 1))
		if [ $i -gt 300 ] || ! kill -0 "$2" 2>/dev/null; then
			echo "bench: nothing listens on $1" >&2
			return 1
		fi
		sleep 0.05
	done
}

bl_stop() {	# bl_stop PID: SIGTERM, wait until gone (libmilter takes ~4 s)
	[ -n "$1" ] || return 0
	kill -TERM "$1" 2>/dev/null
	i=0
	while kill -0 "$1" 2>/dev/null && [ $i -lt 200 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	return 0
}

# bl_qrelay PORT CONTROL RULES LOG: start the daemon; sets QPID
bl_qrelay() {
	"$QD" -f -p "inet:$1@127.0.0.1" -d "$2" -x "$3" 2>"$4" &
	QPID=$!
	echo "$QPID" >> "$BW/pids"
	bl_wait_port "$1" "$QPID"
}

# bl_noop PORT [FLAGS]: start the no-op milter; sets NPID
bl_noop() {
	_p=$1
	shift
	"$NOOP" -p "inet:$_p@127.0.0.1" "$@" 2>/dev/null &
	NPID=$!
	echo "$NPID" >> "$BW/pids"
	bl_wait_port "$_p" "$NPID"
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

# RSS of a process in kB: total, anonymous, file-backed (the mmapped cdbs)
bl_rss() { awk '/^VmRSS:/ { t = $2 } /^RssAnon:/ { a = $2 } /^RssFile:/ { f = $2 } END { print t, a, f }' "/proc/$1/status"; }

bl_row() {	# bl_row WHAT FIGURE BASELINE RATIO TARGET VERDICT
	echo "ROW|$1|$2|$3|$4|$5|$6" >> "$BW/rows"
	echo "  $1: $2 (baseline $3, ratio $4; target $5: $6)"
}

bl_note() { echo "NOTE|$*" >> "$BW/rows"; echo "  note: $*"; }

# met/missed: bl_ge VALUE TARGET
bl_ge() { awk -v a="$1" -v b="$2" 'BEGIN { print (a >= b) ? "met" : "MISSED" }'; }
bl_le() { awk -v a="$1" -v b="$2" 'BEGIN { print (a <= b) ? "met" : "MISSED" }'; }
