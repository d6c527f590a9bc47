# SPDX-License-Identifier: BSD-2-Clause
# bench/reload.sh - reload under load: a 1M-line rcpthosts (plus the 1M
# morercpthosts.cdb and 10k rules) is replaced by rename and SIGUSR1 while
# bench/loadgen runs at concurrency 10.  Reports the reload time the daemon
# logs, failed sessions and wrong verdicts over the whole run (both must be
# 0), p99 of the sessions that started while the reload ran vs before, and
# the RSS peak (two snapshots are alive for a moment).  Sourced by run.sh.
secs_rl=${BENCH_RELOAD_SECS:-8}
d=$BW/reload
echo "== reload under load: 1M-line rcpthosts replaced by rename + SIGUSR1"
sh bench/gentables.sh "$d" 1000000 1000000 10000 20000 || exit 1
p=$(port_free 32200)
bl_qrelay "$p" "$d/control" "$d/tcp.smtp.cdb" "$BW/reload.log" || exit 1
"$LG" -s "inet:$p@127.0.0.1" -t "$d/traffic" -c 10 -d "$secs_rl" -o "$BW/reload.samples" > "$BW/reload.out" &
lgp=$!
sleep 2
set -- $(bl_rss "$QPID")
rss0=$1 peak=$1
# the same hosted domains in a new file (plus one line), as an admin would
cp "$d/control/rcpthosts" "$d/control/rcpthosts.new"
echo new.reload.test >> "$d/control/rcpthosts.new"
mv "$d/control/rcpthosts.new" "$d/control/rcpthosts"
t_hup=$(date +%s%N)
kill -USR1 "$QPID"
i=0
while ! grep -q 'reloaded tables' "$BW/reload.log" && [ $i -lt 500 ]; do
	set -- $(bl_rss "$QPID")
	[ "$1" -gt "$peak" ] && peak=$1
	sleep 0.01
	i=$((i + 1))
done
t_seen=$(date +%s%N)
for i in 1 2 3 4 5 6 7 8 9 10; do	# the old snapshot goes with its last session
	set -- $(bl_rss "$QPID")
	[ "$1" -gt "$peak" ] && peak=$1
	sleep 0.05
done
wait "$lgp"
l=$(cat "$BW/reload.out")
echo "    $l"
grep -E 'reload|SIGUSR1' "$BW/reload.log" | sed 's/^/    log: /'
rl_ms=$(sed -n 's/.*reloaded tables.* in \([0-9.]*\) ms.*/\1/p' "$BW/reload.log" | head -n 1)
: "${rl_ms:=-}"
nrl=$(grep -c 'reloaded tables' "$BW/reload.log")
failed=$(echo "$l" | bl_field failed)
wrong=$(echo "$l" | bl_field wrong)
# p99 of sessions started during the reload (USR1 .. log line seen) vs before
set -- $(awk -v a="$t_hup" -v b="$t_seen" '
	$1 < a - 0 && $1 >= a - 1500000000 { pre[++np] = $2 }
	$1 >= a && $1 <= b { dur[++nd] = $2 }
	function p99(v, n,   i, j, t) {
		for (i = 2; i <= n; i++) { t = v[i]; for (j = i - 1; j >= 1 && v[j] > t; j--) v[j + 1] = v[j]; v[j + 1] = t }
		return n ? v[int(n * 0.99) > 0 ? int(n * 0.99) : 1] : "-" }
	END { print p99(dur, nd), nd, p99(pre, np), np }' "$BW/reload.samples")
bl_row "reload of a 1M-line rcpthosts under load: reload time (daemon log)" \
	"$rl_ms ms ($nrl reload(s); USR1 to log line $(( (t_seen - t_hup) / 1000000 )) ms)" "-" "-" "<= 1 s" \
	"$(bl_le "${rl_ms%.*}" 1000)"
bl_row "reload under load: failed sessions / wrong verdicts ($(echo "$l" | bl_field sessions) sessions)" \
	"$failed / $wrong" "-" "-" "0 / 0" "$([ "$failed" -eq 0 ] && [ "$wrong" -eq 0 ] && echo met || echo MISSED)"
bl_row "reload under load: p99 latency us during the reload ($2 sessions)" "$1" "$3 (1.5 s before, $4 sessions)" \
	"$(bl_ratio "$1" "$3")" "-" "-"
bl_row "reload under load: RSS peak MB" \
	"$(awk -v k="$peak" 'BEGIN { printf "%.1f", k / 1024 }')" "$(awk -v k="$rss0" 'BEGIN { printf "%.1f", k / 1024 }') before" "-" "-" "-"
proc_stop "$QPID"
rm -rf "$d"
