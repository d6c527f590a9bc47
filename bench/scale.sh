# SPDX-License-Identifier: BSD-2-Clause
# bench/scale.sh - scale curve: rcpthosts and morercpthosts.cdb both grow
# 1k -> 1M entries (10k rules, same traffic mix).  For each size: the
# in-process cost of one RCPT decision (bench/corebench, one thread,
# median of 3), tables_load time, and the daemon's RSS after a short load
# run.  qmail-smtpd re-reads rcpthosts on every connection; its cost per
# connection on this kind of machine, measured once with qmail-smtpd (1k: 2.6 ms,
# 100k: 33 ms, 1M: 357 ms).  "Flat" is taken as within 1.25x of the 1k
# cost; a size that is above 2 M/s but not flat says so.  Sourced by run.sh.
echo "== scale: rcpthosts lines = morercpthosts.cdb domains = N"
first_ns=
for n in 1000 10000 100000 1000000; do
	d=$BW/scale$n
	sh bench/gentables.sh "$d" "$n" "$n" 10000 20000 || exit 1
	ns= ms= bad=0
	for i in 1 2 3; do
		l=$("$CB" -d "$d/control" -x "$d/tcp.smtp.cdb" -t "$d/traffic" -s 1)
		echo "    N=$n: $l"
		ns="$ns $(echo "$l" | bl_field rcpt_ns)"
		ms="$ms $(echo "$l" | bl_field load_ms)"
		bad=$((bad + $(echo "$l" | bl_field wrong)))
	done
	ns=$(bl_median $ns)
	ms=$(bl_median $ms)
	[ -n "$first_ns" ] || first_ns=$ns
	p=$(port_free 32100)
	bl_qrelay "$p" "$d/control" "$d/tcp.smtp.cdb" /dev/null || exit 1
	"$LG" -s "inet:$p@127.0.0.1" -t "$d/traffic" -c 10 -d 1 > "$BW/scale.out"
	set -- $(bl_rss "$QPID")
	proc_stop "$QPID" &
	case $n in
	1000) q="2.6 ms" ;;
	100000) q="33 ms" ;;
	1000000) q="357 ms" ;;
	*) q="-" ;;
	esac
	mrps=$(awk -v ns="$ns" 'BEGIN { printf "%.2f", 1000 / ns }')
	bl_row "scale N=$n: ns per RCPT decision (M decisions/s); load ms; RSS MB (anon+cdb)" \
		"$ns ns ($mrps M/s); load $ms ms; RSS $(awk -v a="$2" -v f="$3" 'BEGIN { printf "%.1f+%.1f", a / 1024, f / 1024 }')" \
		"qmail-smtpd: $q per connection" "$(bl_ratio "$ns" "$first_ns") vs 1k" \
		">= 2 M/s, flat" "$(bl_ge "$mrps" 2)$(awk -v r="$(bl_ratio "$ns" "$first_ns")" 'BEGIN { if (r > 1.25) printf " for 2 M/s; NOT flat (%.2fx the 1k cost)", r }')$([ "$bad" -eq 0 ] || echo ", $bad WRONG verdicts")"
	rm -rf "$d"
done
wait
