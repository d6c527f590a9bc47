#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# files.sh - no file an admin can write stops the daemon or leaves it on
# stale tables without saying so:
#   - a FIFO (or any non-regular file) at a path it reads: refused at
#     start, a failed reload at run time, and SIGTERM still stops it;
#   - a cdb truncated or rewritten in place (cp over it, : >, dd
#     conv=notrunc) while sessions use it: no crash; the session keeps its
#     copy, a reload that cannot read the new file keeps the last good one;
#   - a reload that fails for a passing reason (EMFILE) is retried with
#     back-off until it works, without any further change;
#   - a revoked RELAYCLIENT rule the daemon's user cannot read: the old
#     grant stays, but the daemon says so every stale_warn_interval, in
#     the log and in `qrelayctl status`, until it can read it;
#   - memory: unchanged files are shared between snapshots; sessions that
#     outlive several reloads of a changed file are tempfailed, so old
#     tables do not pile up.
set -u
cd "$(dirname "$0")/../.."
. tests/daemon/lib.sh
w=$QD_WORK
chmod 755 "$w"
CTL=$QR_BUILD/src/qrelayctl
mkdir -p "$w/ctl"
echo example.com > "$w/ctl/rcpthosts"
echo '@spam.example' > "$w/ctl/badmailfrom"
mkcdb() {	# mkcdb FILE DOMAIN...: a morercpthosts-style cdb, by rename
	_f=$1; shift
	printf '%s\n' "$@" | awk '{ printf "+%d,0:%s->\n", length($0), $0 } END { print "" }' |
		cdb -c -t "$_f.tmp" "$_f"
}
mkcdb "$w/ctl/morercpthosts.cdb" more.example
mkcdb "$w/good.cdb" other.example
printf '127.0.0.1:allow,RELAYCLIENT=""\n:allow\n' > "$w/tcp.smtp"
tcprules "$w/tcp.smtp.cdb" "$w/tcp.tmp" < "$w/tcp.smtp"
conf() {	# conf FILE [RULES]
	cat > "$1" <<CONF
control_dir = "$w/ctl"
rules = "${2:-$w/tcp.smtp}"
reload_interval = 1
stale_warn_interval = 1
status_file = "$w/status"
CONF
}
conf "$w/q.conf"
q() {	# q DOMAIN [IP]: one session; continue (accepted) or replycode
	qd_query "accept 250 | ${2:-9.9.9.9} | - | - | <s@x.org> | <a@$1> |"
}
count() { grep -c -e "$1" "$QD_LOG"; }
logged() { grep -q -e "$1" "$QD_LOG"; }
rss() { awk '/^VmRSS/ { print $2 }' "/proc/$QD_PID/status"; }
st() { sed -n "s/^$1=//p" "$w/status"; }	# st KEY: from the status file
# Under AddressSanitizer freed memory stays in its quarantine (256 MB):
# the process's RSS says nothing about what the daemon keeps, so only
# the daemon's own count (the status file) is checked there.
sanitized=0
nm -D "$QD_BIN" 2>/dev/null | grep -q ' __asan_init' && sanitized=1
rss_check() {	# rss_check NAME CMD...
	if [ $sanitized -eq 1 ]; then
		skip "$1 (RSS under AddressSanitizer)"
	else
		check "$@"
	fi
}

# --- a FIFO at start-up ---------------------------------------------------------
fifo_start() {	# fifo_start NAME PATH ARGS...: the daemon refuses, promptly
	name=$1 path=$2; shift 2
	timeout 20 "$QD_BIN" -f -p "inet:1@127.0.0.1" "$@" > "$w/out" 2>&1
	rc=$?
	if [ $rc -ne 0 ] && [ $rc -ne 124 ] && grep -qF "$path: not a regular file" "$w/out"; then
		ok "FIFO as $name at start: refused, path named (exit $rc)"
	else
		bad "FIFO as $name at start: exit $rc, output: $(cat "$w/out")"
	fi
}
for f in rcpthosts morercpthosts.cdb badmailfrom relayclients; do
	rm -rf "$w/f" && mkdir -p "$w/f" && cp "$w/ctl/rcpthosts" "$w/f/"
	rm -f "$w/f/$f" && mkfifo "$w/f/$f"
	fifo_start "$f" "$w/f/$f" -d "$w/f"
