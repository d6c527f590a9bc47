# SPDX-License-Identifier: BSD-2-Clause
# unit.sh - the unit tests of the core and the loaders.
. "$(dirname "$0")/env.sh"
exec "$QR_BUILD/tests/unit/test_core"
