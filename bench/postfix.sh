# bench/postfix.sh - Postfix end to end: smtp-source -> a private Postfix
# (tests/mta/postfix.sh, every transport discard) in three configurations,
# alternating in the same run:
#   none    no milter; Postfix's relay check is the open "static:OK" of the
#           test instance (no relay decision at all: the ceiling)
#   qrelay  qrelay-milter with the big tables (100k rcpthosts, 1M cdb, 10k
#           rules), the README's Postfix snippet
#   qrelay-unix  the same daemon on a unix socket (unix:$BW/qrelay.sock)
#   noop    the no-op milter (bench/noop-milter -d: same stages as
#           qrelay-milter, DATA answered): what any milter costs here
#   native  no milter; Postfix does the same job itself:
#           check_client_access cdb (the 4k RELAYCLIENT IPs -> OK, deny
#           rules -> REJECT) + reject_unauth_destination, relay_domains =
#           cdb map of the same 1.1M hosted domains
# One new SMTP connection per message (so one milter connection per
# message), to a hosted domain of morercpthosts.cdb (the longest path in
# qrelay: rcpthosts misses, the cdb hits), 20 sessions and 1 session.
# Messages/s is messages / wall time of smtp-source; every message must
# reach discard(8) (counted in the maillog).  Sourced by run.sh.
rounds_pf=${BENCH_PFX_ROUNDS:-5}
m20=${BENCH_PFX_MSGS20:-2000}
m1=${BENCH_PFX_MSGS1:-300}
T=$BW/big
PD=$BW/pfx
echo "== Postfix end to end: smtp-source -> Postfix -> discard; no milter / qrelay-milter / native restrictions"
. tests/mta/postfix.sh
PFX_PORT=$(bl_port 32525)
qp=$(bl_port $((PFX_PORT + 1)))
bl_qrelay "$qp" "$T/control" "$T/tcp.smtp.cdb" /dev/null || exit 1
np=$(bl_port $((qp + 1)))
bl_noop "$np" -d || exit 1
# the same daemon on a unix socket; umask 0 so that user postfix may connect
(umask 0; exec "$QD" -f -p "unix:$BW/qrelay.sock" -d "$T/control" -x "$T/tcp.smtp.cdb" 2>/dev/null) &
UPID=$!
echo "$UPID" >> "$BW/pids"
i=0
while [ ! -S "$BW/qrelay.sock" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
pfx_setup "$PD" "inet:127.0.0.1:$qp" || exit 1

# the native maps, from the same tables
{
	sed 's/$/ OK/' "$T/control/rcpthosts"
	cdb -l "$T/control/morercpthosts.cdb" | sed 's/^+[0-9]*:\(.*\)$/\1 OK/'
} > "$PD/etc/relay_domains"
sed -n 's/^\([0-9.]*\):allow,RELAYCLIENT.*/\1 OK/p; s/^\([0-9.]*\):deny$/\1 REJECT/p' "$T/tcp.smtp" > "$PD/etc/access"
t0=$(date +%s%N)
postmap -c "$PD/etc" "cdb:$PD/etc/relay_domains" 2>&1 | head -n 5
postmap -c "$PD/etc" "cdb:$PD/etc/access" 2>&1 | head -n 5
echo "    postmap of $(wc -l < "$PD/etc/relay_domains") relay_domains and $(wc -l < "$PD/etc/access") access entries: $(( ($(date +%s%N) - t0) / 1000000 )) ms"
pfx_start "$PD" || exit 1
rcpt="bench@m0500000.mrh.test"

pfx_conf() {	# pfx_conf none|qrelay|native
	case $1 in
	none) postconf -c "$PD/etc" -e "smtpd_milters =" "relay_domains =" \
		"smtpd_relay_restrictions = check_client_access static:OK, reject_unauth_destination" ;;
	qrelay) postconf -c "$PD/etc" -e "smtpd_milters = inet:127.0.0.1:$qp" "relay_domains =" \
		"smtpd_relay_restrictions = check_client_access static:OK, reject_unauth_destination" ;;
	qrelay-unix) postconf -c "$PD/etc" -e "smtpd_milters = unix:$BW/qrelay.sock" "relay_domains =" \
		"smtpd_relay_restrictions = check_client_access static:OK, reject_unauth_destination" ;;
	noop) postconf -c "$PD/etc" -e "smtpd_milters = inet:127.0.0.1:$np" "relay_domains =" \
		"smtpd_relay_restrictions = check_client_access static:OK, reject_unauth_destination" ;;
	native) postconf -c "$PD/etc" -e "smtpd_milters =" "relay_domains = cdb:$PD/etc/relay_domains" \
		"smtpd_relay_restrictions = check_client_access cdb:$PD/etc/access, reject_unauth_destination" ;;
	esac
	postfix -c "$PD/etc" reload > /dev/null 2>&1
	sleep 1.5	# old smtpd processes finish and exit
}

queue_empty() {
	i=0
	while [ -n "$(find "$PD/spool/incoming" "$PD/spool/active" "$PD/spool/maildrop" -type f 2>/dev/null | head -n 1)" ] && [ $i -lt 300 ]; do
		sleep 0.1
		i=$((i + 1))
	done
}

