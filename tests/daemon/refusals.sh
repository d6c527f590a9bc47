#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# refusals.sh - the daemon refuses to start on configurations that would
# relay for everyone or that it cannot read, exits non-zero and names the
# file (and line); a good minimal command line starts and listens.
set -u
cd "$(dirname "$0")/../.."
. tests/daemon/lib.sh
w=$QD_WORK
mkdir -p "$w/ctl" "$w/noctl"
echo example.com > "$w/ctl/rcpthosts"
printf '127.0.0.1:allow,RELAYCLIENT=""\n' > "$w/good.smtp"

refuses() {	# refuses NAME PATTERN ARGS...: exits non-zero, stderr matches
	name=$1 pattern=$2; shift 2
	timeout 10 "$QD_BIN" -f -p "inet:1@127.0.0.1" "$@" > "$w/out" 2>&1
	rc=$?
	if [ $rc -ne 0 ] && grep -q -- "$pattern" "$w/out"; then
		ok "$name (exit $rc: $(grep -m1 -- "$pattern" "$w/out" | sed 's/^.*qrelay-milter: //'))"
	else
		bad "$name: exit $rc, output: $(cat "$w/out")"
	fi
}

refuses "missing rcpthosts refused (qmail would be an open relay)" \
	"rcpthosts: missing.*open relay" -d "$w/noctl" -x "$w/good.smtp"
printf '127.0.0.1:allow,RELAYCLIENT=""\n:allow,RELAYCLIENT=""\n' > "$w/all.smtp"
refuses "catch-all RELAYCLIENT rule refused, file and line named" \
	"all.smtp:2 \"\" grants RELAYCLIENT to every client" -d "$w/ctl" -x "$w/all.smtp"
printf '=:allow,RELAYCLIENT=""\n' > "$w/eq.smtp"
refuses "\"=\" RELAYCLIENT rule refused" "eq.smtp:1" -d "$w/ctl" -x "$w/eq.smtp"
tcprules "$w/all.cdb" "$w/all.tmp" < "$w/all.smtp"
refuses "catch-all rule in a tcprules-compiled cdb refused" \
	"all.cdb key \"\" grants RELAYCLIENT" -d "$w/ctl" -x "$w/all.cdb"
printf '127.0.0.1:allow\n10.:allow,RELAYCLIENT="\n' > "$w/bad.smtp"
refuses "malformed rules: file and line named" "bad.smtp:2: unable to parse" \
	-d "$w/ctl" -x "$w/bad.smtp"
refuses "missing rules file refused" "nosuch.smtp: rules file does not exist" \
	-d "$w/ctl" -x "$w/nosuch.smtp"
mkdir -p "$w/dirctl/rcpthosts"
refuses "unreadable rcpthosts (a directory) refused" "dirctl/rcpthosts: not a regular file" \
	-d "$w/dirctl"
echo garbage > "$w/ctl2.cdb"
mkdir -p "$w/ctl2" && echo example.com > "$w/ctl2/rcpthosts" && echo junk > "$w/ctl2/morercpthosts.cdb"
refuses "corrupt morercpthosts.cdb refused" "morercpthosts.cdb: not a valid cdb" -d "$w/ctl2"
printf 'control_dir = "%s"\nno_such_key = 1\n' "$w/ctl" > "$w/unknown.conf"
refuses "unknown config key: file and line named" "unknown.conf:2:" -c "$w/unknown.conf"
printf 'control_dir = "%s"\n\nreply_relay = "250 2.0.0 sure"\n' "$w/ctl" > "$w/reply.conf"
refuses "non-5xx reject reply refused, file and line named" "reply.conf:3: reply_relay" -c "$w/reply.conf"
printf 'control_dir = "%s"\nsocket_mode = "0999"\n' "$w/ctl" > "$w/mode.conf"
refuses "bad socket_mode refused" "mode.conf:2: socket_mode" -c "$w/mode.conf"
refuses "missing config file refused" "nosuch.conf: cannot read" -c "$w/nosuch.conf"

