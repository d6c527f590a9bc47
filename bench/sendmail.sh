# SPDX-License-Identifier: BSD-2-Clause
# bench/sendmail.sh - Sendmail end to end: bench/smtpbench.pl -> a private
# Sendmail 8.17 (tests/mta/sendmail.sh) that delivers the hosted domain
# mrh.test into a maildir, in four configurations, alternating in the same
# run:
#   none         no milter (promiscuous_relay and no INPUT_MAIL_FILTER:
#                no relay decision at all, the ceiling)
#   qrelay       qrelay-milter with the big tables (100k rcpthosts, 1M
#                cdb, 10k rules), the README's Sendmail snippet (TCP)
#   qrelay-unix  the same daemon on a unix socket, S=unix:...
#   noop         the no-op milter (bench/noop-milter -d, TCP), a stock
#                libmilter milter with qrelay-milter's stages: what any
#                milter costs here
# Each configuration is its own Sendmail instance on its own port, all
# running; one new SMTP connection per message (so one milter connection
# per message) to a hosted domain of morercpthosts.cdb (qrelay's longest
# path), 1 and 10 sessions.  Messages/s is messages / wall time of the
# client; p50 is the median time of one message, connect to the reply to
# QUIT; every message must be delivered (counted in the maildir).  Single
# runs move a lot on this box, so every round runs each configuration
# once, in a rotating order, and a ratio is the median over the rounds of
# that round's ratio, with its range.  Sourced by run.sh.
sb_rounds=${BENCH_SM_ROUNDS:-7}
sb_m1=${BENCH_SM_MSGS1:-100}
sb_m10=${BENCH_SM_MSGS10:-300}
T=$BW/big
echo "== Sendmail end to end: smtpbench.pl -> Sendmail -> maildir; no milter / qrelay-milter (TCP, unix) / no-op milter"
. tests/mta/sendmail.sh
# Sendmail refuses a milter socket below a group- or world-writable
# directory (/tmp), so the unix socket lives under /run
sb_sock=$(mktemp -d /run/qrelay-bench.XXXXXX) || exit 1
chmod 755 "$sb_sock"
echo "$sb_sock" >> "$BW/rmdirs"
sb_qp=$(port_free 32700)
bl_qrelay "$sb_qp" "$T/control" "$T/tcp.smtp.cdb" /dev/null || exit 1
sb_qpid=$QPID
sb_np=$(port_free $((sb_qp + 1)))
bl_noop "$sb_np" -d || exit 1
sb_npid=$NPID
"$QD" -f -p "unix:$sb_sock/qrelay.sock" -d "$T/control" -x "$T/tcp.smtp.cdb" 2>/dev/null &
sb_upid=$!
echo "$sb_upid" >> "$BW/pids"
wait_until 30 test -S "$sb_sock/qrelay.sock" || { echo "the unix-socket daemon did not start"; exit 1; }
# foreign mail (none's relay check) goes to an smtp-sink
sb_net=$(port_free $((sb_np + 1)))
smtp-sink -u nobody "127.0.0.1:$sb_net" 64 > /dev/null 2>&1 &
sb_spid=$!
echo "$sb_spid" >> "$BW/pids"
port_wait "$sb_net" "$sb_spid" || { echo "smtp-sink did not start"; exit 1; }
sb_all="none qrelay qrelay-unix noop"
sb_p=$sb_net
for sb_c in $sb_all; do
	sb_p=$(port_free $((sb_p + 1)))
	case $sb_c in
	none) sb_m=none ;;
	qrelay) sb_m=$sb_qp ;;
	qrelay-unix) sb_m=unix:$sb_sock/qrelay.sock ;;
	noop) sb_m=$sb_np ;;
	esac
	SM_PORT=$sb_p SM_HOSTED=mrh.test sm_setup "$BW/sm-$sb_c" "$sb_m" "$sb_net" || exit 1
	SM_PORT=$sb_p sm_start "$BW/sm-$sb_c" || exit 1
	eval "sb_port_$(echo "$sb_c" | tr -d -)=$sb_p"
done
sb_rcpt="bench@m0500000.mrh.test"

