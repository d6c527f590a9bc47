#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# run-vectors.sh - check a .vec file against the running daemon, over the
# milter protocol, with Debian's miltertest.
#
# usage: tests/milter/run-vectors.sh VECFILE [RULESFILE_OVERRIDE]
#
# Run from the repository root (the script also cds there itself).  It reads
# the file's directives (control DIR, rules FILE, config FILE; relative to
# tests/data/), starts src/qrelay-milter on a free loopback port, replays
# every vector with tests/milter/vectors.lua (one milter connection per
# vector), stops the daemon and compares, for vector n, the n-th
# "decision stage=" line the daemon logged and miltertest's reply with the
# vector:
#   - verdict=  must equal the vector's verdict;
#   - the reply code (first 3 chars of reply="...") must equal its code;
#   - reason="..." must contain the reason substring, if any;
#   - stage=connect for code 554 (tcprules deny), stage=rcpt otherwise, and
#     the logged rcpt= must be the vector's recipient (keeps lines aligned);
#   - miltertest saw SMFIR_CONTINUE for accept, SMFIR_REPLYCODE (libmilter's
#     answer when smfi_setreply was used) for reject/tempfail.
# Prints "ok - VEC:LINE RCPT" or "not ok - VEC:LINE RCPT: ..." per vector,
# '#' comment lines for diagnostics, and last "N passed, N failed".  Exit 0
# iff nothing failed.  RULESFILE_OVERRIDE (e.g. a .cdb compiled by Debian's
# tcprules) replaces the `rules` directive.
set -u

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
	echo "usage: $0 VECFILE [RULESFILE_OVERRIDE]" >&2
	exit 2
fi

