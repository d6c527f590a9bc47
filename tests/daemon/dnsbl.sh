#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# dnsbl.sh - DNSBL and RBLSMTPD through the daemon, against a real rbldnsd
# on loopback (needs root: rbldnsd runs as user rbldns):
#   - a listed stranger gets the zone's text for every recipient, hosted
#     ones too: 451 for "zone" (TXT text), 553 for "-zone", the zone's own
#     text with %IP% for "zone:text" (A lookup); IPv6 by nibbles;
#   - an allow-list zone before them lets a listed client through;
#   - relay clients are never looked up or blocked: a RELAYCLIENT rule
#     (no query sent), SMTP AUTH, SMTP-after-POP; rbl_before_auth blocks
#     an AUTH user as rblsmtpd would;
#   - RBLSMTPD="" skips the lookups, "-text" is 553 text, "text" 451;
#   - a listener section (require_auth, dnsbl = false): a relay client by
#     address may not relay there, no query is sent, AUTH relays;
#   - DNS down: not blocked, and within the timeout, or 451 with
#     dnsbl_fail_closed; an AUTH or POP user never waits for it;
#   - control/dnsbllist changes take effect at the next reload;
#   - qrelayctl check asks the same zones (--no-dns, --listener).
set -u
cd "$(dirname "$0")/../.."
. tests/daemon/lib.sh
. tests/lib/rbldnsd.sh
w=$QD_WORK
chmod 755 "$w"
mkdir -p "$w/ctl" "$w/rbl" "$w/pop"
echo example.com > "$w/ctl/rcpthosts"
cat > "$w/tcp.smtp" <<'EOF'
127.0.0.10:allow,RBLSMTPD=""
127.0.0.11:allow,RELAYCLIENT=""
127.0.0.40:allow,RBLSMTPD="-Go away: listed"
127.0.0.41:allow,RBLSMTPD="Try later"
:allow
EOF
# the zones, in rbldnsd's formats ($ in a text: the address looked up)
cat > "$w/rbl/bl4.zone" <<'EOF'
$SOA 60 ns.bl.test. hostmaster.bl.test. 1 60 60 60 60
:127.0.0.2:Listed in bl.test: $
127.0.0.2
127.0.0.3
127.0.0.10
127.0.0.11
127.0.0.12
127.0.0.13
127.0.0.40
EOF
cat > "$w/rbl/bl6.zone" <<'EOF'
:127.0.0.2:Listed in bl.test (v6): $
2001:db8::2
EOF
printf '127.0.0.20 :127.0.0.2:Permanently listed\n' > "$w/rbl/perm.zone"
printf '127.0.0.30\n' > "$w/rbl/a.zone"
printf '127.0.0.3\n' > "$w/rbl/wl.zone"
hole=
trap 'rbl_stop; [ -n "$hole" ] && kill "$hole" 2>/dev/null' EXIT
trap 'exit 1' INT TERM
rbl_start "$w/rbl" bl.test:ip4set:bl4.zone bl.test:ip6trie:bl6.zone \
	perm.test:ip4set:perm.zone a.test:ip4set:a.zone wl.test:ip4set:wl.zone ||
	{ bad "rbldnsd starts"; finish; exit 1; }

conf() {	# conf FILE [EXTRA-LINES]
	cat > "$1" <<CONF
control_dir = "$w/ctl"
rules = "$w/tcp.smtp"
reload_interval = 1
dnsbl_zones = { "+wl.test", "bl.test", "-perm.test", "a.test:Listed in a.test: %IP%" }
dnsbl_servers = { "127.0.0.1:$RBL_PORT" }
dnsbl_timeout = ${TIMEOUT:-5}
pop_before_smtp = directory
pop_dir = "$w/pop"
listener "ORIGINATING" {
	require_auth = true
	dnsbl = false
	reply_relay = "553 5.7.1 authenticate first"
}
${2-}
CONF
}
conf "$w/q.conf"

# sess IP [LISTENER [AUTH]] RCPT...: one session, recipients in order
sess() {
	_ip=$1 _l=$2 _a=$3
	shift 3
	_r=$(echo "$@" | tr ' ' ',')
	miltertest -D port="$QD_PORT" -D ip="$_ip" ${_l:+-D listener="$_l"} \
		${_a:+-D auth="$_a"} -D rcpts="$_r" -s tests/daemon/dnsbl.lua \
		> "$w/sess.out" 2>&1
}
# dec IP RCPT: the last decision line for that client and recipient
dec() { grep "decision stage=rcpt client=$1 .*rcpt=\"<$2>\"" "$QD_LOG" | tail -n 1; }
# expect NAME IP RCPT VERDICT REPLY-TEXT [REASON-TEXT]
expect() {
	_d=$(dec "$2" "$3")
	if echo "$_d" | grep -q "verdict=$4 reply=\"$5" &&
		{ [ -z "${6-}" ] || echo "$_d" | grep -qF -- "$6"; }; then
		ok "$1"
	else
		bad "$1: want verdict=$4 reply=\"$5...\" ${6:+reason with \"$6\"}"
		echo "#   got: ${_d:-no decision}"
	fi
}
H=a@example.com F=b@evil.example

