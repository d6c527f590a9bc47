#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# dnsbl.sh - DNSBL, RBLSMTPD and per-listener policies of qrelay-milter
# inside a real Postfix 3.7 and a real Sendmail 8.17, against a real
# rbldnsd, on loopback.
#
# One rbldnsd (tests/lib/rbldnsd.sh) serves the test zones:
#   wl.test     ip4set   allow-list: 127.0.0.3
#   bl.test     ip4set   TXT "bl.test lists $ (test)": 127.0.0.2, .3, .4,
#                        .7 and .9;  and ip6trie: ::1
#   bl553.test  ip4set   127.0.0.10 (a "-zone" from control/dnsbllist: 553)
#   a.test      ip4set   127.0.0.11 (an A zone: "a.test:Listed in a.test: %IP%")
# tcp.smtp: 127.0.0.4 RELAYCLIENT="", 127.0.0.7 RBLSMTPD="", 127.0.0.8
# RBLSMTPD="-text", 127.0.0.9 RBLSMTPD="text".  Clients connect from
# 127.0.0.x source addresses (Linux lets a socket bind any of 127/8), and
# from ::1 for the IPv6 scenario.
#
# One qrelay-milter serves:
#   Postfix   127.0.0.1:$PFX_PORT and [::1]:$PFX_PORT, MX-style, SMTP AUTH
#             (Cyrus sasldb), {daemon_name} = $myhostname (mta.pfx.test);
#             127.0.0.1:$PFX_SUB_PORT, submission-style, SMTP AUTH,
#             -o milter_macro_daemon_name=ORIGINATING
#   Sendmail  127.0.0.1:$SM_PORT and [::1]:$SM_PORT, Name=MTA (and MTA6);
#             127.0.0.1:$SM_MSA_PORT, Name=MSA (no M=a: the milter, not
#             Sendmail, requires the login there); SMTP AUTH from a Cyrus
#             sasldb in the work dir (tests/mta/sendmail.sh, SM_SASL=1,
#             explains the private mount namespace that needs)
# and its configuration has listener "ORIGINATING" and listener "MSA",
# both require_auth = true, dnsbl = false, pop_before_smtp = false.  Hosted
# domains go to a maildir, everything else to smtp-sink (the Internet).
#
# Through each MTA: a listed stranger is refused at RCPT with the zone's
# text, for every recipient, hosted ones too; after SMTP AUTH, as a
# RELAYCLIENT rule, or with a fresh SMTP-after-POP file (a stale one does
# not count) it relays; RBLSMTPD="" skips the lists (no query), "-text" is
# 553 text, "text" 451 text; the allow-list wins; the 553 and A zone
# kinds; IPv6 from ::1 (only where the loopback has ::1; swaks would need
# IO::Socket::INET6, so a few lines of perl speak SMTP there); the
# submission listener requires AUTH (a RELAYCLIENT rule or a POP file is
# not enough), asks no DNSBL (no query: rbldnsd's query log) and relays
# for a user who logged in.  Then rbldnsd is stopped: first a silent
# server on its port, then nothing there: listed clients are not blocked
# and the answer comes within dnsbl_timeout (measured); with
# dnsbl_fail_closed = true (SIGUSR1 reload; the daemon ignores SIGHUP)
# strangers get 451, relay clients and AUTH users still relay; rbldnsd
# back, rbl_before_auth = true (restart: dnsbl_servers is read at start-up
# only): listed AUTH users and relay clients are blocked too, except on
# the submission listener.  Finally: what arrived where.  The milter's
# decision lines are checked for the reasons (DNSBL zone, RBLSMTPD rule,
# allow-list, POP, listener="..." and "requires SMTP AUTH").
# Last line "N passed, N failed".  Needs root, Debian's postfix, rbldnsd,
# swaks, tcprules, sasl2-bin, libsasl2-modules, perl and the Sendmail that
# scripts/install-deps.sh unpacks.  QR_BUILD: the build dir (default
# build).  QR_KEEP=DIR keeps a copy of the work dir (logs, transcripts).
set -u
cd "$(dirname "$0")/../.."
ROOT=$(pwd -P)
BIN=$(cd "${QR_BUILD:-build}" 2>/dev/null && pwd -P)/src/qrelay-milter
. "$ROOT/tests/mta/postfix.sh"
. "$ROOT/tests/mta/sendmail.sh"
. "$ROOT/tests/lib/swaks.sh"
. "$ROOT/tests/lib/rbldnsd.sh"

pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok - $*"; }
bad() { fail=$((fail + 1)); echo "not ok - $*"; }
finish() { echo "$pass passed, $fail failed"; [ "$fail" -eq 0 ]; exit; }

TIMEOUT=3	# dnsbl_timeout, seconds
SLACK=7		# allowed on top of it for a loaded machine

work=$(mktemp -d /tmp/qrelay-dnsbl.XXXXXX)
chmod 755 "$work"	# Postfix's daemons (user postfix) and rbldnsd (user rbldns)
milter_pid= sink_pid= hole_pid=
base=$((28000 + $$ % 2000))
MILTER_PORT=$(port_free "$base")
PFX_PORT=$(port_free $((MILTER_PORT + 1)))
PFX_SUB_PORT=$(port_free $((PFX_PORT + 1)))
SM_PORT=$(port_free $((PFX_SUB_PORT + 1)))
SM_MSA_PORT=$(port_free $((SM_PORT + 1)))
NET_PORT=$(port_free $((SM_MSA_PORT + 1)))
export PFX_PORT SM_PORT
# IPv6 through the MTAs only where the loopback has ::1
V6=0
grep -q '^0\{31\}1 ' /proc/net/if_inet6 2>/dev/null && V6=1

start_milter() {
	"$BIN" -f -c "$work/qrelay-milter.conf" </dev/null >>"$work/milter.log" 2>&1 &
	milter_pid=$!
	port_wait "$MILTER_PORT" "$milter_pid" 60
}
stop_milter() {
	[ -n "$milter_pid" ] && proc_stop "$milter_pid" 20
	milter_pid=
}
cleanup() {
	trap '' INT TERM
	pfx_stop "$work/pfx" >/dev/null 2>&1
	sm_stop "$work/sm" >/dev/null 2>&1
	[ -n "$milter_pid" ] && kill -KILL "$milter_pid" 2>/dev/null
	[ -n "$sink_pid" ] && kill -TERM "$sink_pid" 2>/dev/null
	[ -n "$hole_pid" ] && kill -TERM "$hole_pid" 2>/dev/null
	rbl_stop >/dev/null 2>&1
	wait 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- rbldnsd ------------------------------------------------------------------
mkdir -p "$work/rbl"
# rbl_start waits for the first zone's SOA
printf '%s\n' '$SOA 60 ns.bl.test. hostmaster.bl.test. 1 60 60 60 60' \
	':127.0.0.2:bl.test lists $ (test)' 127.0.0.2 127.0.0.3 127.0.0.4 \
	127.0.0.7 127.0.0.9 >"$work/rbl/bl.zone"
printf '%s\n' ':127.0.0.2:bl.test lists the IPv6 loopback (test)' ::1 >"$work/rbl/bl6.zone"
printf '%s\n' ':127.0.0.2:allow-listed' 127.0.0.3 >"$work/rbl/wl.zone"
printf '%s\n' ':127.0.0.2:bl553.test refuses $ (test)' 127.0.0.10 >"$work/rbl/bl553.zone"
printf '%s\n' ':127.0.0.2:a.test TXT, not to be used' 127.0.0.11 >"$work/rbl/a.zone"
ZONES="bl.test:ip4set:bl.zone bl.test:ip6trie:bl6.zone wl.test:ip4set:wl.zone
bl553.test:ip4set:bl553.zone a.test:ip4set:a.zone"
# shellcheck disable=SC2086
if rbl_start "$work/rbl" $ZONES; then
	ok "rbldnsd on 127.0.0.1:$RBL_PORT (udp)"
else
	bad "rbldnsd did not start"; finish
fi
zone_ok=1
for q in 2.0.0.127.bl.test:TXT:NOERROR 3.0.0.127.wl.test:A:NOERROR 20.0.0.127.bl.test:TXT:NXDOMAIN \
	1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.bl.test:TXT:NOERROR; do
	r=$(rbl_query "${q%%:*}" "$(echo "$q" | cut -d: -f2)" 3)
	case $r in "${q##*:}"*) ;; *) zone_ok=0; echo "# ${q%:*}: $r" ;; esac
