#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# lint.sh - qrelayctl lint: a clean setup has no finding (exit 0); each
# finding has a fixture of its own, made here from the clean one, that
# must give that code on the right file and line, and the exit status of
# its severity; the quick start's Postfix (tests/mta/postfix.sh, as
# scripts/quickstart.sh writes it) passes; --json says what the text
# says, escaped (perl's JSON::PP reads it); the running daemon is seen.
# Postfix is read with postconf -c on files written here and Sendmail
# from .cf files that m4 makes from the real sendmail-cf: no MTA runs.
#
#   sh tests/tools/lint.sh      (QR_BUILD: the build directory)
# Prints "ok"/"not ok" lines and last "N passed, N failed[, N skipped]".
set -u
cd "$(dirname "$0")/../.."
. tests/daemon/lib.sh
Q=$QR_BUILD/src/qrelayctl
w=$QD_WORK
chmod 755 "$w"
SM_PREFIX=${SM_PREFIX:-/opt/qrelay-test/sendmail}

# --- helpers ----------------------------------------------------------------

# fixture NAME: a clean setup in $w/NAME (control files, tcp.smtp, q.conf)
fixture() {
	f=$w/$1
	rm -rf "$f"
	mkdir -p "$f/ctl" "$f/run"
	printf 'example.com\n.example.com\nexample.net\n' >"$f/ctl/rcpthosts"
	printf 'example.com\n' >"$f/ctl/locals"
	printf 'example.net:alias-net\nu@mail.example.com:alias-u\n' >"$f/ctl/virtualdomains"
	printf '192.0.2.5\n198.51.100.\n2001:db8:1:\n' >"$f/ctl/relayclients"
	printf 'mail.partner.example\n.partner.example\n' >"$f/ctl/relaydomains"
	printf 'boss@partner.example\n' >"$f/ctl/relaymailfrom"
	printf '@spam.example\n' >"$f/ctl/badmailfrom"
	printf '127.0.0.1:allow,RELAYCLIENT=""\n192.0.2.:allow,RELAYCLIENT=""\n10.1.2-3.:allow,RELAYCLIENT=""\n=mx.partner.example:allow,RELAYCLIENT=""\n10.9.:deny\n:allow\n' >"$f/tcp.smtp"
	cat >"$f/q.conf" <<EOF
socket = "inet:18893@127.0.0.1"
status_file = ""
control_dir = "$f/ctl"
rules = "$f/tcp.smtp"
EOF
}

# run NAME ARGS...: qrelayctl lint on fixture NAME without MTA or daemon
# (unless ARGS say otherwise); output in $w/out, status in $rc
run() {
	_n=$1
	shift
	"$Q" -c "$w/$_n/q.conf" lint --no-postfix --no-sendmail --no-daemon "$@" \
		>"$w/out" 2>"$w/err"
	rc=$?
}

findings() { grep -Ec '^(ERROR|WARNING|INFO) ' "$w/out"; }
errors() { grep -c '^ERROR ' "$w/out"; }

# has SEVERITY CODE FILE LINE: the output has that finding
has() {
	awk -v s="$1" -v c="[$2]" -v fl="$3:$4:" \
		'$1 == s && $2 == fl && $NF == c { f = 1 } END { exit !f }' "$w/out"
}

# expect NAME SEVERITY CODE FILE LINE RC: that finding, and exit status RC
expect() {
	if has "$2" "$3" "$4" "$5" && [ "$rc" = "$6" ]; then
		ok "$1: $2 $4:$5 [$3], exit $rc"
	else
		bad "$1: want $2 $4:$5 [$3] and exit $6, got exit $rc:"
		sed 's/^/#   /' "$w/out" "$w/err"
	fi
}

# line FILE REGEX: the number of the last line of FILE matching REGEX
line() { grep -n -E "$2" "$1" | tail -n 1 | cut -d: -f1; }

# --- the clean setup --------------------------------------------------------

fixture clean
run clean
if [ "$rc" = 0 ] && [ "$(findings)" = 0 ] &&
	grep -qx 'lint: 0 errors, 0 warnings, 0 info' "$w/out"; then
	ok "clean setup: no finding, exit 0"
else
	bad "clean setup: exit $rc:"; sed 's/^/#   /' "$w/out" "$w/err"
fi
tcprules "$w/clean/tcp.smtp.cdb" "$w/clean/tcp.tmp" <"$w/clean/tcp.smtp" 2>/dev/null &&
	touch -d '-10 sec' "$w/clean/tcp.smtp"
run clean -x "$w/clean/tcp.smtp.cdb"
if command -v tcprules >/dev/null && [ "$rc" = 0 ] && [ "$(findings)" = 0 ]; then
	ok "clean setup, rules as tcprules' cdb: no finding, exit 0"
elif ! command -v tcprules >/dev/null; then
	skip "clean setup with a cdb: no tcprules (ucspi-tcp)"
else
	bad "clean setup with a cdb: exit $rc:"; sed 's/^/#   /' "$w/out" "$w/err"
fi

# --- the control files and the rules, one fixture per finding ---------------

fixture catchall
printf ':allow,RELAYCLIENT=""\n' >>"$w/catchall/tcp.smtp"
sed -i '/^:allow$/d' "$w/catchall/tcp.smtp"
run catchall
expect "catch-all rule" ERROR relay-catch-all "$w/catchall/tcp.smtp" 6 1

fixture named
printf '=:allow,RELAYCLIENT=""\n' >>"$w/named/tcp.smtp"
run named
expect "\"=\" rule" ERROR relay-catch-all "$w/named/tcp.smtp" 7 1