qd_start -c "$w/q.conf" || { bad "daemon start"; finish; exit 1; }

# --- listed strangers ------------------------------------------------------------
sess 127.0.0.2 "" "" $H $F
expect "TXT zone: a listed stranger gets 451 and the TXT text, for a hosted recipient" \
	127.0.0.2 $H tempfail "451 4.7.1 Listed in bl.test: 127.0.0.2" "DNSBL: 127.0.0.2 listed in bl.test (dnsbl_zones:2)"
expect "... and for a foreign one" 127.0.0.2 $F tempfail "451 4.7.1 Listed in bl.test: 127.0.0.2"
sess 127.0.0.20 "" "" $H
expect "-zone: 553 with the TXT text" 127.0.0.20 $H reject "553 5.7.1 Permanently listed" "listed in perm.test (dnsbl_zones:3)"
sess 127.0.0.30 "" "" $H
expect "zone:text: an A record, the configured text with %IP%" 127.0.0.30 $H tempfail "451 4.7.1 Listed in a.test: 127.0.0.30" "listed in a.test (dnsbl_zones:4)"
sess 2001:db8::2 "" "" $H
expect "IPv6: looked up by reversed nibbles" 2001:db8::2 $H tempfail "451 4.7.1 Listed in bl.test (v6): 2001:db8::2"
sess 127.0.0.3 "" "" $H $F
expect "+zone: allow-listed before bl.test: not blocked" 127.0.0.3 $H accept "250" "allow-listed in wl.test (dnsbl_zones:1)"
expect "... and still no relay" 127.0.0.3 $F reject "553 5.7.1 sorry, that domain"
sess 127.0.0.50 "" "" $H $F
expect "not listed: hosted accepted" 127.0.0.50 $H accept "250" "DNSBL: 127.0.0.50 not listed"
expect "... foreign refused by rcpthosts" 127.0.0.50 $F reject "553 5.7.1 sorry, that domain"

# --- relay clients are never blocked -----------------------------------------------
n=$(rbl_queries)
sess 127.0.0.11 "" "" $F
expect "a RELAYCLIENT rule (listed): relays" 127.0.0.11 $F accept "250" "sets RELAYCLIENT"
check "... and no DNS query was sent for it" [ "$(rbl_queries)" -eq "$n" ]
sess 127.0.0.13 "" joe $H $F
expect "SMTP AUTH (listed): relays" 127.0.0.13 $F accept "250" "SMTP AUTH user"
expect "... and a hosted recipient too" 127.0.0.13 $H accept "250"
touch "$w/pop/127.0.0.12"
sess 127.0.0.12 "" "" $H $F
expect "SMTP-after-POP (listed): a hosted recipient is accepted" 127.0.0.12 $H accept "250" "relay client"
expect "... and a foreign one relays" 127.0.0.12 $F accept "250" "relay client"

# --- RBLSMTPD --------------------------------------------------------------------------
n=$(rbl_queries)
sess 127.0.0.10 "" "" $H
expect "RBLSMTPD=\"\" (listed): not looked up, not blocked" 127.0.0.10 $H accept "250"
check "... and no DNS query was sent" [ "$(rbl_queries)" -eq "$n" ]
sess 127.0.0.40 "" "" $H
expect "RBLSMTPD=\"-Go away: listed\": 553 Go away: listed" 127.0.0.40 $H reject "553 5.7.1 Go away: listed" "RBLSMTPD set by tcp.smtp:3"
sess 127.0.0.41 "" "" $H
expect "RBLSMTPD=\"Try later\": 451 Try later" 127.0.0.41 $H tempfail "451 4.7.1 Try later" "RBLSMTPD set by tcp.smtp:4"

# --- answers are kept for dnsbl_cache_ttl ----------------------------------------------
n=$(rbl_queries)
sess 127.0.0.2 "" "" $H
expect "a listed client comes back: still blocked" 127.0.0.2 $H tempfail "451 4.7.1 Listed in bl.test: 127.0.0.2"
sess 127.0.0.50 "" "" $H
expect "an unlisted one: still not blocked" 127.0.0.50 $H accept "250"
check "... and neither sent a query: the answers are cached ($n -> $(rbl_queries))" [ "$(rbl_queries)" -eq "$n" ]

# --- a listener that requires AUTH and runs no DNSBL -----------------------------------
n=$(rbl_queries)
sess 127.0.0.11 ORIGINATING "" $F $H
expect "listener ORIGINATING: a RELAYCLIENT rule does not relay there (its reply)" \
	127.0.0.11 $F reject "553 5.7.1 authenticate first" "requires SMTP AUTH"
