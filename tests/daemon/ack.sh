#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# ack.sh - no delayed-ACK stall over TCP, whatever way the MTA writes.
#
# Sendmail writes the macros and their command as two packets, with
# Nagle's algorithm on: the command waits until the macros are ACKed, and
# a delayed ACK held it about 40 ms at connect and at RCPT.  The daemon
# ACKs a packet that gets no reply at once (src/milter/guard.c).  Played
# by tests/daemon/mta-writes.pl against the daemon:
#   - Sendmail's way over TCP: every reply right, the median connect and
#     RCPT replies under 40 ms (a delayed ACK is 40 ms or more, every
#     time), or, on a busy machine, under the unix socket's plus 30 ms;
#   - Postfix's way (macros and command in one write) over TCP, Nagle on
#     too (MAIL FROM gets no reply, so the RCPT write waits for its ACK),
#     and Sendmail's way over a unix socket: the same;
#   - every byte its own write: the packets are still read and answered
#     right (the daemon follows packet boundaries to know which packet got
#     no reply).
set -u
cd "$(dirname "$0")/../.."
. tests/daemon/lib.sh
W=$QD_WORK
UPID=
trap '[ -n "$UPID" ] && proc_stop "$UPID"; qd_stop' EXIT
mkdir -p "$W/control"
echo example.com >"$W/control/rcpthosts"

qd_start -d "$W/control" || { bad "daemon starts on TCP"; finish; exit 1; }
"$QD_BIN" -f -p "unix:$W/q.sock" -d "$W/control" 2>>"$W/unix.log" &
UPID=$!
wait_until 30 test -S "$W/q.sock" || bad "daemon starts on a unix socket"

hosted=user@example.com foreign=victim@elsewhere.test
# run NAME MODE SOCKET SESSIONS: the replies in $W/NAME.out
run() {
	if ! perl tests/daemon/mta-writes.pl "$2" "$3" "$4" "$hosted" "$foreign" \
		>"$W/$1.out" 2>"$W/$1.err"; then
		bad "$1: the session failed: $(head -c 300 "$W/$1.err")"
		return 1
	fi
}
# replies NAME SESSIONS: every connect got "c", every hosted RCPT "c",
# every foreign RCPT "y 553"
replies() {
	_want=$(($2 * 2))
	_good=$(awk -v h="$hosted" -v f="$foreign" '
		$1 == "connect" && $2 == "c" { n++ }
		$1 == "rcpt" && $2 == h && $3 == "c" { n++ }
		$1 == "rcpt" && $2 == f && $3 == "y" && $4 == "553" { n++ }
		END { print n + 0 }' "$W/$1.out")
	if [ "$_good" = "$_want" ]; then ok "$1: all $_want replies right"; else
		bad "$1: $_good of $_want replies right:"; sed 's/^/#   /' "$W/$1.out" | head -n 20; fi
}
# median NAME STAGE: the median reply time (ms) of connect or rcpt
median() {
	awk -v x="$2" '$1 == x { print $NF }' "$W/$1.out" | sort -g |
		awk '{ v[NR] = $1 } END { print NR ? v[int((NR + 1) / 2)] : 999 }'
}
# fast NAME [BASE]: no delayed-ACK stall at connect and RCPT.  A delayed
# ACK holds a reply 40 ms or more, every time; a busy machine slows every
# reply, the unix socket's too (it has no delayed ACK at all).  So the
# median must stay under 40 ms, or under the unix socket's median of the
# same run (BASE, per stage) plus 30 ms.
fast() {
	for _x in connect rcpt; do
		_med=$(median "$1" "$_x")
		_lim=40
		if [ -n "${2:-}" ]; then
			_b=$(median "$2" "$_x")
			_lim=$(awk -v b="$_b" 'BEGIN { print (b + 30 > 40) ? b + 30 : 40 }')
		fi
		_slow=$(awk -v x="$_x" '$1 == x && $NF >= 40 { n++ } END { print n + 0 }' "$W/$1.out")
		if awk -v m="$_med" -v l="$_lim" 'BEGIN { exit !(m < l) }'; then
			ok "$1: $_x replies: median $_med ms, under $_lim ($_slow took 40 ms or more)"
		else
			bad "$1: $_x replies: median $_med ms, want under $_lim ($_slow took 40 ms or more; a delayed ACK?)"
		fi
	done
}

# the unix socket first: it is the same run's measure of the machine's load
run sendmail-unix sendmail "unix:$W/q.sock" 20 && { replies sendmail-unix 20; fast sendmail-unix; }
run sendmail-tcp sendmail "inet:$QD_PORT@127.0.0.1" 20 && { replies sendmail-tcp 20; fast sendmail-tcp sendmail-unix; }
run postfix-tcp postfix "inet:$QD_PORT@127.0.0.1" 20 && { replies postfix-tcp 20; fast postfix-tcp sendmail-unix; }
run bytes-tcp bytes "inet:$QD_PORT@127.0.0.1" 4 && replies bytes-tcp 4
# and the daemon still answers as before
run after sendmail "inet:$QD_PORT@127.0.0.1" 2 && replies after 2
if grep -q -i -e 'error' -e 'sanitizer' "$QD_LOG"; then
	bad "the daemon logged an error:"; grep -i -e 'error' -e 'sanitizer' "$QD_LOG" | head -n 5 | sed 's/^/#   /'
else
	ok "the daemon logged no error"
fi
proc_stop "$UPID"
UPID=
finish
