#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# prepare-data.sh - build the test cdbs with the real tools, in place.
#
# morercpthosts.cdb is built the way qmail-newmrh builds it (each line of
# morercpthosts lower-cased, trailing blanks dropped, comments and empty lines
# skipped, empty value) but with tinycdb's `cdb -c`; relaymailfrom.cdb from
# relaymailfrom.list the same way (IndiMail keys the full address).
set -eu
cd "${QR_DATA:-$(dirname "$0")/data}"
mk() {	# mk SRC DST
	awk '{ sub(/[ \t]+$/, ""); if ($0 == "" || substr($0,1,1) == "#") next;
	       k = tolower($0); printf "+%d,0:%s->\n", length(k), k } END { print "" }' "$1" |
		cdb -c -t "$2.tmp" "$2"
}
for d in */control; do
	[ -f "$d/morercpthosts" ] && mk "$d/morercpthosts" "$d/morercpthosts.cdb"
	[ -f "$d/relaymailfrom.list" ] && mk "$d/relaymailfrom.list" "$d/relaymailfrom.cdb"
done
# a cdb that opens fine but whose hash table points past its end: every
# lookup fails with EPROTO, which must turn into a tempfail, never an accept
mkdir -p corrupt/control
printf 'example.com\n.example.org\n' > corrupt/control/rcpthosts
i=0
while [ $i -lt 256 ]; do
	printf '\000\010\000\000\350\003\000\000'
	i=$((i + 1))
done > corrupt/control/morercpthosts.cdb
exit 0