sess 127.0.0.2 ORIGINATING "" $H
expect "... a listed stranger's hosted recipient is accepted (no DNSBL there)" 127.0.0.2 $H accept "250"
check "... and no DNS query was sent on that listener" [ "$(rbl_queries)" -eq "$n" ]
touch "$w/pop/127.0.0.60"
sess 127.0.0.60 ORIGINATING "" $F
expect "... a POP login does not relay there" 127.0.0.60 $F reject "553 5.7.1 authenticate first"
sess 127.0.0.2 ORIGINATING joe $F
expect "... SMTP AUTH relays there" 127.0.0.2 $F accept "250" "SMTP AUTH user"
grep -q 'listener="ORIGINATING"' "$QD_LOG" && ok "the decision line names the listener" ||
	bad "the decision line names the listener"
sess 127.0.0.2 OTHER "" $H
expect "an unknown {daemon_name}: the global settings (DNSBL)" 127.0.0.2 $H tempfail "451 4.7.1 Listed in bl.test"

# --- qrelayctl check asks the same zones ------------------------------------------------
CTL=$QR_BUILD/src/qrelayctl
"$CTL" -c "$w/q.conf" check --ip 127.0.0.2 '<a@example.com>' > "$w/ctl.out" 2>&1
rc=$?
check "qrelayctl check: a listed client, 451 and the zone, exit 2 ($rc)" \
	sh -c "[ $rc -eq 2 ] && grep -q '^tempfail 451 4.7.1 Listed in bl.test: 127.0.0.2 | rcpt <a@example.com> | DNSBL: 127.0.0.2 listed in bl.test (dnsbl_zones:2)' '$w/ctl.out' && grep -q '^dnsbl | blocked: 451' '$w/ctl.out'"
"$CTL" -c "$w/q.conf" check --ip 127.0.0.2 --no-dns '<a@example.com>' > "$w/ctl.out" 2>&1
rc=$?
check "... --no-dns: not looked up, accepted ($rc)" \
	sh -c "[ $rc -eq 0 ] && grep -q '^dnsbl | not looked up (--no-dns)' '$w/ctl.out'"
"$CTL" -c "$w/q.conf" check --ip 127.0.0.11 --listener ORIGINATING '<a@evil.example>' > "$w/ctl.out" 2>&1
rc=$?
check "... --listener ORIGINATING: a RELAYCLIENT rule does not relay there, no DNSBL ($rc)" \
	sh -c "[ $rc -eq 1 ] && grep -q '^reject 553 5.7.1 authenticate first' '$w/ctl.out' && grep -q '^dnsbl | off for this listener' '$w/ctl.out'"
"$CTL" -c "$w/q.conf" check --ip 127.0.0.40 '<a@example.com>' > "$w/ctl.out" 2>&1
check "... RBLSMTPD=\"-Go away: listed\": 553 and the rule" \
	grep -q '^reject 553 5.7.1 Go away: listed | rcpt <a@example.com> | RBLSMTPD set by tcp.smtp:3' "$w/ctl.out"

# --- dnsbllist, reloaded -----------------------------------------------------------------
printf '# the qmail RBL patch format\n-a.test:Blocked by dnsbllist: %%IP%%\n' > "$w/ctl/dnsbllist"
conf "$w/q.conf"	# same settings: the watcher reloads for dnsbllist alone
n=$(grep -c 'reloaded tables' "$QD_LOG")
check "control/dnsbllist written: reloaded" \
	wait_until 30 sh -c "[ \$(grep -c 'reloaded tables' '$QD_LOG') -gt $n ]"
sed -i 's/dnsbl_zones = .*/dnsbl_zones = { }/' "$w/q.conf"
kill -USR1 "$QD_PID"	# the configuration is read again at SIGUSR1
check "dnsbl_zones emptied, SIGUSR1: reloaded" \
	wait_until 30 sh -c "[ \$(grep -c 'reloaded tables' '$QD_LOG') -gt $((n + 1)) ]"
sess 127.0.0.30 "" "" $H
expect "dnsbllist: -zone:text gives 553 with its text" 127.0.0.30 $H reject "553 5.7.1 Blocked by dnsbllist: 127.0.0.30" "listed in a.test (dnsbllist:2)"
rm "$w/ctl/dnsbllist"
printf 'this is not a zone!\n' > "$w/ctl/dnsbllist"
check "a bad dnsbllist: the reload fails, naming file and line" \
	wait_until 30 grep -q "dnsbllist:1: \"this is not a zone!\" is not a DNS zone name" "$QD_LOG"
rm "$w/ctl/dnsbllist"
qd_stop

