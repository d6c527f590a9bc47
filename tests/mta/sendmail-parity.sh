#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# sendmail-parity.sh - what the suite checks through Postfix, through a
# real Sendmail 8.17 as well: SMTP AUTH, SMTP-after-POP (relay-ctrl
# directory, the vpopmail and IndiMail relay tables in a real MariaDB) and
# the milter on a unix socket, on loopback.
#
# Hosted domains (tests/data/mta/control) are delivered into a maildir per
# Sendmail; everything else goes to Postfix's smtp-sink, which stands for
# the Internet.  Every message carries "X-Control: NAME", and at the end
# the test counts where each one arrived, so a relay is seen where it
# happened, not only in a 250.
#
#   A. Sendmail with SMTP AUTH (Cyrus sasldb in the work dir; see
#      SM_SASL=1 in tests/mta/sendmail.sh for how its configuration reaches
#      libsasl2, and what is put back), the README's snippet (TCP), and a
#      milter with pop_before_smtp = directory: AUTH PLAIN and LOGIN relay;
#      a wrong password (535, the session goes on) and no AUTH get 553
#      5.7.1 for a foreign recipient; a fresh file named after the client
#      address relays, an expired one (mtime set with touch -d) and none
#      do not, and the same address relays once its file is fresh again.
#   B. The same Sendmail, the milter restarted with the vpopmail relay
#      table of a private MariaDB (tests/pop/mariadb.sh, unix socket only,
#      no TCP): a fresh row (qrelayctl allow) relays, a stale row and no
#      row get 553; with the database stopped a foreign recipient gets
#      451 4.3.0 and a hosted one is still accepted; started again, it
#      relays again.
#   C. The IndiMail table: the row's address and the sender must match;
#      another sender, and a stale row, get 553.
#   D. A second Sendmail, RunAsUser mail:mail, with S=unix:... to a milter
#      whose socket (mode 0660, group mail) is in a directory under /run
#      (Sendmail refuses one below a group- or world-writable directory,
#      such as /tmp): the mail user can connect to the socket, nobody
#      cannot; hosted accepted, foreign 553, a RELAYCLIENT rule relays;
#      the milter with socket_group nogroup (Sendmail's user may not
#      connect): 451 4.3.2 (F=T); the milter killed (its socket file left
#      behind): 451 4.3.2; started again: relays again.
# The milter killed on TCP is in tests/mta/integration.sh.  Prints "ok" /
# "not ok" lines, a summary, and "N passed, N failed" last.  Needs root,
# Debian's postfix (smtp-sink), swaks, tcprules, sasl2-bin,
# libsasl2-modules, mariadb-server, perl and the Sendmail that
# scripts/install-deps.sh unpacks.  QR_BUILD: the build dir (default
# build).  QR_KEEP=DIR keeps a copy of the work dir.
set -u
cd "$(dirname "$0")/../.."
ROOT=$(pwd -P)
BUILD=$(cd "${QR_BUILD:-build}" 2>/dev/null && pwd -P)
BIN=$BUILD/src/qrelay-milter
CTL=$BUILD/src/qrelayctl
. "$ROOT/tests/mta/sendmail.sh"
. "$ROOT/tests/lib/swaks.sh"
. "$ROOT/tests/pop/mariadb.sh"

pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok - $*"; }
bad() { fail=$((fail + 1)); echo "not ok - $*"; }
finish() { echo "$pass passed, $fail failed"; [ "$fail" -eq 0 ]; exit; }

work=$(mktemp -d /tmp/qrelay-smparity.XXXXXX)
chmod 755 "$work"
# the unix socket's directory: not below /tmp (see D above)
sockdir=$(mktemp -d /run/qrelay-smparity.XXXXXX)
chmod 755 "$sockdir"
milter_pid= sink_pid=
base=$((29000 + $$ % 1500))
MILTER_PORT=$(port_free "$base")
SM_PORT=$(port_free $((MILTER_PORT + 1)))
SMU_PORT=$(port_free $((SM_PORT + 1)))
NET_PORT=$(port_free $((SMU_PORT + 1)))
SOCK=$sockdir/qrelay.sock
# what /etc/sasl2/Sendmail.conf was before the test (sm_start may have to
# put the test's there; sm_stop puts it back)
sasl_before=$(md5sum /etc/sasl2/Sendmail.conf 2>/dev/null || echo absent)

