# SPDX-License-Identifier: BSD-2-Clause
# differential.sh - the core against what real Postfix and Sendmail did
# with the relay-probe corpus (tests/data/mta/observed.tsv).
. "$(dirname "$0")/env.sh"
exec perl tests/mta/differential.pl "$QR_BUILD/src/qrelayctl" \
	tests/data/mta/control tests/data/mta/tcp.smtp tests/data/mta/observed.tsv
