# SPDX-License-Identifier: BSD-2-Clause
# env.sh - sourced by the make-check tests: work from the source tree,
# with the build's programs (QR_BUILD) and a private, writable copy of the
# test data (QR_DATA), so that the source tree may be read-only (make
# distcheck).
cd "${QR_SRC:-$(dirname "$0")/../..}" || exit 99
QR_BUILD=${QR_BUILD:-.}
QR_DATA=$QR_BUILD/tests/check-data
export QR_BUILD QR_DATA
# make -j runs the tests in parallel: each prepares in a directory of its
# own and renames it into place; the first rename wins, the others discard
# theirs.  A copy without .prepared is a leftover of a broken run.
qr_prepare() {
	_t=$(mktemp -d "$QR_DATA.XXXXXX") || return 1
	cp -R tests/data/. "$_t/" && chmod -R u+w "$_t" &&
		QR_DATA=$_t sh tests/prepare-data.sh && : >"$_t/.prepared" ||
		{ rm -rf "$_t"; return 1; }
	if [ -d "$QR_DATA" ] && [ ! -f "$QR_DATA/.prepared" ]; then
		mv "$QR_DATA" "$_t.stale" 2>/dev/null && rm -rf "$_t.stale"
	fi
	mv -T "$_t" "$QR_DATA" 2>/dev/null || rm -rf "$_t"
	[ -f "$QR_DATA/.prepared" ]
}
mkdir -p "$QR_BUILD/tests"
if [ ! -f "$QR_DATA/.prepared" ]; then
	qr_prepare || { echo "not ok - cannot prepare $QR_DATA"; exit 1; }
fi
