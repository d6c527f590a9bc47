#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# socket.sh - unix socket ownership and mode, a socket in use, pidfile,
# privilege drop, where the log goes, and the one-time warning when the MTA
# sends no MAIL FROM macros.
set -u
cd "$(dirname "$0")/../.."
. tests/daemon/lib.sh
w=$QD_WORK
chmod 755 "$w"
mkdir -p "$w/ctl" "$w/run"
chown nobody "$w/run"	# like /run/qrelay-milter owned by the daemon user
echo example.com > "$w/ctl/rcpthosts"
cat > "$w/q.conf" <<CONF
socket = "unix:$w/run/qrelay.sock"
control_dir = "$w/ctl"
pidfile = "$w/run/qrelay.pid"
socket_group = "nogroup"
socket_mode = "0660"
user = "nobody"
CONF
"$QD_BIN" -f -c "$w/q.conf" 2>"$QD_LOG" &
QD_PID=$!
wait_until 30 sh -c "grep -q ' started on ' '$QD_LOG'"
check "unix socket created" [ -S "$w/run/qrelay.sock" ]
check "socket_mode 0660 applied ($(stat -c %a "$w/run/qrelay.sock" 2>/dev/null))" \
	[ "$(stat -c %a "$w/run/qrelay.sock" 2>/dev/null)" = 660 ]
check "socket_group applied ($(stat -c %G "$w/run/qrelay.sock" 2>/dev/null))" \
	[ "$(stat -c %G "$w/run/qrelay.sock" 2>/dev/null)" = nogroup ]
check "pidfile holds the daemon's pid" [ "$(cat "$w/run/qrelay.pid" 2>/dev/null)" = "$QD_PID" ]
uid=$(awk '/^Uid:/ { print $2 }' /proc/$QD_PID/status 2>/dev/null)
check "privileges dropped to nobody (uid $uid)" [ "$uid" = "$(id -u nobody)" ]
qd_stop
check "pidfile removed at exit" [ ! -e "$w/run/qrelay.pid" ]

# a second daemon on the same unix socket: refused, and the first one keeps
# its socket (libmilter alone would unlink it and take it over)
"$QD_BIN" -f -c "$w/q.conf" 2>"$QD_LOG" &
QD_PID=$!
wait_until 30 test -S "$w/run/qrelay.sock"
ino=$(stat -c %i "$w/run/qrelay.sock")
timeout 20 "$QD_BIN" -f -p "unix:$w/run/qrelay.sock" -d "$w/ctl" >"$w/second.out" 2>&1
rc=$?
check "second daemon on a live unix socket exits non-zero ($rc)" [ "$rc" -ne 0 -a "$rc" -ne 124 ]
check "... and says the socket is in use" grep -q 'is in use: another milter answers on it' "$w/second.out"
check "... and the first daemon keeps its socket" [ "$(stat -c %i "$w/run/qrelay.sock")" = "$ino" ]
qd_stop
# a stale socket file (its daemon was killed) is taken over
"$QD_BIN" -f -c "$w/q.conf" 2>"$QD_LOG" &
QD_PID=$!
wait_until 30 test -S "$w/run/qrelay.sock"
sleep 0.3
kill -KILL "$QD_PID"; wait "$QD_PID" 2>/dev/null; QD_PID=
check "a killed daemon leaves its socket behind" [ -S "$w/run/qrelay.sock" ]
rm -f "$w/run/qrelay.pid"
"$QD_BIN" -f -c "$w/q.conf" 2>"$QD_LOG" &
QD_PID=$!
check "a stale socket is replaced at start" wait_until 30 sh -c "grep -q ' started on ' '$QD_LOG'"
qd_stop

# the pidfile is never written through a symlink
ln -s "$w/victim" "$w/run/qrelay.pid"
echo untouched > "$w/victim"
timeout 20 "$QD_BIN" -f -c "$w/q.conf" >"$w/pid.out" 2>&1
check "pidfile that is a symlink: start refused ($?)" grep -q "pidfile $w/run/qrelay.pid: Too many levels of symbolic links" "$w/pid.out"
check "... and the symlink's target is untouched" [ "$(cat "$w/victim")" = untouched ]
rm -f "$w/run/qrelay.pid"

# without socket_mode the socket is 0660 whatever the umask
: > "$QD_LOG"
(umask 000 && exec "$QD_BIN" -f -p "unix:$w/run/plain.sock" -d "$w/ctl" 2>>"$QD_LOG") &
QD_PID=$!
wait_until 30 test -S "$w/run/plain.sock"
sleep 0.3
check "no socket_mode: 0660 even under umask 000 ($(stat -c %a "$w/run/plain.sock" 2>/dev/null))" \
	[ "$(stat -c %a "$w/run/plain.sock" 2>/dev/null)" = 660 ]
qd_stop

# where the log goes: -f logs to stderr (and syslog); under systemd, with
# JOURNAL_STREAM naming our stderr, lines carry a <priority> prefix and go
# to the journal only, so no line is written twice
: > "$w/j.log"
JOURNAL_STREAM=$(stat -c %d:%i "$w/j.log") "$QD_BIN" -n -p "unix:$w/run/j.sock" -d "$w/ctl/nonexistent" 2>>"$w/j.log" >/dev/null
check "under systemd's JOURNAL_STREAM: <3> prefix, no timestamp" grep -q '^<3>.*rcpthosts: missing' "$w/j.log"
: > "$w/j.log"
"$QD_BIN" -n -l journal -p "unix:$w/run/j.sock" -d "$w/ctl/nonexistent" 2>>"$w/j.log" >/dev/null
check "-l journal: <3> prefix" grep -q '^<3>.*rcpthosts: missing' "$w/j.log"
: > "$w/j.log"
JOURNAL_STREAM=1:1 "$QD_BIN" -n -p "unix:$w/run/j.sock" -d "$w/ctl/nonexistent" 2>>"$w/j.log" >/dev/null
check "JOURNAL_STREAM naming another file: plain stderr lines" sh -c "grep -q 'qrelay-milter: .*rcpthosts: missing' '$w/j.log' && ! grep -q '^<' '$w/j.log'"

# an MTA that sends no MAIL macros: warned about once, not per message
cat > "$w/nomacros.lua" <<'LUA'
for i = 1, 3 do
	local conn = mt.connect("inet:" .. port .. "@127.0.0.1", 40, 0.25)
	if conn == nil then error("connect") end
	mt.conninfo(conn, "[9.9.9.9]", "9.9.9.9")
	mt.mailfrom(conn, "<s@x.org>")
	mt.rcptto(conn, "<a@example.com>")
	mt.disconnect(conn)
end
LUA
: > "$QD_LOG"
qd_start -d "$w/ctl"
miltertest -D port="$QD_PORT" -s "$w/nomacros.lua" >/dev/null 2>&1
n=$(grep -c "sent no {mail_mailer} or {mail_addr} at MAIL FROM" "$QD_LOG")
check "missing MAIL macros logged exactly once over 3 sessions ($n)" [ "$n" -eq 1 ]
finish
