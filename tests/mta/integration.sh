#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# integration.sh - qrelay-milter inside a real Postfix 3.7 and a real
# Sendmail 8.17, on loopback, with the snippets the README documents.
#
# One qrelay-milter (tests/data/mta: control dir + tcp.smtp compiled by the
# real tcprules) serves both MTAs.  Hosted domains are delivered to a local
# maildir; everything else goes to Postfix's smtp-sink, which stands for the
# rest of the Internet, so the test sees what was really relayed, not only
# what got a 250.  Then:
#   1. scenarios through each MTA: hosted accepted, foreign refused 553
#      5.7.1, relay clients (127.x source address; Postfix also XCLIENT),
#      SASL (Postfix, Cyrus sasldb), a deny rule, relaymailfrom;
#   2. the relay-probe corpus (tests/mta/relay-probes.txt, classic
#      tricks, and what tests/mta/gen-corpus.pl generates: several hundred
#      MAIL and RCPT texts with comments, quotes, brackets, routes, ...)
#      from a client that may not relay: 0 may reach the sink, through
#      Postfix, Sendmail, and a Sendmail that routes source routes;
#      then the same corpus from a relay client, to show the count sees
#      relays, and to record what each MTA read and where it delivered:
#      tests/mta/differential.pl decides every recorded probe again with
#      the core, for a client that may not relay, and checks that nothing
#      it accepts was relayed (QR_RECORD=FILE keeps the recording);
#   3. the milter is killed (SIGKILL): both MTAs tempfail and relay nothing;
#      started again, both recover.
# Prints a report with the counts; last line "N passed, N failed".
# Needs root, Debian's postfix, swaks, tcprules, perl and the Sendmail
# that scripts/install-deps.sh unpacks.
set -u
cd "$(dirname "$0")/../.."
ROOT=$(pwd -P)
BIN=$(cd "${QR_BUILD:-.}" && pwd -P)/src/qrelay-milter
. "$ROOT/tests/mta/postfix.sh"
. "$ROOT/tests/mta/sendmail.sh"
. "$ROOT/tests/lib/swaks.sh"

pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok - $*"; }
bad() { fail=$((fail + 1)); echo "not ok - $*"; }

work=$(mktemp -d /tmp/qrelay-mta.XXXXXX)
chmod 755 "$work"	# Postfix's daemons (user postfix) must reach it
milter_pid= sink_pid=
base=$((26000 + $$ % 2000))
MILTER_PORT=$(port_free "$base")
PFX_PORT=$(port_free $((MILTER_PORT + 1)))
SM_PORT=$(port_free $((PFX_PORT + 1)))
SMR_PORT=$(port_free $((SM_PORT + 1)))
NET_PORT=$(port_free $((SMR_PORT + 1)))
export PFX_PORT SM_PORT