stop_milter() {
	[ -n "$milter_pid" ] && proc_stop "$milter_pid" 20
	milter_pid=
}
# start_milter CONF: wait for its TCP port or its unix socket
start_milter() {
	"$BIN" -f -c "$1" </dev/null >>"$work/milter.log" 2>&1 &
	milter_pid=$!
	if grep -q '^socket = "unix:' "$1"; then
		wait_until 60 sh -c "[ -S '$SOCK' ] && grep -q ' started on unix:' '$work/milter.log'" &&
			proc_alive "$milter_pid"
	else
		port_wait "$MILTER_PORT" "$milter_pid" 60
	fi
}
cleanup() {
	trap '' INT TERM
	sm_stop "$work/sm" >/dev/null 2>&1
	sm_stop "$work/smu" >/dev/null 2>&1
	[ -n "$milter_pid" ] && kill -KILL "$milter_pid" 2>/dev/null
	[ -n "$sink_pid" ] && kill -TERM "$sink_pid" 2>/dev/null
	mdb_stop "$work/db" >/dev/null 2>&1
	wait 2>/dev/null
	[ -n "${QR_KEEP:-}" ] && cp -r "$work" "$QR_KEEP" 2>/dev/null
	rm -rf "$work" "$sockdir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- set up -----------------------------------------------------------------
if [ ! -x "$BIN" ]; then bad "no daemon at $BIN (QR_BUILD=${QR_BUILD:-build})"; finish; fi
tcprules "$work/tcp.smtp.cdb" "$work/tcp.smtp.tmp" <tests/data/mta/tcp.smtp || {
	bad "tcprules failed"; finish; }
mkdir -p "$work/popdir"
# conf NAME [LINES...]: a configuration on the TCP port, the test's
# control directory and rules, and LINES
conf() {
	_n=$1
	shift
	{
		echo "socket = \"inet:$MILTER_PORT@127.0.0.1\""
		echo "control_dir = \"$ROOT/tests/data/mta/control\""
		echo "rules = \"$work/tcp.smtp.cdb\""
		for _l in "$@"; do echo "$_l"; done
	} >"$work/$_n.conf"
}
conf dir 'pop_before_smtp = directory' "pop_dir = \"$work/popdir\"" 'pop_expiry = 900'
mysql_conf() {	# mysql_conf NAME SCHEMA
	conf "$1" 'pop_before_smtp = mysql' "mysql_socket = \"$work/db/sock\"" 'mysql_user = qrelay' \
		'mysql_password = "s3cret"' "mysql_schema = $2" 'pop_expiry = 900' \
		'mysql_retry_interval_ms = 0'	# MariaDB back: the next lookup tries it
}
mysql_conf vpop vpopmail
mysql_conf indi indimail
# the unix socket: mode 0660, group mail (Sendmail's RunAsUser), or a
# group Sendmail's user is not in
conf unix 'socket_mode = "0660"' 'socket_group = "mail"'
sed -i "s|^socket = .*|socket = \"unix:$SOCK\"|" "$work/unix.conf"
sed 's/^socket_group = .*/socket_group = "nogroup"/' "$work/unix.conf" >"$work/unix-nogroup.conf"

mkdir -p "$work/sink" && chown nobody "$work/sink"
smtp-sink -u nobody -D "$work/sink/net.dump" "127.0.0.1:$NET_PORT" 64 \
	>"$work/sink.log" 2>&1 &
sink_pid=$!
if ! port_wait "$NET_PORT" "$sink_pid"; then
	cat "$work/sink.log"; bad "smtp-sink did not start"; finish
fi
if mdb_setup "$work/db" && mdb_start "$work/db"; then
	ok "private MariaDB $(mariadbd --version 2>/dev/null | awk '{ print $3 }') on a unix socket only"
else
	bad "private MariaDB did not start"; finish
fi
mdb_relay_tables "$work/db"
if start_milter "$work/dir.conf"; then ok "qrelay-milter on inet:$MILTER_PORT@127.0.0.1, pop_before_smtp = directory"; else
	sed 's/^/#   /' "$work/milter.log"; bad "qrelay-milter did not start"; finish
fi
if SM_SASL=1 sm_setup "$work/sm" "$MILTER_PORT" "$NET_PORT" >"$work/sm-setup.out" 2>&1 &&
	sm_add_sasl_user "$work/sm" test@sm.test secret && SM_PORT=$SM_PORT sm_start "$work/sm"; then
	ok "private Sendmail with SMTP AUTH on 127.0.0.1:$SM_PORT, the README's snippet"
else
	sed 's/^/#   /' "$work/sm-setup.out"; bad "private Sendmail did not start"; finish
fi

# --- helpers ------------------------------------------------------------------
mta_port() { case $1 in sm) echo "$SM_PORT" ;; smu) echo "$SMU_PORT" ;; esac; }
milter_mark() { wc -l <"$work/milter.log" | tr -d ' '; }
# send MTA NAME SRC [swaks args]: one message with "X-Control: NAME" from
# source address SRC; the RCPT reply (or the first error) in $reply, the
# transcript in $work/NAME.MTA.swaks, the milter log mark in $mark
send() {
	_mta=$1 _name=$2 _src=$3
	shift 3
	_out="$work/$_name.$_mta.swaks"
	mark=$(milter_mark)
	swaks --server "127.0.0.1:$(mta_port "$_mta")" --local-interface "$_src" --timeout 90 \
		--header "X-Control: $_name" --helo client.test "$@" >"$_out" 2>&1
	swaks_reply "$_out"
}
# scenario MTA NAME SRC WHERE ERE [swaks args]: WHERE sink, hosted or none
scenario() {
	_sm=$1 _sn=$2 _ss=$3 _sw=$4 _sre=$5
	shift 5
	send "$_sm" "$_sn" "$_ss" "$@"
	expect_reply "$_sm" "$_sn" "$_sre"
	echo "$_sm $_sn $_sw" >>"$work/expect"
}
# expect_log MTA NAME ERE: a milter line of the last session matches ERE
expect_log() {
	if tail -n "+$((mark + 1))" "$work/milter.log" | grep -Eq "$3"; then
		ok "$1 $2: milter log /$3/"
	else
		bad "$1 $2: no milter log line /$3/ for the session:"
		tail -n "+$((mark + 1))" "$work/milter.log" | sed 's/^/#   /'
	fi
}
arrivals() {	# arrivals sink|hosted sm|smu NAME
	case $1 in
	sink) sink_count "$work/sink/net.dump" "$2" X-Control "$3" ;;
	hosted) cat "$work/$2/maildir/new/"* 2>/dev/null | grep -c -x -F "X-Control: $3" ;;
	esac
}
queues_empty() {
	! ls "$work/sm/spool/mqueue" "$work/smu/spool/mqueue" 2>/dev/null | grep -q '^qf'
}
now() { date +%s; }

