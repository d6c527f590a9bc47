#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# dovecot-postlogin.sh - Dovecot post-login hook for SMTP-after-POP.
#
# After a successful POP3/IMAP login, record the client address with
# `qrelayctl allow` (relay-ctrl directory or the MySQL relay table, whatever
# qrelay-milter.conf configures), then carry on with the mail process.
# Dovecot sets $IP (the client address) and $USER (the login name).  A
# failure to record is logged but never blocks the login.
#
# dovecot.conf (see doc/smtp-after-pop.md, "Dovecot"):
#   service pop3 { executable = pop3 postlogin }
#   service imap { executable = imap postlogin }
#   service postlogin {
#     executable = script-login /usr/local/libexec/qrelay/dovecot-postlogin.sh
#     user = $default_internal_user   # must be able to write pop_dir
#     unix_listener postlogin { }
#   }
QRELAYCTL=/usr/sbin/qrelayctl
QRELAY_CONF=/etc/qrelay-milter.conf

if [ -n "${IP:-}" ]; then
	"$QRELAYCTL" -c "$QRELAY_CONF" allow "$IP" "${USER:-}" ||
		echo "dovecot-postlogin: qrelayctl allow $IP ${USER:-} failed" >&2
fi
exec "$@"