done
if [ "$zone_ok" = 1 ]; then ok "the test zones answer (IPv4, IPv6, allow-list)"; else
	bad "the test zones do not answer as written"; fi

# --- qrelay-milter ------------------------------------------------------------
mkdir -p "$work/control" "$work/popdir"
printf '%s\n' example.com .example.com example.net >"$work/control/rcpthosts"
echo mx.qrelay.test >"$work/control/me"
printf '%s\n' '# zones after those of the configuration' -bl553.test >"$work/control/dnsbllist"
cat >"$work/tcp.smtp" <<'EOF'
127.0.0.4:allow,RELAYCLIENT=""
127.0.0.7:allow,RBLSMTPD=""
127.0.0.8:allow,RBLSMTPD="-Refused by the tcp.smtp rule for 127.0.0.8"
127.0.0.9:allow,RBLSMTPD="Deferred by the tcp.smtp rule for 127.0.0.9"
:allow
EOF
tcprules "$work/tcp.smtp.cdb" "$work/tcp.smtp.tmp" <"$work/tcp.smtp" || {
	bad "tcprules failed"; finish; }
# write_conf FAIL_CLOSED RBL_BEFORE_AUTH (true/false), atomically
write_conf() {
	cat >"$work/conf.tmp" <<EOF
socket = "inet:$MILTER_PORT@127.0.0.1"
control_dir = "$work/control"
rules = "$work/tcp.smtp.cdb"
pop_before_smtp = directory
pop_dir = "$work/popdir"
dnsbl_zones = { "+wl.test", "bl.test", "a.test:Listed in a.test: %IP%" }
dnsbl_servers = { "127.0.0.1:$RBL_PORT" }
dnsbl_timeout = $TIMEOUT
# every session asks rbldnsd (the no-query and DNS-down checks count on
# it); the cache has its own test in tests/daemon/dnsbl.sh
dnsbl_cache_ttl = 0
dnsbl_fail_closed = $1
rbl_before_auth = $2
# Postfix's submission service (-o milter_macro_daemon_name=ORIGINATING)
listener "ORIGINATING" {
	require_auth = true
	dnsbl = false
	pop_before_smtp = false
}
# Sendmail's DAEMON_OPTIONS(\`Port=..., Name=MSA')
listener "MSA" {
	require_auth = true
	dnsbl = false
	pop_before_smtp = false
}
EOF
	mv "$work/conf.tmp" "$work/qrelay-milter.conf"
}
write_conf false false
if [ ! -x "$BIN" ]; then
	bad "no daemon at $BIN (QR_BUILD=${QR_BUILD:-build})"; finish
fi
if ! "$BIN" -n -c "$work/qrelay-milter.conf" >"$work/check.out" 2>&1; then
	sed 's/^/#   /' "$work/check.out"
	bad "qrelay-milter -n rejects the DNSBL configuration (does this build support dnsbl_zones and listener sections?)"
	finish
fi
mkdir -p "$work/sink" && chown nobody "$work/sink"
smtp-sink -u nobody -D "$work/sink/net.dump" "127.0.0.1:$NET_PORT" 64 \
	>"$work/sink.log" 2>&1 &
sink_pid=$!
if ! port_wait "$NET_PORT" "$sink_pid"; then
	cat "$work/sink.log"; bad "smtp-sink did not start"; finish
fi
if start_milter; then ok "qrelay-milter started"; else
	sed 's/^/#   /' "$work/milter.log"; bad "qrelay-milter did not start"; finish
fi

# --- the MTAs -------------------------------------------------------------------
if PFX_NET_PORT=$NET_PORT PFX_SASL=1 PFX_SUBMIT_PORT=$PFX_SUB_PORT PFX_V6=$V6 \
	pfx_setup "$work/pfx" "inet:127.0.0.1:$MILTER_PORT" &&
	pfx_add_sasl_user "$work/pfx" test@pfx.test secret && pfx_start "$work/pfx"; then
	ok "private Postfix $(postconf -d -h mail_version): MX 127.0.0.1:$PFX_PORT$([ "$V6" = 1 ] && echo " and [::1]:$PFX_PORT"), submission 127.0.0.1:$PFX_SUB_PORT"