accepted='^250 '
relay_refused='^553 5\.7\.1 '
sm_tempfail='^451 4\.3\.2 '
foreign="--from s@outside.example --to friend@elsewhere.example"

# --- A. SMTP AUTH and the relay-ctrl directory ------------------------------------
# shellcheck disable=SC2086
scenario sm auth-plain 127.0.0.1 sink "$accepted" --auth PLAIN --auth-user test@sm.test \
	--auth-password secret $foreign
expect_log sm auth-plain 'verdict=accept .*reason="relay client: SMTP AUTH user \\"test@sm\.test\\""'
# shellcheck disable=SC2086
scenario sm auth-login 127.0.0.1 sink "$accepted" --auth LOGIN --auth-user test@sm.test \
	--auth-password secret $foreign
# a wrong password: Sendmail says 535, the client goes on without AUTH
# shellcheck disable=SC2086
scenario sm auth-wrong-password 127.0.0.1 none "$relay_refused" --auth-optional PLAIN \
	--auth-user test@sm.test --auth-password wrong $foreign
if grep -q '^<\*\* *535 ' "$work/auth-wrong-password.sm.swaks"; then
	ok "sm auth-wrong-password: Sendmail answered AUTH with 535"
else
	bad "sm auth-wrong-password: no 535 to the AUTH"
	sed 's/^/#   /' "$work/auth-wrong-password.sm.swaks" | tail -n 20
