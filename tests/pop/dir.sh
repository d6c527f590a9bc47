#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# dir.sh - SMTP-after-POP from a relay-ctrl directory, through the daemon
# (miltertest) and qrelayctl: fresh / stale (mtime + expiry) / IPv6 files,
# the decision order (badmailfrom and tcprules deny still refuse, hosted
# recipients never need the directory, sender routing is allowed like for
# any relay client), an unreadable entry tempfails only foreign recipients,
# qrelayctl allow / list / expire, configuration errors with file:line and
# a failed reload that keeps the last good configuration.
set -u
cd "$(dirname "$0")/../.."
. tests/pop/lib.sh
CTL=$QR_BUILD/src/qrelayctl
W=$QD_WORK
A=$W/allow
trap 'qd_stop' EXIT

mkdir -p "$W/control" "$A"
echo example.com > "$W/control/rcpthosts"
echo '@spam.example' > "$W/control/badmailfrom"
printf '192.0.2.66:deny\n127.0.0.1:allow\n' > "$W/tcp.smtp"
{
	echo "control_dir = \"$W/control\""
	echo "rules = \"$W/tcp.smtp\""
	echo "pop_before_smtp = directory"
	echo "pop_dir = \"$A\""
	echo "pop_expiry = 1000"
} > "$W/dir.conf"

# --- qrelayctl ----------------------------------------------------------------
check "qrelayctl allow ADDR USER" "$CTL" -c "$W/dir.conf" allow 192.0.2.7 alice@example.com
check "the file is named by the address and holds USER and DOMAIN" sh -c "tr '\\\\0' '\\\\n' < '$A/192.0.2.7' | grep -qx 'USER=alice@example.com' && tr '\\\\0' '\\\\n' < '$A/192.0.2.7' | grep -qx 'DOMAIN=example.com'"
check "qrelayctl allow IPv6 (canonical name)" sh -c "'$CTL' -c '$W/dir.conf' allow 2001:DB8:0:0::7 && test -f '$A/2001:db8::7'"
check "qrelayctl allow IPv4-mapped becomes IPv4" sh -c "'$CTL' -c '$W/dir.conf' allow ::ffff:192.0.2.11 && test -f '$A/192.0.2.11'"
check "qrelayctl allow refuses a non-address" sh -c "! '$CTL' -c '$W/dir.conf' allow ../etc 2>/dev/null"
: > "$A/192.0.2.8"
touch -d '@'$(( $(date +%s) - 1100 )) "$A/192.0.2.8"
: > "$A/192.0.2.12"
touch -d '@'$(( $(date +%s) - 900 )) "$A/192.0.2.12"
"$CTL" -c "$W/dir.conf" list > "$W/list"
check "qrelayctl list" sh -c "grep -q '^192.0.2.7 age=[0-9]*s fresh user=alice@example.com' '$W/list' && grep -q '^192.0.2.8 age=1[0-9][0-9][0-9]s stale' '$W/list'"
"$CTL" check -c "$W/dir.conf" --ip 192.0.2.7 '<a@evil.example>' > "$W/chk"
check "qrelayctl check asks the directory" grep -q "^accept .*pop-before-smtp relay-ctrl dir $A/192.0.2.7 age" "$W/chk"

# --- daemon ---------------------------------------------------------------------
qd_start -c "$W/dir.conf" || { bad "daemon starts with the directory backend"; finish; exit 1; }
expect "fresh file relays" accept "$(pop_vec 192.0.2.7 '<s@x.org>' '<a@evil.example>')"
check "decision line: relay-ctrl dir, file, age" grep -q "verdict=accept .*reason=\"relay client: pop-before-smtp relay-ctrl dir $A/192.0.2.7 age [0-9]*s\"" "$QD_LOG"
expect "file inside the window (age 900 s of 1000) relays" accept "$(pop_vec 192.0.2.12 '<s@x.org>' '<a@evil.example>')"
expect "stale file (age 1100 s of 1000: mtime + expiry < now) does not" reject "$(pop_vec 192.0.2.8 '<s@x.org>' '<a@evil.example>')"
expect "no file: refused" reject "$(pop_vec 192.0.2.99 '<s@x.org>' '<a@evil.example>')"
expect "IPv6 file relays" accept "$(pop_vec 2001:db8::7 '<s@x.org>' '<a@evil.example>')"
expect "IPv4-mapped client matches the IPv4 file" accept "$(pop_vec ::ffff:192.0.2.11 '<s@x.org>' '<a@evil.example>')"
expect "sender routing from a POP client is accepted (relay client)" accept "$(pop_vec 192.0.2.7 '<s@x.org>' '<a%evil.example@example.com>')"
expect "sender routing from others is refused" reject "$(pop_vec 192.0.2.99 '<s@x.org>' '<a%evil.example@example.com>')"
expect "badmailfrom still refuses a POP client" reject "$(pop_vec 192.0.2.7 '<s@spam.example>' '<a@evil.example>')"
: > "$A/192.0.2.66"
qd_query "accept 250 | 192.0.2.66 | - | - | <s@x.org> | <a@evil.example> |" >/dev/null
check "a tcprules deny still refuses a POP client (at connect)" sh -c "grep 'stage=connect client=192.0.2.66 ' '$QD_LOG' | grep -q 'verdict=reject reply=\"554 '"
expect "a file created after connect-time counts (checked at RCPT)" accept "$(: > "$A/192.0.2.13"; pop_vec 192.0.2.13 '<s@x.org>' '<a@evil.example>')"

