# SPDX-License-Identifier: BSD-2-Clause
# bench/proto.sh - milter protocol: qrelay-milter with the big tables vs the
# no-op milter, concurrency 10 and 100, alternating rounds; then the
# daemon's RSS idle and at 500 concurrent sessions.  Sourced by run.sh.
#
# BENCH_ROUNDS rounds (default 5) of BENCH_SECS seconds (default 3) per
# milter and concurrency; the order alternates every round.
rounds=${BENCH_ROUNDS:-5}
secs=${BENCH_SECS:-3}
T=$BW/big
echo "== milter protocol: qrelay-milter (rcpthosts $(wc -l < "$T/control/rcpthosts") lines, morercpthosts.cdb $(cdb -s "$T/control/morercpthosts.cdb" | sed -n 's/^number of records: //p') domains, $(wc -l < "$T/tcp.smtp") rules) vs no-op milter"
qp=$(port_free 32000)
bl_qrelay "$qp" "$T/control" "$T/tcp.smtp.cdb" /dev/null || exit 1
np=$(port_free $((qp + 1)))
bl_noop "$np" || exit 1
NPID1=$NPID
mp=$(port_free $((np + 1)))
bl_noop "$mp" -m || exit 1	# no callbacks: every stage skipped
NPID2=$NPID

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
tick_us=$((1000000 / $(getconf CLK_TCK)))

one_run() {	# one_run WHO CONC -> appends "rate p50 p99 failed wrong cpu_us" to $BW/proto.WHO.CONC
	case $1 in
	qrelay) pid=$QPID; c0=$(cpu_ticks $pid)
		l=$("$LG" -s "inet:$qp@127.0.0.1" -t "$T/traffic" -c "$2" -d "$secs") ;;
	noop) pid=$NPID1; c0=$(cpu_ticks $pid)
		l=$("$LG" -N -s "inet:$np@127.0.0.1" -t "$T/traffic" -c "$2" -d "$secs") ;;
	*) pid=$NPID2; c0=$(cpu_ticks $pid)
		l=$("$LG" -N -s "inet:$mp@127.0.0.1" -t "$T/traffic" -c "$2" -d "$secs") ;;
	esac
	c1=$(cpu_ticks $pid)
	n=$(echo "$l" | bl_field sessions)
	cpu=$(awk -v t=$((c1 - c0)) -v u=$tick_us -v n="$n" 'BEGIN { printf "%.1f", n ? t * u / n : 0 }')
	echo "    $1 c=$2: $l milter_cpu_us=$cpu"
	echo "$(echo "$l" | bl_field rate) $(echo "$l" | bl_field p50_us) $(echo "$l" | bl_field p99_us) $(echo "$l" | bl_field failed) $(echo "$l" | bl_field wrong) $cpu" \
		>> "$BW/proto.$1.$2"
}