fixture broad
sed -i 's/^192\.0\.2\./10./' "$w/broad/tcp.smtp"
run broad
expect "a /8 RELAYCLIENT rule" ERROR relay-broad "$w/broad/tcp.smtp" 2 1
fixture range
printf '172.16-19.:allow,RELAYCLIENT=""\n' >>"$w/range/tcp.smtp"
run range
expect "a range line of four /16s" ERROR relay-broad "$w/range/tcp.smtp" 7 1
fixture tld
printf '=.com:allow,RELAYCLIENT=""\n' >>"$w/tld/tcp.smtp"
run tld
expect "a =.tld rule" ERROR relay-broad "$w/tld/tcp.smtp" 7 1
fixture v6rule
printf '2001::allow,RELAYCLIENT=""\n' >>"$w/v6rule/tcp.smtp"
run v6rule
expect "an IPv6 /16 rule" ERROR relay-broad "$w/v6rule/tcp.smtp" 7 1
fixture loop
printf '127.:allow,RELAYCLIENT=""\n' >>"$w/loop/tcp.smtp"
run loop
check "127. (loopback only) is not broad (exit $rc)" [ "$rc" = 0 ]
fixture rc8
printf '10.\n' >>"$w/rc8/ctl/relayclients"
run rc8
expect "relayclients 10." ERROR relay-broad "$w/rc8/ctl/relayclients" 4 1
fixture rc6
printf '2001:\n' >>"$w/rc6/ctl/relayclients"
run rc6
expect "relayclients 2001: (a /16)" ERROR relay-broad "$w/rc6/ctl/relayclients" 4 1
fixture rcval
printf '10.2.:@relay.example\n' >>"$w/rcval/ctl/relayclients"
run rcval
check "relayclients KEY:@value: the key is judged (exit $rc)" [ "$rc" = 0 ]
fixture rdtld
printf '.org\n' >>"$w/rdtld/ctl/relaydomains"
run rdtld
expect "relaydomains .org" ERROR relay-broad "$w/rdtld/ctl/relaydomains" 3 1
# public suffixes (libpsl): anyone may register a name under them
fixture rdpsl
printf '.co.uk\n.Github.IO\n.branch.co.uk\n' >>"$w/rdpsl/ctl/relaydomains"
run rdpsl
expect "relaydomains .co.uk (a public suffix)" ERROR relay-broad "$w/rdpsl/ctl/relaydomains" 3 1
expect "relaydomains .Github.IO (a private-section suffix, any case)" ERROR relay-broad "$w/rdpsl/ctl/relaydomains" 4 1
check "... .branch.co.uk is a name, not a suffix" [ "$(errors)" = 2 ]
fixture pslrule
printf '=.co.uk:allow,RELAYCLIENT=""\n=.partner.co.uk:allow,RELAYCLIENT=""\n' >>"$w/pslrule/tcp.smtp"
run pslrule
expect "a =.co.uk rule" ERROR relay-broad "$w/pslrule/tcp.smtp" 7 1
check "... =.partner.co.uk is not broad" [ "$(errors)" = 1 ]

fixture rmf
printf '@example.net\n' >>"$w/rmf/ctl/relaymailfrom"
run rmf
expect "relaymailfrom @hosted" ERROR relaymailfrom-hosted "$w/rmf/ctl/relaymailfrom" 2 1
fixture rmfsub
printf 'joe@Shop.Example.COM\n' >>"$w/rmfsub/ctl/relaymailfrom"
run rmfsub
expect "relaymailfrom in a hosted .suffix, any case" ERROR relaymailfrom-hosted "$w/rmfsub/ctl/relaymailfrom" 2 1
if command -v cdb >/dev/null; then
	fixture rmfcdb
	printf '+16,0:boss@example.com->\n\n' | cdb -c "$w/rmfcdb/ctl/relaymailfrom.cdb"
	run rmfcdb
	expect "relaymailfrom.cdb key in a hosted domain" ERROR relaymailfrom-hosted "$w/rmfcdb/ctl/relaymailfrom.cdb" 0 1
	grep -q 'key "boss@example.com"' "$w/out" && ok "... the finding names the key" ||
		bad "... the finding names the key"
else
	skip "relaymailfrom.cdb: no cdb (tinycdb)"
fi

fixture routing
printf 'reject_sender_routing = false\n' >>"$w/routing/q.conf"
run routing
expect "reject_sender_routing = false" ERROR sender-routing "$w/routing/q.conf" 5 1

fixture norcpt
rm "$w/norcpt/ctl/rcpthosts"
run norcpt
expect "no rcpthosts" ERROR rcpthosts-missing "$w/norcpt/ctl/rcpthosts" 0 1
fixture emptyrcpt
: >"$w/emptyrcpt/ctl/rcpthosts"
rm "$w/emptyrcpt/ctl/locals" "$w/emptyrcpt/ctl/virtualdomains"
run emptyrcpt
expect "empty rcpthosts" WARNING rcpthosts-empty "$w/emptyrcpt/ctl/rcpthosts" 0 2

fixture unparsable
printf '1.2.3.4:allow,RELAYCLIENT="\n' >>"$w/unparsable/tcp.smtp"
run unparsable
expect "a rules line tcprules cannot parse" ERROR file-unusable "$w/unparsable/tcp.smtp" 7 1
fixture crrule
printf '1.2.3.4:deny\r\n' >>"$w/crrule/tcp.smtp"
run crrule
expect "a CR in tcp.smtp (tcprules fails too)" ERROR file-unusable "$w/crrule/tcp.smtp" 7 1
fixture corrupt
printf 'garbage' >"$w/corrupt/ctl/morercpthosts.cdb"
run corrupt
expect "a corrupt morercpthosts.cdb" ERROR file-unusable "$w/corrupt/ctl/morercpthosts.cdb" 0 1

# lines that never match
fixture blank
printf '  example.org\n' >>"$w/blank/ctl/rcpthosts"
run blank
expect "rcpthosts line with leading blanks" WARNING never-matches "$w/blank/ctl/rcpthosts" 4 2
fixture cr
printf 'example.org\r\n' >>"$w/cr/ctl/rcpthosts"
run cr
expect "rcpthosts line with a CR" WARNING never-matches "$w/cr/ctl/rcpthosts" 4 2
fixture cidr
printf '10.0.0.0/8:allow,RELAYCLIENT=""\n' >>"$w/cidr/tcp.smtp"
run cidr
expect "CIDR literal in tcp.smtp" WARNING never-matches "$w/cidr/tcp.smtp" 7 2
fixture rblank
printf ' 2.2.2.2:deny\n' >>"$w/rblank/tcp.smtp"
run rblank
expect "tcp.smtp key with a leading blank" WARNING never-matches "$w/rblank/tcp.smtp" 7 2
fixture dup
printf '192.0.2.:deny\n' >>"$w/dup/tcp.smtp"
run dup
expect "a duplicate key (only the first counts)" WARNING never-matches "$w/dup/tcp.smtp" 7 2
fixture ident
printf 'joe@10.9.9.9:allow,RELAYCLIENT=""\n' >>"$w/ident/tcp.smtp"
run ident
expect "an info@ip rule (no ident)" WARNING never-matches "$w/ident/tcp.smtp" 7 2
fixture upper
printf '=MX.Partner.Example:allow,RELAYCLIENT=""\n' >>"$w/upper/tcp.smtp"
run upper
expect "an upper-case =host rule" WARNING never-matches "$w/upper/tcp.smtp" 7 2
fixture nocolon
printf '10.20.30.40\n' >>"$w/nocolon/tcp.smtp"
run nocolon
expect "a tcp.smtp line without ':'" WARNING never-matches "$w/nocolon/tcp.smtp" 7 2
fixture short
printf '10.20:allow\n' >>"$w/short/tcp.smtp"
run short
expect "a key that is no address nor prefix" WARNING never-matches "$w/short/tcp.smtp" 7 2
fixture rccolon
printf '172.16.1.:\n' >>"$w/rccolon/ctl/relayclients"
run rccolon
expect "relayclients 172.16.1.: (bare ':')" WARNING never-matches "$w/rccolon/ctl/relayclients" 4 2
fixture rcv6
printf '2001:0db8:5:\n' >>"$w/rcv6/ctl/relayclients"
run rcv6
expect "relayclients IPv6 prefix with a leading zero" WARNING never-matches "$w/rcv6/ctl/relayclients" 4 2
fixture rdip
printf '192.0.2.7\n' >>"$w/rdip/ctl/relaydomains"
run rdip
expect "an address in relaydomains" WARNING never-matches "$w/rdip/ctl/relaydomains" 3 2
fixture bmf
printf ' @evil.example\n' >>"$w/bmf/ctl/badmailfrom"
run bmf
expect "badmailfrom with a leading blank" WARNING never-matches "$w/bmf/ctl/badmailfrom" 2 2

