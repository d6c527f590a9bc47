#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# resolver.sh - the DNSBL resolver (src/dns/resolver.c) against a real
# rbldnsd: writes the zones tests/unit/test_dns.c expects, starts rbldnsd
# on loopback (tests/lib/rbldnsd.sh), runs $QR_BUILD/tests/unit/test_dns
# and checks that rbldnsd saw the queries it says it sent.
#
# Needs rbldnsd (Debian: apt-get install rbldnsd) and perl.  Run as root,
# rbldnsd becomes user rbldns (it refuses to run as root); as another user
# it stays that user.  Prints "N passed, N failed" last.
set -u
cd "$(dirname "$0")/../.." || exit 1
QR_BUILD=${QR_BUILD:-.}
. tests/lib/rbldnsd.sh

pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok - $*"; }
bad() { fail=$((fail + 1)); echo "not ok - $*"; }
W=$(mktemp -d)
trap 'rbl_stop; rm -rf "$W"' EXIT
finish() {
	echo "$pass passed, $fail failed"
	[ "$fail" -eq 0 ]
}

if ! command -v rbldnsd >/dev/null 2>&1; then
	bad "rbldnsd is not installed (apt-get install rbldnsd)"
	finish
	exit 1
fi

cat > "$W/bl4.zone" <<'EOF'
$SOA 60 ns.bl.test. hostmaster.bl.test. 0 1h 10m 1w 60
$NS 60 ns.bl.test.
:127.0.0.2:Listed in bl.test, see http://bl.test/lookup?ip=$
192.0.2.7
198.51.100.0/24 :127.0.0.3:Spam source $ (range 198.51.100.0/24)
203.0.113.9 :127.0.0.4:
EOF
printf '192.0.2.20 :127.0.0.2:Caf\303\251 listed\n' >> "$W/bl4.zone"
printf '192.0.2.21 :127.0.0.2:%s\n' \
	"$(printf '%250s' '' | tr ' ' x)" >> "$W/bl4.zone"
cat > "$W/bl6.zone" <<'EOF'
:127.0.0.2:IPv6 listed in bl.test
2001:db8::7
EOF
cat > "$W/wl.zone" <<'EOF'
$SOA 60 ns.wl.test. hostmaster.wl.test. 0 1h 10m 1w 60
:127.0.0.1:Allow-listed
192.0.2.7
10.0.0.0/8
EOF

if ! rbl_start "$W" bl.test:ip4set:bl4.zone bl.test:ip6trie:bl6.zone \
	wl.test:ip4trie:wl.zone; then
	bad "rbldnsd starts"
	finish
	exit 1
fi
ok "rbldnsd serves the test zones on 127.0.0.1:$RBL_PORT"

q0=$(rbl_queries)
"$QR_BUILD/tests/unit/test_dns" "$RBL_PORT" > "$W/out" 2>&1
rc=$?
q1=$(rbl_queries)
# its checks count as ours; its summary line is replaced by ours
grep -v '^[0-9]* passed, [0-9]* failed' "$W/out"
p=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed.*/\1/p' "$W/out")
f=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed.*/\2/p' "$W/out")
if [ -z "$p" ]; then
	bad "test_dns ran to the end (exit status $rc)"
else
	pass=$((pass + p))
	fail=$((fail + f))
	[ "$rc" -eq 0 ] || [ "$f" -gt 0 ] ||
		bad "test_dns exit status $rc with no failed check"
fi

sent=$(sed -n 's/^# sent \([0-9]*\)$/\1/p' "$W/out")
if [ -n "$sent" ] && [ "$((q1 - q0))" -ge "$sent" ]; then
	ok "rbldnsd logged $((q1 - q0)) queries, at least the $sent sent"
else
	bad "rbldnsd logged $((q1 - q0)) queries, test_dns sent ${sent:-?}"
fi

if proc_alive "$RBL_PID"; then
	ok "rbldnsd still runs"
else
	bad "rbldnsd still runs"
fi
rbl_stop
finish
