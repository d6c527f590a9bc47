#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# mysql.sh - SMTP-after-POP from the vpopmail and IndiMail `relay` tables in
# a real MariaDB server that this script installs a private datadir for and
# starts (unix socket only), through the daemon (miltertest) and a real
# private Postfix: fresh / stale / IPv6 rows, IndiMail's sender match,
# qrelayctl allow / list / expire, connection reuse, the database stopped
# mid-test (451 4.3.0 for foreign recipients, hosted ones still accepted,
# logged once) and started again (recovers without a restart), and a hung
# server (SIGSTOP: answers bounded by the timeouts).  A second daemon on
# another port, as a second MX host, reads the same table over TCP
# (127.0.0.1 only).
set -u
cd "$(dirname "$0")/../.."
. tests/pop/lib.sh
. tests/pop/mariadb.sh
. tests/mta/postfix.sh
CTL=$QR_BUILD/src/qrelayctl

if [ ! -x /usr/sbin/mariadbd ]; then
	bad "mariadb-server is not installed (scripts/install-deps.sh)"
	finish; exit 1
fi
if ! grep -q '^#define HAVE_MYSQL 1' "$QR_BUILD/config.h" 2>/dev/null; then
	bad "this build has no MySQL support (libmariadb-dev missing at configure time)"
	finish; exit 1
fi

W=$QD_WORK
DB=$W/db
PFX=$W/postfix
MX2_PID=
cleanup() {
	qd_stop
	[ -z "$MX2_PID" ] || kill -TERM "$MX2_PID" 2>/dev/null
	pfx_stop "$PFX" 2>/dev/null
	mdb_stop "$DB"
}
trap cleanup EXIT
# finish removes $W (and the server's pid file): stop everything first
end() { cleanup; finish; }

chmod 755 "$W"
mkdir -p "$W/control"
echo example.com > "$W/control/rcpthosts"

MDB_PORT=$(port_free 31306)
if mdb_setup "$DB" && mdb_start "$DB"; then
	ok "private MariaDB starts (socket $DB/sock, TCP 127.0.0.1:$MDB_PORT)"
else
	bad "private MariaDB starts"; end; exit 1
fi

# vpopmail's schema with ip_addr widened from char(18) for IPv6 (the README
# documents this change); IndiMail's likewise.
mdb_relay_tables "$DB"
mdb_sql "$DB" <<'SQL'
CREATE USER 'mx2'@'127.0.0.1' IDENTIFIED BY 'other';
GRANT SELECT ON vpopmail.relay TO 'mx2'@'127.0.0.1';
SQL

{
	echo "control_dir = \"$W/control\""
	echo "pop_before_smtp = mysql"
	echo "mysql_socket = \"$DB/sock\""
	echo "mysql_user = qrelay"
	echo "mysql_password = \"s3cret\""
	echo "mysql_schema = vpopmail"
	echo "pop_expiry = 600"
	echo "mysql_pool = 2"
} > "$W/vpop.conf"
sed 's/^mysql_schema = vpopmail/mysql_schema = indimail/' "$W/vpop.conf" > "$W/indi.conf"
# a second MX host: same table over TCP, a read-only account
sed -e "s|^mysql_socket = .*|mysql_host = \"127.0.0.1\"\nmysql_port = $MDB_PORT|" \
	-e 's/^mysql_user = .*/mysql_user = mx2/' -e 's/^mysql_password = .*/mysql_password = "other"/' \
	"$W/vpop.conf" > "$W/mx2.conf"