fi
expect_log sm auth-wrong-password 'auth="-" .*verdict=reject'
# shellcheck disable=SC2086
scenario sm no-auth 127.0.0.1 none "$relay_refused" $foreign
scenario sm no-auth-hosted 127.0.0.1 hosted "$accepted" --from s@outside.example --to user@example.com
# relay-ctrl: a file named after the client address, fresh while its
# mtime + pop_expiry (900 s) is not past
: >"$work/popdir/127.0.0.21"
# shellcheck disable=SC2086
scenario sm pop-dir-fresh 127.0.0.21 sink "$accepted" $foreign
expect_log sm pop-dir-fresh "client=127\\.0\\.0\\.21 .*reason=\"relay client: pop-before-smtp relay-ctrl dir $work/popdir/127\\.0\\.0\\.21 age"
: >"$work/popdir/127.0.0.22"
touch -d "@$(($(now) - 1000))" "$work/popdir/127.0.0.22"
# shellcheck disable=SC2086
scenario sm pop-dir-expired 127.0.0.22 none "$relay_refused" $foreign
expect_log sm pop-dir-expired 'client=127\.0\.0\.22 .*verdict=reject .*no pop-before-smtp login'
# shellcheck disable=SC2086
scenario sm pop-dir-none 127.0.0.23 none "$relay_refused" $foreign
touch "$work/popdir/127.0.0.22"
# shellcheck disable=SC2086
scenario sm pop-dir-refreshed 127.0.0.22 sink "$accepted" $foreign
touch -d "@$(($(now) - 1000))" "$work/popdir/127.0.0.21"
# shellcheck disable=SC2086
scenario sm pop-dir-fresh-then-expired 127.0.0.21 none "$relay_refused" $foreign

# --- B. the vpopmail relay table ------------------------------------------------------
stop_milter
if start_milter "$work/vpop.conf"; then ok "qrelay-milter restarted with the vpopmail relay table"; else
	bad "qrelay-milter did not start with the vpopmail table"; tail -n 5 "$work/milter.log" | sed 's/^/#   /'; fi
if "$CTL" -c "$work/vpop.conf" allow 127.0.0.31 >"$work/ctl.out" 2>&1; then
	ok "qrelayctl allow 127.0.0.31 (vpopmail)"
else
	bad "qrelayctl allow 127.0.0.31 (vpopmail): $(cat "$work/ctl.out")"
fi
echo "INSERT INTO vpopmail.relay VALUES ('127.0.0.32', '$(($(now) - 1000))');" | mdb_sql "$work/db"
# shellcheck disable=SC2086
scenario sm vpop-fresh 127.0.0.31 sink "$accepted" $foreign
expect_log sm vpop-fresh 'client=127\.0\.0\.31 .*reason="relay client: pop-before-smtp mysql vpopmail relay table ip 127\.0\.0\.31'
# shellcheck disable=SC2086
scenario sm vpop-stale 127.0.0.32 none "$relay_refused" $foreign
# shellcheck disable=SC2086
scenario sm vpop-none 127.0.0.33 none "$relay_refused" $foreign
mdb_stop "$work/db"
# shellcheck disable=SC2086
scenario sm vpop-db-down 127.0.0.31 none '^451 4\.3\.0 ' $foreign
scenario sm vpop-db-down-hosted 127.0.0.31 hosted "$accepted" --from s@outside.example --to user@example.com
if mdb_start "$work/db"; then ok "MariaDB started again"; else bad "MariaDB did not start again"; fi
# mysql_retry_interval_ms = 0: the next lookup connects again, no wait
# shellcheck disable=SC2086
scenario sm vpop-db-back 127.0.0.31 sink "$accepted" $foreign

# --- C. the IndiMail relay table: address and sender ------------------------------------
stop_milter
if start_milter "$work/indi.conf"; then ok "qrelay-milter restarted with the IndiMail relay table"; else
	bad "qrelay-milter did not start with the IndiMail table"; tail -n 5 "$work/milter.log" | sed 's/^/#   /'; fi
if "$CTL" -c "$work/indi.conf" allow 127.0.0.41 bob@example.com >"$work/ctl.out" 2>&1; then
	ok "qrelayctl allow 127.0.0.41 bob@example.com (IndiMail)"
