#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# scripts/quickstart.sh - build qrelay-milter and watch it make qmail's relay
# decisions for a private, throw-away Postfix instance.
#
# Run as root from the repository on Debian 12:   sh scripts/quickstart.sh
#
# It installs what it needs (scripts/install-deps.sh quickstart), builds,
# starts build/src/qrelay-milter on 127.0.0.1:8893 with examples/control and
# examples/tcp.smtp, starts a Postfix on 127.0.0.1:2525 wired to it (see
# tests/mta/postfix.sh; the system's /etc/postfix is not touched and nothing
# is delivered anywhere), and sends three messages with swaks, presenting
# other client addresses with XCLIENT:
#   1. outside client 198.51.100.7 -> victim@elsewhere.example  553 5.7.1
#   2. outside client 198.51.100.7 -> user@example.com          accepted
#   3. relay client   192.0.2.10   -> friend@elsewhere.example  accepted
# It prints what happened and exits non-zero if anything was not as expected.
# Everything it started is stopped and its temp dir removed on exit.
#
# Environment (all optional):
#   QS_SKIP_DEPS=1   don't run scripts/install-deps.sh
#   QS_SKIP_BUILD=1  don't build (use an existing binary)
#   QRELAY_MILTER=/path/to/qrelay-milter   binary to run
#   QS_MILTER_PORT=8893  PFX_PORT=2525     loopback ports to use
set -eu

cd "$(dirname "$0")/.."
ROOT=$(pwd -P)
MILTER_PORT=${QS_MILTER_PORT:-8893}
PFX_PORT=${PFX_PORT:-2525}
MILTER_BIN=${QRELAY_MILTER:-$ROOT/build/src/qrelay-milter}
export PFX_PORT
. "$ROOT/tests/mta/postfix.sh"

tmp=
pfx=
milter_pid=
failures=0

say() { printf '%s\n' "$*"; }
die() {
	say "quickstart: $*" >&2
	exit 1
}

stop_milter() {
	[ -n "$milter_pid" ] || return 0
	proc_stop "$milter_pid" 15 || :
	milter_pid=
}

cleanup() {
	rc=$?
	set +e
	# finish cleaning up even if another ^C or SIGTERM arrives meanwhile
	trap '' INT TERM
	trap - EXIT
	[ -n "$pfx" ] && pfx_stop "$pfx"
	stop_milter
	[ -n "$tmp" ] && rm -rf "$tmp"
	exit "$rc"
}

[ "$(id -u)" = 0 ] || die "run me as root (Postfix and apt-get need it)"

# --- (a) dependencies -------------------------------------------------------
if [ "${QS_SKIP_DEPS:-0}" != 1 ]; then
	[ -f scripts/install-deps.sh ] || die "scripts/install-deps.sh is missing"
	say "==> installing dependencies (scripts/install-deps.sh quickstart)"
	sh scripts/install-deps.sh quickstart || die "scripts/install-deps.sh failed"
fi
for c in postfix swaks; do
	command -v "$c" >/dev/null 2>&1 || die "'$c' not found; run scripts/install-deps.sh"
done

tmp=$(mktemp -d /tmp/qrelay-quickstart.XXXXXX)
chmod 755 "$tmp" # Postfix's daemons (user postfix) must reach $tmp/postfix
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- (b) build ----------------------------------------------------------------
if [ "${QS_SKIP_BUILD:-0}" != 1 ]; then
	say "==> building (sh scripts/build.sh: autoreconf, configure and make in build/)"
	if ! sh scripts/build.sh build >"$tmp/build.log" 2>&1; then
		tail -n 40 "$tmp/build.log" >&2
		die "build failed (last lines above)"
	fi
fi
[ -x "$MILTER_BIN" ] || die "$MILTER_BIN does not exist; build it first"

for p in "$MILTER_PORT" "$PFX_PORT"; do
	if port_listening "$p"; then
		die "TCP port $p is already in use (set QS_MILTER_PORT / PFX_PORT)"
	fi
done

# --- (c) the milter -----------------------------------------------------------
say "==> starting qrelay-milter on inet:$MILTER_PORT@127.0.0.1"
"$MILTER_BIN" -f -p "inet:$MILTER_PORT@127.0.0.1" \
	-d "$ROOT/examples/control" -x "$ROOT/examples/tcp.smtp" \
	</dev/null >"$tmp/milter.log" 2>&1 &
