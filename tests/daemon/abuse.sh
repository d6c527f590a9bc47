#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# abuse.sh - what a local process can do to the daemon must not stop it,
# wedge it, make it spin, or make it relay:
#   - thousands of SIGHUPs (and SIGUSR1s) while its stderr is blocked and
#     sessions are running: it keeps running and answers afterwards;
#   - more connections than max_connections: the extra ones are closed at
#     once, said once; running out of descriptors (EMFILE): said once, no
#     busy loop; a connection that trickles a frame is shut down after
#     max_session_time;
#   - a host name that did not forward-confirm ({client_resolve} FORGED)
#     never matches =host rules or relaydomains;
#   - a recipient that carries a newline and a fake verdict=accept cannot
#     forge a log line.
set -u
cd "$(dirname "$0")/../.."
. tests/daemon/lib.sh
w=$QD_WORK
chmod 755 "$w"
mkdir -p "$w/ctl"
echo example.com > "$w/ctl/rcpthosts"
echo .friends.example > "$w/ctl/relaydomains"
printf '127.0.0.1:allow,RELAYCLIENT=""\n=.trusted.example:allow,RELAYCLIENT=""\n:allow\n' > "$w/tcp.smtp"
cat > "$w/q.conf" <<CONF
control_dir = "$w/ctl"
rules = "$w/tcp.smtp"
max_connections = 20
max_session_time = 2
CONF
q() { qd_query "accept 250 | ${2:-9.9.9.9} | - | - | <s@x.org> | <a@$1> |"; }
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# --- signals while stderr is blocked ------------------------------------------------
mkfifo "$w/err"
cat "$w/err" > "$w/err.out" &
reader=$!
port=$(port_free 24000)
"$QD_BIN" -f -l both -p "inet:$port@127.0.0.1" -c "$w/q.conf" 2>"$w/err" &
QD_PID=$!
QD_PORT=$port
port_wait "$port" "$QD_PID" || bad "daemon start with stderr on a pipe"
kill -STOP "$reader"	# nobody reads stderr any more: the pipe fills up
{
	echo "control unused"
	i=0
	while [ $i -lt 400 ]; do
		echo "reject 553 | 9.9.9.9 | - | - | <s@x.org> | <a@evil.example> |"
		i=$((i + 1))
	done
} > "$w/load.vec"
qd_replay "$w/load.vec" "$port" >/dev/null 2>&1 &
load=$!
sleep 1
i=0
while [ $i -lt 3000 ]; do kill -HUP "$QD_PID" 2>/dev/null; i=$((i + 1)); done
i=0
while [ $i -lt 300 ]; do kill -USR1 "$QD_PID" 2>/dev/null; i=$((i + 1)); done
check "3000 SIGHUPs and 300 SIGUSR1s with stderr blocked, under load: still running" proc_alive "$QD_PID"
kill -CONT "$reader"	# stderr drains
wait "$load"
check "stderr drained: every session of the load was answered" \
	[ "$(grep -c ' decision stage=rcpt ' "$w/err.out" 2>/dev/null || echo 0)" -ge 400 ]
check "... and it answers new sessions" [ "$(q evil.example)" = replycode ]
check "... it never took a SIGHUP for \"stop\"" sh -c "! grep -q stopping '$w/err.out'"
qd_stop
check "SIGTERM still stops it, exit 0 ($QD_STATUS)" [ "$QD_STATUS" -eq 0 ]
wait "$reader" 2>/dev/null

# --- connection limits --------------------------------------------------------------
: > "$QD_LOG"
qd_start -c "$w/q.conf" || bad "daemon start"
perl tests/daemon/hold.pl "$QD_PORT" 25 idle > "$w/hold.out" 2>&1 &
holder=$!
wait_until 30 grep -q '^open' "$w/hold.out"
check "25 idle connections, max_connections 20: the limit is said once" \
	wait_until 30 sh -c "[ \$(grep -c 'milter connections are open, the limit' '$QD_LOG') -eq 1 ]"
check "... a session while full is not accepted (the MTA then tempfails)" [ "$(q example.com)" != continue ]
t0=$(ticks "$QD_PID"); sleep 3; t1=$(ticks "$QD_PID")
check "... and the daemon does not spin ($((t1 - t0)) ticks in 3 s)" [ $((t1 - t0)) -lt 60 ]
kill "$holder"; wait "$holder" 2>/dev/null
check "idle connections gone: sessions are answered again" wait_until 30 sh -c "[ \"\$(QD_PORT=$QD_PORT; . tests/daemon/lib.sh; QD_PORT=$QD_PORT; printf 'control unused\naccept 250 | 9.9.9.9 | - | - | <s@x.org> | <a@example.com> |\n' > '$w/ok.vec'; qd_replay '$w/ok.vec' $QD_PORT 2>/dev/null | sed -n 's/^VECTOR 1 //p')\" = continue ]"

