# SPDX-License-Identifier: BSD-2-Clause
# swaks.sh - what swaks said and where the mail went, for the MTA tests
# (sourced, POSIX sh; the caller defines ok, bad and $work).
#
#   swaks_reply FILE        set $reply to the reply to RCPT TO in the swaks
#                           transcript FILE, else to its first error line
#   expect_reply KEY NAME ERE
#                           ok if $reply matches ERE; else bad, with the end
#                           of $work/NAME.KEY.swaks and, when $mark is set
#                           (a line count), the milter's log since then
#                           ($work/milter.log)
#   sink_count DUMP MTA KIND NAME
#                           how many messages smtp-sink wrote to DUMP (-D)
#                           that came through MTA ("by mta.MTA.test") with
#                           the header "KIND: NAME" (NAME "*": any)
#   expect_arrivals COUNT   for each "MTA NAME WHERE" line of $work/expect
#                           (WHERE: sink, hosted or none), "COUNT sink MTA
#                           NAME" and "COUNT hosted MTA NAME" must print
#                           1 0, 0 1 or 0 0 (times the times the line is
#                           there: a name sent once per listener)

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

expect_arrivals() {
	while read -r _am _an _aw; do	# not in a pipe: ok and bad count
		_as=$("$1" sink "$_am" "$_an")
		_ah=$("$1" hosted "$_am" "$_an")
		case $_aw in
		sink) _awant="1 0" ;;
		hosted) _awant="0 1" ;;
		none) _awant="0 0" ;;
		esac
		_ak=$(grep -c -x "$_am $_an $_aw" "$work/expect")
		[ "$_ak" -gt 1 ] && _awant=$(echo "$_awant" | awk -v k="$_ak" '{ print $1 * k, $2 * k }')
		if [ "$_as $_ah" = "$_awant" ]; then ok "$_am $_an: arrived where expected ($_aw)"; else
			bad "$_am $_an: $_as at the sink, $_ah in the maildir; want $_aw"; fi
	done <<EOF
$(sort -u "$work/expect")
EOF
}

sink_count() {
	[ -f "$1" ] || { echo 0; return; }
	awk -v mta="by mta.$2.test" -v kind="$3: " -v name="$4" '
		function done_rec() { if (m && h) n++; m = h = 0 }
		/^X-Client-Addr:/ { done_rec() }
		index($0, mta) { m = 1 }
		index($0, kind) == 1 && (name == "*" || substr($0, length(kind) + 1) == name) { h = 1 }
		END { done_rec(); print n + 0 }' "$1"
}
