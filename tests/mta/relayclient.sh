#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# relayclient.sh - RELAYCLIENT values through a real Postfix and a real
# Sendmail: qmail appends a non-empty $RELAYCLIENT to every recipient of
# the session, and qrelay-milter does the same at end of message
# (smfi_delrcpt + smfi_addrcpt).
#
# Two smtp-sinks on the same port: 127.0.0.1 stands for the Internet,
# 127.0.0.2 for the fix-up host.  Postfix routes fixme.example there with
# a transport map entry, Sendmail with a mailertable entry; hosted domains
# go to each MTA's maildir.  tcp.smtp: 127.0.0.5 RELAYCLIENT="@fixme.example",
# 127.0.0.6 RELAYCLIENT=""; control/relayclients: "127.0.0.7:@fixme.example";
# 127.0.0.8 logged in over POP (a relay-ctrl file) with pop_relayclient
# "@fixme.example", relay-ctrl's RELAY_CTRL_RELAYCLIENT.
# Clients connect from those source addresses (Linux lets a socket bind any
# of 127/8).
#
# Through each MTA: a client with a value gets every recipient, foreign or
# hosted, delivered to the rewritten address at the fix-up host, once per
# recipient (a recipient given twice too), in one message, and nothing at
# the original destinations; the same holds for the second transaction of
# one session; RELAYCLIENT="" relays unchanged; the relayclients value
# works like the rule's, and so does the POP login's (hosted recipients
# too); a stranger's hosted recipient is delivered
# unchanged and its foreign one refused.  The milter logs one rewrite
# line per recipient.  Last line "N passed, N failed".  Needs root,
# Debian's postfix, swaks, tcprules, perl and the Sendmail that
# scripts/install-deps.sh unpacks.  QR_BUILD: the build dir (default
# build).
set -u
cd "$(dirname "$0")/../.."
ROOT=$(pwd -P)
BIN=$(cd "${QR_BUILD:-build}" 2>/dev/null && pwd -P)/src/qrelay-milter
. "$ROOT/tests/mta/postfix.sh"
. "$ROOT/tests/mta/sendmail.sh"
. "$ROOT/tests/lib/swaks.sh"

pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok - $*"; }
bad() { fail=$((fail + 1)); echo "not ok - $*"; }
finish() { echo "$pass passed, $fail failed"; [ "$fail" -eq 0 ]; exit; }

work=$(mktemp -d /tmp/qrelay-rc.XXXXXX)
chmod 755 "$work"
milter_pid= net_pid= fix_pid=
base=$((30000 + $$ % 2000))
MILTER_PORT=$(port_free "$base")
PFX_PORT=$(port_free $((MILTER_PORT + 1)))
SM_PORT=$(port_free $((PFX_PORT + 1)))
NET_PORT=$(port_free $((SM_PORT + 1)))
export PFX_PORT SM_PORT