# --- qrelayctl against the table -------------------------------------------
check "qrelayctl allow (vpopmail)" "$CTL" -c "$W/vpop.conf" allow 192.0.2.7
check "qrelayctl allow IPv6, written in its canonical form" "$CTL" -c "$W/vpop.conf" allow 2001:DB8:0::7
old=$(( $(date +%s) - 700 ))
echo "INSERT INTO vpopmail.relay VALUES ('192.0.2.8', '$old');" | mdb_sql "$DB"
"$CTL" -c "$W/vpop.conf" list > "$W/list" 2>&1
check "qrelayctl list shows fresh and stale rows" sh -c "grep -q '^192.0.2.7 age=.* fresh' '$W/list' && grep -q '^2001:db8::7 age=' '$W/list' && grep -q '^192.0.2.8 age=70[0-9]s stale' '$W/list'"
"$CTL" check -c "$W/vpop.conf" --ip 192.0.2.7 '<a@evil.example>' > "$W/chk" 2>&1
check "qrelayctl check asks the table" grep -q '^accept .*mysql vpopmail relay table ip 192.0.2.7' "$W/chk"

# --- the daemon, vpopmail schema --------------------------------------------
qd_start -c "$W/vpop.conf" || { bad "daemon starts with the mysql backend"; end; exit 1; }
expect "vpopmail: fresh row relays" accept "$(pop_vec 192.0.2.7 '<s@x.org>' '<a@evil.example>')"
check "decision line names the table and address" grep -q 'verdict=accept .*reason="relay client: pop-before-smtp mysql vpopmail relay table ip 192.0.2.7 timestamp' "$QD_LOG"
expect "vpopmail: IPv6 row relays" accept "$(pop_vec 2001:db8::7 '<s@x.org>' '<a@evil.example>')"
expect "vpopmail: stale row (older than pop_expiry) does not" reject "$(pop_vec 192.0.2.8 '<s@x.org>' '<a@evil.example>')"
expect "vpopmail: unknown address does not" reject "$(pop_vec 192.0.2.99 '<s@x.org>' '<a@evil.example>')"
check "refusal says no pop-before-smtp login" sh -c "grep -F 'rcpt=\"<a@evil.example>\"' '$QD_LOG' | grep 'verdict=reject' | tail -n 1 | grep -q 'no pop-before-smtp login'"
expect "hosted recipient from an unknown address" accept "$(pop_vec 192.0.2.99 '<s@x.org>' '<a@example.com>')"
check "qrelayctl expire removes the stale row" sh -c "'$CTL' -c '$W/vpop.conf' expire | grep -q 'removed 1 stale' && ! '$CTL' -c '$W/vpop.conf' list | grep -q 192.0.2.8"

# a second MX host (its own daemon, TCP, read-only account) shares the login
MX2_PORT=$(port_free $((QD_PORT + 1)))
"$QD_BIN" -f -p "inet:$MX2_PORT@127.0.0.1" -c "$W/mx2.conf" 2>"$W/mx2.log" &
MX2_PID=$!
port_wait "$MX2_PORT" "$MX2_PID"
printf 'control unused\naccept 250 | 192.0.2.7 | - | - | <s@x.org> | <a@evil.example> |\n' > "$W/mx2.vec"
qd_replay "$W/mx2.vec" "$MX2_PORT" >/dev/null 2>&1
check "second MX host over TCP: the same login relays" grep -q 'verdict=accept .*mysql vpopmail relay table ip 192.0.2.7' "$W/mx2.log"
check "second MX host: qrelayctl allow fails without INSERT (exit 111)" sh -c "'$CTL' -c '$W/mx2.conf' allow 192.0.2.50 2>/dev/null; [ \$? -eq 111 ]"
kill -TERM "$MX2_PID"; wait "$MX2_PID"; MX2_PID=

# connection reuse: 12 sessions must not open 12 connections
c0=$(echo "SHOW GLOBAL STATUS LIKE 'Connections'" | mdb_sql "$DB" | cut -f2)
i=0
while [ $i -lt 12 ]; do pop_vec 192.0.2.7 '<s@x.org>' '<a@evil.example>' >/dev/null; i=$((i + 1)); done
c1=$(echo "SHOW GLOBAL STATUS LIKE 'Connections'" | mdb_sql "$DB" | cut -f2)
# the second status query itself is one connection
check "12 lookups reuse pooled connections ($((c1 - c0 - 1)) new)" test $((c1 - c0 - 1)) -le 2

