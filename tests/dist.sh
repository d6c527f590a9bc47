#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# dist.sh - the release tarball.  `make dist` must ship every file git
# tracks (but the CI script and .gitignore), and nothing else besides what
# autotools generate; `make distcheck` must then configure, build, check,
# install and uninstall the tarball out of tree, and leave nothing behind.
#
#   sh tests/dist.sh [BUILD_DIR]      (a configured build directory)
# Prints "ok"/"not ok" lines and last "N passed, N failed".
set -u
cd "$(dirname "$0")/.."
build=${1:-${QR_BUILD:-build}}
pass=0 fail=0 skip=0
ok() { pass=$((pass + 1)); echo "ok - $*"; }
bad() { fail=$((fail + 1)); echo "not ok - $*"; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if ! git rev-parse --git-dir >/dev/null 2>&1; then
	echo "ok - # SKIP not a git checkout: nothing to compare the tarball with"
	echo "0 passed, 0 failed, 1 skipped"
	exit 0
fi
version=$(sed -n 's/^AC_INIT(\[[^]]*\], *\[\([^]]*\)\].*/\1/p' configure.ac)
tarball=$build/qrelay-milter-$version.tar.gz
rm -f "$tarball"
if (cd "$build" && make -s dist-gzip) >"$tmp/dist.log" 2>&1 && [ -f "$tarball" ]; then
	ok "make dist wrote $(basename "$tarball")"
else
	bad "make dist failed:"; sed 's/^/#   /' "$tmp/dist.log" | tail -n 20
	echo "$pass passed, $fail failed"; exit 1
fi

tar tzf "$tarball" | sed "s|^qrelay-milter-$version/||" | grep -v '/$' |
	grep -v '^$' | sort >"$tmp/tar"
git ls-files | grep -v -e '^\.ci/' -e '^\.gitignore$' -e '/\.keep$' |
	sort >"$tmp/git"
missing=$(comm -23 "$tmp/git" "$tmp/tar")
# what autotools generate, and nothing else, may be in the tarball only
extra=$(comm -13 "$tmp/git" "$tmp/tar" | grep -Ev '^(configure|Makefile\.in|aclocal\.m4|config\.h\.in|build-aux/[a-z-]+(\.sh)?|m4/[a-z_]+\.m4)$')
if [ -z "$missing" ]; then
	ok "the tarball has every file git tracks ($(wc -l <"$tmp/git") files)"
else
	bad "the tarball lacks files git tracks (add them to EXTRA_DIST):"
	echo "$missing" | sed 's/^/#   /'
fi
if [ -z "$extra" ]; then
	ok "the tarball has nothing else but what autotools generate"
else
	bad "the tarball has files git does not track:"
	echo "$extra" | sed 's/^/#   /'
fi

if (cd "$build" && make -s distcheck) >"$tmp/distcheck.log" 2>&1; then
	ok "make distcheck: $(grep -m1 'archives ready for distribution' "$tmp/distcheck.log" | tr -d '\n' || echo passed)"
else
	bad "make distcheck failed:"; tail -n 40 "$tmp/distcheck.log" | sed 's/^/#   /'
fi
rm -f "$tarball"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