done
mkfifo "$w/fifo.smtp" "$w/fifo.cdb" "$w/fifo.conf"
fifo_start "tcp.smtp" "$w/fifo.smtp" -d "$w/ctl" -x "$w/fifo.smtp"
fifo_start "tcp.smtp.cdb" "$w/fifo.cdb" -d "$w/ctl" -x "$w/fifo.cdb"
fifo_start "the configuration file" "$w/fifo.conf" -c "$w/fifo.conf"
timeout 20 "$QR_BUILD/src/qrelayctl" check -c "$w/fifo.conf" --ip 9.9.9.9 '<a@b.example>' >"$w/out" 2>&1
rc=$?
check "qrelayctl with a FIFO as configuration: refused promptly (exit $rc)" [ $rc -ne 124 -a $rc -ne 0 ]

# --- a FIFO at run time ------------------------------------------------------------
qd_start -c "$w/q.conf" || { bad "daemon start"; finish; exit 1; }
check "baseline: more.example accepted" [ "$(q more.example)" = continue ]
n=$(count 'reload failed')
rm "$w/ctl/badmailfrom" && mkfifo "$w/ctl/badmailfrom"
check "FIFO as badmailfrom at run time: the reload fails, naming it" \
	wait_until 30 grep -qF "reload failed, keeping the previous tables: $w/ctl/badmailfrom: not a regular file" "$QD_LOG"
check "... and the daemon still answers" [ "$(q more.example)" = continue ]
mkfifo "$w/q.conf.fifo" && cp "$w/q.conf" "$w/q.conf.save" && mv "$w/q.conf.fifo" "$w/q.conf"
kill -USR1 "$QD_PID"
check "FIFO as the configuration file at SIGUSR1: the reload fails, naming it" \
	wait_until 30 grep -qF "$w/q.conf: not a regular file" "$QD_LOG"
check "... the daemon still answers" [ "$(q example.com)" = continue ]
mv "$w/q.conf.save" "$w/q.conf"
echo '@spam.example' > "$w/ctl/badmailfrom.new" && mv "$w/ctl/badmailfrom.new" "$w/ctl/badmailfrom"
check "files back: reloaded" wait_until 30 grep -q "up to date again" "$QD_LOG"

# --- cdb rewritten in place while a session uses it ---------------------------------
rm -f "$w/go"
miltertest -D port="$QD_PORT" -D ip=9.9.9.21 -D rcpt=a@more.example -D go="$w/go" \
	-s tests/daemon/held.lua >"$w/held.out" 2>&1 &
held=$!
sleep 1.5	# the session connects (if later, it gets the same tables)
: > "$w/ctl/morercpthosts.cdb"		# truncated in place: same inode
touch "$w/go"
wait "$held"
check "cdb truncated in place under an open session: the daemon lives" proc_alive "$QD_PID"
check "... the session's RCPT was answered from its copy: accepted" \
	sh -c "grep 'client=9.9.9.21 ' '$QD_LOG' | grep -q 'verdict=accept'"
check "the reload of the truncated cdb fails, naming it" \
	wait_until 30 grep -qF "$w/ctl/morercpthosts.cdb: not a valid cdb" "$QD_LOG"
check "... new sessions use the last good copy: more.example accepted" [ "$(q more.example)" = continue ]
check "... evil.example still refused" [ "$(q evil.example)" = replycode ]
check "stale tables are reported again and again (stale_warn_interval 1 s)" \
	wait_until 30 sh -c "[ \$(grep -c 'running on stale tables' '$QD_LOG') -ge 2 ]"
"$CTL" -c "$w/q.conf" status > "$w/st.out"; rc=$?
check "qrelayctl status: exit 1, STALE with the reason ($rc)" \
	sh -c "[ $rc -eq 1 ] && grep -q '^STALE: .*morercpthosts.cdb: not a valid cdb' '$w/st.out'"
cp "$w/good.cdb" "$w/ctl/morercpthosts.cdb"	# cp writes into the same inode
check "a good cdb copied over it in place: reloaded" \
	wait_until 30 sh -c "[ \$(grep -c 'up to date again' '$QD_LOG') -ge 2 ]"