else
	bad "private Postfix did not start"
fi
if SM_MSA_PORT=$SM_MSA_PORT SM_SASL=1 SM_V6=$V6 sm_setup "$work/sm" "$MILTER_PORT" "$NET_PORT" \
	>"$work/sm-setup.out" 2>&1 &&
	sm_add_sasl_user "$work/sm" test@sm.test secret && sm_start "$work/sm"; then
	ok "private Sendmail: MTA 127.0.0.1:$SM_PORT$([ "$V6" = 1 ] && echo " and [::1]:$SM_PORT"), MSA 127.0.0.1:$SM_MSA_PORT"
else
	sed 's/^/#   /' "$work/sm-setup.out"
	bad "private Sendmail did not start"
fi

# --- helpers ----------------------------------------------------------------------
# listener names: pfx, pfxsub, sm, smmsa
lport() {
	case $1 in
	pfx) echo "$PFX_PORT" ;;
	pfxsub) echo "$PFX_SUB_PORT" ;;
	sm) echo "$SM_PORT" ;;
	smmsa) echo "$SM_MSA_PORT" ;;
	esac
}
mta_of() { case $1 in pfx*) echo pfx ;; *) echo sm ;; esac; }
user_of() { case $1 in pfx*) echo test@pfx.test ;; *) echo test@sm.test ;; esac; }
# the {daemon_name} of a listener, as the milter logs it (listener="...")
# when it has a section for it
section_of() { case $1 in pfxsub) echo ORIGINATING ;; smmsa) echo MSA ;; esac; }

