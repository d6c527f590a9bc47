# SPDX-License-Identifier: BSD-2-Clause
# purity.sh - the core does no I/O and touches no other room.
. "$(dirname "$0")/env.sh"
exec sh tests/purity.sh "$QR_BUILD"
