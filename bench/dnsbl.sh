# SPDX-License-Identifier: BSD-2-Clause
# bench/dnsbl.sh - DNSBL cost: qrelay-milter with three zones served by a
# real rbldnsd on loopback vs the same daemon and tables without DNSBL,
# concurrency 10 and 100, rounds in rotating order: with the answer cache
# (dnsbl_cache_ttl, default 60 s: the traffic's 20,000 clients come back
# within it) and without it (every session sends its three queries).
# Sourced by run.sh; needs root (rbldnsd runs as user rbldns).
#
# No traffic address is listed, so every verdict is the same as without
# DNSBL and loadgen still checks them: 80% of the sessions are strangers
# whose three lookups start at connect and are waited for at RCPT; the
# relay clients by rule send no query; the AUTH users' lookups start but
# are not waited for.
rounds=${BENCH_ROUNDS:-6}
secs=${BENCH_SECS:-3}
T=$BW/big
. tests/lib/rbldnsd.sh
echo "== DNSBL: three zones on a local rbldnsd vs no DNSBL (same daemon, same tables)"
mkdir -p "$BW/rbl"
{
	echo '$SOA 60 ns.bl1.test. hostmaster.bl1.test. 1 60 60 60 60'
	echo ':127.0.0.2:Listed in $'
	i=0
	while [ $i -lt 256 ]; do echo "203.0.113.$i"; i=$((i + 1)); done
} > "$BW/rbl/bl.zone"
rbl_start "$BW/rbl" bl1.test:ip4set:bl.zone bl2.test:ip4set:bl.zone \
	bl3.test:ip4set:bl.zone || { echo "rbldnsd did not start" >&2; exit 1; }
echo "$RBL_PID" >> "$BW/pids"
for v in on nocache off; do
	{
		echo "control_dir = \"$T/control\""
		echo "rules = \"$T/tcp.smtp.cdb\""
		if [ $v != off ]; then
			echo 'dnsbl_zones = { "bl1.test", "-bl2.test", "bl3.test:Listed in bl3.test: %IP%" }'
			echo "dnsbl_servers = { \"127.0.0.1:$RBL_PORT\" }"
		fi
		[ $v = nocache ] && echo 'dnsbl_cache_ttl = 0'
	} > "$BW/dnsbl-$v.conf"
done
dnsbl_daemon() {	# dnsbl_daemon on|nocache|off: its port in $port
	port=$(port_free "$1")
	"$QD" -f -p "inet:$port@127.0.0.1" -c "$BW/dnsbl-$2.conf" 2>/dev/null &
	_dpid=$!
	echo "$_dpid" >> "$BW/pids"
	port_wait "$port" "$_dpid" || exit 1
	eval "${2}_pid=\$_dpid"
}
dnsbl_daemon 32100 on
dp=$port
dnsbl_daemon $((dp + 1)) nocache
np=$port
dnsbl_daemon $((np + 1)) off
op=$port

dnsbl_run() {	# dnsbl_run on|nocache|off CONC -> appends "rate p50 p99 failed wrong"
	case $1 in
	on) p=$dp ;;
	nocache) p=$np ;;
	*) p=$op ;;
	esac
	l=$("$LG" -s "inet:$p@127.0.0.1" -t "$T/traffic" -c "$2" -d "$secs")
	echo "    dnsbl $1 c=$2: $l"
	echo "$(echo "$l" | bl_field rate) $(echo "$l" | bl_field p50_us) $(echo "$l" | bl_field p99_us) $(echo "$l" | bl_field failed) $(echo "$l" | bl_field wrong)" \
		>> "$BW/dnsbl.$1.$2"
}

q0=$(rbl_queries)
for c in 10 100; do
	rm -f "$BW/dnsbl.on.$c" "$BW/dnsbl.nocache.$c" "$BW/dnsbl.off.$c"
	for p in $dp $np $op; do
		"$LG" -s "inet:$p@127.0.0.1" -t "$T/traffic" -c "$c" -d 1 > /dev/null
	done
	r=1
	while [ $r -le "$rounds" ]; do
		case $((r % 3)) in
		1) dnsbl_run on "$c"; dnsbl_run nocache "$c"; dnsbl_run off "$c" ;;
		2) dnsbl_run off "$c"; dnsbl_run on "$c"; dnsbl_run nocache "$c" ;;
		*) dnsbl_run nocache "$c"; dnsbl_run off "$c"; dnsbl_run on "$c" ;;
		esac
		r=$((r + 1))
	done
	for v in on nocache off; do
		f=$BW/dnsbl.$v.$c
		eval "${v}_rate=\$(bl_median \$(cut -d' ' -f1 \"\$f\"))"
		eval "${v}_p50=\$(bl_median \$(cut -d' ' -f2 \"\$f\"))"
		eval "${v}_p99=\$(bl_median \$(cut -d' ' -f3 \"\$f\"))"
		eval "${v}_bad=\$(awk '{ s += \$4 + \$5 } END { print s + 0 }' \"\$f\")"
	done
	for v in on nocache; do
		ratios=$(paste -d' ' "$BW/dnsbl.$v.$c" "$BW/dnsbl.off.$c" | awk '{ printf "%.3f\n", $1 / $6 }')
		rmed=$(bl_median $ratios)
		rmin=$(echo "$ratios" | sort -g | head -n 1)
		rmax=$(echo "$ratios" | sort -g | tail -n 1)
		eval "rate=\$${v}_rate p50=\$${v}_p50 p99=\$${v}_p99 bad=\$${v}_bad"
		if [ $v = on ]; then
			what="3 zones, answers cached (default)" target=">= 0.9x"
			verdict=$(bl_ge "$rmed" 0.9)
		else
			what="3 zones, no cache: 3 queries per stranger" target="-"
			verdict=$(bl_ge "$rmed" 0.9 | sed 's/MISSED/below 0.9x/')
		fi
		bl_row "DNSBL c=$c: sessions/s, $what (median of $rounds)" "$rate" "$off_rate (no DNSBL)" \
			"$(printf '%.2f' "$rmed") (rounds $rmin..$rmax)" "$target" "$verdict"
		bl_row "DNSBL c=$c, $v: p50 / p99 latency us" "$p50 / $p99" "$off_p50 / $off_p99" \
			"$(bl_ratio "$p50" "$off_p50") / $(bl_ratio "$p99" "$off_p99")" "-" "-"
		bl_row "DNSBL c=$c, $v: failed sessions + wrong verdicts" "$bad" "$off_bad" "-" "0" \
			"$([ "$bad" -eq 0 ] && echo met || echo MISSED)"
	done
done
bl_note "DNSBL: rbldnsd answered $(($(rbl_queries) - q0)) queries (three per uncached stranger session), on the same cores"
proc_stop "$on_pid"
proc_stop "$nocache_pid"
proc_stop "$off_pid"
rbl_stop