start_milter() {
	"$BIN" -f -c "$work/qrelay-milter.conf" </dev/null >>"$work/milter.log" 2>&1 &
	milter_pid=$!
	port_wait "$MILTER_PORT" "$milter_pid"
}
cleanup() {
	trap '' INT TERM
	pfx_stop "$work/pfx" >/dev/null 2>&1
	sm_stop "$work/sm" >/dev/null 2>&1
	sm_stop "$work/smr" >/dev/null 2>&1
	[ -n "$milter_pid" ] && kill -KILL "$milter_pid" 2>/dev/null
	[ -n "$sink_pid" ] && kill -TERM "$sink_pid" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- set up -------------------------------------------------------------------
tcprules "$work/tcp.smtp.cdb" "$work/tcp.smtp.tmp" <tests/data/mta/tcp.smtp || {
	echo "tcprules failed"; echo "0 passed, 1 failed"; exit 1; }
cat >"$work/qrelay-milter.conf" <<EOF
socket = "inet:$MILTER_PORT@127.0.0.1"
control_dir = "$ROOT/tests/data/mta/control"
rules = "$work/tcp.smtp.cdb"
EOF
mkdir -p "$work/sink" && chown nobody "$work/sink"
smtp-sink -u nobody -D "$work/sink/net.dump" "127.0.0.1:$NET_PORT" 64 \
	>"$work/sink.log" 2>&1 &
sink_pid=$!
if ! port_wait "$NET_PORT" "$sink_pid"; then
	cat "$work/sink.log"; echo "0 passed, 1 failed"; exit 1
fi
if start_milter; then ok "qrelay-milter started"; else
	cat "$work/milter.log"; bad "qrelay-milter did not start"; echo "$pass passed, $fail failed"; exit 1
fi
if PFX_NET_PORT=$NET_PORT PFX_SASL=1 pfx_setup "$work/pfx" "inet:127.0.0.1:$MILTER_PORT" &&
	pfx_add_sasl_user "$work/pfx" test@pfx.test secret && pfx_start "$work/pfx"; then
	ok "private Postfix $(postconf -d -h mail_version) on 127.0.0.1:$PFX_PORT"
else
	bad "private Postfix did not start"
fi
if sm_setup "$work/sm" "$MILTER_PORT" "$NET_PORT" && sm_start "$work/sm"; then
	ok "private Sendmail on 127.0.0.1:$SM_PORT"
else
	bad "private Sendmail did not start"
fi
# the same Sendmail, built to route source routes to their first hop
if SM_PORT=$SMR_PORT SM_NAME=mta.smr.test SM_ROUTES=1 sm_setup "$work/smr" "$MILTER_PORT" "$NET_PORT" &&
	sm_start "$work/smr"; then
	ok "private Sendmail with _USE_DEPRECATED_ROUTE_ADDR_ on 127.0.0.1:$SMR_PORT"
else
	bad "private Sendmail with _USE_DEPRECATED_ROUTE_ADDR_ did not start"
fi

# The README must quote the snippets exactly as they are used here.
snippet_in_readme() {	# snippet_in_readme FILE-WITH-LINES
	[ -s "$1" ] && awk 'NR == FNR { want[$0] = 1; n++; next } ($0 in want) { delete want[$0]; found++ }
		END { exit !(found == n) }' "$1" README.md
}
pfx_snippet "$work/pfx" | sed "s/:$MILTER_PORT\$/:8893/" >"$work/snip"
if snippet_in_readme "$work/snip"; then ok "README quotes the tested Postfix snippet"; else
	bad "README's Postfix snippet differs from the tested one:"; cat "$work/snip"; fi
sm_snippet "$work/sm" | sed "s/inet:$MILTER_PORT@/inet:8893@/" >"$work/snip"
if snippet_in_readme "$work/snip"; then ok "README quotes the tested Sendmail snippet"; else
	bad "README's Sendmail snippet differs from the tested one:"; cat "$work/snip"; fi

# --- what arrived where -----------------------------------------------------
# arrivals WHERE MTA KIND NAME: how many messages with header "KIND: NAME"
# (X-Control or X-Probe; NAME "*" for any) arrived at WHERE (sink or
# hosted) through MTA (pfx or sm).
arrivals() {
	case $1 in
	sink) sink_count "$work/sink/net.dump" "$2" "$3" "$4" ;;
	hosted)
		case $2 in
		pfx) _d=$work/pfx/mail/hosted/new ;;
		*) _d=$work/$2/maildir/new ;;
		esac
		if [ "$4" = "*" ]; then
			cat "$_d"/* 2>/dev/null | grep -c "^$3: "
		else
			cat "$_d"/* 2>/dev/null | grep -c -x -F "$3: $4"
		fi
		;;
	esac
}

# Wait until both MTAs have nothing left to deliver (up to 60 s).
drain() {
	queues_drain 60 "$work/pfx/etc" "$work/sm/spool/mqueue" "$work/smr/spool/mqueue"
}

# --- 1. scenarios -------------------------------------------------------------
mta_port() {	# mta_port pfx|sm
	case $1 in
	pfx) echo "$PFX_PORT" ;;
	sm) echo "$SM_PORT" ;;
	smr) echo "$SMR_PORT" ;;
	esac
}
# send MTA NAME [swaks args]: one message with header "X-Control: NAME";
# leaves the transcript in $work/NAME.MTA.swaks and the RCPT (or first
# error) reply in $reply.
send() {
	_mta=$1 _name=$2
	shift 2
	_out="$work/$_name.$_mta.swaks"
	swaks --server "127.0.0.1:$(mta_port "$_mta")" --timeout 60 --header "X-Control: $_name" \
		--helo client.test "$@" >"$_out" 2>&1
	swaks_reply "$_out"
}
# scenario MTA NAME WHERE ERE [swaks args]: WHERE is sink, hosted or none.
scenario() {
	_m=$1 _n=$2 _w=$3 _re=$4
	shift 4
	send "$_m" "$_n" "$@"
	expect_reply "$_m" "$_n" "$_re"
	echo "$_m $_n $_w" >>"$work/expect"
}

accepted='^250 '
relay_refused='^553 5\.7\.1 '
for m in pfx sm; do
	scenario $m hosted hosted "$accepted" --from s@outside.example --to user@example.com
	scenario $m hosted-subdomain hosted "$accepted" --from s@outside.example --to user@mail.example.com
	scenario $m foreign none "$relay_refused" --from s@outside.example --to victim@elsewhere.example
	scenario $m relayclient-127.0.0.5 sink "$accepted" --local-interface 127.0.0.5 \
		--from s@outside.example --to friend@elsewhere.example
	scenario $m deny-rule none '^5[0-9][0-9] ' --local-interface 127.0.0.66 \
		--from s@outside.example --to user@example.com
	scenario $m relaymailfrom sink "$accepted" --from trusted@partner.example --to friend@elsewhere.example
	# refused at MAIL (no reply asked for), answered at RCPT, as qmail does
	scenario $m badmailfrom none "$relay_refused" --from spammer@bad.example --to user@example.com
	scenario $m badmailfrom-relayclient none "$relay_refused" --local-interface 127.0.0.5 \
		--from spammer@bad.example --to friend@elsewhere.example
	scenario $m relaymailfrom-other-sender none "$relay_refused" --from other@partner.example \
		--to friend@elsewhere.example
done
scenario pfx xclient-relayclient sink "$accepted" --xclient-addr 192.0.2.10 \
	--from s@outside.example --to friend@elsewhere.example
scenario pfx xclient-outsider none "$relay_refused" --xclient-addr 198.51.100.7 \
	--from s@outside.example --to friend@elsewhere.example
scenario pfx xclient-deny-rule none '^5[0-9][0-9] ' --xclient-addr 198.51.100.66 \
	--from s@outside.example --to user@example.com
scenario pfx sasl-auth sink "$accepted" --auth PLAIN --auth-user test@pfx.test \
	--auth-password secret --from s@outside.example --to friend@elsewhere.example
send pfx sasl-bad-password --auth PLAIN --auth-user test@pfx.test --auth-password wrong \
	--from s@outside.example --to friend@elsewhere.example
if grep -q '^<\*\* *535 ' "$work/sasl-bad-password.pfx.swaks" &&
	! grep -q '^ *-> RCPT TO' "$work/sasl-bad-password.pfx.swaks"; then
	ok "pfx sasl-bad-password: 535, no transaction"
else
	bad "pfx sasl-bad-password: want 535"
fi
echo "pfx sasl-bad-password none" >>"$work/expect"

# --- 2. the relay-probe corpus ------------------------------------------------
# probe MTA SOURCE-ADDR FILE OUT: raw SMTP sessions with smtp-probe.pl
probe() {
	perl tests/mta/smtp-probe.pl 127.0.0.1 "$(mta_port "$1")" "$2" "$3" >"$4" 2>&1
}
perl tests/mta/gen-corpus.pl >"$work/generated.txt"
cat tests/mta/relay-probes.txt "$work/generated.txt" >"$work/corpus.txt"
nprobes=$(grep -v -E '^[[:space:]]*(#|$)' "$work/corpus.txt" | wc -l)
# the Sendmail that honours source routes gets the probes with one
awk -F '\t' '!/^[[:space:]]*(#|$)/ && ($2 ~ /(^|<)@[^:]*:/ || $3 ~ /(^|[<(])@[^:]*:/)' \
	"$work/corpus.txt" >"$work/corpus.smr"
nroutes=$(wc -l <"$work/corpus.smr")
for m in pfx sm smr; do
	f=$work/corpus.txt want=$nprobes
	[ "$m" = smr ] && f=$work/corpus.smr want=$nroutes
	probe "$m" 127.0.0.1 "$f" "$work/probes.$m"
	n=$(grep -c ' MAIL=' "$work/probes.$m")
	if [ "$n" -eq "$want" ]; then ok "$m: all $n probes sent"; else
		bad "$m: $n of $want probes completed"; sed 's/^/#   /' "$work/probes.$m"; fi
done

# --- later transactions on one connection are checked again -----------------
# NAME, then the fields for smtp-probe.pl, then the RCPT codes wanted.
tab=$(printf '\t')
cat >"$work/sessions" <<EOF
txn-hosted-then-foreign$tab-$tab<user@example.com>$tab--$tab-$tab<victim@elsewhere.example>
txn-rset-then-foreign$tab-$tab<user@example.com>${tab}RSET$tab-$tab<victim@elsewhere.example>$tab<user@example.net>
txn-foreign-hosted-foreign$tab-$tab<victim@elsewhere.example>$tab--$tab-$tab<user@example.com>$tab--$tab-$tab<user@example.com>$tab<victim2@elsewhere.example>
EOF
for m in pfx sm; do
	probe "$m" 127.0.0.1 "$work/sessions" "$work/sessions.$m"
	while read -r name want; do
		got=$(sed -n "s/^$name .* RCPT=\([^ ]*\) .*/\1/p" "$work/sessions.$m")
		if [ "$got" = "$want" ]; then ok "$m $name: RCPT replies $got"; else
			bad "$m $name: RCPT replies '$got', want $want"; grep "^$name " "$work/sessions.$m"; fi
	done <<EOF