fixture locals
printf 'example.org\n' >>"$w/locals/ctl/locals"
run locals
expect "locals domain missing from rcpthosts" WARNING not-in-rcpthosts "$w/locals/ctl/locals" 2 2
fixture vdom
printf 'virtual.example:alias-v\n' >>"$w/vdom/ctl/virtualdomains"
run vdom
expect "virtualdomains domain missing from rcpthosts" WARNING not-in-rcpthosts "$w/vdom/ctl/virtualdomains" 3 2

if command -v tcprules >/dev/null; then
	fixture stale
	tcprules "$w/stale/tcp.smtp.cdb" "$w/stale/tcp.tmp" <"$w/stale/tcp.smtp"
	touch -d '-60 sec' "$w/stale/tcp.smtp.cdb"
	run stale -x "$w/stale/tcp.smtp.cdb"
	expect "tcp.smtp newer than tcp.smtp.cdb" WARNING cdb-stale "$w/stale/tcp.smtp.cdb" 0 2
	run stale
	expect "... also when the daemon reads the text" WARNING cdb-stale "$w/stale/tcp.smtp.cdb" 0 2
	fixture cdbkey
	printf '10.:allow,RELAYCLIENT=""\n:allow\n' |
		tcprules "$w/cdbkey/rules.cdb" "$w/cdbkey/tmp"
	run cdbkey -x "$w/cdbkey/rules.cdb"
	expect "a cdb-only rules file: the cdb" ERROR relay-broad "$w/cdbkey/rules.cdb" 0 1
	grep -q 'key "10\." sets RELAYCLIENT' "$w/out" && ok "... and the key" ||
		bad "... and the key"
else
	skip "cdb-stale and cdb rules: no tcprules (ucspi-tcp)"
fi
if command -v cdb >/dev/null; then
	fixture mrh
	printf 'example.org\n' >"$w/mrh/ctl/morercpthosts"
	printf '+11,0:example.org->\n\n' | cdb -c "$w/mrh/ctl/morercpthosts.cdb"
	touch -d '-60 sec' "$w/mrh/ctl/morercpthosts.cdb"
	run mrh
	expect "morercpthosts newer than morercpthosts.cdb" WARNING cdb-stale "$w/mrh/ctl/morercpthosts.cdb" 0 2
else
	skip "morercpthosts.cdb: no cdb (tinycdb)"
fi

# --- usage --------------------------------------------------------------

"$Q" lint --bogus >/dev/null 2>&1
check "an unknown option is a usage error (exit $?)" [ "$?" = 111 ]
"$Q" -c "$w/nonexistent.conf" lint >/dev/null 2>&1
check "a configuration file that cannot be read: exit 111" [ "$?" = 111 ]

# --- Postfix (postconf -c on files written here) ------------------------