cleanup() {
	trap '' INT TERM
	[ -n "${QR_KEEP:-}" ] && cp -a "$work" "$QR_KEEP"; pfx_stop "$work/pfx" >/dev/null 2>&1
	sm_stop "$work/sm" >/dev/null 2>&1
	[ -n "$milter_pid" ] && kill -KILL "$milter_pid" 2>/dev/null
	[ -n "$net_pid" ] && kill -TERM "$net_pid" 2>/dev/null
	[ -n "$fix_pid" ] && kill -TERM "$fix_pid" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP
trap 'exit 141' PIPE

# --- qrelay-milter --------------------------------------------------------
mkdir -p "$work/control"
printf '%s\n' example.com .example.com example.net >"$work/control/rcpthosts"
echo mx.qrelay.test >"$work/control/me"
echo '127.0.0.7:@fixme.example' >"$work/control/relayclients"
cat >"$work/tcp.smtp" <<'EOF'
127.0.0.5:allow,RELAYCLIENT="@fixme.example"
127.0.0.6:allow,RELAYCLIENT=""
:allow
EOF
tcprules "$work/tcp.smtp.cdb" "$work/tcp.smtp.tmp" <"$work/tcp.smtp" || {
	bad "tcprules failed"; finish; }
cat >"$work/qrelay-milter.conf" <<EOF
socket = "inet:$MILTER_PORT@127.0.0.1"
control_dir = "$work/control"
rules = "$work/tcp.smtp.cdb"
pop_before_smtp = "directory"
pop_dir = "$work/pop"
pop_relayclient = "@fixme.example"
EOF
mkdir -p "$work/pop" && : >"$work/pop/127.0.0.8"
[ -x "$BIN" ] || { bad "no daemon at $BIN (QR_BUILD=${QR_BUILD:-build})"; finish; }
mkdir -p "$work/sink" && chown nobody "$work/sink"
smtp-sink -u nobody -D "$work/sink/net.dump" "127.0.0.1:$NET_PORT" 64 \
	>"$work/net.log" 2>&1 &
net_pid=$!
smtp-sink -u nobody -D "$work/sink/fix.dump" "127.0.0.2:$NET_PORT" 64 \
	>"$work/fix.log" 2>&1 &
fix_pid=$!
fix_listening() {
	perl -MIO::Socket::INET -e 'exit !IO::Socket::INET->new(PeerAddr => $ARGV[0])' \
		"127.0.0.2:$NET_PORT"
}
if port_wait "$NET_PORT" "$net_pid" && wait_until 30 fix_listening; then
	ok "smtp-sinks: the Internet on 127.0.0.1:$NET_PORT, the fix-up host on 127.0.0.2:$NET_PORT"
else
	cat "$work/net.log" "$work/fix.log"; bad "smtp-sink did not start"; finish
fi
"$BIN" -f -c "$work/qrelay-milter.conf" </dev/null >>"$work/milter.log" 2>&1 &
milter_pid=$!
if port_wait "$MILTER_PORT" "$milter_pid" 60; then ok "qrelay-milter started"; else
	sed 's/^/#   /' "$work/milter.log"; bad "qrelay-milter did not start"; finish
fi

# --- the MTAs ---------------------------------------------------------------
if PFX_NET_PORT=$NET_PORT pfx_setup "$work/pfx" "inet:127.0.0.1:$MILTER_PORT" &&
	echo "fixme.example smtp:[127.0.0.2]:$NET_PORT" >"$work/pfx/etc/transport" &&
	echo "transport_maps = texthash:$work/pfx/etc/transport" >>"$work/pfx/etc/main.cf" &&
	pfx_start "$work/pfx"; then
	ok "private Postfix $(postconf -d -h mail_version) on 127.0.0.1:$PFX_PORT, transport map: fixme.example -> 127.0.0.2"
else
	bad "private Postfix did not start"
fi
# Sendmail: FEATURE(mailertable) in the generated .mc, compiled again
if sm_setup "$work/sm" "$MILTER_PORT" "$NET_PORT" >"$work/sm-setup.out" 2>&1 &&
	echo 'fixme.example	esmtp:[127.0.0.2]' >"$work/sm/etc/mailertable" &&
	"$SM_PREFIX/usr/libexec/sendmail/makemap" -C "$work/sm/etc/sendmail.cf" hash "$work/sm/etc/mailertable" \
		<"$work/sm/etc/mailertable" >>"$work/sm-setup.out" 2>&1 &&
	sed -i -e "s|^MAILER(\`local')dnl|FEATURE(\`mailertable', \`hash $work/sm/etc/mailertable')dnl\n&|" \
		-e 's|ClassFileInUnsafeDirPath|&,MapInUnsafeDirPath|' "$work/sm/etc/qrelay.mc" &&
	m4 "$SM_PREFIX/usr/share/sendmail/cf/m4/cf.m4" "$work/sm/etc/qrelay.mc" \
		>"$work/sm/etc/sendmail.cf" 2>>"$work/sm-setup.out" &&
	grep -q '^Kmailertable' "$work/sm/etc/sendmail.cf" && sm_start "$work/sm"; then
	ok "private Sendmail on 127.0.0.1:$SM_PORT, mailertable: fixme.example -> 127.0.0.2"
else
	sed 's/^/#   /' "$work/sm-setup.out"
	bad "private Sendmail did not start"
fi

# --- helpers ----------------------------------------------------------------
mta_port() { case $1 in pfx) echo "$PFX_PORT" ;; sm) echo "$SM_PORT" ;; esac; }