txn-hosted-then-foreign 250|553
txn-rset-then-foreign 250|553,250
txn-foreign-hosted-foreign 553|250|250,553
EOF
done

drain

# --- check what arrived ---------------------------------------------------------
control_arrivals() { arrivals "$1" "$2" X-Control "$3"; }
expect_arrivals control_arrivals

echo "# relay-probe corpus: $nprobes probes from 127.0.0.1 (may not relay)"
echo "#   hand-written probes                  Postfix RCPT  Sendmail RCPT"
n_hand=$(grep -v -E '^[[:space:]]*(#|$)' tests/mta/relay-probes.txt | wc -l)
paste "$work/probes.pfx" "$work/probes.sm" | head -n "$n_hand" |
	awk '{ r1 = $3; r2 = $7; sub(/RCPT=/, "", r1); sub(/RCPT=/, "", r2);
		printf "#   %-36s %-13s %s\n", $1, r1, r2 }'
for m in pfx sm smr; do
	echo "# $m: RCPT replies to the whole corpus: $(sed -n 's/.* RCPT=\([^ ]*\) .*/\1/p' "$work/probes.$m" |
		sort | uniq -c | awk '{ printf "%s%s x%s", sep, $2, $1; sep = ", " }')"
	s=$(arrivals sink "$m" X-Probe "*")
	h=$(arrivals hosted "$m" X-Probe "*")
	acc=$(grep -c 'RCPT=[^ ]*2[0-9][0-9]' "$work/probes.$m")
	echo "# $m: probes with a recipient accepted: $acc, delivered to the hosted maildir: $h, relayed to the outside sink: $s"
	if [ "$m" != smr ]; then
		for t in txn-hosted-then-foreign txn-rset-then-foreign txn-foreign-hosted-foreign; do
			s=$((s + $(arrivals sink "$m" X-Probe "$t")))
		done
		th=$(( $(arrivals hosted "$m" X-Probe txn-hosted-then-foreign) +
			$(arrivals hosted "$m" X-Probe txn-rset-then-foreign) +
			$(arrivals hosted "$m" X-Probe txn-foreign-hosted-foreign) ))
		if [ "$th" = 4 ]; then ok "$m: the 4 hosted messages of the multi-transaction sessions arrived"; else
			bad "$m: $th of 4 hosted messages of the multi-transaction sessions arrived"; fi
	fi
	n=$nprobes
	[ "$m" = smr ] && n=$nroutes
	if [ "$s" = 0 ]; then ok "$m: 0 of $n relay probes (and 0 later transactions) reached the outside"; else
		bad "$m: $s relay probes reached the outside:"
		grep '^X-Probe:' "$work/sink/net.dump" | sed 's/^/#   /'
	fi
