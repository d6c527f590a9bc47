# SPDX-License-Identifier: BSD-2-Clause
# bench/postfix.sh - Postfix end to end: smtp-source -> a private Postfix
# (tests/mta/postfix.sh, every transport discard) in three configurations,
# alternating in the same run:
#   none    no milter; Postfix's relay check is the open "static:OK" of the
#           test instance (no relay decision at all: the ceiling)
#   qrelay  qrelay-milter with the big tables (100k rcpthosts, 1M cdb, 10k
#           rules), the README's Postfix snippet
#   qrelay-unix  the same daemon on a unix socket (unix:$BW/qrelay.sock)
#   noop    the no-op milter (bench/noop-milter -d: same stages as
#           qrelay-milter, DATA answered "accept"): what any milter
#           answering at RCPT costs here
#   floor   bench/noop-milter -a: "accept" at connect, after which Postfix
#           drops the milter for the session: the least any milter costs
#   native  no milter; Postfix does the same job itself:
#           check_client_access cdb (the 4k RELAYCLIENT IPs -> OK, deny
#           rules -> REJECT) + reject_unauth_destination, relay_domains =
#           cdb map of the same 1.1M hosted domains
# One new SMTP connection per message (so one milter connection per
# message), to a hosted domain of morercpthosts.cdb (the longest path in
# qrelay: rcpthosts misses, the cdb hits), 20 sessions and 1 session.
# Messages/s is messages / wall time of smtp-source; every message must
# reach discard(8) (counted in the maillog).  Single runs here move by
# +-25% (the same configuration run six times in a row gave 689-1051
# msg/s), so every round runs each configuration once, in a rotating
# order, and a ratio is the median over the rounds of that round's
# qrelay/baseline ratio.  Sourced by run.sh.
rounds_pf=${BENCH_PFX_ROUNDS:-9}
m20=${BENCH_PFX_MSGS20:-2000}
m1=${BENCH_PFX_MSGS1:-300}
T=$BW/big
PD=$BW/pfx
echo "== Postfix end to end: smtp-source -> Postfix -> discard; no milter / qrelay-milter / native restrictions"
. tests/mta/postfix.sh
PFX_PORT=$(port_free 32525)
qp=$(port_free $((PFX_PORT + 1)))
bl_qrelay "$qp" "$T/control" "$T/tcp.smtp.cdb" /dev/null || exit 1
np=$(port_free $((qp + 1)))
bl_noop "$np" -d || exit 1
DPID=$NPID
fp=$(port_free $((np + 1)))
bl_noop "$fp" -a || exit 1
FPID=$NPID
# the same daemon on a unix socket, in group postfix so that smtpd may
# connect (the daemon makes it 0660 whatever the umask)
printf '%s\n' "socket = \"unix:$BW/qrelay.sock\"" 'socket_group = "postfix"' \
	"control_dir = \"$T/control\"" "rules = \"$T/tcp.smtp.cdb\"" > "$BW/qrelay-unix.conf"
"$QD" -f -c "$BW/qrelay-unix.conf" 2>/dev/null &
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
	floor) postconf -c "$PD/etc" -e "smtpd_milters = inet:127.0.0.1:$fp" "relay_domains =" \
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

# CPU time the whole box has spent busy, in clock ticks (/proc/stat: user
# nice system irq softirq steal).  Throughput here moves with the disk and
# the scheduler; CPU per message is the steadier measure of the cost.
busy_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9; exit }' /proc/stat; }

