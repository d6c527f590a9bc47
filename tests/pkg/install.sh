#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# install.sh - the Debian package, built and used the way an administrator
# would: dpkg-buildpackage from the release tarball (its make check
# included), lintian --pedantic with info and experimental tags, install
# with apt, the service files (systemd-analyze verify, an exposure score of
# at most 2.5 from systemd-analyze security), the daemon started the way
# each service file starts it, as the qrelay-milter user, behind a private
# Postfix on the packaged socket (hosted, foreign and relay-client
# recipients), reload, stop, and purge: nothing left running or behind.
#
#   sh tests/pkg/install.sh [BUILD_DIR]    (root; a configured build dir)
# Without systemd as PID 1 (containers, CI) the unit itself cannot run:
# its ExecStart command line is run as its User= with a notify socket,
# and the init script, which such systems use, is run for real.
set -u
cd "$(dirname "$0")/../.."
build=${1:-${QR_BUILD:-build}}
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok - $*"; }
bad() { fail=$((fail + 1)); echo "not ok - $*"; }
check() { n=$1; shift; if "$@"; then ok "$n"; else bad "$n"; fi; }
# live qrelay-milter processes of the user (a zombie that the container's
# PID 1 has not reaped yet does not count)
daemons() {
	for p in $(pgrep -u qrelay-milter -x qrelay-milter); do
		case $(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null | cut -c1) in
		'' | Z | X) ;;
		*) echo "$p" ;;
		esac
	done
}
no_daemon() { [ -z "$(daemons)" ]; }
. tests/lib/wait.sh
. tests/mta/postfix.sh

if [ "$(id -u)" -ne 0 ]; then
	echo "not ok - needs root (it installs and purges the package)"
	echo "0 passed, 1 failed"; exit 1
fi
if dpkg-query -W -f '${Status}' qrelay-milter 2>/dev/null | grep -q 'installed'; then
	echo "not ok - qrelay-milter is installed on this machine already: not touching it"
	echo "0 passed, 1 failed"; exit 1
fi

W=$(mktemp -d)
chmod 755 "$W"
PFX=$W/postfix
SOCK=/var/spool/postfix/qrelay-milter/qrelay-milter.sock
rcd_saved=
cleanup() {
	pfx_stop "$PFX" >/dev/null 2>&1
	[ -x /etc/init.d/qrelay-milter ] && /etc/init.d/qrelay-milter stop >/dev/null 2>&1
	pkill -KILL -x qrelay-milter -u qrelay-milter 2>/dev/null
	if dpkg-query -W -f '${Status}' qrelay-milter 2>/dev/null | grep -q installed; then
		dpkg --purge qrelay-milter >/dev/null 2>&1
	fi
	if [ -n "$rcd_saved" ]; then mv -f "$rcd_saved" /usr/sbin/policy-rc.d
	else rm -f /usr/sbin/policy-rc.d; fi
	rm -rf "$W"
}
trap cleanup EXIT
# services started by maintainer scripts: decided by this test
[ -e /usr/sbin/policy-rc.d ] && cp -p /usr/sbin/policy-rc.d "$W/policy-rc.d.saved" &&
	rcd_saved=$W/policy-rc.d.saved
rcd() { printf '#!/bin/sh\nexit %s\n' "$1" >/usr/sbin/policy-rc.d; chmod 755 /usr/sbin/policy-rc.d; }

# --- build ----------------------------------------------------------------------
version=$(sed -n 's/^AC_INIT(\[[^]]*\], *\[\([^]]*\)\].*/\1/p' configure.ac)
if (cd "$build" && make -s dist-gzip) >"$W/dist.log" 2>&1 &&
	tar xzf "$build/qrelay-milter-$version.tar.gz" -C "$W" &&
	rm -f "$build/qrelay-milter-$version.tar.gz" &&
	(cd "$W/qrelay-milter-$version" && dpkg-buildpackage -b -us -uc) >"$W/build.log" 2>&1; then
	ok "dpkg-buildpackage -b from the release tarball ($(grep -m1 '^# PASS:' "$W/build.log" | tr -s ' ') make check tests)"
