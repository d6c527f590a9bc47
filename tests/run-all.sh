#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# run-all.sh - run every test of the suite against one build.
#
# QR_BUILD names the build directory holding src/ and tests/unit binaries
# (default: the source tree).  Each test prints "N passed, N failed" last;
# this script adds them up and prints the total as its own last line.
set -u
cd "$(dirname "$0")/.."
export QR_BUILD="${QR_BUILD:-.}"
total_p=0 total_f=0 total_s=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

run() {	# run NAME COMMAND...  (uses only r_* variables: callers keep theirs)
	r_name=$1
	shift
	"$@" > "$log" 2>&1
	r_rc=$?
	r_last=$(tail -n 1 "$log")
	p=$(echo "$r_last" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed.*/\1/p')
	f=$(echo "$r_last" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed.*/\2/p')
	r_s=$(echo "$r_last" | sed -n 's/^[0-9]* passed, [0-9]* failed, \([0-9]*\) skipped.*/\1/p')
	total_s=$((total_s + ${r_s:-0}))
	if [ -z "$p" ]; then	# no summary: the test itself broke
		p=0 f=1
	elif [ "$r_rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
	fi
	total_p=$((total_p + p))
	total_f=$((total_f + f))
	if [ "$f" -eq 0 ]; then
		echo "PASS $r_name ($p${r_s:+, $r_s skipped})"
	else
		echo "FAIL $r_name ($p passed, $f failed)"
		grep -v '^ok' "$log" | sed 's/^/    /' | head -n 40
	fi
}

sh tests/prepare-data.sh
run unit "$QR_BUILD/tests/unit/test_core"
run purity sh tests/purity.sh "$QR_BUILD"
run docs sh tests/docs.sh
# the tarball and make distcheck: once per suite run (QR_DIST=1, set by
# scripts/test.sh for the first build), not per build
[ "${QR_DIST:-0}" = 1 ] && run "dist (make dist, make distcheck)" sh tests/dist.sh "$QR_BUILD"
run rules-vs-ucspi-tcp sh tests/rules/compare-tcprules.sh
work=$(mktemp -d)
for v in tests/vectors/*.vec; do
	name=$(basename "$v" .vec)
	run "qrelayctl $name" sh tests/vectors/run-qrelayctl.sh "$v"
	rules=$(awk -f tests/vectors/vecread.awk "$v" | awk -F '\t' '$1 == "D" && $3 == "rules" { print $4 }')
	if [ -n "$rules" ] && ! grep -q '^# no-cdb' "$v"; then
		tcprules "$work/$name.cdb" "$work/$name.tmp" < "tests/data/$rules"
		run "qrelayctl $name (tcprules cdb)" sh tests/vectors/run-qrelayctl.sh "$v" "$work/$name.cdb"
	fi
done
# the core against what real Postfix and Sendmail did with the relay-probe
# corpus (recorded by tests/mta/integration.sh with QR_RECORD)
run "mta differential (recorded)" perl tests/mta/differential.pl \
	"$QR_BUILD/src/qrelayctl" tests/data/mta/control tests/data/mta/tcp.smtp \
	tests/data/mta/observed.tsv
run daemon-refusals sh tests/daemon/refusals.sh
run daemon-reload sh tests/daemon/reload.sh
run daemon-socket sh tests/daemon/socket.sh
run daemon-files sh tests/daemon/files.sh
run daemon-abuse sh tests/daemon/abuse.sh
# qrelayctl lint: control files, rules, Postfix (postconf -c) and
# Sendmail (.cf from m4) fixtures, the quick start's Postfix, a daemon
run qrelayctl-lint sh tests/tools/lint.sh
run daemon-ack sh tests/daemon/ack.sh
# DNSBL: the resolver and the daemon against a real rbldnsd
run dns-resolver sh tests/dns/resolver.sh
run daemon-dnsbl sh tests/daemon/dnsbl.sh
run bench-loadgen-smoke sh tests/bench/loadgen-smoke.sh
if [ -x tests/milter/run-vectors.sh ] || [ -f tests/milter/run-vectors.sh ]; then
	for v in tests/vectors/*.vec; do
		name=$(basename "$v" .vec)
		run "milter $name" bash tests/milter/run-vectors.sh "$v"
		if [ -f "$work/$name.cdb" ]; then
			run "milter $name (tcprules cdb)" bash tests/milter/run-vectors.sh "$v" "$work/$name.cdb"
		fi
	done
fi
if [ -f tests/mta/postfix-test.sh ]; then
	run postfix sh tests/mta/postfix-test.sh
fi
if [ -f tests/mta/integration.sh ]; then
	run "postfix+sendmail integration" sh tests/mta/integration.sh
fi
run "postfix+sendmail dnsbl and listeners" sh tests/mta/dnsbl.sh
run "postfix+sendmail RELAYCLIENT values" sh tests/mta/relayclient.sh
# Sendmail: SMTP AUTH, SMTP-after-POP (directory, vpopmail and IndiMail in
# MariaDB), the unix socket as Sendmail's RunAsUser
run "sendmail parity (auth, pop, unix socket)" sh tests/mta/sendmail-parity.sh
# SMTP-after-POP: relay-ctrl directory, MySQL relay table (private MariaDB),
# Dovecot post-login hook end to end
run pop-directory sh tests/pop/dir.sh
run pop-mysql sh tests/pop/mysql.sh
run pop-dovecot sh tests/pop/dovecot.sh
# the Debian package: built, linted, installed, run, purged; the fuzz
# harnesses for a fixed number of inputs each; the ThreadSanitizer build
# under load and reloads (once per suite)
if [ "${QR_DIST:-0}" = 1 ]; then
	run "debian package" sh tests/pkg/install.sh "$QR_BUILD"
	run "fuzz (20000 inputs per harness)" sh tests/fuzz/run.sh --runs 20000
	run "threadsanitizer" sh tests/tsan.sh 20
fi
rm -rf "$work"
if [ "$total_s" -gt 0 ]; then
	echo "$total_p passed, $total_f failed, $total_s skipped"
else
	echo "$total_p passed, $total_f failed"
fi
[ "$total_f" -eq 0 ]