# smtp MTA SRC NAME MSG1-RCPTS [MSG2-RCPTS]: one session from SRC with one
# or two messages (each "X-Control: NAME.N"), recipients comma-separated;
# every reply goes to $work/NAME.MTA.smtp, the RCPT replies (one line per
# recipient, in order) to $work/NAME.MTA.rcpt.
smtp() {
	_m=$1 _src=$2 _n=$3
	shift 3
	perl -e '
use strict; use IO::Socket::INET;
my ($port, $src, $name, @msgs) = @ARGV;
alarm 120;
my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$port", LocalAddr => $src,
	Timeout => 60) or die "connect 127.0.0.1:$port from $src: $@\n";
open(my $rf, ">", "$ENV{RCPTS}") or die;
sub reply { my $r = ""; while (my $l = <$s>) { $l =~ s/\r?\n$//; print "<- $l\n"; $r = $l;
	last if $l =~ /^\d{3} /; } return $r; }
sub cmd { print "-> $_[0]\n"; print $s "$_[0]\r\n"; return reply(); }
reply();
cmd("EHLO client.test");
my $i = 0;
for my $m (@msgs) {
	$i++;
	cmd("MAIL FROM:<s\@outside.example>");
	my $ok = 0;
	for my $r (split /,/, $m) { my $a = cmd("RCPT TO:<$r>"); print $rf "$a\n"; $ok++ if $a =~ /^250/; }
	if ($ok) {
		if (cmd("DATA") =~ /^354/) {
			print $s "X-Control: $name.$i\r\nSubject: relayclient test\r\n\r\nbody\r\n.\r\n";
			print "<- data: ", reply(), "\n";
		}
	} else { cmd("RSET"); }
}
cmd("QUIT");' "$(mta_port "$_m")" "$_src" "$_n" "$@" >"$work/$_n.$_m.smtp" 2>&1
}
smtp_env() { RCPTS="$work/$3.$1.rcpt" smtp "$@"; }