else
	bad "dpkg-buildpackage failed:"; tail -n 30 "$W/build.log" "$W/dist.log" | sed 's/^/#   /'
	echo "$pass passed, $fail failed"; exit 1
fi
deb=$W/qrelay-milter_${version}_$(dpkg --print-architecture).deb
check "hardening: PIE, RELRO, bindnow, stack protector, fortify" sh -c "
	dpkg-deb -x '$deb' '$W/root' &&
	readelf -h '$W/root/usr/sbin/qrelay-milter' | grep -q 'DYN' &&
	readelf -d '$W/root/usr/sbin/qrelay-milter' | grep -q 'BIND_NOW' &&
	readelf -l '$W/root/usr/sbin/qrelay-milter' | grep -q 'GNU_RELRO' &&
	readelf -W --dyn-syms '$W/root/usr/sbin/qrelay-milter' | grep -q '__stack_chk_fail@' &&
	readelf -W --dyn-syms '$W/root/usr/sbin/qrelay-milter' | grep -q '__snprintf_chk@'"

lintian --pedantic -I -E --display-level '>=pedantic' "$W"/*.changes >"$W/lintian.out" 2>&1
tags=$(grep -E '^[EWIPXNO]: ' "$W/lintian.out")
if [ -z "$tags" ]; then
	ok "lintian --pedantic -I -E: no tag at all"
else
	bad "lintian:"; echo "$tags" | sed 's/^/#   /'
fi

# --- install ----------------------------------------------------------------------
rcd 101
if DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$deb" >"$W/install.log" 2>&1; then
	ok "apt-get install ./$(basename "$deb")"
else
	bad "apt-get install failed:"; tail -n 20 "$W/install.log" | sed 's/^/#   /'
	echo "$pass passed, $fail failed"; exit 1
fi
check "user qrelay-milter created, no login shell" sh -c "getent passwd qrelay-milter | grep -q ':/usr/sbin/nologin\$'"
if getent group postfix >/dev/null; then
	check "socket directory: qrelay-milter:postfix 2750 ($(stat -c '%U:%G %a' "$(dirname "$SOCK")" 2>/dev/null))" \
		[ "$(stat -c '%U:%G %a' "$(dirname "$SOCK")" 2>/dev/null)" = "qrelay-milter:postfix 2750" ]
else
	bad "the group postfix is missing (scripts/install-deps.sh installs postfix)"
fi
check "conffile /etc/qrelay-milter.conf" sh -c "dpkg-query -W -f '\${Conffiles}' qrelay-milter | grep -q /etc/qrelay-milter.conf"
check "qrelay-milter -V: $version" [ "$(/usr/sbin/qrelay-milter -V)" = "qrelay-milter $version" ]
check "manual pages installed" test -f /usr/share/man/man8/qrelay-milter.8.gz -a -f /usr/share/man/man5/qrelay-milter.conf.5.gz -a -f /usr/share/man/man8/qrelayctl.8.gz

# --- the unit files --------------------------------------------------------------
U=/lib/systemd/system
check "unit files installed" test -f $U/qrelay-milter.service -a -f $U/qrelay-milter-expire.service -a -f $U/qrelay-milter-expire.timer
systemd-analyze verify $U/qrelay-milter.service $U/qrelay-milter-expire.service $U/qrelay-milter-expire.timer >"$W/verify.out" 2>&1
rc=$?
check "systemd-analyze verify: clean (exit $rc)" sh -c "[ $rc -eq 0 ] && ! grep -v -e '^\$' '$W/verify.out' | grep -q ."
[ -s "$W/verify.out" ] && sed 's/^/#   /' "$W/verify.out"
systemd-analyze security --offline=true $U/qrelay-milter.service >"$W/security.out" 2>&1
score=$(sed -n 's/.*Overall exposure level for qrelay-milter.service: *\([0-9.]*\).*/\1/p' "$W/security.out")
check "systemd-analyze security: exposure ${score:-?} (at most 2.5)" \
	awk -v s="${score:-99}" 'BEGIN { exit !(s + 0 <= 2.5) }'
check "the unit's ExecStartPre / ExecStart are -n / -f" sh -c \
	"grep -qx 'ExecStartPre=/usr/sbin/qrelay-milter -n' $U/qrelay-milter.service && grep -qx 'ExecStart=/usr/sbin/qrelay-milter -f' $U/qrelay-milter.service"