# pf NAME: fixture NAME with a Postfix configuration in $w/NAME/pf: one
# smtpd on port 25 with the README's settings, and a submission service
pf() {
	fixture "$1"
	p=$w/$1/pf
	mkdir -p "$p"
	cat >"$p/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $w/$1/spool
mynetworks = 127.0.0.0/8 [::1]/128
smtpd_recipient_restrictions =
smtpd_milters = inet:127.0.0.1:18893
milter_default_action = tempfail
milter_protocol = 6
smtpd_relay_restrictions = check_client_access static:OK, reject_unauth_destination
EOF
	cat >"$p/master.cf" <<EOF
smtp      inet  n       -       n       -       -       smtpd
submission inet n       -       n       -       -       smtpd
  -o syslog_name=postfix/submission
  -o smtpd_sasl_auth_enable=yes
  -o milter_macro_daemon_name=ORIGINATING
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
EOF
}
if command -v postconf >/dev/null 2>&1; then
	pf pfclean
	run pfclean --postfix="$w/pfclean/pf"
	check "Postfix as the README says: no finding (exit $rc)" [ "$rc" = 0 ] && [ "$(findings)" = 0 ]

	pf pfnone
	printf 'smtpd_milters = inet:127.0.0.1:9999\n' >>"$w/pfnone/pf/main.cf"
	run pfnone --postfix="$w/pfnone/pf"
	expect "smtpd_milters elsewhere, static:OK" ERROR postfix-open-relay "$w/pfnone/pf/master.cf" 1 1
	pf pfover
	sed -i 's/^  -o syslog_name=postfix\/submission/  -o smtpd_milters=/' "$w/pfover/pf/master.cf"
	run pfover --postfix="$w/pfover/pf"
	expect "a service's -o smtpd_milters= (empty)" ERROR postfix-open-relay "$w/pfover/pf/master.cf" 2 1
	check "... and only that service" [ "$(findings)" = 1 ]
	pf pfpermit
	sed -i 's/^smtpd_relay_restrictions = .*/smtpd_relay_restrictions = permit/' "$w/pfpermit/pf/main.cf"
	sed -i 's/^  -o syslog_name=postfix\/submission/  -o receive_override_options=no_milters/' "$w/pfpermit/pf/master.cf"
	run pfpermit --postfix="$w/pfpermit/pf"
	expect "\"permit\" and no_milters" ERROR postfix-open-relay "$w/pfpermit/pf/master.cf" 2 1
	pf pfmynet
	sed -i 's/^smtpd_relay_restrictions = .*/smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination/' "$w/pfmynet/pf/main.cf"
	sed -i 's|^mynetworks = .*|mynetworks = 0.0.0.0/0|' "$w/pfmynet/pf/main.cf"
	sed -i 's/^  -o syslog_name=postfix\/submission/  -o smtpd_milters=/' "$w/pfmynet/pf/master.cf"
	run pfmynet --postfix="$w/pfmynet/pf"
	expect "mynetworks 0.0.0.0/0 with permit_mynetworks" ERROR postfix-open-relay "$w/pfmynet/pf/master.cf" 2 1
	pf pfempty
	sed -i 's/^smtpd_relay_restrictions = .*/smtpd_relay_restrictions =/' "$w/pfempty/pf/main.cf"
	sed -i 's/^smtpd_recipient_restrictions =.*/smtpd_recipient_restrictions = permit_mynetworks, permit/' "$w/pfempty/pf/main.cf"
	sed -i 's/^smtpd_milters = .*/smtpd_milters =/' "$w/pfempty/pf/main.cf"
	run pfempty --postfix="$w/pfempty/pf"
	expect "empty relay restrictions, recipient restrictions without reject_unauth_destination" ERROR postfix-open-relay "$w/pfempty/pf/master.cf" 1 1
	pf pfwarn
	sed -i 's/^smtpd_relay_restrictions = .*/smtpd_relay_restrictions = warn_if_reject reject_unauth_destination, permit/' "$w/pfwarn/pf/main.cf"
	sed -i 's/^smtpd_milters = .*/smtpd_milters =/' "$w/pfwarn/pf/main.cf"
	run pfwarn --postfix="$w/pfwarn/pf"
	expect "warn_if_reject reject_unauth_destination does not reject" ERROR postfix-open-relay "$w/pfwarn/pf/master.cf" 1 1
	pf pfguard
	sed -i 's/^smtpd_relay_restrictions = .*/smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination/' "$w/pfguard/pf/main.cf"
	sed -i 's/^smtpd_milters = .*/smtpd_milters =/' "$w/pfguard/pf/main.cf"
	run pfguard --postfix="$w/pfguard/pf"
	expect "no milter where Postfix guards relaying itself" WARNING postfix-no-milter "$w/pfguard/pf/master.cf" 1 2
	pf pfbroad
	sed -i 's/^smtpd_relay_restrictions = .*/smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination/' "$w/pfbroad/pf/main.cf"
	sed -i 's|^mynetworks = .*|mynetworks = 127.0.0.0/8 10.0.0.0/8|' "$w/pfbroad/pf/main.cf"
	run pfbroad --postfix="$w/pfbroad/pf"
	expect "mynetworks with a /8 (permit_mynetworks)" ERROR relay-broad "$w/pfbroad/pf/main.cf" 3 1
	pf pfdisabled
	sed -i 's/^smtpd_relay_restrictions = .*/smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination/' "$w/pfdisabled/pf/main.cf"
	sed -i 's/^  -o syslog_name=postfix\/submission/  -o receive_override_options=no_milters/' "$w/pfdisabled/pf/master.cf"
	run pfdisabled --postfix="$w/pfdisabled/pf"
	expect "no_milters where Postfix guards relaying (INFO only: exit 3)" INFO postfix-milter-disabled "$w/pfdisabled/pf/master.cf" 2 3
	pf pfaccept
	sed -i 's/^milter_default_action = .*/milter_default_action = accept/' "$w/pfaccept/pf/main.cf"
	run pfaccept --postfix="$w/pfaccept/pf"
	expect "milter_default_action = accept" ERROR postfix-fail-open "$w/pfaccept/pf/main.cf" 6 1
	pf pfaction
	sed -i 's/^smtpd_milters = .*/smtpd_milters = { inet:127.0.0.1:18893, default_action = accept }/' "$w/pfaction/pf/main.cf"
	run pfaction --postfix="$w/pfaction/pf"
	expect "a milter's own default_action = accept" ERROR postfix-fail-open "$w/pfaction/pf/main.cf" 5 1
	pf pfproto
	sed -i 's/^milter_protocol = .*/milter_protocol = 2/' "$w/pfproto/pf/main.cf"
	run pfproto --postfix="$w/pfproto/pf"
	expect "milter_protocol = 2" WARNING postfix-milter-protocol "$w/pfproto/pf/main.cf" 7 2
	pf pflistener
	printf 'listener "SUBMIT" {\n  require_auth = true\n}\nlistener "ORIGINATING" {\n  dnsbl = false\n}\n' >>"$w/pflistener/q.conf"
	run pflistener --postfix="$w/pflistener/pf"
	expect "a listener no service names" WARNING listener-unmatched "$w/pflistener/q.conf" 5 2
	check "... and none for the one submission names" [ "$(findings)" = 1 ]
	# a chrooted smtpd reaches a unix socket below the queue directory
	pf pfchroot
	sed -i 's|^socket = .*|socket = "unix:'"$w"'/pfchroot/spool/qrelay/q.sock"|' "$w/pfchroot/q.conf"
	sed -i 's|^smtpd_milters = .*|smtpd_milters = unix:/qrelay/q.sock|' "$w/pfchroot/pf/main.cf"
	sed -i 's/^smtp      inet  n       -       n/smtp      inet  n       -       y/' "$w/pfchroot/pf/master.cf"
	run pfchroot --postfix="$w/pfchroot/pf"
	expect "a chrooted smtpd names the socket from outside the chroot" ERROR postfix-open-relay "$w/pfchroot/pf/master.cf" 2 1
	check "... and the chrooted one reaches it" [ "$(findings)" = 1 ]
	run pfchroot --postfix="$w/pfchroot/pf/nonexistent"
	expect "postconf fails" ERROR audit-failed "$w/pfchroot/pf/nonexistent" 0 1

	# lookup tables in the relay restrictions, read and asked through
	# postmap: the submission service does not ask the milter, so what
	# Postfix's own tables let past decides
	# pftab NAME RESTRICTIONS: fixture NAME with those relay restrictions
	# ($p is its Postfix directory; @P@ in RESTRICTIONS stands for it)
	pftab() {
		pf "$1"
		sed -i "s|^smtpd_relay_restrictions = .*|smtpd_relay_restrictions = $(printf %s "$2" | sed "s|@P@|$p|g")|" "$p/main.cf"
		sed -i 's/^  -o syslog_name=postfix\/submission/  -o smtpd_milters=/' "$p/master.cf"
	}
	pftab pfcidr 'permit_sasl_authenticated, check_client_access cidr:@P@/clients.cidr, reject_unauth_destination'
	printf '# offices\n192.0.2.0/24 OK\n10.9.0.0/16 REJECT\n0.0.0.0/0 OK\n' >"$p/clients.cidr"
	run pfcidr --postfix="$p"
	expect "check_client_access cidr: with 0.0.0.0/0 OK" ERROR postfix-open-relay "$p/master.cf" 2 1
	check "... the reason names the table's line" grep -q "clients.cidr:4: \"0.0.0.0/0 OK\" covers every address" "$w/out"
	check "... and the service that asks the milter is not a finding" [ "$(findings)" = 1 ]
	pftab pfinline 'check_client_access inline:{192.0.2.1=OK, { 198.51.100.0/24 = REJECT }}, reject_unauth_destination'
	run pfinline --postfix="$p"
	check "check_client_access inline: one client OK is not everyone" [ "$(errors)" = 0 ]
	pftab pfcidr8 'check_client_access cidr:@P@/clients.cidr, reject_unauth_destination'
	printf '192.0.2.0/24 OK\n10.0.0.0/8 OK\n172.16.0.0/12 REJECT\n2001:db8::/24 OK\n' >"$p/clients.cidr"
	run pfcidr8 --postfix="$p"
	expect "check_client_access cidr: with 10.0.0.0/8 OK" ERROR relay-broad "$p/clients.cidr" 2 1
	expect "... and 2001:db8::/24 OK" ERROR relay-broad "$p/clients.cidr" 4 1
	check "... a /12 that is refused is not a grant, and the service is not open" [ "$(errors)" = 2 ]
	pftab pfregexp 'check_recipient_access regexp:@P@/rcpt.re, reject_unauth_destination'
	printf 'if /@example\\.com$/\n/^postmaster@/ OK\nendif\n/@/ OK\n' >"$p/rcpt.re"
	run pfregexp --postfix="$p"
	expect "check_recipient_access regexp: /@/ OK (Postfix asked)" ERROR postfix-open-relay "$p/master.cf" 2 1
	check "... it answered OK for recipients nobody lists" grep -q 'lets "probe-q7@probe-q7.invalid" and "nobody-z3@other-z3.test" past, keys nobody lists (it answers "OK")' "$w/out"
	pftab pfsender 'check_sender_access hash:@P@/senders, reject_unauth_destination'
	printf '# the boss may relay\n@spam.example REJECT\nboss@example.com   OK\n' >"$p/senders"
	postmap -c "$p" "$p/senders"
	run pfsender --postfix="$p"
	expect "check_sender_access hash: with one sender OK (forgeable)" ERROR postfix-open-relay "$p/master.cf" 2 1
	check "... the reason names the sender's line" grep -q "senders:3: \"boss@example.com OK\" lets past whoever names it" "$w/out"
	rm "$p/senders"
	run pfsender --postfix="$p"
	expect "... the hash without its source: postmap -s" ERROR postfix-open-relay "$p/master.cf" 2 1
	check "... named by the table" grep -q "hash:$p/senders: \"boss@example.com OK\" lets past" "$w/out"
	pftab pfproxy 'check_sender_access proxy:hash:@P@/senders, reject_unauth_destination'
	printf 'boss@example.com OK\n' >"$p/senders"
	postmap -c "$p" "$p/senders"
	run pfproxy --postfix="$p"
	expect "... through proxy:hash: (read as the hash table)" ERROR postfix-open-relay "$p/master.cf" 2 1
	# a restriction class as the answer (RESTRICTION_CLASS_README)
	pftab pfclass 'check_sender_access texthash:@P@/senders, check_recipient_access regexp:@P@/rcpt.re, reject_unauth_destination'
	printf 'smtpd_restriction_classes = permissive, strict\npermissive = permit\nstrict = reject_unknown_sender_domain\n' >>"$p/main.cf"
	printf 'boss@example.com strict\n' >"$p/senders"
	printf '/@example\\.com$/ strict\n' >"$p/rcpt.re"
	run pfclass --postfix="$p"
	check "restriction classes that do not permit: no error (exit $rc)" [ "$(errors)" = 0 ]
	printf 'boss@example.com permissive\n' >"$p/senders"
	run pfclass --postfix="$p"
	expect "a sender answered with a class that permits (forgeable)" ERROR postfix-open-relay "$p/master.cf" 2 1
	printf 'boss@example.com strict\n' >"$p/senders"
	printf '/./ permissive\n' >"$p/rcpt.re"
	run pfclass --postfix="$p"
	expect "every recipient answered with a class that permits" ERROR postfix-open-relay "$p/master.cf" 2 1
	check "... Postfix's answer was judged" grep -q 'keys nobody lists (it answers "permissive")' "$w/out"
	pftab pfhelo 'check_helo_access inline:{ { gw.example.com = OK }, { bad.example = REJECT } }, reject_unauth_destination'
	run pfhelo --postfix="$p"
	expect "check_helo_access inline: with a HELO name OK (forgeable)" ERROR postfix-open-relay "$p/master.cf" 2 1
	pftab pfmynetfile 'permit_mynetworks, reject_unauth_destination'
	sed -i "s|^mynetworks = .*|mynetworks = 127.0.0.0/8 $p/networks cidr:$p/nets.cidr|" "$p/main.cf"
	printf '# offices\n192.0.2.0/24, 198.51.100.0/24\n\n10.0.0.0/8\n' >"$p/networks"
	printf '192.0.2.128/25 OK\n' >"$p/nets.cidr"
	run pfmynetfile --postfix="$p"
	expect "mynetworks names a file with a /8" ERROR relay-broad "$p/networks" 4 1
	check "... only that error" [ "$(errors)" = 1 ]
	printf '0.0.0.0/0 OK\n' >>"$p/nets.cidr"
	run pfmynetfile --postfix="$p"
	expect "mynetworks names a cidr table with 0.0.0.0/0" ERROR postfix-open-relay "$p/master.cf" 2 1
	# RELAYCLIENT values with a milter after qrelay-milter
	pf pflast
	sed -i 's|^smtpd_milters = .*|smtpd_milters = inet:127.0.0.1:18893, inet:127.0.0.1:9999|' "$p/main.cf"
	run pflast --postfix="$p"
	check "Postfix: a milter after qrelay-milter without values is fine (exit $rc)" [ "$rc" = 0 ]
	printf '192.0.2.5\n198.51.100.:@fixme.example\n' >"$w/pflast/ctl/relayclients"
	run pflast --postfix="$p"
	expect "Postfix: a milter after qrelay-milter with a relayclients value" WARNING milter-not-last "$p/main.cf" \
		"$(line "$p/main.cf" '^smtpd_milters')" 2
	check "... naming the line with the value" grep -q "values ($w/pflast/ctl/relayclients:2)" "$w/out"
	sed -i 's|^smtpd_milters = .*|smtpd_milters = inet:127.0.0.1:9999, inet:127.0.0.1:18893|' "$p/main.cf"
	run pflast --postfix="$p"
	check "... put last: no finding (exit $rc)" [ "$rc" = 0 ]
	sed -i 's|^smtpd_milters = .*|smtpd_milters = inet:127.0.0.1:18893, inet:127.0.0.1:9999|' "$p/main.cf"
	printf '192.0.2.5\n' >"$w/pflast/ctl/relayclients"
	mkdir -p "$w/pflast/pop"
	printf 'pop_before_smtp = "directory"\npop_dir = "%s"\npop_relayclient = "@fixme.example"\n' "$w/pflast/pop" >>"$w/pflast/q.conf"
	run pflast --postfix="$p"
	expect "Postfix: a milter after qrelay-milter with pop_relayclient" WARNING milter-not-last "$p/main.cf" \
		"$(line "$p/main.cf" '^smtpd_milters')" 2
	check "... naming the setting" grep -q "values ($w/pflast/q.conf:$(line "$w/pflast/q.conf" '^pop_relayclient') pop_relayclient)" "$w/out"
	pftab pftabclean 'permit_mynetworks, check_client_access cidr:@P@/clients.cidr, check_sender_access hash:@P@/senders, check_helo_access regexp:@P@/helo.re, check_client_access hash:@P@/missing, reject_unauth_destination'
	printf '192.0.2.0/24 OK\n0.0.0.0/0 DUNNO\n' >"$p/clients.cidr"
	printf '@spam.example REJECT\nboss@example.com DUNNO\n' >"$p/senders"
	postmap -c "$p" "$p/senders"
	printf '/^localhost$/ REJECT\n/./ DUNNO\n' >"$p/helo.re"
	run pftabclean --postfix="$p"
	check "tables that grant narrowly, refuse or pass: no error (exit $rc)" [ "$rc" = 2 ] && [ "$(errors)" = 0 ] &&
		has WARNING postfix-no-milter "$p/master.cf" 2 && [ "$(findings)" = 1 ]
	check "... a table that cannot be read is said" grep -q "hash:$p/missing: Postfix cannot look it up" "$w/out"
	# a FIFO where a table or a mynetworks file should be: said, not waited on
	pftab pffifo 'permit_mynetworks, check_client_access cidr:@P@/clients.cidr, reject_unauth_destination'
	sed -i "s|^mynetworks = .*|mynetworks = 127.0.0.0/8 $p/networks|" "$p/main.cf"
	mkfifo "$p/clients.cidr" "$p/networks"
	timeout 60 "$Q" -c "$w/pffifo/q.conf" lint --no-sendmail --no-daemon --postfix="$p" >"$w/out" 2>&1
	rc=$?
	check "FIFOs as a cidr table and a mynetworks file: lint ends (exit $rc)" [ "$rc" = 2 ]
	check "... and says it did not read them" grep -q "clients.cidr: not a regular file" "$w/out" &&
		grep -q "networks: not a regular file" "$w/out"