for c in 10 100; do
	rm -f "$BW/proto.qrelay.$c" "$BW/proto.noop.$c" "$BW/proto.min.$c"
	# warm-up (not counted)
	"$LG" -s "inet:$qp@127.0.0.1" -t "$T/traffic" -c "$c" -d 1 > /dev/null
	"$LG" -N -s "inet:$np@127.0.0.1" -t "$T/traffic" -c "$c" -d 1 > /dev/null
	r=1
	while [ $r -le "$rounds" ]; do
		if [ $((r % 2)) -eq 1 ]; then
			one_run qrelay "$c"; one_run noop "$c"
		else
			one_run noop "$c"; one_run qrelay "$c"
		fi
		[ "$r" -le 2 ] && one_run min "$c"	# reference only
		r=$((r + 1))
	done
	for who in qrelay noop min; do
		f=$BW/proto.$who.$c
		eval "${who}_cpu=\$(bl_median \$(cut -d' ' -f6 \"\$f\"))"
		eval "${who}_rate=\$(bl_median \$(cut -d' ' -f1 \"\$f\"))"
		eval "${who}_p50=\$(bl_median \$(cut -d' ' -f2 \"\$f\"))"
		eval "${who}_p99=\$(bl_median \$(cut -d' ' -f3 \"\$f\"))"
		eval "${who}_bad=\$(awk '{ s += \$4 + \$5 } END { print s + 0 }' \"\$f\")"
	done
	# per-round ratios (each pair ran back to back): their median and range
	ratios=$(paste -d' ' "$BW/proto.qrelay.$c" "$BW/proto.noop.$c" | awk '{ printf "%.3f\n", $1 / $7 }')
	rmed=$(bl_median $ratios)
	rmin=$(echo "$ratios" | sort -g | head -n 1)
	rmax=$(echo "$ratios" | sort -g | tail -n 1)
	bl_row "milter protocol c=$c: sessions/s (median of $rounds)" "$qrelay_rate" "$noop_rate (no-op)" \
		"$(printf '%.2f' "$rmed") (rounds $rmin..$rmax)" ">= 1.0x" "$(bl_ge "$rmed" 0.995)"
	bl_row "milter protocol c=$c: p50 / p99 latency us" "$qrelay_p50 / $qrelay_p99" "$noop_p50 / $noop_p99" \
		"$(bl_ratio "$qrelay_p50" "$noop_p50") / $(bl_ratio "$qrelay_p99" "$noop_p99")" "-" "-"
	bl_row "milter protocol c=$c: milter CPU us per session (median)" "$qrelay_cpu" "$noop_cpu" \
		"$(bl_ratio "$qrelay_cpu" "$noop_cpu")" "-" "-"
	bl_row "milter protocol c=$c: reference, no-op with no callbacks (every stage skipped)" "-" \
		"$min_rate sessions/s, $min_cpu us CPU" "$(bl_ratio "$qrelay_rate" "$min_rate")" "-" "-"
	bl_row "milter protocol c=$c: failed sessions + wrong verdicts" "$qrelay_bad" "$noop_bad" "-" "0" \
		"$([ "$qrelay_bad" -eq 0 ] && echo met || echo MISSED)"
done

# RSS: idle with the big tables, and the peak while 500 sessions are in flight
set -- $(bl_rss "$QPID")
idle=$1 idle_anon=$2 idle_file=$3
"$LG" -s "inet:$qp@127.0.0.1" -t "$T/traffic" -c 500 -d "$secs" -T 30000 > "$BW/c500.out" &
lgp=$!
peak=0 peak_anon=0
while kill -0 "$lgp" 2>/dev/null; do
	set -- $(bl_rss "$QPID")
	[ "$1" -gt "$peak" ] && peak=$1
	[ "$2" -gt "$peak_anon" ] && peak_anon=$2
	sleep 0.1
done
wait "$lgp"
echo "    qrelay c=500: $(cat "$BW/c500.out")"
after=$(bl_rss "$QPID" | cut -d' ' -f1)
thr=$(awk '/^Threads:/ { print $2 }' "/proc/$QPID/status")
bl_row "RSS with the big tables, idle after load (MB)" \
	"$(awk -v k="$idle" 'BEGIN { printf "%.1f", k / 1024 }') (anon $(awk -v k="$idle_anon" 'BEGIN { printf "%.1f", k / 1024 }'), cdb mmap $(awk -v k="$idle_file" 'BEGIN { printf "%.1f", k / 1024 }'))" \
	"-" "-" "<= 64 MB" "$(bl_le "$idle" 65536)"
bl_row "RSS growth at 500 concurrent sessions (MB)" \
	"+$(awk -v a="$peak" -v b="$idle" 'BEGIN { printf "%.1f", (a - b) / 1024 }') (peak $(awk -v k="$peak" 'BEGIN { printf "%.1f", k / 1024 }'), $(sed 's/.*failed=\([0-9]*\).*/\1/' "$BW/c500.out") failed)" \
	"-" "-" "<= +16 MB" "$(bl_le $((peak - idle)) 16384)"
bl_note "after the c=500 run: RSS $((after / 1024)) MB, $thr threads (libmilter's worker pool)"
proc_stop "$QPID"
proc_stop "$NPID1"
proc_stop "$NPID2"