# -n checks and exits (the default socket's directory, /run/qrelay-milter,
# may not exist here: name one)
S="unix:$w/n.sock"
out=$("$QD_BIN" -n -p "$S" -d "$w/ctl" -x "$w/good.smtp" 2>&1)
rc=$?
check "-n on a good configuration exits 0 ($rc)" [ "$rc" -eq 0 ]
check "-n says the configuration is OK" sh -c "echo '$out' | grep -q '^qrelay-milter: configuration OK'"
check "-n does not create the socket" [ ! -e "$w/n.sock" ]
"$QD_BIN" -n -p "$S" -d "$w/noctl" >/dev/null 2>&1
check "-n on a bad configuration exits non-zero" [ $? -ne 0 ]

# -n refuses what a start would refuse, naming it
checks() {	# checks NAME PATTERN ARGS...: -n exits 1, output matches
	name=$1 pattern=$2; shift 2
	timeout 20 "$QD_BIN" -n "$@" > "$w/out" 2>&1
	rc=$?
	if [ $rc -eq 1 ] && grep -q -- "$pattern" "$w/out"; then
		ok "-n: $name (exit $rc: $(grep -m1 -- "$pattern" "$w/out" | sed 's/^.*qrelay-milter: //'))"
	else
		bad "-n: $name: exit $rc, output: $(cat "$w/out")"
	fi
}
conf() {	# conf NAME LINES...: a config file with control_dir and LINES
	f=$w/$1.conf; shift
	printf 'control_dir = "%s"\n' "$w/ctl" > "$f"
	for l in "$@"; do printf '%s\n' "$l" >> "$f"; done
	echo "$f"
}
checks "unknown user" 'user nosuchuser9: no such user' -p "$S" -c "$(conf u 'user = "nosuchuser9"')"
checks "unknown group" 'group nosuchgroup9: no such group' -p "$S" -c "$(conf g 'user = "nobody"' 'group = "nosuchgroup9"')"
checks "unknown socket_group" 'socket_group nosuchgroup9: no such group' -p "$S" -c "$(conf sg 'socket_group = "nosuchgroup9"')"
checks "socket directory missing" "directory $w/nodir: No such file or directory" -p "unix:$w/nodir/s.sock" -d "$w/ctl"
checks "relative unix socket path" 'want unix:/absolute/path' -p "unix:rel.sock" -d "$w/ctl"
checks "unix socket path too long" 'too long for a unix socket' -p "unix:/$(printf '%0120d' 0)/s" -d "$w/ctl"
checks "inet port out of range" 'port from 1 to 65535' -p "inet:70000@127.0.0.1" -d "$w/ctl"
checks "inet host that is no address" 'is not an IPv4 address' -p "inet:2525@no.such.host.invalid" -d "$w/ctl"
checks "unknown socket kind" 'want unix:/path, inet:PORT@HOST' -p "tcp:2525" -d "$w/ctl"
checks "pidfile directory missing" "pidfile $w/nodir/q.pid: directory $w/nodir does not exist" -p "$S" -c "$(conf pd "pidfile = \"$w/nodir/q.pid\"")"
# a file the daemon's user cannot read: every reload would fail, so a
# start (and -n) refuses, reading as that user
mkdir -p "$w/privctl" && chmod 755 "$w" "$w/privctl"
echo example.com > "$w/privctl/rcpthosts" && chmod 600 "$w/privctl/rcpthosts"
printf 'control_dir = "%s"\nuser = "nobody"\n' "$w/privctl" > "$w/priv.conf"
checks "rcpthosts the daemon's user cannot read" "rcpthosts: .*Permission denied (read as user nobody, as every reload will be)" -p "$S" -c "$w/priv.conf"
refuses "start: rcpthosts the daemon's user cannot read" "rcpthosts: .*Permission denied" -p "unix:$w/priv.sock" -c "$w/priv.conf"
chmod 644 "$w/privctl/rcpthosts"
timeout 20 "$QD_BIN" -n -p "$S" -c "$w/priv.conf" >/dev/null 2>&1
check "... readable again: -n as nobody exits 0" [ $? -eq 0 ]
pidf=$(conf pw "pidfile = \"$w/privctl/q.pid\"" 'user = "nobody"')
checks "pidfile the daemon's user cannot write" "pidfile $w/privctl/q.pid: cannot be written" -p "$S" -c "$pidf"
"$QD_BIN" -n -p "inet:2525" -d "$w/ctl" > "$w/out" 2>&1
check "-n warns about a socket on every interface" grep -q 'listens on every interface' "$w/out"

