# SPDX-License-Identifier: BSD-2-Clause
# bench/soak.sh - soak: 1,000 concurrent milter sessions for BENCH_SOAK_SECS
# (default 60) against the big tables, while the files are replaced,
# edited in place and reloaded by signal in a loop (the contents stay the
# same, so every verdict stays predictable): 0 failed sessions, 0 wrong
# verdicts, and RSS printed at the start, the middle and the end - it must
# stay flat.  Sourced by run.sh (sh bench/run.sh soak); not run by CI.
secs=${BENCH_SOAK_SECS:-60}
echo "== soak: 1000 concurrent sessions for $secs s, with reloads and in-place edits"
S=$BW/soak
cp -r "$BW/big" "$S"
cp "$S/control/rcpthosts" "$S/rcpthosts.same"
cp "$S/control/morercpthosts.cdb" "$S/more.same"
p=$(port_free 32300)
bl_qrelay "$p" "$S/control" "$S/tcp.smtp.cdb" "$BW/soak.log" || exit 1
"$LG" -s "inet:$p@127.0.0.1" -t "$S/traffic" -c 10 -n 2000 > /dev/null	# warm
set -- $(bl_rss "$QPID")
r_start=$1
"$LG" -s "inet:$p@127.0.0.1" -t "$S/traffic" -c 1000 -d "$secs" -T 60000 > "$BW/soak.out" &
lgp=$!
t0=$(date +%s) k=0 r_mid=
while kill -0 "$lgp" 2>/dev/null; do
	case $((k % 5)) in
	0) cp "$S/rcpthosts.same" "$S/control/rcpthosts" ;;	# in place
	1) cp "$S/more.same" "$S/control/morercpthosts.cdb" ;;	# in place
	2) tcprules "$S/tcp.smtp.cdb" "$S/tcp.tmp" < "$S/tcp.smtp" ;;	# rename
	3) kill -USR1 "$QPID" ;;
	4) cp "$S/rcpthosts.same" "$S/r.tmp" && mv "$S/r.tmp" "$S/control/rcpthosts" ;;
	esac
	k=$((k + 1))
	if [ -z "$r_mid" ] && [ $(( $(date +%s) - t0 )) -ge $((secs / 2)) ]; then
		set -- $(bl_rss "$QPID")
		r_mid=$1
	fi
	sleep 0.5
done
wait "$lgp"
sleep 2	# the last reload settles, the sessions' snapshots are let go
set -- $(bl_rss "$QPID")
r_end=$1
out=$(cat "$BW/soak.out")
echo "    soak: $out"
nrl=$(grep -c 'reloaded tables' "$BW/soak.log")
nfail=$(grep -c 'reload failed' "$BW/soak.log")
echo "    $k file changes or signals, $nrl reloads, $nfail failed reloads (a file caught mid-copy is retried)"
echo "    RSS start / middle / end: $r_start / ${r_mid:-?} / $r_end kB"
bad=$(echo "$out" | awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^(failed|wrong|tempfail)=/) { split($i, a, "="); s += a[2] } } END { print s + 0 }')
bl_row "soak: 1000 sessions, $secs s, $k edits/reloads: failed+tempfail+wrong" "$bad" "-" "-" "0" \
	"$([ "$bad" -eq 0 ] && echo met || echo MISSED)"
bl_row "soak: RSS start / middle / end (kB)" "$r_start / ${r_mid:-?} / $r_end" "-" \
	"$(bl_ratio "$r_end" "$r_start")" "flat (end <= 1.25x start)" \
	"$(awk -v a="$r_end" -v b="$r_start" 'BEGIN { print (a <= 1.25 * b) ? "met" : "MISSED" }')"
proc_stop "$QPID"