# rcpts_at SINK MTA CONTROL: the RCPT arguments of the messages with
# "X-Control: CONTROL" that MTA delivered to SINK (net, fix), sorted
rcpts_at() {
	[ -f "$work/sink/$1.dump" ] || return 0
	awk -v mta="by mta.$2.test" -v want="X-Control: $3" '
		function done_rec() { if (m && h) for (i = 1; i <= n; i++) print r[i]; m = h = n = 0 }
		/^X-Client-Addr:/ { done_rec() }
		/^X-Rcpt-Args:/ { r[++n] = $2; next }	# not ORCPT=...
		index($0, mta) { m = 1 }
		$0 == want { h = 1 }
		END { done_rec() }' "$work/sink/$1.dump" | sort
}
messages_at() { sink_count "$work/sink/$1.dump" "$2" X-Control "$3"; }	# SINK MTA CONTROL
hosted() {	# hosted MTA CONTROL: messages in MTA's maildir
	case $1 in
	pfx) _d=$work/pfx/mail/hosted/new ;;
	*) _d=$work/sm/maildir/new ;;
	esac
	cat "$_d"/* 2>/dev/null | grep -c -x -F "X-Control: $2"
}
drain() {	# until both MTAs have nothing left to deliver (up to 90 s)
	queues_drain 90 "$work/pfx/etc" "$work/sm/spool/mqueue"
}
expect_replies() {	# expect_replies MTA NAME ERE...: one per recipient
	_m=$1 _n=$2
	shift 2
	_k=0 _good=1
	for _re in "$@"; do
		_k=$((_k + 1))
		_got=$(sed -n "${_k}p" "$work/$_n.$_m.rcpt")
		printf '%s\n' "$_got" | grep -Eq "$_re" || { _good=0; echo "# RCPT $_k: want /$_re/, got: $_got"; }
	done
	if [ "$_good" = 1 ]; then ok "$_m $_n: RCPT replies as expected ($*)"; else
		bad "$_m $_n: RCPT replies"; sed 's/^/#   /' "$work/$_n.$_m.smtp" | tail -n 30
	fi
}
expect_eq() {	# expect_eq WHAT GOT WANT
	if [ "$2" = "$3" ]; then ok "$1: $(printf '%s' "$3" | tr '\n' ' ')"; else
		bad "$1: want [$(printf '%s' "$3" | tr '\n' ' ')], got [$(printf '%s' "$2" | tr '\n' ' ')]"
	fi
}

# --- the sessions -------------------------------------------------------------
for m in pfx sm; do
	smtp_env "$m" 127.0.0.5 value a@evil.test,b@example.com,a@evil.test
	expect_replies "$m" value '^250' '^250' '^250'
	smtp_env "$m" 127.0.0.5 twice x@evil.test c@example.net,y@evil.test
	expect_replies "$m" twice '^250' '^250' '^250'
	smtp_env "$m" 127.0.0.6 empty a@evil.test,b@example.com
	expect_replies "$m" empty '^250' '^250'
	smtp_env "$m" 127.0.0.7 rcfile z@evil.test
	expect_replies "$m" rcfile '^250'
	smtp_env "$m" 127.0.0.8 pop b@example.com,p@evil.test
	expect_replies "$m" pop '^250' '^250'
	smtp_env "$m" 127.0.0.9 stranger b@example.com,a@evil.test
	expect_replies "$m" stranger '^250' '^553'
done
drain

# --- what arrived where -----------------------------------------------------------
# Postfix writes the quoted local part; Sendmail too
fix() { printf '<"%s"@fixme.example>\n' "$@" | sort; }
for m in pfx sm; do
	expect_eq "$m value: at the fix-up host, once per recipient" \
		"$(rcpts_at fix "$m" value.1)" "$(fix a@evil.test b@example.com)"
	expect_eq "$m value: in one message" "$(messages_at fix "$m" value.1)" 1
	expect_eq "$m value: nothing at the original destinations" \
		"$(messages_at net "$m" value.1) $(hosted "$m" value.1)" "0 0"
	expect_eq "$m twice: first message" "$(rcpts_at fix "$m" twice.1)" "$(fix x@evil.test)"
	expect_eq "$m twice: second message of the session, only its own recipients" \
		"$(rcpts_at fix "$m" twice.2)" "$(fix c@example.net y@evil.test)"
	expect_eq "$m twice: nothing at the original destinations" \
		"$(messages_at net "$m" twice.1) $(messages_at net "$m" twice.2) $(hosted "$m" twice.2)" "0 0 0"
	expect_eq "$m RELAYCLIENT=\"\": the Internet gets the recipient unchanged" \
		"$(rcpts_at net "$m" empty.1)" "<a@evil.test>"
	expect_eq "$m RELAYCLIENT=\"\": hosted delivered, nothing at the fix-up host" \
		"$(hosted "$m" empty.1) $(messages_at fix "$m" empty.1)" "1 0"
	expect_eq "$m relayclients value" "$(rcpts_at fix "$m" rcfile.1)" "$(fix z@evil.test)"
	expect_eq "$m pop_relayclient: a login's recipients, hosted too, at the fix-up host" \
		"$(rcpts_at fix "$m" pop.1)" "$(fix b@example.com p@evil.test)"
	expect_eq "$m pop_relayclient: nothing at the original destinations" \
		"$(messages_at net "$m" pop.1) $(hosted "$m" pop.1)" "0 0"
	expect_eq "$m stranger: hosted recipient unchanged, nothing relayed" \
		"$(hosted "$m" stranger.1) $(messages_at fix "$m" stranger.1) $(messages_at net "$m" stranger.1)" "1 0 0"
done
n=$(grep -c 'rewrite client=127.0.0.[578] .*result=ok' "$work/milter.log")
expect_eq "the milter logged one rewrite line per rewritten recipient (8 per MTA)" "$n" 16
if grep -q 'result=failed' "$work/milter.log"; then
	bad "a rewrite failed:"; grep 'result=failed' "$work/milter.log" | sed 's/^/#   /'
else
	ok "no rewrite failed"
fi
if grep -F 'rcpt="<a@evil.test>"' "$work/milter.log" |
	grep -q -F 'RELAYCLIENT value \"@fixme.example\": recipient becomes <\"a@evil.test\"@fixme.example>'; then
	ok "the decision line names the value and the new recipient"
else
	bad "no decision line names the rewrite"
fi
finish