else
	skip "Postfix: no postconf"
fi

# the quick start: scripts/quickstart.sh's Postfix (tests/mta/postfix.sh)
# and its milter (-p inet:8893@127.0.0.1 -d examples/control -x
# examples/tcp.smtp)
if command -v postconf >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && id postfix >/dev/null 2>&1; then
	(. tests/mta/postfix.sh && pfx_setup "$w/qs/postfix" inet:127.0.0.1:8893) >"$w/qs.log" 2>&1
	: >"$w/qs.conf"
	"$Q" -c "$w/qs.conf" lint -p inet:8893@127.0.0.1 -d examples/control -x examples/tcp.smtp \
		--postfix="$w/qs/postfix/etc" --no-sendmail --no-daemon >"$w/out" 2>&1
	rc=$?
	if [ "$rc" = 0 ] && [ "$(findings)" = 0 ] && grep -q "^lint: Postfix: $w/qs/postfix/etc" "$w/out"; then
		ok "the quick start's Postfix and files pass lint"
	else
		bad "the quick start's Postfix (exit $rc):"; sed 's/^/#   /' "$w/qs.log" "$w/out"
	fi
else
	skip "the quick start's Postfix: needs root, postconf and the postfix user"
fi

# --- Sendmail (.cf files made by m4 from sendmail-cf) --------------------