# running out of descriptors: said once, no busy loop
prlimit --pid "$QD_PID" --nofile=12:
perl tests/daemon/hold.pl "$QD_PORT" 15 idle > "$w/hold.out" 2>&1 &
holder=$!
wait_until 30 grep -q '^open' "$w/hold.out"
check "out of descriptors: said once" \
	wait_until 30 sh -c "[ \$(grep -c 'cannot accept milter connections: Too many open files' '$QD_LOG') -eq 1 ]"
t0=$(ticks "$QD_PID"); sleep 3; t1=$(ticks "$QD_PID")
check "... and no busy loop ($((t1 - t0)) ticks in 3 s)" [ $((t1 - t0)) -lt 60 ]
kill "$holder"; wait "$holder" 2>/dev/null
prlimit --pid "$QD_PID" --nofile="$(prlimit --pid "$QD_PID" --nofile -o HARD --noheadings):"
check "descriptors back: sessions are answered again" \
	wait_until 30 sh -c "[ \"\$(QD_PORT=$QD_PORT; . tests/daemon/lib.sh; QD_PORT=$QD_PORT; qd_replay '$w/ok.vec' $QD_PORT 2>/dev/null | sed -n 's/^VECTOR 1 //p')\" = continue ]"
check "... and that is said" grep -q 'accepting milter connections again' "$QD_LOG"

# a frame trickled byte by byte: shut down after max_session_time (2 s; the
# watchdog looks every 5 s)
perl tests/daemon/hold.pl "$QD_PORT" 1 trickle > "$w/trickle.out" 2>&1
check "a trickled frame is cut off: $(tail -n 1 "$w/trickle.out")" \
	grep -Eq '^closed after ([2-9]|1[0-9]) s' "$w/trickle.out"
check "... and that is logged" grep -q 'shut down 1 milter connection(s) open longer than max_session_time' "$QD_LOG"

# --- host names that did not forward-confirm -------------------------------------------
host_case() {	# host_case NAME HOST RESOLVE|- WANT(continue|replycode) IP
	if [ "$3" = - ]; then r=; else r="-D resolve=$3"; fi
	# shellcheck disable=SC2086
	got=$(miltertest -D port="$QD_PORT" -D ip="$5" -D host="$2" $r \
		-D rcpt='<a@evil.example>' -s tests/daemon/conn.lua 2>/dev/null |
		sed -n 's/^RCPT //p')
	v=$(grep " client=$5 " "$QD_LOG" | tail -n 1 | sed -n 's/.* verdict=\([a-z]*\) .*/\1/p')
	if [ "$v" = "$4" ]; then ok "$1 ($v)"; else bad "$1: verdict $v, want $4"; fi
}
host_case "=.trusted.example rule, name confirmed (OK): relays" mx.trusted.example OK accept 9.9.9.31
host_case "... name FORGED: the rule does not match" mx.trusted.example FORGED reject 9.9.9.32
host_case "... name TEMP (not confirmed): no match" mx.trusted.example TEMP reject 9.9.9.33
host_case "... no {client_resolve} (the MTA's own check stands): relays" mx.trusted.example - accept 9.9.9.34
host_case "relaydomains .friends.example, name FORGED: no match" a.friends.example FORGED reject 9.9.9.35
host_case "relaydomains .friends.example, name OK: relays" a.friends.example OK accept 9.9.9.36

# --- a recipient cannot forge a log line ------------------------------------------------
n0=$(grep -c ' decision stage=' "$QD_LOG")
miltertest -D port="$QD_PORT" -D ip=9.9.9.40 -D host='[9.9.9.40]' \
	-D rcpt='<a@evil.example>\nqrelay-milter[1]: decision stage=rcpt client=9.9.9.40 verdict=accept reply="250" reason="x" " verdict=accept' \
	-s tests/daemon/conn.lua >/dev/null 2>&1
n1=$(grep -c ' decision stage=' "$QD_LOG")
check "a recipient with a newline and a fake verdict: one decision line" [ $((n1 - n0)) -eq 1 ]
line=$(grep ' client=9.9.9.40 ' "$QD_LOG" | tail -n 1)
check "... verdict=reject, the fake text escaped inside rcpt=\"...\"" sh -c \
	"echo '$(echo "$line" | sed "s/'/'\\\\''/g")' | grep -q 'rcpt=\"<a@evil.example>\\\\x0aqrelay-milter\\[1\\]: decision stage=rcpt client=9.9.9.40 verdict=accept reply=\\\\\"250\\\\\".* verdict=reject reply=\"553 '"
check "... no line of the log starts with the forged text" sh -c "! grep -q '^qrelay-milter\\[1\\]' '$QD_LOG'"
finish
