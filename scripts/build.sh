#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# build.sh - configure and build out of tree: sh scripts/build.sh DIR [VAR=value...]
#
# DIR is relative to the source tree (build/ for the normal build,
# build-asan/ for the sanitizer build); extra arguments go to configure.
# Builds the programs, the test helpers and the bench programs.
set -eu
cd "$(dirname "$0")/.."
dir=$1
shift
[ -x configure ] && [ configure -nt configure.ac ] && [ configure -nt Makefile.am ] ||
	autoreconf -fi
# an in-tree configure (config.status here) blocks out-of-tree builds
[ -f config.status ] && make distclean >/dev/null 2>&1 || true
mkdir -p "$dir"
cd "$dir"
[ -f Makefile ] || ../configure -q --enable-werror "$@"
make -s -j2 all
make -s -j2 tests/unit/test_core tests/unit/rules_dump tests/unit/test_dns bench-programs