# --- DNS down ---------------------------------------------------------------------------------
# a server that takes the queries and never answers
perl -MIO::Socket::INET -e '
my $s = IO::Socket::INET->new(LocalAddr => "127.0.0.1", LocalPort => 0, Proto => "udp") or die;
open my $f, ">", $ARGV[0] or die; print $f $s->sockport, "\n"; close $f;
while (1) { my $b; $s->recv($b, 4096) }' "$w/hole.port" &
hole=$!
wait_until 20 test -s "$w/hole.port"
HOLE=$(cat "$w/hole.port")
TIMEOUT=4 conf "$w/q.conf"
sed -i "s/127.0.0.1:$RBL_PORT/127.0.0.1:$HOLE/" "$w/q.conf"
: > "$QD_LOG"
qd_start -c "$w/q.conf" || bad "daemon start (DNS down)"
# the lookups to a silent server end at the 4 s deadline: a session that
# waited for them takes that long, one that did not a few ms
ms() { date +%s%3N; }
t0=$(ms)
sess 127.0.0.2 "" joe $F
t1=$(ms)
expect "DNS not answering: an AUTH user relays" 127.0.0.2 $F accept "250" "SMTP AUTH"
check "... without waiting for the DNSBL ($((t1 - t0)) ms; waiting takes 4000)" [ $((t1 - t0)) -lt 3500 ]
touch "$w/pop/127.0.0.12"
t0=$(ms)
sess 127.0.0.12 "" "" $H $F
t1=$(ms)
expect "DNS not answering: a POP user relays" 127.0.0.12 $F accept "250" "relay client"
check "... without waiting for the DNSBL either ($((t1 - t0)) ms)" [ $((t1 - t0)) -lt 3500 ]
t0=$(ms)
sess 127.0.0.2 "" "" $H
t1=$(ms)
expect "DNS not answering: a listed stranger is not blocked (rblsmtpd)" 127.0.0.2 $H accept "250" "failed (timeout), skipped"
check "... answered when the lookups give up, within the 4 s timeout and a loaded machine's delay ($((t1 - t0)) ms)" \
	[ $((t1 - t0)) -ge 3500 ] && [ $((t1 - t0)) -le 30000 ]
qd_stop
kill "$hole" 2>/dev/null
rbl_stop
: > "$QD_LOG"
qd_start -c "$w/q.conf" || bad "daemon start (DNS refused)"
sess 127.0.0.2 "" "" $H
expect "rbldnsd stopped: not blocked" 127.0.0.2 $H accept "250" "failed"
qd_stop
TIMEOUT=4 conf "$w/q.conf" "dnsbl_fail_closed = true"
: > "$QD_LOG"
qd_start -c "$w/q.conf" || bad "daemon start (fail closed)"
sess 127.0.0.2 "" "" $H
expect "... with dnsbl_fail_closed: 451 temporary RBL lookup error" 127.0.0.2 $H tempfail "451 4.7.1 temporary RBL lookup error" "dnsbl_fail_closed"
qd_stop

# --- rbl_before_auth: rblsmtpd's own order ----------------------------------------------------
rbl_start "$w/rbl" bl.test:ip4set:bl4.zone bl.test:ip6trie:bl6.zone \
	perm.test:ip4set:perm.zone a.test:ip4set:a.zone wl.test:ip4set:wl.zone ||
	bad "rbldnsd starts again"
conf "$w/q.conf" "rbl_before_auth = true"
: > "$QD_LOG"
qd_start -c "$w/q.conf" || bad "daemon start (rbl_before_auth)"
sess 127.0.0.13 "" joe $F
expect "rbl_before_auth: a listed AUTH user is blocked, as by rblsmtpd" 127.0.0.13 $F tempfail "451 4.7.1 Listed in bl.test"
sess 127.0.0.11 "" "" $F
expect "... and a listed RELAYCLIENT rule too (qmail needs RBLSMTPD=\"\" there)" 127.0.0.11 $F tempfail "451 4.7.1 Listed in bl.test"
sess 127.0.0.10 "" "" $F
expect "... but RBLSMTPD=\"\" still skips" 127.0.0.10 $F reject "553 5.7.1 sorry, that domain"
n=$(rbl_queries)
sess 127.0.0.2 "" "" $H
sess 127.0.0.2 "" "" $H
check "rbl_before_auth run, default cache: a client that comes back sends no second query" \
	[ "$(rbl_queries)" -eq $((n + 4)) ]
qd_stop
conf "$w/q.conf" "dnsbl_cache_ttl = 0"
qd_start -c "$w/q.conf" || bad "daemon start (no cache)"
n=$(rbl_queries)
sess 127.0.0.2 "" "" $H
sess 127.0.0.2 "" "" $H
check "dnsbl_cache_ttl = 0: every session asks (8 queries, 4 zones twice)" \
	[ "$(rbl_queries)" -eq $((n + 8)) ]
rbl_stop
finish
