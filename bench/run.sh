#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# bench/run.sh - run the benchmarks and print one table (bench/README.md).
#
#   sh bench/run.sh [SECTION...]     sections: proto scale reload dnsbl
#                                    postfix sendmail (default: all, in that
#                                    order), and soak (only when named: 60 s
#                                    or more)
#
# QR_BUILD: build directory (default build; "make bench" sets it).
# BENCH_ROUNDS, BENCH_SECS: rounds and seconds per measurement.
# Needs root for the Postfix and Sendmail sections (private instances on
# free ports) and the DNSBL one (rbldnsd).
set -u
cd "$(dirname "$0")/.."
QR_BUILD=${QR_BUILD:-build}
export QR_BUILD
if [ ! -x "$QR_BUILD/src/qrelay-milter" ] || [ ! -x "$QR_BUILD/bench/loadgen" ]; then
	make -s -C "$QR_BUILD" all bench-programs || exit 1
fi
BW=$(mktemp -d /tmp/qrelay-bench.XXXXXX)
chmod 755 "$BW"
export BW
# every daemon a section starts is listed in $BW/pids; stop them on exit
cleanup() {
	[ -f "$BW/pids" ] && for p in $(cat "$BW/pids"); do kill -TERM "$p" 2>/dev/null; done
	[ -d "$BW/pfx/etc" ] && postfix -c "$BW/pfx/etc" stop > /dev/null 2>&1
	for f in "$BW"/sm-*/run/sendmail.pid; do
		[ -f "$f" ] && kill -TERM "$(head -n 1 "$f")" 2>/dev/null
	done
	sleep 0.5
	# directories a section made outside $BW (the Sendmail section's
	# socket directory under /run)
	[ -f "$BW/rmdirs" ] && for d in $(cat "$BW/rmdirs"); do rm -rf "$d"; done
	rm -rf "$BW"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
: > "$BW/rows"
. bench/lib.sh

sections=${*:-proto scale reload dnsbl postfix sendmail}
echo "qrelay-milter benchmarks, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== generating the big tables (rcpthosts 100k lines, morercpthosts.cdb 1M, 10k rules)"
sh bench/gentables.sh "$BW/big" 100000 1000000 10000 20000 || exit 1

for s in $sections; do
	case $s in
	proto) . bench/proto.sh ;;
	scale) . bench/scale.sh ;;
	reload) . bench/reload.sh ;;
	dnsbl) . bench/dnsbl.sh ;;
	postfix) . bench/postfix.sh ;;
	sendmail) . bench/sendmail.sh ;;
	soak) . bench/soak.sh ;;
	*) echo "unknown section $s" >&2; exit 2 ;;
	esac
done

echo
echo "| measurement | qrelay-milter | baseline | ratio | target | |"
echo "|---|---|---|---|---|---|"
grep '^ROW|' "$BW/rows" | cut -d'|' -f2- | sed 's/^/| /; s/$/ |/; s/|/ | /g; s/  */ /g; s/^ //'
grep '^NOTE|' "$BW/rows" | cut -d'|' -f2- | sed 's/^/- /'
echo "load at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