# hygiene warnings
"$QD_BIN" -n -p "$S" -d "$w/ctl" > "$w/out" 2>&1
check "-n as root with no user: warns that the daemon would run as root" grep -q 'no user is set' "$w/out"
printf 'control_dir = "%s"\nmysql_password = "secret"\n' "$w/ctl" > "$w/pw.conf"
chmod 644 "$w/pw.conf"
"$QD_BIN" -n -p "$S" -c "$w/pw.conf" > "$w/out" 2>&1
check "mysql_password in a world-readable file: warned" grep -q 'holds mysql_password and every local user can read it' "$w/out"
chmod 640 "$w/pw.conf"
"$QD_BIN" -n -p "$S" -c "$w/pw.conf" > "$w/out" 2>&1
check "... not when the file is 0640" sh -c "! grep -q 'holds mysql_password' '$w/out'"
printf 'root:$6$xyzzy:19000:0:99999:7:::\n' > "$w/secret"
"$QR_BUILD/src/qrelayctl" check -d "$w/ctl" -x "$w/secret" --ip 9.9.9.9 '<a@b.example>' > "$w/out" 2>&1
check "qrelayctl check -x FILE: the error names the line, never shows it" \
	sh -c "grep -q 'secret:1: unable to parse' '$w/out' && ! grep -q xyzzy '$w/out'"

# options: -V, -h, and usage errors (exit 2, with the reason)
out=$("$QD_BIN" -V); rc=$?
check "-V prints the version and exits 0 ($out)" sh -c "[ $rc -eq 0 ] && echo '$out' | grep -Eq '^qrelay-milter [0-9]+[.][0-9]+'"
"$QD_BIN" --help > "$w/out" 2>/dev/null; rc=$?
check "--help: usage on stdout, exit 0" sh -c "[ $rc -eq 0 ] && grep -q '^usage: qrelay-milter' '$w/out'"
usage() {	# usage NAME PATTERN ARGS...: exit 2, reason on stderr
	name=$1 pattern=$2; shift 2
	"$QD_BIN" "$@" > "$w/out" 2>&1
	rc=$?
	if [ $rc -eq 2 ] && grep -q -- "$pattern" "$w/out"; then
		ok "usage error: $name (exit 2)"
	else
		bad "usage error: $name: exit $rc, output: $(cat "$w/out")"
	fi
}
usage "unknown option" 'unknown option: -z' -z
usage "option without its value" 'option needs a value: -c' -c
usage "stray argument" 'unexpected argument: extra' -f extra
usage "bad -l" '-l wants syslog, both or journal, not: nowhere' -l nowhere

# a configured reply text is the one answered (IndiMail's wording here)
printf 'control_dir = "%s"\nreply_relay = "553 5.7.1 sorry, that domain isn'"'"'t allowed to be relayed thru this MTA without authentication"\n' "$w/ctl" > "$w/indimail.conf"
"$QR_BUILD/src/qrelayctl" check -c "$w/indimail.conf" --ip 9.9.9.9 '<a@evil.example>' > "$w/out" 2>&1
check "reply_relay configured: 553 5.7.1 with IndiMail's text" \
	grep -q "^reject 553 5.7.1 sorry, that domain isn't allowed to be relayed thru this MTA without authentication |" "$w/out"

# the explicit opt-ins start
printf 'control_dir = "%s"\nallow_missing_rcpthosts = true\n' "$w/noctl" > "$w/open.conf"
"$QD_BIN" -n -p "$S" -c "$w/open.conf" > "$w/out" 2>&1
check "allow_missing_rcpthosts = true starts, with a warning" \
	grep -q "every recipient domain is accepted" "$w/out"

# the minimal command line of the README runs with no config file
check "minimal command line (-f -p -d -x, no config) starts and listens" \
	qd_start -d "$w/ctl" -x "$w/good.smtp"
port=$QD_PORT
"$QD_BIN" -f -p "inet:$port@127.0.0.1" -d "$w/ctl" > "$w/out" 2>&1
check "a second daemon on the same port exits non-zero" [ $? -ne 0 ]
qd_stop
check "SIGTERM stops it with exit 0" [ "$QD_STATUS" -eq 0 ]
finish