milter_mark() { wc -l <"$work/milter.log" | tr -d ' '; }
# logged_since MARK ERE: a milter log line written after MARK matches
logged_since() { tail -n "+$(($1 + 1))" "$work/milter.log" | grep -Eq "$2"; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# send LISTENER NAME SRC [swaks args]: one message with "X-Control: NAME"
# from source address SRC; the RCPT (or first error) reply in $reply, the
# session's wall time in $elapsed_ms, the log mark before it in $mark,
# the rbldnsd query count before and after it in $q0 and $q1.
send() {
	_l=$1 _name=$2 _src=$3
	shift 3
	_out="$work/$_name.$_l.swaks"
	mark=$(milter_mark)
	q0=$(rbl_queries)
	_t0=$(now_ms)
	swaks --server "127.0.0.1:$(lport "$_l")" --local-interface "$_src" --timeout 90 \
		--header "X-Control: $_name" --helo client.test "$@" >"$_out" 2>&1
	elapsed_ms=$(($(now_ms) - _t0))
	sleep 0.3	# a query that was sent after all has reached rbldnsd's log
	q1=$(rbl_queries)
	swaks_reply "$_out"
}
# scenario LISTENER NAME SRC WHERE ERE [swaks args]: WHERE sink/hosted/none
scenario() {
	_sl=$1 _sn=$2 _ss=$3 _sw=$4 _sre=$5
	shift 5
	send "$_sl" "$_sn" "$_ss" "$@"
	expect_reply "$_sl" "$_sn" "$_sre"
	echo "$(mta_of "$_sl") $_sn $_sw" >>"$work/expect"
}
# expect_log LISTENER NAME ERE: the milter logged a line matching ERE
# during the last session
expect_log() {
	if logged_since "$mark" "$3"; then ok "$1 $2: milter log /$3/"; else
		bad "$1 $2: no milter log line /$3/ for the session:"
		tail -n "+$((mark + 1))" "$work/milter.log" | sed 's/^/#   /'
	fi
}
expect_no_query() {	# LISTENER NAME
	if [ "$q1" = "$q0" ]; then ok "$1 $2: no DNS query sent"; else
		bad "$1 $2: $((q1 - q0)) DNS queries sent (rbldnsd's log):"
		tail -n "$((q1 - q0))" "$RBL_DIR/log/queries.log" | sed 's/^/#   /'
	fi
}
expect_queries() {	# LISTENER NAME
	if [ "$q1" -gt "$q0" ]; then ok "$1 $2: $((q1 - q0)) DNS queries reached rbldnsd"; else
		bad "$1 $2: no DNS query reached rbldnsd"; fi
}
# expect_time LISTENER NAME MIN_MS MAX_MS: the session's wall time
expect_time() {
	if [ "$elapsed_ms" -ge "$3" ] && [ "$elapsed_ms" -le "$4" ]; then
		ok "$1 $2: session took $elapsed_ms ms (dnsbl_timeout $TIMEOUT s; allowed $3..$4 ms)"
	else
		bad "$1 $2: session took $elapsed_ms ms, want $3..$4 ms (dnsbl_timeout $TIMEOUT s)"
	fi
}

# send6 MTA NAME RCPT: a session from ::1 to [::1]:port (swaks needs
# IO::Socket::INET6 for IPv6, which Debian does not install with it, so a
# few lines of perl with the core IO::Socket::IP); RCPT reply in $reply.
send6() {
	_out="$work/$2.$1.swaks"
	mark=$(milter_mark)
	perl -e '
use strict; use IO::Socket::IP;
my ($port, $rcpt) = @ARGV;
alarm 120;
my $s = IO::Socket::IP->new(PeerHost => "::1", PeerPort => $port, LocalHost => "::1",
	Timeout => 60) or die "connect [::1]:$port: $@\n";
sub reply { my $r = ""; while (my $l = <$s>) { $l =~ s/\r?\n$//; print "<- $l\n"; $r = $l;
	last if $l =~ /^\d{3} /; } return $r; }
reply();
for my $c ("EHLO client6.test", "MAIL FROM:<s\@outside.example>", "RCPT TO:<$rcpt>", "QUIT") {
	print "-> $c\n"; print $s "$c\r\n"; my $r = reply(); print "RCPT: $r\n" if $c =~ /^RCPT/;
}' "$(lport "$1")" "$3" >"$_out" 2>&1
	reply=$(sed -n 's/^RCPT: //p' "$_out")
	[ -n "$reply" ] || reply=$(tail -n 1 "$_out")
}

arrivals() {	# arrivals sink|hosted pfx|sm NAME
	case $1 in
	sink) sink_count "$work/sink/net.dump" "$2" X-Control "$3" ;;
	hosted)
		case $2 in
		pfx) _d=$work/pfx/mail/hosted/new ;;
		*) _d=$work/sm/maildir/new ;;
		esac
		cat "$_d"/* 2>/dev/null | grep -c -x -F "X-Control: $3"
		;;
	esac
}
drain() {	# until both MTAs have nothing left to deliver (up to 90 s)
	queues_drain 90 "$work/pfx/etc" "$work/sm/spool/mqueue"
}

accepted='^250 '
relay_refused='^553 5\.7\.1 '
listed_bl='^451 .*bl\.test lists 127\.0\.0\.2 \(test\)'

# --- 1. port 25 (MX-style listeners) --------------------------------------------
for l in pfx sm; do
	u=$(user_of $l)
	scenario $l listed-foreign 127.0.0.2 none "$listed_bl" \
		--from s@outside.example --to victim@elsewhere.example
	expect_queries $l listed-foreign
	# no listener section for port 25 ({daemon_name} mta.pfx.test or MTA):
	# no listener="..." in the line
	expect_log $l listed-foreign 'client=127\.0\.0\.2 host=.*verdict=[a-z]+ reply="451 .*reason="[^"]*DNSBL: 127\.0\.0\.2 listed in bl\.test'
	scenario $l listed-hosted 127.0.0.2 none "$listed_bl" \
		--from s@outside.example --to user@example.com
	# every recipient of the session, hosted or not
	send $l listed-two-rcpts 127.0.0.2 --from s@outside.example \
		--to user@example.com,victim@elsewhere.example
	echo "$l listed-two-rcpts none" >>"$work/expect"
	replies=$(sed -n '/^ *-> RCPT TO/{n;s/^<[-*]* *//;p;}' "$work/listed-two-rcpts.$l.swaks")
	if [ "$(printf '%s\n' "$replies" | grep -Ec "$listed_bl")" = 2 ]; then
		ok "$l listed-two-rcpts: both RCPTs (hosted, foreign) refused: $(echo $replies)"
	else
		bad "$l listed-two-rcpts: want 2 x /$listed_bl/, got: $(echo $replies)"
	fi
	scenario $l listed-auth 127.0.0.2 sink "$accepted" --auth PLAIN --auth-user "$u" \
		--auth-password secret --from s@outside.example --to friend@elsewhere.example
	scenario $l listed-relayclient-rule 127.0.0.4 sink "$accepted" \
		--from s@outside.example --to friend@elsewhere.example
	scenario $l rblsmtpd-empty-hosted 127.0.0.7 hosted "$accepted" \
		--from s@outside.example --to user@example.com
	expect_no_query $l "rblsmtpd-empty-hosted (RBLSMTPD=\"\", listed in bl.test)"
	scenario $l rblsmtpd-empty-foreign 127.0.0.7 none "$relay_refused" \
		--from s@outside.example --to victim@elsewhere.example
	scenario $l rblsmtpd-dash 127.0.0.8 none '^553 .*Refused by the tcp\.smtp rule for 127\.0\.0\.8' \
		--from s@outside.example --to user@example.com
	expect_log $l rblsmtpd-dash 'client=127\.0\.0\.8 .*RBLSMTPD set by'
	scenario $l rblsmtpd-text 127.0.0.9 none '^451 .*Deferred by the tcp\.smtp rule for 127\.0\.0\.9' \
		--from s@outside.example --to user@example.com
	expect_no_query $l "rblsmtpd-text (RBLSMTPD=\"text\", also listed in bl.test)"
	scenario $l allow-listed-hosted 127.0.0.3 hosted "$accepted" \
		--from s@outside.example --to user@example.com
	expect_log $l allow-listed-hosted 'client=127\.0\.0\.3 .*allow-listed in wl\.test'
	scenario $l allow-listed-foreign 127.0.0.3 none "$relay_refused" \
		--from s@outside.example --to victim@elsewhere.example
	scenario $l dash-zone-dnsbllist 127.0.0.10 none '^553 .*bl553\.test refuses 127\.0\.0\.10 \(test\)' \
		--from s@outside.example --to user@example.com
	scenario $l a-zone 127.0.0.11 none '^451 .*Listed in a\.test: 127\.0\.0\.11' \
		--from s@outside.example --to user@example.com
	scenario $l unlisted-hosted 127.0.0.20 hosted "$accepted" \
		--from s@outside.example --to user@example.com
	scenario $l unlisted-foreign 127.0.0.20 none "$relay_refused" \
		--from s@outside.example --to victim@elsewhere.example
	# SMTP-after-POP (relay-ctrl directory: a file named by the address,
	# fresh while mtime + pop_expiry >= now)
	: >"$work/popdir/127.0.0.2"
	scenario $l listed-pop 127.0.0.2 sink "$accepted" \
		--from s@outside.example --to friend@elsewhere.example
	expect_log $l listed-pop 'client=127\.0\.0\.2 .*reason="relay client: pop-before-smtp relay-ctrl dir'
	# stale: mtime + pop_expiry (default 900 s) < now
	touch -d "@$(($(date +%s) - 1000))" "$work/popdir/127.0.0.2"
	scenario $l listed-pop-stale 127.0.0.2 none "$listed_bl" \
		--from s@outside.example --to friend@elsewhere.example
	rm -f "$work/popdir/127.0.0.2"
	# IPv6: ::1 is listed in bl.test's ip6trie
	if [ "$V6" = 1 ]; then
		send6 $l listed-ipv6 user@example.com
		expect_reply $l "listed-ipv6 (from ::1 to [::1]:$(lport $l))" '^451 .*bl\.test lists the IPv6 loopback \(test\)'
	else
		echo "# $l listed-ipv6: skipped, the loopback has no ::1"
	fi
