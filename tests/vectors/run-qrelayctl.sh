#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# run-qrelayctl.sh - check every vector of a .vec file with `qrelayctl check`.
#
# usage: tests/vectors/run-qrelayctl.sh VECFILE [RULES_OVERRIDE]
# Run from the repository root.  Prints "ok"/"not ok" lines and, last,
# "N passed, N failed".  RULES_OVERRIDE replaces the file's `rules`
# directive (the test driver passes the .cdb compiled by the real tcprules).
# The file is read by tests/vectors/vecread.awk, like every other runner.
set -u
vec=$1
override=${2:-}
data=${QR_DATA:-tests/data}
ctl=${QR_BUILD:-.}/src/qrelayctl
control= rules= config=
pass=0 fail=0
tab=$(printf '\t')
records=$(mktemp)
trap 'rm -f "$records"' EXIT
awk -f tests/vectors/vecread.awk "$vec" >"$records"

while IFS=$tab read -r kind lineno f1 f2 f3 f4 f5 f6 f7 f8 f9 f10; do
	case $kind in
	E)
		fail=$((fail + 1))
		echo "not ok - $vec:$lineno: $f1"
		continue
		;;
	D)
		case $f1 in
		control) control=$data/$f2 ;;
		rules) rules=$data/$f2 ;;
		config) config=$data/$f2 ;;
		esac
		continue
		;;
	esac
	expect="$f1 $f2" ip=$f3 host=$f4 auth=$f5 from=$f6
	mfrom=$f7 rcpt=$f8 mrcpt=$f9 want=$f10
	[ -n "$override" ] && rules=$override
	set -- check -d "$control" --ip "$ip" --from "$from"
	[ -n "$config" ] && set -- "$@" -c "$config"
	[ -n "$rules" ] && set -- "$@" -x "$rules"
	[ "$host" != - ] && set -- "$@" --host "$host"
	[ "$auth" != - ] && set -- "$@" --auth "$auth"
	[ "$mfrom" != - ] && set -- "$@" --mail-addr "${mfrom#=}"
	[ "$mrcpt" != - ] && set -- "$@" --rcpt-addr "${mrcpt#=}"
	out=$("$ctl" "$@" -- "$rcpt" 2>/dev/null)
	got=$(printf '%s' "$out" | awk '{ print $1, $2 }')
	reason=${out#*| rcpt * | }
	case $want in
	-) want= ;;
	*) want=${want#=} ;;
	esac
	if [ "$got" = "$expect" ] && { [ -z "$want" ] || case $reason in *"$want"*) true ;; *) false ;; esac; }; then
		pass=$((pass + 1))
		echo "ok - $vec:$lineno $rcpt"
	else
		fail=$((fail + 1))
		echo "not ok - $vec:$lineno $rcpt: expected '$expect' reason containing '$want'; got: $out"
	fi
done <"$records"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