sb_port() { eval "echo \$sb_port_$(echo "$1" | tr -d -)"; }
sb_delivered() { find "$BW/sm-$1/maildir/new" -type f | wc -l; }
sb_queued() { find "$BW/sm-$1/spool/mqueue" -name 'qf*' | wc -l; }
busy_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9; exit }' /proc/stat; }

# sb_run CFG SESSIONS MSGS ROUND -> appends "msg/s delivered sent round
# cpu_us/msg p50_ms" to $BW/sm.CFG.SESSIONS
sb_run() {
	rm -f "$BW/sm-$1/maildir/new/"*
	sb_c0=$(busy_ticks)
	perl bench/smtpbench.pl 127.0.0.1 "$(sb_port "$1")" "$2" "$3" sender@bench.example "$sb_rcpt" \
		> "$BW/sm.out" 2> "$BW/sm.err"
	# delivery (in the background, after the 250) is part of the cost
	wait_until 120 sh -c "[ \$(find '$BW/sm-$1/maildir/new' -type f | wc -l) -ge $3 ] &&
		[ \$(find '$BW/sm-$1/spool/mqueue' -name 'qf*' | wc -l) -eq 0 ]"
	sb_c1=$(busy_ticks)
	sb_got=$(sb_delivered "$1")
	sb_rate=$(bl_field rate < "$BW/sm.out")
	sb_p50=$(bl_field p50_ms < "$BW/sm.out")
	sb_cpu=$(awk -v n="$3" -v t=$((sb_c1 - sb_c0)) -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.0f", t * 1e6 / hz / n }')
	echo "    $1 -s $2: $(cat "$BW/sm.out"), $sb_cpu us CPU/msg, $sb_got delivered$([ -s "$BW/sm.err" ] && echo "; client: $(head -c 200 "$BW/sm.err")")"
	echo "${sb_rate:-0} $sb_got $3 $4 $sb_cpu ${sb_p50:-0}" >> "$BW/sm.$1.$2"
}

# each configuration must do its job: a foreign recipient from 127.0.0.1
# (not a relay client) is refused 553 by qrelay-milter, accepted by none
sb_checks=
for sb_c in none qrelay qrelay-unix; do
	perl bench/smtpbench.pl 127.0.0.1 "$(sb_port "$sb_c")" 1 1 sender@bench.example victim@x.foreign.test \
		> "$BW/sm.out" 2> "$BW/sm.err"
	if grep -q 'after RCPT: 553 5\.7\.1' "$BW/sm.err"; then
		sb_checks="$sb_checks $sb_c:refused"
	elif grep -q 'ok=1' "$BW/sm.out"; then
		sb_checks="$sb_checks $sb_c:accepted"
	else
		sb_checks="$sb_checks $sb_c:error($(head -c 80 "$BW/sm.err"))"
	fi
done
echo "    relay attempt to x.foreign.test:$sb_checks"
case $sb_checks in
" none:accepted qrelay:refused qrelay-unix:refused") bl_note "Sendmail configurations checked: a relay attempt is refused (553 5.7.1) through qrelay-milter on TCP and on a unix socket (none is the open ceiling)" ;;
*) bl_note "Sendmail configurations WRONG: relay attempt results:$sb_checks" ;;
esac
# a few messages through each, to warm the page cache and the milters;
# then every queue must be empty
for sb_c in $sb_all; do
	perl bench/smtpbench.pl 127.0.0.1 "$(sb_port "$sb_c")" 1 5 sender@bench.example "$sb_rcpt" > /dev/null 2>&1
done
for sb_c in $sb_all; do
	wait_until 60 sh -c "[ \$(find '$BW/sm-$sb_c/spool/mqueue' -name 'qf*' | wc -l) -eq 0 ]" ||
		echo "    warning: $sb_c still has $(sb_queued "$sb_c") messages queued"
done

rm -f "$BW"/sm.*.*
sb_order=${BENCH_SM_CONFIGS:-$sb_all}
r=1
while [ $r -le "$sb_rounds" ]; do
	for sb_c in $sb_order; do
		sb_run "$sb_c" 1 "$sb_m1" "$r"
		sb_run "$sb_c" 10 "$sb_m10" "$r"
	done
	sb_order="$(echo "$sb_order" | cut -d' ' -f2-) $(echo "$sb_order" | cut -d' ' -f1)"
	r=$((r + 1))
