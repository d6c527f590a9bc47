#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# purity.sh - the decision core stays pure (no I/O, no locks, no
# libmilter, no libmariadb), and each room of src/ uses only the rooms
# below it, so there is no cycle.
#
#   sh tests/purity.sh [BUILD_DIR]
#
# Three checks:
#   1. src/core includes only its own headers and the system headers of
#      the list below (strings, memory, number formats, tinycdb lookups);
#   2. the symbols libqrcore.a calls from outside are only those of the
#      list below (nm -u), so that nothing reaches a file, a socket, a
#      thread, a clock or the environment, whatever the headers allow;
#   3. a room includes another room's headers only as the order allows:
#      core; then util; then tables, pop, conf, dns (pop and dns may
#      use util); then milter and tools.
# Prints "ok"/"not ok" lines and last "N passed, N failed".
set -u
cd "$(dirname "$0")/.."
build=${1:-${QR_BUILD:-.}}
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok - $*"; }
bad() { fail=$((fail + 1)); echo "not ok - $*"; }

allowed_headers='config[.]h|[a-z0-9_]+[.]h|<(cdb|stdarg|stdatomic|stddef|stdint|stdio|stdlib|string|time|arpa/inet|netinet/in|sys/socket|sys/types|sys/mman)[.]h>'
bad_inc=$(grep -n '^#[[:space:]]*include' src/core/*.c src/core/*.h |
	sed 's/^\([^:]*:[0-9]*\):#[[:space:]]*include[[:space:]]*/\1 /' |
	awk -v re="^($allowed_headers)\$" '{ inc = $2; gsub(/"/, "", inc)
		if (inc !~ re) print }')
if [ -z "$bad_inc" ]; then
	ok "src/core includes only its own headers and pure system headers"
else
	bad "src/core includes what it must not:"
	echo "$bad_inc" | sed 's/^/#   /'
fi

lib=$build/src/core/libqrcore.a
if [ ! -f "$lib" ]; then
	bad "$lib not built"
else
	# memory, strings, formatting, address text, tinycdb lookups, and
	# what the compiler and the sanitizers add
	allowed_syms='^(mem(cpy|chr|cmp|move|set|rchr)|str(len|nlen|chr|rchr|cmp|ncmp|str|spn|cspn|tol|toul|dup|ndup|cpy|cat)|v?snprintf|__(v?snprintf|memcpy|memmove|memset|strcpy|strcat)_chk|(c|m|re)alloc|free|mmap|munmap|madvise|inet_(pton|ntop)|__ctype_b_loc|__errno_location|cdb_(hash|unpack|get|findinit|findnext|free|seqinit|seqnext)|__stack_chk_fail|_GLOBAL_OFFSET_TABLE_|__(asan|ubsan|sanitizer|lsan)_.*|__stack_chk_guard)$'
	# what the archive's objects call and no object of it defines
	nm --defined-only "$lib" 2>/dev/null | awk 'NF == 3 { print $3 }' |
		sort -u >"${TMPDIR:-/tmp}/purity.$$.def"
	forbidden=$(nm -u "$lib" 2>/dev/null | awk '$1 == "U" { print $2 }' |
		sort -u | comm -23 - "${TMPDIR:-/tmp}/purity.$$.def" |
		grep -Ev "$allowed_syms")
	n=$(nm -u "$lib" 2>/dev/null | awk '$1 == "U"' | wc -l)
	rm -f "${TMPDIR:-/tmp}/purity.$$.def"
	if [ "$n" -eq 0 ]; then
		bad "nm -u $lib listed nothing (is nm installed?)"
	elif [ -z "$forbidden" ]; then
		ok "libqrcore.a calls nothing outside memory, strings and tinycdb lookups"
	else
		bad "libqrcore.a calls:"
		echo "$forbidden" | sed 's/^/#   /'
	fi
fi
# room -> the rooms it may include ("room/x.h")
for room in core util tables pop conf dns milter tools; do
	case $room in
	core | util) may= ;;
	tables | conf) may='core' ;;
	pop | dns) may='core|util' ;;
	milter) may='core|util|tables|pop|conf|dns' ;;
	tools) may='core|tables|pop|conf|dns' ;;
	esac
	wrong=$(grep -Hn '^#[[:space:]]*include[[:space:]]*"[a-z]*/' src/$room/*.[ch] |
		sed 's/^\([^:]*:[0-9]*\):#[[:space:]]*include[[:space:]]*"\([a-z]*\)\/.*/\1 \2/' |
		awk -v may="^(${may:-none})\$" '$2 !~ may')
	if [ -z "$wrong" ]; then
		ok "src/$room includes ${may:+only }${may:-no other room}"
	else
		bad "src/$room includes a room it must not:"
		echo "$wrong" | sed 's/^/#   /'
	fi
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