# an entry that cannot be read (a symlink loop: ELOOP) tempfails foreign
# recipients only, and is logged once
ln -s 192.0.2.20 "$A/192.0.2.20"
expect "unreadable entry: foreign recipient tempfails" tempfail "$(pop_vec 192.0.2.20 '<s@x.org>' '<a@evil.example>')"
check "reply 451 4.3.0 with the reason" sh -c "grep 'verdict=tempfail' '$QD_LOG' | tail -n 1 | grep -q 'reply=\"451 4.3.0 .*pop-before-smtp lookup failed: relay-ctrl dir: cannot stat $A/192.0.2.20'"
expect "unreadable entry: hosted recipient accepted" accept "$(pop_vec 192.0.2.20 '<s@x.org>' '<a@example.com>')"
expect "unreadable entry: tempfails again" tempfail "$(pop_vec 192.0.2.20 '<s@x.org>' '<a@evil.example>')"
check "the incident is logged once" test "$(grep -c 'tempfailing recipients that need it' "$QD_LOG")" -eq 1
rm -f "$A/192.0.2.20"

# a reload with a broken backend keeps the last good configuration
sed "s|^pop_dir = .*|pop_dir = \"$W/nonexistent\"|" "$W/dir.conf" > "$W/dir.conf.new"
cp "$W/dir.conf" "$W/dir.conf.good"
mv "$W/dir.conf.new" "$W/dir.conf"
kill -USR1 "$QD_PID"
check "reload with a missing pop_dir fails and is logged" wait_until 30 grep -q "reload failed, keeping the previous tables: pop_dir $W/nonexistent" "$QD_LOG"
expect "the previous directory still answers" accept "$(pop_vec 192.0.2.7 '<s@x.org>' '<a@evil.example>')"
# a good reload that changes the backend settings takes effect
sed 's/^pop_expiry = .*/pop_expiry = 100000/' "$W/dir.conf.good" > "$W/dir.conf"
n=$(grep -c 'reloaded tables (forced)' "$QD_LOG")
kill -USR1 "$QD_PID"
wait_until 30 sh -c "[ \$(grep -c 'reloaded tables (forced)' '$QD_LOG') -gt $n ]"
expect "reload with a longer pop_expiry: the old file relays" accept "$(pop_vec 192.0.2.8 '<s@x.org>' '<a@evil.example>')"
mv "$W/dir.conf.good" "$W/dir.conf"
qd_stop
check "daemon stops cleanly" test "${QD_STATUS:-1}" -eq 0

# expire (192.0.2.12 stays fresh: 100 s of margin even on a loaded machine)
# touches only the files named by an address, however old the others are
echo "not a login" > "$A/notes.txt"
touch -d '@'$(( $(date +%s) - 5000 )) "$A/notes.txt"
: > "$A/192.0.2.099"	# not the canonical name: the daemon never looks it up
touch -d '@'$(( $(date +%s) - 5000 )) "$A/192.0.2.099"
"$CTL" -c "$W/dir.conf" expire > "$W/exp"
check "qrelayctl expire removes stale files only" sh -c "grep -q 'removed 1 stale' '$W/exp' && ! test -e '$A/192.0.2.8' && test -e '$A/192.0.2.7'"
check "... and leaves files not named by an address alone" sh -c "test -e '$A/notes.txt' && test -e '$A/192.0.2.099'"
"$CTL" -c "$W/dir.conf" list > "$W/list"
check "qrelayctl list shows only address-named files" sh -c "! grep -q -e notes.txt -e 192.0.2.099 '$W/list' && grep -q '^192.0.2.7 ' '$W/list'"

# --- configuration errors -------------------------------------------------------
sed "s|^pop_dir = .*|pop_dir = \"$W/nonexistent\"|" "$W/dir.conf" > "$W/bad1.conf"
"$QD_BIN" -f -c "$W/bad1.conf" -p "inet:$(port_free 31500)@127.0.0.1" > "$W/bad.out" 2>&1
check "missing pop_dir: the daemon exits non-zero and says why" sh -c "[ $? -ne 0 ] && grep -q 'pop_dir $W/nonexistent: No such file' '$W/bad.out'"
printf 'control_dir = "%s"\n\npop_before_smtp = sometimes\n' "$W/control" > "$W/bad2.conf"
"$QD_BIN" -n -c "$W/bad2.conf" > "$W/bad.out" 2>&1
check "bad pop_before_smtp: file:line" sh -c "[ $? -ne 0 ] && grep -q 'bad2.conf:3: pop_before_smtp: \"sometimes\" is not one of' '$W/bad.out'"
printf 'pop_expiry = 0\n' > "$W/bad3.conf"
"$QD_BIN" -n -c "$W/bad3.conf" > "$W/bad.out" 2>&1
check "pop_expiry out of range: file:line" sh -c "[ $? -ne 0 ] && grep -q 'bad3.conf:1: pop_expiry' '$W/bad.out'"
printf 'pop_before_smtp = none\n' > "$W/none.conf"
check "qrelayctl allow without a backend is an error" sh -c "! '$CTL' -c '$W/none.conf' allow 192.0.2.7 2>/dev/null"

finish