done

# sb_pair A B S [FIELD]: the median over the rounds of (A's FIELD / B's
# FIELD) in the same round (FIELD 1: msg/s, 6: p50), and the range
sb_pair() {
	[ -s "$BW/sm.$1.$3" ] && [ -s "$BW/sm.$2.$3" ] || { echo "- -"; return; }
	awk -v f="${4:-1}" 'NR == FNR { b[$4] = $f; next } ($4 in b) && b[$4] > 0 { print $f / b[$4] }' \
		"$BW/sm.$2.$3" "$BW/sm.$1.$3" | sort -g |
		awk '{ v[NR] = $1 } END { if (NR == 0) { print "- -"; exit }
			m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			printf "%.2f %.2f-%.2f\n", m, v[1], v[NR] }'
}
sb_med() {	# sb_med CFG S FIELD: median of a field over the rounds
	[ -s "$BW/sm.$1.$2" ] || { echo -; return; }
	bl_median $(cut -d' ' -f"$3" "$BW/sm.$1.$2")
}
for s in 1 10; do
	for sb_c in $sb_all; do
		v=$(echo "$sb_c" | tr -d -)
		eval "rate_${v}=\$(sb_med $sb_c $s 1) p50_${v}=\$(sb_med $sb_c $s 6) cpu_${v}=\$(sb_med $sb_c $s 5)"
		eval "lost_${v}=\$(awk '{ l += \$3 - \$2 } END { print l + 0 }' \"\$BW/sm.$sb_c.$s\" 2>/dev/null || echo 0)"
	done
	set -- $(sb_pair qrelay none "$s")
	bl_row "Sendmail -s $s: msg/s, qrelay-milter (TCP, README snippet) vs no milter (median of $sb_rounds rounds' ratios; range)" \
		"$rate_qrelay" "$rate_none (no milter)" "$1 ($2)" ">= 0.9x" "$(bl_ge "$1" 0.9)"
	set -- $(sb_pair qrelay-unix none "$s")
	bl_row "Sendmail -s $s: msg/s, qrelay-milter on a unix socket vs no milter" "$rate_qrelayunix" "$rate_none (no milter)" \
		"$1 ($2)" "(>= 0.9x)" "$(bl_ge "$1" 0.9)"
	set -- $(sb_pair noop none "$s")
	bl_row "Sendmail -s $s: msg/s, the no-op milter (TCP) vs no milter" "$rate_noop" "$rate_none (no milter)" "$1 ($2)" "-" "-"
	set -- $(sb_pair qrelay noop "$s")
	bl_row "Sendmail -s $s: msg/s, qrelay-milter (TCP) vs the no-op milter (TCP)" "$rate_qrelay" "$rate_noop (no-op milter)" "$1 ($2)" "-" "-"
	set -- $(sb_pair qrelay none "$s" 6)
	bl_row "Sendmail -s $s: p50 ms per message, qrelay-milter TCP / unix (ratio: TCP vs no milter)" \
		"$p50_qrelay / $p50_qrelayunix" "$p50_none (no milter), $p50_noop (no-op)" "$1 ($2)" "-" "-"
	bl_row "Sendmail -s $s: CPU us per message, whole box (qrelay TCP / unix)" "$cpu_qrelay / $cpu_qrelayunix" \
		"$cpu_none (no milter), $cpu_noop (no-op)" "$(bl_ratio "$cpu_none" "$cpu_qrelay")" "-" "-"
	bl_row "Sendmail -s $s: messages not delivered (qrelay TCP / unix / none / no-op)" \
		"$lost_qrelay / $lost_qrelayunix" "$lost_none / $lost_noop" "-" "0" \
		"$([ "$lost_qrelay" -eq 0 ] && [ "$lost_qrelayunix" -eq 0 ] && echo met || echo MISSED)"
done
for sb_c in $sb_all; do sm_stop "$BW/sm-$sb_c"; done
proc_stop "$sb_qpid"
proc_stop "$sb_npid"
proc_stop "$sb_upid"
proc_stop "$sb_spid"
rm -rf "$sb_sock"