# --- outage: the database stops mid-test -------------------------------------
mdb_stop "$DB"
expect "database down: foreign recipient tempfails" tempfail "$(pop_vec 192.0.2.7 '<s@x.org>' '<a@evil.example>')"
check "tempfail reply is 451 4.3.0" sh -c "grep 'verdict=tempfail' '$QD_LOG' | tail -n 1 | grep -q 'reply=\"451 4.3.0 '"
expect "database down: hosted recipient still accepted" accept "$(pop_vec 192.0.2.7 '<s@x.org>' '<a@example.com>')"
expect "database down: another foreign recipient tempfails" tempfail "$(pop_vec 192.0.2.99 '<s@x.org>' '<a@evil.example>')"
sleep 1.2	# past mysql_retry_interval_ms: the next lookup tries again
expect "database down: still tempfail after the retry interval" tempfail "$(pop_vec 192.0.2.7 '<s@x.org>' '<a@evil.example>')"
check "the outage is logged once" test "$(grep -c 'tempfailing recipients that need the relay table' "$QD_LOG")" -eq 1
mdb_start "$DB" || bad "MariaDB restarts"
sleep 1.2
expect "database back: relays again without a daemon restart" accept "$(pop_vec 192.0.2.7 '<s@x.org>' '<a@evil.example>')"
check "the recovery is logged" grep -q 'the database answers again' "$QD_LOG"

# --- a hung server: answers bounded by the timeouts -------------------------
kill -STOP "$(cat "$DB/mpid")"
t0=$(date +%s%N)
v=$(pop_vec 192.0.2.7 '<s@x.org>' '<a@evil.example>')
t1=$(date +%s%N)
ms=$(( (t1 - t0) / 1000000 ))
expect "hung database: tempfail" tempfail "$v"
check "hung database: answered in ${ms} ms (timeouts 1 s + 1 s)" test "$ms" -lt 3000
kill -CONT "$(cat "$DB/mpid")"
sleep 1.2
expect "resumed database: relays again" accept "$(pop_vec 192.0.2.7 '<s@x.org>' '<a@evil.example>')"

# six sessions at once against a hung server and a pool of two: the ones
# waiting for a connection are bounded by the same budget
kill -STOP "$(cat "$DB/mpid")"
n0=$(grep -c 'verdict=tempfail' "$QD_LOG")
t0=$(date +%s%N)
pids=
for n in 1 2 3 4 5 6; do
	printf 'control unused\naccept 250 | 192.0.2.7 | - | - | <s@x.org> | <a@evil.example> |\n' > "$W/par$n.vec"
	qd_replay "$W/par$n.vec" "$QD_PORT" >/dev/null 2>&1 &
	pids="$pids $!"
done
for pid in $pids; do wait "$pid"; done
t1=$(date +%s%N)
ms=$(( (t1 - t0) / 1000000 ))
n1=$(grep -c 'verdict=tempfail' "$QD_LOG")
expect "hung database, 6 parallel sessions: all tempfail" 6 "$((n1 - n0))"
check "hung database, 6 parallel sessions: all answered in ${ms} ms" test "$ms" -lt 3500
kill -CONT "$(cat "$DB/mpid")"
sleep 1.2
expect "resumed again: relays" accept "$(pop_vec 192.0.2.7 '<s@x.org>' '<a@evil.example>')"

