# SPDX-License-Identifier: BSD-2-Clause
# swaks.sh - what swaks said, for the MTA tests (sourced, POSIX sh; the
# caller defines ok, bad and $work).
#
#   swaks_reply FILE        set $reply to the reply to RCPT TO in the swaks
#                           transcript FILE, else to its first error line
#   expect_reply KEY NAME ERE
#                           ok if $reply matches ERE; else bad, with the end
#                           of $work/NAME.KEY.swaks and, when $mark is set
#                           (a line count), the milter's log since then
#                           ($work/milter.log)

swaks_reply() {
	reply=$(sed -n '/^ *-> RCPT TO/{n;p;q;}' "$1")
	[ -n "$reply" ] || reply=$(grep -m 1 '^<\*\*' "$1")
	[ -n "$reply" ] || reply=$(grep -m 1 -E '^\*\*\*' "$1")
	reply=$(printf '%s' "$reply" | sed 's/^<[-*]* *//')
}

expect_reply() {
	if printf '%s\n' "$reply" | grep -Eq "$3"; then
		ok "$1 $2: $reply"
	else
		bad "$1 $2: want /$3/, got: $reply"
		sed 's/^/#   /' "$work/$2.$1.swaks" | tail -n 25
		[ -n "${mark:-}" ] &&
			tail -n "+$((mark + 1))" "$work/milter.log" | sed 's/^/#   milter: /'
	fi
}
