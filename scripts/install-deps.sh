#!/bin/sh
# install-deps.sh - install what qrelay-milter needs to build and be tested,
# from Debian 12's packages.  Run as root.  Safe to run again.
set -eu
export DEBIAN_FRONTEND=noninteractive
# keep the postfix package from configuring (and starting) a system instance
echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
pkgs="build-essential autoconf automake pkg-config
      libmilter-dev libcdb-dev libconfuse-dev
      tinycdb ucspi-tcp miltertest swaks postfix postfix-cdb
      libsasl2-modules sasl2-bin m4 procps iproute2
      libwrap0 liblockfile1 libdb5.3 libnsl2 libldap-2.5-0 libsasl2-2 libssl3
      libmariadb-dev mariadb-server mariadb-client dovecot-pop3d curl"
missing=
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
if [ -n "$missing" ]; then
	apt-get update -q
	# shellcheck disable=SC2086
	apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=600 $missing
fi

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
