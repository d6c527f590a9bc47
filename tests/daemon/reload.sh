#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# reload.sh - live changes are picked up like qmail's per-connection reads:
# within about a second, without a restart; a reload that fails keeps the
# last good tables and says why once; SIGUSR1 forces a reload; SIGHUP is
# ignored and never stops the daemon.
set -u
cd "$(dirname "$0")/../.."
. tests/daemon/lib.sh
w=$QD_WORK
mkdir -p "$w/ctl"
echo example.com > "$w/ctl/rcpthosts"
printf '127.0.0.1:allow,RELAYCLIENT=""\n' > "$w/tcp.smtp"
q() { qd_query "accept 250 | 9.9.9.9 | - | - | <s@x.org> | <a@$1> |"; }
replace() {	# replace FILE CONTENT: atomic rename, like qmail tools do
	printf '%s\n' "$2" > "$1.tmp" && mv "$1.tmp" "$1"
}
# settle: wait (up to 30 s, for a loaded machine) until the watcher has
# logged one more reload or reload failure than when mark was called
reload_lines() { grep -c -e 'reloaded tables' -e 'reload failed' "$QD_LOG"; }
mark() { _mark=$(reload_lines); }
reloaded() { [ "$(reload_lines)" -gt "$_mark" ]; }
settle() { wait_until 30 reloaded || echo "# no reload logged within 30 s"; }

qd_start -d "$w/ctl" -x "$w/tcp.smtp" || { bad "daemon start"; finish; exit 1; }
check "before: new.example refused" [ "$(q new.example)" = replycode ]
check "before: example.com accepted" [ "$(q example.com)" = continue ]

mark
replace "$w/ctl/rcpthosts" "example.com
new.example"
settle
check "rcpthosts replaced by rename: new.example accepted" [ "$(q new.example)" = continue ]
check "the reload is logged" grep -q "reloaded tables" "$QD_LOG"

mark
echo "inplace.example" >> "$w/ctl/rcpthosts"
settle
check "rcpthosts edited in place: inplace.example accepted" [ "$(q inplace.example)" = continue ]

mark
printf 'more.example\n' | awk '{ printf "+%d,0:%s->\n", length($0), $0 } END { print "" }' |
	cdb -c -t "$w/ctl/m.tmp" "$w/ctl/morercpthosts.cdb"
settle
check "morercpthosts.cdb created: more.example accepted" [ "$(q more.example)" = continue ]
mark
printf 'other.example\n' | awk '{ printf "+%d,0:%s->\n", length($0), $0 } END { print "" }' |
	cdb -c -t "$w/ctl/m.tmp" "$w/ctl/morercpthosts.cdb"
settle
check "morercpthosts.cdb rebuilt (atomic rename): old key gone" [ "$(q more.example)" = replycode ]
check "morercpthosts.cdb rebuilt: new key found" [ "$(q other.example)" = continue ]

# a broken rules file: keep the last good tables, log the reason once
mark
printf '127.0.0.1:allow,RELAYCLIENT="\n' > "$w/tcp.smtp"
settle
sleep 2.5	# two more polls: the same failure must not be logged again
check "broken rules: old tables still answer" [ "$(q new.example)" = continue ]
n=$(grep -c "reload failed, keeping the previous tables: .*tcp.smtp:1: unable to parse" "$QD_LOG")
check "broken rules: the failure is logged once, with file and line ($n)" [ "$n" -eq 1 ]
mark
printf '127.0.0.1:allow,RELAYCLIENT=""\n' > "$w/tcp.smtp"
settle

# an open-relay rule appears: refused at reload too
mark
printf ':allow,RELAYCLIENT=""\n' > "$w/tcp.smtp"
settle
check "catch-all RELAYCLIENT rule at reload: refused" \
	grep -q "reload failed.*grants RELAYCLIENT to every client" "$QD_LOG"
check "catch-all rule at reload: foreign still refused" [ "$(q evil.example)" = replycode ]
mark
printf '127.0.0.1:allow,RELAYCLIENT=""\n' > "$w/tcp.smtp"
settle

# rcpthosts deleted: qmail would become an open relay; we keep the old one
mark
rm "$w/ctl/rcpthosts"
settle
check "rcpthosts deleted: reload refused" grep -q "reload failed.*rcpthosts: missing" "$QD_LOG"
check "rcpthosts deleted: foreign still refused" [ "$(q evil.example)" = replycode ]
check "rcpthosts deleted: hosted still accepted" [ "$(q new.example)" = continue ]
mark
echo example.com > "$w/ctl/rcpthosts"
settle
check "rcpthosts back: new tables (new.example now refused)" [ "$(q new.example)" = replycode ]

# SIGUSR1 forces a reload, even when no file changed
mark
kill -USR1 "$QD_PID"
settle
check "SIGUSR1 forces a reload" grep -q "reloaded tables (forced)" "$QD_LOG"

# SIGHUP is ignored: 50 of them in a row, sent as fast as kill can, neither
# stop the daemon (libmilter would take one as "stop") nor reload it
n_forced=$(grep -c "reloaded tables (forced)" "$QD_LOG")
i=0
while [ $i -lt 50 ]; do kill -HUP "$QD_PID"; i=$((i + 1)); done
sleep 1
check "50 x SIGHUP: still running" proc_alive "$QD_PID"
quiet_after_hup() {
	[ "$(grep -c "reloaded tables (forced)" "$QD_LOG")" -eq "$n_forced" ] &&
		! grep -q "stopping" "$QD_LOG"
}
check "50 x SIGHUP: no reload, no stop logged" quiet_after_hup
check "after SIGHUP: still answering" [ "$(q example.com)" = continue ]

# a storm of SIGUSR1 (reloads are coalesced): still running and answering
i=0
while [ $i -lt 200 ]; do kill -USR1 "$QD_PID"; i=$((i + 1)); done
sleep 1
check "200 x SIGUSR1: still running" proc_alive "$QD_PID"
check "after the SIGUSR1 storm: still answering" [ "$(q example.com)" = continue ]

# sessions in parallel while the tables are swapped underneath them: every
# answer stays right (under ASan this also checks the snapshot refcounting)
{
	echo "control unused"
	i=0
	while [ $i -lt 40 ]; do
		echo "accept 250 | 9.9.9.9 | - | - | <s@x.org> | <a@example.com> |"
		echo "reject 553 | 9.9.9.9 | - | - | <s@x.org> | <a@evil.example> |"
		i=$((i + 1))
	done
} > "$w/par.vec"
pids=
for j in 1 2 3 4; do
	cp "$w/par.vec" "$w/par$j.vec"
	qd_replay "$w/par$j.vec" "$QD_PORT" > "$w/par.$j" 2>&1 &
	pids="$pids $!"
done
k=0
while [ $k -lt 15 ]; do
	replace "$w/ctl/rcpthosts" "example.com
churn$k.example"
	kill -USR1 "$QD_PID"
	sleep 0.2
	k=$((k + 1))
done
for pid in $pids; do
	wait "$pid"
done
bad_answers=0
for j in 1 2 3 4; do
	n=$(grep -c '^VECTOR' "$w/par.$j")
	wrong=$(awk '/^VECTOR/ { want = ($2 % 2) ? "continue" : "replycode"; if ($3 != want) w++ } END { print w + 0 }' "$w/par.$j")
	[ "$n" -eq 80 ] && [ "$wrong" -eq 0 ] || bad_answers=$((bad_answers + 1))
done
check "4 x 80 parallel sessions during 15 reloads: all answered correctly" [ "$bad_answers" -eq 0 ]
check "still running after the parallel reload run" kill -0 "$QD_PID"
finish