check "... other.example accepted" [ "$(q other.example)" = continue ]
check "... more.example refused" [ "$(q more.example)" = replycode ]
"$CTL" -c "$w/q.conf" status > "$w/st.out"; rc=$?
check "qrelayctl status: exit 0, up to date ($rc)" sh -c "[ $rc -eq 0 ] && grep -q 'up to date' '$w/st.out'"
dd if=/dev/urandom of="$w/ctl/morercpthosts.cdb" bs=1 count=512 seek=2048 conv=notrunc 2>/dev/null
dd if=/dev/urandom of="$w/ctl/morercpthosts.cdb" bs=1 count=64 seek=0 conv=notrunc 2>/dev/null
sleep 2.5	# the reload of the scribbled-over cdb (it may load or fail)
check "cdb scribbled over in place: the daemon lives" proc_alive "$QD_PID"
check "... and never accepts a foreign domain" [ "$(q evil.example)" != continue ]
mkcdb "$w/ctl/morercpthosts.cdb" more.example

# --- tcp.smtp.cdb truncated in place -----------------------------------------------
qd_stop
conf "$w/q.conf" "$w/tcp.smtp.cdb"
: > "$QD_LOG"
qd_start -c "$w/q.conf" || bad "daemon start with tcp.smtp.cdb"
check "tcp.smtp.cdb: 127.0.0.1 relays" [ "$(q evil.example 127.0.0.1)" = continue ]
: > "$w/tcp.smtp.cdb"
check "tcp.smtp.cdb truncated in place: the next connect is answered" [ "$(q evil.example 127.0.0.1)" = continue ]
check "... the daemon lives" proc_alive "$QD_PID"
check "... the reload fails, naming it" wait_until 30 grep -qF "$w/tcp.smtp.cdb: not a valid cdb" "$QD_LOG"
tcprules "$w/tcp.smtp.cdb" "$w/tcp.tmp" < "$w/tcp.smtp"

# --- a reload that fails for a passing reason is retried ----------------------------
check "rules back: reloaded" wait_until 30 grep -q "up to date again" "$QD_LOG"
prlimit --pid "$QD_PID" --nofile=3:	# no descriptor above stderr
echo new.example >> "$w/ctl/rcpthosts"
check "no descriptor left: the reload fails (EMFILE)" \
	wait_until 30 grep -q "reload failed.*Too many open files" "$QD_LOG"
n=$(count 'Too many open files')
sleep 3
check "... retried with back-off, not logged again ($n lines)" [ "$(count 'reload failed.*Too many open files')" -eq 1 ]
prlimit --pid "$QD_PID" --nofile="$(prlimit --pid "$QD_PID" --nofile -o HARD --noheadings):"
check "descriptors back: reloaded without any further change" \
	wait_until 60 sh -c "[ \$(grep -c 'up to date again' '$QD_LOG') -ge 2 ]"
check "... new.example accepted" [ "$(q new.example)" = continue ]
qd_stop

# --- a revoked grant the daemon's user cannot read ---------------------------------
mkdir -p "$w/run" && chown nobody "$w/run"	# like /run/qrelay-milter
sed "s|^status_file = .*|status_file = \"$w/run/status\"|" "$w/q.conf" > "$w/u.conf"
printf 'user = "nobody"\n' >> "$w/u.conf"
sed -i "s|^rules = .*|rules = \"$w/tcp.smtp\"|" "$w/u.conf"
chmod 644 "$w/tcp.smtp"
: > "$QD_LOG"
qd_start -c "$w/u.conf" || bad "daemon start as nobody"
check "before: 127.0.0.1 may relay" [ "$(q evil.example 127.0.0.1)" = continue ]
printf ':allow\n' > "$w/tcp.smtp.new" && chmod 600 "$w/tcp.smtp.new" && mv "$w/tcp.smtp.new" "$w/tcp.smtp"
check "the grant is revoked in a file only root can read: the reload fails" \
	wait_until 30 grep -qF "$w/tcp.smtp: cannot open: Permission denied" "$QD_LOG"
check "... said again and again while it lasts" \
	wait_until 30 sh -c "[ \$(grep -c 'running on stale tables.*tcp.smtp: cannot open: Permission denied' '$QD_LOG') -ge 2 ]"
"$CTL" -c "$w/u.conf" status > "$w/st.out"; rc=$?
check "... qrelayctl status says STALE, with the reason ($rc)" \
	sh -c "[ $rc -eq 1 ] && grep -q 'STALE: .*tcp.smtp: cannot open: Permission denied' '$w/st.out'"
chmod 644 "$w/tcp.smtp"
check "readable: the revocation takes effect" wait_until 30 sh -c "[ \"\$(QD_PORT=$QD_PORT; . tests/daemon/lib.sh; QD_PORT=$QD_PORT; printf 'control unused\naccept 250 | 127.0.0.1 | - | - | <s@x.org> | <a@evil.example> |\n' > '$w/rv.vec'; qd_replay '$w/rv.vec' $QD_PORT 2>/dev/null | sed -n 's/^VECTOR 1 //p')\" = replycode ]"
qd_stop