done
ctl_sink=$(grep -c ' sink$' "$work/expect")
ctl_hosted=$(grep -c ' hosted$' "$work/expect")
got_sink=$(( $(arrivals sink pfx X-Control '*') + $(arrivals sink sm X-Control '*') ))
got_hosted=$(( $(arrivals hosted pfx X-Control '*') + $(arrivals hosted sm X-Control '*') ))
echo "# controls: relay-client messages at the sink $got_sink of $ctl_sink, hosted messages in the maildirs $got_hosted of $ctl_hosted"
[ "$got_sink" = "$ctl_sink" ] && [ "$got_hosted" = "$ctl_hosted" ] &&
	ok "controls: all $ctl_sink relay-client and $ctl_hosted hosted messages arrived, nothing else" ||
	bad "controls: $got_sink/$ctl_sink at the sink, $got_hosted/$ctl_hosted hosted"

# The counting must be able to see a relay: the same corpus from a relay
# client (127.0.0.5) must reach the sink.  The milter accepts everything
# then, so the MTA shows what it does with each text: its reading
# ({rcpt_addr}, logged as mta_rcpt) and where it delivers.  Each one is
# decided again by the core for a client that may not relay
# (tests/mta/differential.pl).
for m in pfx sm; do
	eval "before_$m=\$(arrivals sink $m X-Probe '*')"
	l0=$(wc -l <"$work/milter.log")
	probe "$m" 127.0.0.5 "$work/corpus.txt" "$work/probes-relayclient.$m"
	tail -n "+$((l0 + 1))" "$work/milter.log" >"$work/milter-relayclient.$m.log"
