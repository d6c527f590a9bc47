#!/bin/sh
# socket.sh - unix socket ownership and mode, pidfile, privilege drop, and
# the one-time warning when the MTA sends no MAIL FROM macros.
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
i=0
while [ ! -S "$w/run/qrelay.sock" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
sleep 0.3
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

# without socket_mode the socket is left to the umask (never world-writable)
: > "$QD_LOG"
(umask 027 && exec "$QD_BIN" -f -p "unix:$w/run/plain.sock" -d "$w/ctl" 2>>"$QD_LOG") &
QD_PID=$!
i=0
while [ ! -S "$w/run/plain.sock" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
check "no socket_mode: mode follows the umask 027 ($(stat -c %a "$w/run/plain.sock" 2>/dev/null))" \
	[ "$(stat -c %a "$w/run/plain.sock" 2>/dev/null)" = 750 ]
qd_stop

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
