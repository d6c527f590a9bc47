#!/bin/sh
# install-deps.sh - install what qrelay-milter needs to build and be tested,
# from Debian 12's packages.  Run as root.  Safe to run again.
set -eu
export DEBIAN_FRONTEND=noninteractive
# keep the postfix package from configuring (and starting) a system instance
echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
pkgs="build-essential autoconf automake pkg-config
      libmilter-dev libcdb-dev libconfuse-dev
      tinycdb ucspi-tcp miltertest swaks postfix
      libsasl2-modules sasl2-bin m4 procps iproute2
      libmariadb-dev mariadb-server mariadb-client dovecot-pop3d curl"
missing=
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
if [ -n "$missing" ]; then
	apt-get update -q
	# shellcheck disable=SC2086
	apt-get install -y -q --no-install-recommends $missing
fi