# --- a fresh machine: no rcpthosts ------------------------------------------------
cp -p /etc/qrelay-milter.conf "$W/conf.orig"
out=$(/etc/init.d/qrelay-milter start 2>&1); rc=$?
check "no rcpthosts yet: the init script refuses to start (exit $rc) and says why" \
	sh -c "[ $rc -ne 0 ] && echo '$out' | grep -q 'rcpthosts: missing'"
check "... and nothing runs" no_daemon
# the package's own start at installation must not fail on that
rcd 0
DEBIAN_FRONTEND=noninteractive dpkg --configure --force-configure-any -a >/dev/null 2>&1
DEBIAN_FRONTEND=noninteractive apt-get install -y --reinstall "$deb" >"$W/reinstall.log" 2>&1
rc=$?
check "reinstall with service starts allowed, no rcpthosts: succeeds (exit $rc)" [ "$rc" -eq 0 ]
check "... the start was tried, and the reason and the way on are printed" sh -c \
	"grep -q 'rcpthosts: missing' '$W/reinstall.log' && grep -q 'qrelay-milter: installed, but not started' '$W/reinstall.log'"
rcd 101

# --- configured: the init script, a private Postfix on the packaged socket -----------
mkdir -p "$W/control"
echo example.com > "$W/control/rcpthosts"
printf '127.0.0.2:allow,RELAYCLIENT=""\n:allow\n' > "$W/tcp.smtp"
chmod -R a+rX "$W/control" "$W/tcp.smtp"
sed -i -e "s|^control_dir = .*|control_dir = \"$W/control\"|" /etc/qrelay-milter.conf
printf 'rules = "%s"\nreload_interval = 0\n' "$W/tcp.smtp" >> /etc/qrelay-milter.conf
out=$(runuser -u qrelay-milter -- /usr/sbin/qrelay-milter -n 2>&1)
check "qrelay-milter -n as qrelay-milter: $out" sh -c "echo '$out' | grep -q 'configuration OK'"
out=$(/etc/init.d/qrelay-milter start 2>&1); rc=$?
check "/etc/init.d/qrelay-milter start (exit $rc)" [ "$rc" -eq 0 ]
wait_until 30 test -S "$SOCK"
pid=$(daemons | head -n 1)
check "the daemon runs as qrelay-milter (pid ${pid:-none})" [ -n "$pid" ]
check "socket $SOCK: group postfix, mode 660 ($(stat -c '%U:%G %a' "$SOCK" 2>/dev/null))" \
	[ "$(stat -c '%G %a' "$SOCK" 2>/dev/null)" = "postfix 660" ]
check "init script status: running" sh -c "/etc/init.d/qrelay-milter status >/dev/null"

PFX_PORT=$(port_free 32025)
if pfx_setup "$PFX" "unix:$SOCK" && pfx_start "$PFX"; then
	ok "private Postfix on 127.0.0.1:$PFX_PORT, smtpd_milters = unix:$SOCK"
else
	bad "private Postfix starts"
fi
rcpt() {	# rcpt SRC RCPT: the RCPT reply code of one session
	swaks --server "127.0.0.1:$PFX_PORT" --local-interface "$1" --timeout 30 \
		--from s@sender.example --to "$2" >"$W/swaks.out" 2>&1
	sed -n '/^ *-> RCPT TO/{n;p;q;}' "$W/swaks.out" | sed -n 's/^<[-*]* *\([0-9][0-9][0-9] [0-9.]*\).*/\1/p'
}
got=$(rcpt 127.0.0.1 a@example.com)
check "hosted recipient: 250 ($got)" [ "$got" = "250 2.1.5" ]
got=$(rcpt 127.0.0.1 a@evil.example)
check "foreign recipient from a stranger: 553 5.7.1 ($got)" [ "$got" = "553 5.7.1" ]
got=$(rcpt 127.0.0.2 a@evil.example)
check "foreign recipient from a RELAYCLIENT address: 250 ($got)" [ "$got" = "250 2.1.5" ]

