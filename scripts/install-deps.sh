#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# install-deps.sh - install what qrelay-milter needs, from Debian 12's
# packages.  Run as root.  Safe to run again.
#
#   sh scripts/install-deps.sh quickstart   build it and run it in Postfix
#   sh scripts/install-deps.sh [test]       build, package and test it all
#
# Services that come with the packages (MariaDB, Dovecot, rbldnsd) are not started
# while installing, and the ones this script installed are disabled: the
# tests start private instances of their own.
set -eu
export DEBIAN_FRONTEND=noninteractive
profile=${1:-test}
# keep the postfix package from configuring (and starting) a system instance
echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections

build="build-essential autoconf automake pkg-config
       libmilter-dev libcdb-dev libconfuse-dev libc-ares-dev libmariadb-dev
       libsystemd-dev libpsl-dev"
case $profile in
quickstart)
	pkgs="$build postfix swaks procps"
	;;
test)
	pkgs="$build
	      tinycdb ucspi-tcp miltertest swaks postfix postfix-cdb
	      libsasl2-modules sasl2-bin m4 procps iproute2
	      libwrap0 liblockfile1 libdb5.3 libnsl2 libldap-2.5-0 libsasl2-2 libssl3
	      mariadb-server mariadb-client dovecot-pop3d curl rbldnsd
	      debhelper dpkg-dev lintian mandoc systemd git clang libclang-rt-14-dev"
	;;
*)
	echo "usage: install-deps.sh [quickstart|test]" >&2
	exit 2
	;;
esac

missing=
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
if [ -n "$missing" ]; then
	# no service starts while its package is installed
	rcd=
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
		chmod 755 /usr/sbin/policy-rc.d
		rcd=1
	fi
	apt-get update -q
	# shellcheck disable=SC2086
	apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=600 $missing ||
		{ [ -n "$rcd" ] && rm -f /usr/sbin/policy-rc.d; exit 1; }
	[ -n "$rcd" ] && rm -f /usr/sbin/policy-rc.d
	# and the ones installed now stay off
	for ps in mariadb-server:mariadb dovecot-pop3d:dovecot rbldnsd:rbldnsd; do
		case " $missing " in
		*" ${ps%%:*} "*)
			command -v systemctl >/dev/null 2>&1 &&
				systemctl disable --now "${ps#*:}" >/dev/null 2>&1 || :
			;;
		esac
	done
fi
[ "$profile" = test ] || exit 0

# Sendmail 8.17 for the integration tests.  sendmail-bin conflicts with
# postfix (both are a mail-transport-agent), so it is not installed: its
# .debs are unpacked into a private prefix instead (the runtime libraries
# it needs are in the list above).  Nothing under /etc or /usr changes.
SM_PREFIX=${SM_PREFIX:-/opt/qrelay-test/sendmail}
if [ ! -x "$SM_PREFIX/usr/libexec/sendmail/sendmail" ] ||
	[ ! -f "$SM_PREFIX/usr/share/sendmail/cf/m4/cf.m4" ]; then
	dl=$(mktemp -d)
	chown _apt "$dl" 2>/dev/null || chmod 755 "$dl"	# apt downloads as user _apt
	(cd "$dl" && apt-get download sendmail-bin sendmail-cf) || {
		apt-get update -q
		(cd "$dl" && apt-get download sendmail-bin sendmail-cf)
	}
	mkdir -p "$SM_PREFIX"
	for d in "$dl"/*.deb; do dpkg -x "$d" "$SM_PREFIX"; done
	rm -rf "$dl"
fi