sent() { cat "$PD/maillog" 2>/dev/null | grep -c 'status=sent'; }

pf_run() {	# pf_run CFG SESSIONS MSGS -> appends msg/s to $BW/pf.CFG.SESSIONS
	queue_empty
	s0=$(sent)
	t0=$(date +%s%N)
	smtp-source -s "$2" -m "$3" -f sender@bench.example -t "$rcpt" -M client.bench.test "127.0.0.1:$PFX_PORT" \
		> "$BW/pf.out" 2>&1
	t1=$(date +%s%N)
	queue_empty
	sleep 0.2
	got=$(( $(sent) - s0 ))
	rate=$(awk -v n="$3" -v ns=$((t1 - t0)) 'BEGIN { printf "%.1f", n / (ns / 1e9) }')
	echo "    $1 -s $2: $3 msgs in $(( (t1 - t0) / 1000000 )) ms = $rate msg/s, $got delivered$([ -s "$BW/pf.out" ] && echo "; smtp-source: $(head -c 200 "$BW/pf.out")")"
	echo "$rate $got $3" >> "$BW/pf.$1.$2"
}

# each configuration must do its job: a foreign recipient from 127.0.0.1
# (not a relay client) is refused by qrelay and native, accepted by none
relay_check() {
	n0=$(cat "$PD/maillog" 2>/dev/null | grep -c 'reject: RCPT')
	smtp-source -s 1 -m 1 -f sender@bench.example -t "victim@x.foreign.test" -M client.bench.test \
		"127.0.0.1:$PFX_PORT" > /dev/null 2>&1
	sleep 0.3
	n1=$(cat "$PD/maillog" 2>/dev/null | grep -c 'reject: RCPT')
	if [ "$n1" -gt "$n0" ]; then echo refused; else echo accepted; fi
}
checks=
for cfg in none qrelay native qrelay-unix; do
	pfx_conf "$cfg"
	checks="$checks $cfg:$(relay_check)"
done
echo "    relay attempt to x.foreign.test:$checks"
case $checks in
*" none:accepted qrelay:refused native:refused qrelay-unix:refused"*) bl_note "Postfix configurations checked: a relay attempt is refused by qrelay-milter (inet and unix socket) and by the native restrictions (none is the open ceiling)" ;;
*) bl_note "Postfix configurations WRONG: relay attempt results:$checks" ;;
esac

rm -f "$BW"/pf.*.*
order=${BENCH_PFX_CONFIGS:-none qrelay noop native qrelay-unix}
r=1
while [ $r -le "$rounds_pf" ]; do
	for cfg in $order; do
		pfx_conf "$cfg"
		pf_run "$cfg" 20 "$m20"
		pf_run "$cfg" 1 "$m1"
	done
	# rotate the order every round
	order="$(echo "$order" | cut -d' ' -f2-) $(echo "$order" | cut -d' ' -f1)"
	r=$((r + 1))
done
for s in 20 1; do
	for cfg in none qrelay noop native qrelay-unix; do
		[ -f "$BW/pf.$cfg.$s" ] || echo "- 0 0" > "$BW/pf.$cfg.$s"
		v=$(echo "$cfg" | tr -d -)
		eval "pf_${v}=\$(bl_median \$(cut -d' ' -f1 \"\$BW/pf.$cfg.$s\"))"
		eval "lost_${v}=\$(awk '{ l += \$3 - \$2 } END { print l + 0 }' \"\$BW/pf.$cfg.$s\")"
	done
	want=0.85
	[ "$s" -eq 1 ] && want=0.70
	rq=$(bl_ratio "$pf_qrelay" "$pf_none")
	bl_row "Postfix -s $s: msg/s, qrelay-milter vs no milter (median of $rounds_pf)" "$pf_qrelay" "$pf_none (no milter)" \
		"$rq" ">= ${want}x" "$(bl_ge "$rq" "$want")"
	bl_row "Postfix -s $s: msg/s, qrelay-milter on a unix socket vs no milter" "$pf_qrelayunix" "$pf_none (no milter)" \
		"$(bl_ratio "$pf_qrelayunix" "$pf_none")" "(>= ${want}x)" "$(bl_ge "$(bl_ratio "$pf_qrelayunix" "$pf_none")" "$want")"
	bl_row "Postfix -s $s: msg/s, vs the no-op milter" "$pf_qrelay" "$pf_noop (no-op milter)" \
		"$(bl_ratio "$pf_qrelay" "$pf_noop")" "-" "-"
	bl_row "Postfix -s $s: msg/s, Postfix native restrictions (same job)" "$pf_qrelay" "$pf_native (native)" \
		"$(bl_ratio "$pf_qrelay" "$pf_native")" "-" "-"
	bl_row "Postfix -s $s: messages not delivered (qrelay / none / native)" "$lost_qrelay" "$lost_none / $lost_native" "-" "0" \
		"$([ "$lost_qrelay" -eq 0 ] && echo met || echo MISSED)"
done
pfx_stop "$PD"
bl_stop "$QPID"
bl_stop "$NPID"
bl_stop "$UPID"
