# SPDX-License-Identifier: BSD-2-Clause
# vectors.sh - every decision vector through qrelayctl; with Debian's
# tcprules installed, again against the rules cdb it compiles.
. "$(dirname "$0")/env.sh"
status=0
for v in tests/vectors/*.vec; do
	sh tests/vectors/run-qrelayctl.sh "$v" || status=1
	rules=$(awk -f tests/vectors/vecread.awk "$v" |
		awk -F '\t' '$1 == "D" && $3 == "rules" { print $4 }')
	[ -n "$rules" ] && ! grep -q '^# no-cdb' "$v" || continue
	if ! command -v tcprules >/dev/null 2>&1; then
		echo "ok - $v against a tcprules cdb # SKIP tcprules is not installed"
		continue
	fi
	cdb=$QR_DATA/$(basename "$v" .vec).rules.cdb
	tcprules "$cdb" "$cdb.tmp" <"$QR_DATA/$rules" &&
		sh tests/vectors/run-qrelayctl.sh "$v" "$cdb" || status=1
done
exit $status