done
drain
for m in pfx sm; do
	eval "b=\$before_$m"
	n=$(( $(arrivals sink $m X-Probe '*') - b ))
	acc=$(grep -c 'DATA=250' "$work/probes-relayclient.$m")
	echo "# $m: the corpus sent by relay client 127.0.0.5: $acc messages accepted, $n reached the sink"
	if [ "$n" -gt 0 ] && [ "$n" -le "$acc" ]; then
		ok "$m: the sink count sees relays ($n of the corpus from a relay client)"
	else
		bad "$m: corpus from a relay client: $n at the sink, $acc accepted"
	fi
	case $m in
	pfx) hdir=$work/pfx/mail/hosted/new ;;
	*) hdir=$work/$m/maildir/new ;;
	esac
	perl tests/mta/observe.pl "$m" "$work/corpus.txt" "$work/milter-relayclient.$m.log" \
		"$work/sink/net.dump" "$hdir" >"$work/observed.$m"
done
cat "$work/observed.pfx" "$work/observed.sm" >"$work/observed"
[ -n "${QR_RECORD:-}" ] && cp "$work/observed" "$QR_RECORD"
n=$(wc -l <"$work/observed")
if perl tests/mta/differential.pl "$(dirname "$BIN")/qrelayctl" tests/data/mta/control \
	"$work/tcp.smtp.cdb" "$work/observed" >"$work/differential.out" 2>&1; then
	ok "differential: the core refuses all $n recorded probes that an MTA relays ($(grep '^# verdict' "$work/differential.out" | cut -c3-))"
