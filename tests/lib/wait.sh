# SPDX-License-Identifier: BSD-2-Clause
# wait.sh - ports and processes for the test and benchmark scripts
# (sourced, POSIX sh, from the repository root).  Ports are read from
# /proc/net/tcp and tcp6, so no ss or netstat is needed.  Every wait has a
# generous bound, for a loaded machine, and ends early when the process it
# waits for is gone.
#
#   port_listening PORT     true if something listens on PORT (any address)
#   port_used PORT          true if PORT is in use in any state
#   port_free BASE          print the first port >= BASE not in use
#   port_wait PORT PID [SECS]
#                           wait until PORT listens; false if PID exits
#                           first (PID "-": a daemon that forked away) or
#                           after SECS seconds (default 30)
#   proc_alive PID          true while PID runs (a zombie counts as gone)
#   wait_until SECS CMD...  run CMD every 0.1 s until it succeeds (true) or
#                           SECS seconds have passed (false)
#   proc_stop PID [SECS]    SIGTERM, wait up to SECS (default 20) until PID
#                           is gone, then SIGKILL; reaps a child process and
#                           returns its exit status (127 if not a child)
#   queues_drain SECS PFXCONF MQUEUE...
#                           wait until the private Postfix (its config
#                           directory) and the Sendmail queue directories
#                           have nothing left to deliver; false, with what
#                           is left printed as '#' lines, after SECS

_port_match() {	# _port_match PORT STATE-REGEX
	_wait_hex=$(printf '%04X' "$1")
	cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | awk -v p=":$_wait_hex" -v st="$2" \
		'substr($2, length($2) - 4) == p && $4 ~ st { f = 1 } END { exit !f }'
}

port_listening() { _port_match "$1" '^0A$'; }

port_used() { _port_match "$1" '.'; }

port_free() {
	_wait_p=$1
	while port_used "$_wait_p"; do _wait_p=$((_wait_p + 1)); done
	echo "$_wait_p"
}

proc_alive() {
	[ -r "/proc/$1/stat" ] || return 1
	case $(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1) in
	'' | Z | X) return 1 ;;
	esac
}

port_wait() {
	_wait_n=$((${3:-30} * 10))
	while ! port_listening "$1"; do
		[ "$2" = - ] || proc_alive "$2" || return 1
		_wait_n=$((_wait_n - 1))
		[ "$_wait_n" -gt 0 ] || return 1
		sleep 0.1
	done
}

proc_stop() {
	[ -n "$1" ] || return 0
	kill -TERM "$1" 2>/dev/null
	_wait_n=$((${2:-20} * 10))
	while proc_alive "$1" && [ "$_wait_n" -gt 0 ]; do
		sleep 0.1
		_wait_n=$((_wait_n - 1))
	done
	proc_alive "$1" && kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}

wait_until() {
	_wait_n=$(($1 * 10))
	shift
	until "$@"; do
		_wait_n=$((_wait_n - 1))
		[ "$_wait_n" -gt 0 ] || return 1
		sleep 0.1
	done
}

queues_drain() {
	_wait_n=$(($1 * 10))
	_qd_pfx=$2
	shift 2
	while [ "$_wait_n" -gt 0 ]; do
		case $(postqueue -c "$_qd_pfx" -p 2>/dev/null | tail -n 1) in
		*"queue is empty"*)
			ls "$@" 2>/dev/null | grep -q '^[qd]f' || return 0
			;;
		esac
		_wait_n=$((_wait_n - 1))
		sleep 0.1
	done
	echo "# queues did not drain:"
	postqueue -c "$_qd_pfx" -p | sed 's/^/#   /'
	for _qd_q in "$@"; do
		for _qd_f in "$_qd_q"/qf*; do
			[ -f "$_qd_f" ] && echo "# $_qd_f: $(grep -a '^[RM]' "$_qd_f" | tr '\n' ' ')"
		done
	done
	return 1
}
