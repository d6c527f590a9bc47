# SPDX-License-Identifier: BSD-2-Clause
# tests/pop/lib.sh - helpers for the SMTP-after-POP tests (sourced, POSIX sh).
#
# Builds on tests/daemon/lib.sh (qd_start, qd_query, ok/bad/finish; ports
# from tests/lib/wait.sh, from 31000 up: the range kept for these tests)
# and adds:
#   pop_vec IP FROM RCPT   one session through miltertest; prints the
#                          verdict of the daemon's decision line
#                          (accept/reject/tempfail), or "none"
#   smtp_rcpt ARGS...      one swaks session through the private Postfix
#                          ($PFX_PORT); prints the RCPT reply code and
#                          enhanced code, e.g. "451 4.3.0"
. tests/daemon/lib.sh

# the daemon's milter port: also from the private range
QD_PORT_BASE=$((31000 + $$ % 400))

pop_vec() {
	n0=$(grep -c ' decision stage=rcpt' "$QD_LOG")
	qd_query "accept 250 | $1 | - | - | $2 | $3 |" >/dev/null
	n1=$(grep -c ' decision stage=rcpt' "$QD_LOG")
	if [ "$n1" -gt "$n0" ]; then qd_last_verdict; else echo none; fi
}

smtp_rcpt() {
	swaks --server "127.0.0.1:$PFX_PORT" --timeout 30 "$@" \
		>"$QD_WORK/swaks.out" 2>&1
	sed -n '/^ *-> RCPT TO/{n;p;q;}' "$QD_WORK/swaks.out" |
		sed -n 's/^<[-*]* *\([0-9][0-9][0-9]\) \([0-9.]*\).*/\1 \2/p'
}

# expect NAME WANT GOT
expect() {
	if [ "$2" = "$3" ]; then ok "$1"; else bad "$1 (want \"$2\", got \"$3\")"; fi
}