# --- memory: unchanged files are shared; old snapshots are bounded ------------------
awk 'BEGIN { for (i = 0; i < 200000; i++) printf "host%d.example\n", i; print "example.com" }' > "$w/ctl/rcpthosts"
printf '127.0.0.1:allow,RELAYCLIENT=""\n:allow\n' > "$w/tcp.smtp"
: > "$QD_LOG"
qd_start -c "$w/q.conf" || bad "daemon start with 200k rcpthosts"
q example.com >/dev/null	# answered: the first load is complete
r0=$(rss)
# hold_reloads N NET FILE LINE: N times, open a session from NET.i that
# waits (held.lua), then append LINEi to FILE and wait for the reload
hold_reloads() {
	rm -f "$w/go"
	held_pids=
	i=0
	while [ $i -lt "$1" ]; do
		miltertest -D port="$QD_PORT" -D ip="$2.$((i + 1))" -D rcpt=a@example.com \
			-D go="$w/go" -s tests/daemon/held.lua >/dev/null 2>&1 &
		held_pids="$held_pids $!"
		sleep 0.3
		n=$(count 'reloaded tables')
		echo "$4$i.example" >> "$3"
		wait_until 30 sh -c "[ \$(grep -c 'reloaded tables' '$QD_LOG') -gt $n ]"
		i=$((i + 1))
	done
}
hold_reloads 15 9.9.8 "$w/ctl/badmailfrom" @spam
r1=$(rss)
rss_check "15 reloads of a small file, 15 sessions held: RSS $r0 -> $r1 kB (the 200k-line rcpthosts is shared, not copied: < 12 MB more)" \
	[ $((r1 - r0)) -lt 12000 ]
check "... the status file counts them: 15 old snapshots" \
	wait_until 30 sh -c "grep -qx old_snapshots=15 '$w/status'"
check "... holding $(st old_bytes) bytes apart from the current $(st tables_bytes) (the rcpthosts is shared: < 1 MB)" \
	sh -c "[ \"\$(sed -n 's/^old_bytes=//p' '$w/status')\" -lt 1000000 ] && [ \"\$(sed -n 's/^tables_bytes=//p' '$w/status')\" -gt 2000000 ]"
touch "$w/go"
for p in $held_pids; do wait "$p"; done
check "... the held sessions are answered (15 accepted)" \
	[ "$(grep 'client=9\.9\.8\.' "$QD_LOG" | grep -c 'verdict=accept')" -eq 15 ]
hold_reloads 8 9.9.7 "$w/ctl/rcpthosts" new
# sessions get 10 s on the tables they started with; then the old ones
# past the bound are retired (the watcher checks every second)
check "old tables past the bound are retired once 10 s old (6 sessions)" \
	wait_until 60 sh -c "[ \$(sed -n 's/.*warning: \\([0-9]*\\) session(s) still use tables that changed.*/\\1/p' '$QD_LOG' | awk '{ n += \$1 } END { print n + 0 }') -ge 6 ]"
touch "$w/go"
for p in $held_pids; do wait "$p"; done
# rcpthosts (3 MB) changes at each reload: an old snapshot holds 3 MB the
# current one does not share; old snapshots may hold twice the current
# tables (6 MB), so the 2 newest stay valid and the 6 oldest are retired
check "8 reloads of rcpthosts with a session held across each: the 6 oldest are tempfailed" \
	[ "$(grep -c 'session client=9\.9\.7\.[1-6] outlived several table reloads' "$QD_LOG")" -eq 6 ]
check "... the 2 newest are answered (accepted)" \
	[ "$(grep 'decision stage=rcpt client=9\.9\.7\.[78] ' "$QD_LOG" | grep -c 'verdict=accept')" -eq 2 ]
i=0
while [ $i -lt 30 ]; do kill -USR1 "$QD_PID"; sleep 0.1; i=$((i + 1)); done
sleep 1
r2=$(rss)
rss_check "afterwards, with no session open: RSS $r2 kB, within 12 MB of the start ($r0 kB)" \
	[ $((r2 - r0)) -lt 12000 ]
check "... the status file says no old tables are kept" \
	wait_until 30 sh -c "grep -qx old_snapshots=0 '$w/status' && grep -qx old_bytes=0 '$w/status'"
check "still answering" [ "$(q new7.example)" = continue ]
finish