done

# --- 2. the submission listeners ----------------------------------------------------
for l in pfxsub smmsa; do
	u=$(user_of $l)
	scenario $l sub-relayclient-rule-noauth 127.0.0.4 none '^5[0-9][0-9] ' \
		--from s@outside.example --to victim@elsewhere.example
	expect_no_query $l sub-relayclient-rule-noauth
	expect_log $l sub-relayclient-rule-noauth "client=127\\.0\\.0\\.4 listener=\"$(section_of $l)\" .*requires SMTP AUTH"
	scenario $l sub-listed-hosted-noauth 127.0.0.2 hosted "$accepted" \
		--from s@outside.example --to user@example.com
	expect_no_query $l "sub-listed-hosted-noauth (dnsbl = false)"
	scenario $l sub-rblsmtpd-text-hosted 127.0.0.9 hosted "$accepted" \
		--from s@outside.example --to user@example.com
	: >"$work/popdir/127.0.0.2"
	scenario $l sub-pop-noauth 127.0.0.2 none '^5[0-9][0-9] ' \
		--from s@outside.example --to victim@elsewhere.example
	expect_log $l sub-pop-noauth "client=127\\.0\\.0\\.2 listener=\"$(section_of $l)\" .*requires SMTP AUTH"
	rm -f "$work/popdir/127.0.0.2"
	scenario $l sub-auth 127.0.0.2 sink "$accepted" --auth PLAIN --auth-user "$u" \
		--auth-password secret --from s@outside.example --to friend@elsewhere.example
	expect_no_query $l sub-auth