echo new.example >> "$W/control/rcpthosts"
out=$(/etc/init.d/qrelay-milter reload 2>&1); rc=$?
check "init script reload (exit $rc)" [ "$rc" -eq 0 ]
newdom() { [ "$(rcpt 127.0.0.1 a@new.example)" = "250 2.1.5" ]; }
check "after reload: the new rcpthosts domain is accepted" wait_until 30 newdom
check "the same daemon after reload" [ "$(daemons)" = "$pid" ]
out=$(/etc/init.d/qrelay-milter stop 2>&1); rc=$?
check "init script stop (exit $rc)" [ "$rc" -eq 0 ]
check "... the daemon is gone" wait_until 30 no_daemon
/etc/init.d/qrelay-milter status >/dev/null 2>&1; rc=$?
check "init script status after stop: 3 (not running) ($rc)" [ "$rc" -eq 3 ]
rcpt 127.0.0.1 a@example.com >/dev/null
got=$(grep -m1 '^<[-*]* *4[0-9][0-9] ' "$W/swaks.out" | sed 's/^<[-*]* *//')
check "milter down: Postfix tempfails, milter_default_action = tempfail ($got)" sh -c "grep -q '^<[-*]* *451 4' '$W/swaks.out' && ! grep -q '^<[-*]* *250 2.1.5' '$W/swaks.out'"

# --- the unit's command line, as its user, with a notify socket ----------------
cat > "$W/notify.pl" <<'PERL'
use strict; use warnings; use IO::Socket::UNIX; use Socket;
my ($path, $out) = @ARGV;
unlink $path;
my $s = IO::Socket::UNIX->new(Type => SOCK_DGRAM, Local => $path) or die "$path: $!";
chmod 0777, $path;
open(my $o, '>>', $out) or die; $o->autoflush(1);
while (1) { my $m; defined($s->recv($m, 4096)) or last; print $o "$m\n"; }
PERL
perl "$W/notify.pl" "$W/notify.sock" "$W/notify.log" &
npid=$!
wait_until 30 test -S "$W/notify.sock"
NOTIFY_SOCKET=$W/notify.sock JOURNAL_STREAM= setpriv --reuid=qrelay-milter --regid=qrelay-milter --init-groups \
	/usr/sbin/qrelay-milter -f >"$W/unit.out" 2>&1 &
upid=$!
check "ExecStart as User=qrelay-milter: READY=1 sent" wait_until 30 grep -qx 'READY=1' "$W/notify.log"
check "... with a STATUS= line" grep -q '^STATUS=serving on ' "$W/notify.log"
got=$(rcpt 127.0.0.1 a@evil.example)
check "... and it answers: 553 5.7.1 ($got)" [ "$got" = "553 5.7.1" ]
kill -TERM "$upid"
check "SIGTERM: STOPPING=1 sent" wait_until 30 grep -qx 'STOPPING=1' "$W/notify.log"
wait "$upid"; rc=$?
check "... and it exits 0 ($rc)" [ "$rc" -eq 0 ]
kill "$npid" 2>/dev/null; wait "$npid" 2>/dev/null
pfx_stop "$PFX"

# --- the expire timer's command: nothing to do without a backend -------------------
out=$(/usr/sbin/qrelayctl expire 2>&1); rc=$?
check "qrelayctl expire without pop_before_smtp: exit 0 ($out)" [ "$rc" -eq 0 ]

# --- purge ------------------------------------------------------------------------
DEBIAN_FRONTEND=noninteractive apt-get purge -y qrelay-milter >"$W/purge.log" 2>&1
rc=$?
check "apt-get purge (exit $rc)" [ "$rc" -eq 0 ]
check "... binaries, conffile and socket directory gone" sh -c \
	"! test -e /usr/sbin/qrelay-milter && ! test -e /etc/qrelay-milter.conf && ! test -e '$(dirname "$SOCK")'"
check "... no qrelay-milter process left" no_daemon
check "... dpkg forgets it" sh -c "! dpkg-query -W -f '\${Status}' qrelay-milter 2>/dev/null | grep -q installed"

echo "# lintian: $(grep -cE '^[EWIPXNO]: ' "$W/lintian.out") tags; security exposure ${score:-?}"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