else
	bad "qrelayctl allow 127.0.0.41 bob@example.com (IndiMail): $(cat "$work/ctl.out")"
fi
echo "INSERT INTO indimail.relay VALUES ('bob@example.com', '127.0.0.42', $(($(now) - 1000)));" | mdb_sql "$work/db"
scenario sm indi-fresh 127.0.0.41 sink "$accepted" --from bob@example.com --to friend@elsewhere.example
expect_log sm indi-fresh 'client=127\.0\.0\.41 .*mysql indimail relay table ip 127\.0\.0\.41 email bob@example\.com'
scenario sm indi-other-sender 127.0.0.41 none "$relay_refused" --from eve@example.com --to friend@elsewhere.example
scenario sm indi-stale 127.0.0.42 none "$relay_refused" --from bob@example.com --to friend@elsewhere.example
stop_milter

# --- D. a unix socket, Sendmail running as mail:mail ---------------------------------------
if start_milter "$work/unix.conf"; then ok "qrelay-milter on unix:$SOCK"; else
	bad "qrelay-milter did not start on unix:$SOCK"; tail -n 5 "$work/milter.log" | sed 's/^/#   /'; fi
perm=$(stat -c '%a %G' "$SOCK" 2>/dev/null)
if [ "$perm" = "660 mail" ]; then ok "the socket is mode 0660, group mail"; else
	bad "the socket is '$perm', want '660 mail'"; fi
# can_connect USER GROUP: a process with only that user and group
# connects to the socket
can_connect() {
	setpriv --reuid="$1" --regid="$2" --clear-groups perl -e '
use Socket;
socket(my $s, PF_UNIX, SOCK_STREAM, 0) or die "socket: $!\n";
connect($s, pack_sockaddr_un($ARGV[0])) or die "connect: $!\n";' "$SOCK" 2>"$work/connect.err"
}
if can_connect mail mail; then ok "user mail (group mail) can connect to the socket"; else
	bad "user mail cannot connect to the socket: $(cat "$work/connect.err")"; fi
if ! can_connect nobody nogroup && grep -q 'Permission denied' "$work/connect.err"; then
	ok "user nobody cannot connect to the socket ($(cat "$work/connect.err"))"
else
	bad "user nobody can connect to the socket, or failed otherwise: $(cat "$work/connect.err")"
fi
if SM_RUN_AS=mail:mail SM_NAME=mta.smu.test SM_PORT=$SMU_PORT sm_setup "$work/smu" "unix:$SOCK" "$NET_PORT" \
	>"$work/smu-setup.out" 2>&1 && sm_start "$work/smu"; then
	ok "private Sendmail (RunAsUser mail:mail) on 127.0.0.1:$SMU_PORT, S=unix:$SOCK"
else
	sed 's/^/#   /' "$work/smu-setup.out"; bad "private Sendmail with the unix socket did not start"
fi
# a session of this Sendmail runs as mail, so the socket's group decides:
# hold one open and look at its process
perl -e 'use IO::Socket::INET; my $s = IO::Socket::INET->new("127.0.0.1:$ARGV[0]") or exit 1;
	<$s>; print $s "EHLO client.test\r\n"; while (<$s>) { last if /^250 / }
	open(my $f, ">", $ARGV[1]); close $f; sleep 60;' "$SMU_PORT" "$work/held" &
held=$!
smu_pid=$(head -n 1 "$work/smu/run/sendmail.pid" 2>/dev/null)
wait_until 60 test -e "$work/held"
uids=
for c in $(pgrep -P "$smu_pid"); do
	uids="$uids $(awk '/^Uid:/ { print $2 }' "/proc/$c/status" 2>/dev/null)"
done
kill "$held" 2>/dev/null
wait "$held" 2>/dev/null
if [ -n "$uids" ] && [ -z "$(echo $uids | tr ' ' '\n' | grep -v -x "$(id -u mail)")" ]; then
	ok "smu: its SMTP session runs as mail (uid$uids)"
else
	bad "smu: its SMTP session runs as uid '$uids', not mail ($(id -u mail))"