# --- through a real Postfix ---------------------------------------------------
PFX_PORT=$(port_free 31025)
if pfx_setup "$PFX" "inet:127.0.0.1:$QD_PORT" && pfx_start "$PFX"; then
	expect "Postfix: POP client relays" "250 2.1.5" "$(smtp_rcpt --xclient-addr 192.0.2.7 --from s@x.org --to a@evil.example)"
	expect "Postfix: other client refused" "553 5.7.1" "$(smtp_rcpt --xclient-addr 192.0.2.99 --from s@x.org --to a@evil.example)"
	mdb_stop "$DB"
	expect "Postfix: database down gives 451 4.3.0" "451 4.3.0" "$(smtp_rcpt --xclient-addr 192.0.2.7 --from s@x.org --to a@evil.example)"
	expect "Postfix: database down, hosted recipient accepted" "250 2.1.5" "$(smtp_rcpt --xclient-addr 192.0.2.7 --from s@x.org --to a@example.com)"
	mdb_start "$DB" || bad "MariaDB restarts"
	sleep 1.2
	expect "Postfix: database back, POP client relays" "250 2.1.5" "$(smtp_rcpt --xclient-addr 192.0.2.7 --from s@x.org --to a@evil.example)"
	pfx_stop "$PFX"
else
	bad "private Postfix starts"
fi
qd_stop
check "daemon stops cleanly" test "${QD_STATUS:-1}" -eq 0

# --- IndiMail schema: the sender must match the stored address --------------
check "qrelayctl allow (IndiMail) needs a user" sh -c "! '$CTL' -c '$W/indi.conf' allow 192.0.2.9 2>/dev/null"
check "qrelayctl allow (IndiMail)" "$CTL" -c "$W/indi.conf" allow 192.0.2.9 Bob@Example.COM
check "qrelayctl allow (IndiMail) stores a quote in the address as data" "$CTL" -c "$W/indi.conf" allow 192.0.2.10 "o'neil\\@example.com"
check "qrelayctl list shows it verbatim" sh -c "'$CTL' -c '$W/indi.conf' list | grep -q -F \"user=o'neil\\\\@example.com\""
qd_start -c "$W/indi.conf" || { bad "daemon starts with the IndiMail schema"; end; exit 1; }
expect "IndiMail: same address and sender relays" accept "$(pop_vec 192.0.2.9 '<bob@example.com>' '<a@evil.example>')"
check "decision line names the stored email" grep -q 'mysql indimail relay table ip 192.0.2.9 email bob@example.com' "$QD_LOG"
expect "IndiMail: another sender does not" reject "$(pop_vec 192.0.2.9 '<eve@example.com>' '<a@evil.example>')"
expect "IndiMail: a prefix of the stored address matches (IndiMail's quirk)" accept "$(pop_vec 192.0.2.9 '<BOB@example.co>' '<a@evil.example>')"
expect "IndiMail: <> matches any row (IndiMail's quirk)" accept "$(pop_vec 192.0.2.9 '<>' '<a@evil.example>')"
expect "IndiMail: same sender, other address does not" reject "$(pop_vec 192.0.2.10 '<bob@example.com>' '<a@evil.example>')"
old=$(( $(date +%s) - 601 ))
echo "UPDATE indimail.relay SET timestamp = $old;" | mdb_sql "$DB"
expect "IndiMail: stale row does not" reject "$(pop_vec 192.0.2.9 '<bob@example.com>' '<a@evil.example>')"
qd_stop

# --- configuration errors ---------------------------------------------------
printf 'pop_before_smtp = mysql\nmysql_schema = courier\n' > "$W/bad1.conf"
"$QD_BIN" -n -c "$W/bad1.conf" -d "$W/control" > "$W/bad.out" 2>&1
check "unknown mysql_schema: exit non-zero, names file:line" sh -c "[ $? -ne 0 ] && grep -q 'bad1.conf:2: .*mysql_schema' '$W/bad.out'"
printf 'pop_before_smtp = mysql\nmysql_table = "relay; drop"\n' > "$W/bad2.conf"
"$QD_BIN" -n -c "$W/bad2.conf" -d "$W/control" > "$W/bad.out" 2>&1
check "bad table name refused with file:line" sh -c "[ $? -ne 0 ] && grep -q 'bad2.conf:2: .*mysql_table' '$W/bad.out'"

end