done

# --- 3. rbldnsd stopped ----------------------------------------------------------------
rbl_stop
# a server that never answers, on rbldnsd's port
perl -e '
use strict; use Socket;
socket(my $s, PF_INET, SOCK_DGRAM, 0) or die "socket: $!\n";
setsockopt($s, SOL_SOCKET, SO_REUSEADDR, 1);
bind($s, pack_sockaddr_in($ARGV[0], inet_aton("127.0.0.1"))) or die "bind: $!\n";
open(my $log, ">>", $ARGV[1]) or die; select((select($log), $| = 1)[0]);
while (1) { my $b; recv($s, $b, 4096, 0); print $log length($b), "\n"; }' \
	"$RBL_PORT" "$work/hole.log" 2>"$work/hole.err" &
hole_pid=$!
sleep 0.5
if proc_alive "$hole_pid"; then ok "a silent DNS server on 127.0.0.1:$RBL_PORT (udp) instead of rbldnsd"; else
	bad "the silent DNS server did not start: $(cat "$work/hole.err")"; fi
lo=$(((TIMEOUT - 1) * 1000)) hi=$(((TIMEOUT + SLACK) * 1000))
for l in pfx sm; do
	scenario $l silent-dns-listed-hosted 127.0.0.2 hosted "$accepted" \
		--from s@outside.example --to user@example.com
	expect_time $l silent-dns-listed-hosted "$lo" "$hi"
	expect_log $l silent-dns-listed-hosted 'client=127\.0\.0\.2 .*DNSBL: lookup of 127\.0\.0\.2 in [^ ]+ failed'
done
echo "# the silent server received $(wc -l <"$work/hole.log" 2>/dev/null || echo 0) queries"
kill -TERM "$hole_pid" 2>/dev/null
wait "$hole_pid" 2>/dev/null
hole_pid=
for l in pfx sm; do
	scenario $l no-dns-listed-hosted 127.0.0.2 hosted "$accepted" \
		--from s@outside.example --to user@example.com
	expect_time $l no-dns-listed-hosted 0 "$hi"
	scenario $l no-dns-listed-foreign 127.0.0.2 none "$relay_refused" \
		--from s@outside.example --to victim@elsewhere.example
done

# --- 4. dnsbl_fail_closed = true (reload) ------------------------------------------------
reloads() { grep -c -e 'reloaded tables' -e 'reload failed' "$work/milter.log"; }
r0=$(reloads)
write_conf true false
kill -USR1 "$milter_pid"
if wait_until 30 sh -c "[ \$(grep -c -e 'reloaded tables' -e 'reload failed' '$work/milter.log') -gt $r0 ]" &&
	! tail -n 5 "$work/milter.log" | grep -q 'reload failed'; then
	ok "reload (SIGUSR1) with dnsbl_fail_closed = true"
else
	bad "reload with dnsbl_fail_closed = true failed:"; tail -n 5 "$work/milter.log" | sed 's/^/#   /'
