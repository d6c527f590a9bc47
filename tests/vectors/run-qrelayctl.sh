#!/bin/sh
# run-qrelayctl.sh - check every vector of a .vec file with `qrelayctl check`.
#
# usage: tests/vectors/run-qrelayctl.sh VECFILE [RULES_OVERRIDE]
# Run from the repository root.  Prints "ok"/"not ok" lines and, last,
# "N passed, N failed".  RULES_OVERRIDE replaces the file's `rules`
# directive (the test driver passes the .cdb compiled by the real tcprules).
set -u
vec=$1
override=${2:-}
data=tests/data
ctl=${QR_BUILD:-.}/src/qrelayctl
control= rules= config=
pass=0 fail=0 n=0 lineno=0
trim() { printf '%s' "$1" | sed 's/^[[:space:]]*//; s/[[:space:]]*$//'; }

while IFS= read -r line || [ -n "$line" ]; do
	lineno=$((lineno + 1))
	case $line in
	'#'* | '') continue ;;
	control\ *) control=$data/${line#control } ; continue ;;
	rules\ *) rules=$data/${line#rules } ; continue ;;
	config\ *) config=$data/${line#config } ; continue ;;
	esac
	n=$((n + 1))
	[ -n "$override" ] && rules=$override
	expect=$(trim "$(printf '%s' "$line" | cut -d'|' -f1)")
	ip=$(trim "$(printf '%s' "$line" | cut -d'|' -f2)")
	host=$(trim "$(printf '%s' "$line" | cut -d'|' -f3)")
	auth=$(trim "$(printf '%s' "$line" | cut -d'|' -f4)")
	from=$(trim "$(printf '%s' "$line" | cut -d'|' -f5)")
	rcpt=$(trim "$(printf '%s' "$line" | cut -d'|' -f6)")
	want=$(trim "$(printf '%s' "$line" | cut -d'|' -f7-)")
	set -- check -d "$control" --ip "$ip"
	[ -n "$rules" ] && set -- "$@" -x "$rules"
	[ -n "$config" ] && set -- -c "$config" "$@" && set -- check -c "$config" -d "$control" --ip "$ip" ${rules:+-x "$rules"}
	[ "$host" != - ] && set -- "$@" --host "$host"
	[ "$auth" != - ] && set -- "$@" --auth "$auth"
	[ "$from" != - ] && set -- "$@" --from "$from"
	out=$("$ctl" "$@" -- "$rcpt" 2>/dev/null)
	got=$(printf '%s' "$out" | awk '{ print $1, $2 }')
	reason=${out#*| rcpt * | }
	if [ "$got" = "$expect" ] && { [ -z "$want" ] || case $reason in *"$want"*) true ;; *) false ;; esac; }; then
		pass=$((pass + 1))
		echo "ok - $vec:$lineno $rcpt"
	else
		fail=$((fail + 1))
		echo "not ok - $vec:$lineno $rcpt: expected '$expect' reason containing '$want'; got: $out"
	fi
done < "$vec"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