vec=$1
override=${2:-}
abspath() { case $1 in /*) printf '%s' "$1" ;; *) printf '%s/%s' "$PWD" "$1" ;; esac; }
vecabs=$(abspath "$vec")
[ -n "$override" ] && override=$(abspath "$override")
root=$(cd "$(dirname "$0")/../.." && pwd) || exit 2
cd "$root" || exit 2

data=${QR_DATA:-tests/data}
daemon=${QR_BUILD:-.}/src/qrelay-milter
script=tests/milter/vectors.lua

if [ ! -r "$vecabs" ]; then
	echo "$0: cannot read $vec" >&2
	exit 2
fi
if [ ! -x "$daemon" ]; then
	echo "$0: $daemon not built" >&2
	exit 2
fi

trim() {
	local s=$1
	s=${s#"${s%%[![:space:]]*}"}
	s=${s%"${s##*[![:space:]]}"}
	printf '%s' "$s"
}

# ---- read the vector file (tests/vectors/vecread.awk) ------------------------
control='' rules='' config=''
declare -a V_LINE V_F1 V_RCPT V_WANT
nvec=0 bad=0
recs=$(mktemp "${TMPDIR:-/tmp}/run-vectors-recs.XXXXXX") || exit 2
awk -f tests/vectors/vecread.awk "$vecabs" >"$recs"
while IFS=$'\t' read -r kind lineno f1 f2 f3 f4 f5 f6 f7 f8 f9 f10; do
	case $kind in
	E) echo "not ok - $vec:$lineno: $f1"; bad=$((bad + 1)); continue ;;
	D)
		case $f1 in
		control) control=$f2 ;;
		rules) rules=$f2 ;;
		config) config=$f2 ;;
		esac
		continue
		;;
	esac
	V_LINE[nvec]=$lineno
	V_F1[nvec]="$f1 $f2"
	V_RCPT[nvec]=$f8
	case $f10 in -) V_WANT[nvec]= ;; *) V_WANT[nvec]=${f10#=} ;; esac
	nvec=$((nvec + 1))
done <"$recs"

if [ -z "$control" ]; then
	echo "$0: $vec: no control directive" >&2
	exit 2
fi
if [ -n "$override" ]; then
	rules=$override
elif [ -n "$rules" ]; then
	rules=$data/$rules
fi
[ -n "$config" ] && config=$data/$config

# ---- temp dir, daemon handling ---------------------------------------------
tmp=$(mktemp -d "${TMPDIR:-/tmp}/run-vectors.XXXXXX") || exit 2
pid='' mtpid=''

. tests/lib/wait.sh

stop_daemon() {
	[ -n "$pid" ] || return 0
	proc_stop "$pid" 20
	pid=
}

cleanup() {
	if [ -n "$mtpid" ]; then
		kill -TERM "$mtpid" 2>/dev/null
		wait "$mtpid" 2>/dev/null
	fi
	stop_daemon
	rm -rf "$tmp" "$recs"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

args=(-f -d "$data/$control")
[ -n "$rules" ] && args+=(-x "$rules")
[ -n "$config" ] && args+=(-c "$config")

port=$((19000 + $$ % 1000))
started=0
for _ in 1 2 3 4 5; do
	tries=0
	while port_used "$port" && [ $tries -lt 1000 ]; do
		port=$((19000 + (port - 19000 + 1) % 1000))
		tries=$((tries + 1))
	done
	: > "$tmp/daemon.log"
	"$daemon" "${args[@]}" -p "inet:$port@127.0.0.1" \
		</dev/null >/dev/null 2>"$tmp/daemon.log" &
	pid=$!
	if port_wait "$port" "$pid"; then
		started=1
		break
	fi
	if ! proc_alive "$pid"; then
		wait "$pid" 2>/dev/null
		rc=$?
		pid=
		echo "# qrelay-milter exited with status $rc on port $port:"
		sed 's/^/#   /' "$tmp/daemon.log" | head -20
		# only a socket problem (port taken meanwhile) is worth a retry
		grep -qiE 'socket|bind|address|in use' "$tmp/daemon.log" || break
	else
		echo "# qrelay-milter is not listening on port $port after 30 s"
		stop_daemon
	fi
	port=$((19000 + (port - 19000 + 1) % 1000))
done

if [ $started -ne 1 ]; then
	echo "not ok - $vec: qrelay-milter did not start (${args[*]})"
	echo "0 passed, $((nvec + 1)) failed"
	exit 1
fi

# ---- replay -----------------------------------------------------------------
# in the background so that a signal to this script is handled at once
timeout 600 miltertest -D "recfile=$recs" -D "port=$port" -s "$script" \
	>"$tmp/mt.out" 2>"$tmp/mt.err" &
mtpid=$!
wait "$mtpid"
mtrc=$?
mtpid=

alive=1
proc_alive "$pid" || alive=0
stop_daemon

declare -A GOT
while read -r tag n reply _; do
	[ "$tag" = VECTOR ] && GOT[$n]=$reply
done < "$tmp/mt.out"

mapfile -t D < <(grep -F ' decision stage=' "$tmp/daemon.log")

# ---- compare ----------------------------------------------------------------
# every text field of a decision line is "..." with \", \\ and \xNN escapes
q='"(([^"\\]|\\.)*)"'
re=" decision stage=([a-z]+) .* rcpt=$q mta_rcpt=$q verdict=([a-z]+) reply=$q reason=$q\$"
unesc() {	# unesc TEXT: undo the escapes of a decision-line field
	local s=${1//\\\"/\"}
	printf '%b' "$s"
}
pass=0 fail=$bad
for ((k = 0; k < nvec; k++)); do
	n=$((k + 1))
	where="$vec:${V_LINE[k]} ${V_RCPT[k]}"
	read -r ev ec _ <<<"${V_F1[k]}"
	want=${V_WANT[k]}
	probs=()
	case $ev in
	accept) ereply='continue' ;;
	reject | tempfail) ereply=replycode ;;
	*) ereply="?($ev)" ;;
	esac
	if [ "$ec" = 554 ]; then estage=connect; else estage=rcpt; fi

	got=${GOT[$n]:-none}
	[ "$got" = "$ereply" ] ||
		probs+=("expected miltertest reply $ereply got $got")

	line=${D[k]:-}
	if [ -z "$line" ]; then
		probs+=("expected decision line #$n (stage=$estage verdict=$ev code $ec) got none logged")
	elif [[ $line =~ $re ]]; then
		stage=${BASH_REMATCH[1]} lrcpt=$(unesc "${BASH_REMATCH[2]}")
		verdict=${BASH_REMATCH[6]} reply=$(unesc "${BASH_REMATCH[7]}")
		reason=$(unesc "${BASH_REMATCH[9]}")
		code=${reply:0:3}
		[ "$stage" = "$estage" ] ||
			probs+=("expected stage=$estage got stage=$stage")
		if [ "$stage" = rcpt ] && [ "$lrcpt" != "${V_RCPT[k]}" ]; then
			probs+=("expected decision for rcpt=${V_RCPT[k]} got rcpt=$lrcpt (log out of step?)")
		fi
		[ "$verdict" = "$ev" ] ||
			probs+=("expected verdict=$ev got verdict=$verdict")
		[ "$code" = "$ec" ] ||
			probs+=("expected code $ec got $code (reply=\"$reply\")")
		if [ -n "$want" ]; then
			case $reason in
			*"$want"*) ;;
			*) probs+=("expected reason containing '$want' got reason=\"$reason\"") ;;
			esac
		fi
	else
		probs+=("expected a decision line got unparsable: $line")
	fi

	if [ ${#probs[@]} -eq 0 ]; then
		pass=$((pass + 1))
		echo "ok - $where"
	else
		fail=$((fail + 1))
		msg=${probs[0]}
		for p in "${probs[@]:1}"; do msg="$msg; $p"; done
		echo "not ok - $where: $msg"
	fi
done

# ---- whole-run checks ---------------------------------------------------------
if [ ${#D[@]} -ne "$nvec" ]; then
	fail=$((fail + 1))
	echo "not ok - $vec: expected $nvec decision lines got ${#D[@]}"
fi
if [ "$mtrc" -ne 0 ]; then
	fail=$((fail + 1))
	echo "not ok - $vec: expected miltertest exit 0 got $mtrc"
fi
if [ $alive -ne 1 ]; then
	fail=$((fail + 1))
	echo "not ok - $vec: expected qrelay-milter alive after the run got it exited early"
fi
if [ $fail -ne 0 ]; then
	if [ -s "$tmp/mt.err" ]; then
		echo "# miltertest stderr:"
		sed 's/^/#   /' "$tmp/mt.err" | head -40
	fi
	if grep -qvF ' decision stage=' "$tmp/daemon.log"; then
		echo "# qrelay-milter log (other than decisions):"
		grep -vF ' decision stage=' "$tmp/daemon.log" | sed 's/^/#   /' | head -40
	fi
fi
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