cfm4=
for d in "$SM_PREFIX/usr/share/sendmail/cf" /usr/share/sendmail/cf; do
	[ -f "$d/m4/cf.m4" ] && { cfm4=$d/m4/cf.m4; break; }
done
# smcf NAME BODY: fixture NAME with $w/NAME/sendmail.cf from an .mc body
smcf() {
	fixture "$1"
	printf 'divert(0)dnl\nOSTYPE(`linux'"'"')dnl\nFEATURE(`no_default_msa'"'"')dnl\n%s\nMAILER(`local'"'"')dnl\nMAILER(`smtp'"'"')dnl\n' "$2" \
		>"$w/$1/sendmail.mc"
	m4 "$cfm4" "$w/$1/sendmail.mc" >"$w/$1/sendmail.cf" 2>"$w/$1/m4.err"
}
if [ -n "$cfm4" ] && command -v m4 >/dev/null; then
	good='FEATURE(`promiscuous_relay'"'"')dnl
INPUT_MAIL_FILTER(`qrelay'"'"', `S=inet:18893@127.0.0.1, F=T, T=S:4m;R:4m'"'"')dnl'
	smcf smclean "$good"
	run smclean --sendmail="$w/smclean/sendmail.cf"
	check "Sendmail as the README says: no finding (exit $rc)" [ "$rc" = 0 ] && [ "$(findings)" = 0 ]

	smcf smnoT 'FEATURE(`promiscuous_relay'"'"')dnl
INPUT_MAIL_FILTER(`qrelay'"'"', `S=inet:18893@127.0.0.1, T=S:4m;R:4m'"'"')dnl'
	run smnoT --sendmail="$w/smnoT/sendmail.cf"
	expect "a filter without F=T" ERROR sendmail-fail-open "$w/smnoT/sendmail.cf" \
		"$(line "$w/smnoT/sendmail.cf" '^Xqrelay')" 1
	smcf smother 'FEATURE(`promiscuous_relay'"'"')dnl
INPUT_MAIL_FILTER(`qrelay'"'"', `S=inet:9999@127.0.0.1, F=T'"'"')dnl'
	run smother --sendmail="$w/smother/sendmail.cf"
	expect "promiscuous_relay, filter on another socket" ERROR sendmail-open-relay "$w/smother/sendmail.cf" \
		"$(line "$w/smother/sendmail.cf" '^O DaemonPortOptions=')" 1
	smcf smdaemon 'FEATURE(`promiscuous_relay'"'"')dnl
DAEMON_OPTIONS(`Port=587, Name=MSA, M=E, InputMailFilters=other'"'"')dnl
MAIL_FILTER(`other'"'"', `S=inet:9999@127.0.0.1, F=T'"'"')dnl
INPUT_MAIL_FILTER(`qrelay'"'"', `S=inet:18893@127.0.0.1, F=T'"'"')dnl'
	run smdaemon --sendmail="$w/smdaemon/sendmail.cf"
	expect "a daemon's own InputMailFilters= without the milter" ERROR sendmail-open-relay "$w/smdaemon/sendmail.cf" \
		"$(line "$w/smdaemon/sendmail.cf" '^O DaemonPortOptions=.*Name=MSA')" 1
	check "... and only that daemon" [ "$(findings)" = 1 ]
	smcf smnorelay 'INPUT_MAIL_FILTER(`qrelay'"'"', `S=inet:18893@127.0.0.1, F=T'"'"')dnl'
	run smnorelay --sendmail="$w/smnorelay/sendmail.cf"
	expect "no promiscuous_relay" WARNING sendmail-relay-check "$w/smnorelay/sendmail.cf" \
		"$(line "$w/smnorelay/sendmail.cf" '^S(check_rcpt|Basic_check_rcpt)')" 2
	smcf smnomilter 'dnl'
	run smnomilter --sendmail="$w/smnomilter/sendmail.cf"
	expect "no filter, no promiscuous_relay" WARNING sendmail-no-milter "$w/smnomilter/sendmail.cf" \
		"$(line "$w/smnomilter/sendmail.cf" '^O DaemonPortOptions=')" 2
	smcf smlistener "$good"
	printf 'listener "MSA" {\n  require_auth = true\n}\n' >>"$w/smlistener/q.conf"
	run smlistener --sendmail="$w/smlistener/sendmail.cf"
	expect "a listener no daemon names" WARNING listener-unmatched "$w/smlistener/q.conf" 5 2
	run smlistener --sendmail="$w/smlistener/nonexistent.cf"
	expect "a sendmail.cf that cannot be read" ERROR audit-failed "$w/smlistener/nonexistent.cf" 0 1
	mkfifo "$w/smlistener/fifo.cf"
	timeout 60 "$Q" -c "$w/smlistener/q.conf" lint --no-postfix --no-daemon \
		--sendmail="$w/smlistener/fifo.cf" >"$w/out" 2>&1
	rc=$?
	expect "a FIFO as sendmail.cf: not waited on" ERROR audit-failed "$w/smlistener/fifo.cf" 0 1
	# Sendmail's own relay grants (no promiscuous_relay): they decide on a
	# daemon (MSA) that does not reach the milter
	# smr NAME FEATURES: fixture NAME, an access map $w/NAME/access and a
	# relay-domains file $w/NAME/relay-domains (both empty), the milter
	# on the default daemon only
	smr() {
		smcf "$1" 'DAEMON_OPTIONS(`Port=smtp, Name=MTA'"'"')dnl
DAEMON_OPTIONS(`Port=587, Name=MSA, M=E, InputMailFilters=other'"'"')dnl
FEATURE(`access_db'"'"', `hash -T<TMPF> -o '"$w/$1"'/access'"'"')dnl
RELAY_DOMAIN_FILE(`-o '"$w/$1"'/relay-domains'"'"')dnl
MAIL_FILTER(`other'"'"', `S=inet:9999@127.0.0.1, F=T'"'"')dnl
INPUT_MAIL_FILTER(`qrelay'"'"', `S=inet:18893@127.0.0.1, F=T'"'"')dnl
'"$2"
		: >"$w/$1/access"
		: >"$w/$1/relay-domains"
		smc=$w/$1/sendmail.cf
		msa=$(line "$smc" '^O DaemonPortOptions=.*Name=MSA')
	}
	smr smrclean 'RELAY_DOMAIN(`example.com 192.168.1'"'"')dnl'
	printf 'Connect:localhost RELAY\nConnect:127.0.0.1 RELAY\nConnect:192.0.2 RELAY\nTo:partner.example RELAY\nspam.example REJECT\nConnect:10 REJECT\n' >"$w/smrclean/access"
	printf '# offices\nbranch.example\n' >"$w/smrclean/relay-domains"
	run smrclean --sendmail="$smc"
	check "Sendmail's own narrow grants: no error, MSA left to Sendmail (exit $rc)" [ "$rc" = 2 ] && [ "$(errors)" = 0 ] &&
		has WARNING sendmail-no-milter "$smc" "$msa" || sed 's/^/#   /' "$w/out"
	smr smrlocal 'FEATURE(`relay_local_from'"'"')dnl'
	run smrlocal --sendmail="$smc"
	expect "FEATURE(relay_local_from) where the milter is not asked" ERROR sendmail-open-relay "$smc" "$msa" 1
	check "... the reason names the feature" grep -q "relay_local_from'): a client that says MAIL FROM a local domain relays" "$w/out"
	smr smrfrom 'FEATURE(`relay_mail_from'"'"')dnl'
	printf 'From:boss@example.com RELAY\n' >"$w/smrfrom/access"
	run smrfrom --sendmail="$smc"
	expect "relay_mail_from with a From: RELAY entry" ERROR sendmail-open-relay "$smc" "$msa" 1
	check "... the reason names the entry" grep -q "$w/smrfrom/access:1: \"From:boss@example.com RELAY\"" "$w/out"
	smr smrfromoff 'dnl'
	printf 'From:boss@example.com RELAY\n' >"$w/smrfromoff/access"
	run smrfromoff --sendmail="$smc"
	check "... From: RELAY without relay_mail_from grants nothing (exit $rc)" [ "$(errors)" = 0 ]
	smr smrto 'dnl'
	printf 'Connect:192.0.2 RELAY\nTo:com RELAY\n' >"$w/smrto/access"
	run smrto --sendmail="$smc"
	expect "access To:com RELAY" ERROR sendmail-open-relay "$smc" "$msa" 1
	check "... the reason names the line" grep -q "$w/smrto/access:2: relay grant \"com\"" "$w/out"
	smr smrbroad 'RELAY_DOMAIN(`10'"'"')dnl'
	printf '# v4 and v6\nConnect:172 RELAY\nConnect:IPv6:2001 RELAY\nConnect:IPv6:2001:db8 RELAY\nConnect:ac.uk RELAY\nConnect:mx.ac.uk RELAY\n' >"$w/smrbroad/access"
	printf 'lan\n' >"$w/smrbroad/relay-domains"
	run smrbroad --sendmail="$smc"
	expect "RELAY_DOMAIN(10): a /8" ERROR relay-broad "$smc" "$(line "$smc" '^C\{R\}10')" 1
	expect "access Connect:172 RELAY" ERROR relay-broad "$w/smrbroad/access" 2 1
	expect "access Connect:IPv6:2001 RELAY" ERROR relay-broad "$w/smrbroad/access" 3 1
	expect "access Connect:ac.uk RELAY (a public suffix)" ERROR relay-broad "$w/smrbroad/access" 5 1
	expect "relay-domains \"lan\" (one label, no Internet suffix: clients only)" ERROR relay-broad "$w/smrbroad/relay-domains" 1 1
	check "... IPv6:2001:db8 (a /32) and mx.ac.uk are not broad; the MSA is not open" [ "$(errors)" = 5 ]
	smr smrfile 'dnl'
	printf '# offices\nexample.com\n\nnet\n' >"$w/smrfile/relay-domains"
	run smrfile --sendmail="$smc"
	expect "relay-domains with a top-level domain" ERROR sendmail-open-relay "$smc" "$msa" 1
	check "... the reason names the file's line" grep -q "$w/smrfile/relay-domains:4: relay grant \"net\"" "$w/out"
	smr smrprom 'FEATURE(`promiscuous_relay'"'"')dnl
RELAY_DOMAIN(`10'"'"')dnl'
	run smrprom --sendmail="$smc"
	check "with promiscuous_relay Sendmail's grants are not judged (the open MSA is)" [ "$(errors)" = 1 ] &&
		has ERROR sendmail-open-relay "$smc" "$msa"

	# RELAYCLIENT values with a filter after qrelay-milter
	smcf smlast "$good"'
INPUT_MAIL_FILTER(`other'"'"', `S=inet:9999@127.0.0.1, F=T'"'"')dnl'
	run smlast --sendmail="$w/smlast/sendmail.cf"
	check "Sendmail: a filter after qrelay-milter without values is fine (exit $rc)" [ "$rc" = 0 ]
	printf '127.0.0.1:allow,RELAYCLIENT="@fixme.example"\n:allow\n' >"$w/smlast/tcp.smtp"
	run smlast --sendmail="$w/smlast/sendmail.cf"
	expect "Sendmail: a filter after qrelay-milter with a RELAYCLIENT value" WARNING milter-not-last "$w/smlast/sendmail.cf" \
		"$(line "$w/smlast/sendmail.cf" '^O InputMailFilters=')" 2
	check "... naming the rule with the value" grep -q "values ($w/smlast/tcp.smtp:1)" "$w/out"
else
	skip "Sendmail: no m4 or no sendmail-cf (scripts/install-deps.sh)"
fi

# --- --json -------------------------------------------------------------

# a fixture with errors and warnings, and bytes to escape: control bytes
# in a rules key, a quote, a backslash and a byte that is not UTF-8 in the
# control directory's name
fixture json
jd=$w/json/'ctl"q\x'"$(printf '\351')"
mv "$w/json/ctl" "$jd"
grep -v '^control_dir' "$w/json/q.conf" >"$w/json/q.tmp"
printf 'control_dir = "%s"\n' "$(printf '%s' "$jd" | sed 's/\\/\\\\/g; s/"/\\"/g')" >>"$w/json/q.tmp"
mv "$w/json/q.tmp" "$w/json/q.conf"
printf '10.:allow,RELAYCLIENT=""\n\001\002:deny\n' >>"$w/json/tcp.smtp"
printf 'example.org\n' >>"$jd/locals"
run json
text_rc=$rc
cp "$w/out" "$w/json.txt"
run json --json
if command -v perl >/dev/null && perl -MJSON::PP -e 1 2>/dev/null; then
	perl -MJSON::PP -e '
		binmode(STDOUT, ":encoding(UTF-8)");
		local $/; open(my $f, "<", $ARGV[0]) or die; my $j = JSON::PP->new->decode(<$f>);
		for my $x (@{$j->{findings}}) {
			printf "%s %s:%d: [%s]\n", $x->{severity}, $x->{file}, $x->{line}, $x->{code};
		}
		my $s = $j->{summary};
		printf "summary %d %d %d %d\n", $s->{errors}, $s->{warnings}, $s->{info}, $s->{exit};
		printf "control %s\n", join(",", map { sprintf "%d", ord } grep { ord($_) < 32 } map { split //, $_->{message} } @{$j->{findings}});
		printf "replacement %d\n", scalar(grep { $_->{file} =~ /\x{fffd}/ } @{$j->{findings}});
	' "$w/out" >"$w/json.parsed" 2>"$w/json.err"
	check "--json is valid JSON (JSON::PP)" [ -s "$w/json.parsed" ]
	# the text findings, made comparable: the file with its bytes as JSON
	# decodes them (the byte that is not UTF-8 becomes U+FFFD)
	awk '$1 ~ /^(ERROR|WARNING|INFO)$/ { print $1, $2, $NF }' "$w/json.txt" |
		sed "s/$(printf '\351')/$(printf '\357\277\275')/" | sort >"$w/want"
	grep -v '^summary\|^control\|^replacement' "$w/json.parsed" | sort >"$w/got"
	if cmp -s "$w/want" "$w/got" && [ -s "$w/want" ]; then
		ok "--json has the same findings as the text ($(wc -l <"$w/want"))"
	else
		bad "--json and text differ:"; diff "$w/want" "$w/got" | sed 's/^/#   /'
	fi
	e=$(grep -c '^ERROR' "$w/want") wn=$(grep -c '^WARNING' "$w/want") i=$(grep -c '^INFO' "$w/want")
	check "--json summary counts and exit ($e $wn $i $text_rc)" grep -qx "summary $e $wn $i $text_rc" "$w/json.parsed"
	check "--json exits as the text does ($rc)" [ "$rc" = "$text_rc" ]
	check "--json: control bytes of a key escaped and decoded back" grep -qx 'control 1,2' "$w/json.parsed"
	check "--json: a byte that is not UTF-8 becomes U+FFFD" grep -qx 'replacement 1' "$w/json.parsed"
	check "text: control bytes written as \\xNN" grep -q 'rule "\\x01\\x02" never matches' "$w/json.txt"
else
	skip "--json: no perl with JSON::PP"
fi

# --- the running daemon -------------------------------------------------

fixture live
sed -i -e "s|^socket = .*|socket = \"unix:$w/live/run/q.sock\"|" \
	-e "s|^status_file = .*|status_file = \"$w/live/run/status\"|" "$w/live/q.conf"
"$QD_BIN" -f -c "$w/live/q.conf" 2>"$QD_LOG" &
QD_PID=$!
if wait_until 30 test -S "$w/live/run/q.sock" && wait_until 30 test -s "$w/live/run/status"; then
	"$Q" -c "$w/live/q.conf" lint --no-postfix --no-sendmail >"$w/out" 2>&1
	rc=$?
	if [ "$rc" = 0 ] && grep -q "^lint: daemon: answers on unix:$w/live/run/q.sock (milter protocol 6)" "$w/out" &&
		grep -q "tables loaded .* from $w/live/ctl, rules \"$w/live/tcp.smtp\"" "$w/out"; then
		ok "a running daemon answers an option negotiation; its tables are the audited ones"
	else
		bad "the running daemon (exit $rc):"; sed 's/^/#   /' "$w/out"
	fi
	run live --daemon -d "$w/clean/ctl"
	expect "the daemon holds other tables" WARNING daemon-other-config "$w/live/run/status" 0 2
	mv "$w/live/ctl/rcpthosts" "$w/live/rcpthosts.away"
	if wait_until 30 grep -qx 'state=stale' "$w/live/run/status"; then
		run live --daemon
		expect "the daemon runs on stale tables" ERROR daemon-stale "$w/live/run/status" 0 1
		mv "$w/live/rcpthosts.away" "$w/live/ctl/rcpthosts"
	else
		bad "the daemon did not go stale without its rcpthosts"
	fi
	qd_stop
	run live --daemon
	expect "--daemon, and nothing answers" WARNING daemon-down "$w/live/run/q.sock" 0 2
	printf 'pid=999999999\nstate=fresh\nsocket=unix:%s\n' "$w/live/run/q.sock" >"$w/live/run/status"
	run live --daemon
	expect "a status file whose daemon is gone" WARNING daemon-down "$w/live/run/status" 0 2
	rm -f "$w/live/run/status"
	mkfifo "$w/live/run/status"
	timeout 60 "$Q" -c "$w/live/q.conf" lint --no-postfix --no-sendmail --daemon >"$w/out" 2>"$w/err"
	rc=$?
	expect "a FIFO as the status file: not waited on" ERROR audit-failed "$w/live/run/status" 0 1
	timeout 60 "$Q" -c "$w/live/q.conf" status >"$w/out" 2>&1
	rc=$?
	check "qrelayctl status on a FIFO: not waited on (exit $rc)" [ "$rc" = 3 ] &&
		grep -q "not a regular file" "$w/out"
else
	bad "the daemon did not start:"; sed 's/^/#   /' "$QD_LOG"
fi

finish