fi
scenario smu unix-hosted 127.0.0.1 hosted "$accepted" --from s@outside.example --to user@example.com
# shellcheck disable=SC2086
scenario smu unix-foreign 127.0.0.1 none "$relay_refused" $foreign
# shellcheck disable=SC2086
scenario smu unix-relayclient 127.0.0.5 sink "$accepted" $foreign
expect_log smu unix-relayclient 'client=127\.0\.0\.5 .*verdict=accept .*sets RELAYCLIENT'
# the milter's socket in a group Sendmail's user is not in: F=T tempfails
stop_milter
if start_milter "$work/unix-nogroup.conf"; then ok "qrelay-milter on unix:$SOCK, group nogroup"; else
	bad "qrelay-milter did not start with socket_group nogroup"; fi
# shellcheck disable=SC2086
scenario smu unix-no-permission 127.0.0.5 none "$sm_tempfail" $foreign
scenario smu unix-no-permission-hosted 127.0.0.1 none "$sm_tempfail" --from s@outside.example --to user@example.com
if tail -n "+$((mark + 1))" "$work/milter.log" | grep -q 'decision '; then
	bad "smu unix-no-permission: the milter saw the session"
else
	ok "smu unix-no-permission: the milter never saw the session"
fi
stop_milter
if start_milter "$work/unix.conf"; then ok "qrelay-milter on unix:$SOCK, group mail again"; else
	bad "qrelay-milter did not start again"; fi
# killed: the socket file stays, nobody answers on it
kill -KILL "$milter_pid"
wait "$milter_pid" 2>/dev/null
milter_pid=
if [ -S "$SOCK" ]; then ok "the killed milter left its socket file"; else
	bad "no socket file after the milter was killed"; fi
# shellcheck disable=SC2086
scenario smu unix-milter-killed 127.0.0.5 none "$sm_tempfail" $foreign
# shellcheck disable=SC2086
scenario smu unix-milter-killed-foreign 127.0.0.1 none "$sm_tempfail" --from s@outside.example \
	--to victim@elsewhere.example
if start_milter "$work/unix.conf"; then ok "qrelay-milter restarted on the stale socket"; else
	bad "qrelay-milter did not restart on the stale socket"; fi
# shellcheck disable=SC2086
scenario smu unix-milter-back 127.0.0.5 sink "$accepted" $foreign
scenario smu unix-milter-back-foreign 127.0.0.1 none "$relay_refused" --from s@outside.example \
	--to victim@elsewhere.example

# --- what arrived where ---------------------------------------------------------------------
if wait_until 90 queues_empty; then ok "both Sendmails delivered everything"; else
	bad "the queues did not drain: $(ls "$work/sm/spool/mqueue" "$work/smu/spool/mqueue" | grep -c '^qf') left"; fi
expect_arrivals arrivals
total_sink=$(grep -c '^X-Client-Addr:' "$work/sink/net.dump" 2>/dev/null)
want_sink=$(grep -c ' sink$' "$work/expect")
if [ "${total_sink:-0}" = "$want_sink" ]; then ok "the sink got $want_sink messages, nothing else"; else
	bad "the sink got ${total_sink:-0} messages, want $want_sink"; fi
total_hosted=$(cat "$work/sm/maildir/new/"* "$work/smu/maildir/new/"* 2>/dev/null | grep -c '^X-Control: ')
want_hosted=$(grep -c ' hosted$' "$work/expect")
if [ "$total_hosted" = "$want_hosted" ]; then ok "the maildirs got $want_hosted messages, nothing else"; else
	bad "the maildirs got $total_hosted messages, want $want_hosted"; fi

# --- the SASL configuration is put back -------------------------------------------------
sm_stop "$work/sm"
sasl_after=$(md5sum /etc/sasl2/Sendmail.conf 2>/dev/null || echo absent)
if [ "$sasl_after" = "$sasl_before" ]; then
	ok "/etc/sasl2/Sendmail.conf is as before the test ($(echo "$sasl_before" | cut -c1-12))"
else
	bad "/etc/sasl2/Sendmail.conf changed: before '$sasl_before', after '$sasl_after'"
fi

echo "# milter decision lines logged: $(grep -c 'decision ' "$work/milter.log")"
if [ "$fail" -ne 0 ]; then
	echo "# milter log (last 30 lines):"
	tail -n 30 "$work/milter.log" | sed 's/^/#   /'
fi
finish
