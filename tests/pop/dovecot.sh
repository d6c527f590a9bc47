#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# dovecot.sh - SMTP-after-POP end to end: a real Dovecot POP3 server
# (Debian dovecot-pop3d, private config, loopback, passwd-file users) with
# the documented post-login hook (examples/dovecot-postlogin.sh, which
# calls `qrelayctl allow`), a real private Postfix with the milter, and a
# client on its own loopback address (127.0.0.x).  A POP3 login lets that
# address relay; a failed login does not; after pop_expiry it is refused.
set -u
cd "$(dirname "$0")/../.."
. tests/pop/lib.sh
. tests/mta/postfix.sh
W=$QD_WORK
# the hook runs as Dovecot's internal user, who may not reach the build
# tree (a clone under /root is mode 700): it runs a copy in $W/bin
mkdir -p "$W/bin"
cp "$QR_BUILD/src/qrelayctl" "$W/bin/qrelayctl"
CTL=$W/bin/qrelayctl
D=$W/dovecot
PFX=$W/postfix
CLIENT=127.0.0.$((20 + $$ % 200))	# the roaming user's address
OTHER=127.0.0.$((21 + $$ % 200))

if [ ! -x /usr/sbin/dovecot ] || [ ! -x /usr/lib/dovecot/pop3 ]; then
	bad "dovecot-pop3d is not installed (scripts/install-deps.sh)"
	finish; exit 1
fi
dovecot_stop() {
	[ -f "$D/run/master.pid" ] || return 0
	dp=$(cat "$D/run/master.pid")
	kill -TERM "$dp" 2>/dev/null
	i=0
	while kill -0 "$dp" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	kill -KILL "$dp" 2>/dev/null
	rm -f "$D/run/master.pid"
}
cleanup() { qd_stop; pfx_stop "$PFX" 2>/dev/null; dovecot_stop; }
trap cleanup EXIT
end() { cleanup; finish; }	# finish removes $W

# everything below $W must be reachable by the dovecot and postfix users
chmod 755 "$W"
mkdir -p "$W/control" "$W/allow" "$D/run" "$D/mail"
chmod 755 "$D"
echo example.com > "$W/control/rcpthosts"
# the post-login hook runs as Dovecot's internal user: it writes pop_dir
chown dovecot "$W/allow"
{
	echo "control_dir = \"$W/control\""
	echo "pop_before_smtp = directory"
	echo "pop_dir = \"$W/allow\""
	echo "pop_expiry = 3600"
} > "$W/qrelay.conf"
chmod 644 "$W/qrelay.conf"
# the documented hook, pointed at this build and configuration
sed -e "s|^QRELAYCTL=.*|QRELAYCTL=$CTL|" -e "s|^QRELAY_CONF=.*|QRELAY_CONF=$W/qrelay.conf|" \
	examples/dovecot-postlogin.sh > "$D/postlogin.sh"
chmod 755 "$D/postlogin.sh"

POP_PORT=$(port_free 31110)
echo "alice:{PLAIN}wonderland::::::" > "$D/passwd"
chmod 644 "$D/passwd"
chown nobody "$D/mail"
cat > "$D/dovecot.conf" <<DCONF
# private test instance written by tests/pop/dovecot.sh
base_dir = $D/run
state_dir = $D/state
instance_name = qrtest$$
protocols = pop3
listen = 127.0.0.1
log_path = $D/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain
mail_location = maildir:$D/mail/%u
first_valid_uid = 1
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $D/passwd
}
userdb {
  driver = static
  args = uid=nobody gid=nogroup home=$D/mail/%u
}
service pop3-login {
  inet_listener pop3 {
    address = 127.0.0.1
    port = $POP_PORT
  }
  inet_listener pop3s {
    port = 0
  }
}
service pop3 {
  executable = pop3 postlogin
}
service postlogin {
  executable = script-login $D/postlogin.sh
  user = \$default_internal_user
  # no address-space limit: the ASan build of qrelayctl maps terabytes
  vsz_limit = 0
  unix_listener postlogin {
  }
}
service anvil {
  chroot =
}
service imap-login {
  chroot =
}
service pop3-login {
  chroot =
}
DCONF
mkdir -p "$D/state"
if dovecot -c "$D/dovecot.conf" 2>"$D/start.err" && port_wait "$POP_PORT" -; then
	ok "private Dovecot POP3 on 127.0.0.1:$POP_PORT"
else
	bad "private Dovecot starts"; cat "$D/start.err" "$D/dovecot.log" 2>/dev/null | sed 's/^/# /'
	end; exit 1
fi

qd_start -c "$W/qrelay.conf" || { bad "daemon starts"; end; exit 1; }
PFX_PORT=$(port_free 31025)
pfx_setup "$PFX" "inet:127.0.0.1:$QD_PORT" && pfx_start "$PFX" || { bad "private Postfix starts"; end; exit 1; }
ok "private Postfix on 127.0.0.1:$PFX_PORT with the milter"

relay() {	# relay FROM_ADDR -> RCPT reply of a relay attempt from that address
	smtp_rcpt --local-interface "$1" --from alice@example.com --to friend@elsewhere.example
}
pop_login() {	# pop_login SRC USER PASS: a POP3 login and LIST with curl
	curl -s --max-time 10 --interface "$1" -u "$2:$3" "pop3://127.0.0.1:$POP_PORT/" >/dev/null
}

expect "before any login: relay refused" "553 5.7.1" "$(relay "$CLIENT")"
check "a failed POP3 login fails" sh -c "! curl -s --max-time 10 --interface $CLIENT -u alice:wrong pop3://127.0.0.1:$POP_PORT/ >/dev/null"
check "and records nothing" test ! -e "$W/allow/$CLIENT"
expect "after a failed login: relay refused" "553 5.7.1" "$(relay "$CLIENT")"
check "POP3 login from $CLIENT" pop_login "$CLIENT" alice wonderland
wait_until 30 test -e "$W/allow/$CLIENT"
check "the post-login hook recorded $CLIENT (USER=alice)" sh -c "tr '\\\\0' '\\\\n' < '$W/allow/$CLIENT' | grep -qx USER=alice"
expect "after the login: relay from $CLIENT accepted" "250 2.1.5" "$(relay "$CLIENT")"
check "whole message queued by Postfix" grep -q '250 2.0.0 Ok: queued' "$QD_WORK/swaks.out"
check "decision line names the relay-ctrl file" grep -q "client=$CLIENT .*verdict=accept .*pop-before-smtp relay-ctrl dir $W/allow/$CLIENT age" "$QD_LOG"
expect "another address still refused" "553 5.7.1" "$(relay "$OTHER")"
# the login is older than pop_expiry (set its time, rather than wait an hour)
touch -d "@$(( $(date +%s) - 3700 ))" "$W/allow/$CLIENT"
expect "after pop_expiry: relay refused again" "553 5.7.1" "$(relay "$CLIENT")"
check "POP3 login again" pop_login "$CLIENT" alice wonderland
fresh() { [ $(( $(date +%s) - $(stat -c %Y "$W/allow/$CLIENT") )) -lt 3600 ]; }
check "the hook renewed the entry" wait_until 30 fresh
expect "a new login opens the window again" "250 2.1.5" "$(relay "$CLIENT")"

end