else
	bad "differential: the core accepts what an MTA relays:"
	grep -v '^ok' "$work/differential.out" | head -n 20 | sed 's/^/#   /'
fi

# --- 3. milter crash: both MTAs tempfail, relay nothing, then recover ----------
before=$(grep -c '^X-Client-Addr:' "$work/sink/net.dump")
before_h=$(( $(arrivals hosted pfx X-Control '*') + $(arrivals hosted sm X-Control '*') ))
kill -KILL "$milter_pid"
wait "$milter_pid" 2>/dev/null
milter_pid=
for m in pfx sm; do
	send "$m" down-relayclient --local-interface 127.0.0.5 --from s@outside.example --to friend@elsewhere.example
	expect_reply "$m" "down-relayclient (milter killed)" '^4[0-9][0-9] '
	send "$m" down-hosted --from s@outside.example --to user@example.com
	expect_reply "$m" "down-hosted (milter killed)" '^4[0-9][0-9] '
	send "$m" down-foreign --from s@outside.example --to victim@elsewhere.example
	expect_reply "$m" "down-foreign (milter killed)" '^4[0-9][0-9] '
done
send pfx down-xclient --xclient-addr 192.0.2.10 --from s@outside.example --to friend@elsewhere.example
expect_reply pfx "down-xclient (milter killed)" '^4[0-9][0-9] '
if start_milter; then ok "qrelay-milter restarted"; else bad "qrelay-milter did not restart"; fi
for m in pfx sm; do
	send "$m" recovered --local-interface 127.0.0.5 --from s@outside.example --to friend@elsewhere.example
	expect_reply "$m" "recovered (milter back)" "$accepted"
	send "$m" recovered-foreign --from s@outside.example --to victim@elsewhere.example
	expect_reply "$m" "recovered-foreign (milter back)" "$relay_refused"
done
drain
after=$(grep -c '^X-Client-Addr:' "$work/sink/net.dump")
after_h=$(( $(arrivals hosted pfx X-Control '*') + $(arrivals hosted sm X-Control '*') ))
down=$(( $(arrivals sink pfx X-Control 'down-relayclient') + $(arrivals sink sm X-Control 'down-relayclient') +
	$(arrivals sink pfx X-Control 'down-xclient') + $(arrivals sink pfx X-Control 'down-foreign') +
	$(arrivals sink sm X-Control 'down-foreign') ))
rec=$(( $(arrivals sink pfx X-Control recovered) + $(arrivals sink sm X-Control recovered) ))
if [ "$down" = 0 ] && [ "$after_h" = "$before_h" ]; then
	ok "milter killed: nothing relayed or delivered by either MTA"
else
	bad "milter killed: $down messages reached the sink, $((after_h - before_h)) the maildirs"
fi
if [ "$rec" = 2 ] && [ "$after" = $((before + 2)) ]; then
	ok "milter back: both MTAs relay for the relay client again, nothing else arrived"
else
	bad "milter back: $rec recovered messages, sink grew by $((after - before)) (want 2)"
fi

echo "# milter decision lines logged: $(grep -c 'decision ' "$work/milter.log")"
if [ "$fail" -ne 0 ]; then
	echo "# milter log (last 30 lines):"
	tail -n 30 "$work/milter.log" | sed 's/^/#   /'
	echo "# Postfix maillog (problems):"
	grep -E 'warning|error|fatal|panic' "$work/pfx/maillog" | tail -n 20 | sed 's/^/#   /'
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