milter_pid=$!
if ! port_wait "$MILTER_PORT" "$milter_pid"; then
	cat "$tmp/milter.log" >&2
	milter_pid=
	die "qrelay-milter did not start and listen on 127.0.0.1:$MILTER_PORT (its log is above)"
fi

# --- (d) Postfix --------------------------------------------------------------
say "==> starting a private Postfix on 127.0.0.1:$PFX_PORT"
pfx_setup "$tmp/postfix" "inet:127.0.0.1:$MILTER_PORT" || die "pfx_setup failed"
pfx="$tmp/postfix"
pfx_start "$pfx" || die "Postfix did not start"

# --- (e) three SMTP sessions --------------------------------------------------
# check NAME WANT XCLIENT_ADDR RCPT: run swaks, WANT = reject|accept.
check() {
	name=$1 want=$2 addr=$3 rcpt=$4
	out="$tmp/$name.swaks"
	say ""
	case $want in
	reject) say "[$name] client $addr -> $rcpt: expect 553 5.7.1 (not a relay client, not in rcpthosts)" ;;
	accept) say "[$name] client $addr -> $rcpt: expect accepted" ;;
	esac
	src=0
	swaks --server "127.0.0.1:$PFX_PORT" --timeout 60 \
		--xclient-addr "$addr" --from s@outside.example --to "$rcpt" \
		>"$out" 2>&1 || src=$?
	# the interesting part of the transcript: MAIL/RCPT and their replies,
	# the end-of-data reply
	grep -E '^ *-> (MAIL FROM|RCPT TO)|^<(-|\*\*) +[245][0-9][0-9] [245]\.' "$out" |
		grep -v ' 221 ' | sed 's/^/    /' || :
	rcpt_reply=$(sed -n '/^ *-> RCPT TO/{n;p;q;}' "$out")
	ok=1
	case $want in
	reject)
		[ "$src" = 24 ] || ok=0 # 24: no recipient accepted
		printf '%s\n' "$rcpt_reply" | grep -Eq '^<\*\* +553 5\.7\.1 ' || ok=0
		;;
	accept)
		[ "$src" = 0 ] || ok=0
		printf '%s\n' "$rcpt_reply" | grep -Eq '^<- +250 ' || ok=0
		grep -q '^<- *250 2\.0\.0 Ok: queued' "$out" || ok=0
		;;
	esac
	if [ "$ok" = 1 ]; then
		say "    PASS (swaks exit $src)"
	else
		say "    FAIL (swaks exit $src); full transcript:"
		sed 's/^/      /' "$out"
		failures=$((failures + 1))
	fi
}

check 1 reject 198.51.100.7 victim@elsewhere.example
check 2 accept 198.51.100.7 user@example.com
check 3 accept 192.0.2.10 friend@elsewhere.example

# The milter, not Postfix, must have made each decision.
# decided CLIENT RCPT VERDICT
decided() {
	grep 'decision ' "$tmp/milter.log" | grep -F "client=$1 " | grep -F "$2" |
		grep -q -F "verdict=$3" && return 0
	say "FAIL: qrelay-milter logged no 'decision ... client=$1 ... $2 ... verdict=$3' line"
	failures=$((failures + 1))
}
decided 198.51.100.7 victim@elsewhere.example reject
decided 198.51.100.7 user@example.com accept
decided 192.0.2.10 friend@elsewhere.example accept

# Give qmgr/discard a moment to log the two deliveries (discarded: nothing
# leaves this box).
i=0
while [ "$(grep -c 'status=sent' "$pfx/maillog" 2>/dev/null || :)" != 2 ] && [ "$i" -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done

say ""
say "==> qrelay-milter decision log"
grep 'decision ' "$tmp/milter.log" | sed 's/^/    /' || say "    (none)"
if grep -v 'decision ' "$tmp/milter.log" | grep -q .; then
	say "==> qrelay-milter other log lines"
	grep -v 'decision ' "$tmp/milter.log" | sed 's/^/    /'
fi
say "==> Postfix maillog (milter verdicts, accepted mail, deliveries, problems)"
pfx_log "$pfx" | grep -E 'milter-|: client=|status=|fatal|panic|error|warning' |
	sed 's/^/    /' || say "    (nothing)"

say ""
if [ "$failures" = 0 ]; then
	say "==> quick start OK: relay refused (553 5.7.1), hosted domain and relay client accepted"
else
	say "==> quick start FAILED: $failures check(s) did not pass"
	exit 1
fi
