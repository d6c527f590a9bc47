#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# compare-tcprules.sh - differential tests against Debian's real ucspi-tcp.
#
# 1. Our tcprules text parser must produce exactly the records, in the same
#    order, that the real `tcprules` writes (compared with `cdb -d`), and
#    must refuse exactly the files tcprules refuses.
# 2. For every vector in tests/vectors/tcprules.vec, the rule the real
#    `tcprulescheck` picks must be the rule qrelayctl names in its reason.
# Run from the repository root; prints ok/not ok lines, then the totals.
set -u
data=${QR_DATA:-tests/data}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok - $*"; }
bad() { fail=$((fail + 1)); echo "not ok - $*"; }

for f in tests/rules/torture.smtp "$data/spec/tcp.smtp" \
	 "$data/spec/cidr.smtp" "$data/badmail/tcp.smtp" examples/tcp.smtp; do
	[ -f "$f" ] || continue
	if ! tcprules "$work/real.cdb" "$work/real.tmp" < "$f" 2>"$work/err"; then
		bad "real tcprules refused $f: $(cat "$work/err")"
		continue
	fi
	cdb -d "$work/real.cdb" > "$work/real.txt"
	"${QR_BUILD:-.}"/tests/unit/rules_dump "$f" > "$work/ours.txt" 2>&1
	if cmp -s "$work/real.txt" "$work/ours.txt"; then
		ok "$f: same records as tcprules ($(grep -c '^+' "$work/real.txt"))"
	else
		bad "$f: records differ from tcprules:"
		diff "$work/real.txt" "$work/ours.txt" | sed 's/^/#   /'
	fi
done

for f in tests/rules/bad-*.smtp; do
	tcprules "$work/x.cdb" "$work/x.tmp" < "$f" >/dev/null 2>&1
	real=$?
	"${QR_BUILD:-.}"/tests/unit/rules_dump "$f" >/dev/null 2>"$work/err"
	ours=$?
	if [ "$real" -ne 0 ] && [ "$ours" -ne 0 ] && grep -q "$f:1:" "$work/err"; then
		ok "$f: refused by both ($(cat "$work/err"))"
	else
		bad "$f: tcprules exit $real, ours exit $ours: $(cat "$work/err")"
	fi
done

# which rule matches: tcprulescheck vs qrelayctl's reason
tcprules "$work/spec.cdb" "$work/spec.tmp" < "$data/spec/tcp.smtp"
awk -f tests/vectors/vecread.awk tests/vectors/tcprules.vec |
	awk -F '\t' '$1 == "V" { print $5 "\t" $6 }' |
while IFS=$(printf '\t') read -r ip host; do
	tip=${ip#::ffff:}	# tcpserver shows IPv4 clients as dotted quads
	[ "$host" = - ] && host=
	lhost=$(printf '%s' "$host" | tr 'A-Z' 'a-z')
	key=$(env -i TCPREMOTEIP="$tip" ${lhost:+TCPREMOTEHOST="$lhost"} \
		tcprulescheck "$work/spec.cdb" | sed -n 's/^rule \(.*\):$/\1/p')
	reason=$("${QR_BUILD:-.}"/src/qrelayctl check -d "$data/spec/control" -x "$work/spec.cdb" \
		--ip "$ip" ${host:+--host "$host"} '<a@evil.com>' 2>/dev/null)
	case $reason in
	*"\"$key\""*) echo "ok - tcprulescheck and qrelayctl agree on $ip/${host:--}: \"$key\"" ;;
	*) echo "not ok - $ip/${host:--}: tcprulescheck says \"$key\", qrelayctl: $reason" ;;
	esac
done > "$work/which"
cat "$work/which"
pass=$((pass + $(grep -c '^ok' "$work/which")))
fail=$((fail + $(grep -c '^not ok' "$work/which")))
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