pf_run() {	# pf_run CFG SESSIONS MSGS ROUND -> appends "msg/s delivered sent round cpu_us/msg" to $BW/pf.CFG.SESSIONS
	queue_empty
	s0=$(sent)
	c0=$(busy_ticks)
	t0=$(date +%s%N)
	smtp-source -s "$2" -m "$3" -f sender@bench.example -t "$rcpt" -M client.bench.test "127.0.0.1:$PFX_PORT" \
		> "$BW/pf.out" 2>&1
	t1=$(date +%s%N)
	queue_empty	# delivery is part of each message's cost
	c1=$(busy_ticks)
	sleep 0.2
	got=$(( $(sent) - s0 ))
	rate=$(awk -v n="$3" -v ns=$((t1 - t0)) 'BEGIN { printf "%.1f", n / (ns / 1e9) }')
	cpu=$(awk -v n="$3" -v t=$((c1 - c0)) -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.0f", t * 1e6 / hz / n }')
	echo "    $1 -s $2: $3 msgs in $(( (t1 - t0) / 1000000 )) ms = $rate msg/s, $cpu us CPU/msg, $got delivered$([ -s "$BW/pf.out" ] && echo "; smtp-source: $(head -c 200 "$BW/pf.out")")"
	echo "$rate $got $3 $4 $cpu" >> "$BW/pf.$1.$2"
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
all="none qrelay floor noop native qrelay-unix"
order=${BENCH_PFX_CONFIGS:-$all}
r=1
while [ $r -le "$rounds_pf" ]; do
	for cfg in $order; do
		pfx_conf "$cfg"
		pf_run "$cfg" 20 "$m20" "$r"
		pf_run "$cfg" 1 "$m1" "$r"
	done
	# rotate the order every round
	order="$(echo "$order" | cut -d' ' -f2-) $(echo "$order" | cut -d' ' -f1)"
	r=$((r + 1))
done

# pf_pair A B S: the median over the rounds of (A's msg/s / B's msg/s) in
# the same round, and the range of those ratios ("-" without data)
pf_pair() {
	[ -s "$BW/pf.$1.$3" ] && [ -s "$BW/pf.$2.$3" ] || { echo "- -"; return; }
	awk 'NR == FNR { b[$4] = $1; next } ($4 in b) && b[$4] > 0 { print $1 / b[$4] }' \
		"$BW/pf.$2.$3" "$BW/pf.$1.$3" | sort -g |
		awk '{ v[NR] = $1 } END { if (NR == 0) { print "- -"; exit }
			m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			printf "%.2f %.2f-%.2f\n", m, v[1], v[NR] }'
}
for s in 20 1; do
	for cfg in $all; do
		v=$(echo "$cfg" | tr -d -)
		if [ -s "$BW/pf.$cfg.$s" ]; then
			eval "pf_${v}=\$(bl_median \$(cut -d' ' -f1 \"\$BW/pf.$cfg.$s\"))"
			eval "lost_${v}=\$(awk '{ l += \$3 - \$2 } END { print l + 0 }' \"\$BW/pf.$cfg.$s\")"
		else
			eval "pf_${v}=- lost_${v}=0"
		fi
	done
	want=0.85
	[ "$s" -eq 1 ] && want=0.70
	set -- $(pf_pair qrelay none "$s")
	bl_row "Postfix -s $s: msg/s, qrelay-milter vs no milter (median of $rounds_pf rounds' ratios; range)" \
		"$pf_qrelay" "$pf_none (no milter)" "$1 ($2)" ">= ${want}x" "$(bl_ge "$1" "$want")"
	set -- $(pf_pair qrelay-unix none "$s")
	bl_row "Postfix -s $s: msg/s, qrelay-milter on a unix socket vs no milter" "$pf_qrelayunix" "$pf_none (no milter)" \
		"$1 ($2)" "(>= ${want}x)" "$(bl_ge "$1" "$want")"
	set -- $(pf_pair floor none "$s")
	bl_row "Postfix -s $s: msg/s, the floor (a milter that accepts at connect) vs no milter" "$pf_floor" "$pf_none (no milter)" \
		"$1 ($2)" "-" "-"
	set -- $(pf_pair qrelay floor "$s")
	bl_row "Postfix -s $s: msg/s, qrelay-milter vs the floor" "$pf_qrelay" "$pf_floor (floor)" "$1 ($2)" "-" "-"
	set -- $(pf_pair qrelay noop "$s")
	bl_row "Postfix -s $s: msg/s, qrelay-milter vs the no-op milter" "$pf_qrelay" "$pf_noop (no-op milter)" "$1 ($2)" "-" "-"
	set -- $(pf_pair qrelay native "$s")
	bl_row "Postfix -s $s: msg/s, qrelay-milter vs Postfix native restrictions (same job)" "$pf_qrelay" "$pf_native (native)" \
		"$1 ($2)" "-" "-"
	for cfg in none floor qrelay native; do
		v=$(echo "$cfg" | tr -d -)
		eval "cpu_${v}=\$( [ -s \"\$BW/pf.$cfg.$s\" ] && bl_median \$(cut -d' ' -f5 \"\$BW/pf.$cfg.$s\") || echo -)"
	done
	bl_row "Postfix -s $s: CPU us per message, whole box (qrelay / floor / native)" "$cpu_qrelay" \
		"$cpu_none (no milter) / $cpu_floor / $cpu_native" "$(bl_ratio "$cpu_none" "$cpu_qrelay") (floor $(bl_ratio "$cpu_none" "$cpu_floor"))" "-" "-"
	bl_row "Postfix -s $s: messages not delivered (qrelay / none / native)" "$lost_qrelay" "$lost_none / $lost_native" "-" "0" \
		"$([ "$lost_qrelay" -eq 0 ] && echo met || echo MISSED)"
done
pfx_stop "$PD"
proc_stop "$QPID"
proc_stop "$DPID"
proc_stop "$FPID"
proc_stop "$UPID"
