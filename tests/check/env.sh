# SPDX-License-Identifier: BSD-2-Clause
# env.sh - sourced by the make-check tests: work from the source tree,
# with the build's programs (QR_BUILD) and a private, writable copy of the
# test data (QR_DATA), so that the source tree may be read-only (make
# distcheck).
cd "${QR_SRC:-$(dirname "$0")/../..}" || exit 99
QR_BUILD=${QR_BUILD:-.}
QR_DATA=$QR_BUILD/tests/check-data
export QR_BUILD QR_DATA
if [ ! -f "$QR_DATA/.prepared" ]; then
	rm -rf "$QR_DATA"
	mkdir -p "$QR_DATA" && cp -R tests/data/. "$QR_DATA/" &&
		chmod -R u+w "$QR_DATA" && sh tests/prepare-data.sh &&
		: >"$QR_DATA/.prepared" || { echo "not ok - cannot prepare $QR_DATA"; exit 1; }
fi
