# SPDX-License-Identifier: BSD-2-Clause
# rules.sh - our tcprules parser against Debian's tcprules.
. "$(dirname "$0")/env.sh"
if ! command -v tcprules >/dev/null 2>&1 || ! command -v cdb >/dev/null 2>&1; then
	echo "ok - tcprules comparison # SKIP ucspi-tcp or tinycdb is not installed"
	exit 0
fi
exec sh tests/rules/compare-tcprules.sh