fi
for l in pfx sm; do
	u=$(user_of $l)
	scenario $l fail-closed-listed-hosted 127.0.0.2 none '^451 ' \
		--from s@outside.example --to user@example.com
	expect_time $l fail-closed-listed-hosted 0 "$hi"
	expect_log $l fail-closed-listed-hosted 'client=127\.0\.0\.2 .*dnsbl_fail_closed'
	scenario $l fail-closed-unlisted-hosted 127.0.0.20 none '^451 ' \
		--from s@outside.example --to user@example.com
	scenario $l fail-closed-rblsmtpd-empty 127.0.0.7 hosted "$accepted" \
		--from s@outside.example --to user@example.com
	scenario $l fail-closed-relayclient-rule 127.0.0.4 sink "$accepted" \
		--from s@outside.example --to friend@elsewhere.example
	scenario $l fail-closed-auth 127.0.0.2 sink "$accepted" --auth PLAIN --auth-user "$u" \
		--auth-password secret --from s@outside.example --to friend@elsewhere.example
done
scenario pfxsub fail-closed-sub-hosted 127.0.0.2 hosted "$accepted" \
	--from s@outside.example --to user@example.com
scenario smmsa fail-closed-sub-hosted 127.0.0.2 hosted "$accepted" \
	--from s@outside.example --to user@example.com

# --- 5. rbldnsd back, rbl_before_auth = true (restart: dnsbl_servers are read
# at start-up only, and rbldnsd may have another port now) -------------------------------
# shellcheck disable=SC2086
if rbl_start "$work/rbl" $ZONES; then ok "rbldnsd started again on 127.0.0.1:$RBL_PORT"; else
	bad "rbldnsd did not start again"; fi
stop_milter
write_conf false true
if start_milter; then ok "qrelay-milter restarted with rbl_before_auth = true"; else
	bad "qrelay-milter did not restart"; tail -n 10 "$work/milter.log" | sed 's/^/#   /'; fi
for l in pfx sm; do
	u=$(user_of $l)
	scenario $l before-auth-listed-auth 127.0.0.2 none "$listed_bl" --auth PLAIN \
		--auth-user "$u" --auth-password secret --from s@outside.example --to friend@elsewhere.example
	scenario $l before-auth-listed-relayclient-rule 127.0.0.4 none '^451 .*bl\.test lists 127\.0\.0\.4 \(test\)' \
		--from s@outside.example --to friend@elsewhere.example
	scenario $l before-auth-rblsmtpd-empty 127.0.0.7 hosted "$accepted" \
		--from s@outside.example --to user@example.com
	scenario $l before-auth-unlisted-auth 127.0.0.20 sink "$accepted" --auth PLAIN \
		--auth-user "$u" --auth-password secret --from s@outside.example --to friend@elsewhere.example
done
for l in pfxsub smmsa; do
	scenario $l before-auth-sub-listed-auth 127.0.0.2 sink "$accepted" --auth PLAIN \
		--auth-user "$(user_of $l)" --auth-password secret --from s@outside.example --to friend@elsewhere.example
done

# --- what arrived where ------------------------------------------------------------------
drain
expect_arrivals arrivals
total_sink=$(grep -c '^X-Client-Addr:' "$work/sink/net.dump" 2>/dev/null)
want_sink=$(grep -c ' sink$' "$work/expect")
if [ "${total_sink:-0}" = "$want_sink" ]; then ok "the sink got $want_sink messages, nothing else"; else
	bad "the sink got ${total_sink:-0} messages, want $want_sink"; fi

echo "# milter decision lines logged: $(grep -c 'decision ' "$work/milter.log")"
echo "# queries rbldnsd logged (second run): $(rbl_queries)"
if [ "$fail" -ne 0 ]; then
	echo "# milter log (last 40 lines):"
	tail -n 40 "$work/milter.log" | sed 's/^/#   /'
	echo "# Postfix maillog (problems):"
	grep -E 'warning|error|fatal|panic' "$work/pfx/maillog" | tail -n 20 | sed 's/^/#   /'
fi
# QR_KEEP=DIR: keep a copy of the work dir (logs, transcripts, configs)
[ -n "${QR_KEEP:-}" ] && cp -r "$work" "$QR_KEEP" && echo "# work dir copied to $QR_KEEP"
finish
