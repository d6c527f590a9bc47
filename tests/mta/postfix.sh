# SPDX-License-Identifier: BSD-2-Clause
# tests/mta/postfix.sh - a private, throw-away Postfix instance for tests.
#
# Source this file (POSIX sh or bash), then:
#
#   pfx_setup DIR MILTER   write DIR/etc/{main.cf,master.cf} and create the
#                          queue/data dirs under DIR.  MILTER is in Postfix
#                          syntax, e.g. inet:127.0.0.1:8893 or unix:/run/x.sock.
#   pfx_start DIR          start it (fails if the port is taken or it does
#                          not come up; prints the maillog then).
#   pfx_stop DIR           stop it and wait until its port is free.
#   pfx_log DIR            print the maillog.
#   pfx_snippet DIR        print the documented main.cf lines (see below).
#   pfx_add_sasl_user DIR USER@REALM PASSWORD   (with PFX_SASL=1)
#
# Optional environment for pfx_setup:
#   PFX_NET_PORT=N   deliver hosted domains (PFX_HOSTED, default
#                    "example.com example.net", each with its subdomains)
#                    into the maildir DIR/mail/hosted/ with virtual(8), and
#                    every other domain by SMTP to 127.0.0.1:N (an SMTP sink
#                    standing for the Internet).  Without it, everything is
#                    discarded.
#   PFX_SASL=1       offer SMTP AUTH (PLAIN, LOGIN) from a Cyrus sasldb in
#                    DIR/etc/sasl/ (no saslauthd needed).
#   PFX_SUBMIT_PORT=N  a second smtpd, a submission-style listener, on
#                    127.0.0.1:N: it always offers SMTP AUTH (the same
#                    sasldb; add users with pfx_add_sasl_user) and sends the
#                    milter {daemon_name} = $PFX_SUBMIT_NAME (default
#                    ORIGINATING, with -o milter_macro_daemon_name); the
#                    main listener sends the default, $myhostname
#                    (mta.pfx.test).  pfx_start waits for both ports.
#   PFX_V6=1         the main smtpd also listens on [::1]:$PFX_PORT.
#
# The instance is a separate config_directory + queue_directory: the system's
# /etc/postfix instance is never started, read for settings or changed.  It
# listens on 127.0.0.1:$PFX_PORT (default 2525) only, every transport is
# discard(8) so nothing leaves the box, it logs to DIR/maillog (no syslogd
# needed), and 127.0.0.0/8 may use XCLIENT to present any client IP.
# Postfix's own relay check is made permissive so the milter is the relay
# authority: a loopback-only open relay, for tests only.
#
# Needs root and Debian's postfix package (installed with "No configuration",
# so /etc/postfix/main.cf may be absent).

PFX_PORT=${PFX_PORT:-2525}

# Ports: tests/lib/wait.sh (sourced from the repository root).
. tests/lib/wait.sh

# Absolute, physical path of an existing directory.
_pfx_abs() {
	(cd "$1" && pwd -P)
}

_pfx_master_pid() {
	_pfx_pidf="$1/spool/pid/master.pid"
	[ -r "$_pfx_pidf" ] || return 1
	_pfx_pid=$(tr -dc '0-9' <"$_pfx_pidf")
	[ -n "$_pfx_pid" ] || return 1
	# master.pid survives a stop: make sure the pid is still a live master
	# (not reused, not a zombie)
	[ "$(cat "/proc/$_pfx_pid/comm" 2>/dev/null)" = master ] || return 1
	case $(sed 's/.*) //' "/proc/$_pfx_pid/stat" 2>/dev/null | cut -c1) in
	'' | Z | X) return 1 ;;
	esac
	echo "$_pfx_pid"
}

pfx_setup() {
	if [ $# -ne 2 ] || [ -z "$1" ] || [ -z "$2" ]; then
		echo "usage: pfx_setup DIR MILTER" >&2
		return 2
	fi
	mkdir -p "$1/etc" "$1/spool" "$1/data" || return 1
	_pfx_dir=$(_pfx_abs "$1") || return 1
	case $PFX_PORT in
	'' | *[!0-9]*)
		echo "pfx_setup: PFX_PORT must be a number, not '$PFX_PORT'" >&2
		return 2
		;;
	esac
	# Postfix daemons drop privileges to user postfix; they must be able to
	# reach the queue (mktemp -d makes 0700 dirs).
	chmod 755 "$_pfx_dir" "$_pfx_dir/etc" || return 1
	# master(8) creates its lock file in data_directory as user postfix.
	chown postfix "$_pfx_dir/data" || return 1
	chmod 700 "$_pfx_dir/data" || return 1
	if command -v runuser >/dev/null 2>&1 &&
		! runuser -u postfix -- test -x "$_pfx_dir/data/."; then
		echo "pfx_setup: user postfix cannot reach $_pfx_dir; make its parent directories searchable (chmod 755, e.g. of a mktemp -d dir)" >&2
		return 1
	fi
	echo "$PFX_PORT" >"$_pfx_dir/port"
	_pfx_extra=
	_pfx_master_extra=
	_pfx_mydest=
	_pfx_transport="default_transport = discard:test
relay_transport = discard:test
local_transport = discard:test
virtual_transport = discard:test"
	if [ -n "${PFX_NET_PORT:-}" ]; then
		# A regexp table: a plain ".domain" list entry did not match
		# subdomains for virtual_mailbox_domains here.
		for _pfx_d in ${PFX_HOSTED:-example.com example.net}; do
			printf '/(^|\\.)%s$/ OK\n' "$(printf '%s' "$_pfx_d" | sed 's/\./\\./g')"
		done >"$_pfx_dir/etc/hosted.regexp" || return 1
		mkdir -p "$_pfx_dir/mail" || return 1
		chown nobody:nogroup "$_pfx_dir/mail" || return 1
		# as on a real server: the own name and localhost are local,
		# which is what the percent hack and bang paths aim at
		_pfx_mydest='$myhostname, localhost'
		_pfx_transport="default_transport = smtp
relay_transport = smtp
local_transport = discard:test
relayhost = [127.0.0.1]:$PFX_NET_PORT
smtp_dns_support_level = disabled
virtual_mailbox_domains = regexp:$_pfx_dir/etc/hosted.regexp
virtual_mailbox_base = $_pfx_dir/mail
virtual_mailbox_maps = static:hosted/
virtual_uid_maps = static:$(id -u nobody)
virtual_gid_maps = static:$(getent group nogroup | cut -d: -f3)
virtual_transport = virtual"
		_pfx_master_extra="smtp      unix  - - n - - smtp
virtual   unix  - n n - - virtual"
	fi
	if [ "${PFX_SASL:-0}" = 1 ] || [ -n "${PFX_SUBMIT_PORT:-}" ]; then
		# Debian's smtpd reads $config_directory/sasl/smtpd.conf (and
		# ignores cyrus_sasl_config_path).
		mkdir -p "$_pfx_dir/etc/sasl" || return 1
		printf '%s\n' "pwcheck_method: auxprop" "auxprop_plugin: sasldb" \
			"mech_list: PLAIN LOGIN" "sasldb_path: $_pfx_dir/etc/sasl/sasldb2" \
			>"$_pfx_dir/etc/sasl/smtpd.conf" || return 1
		# the main listener offers AUTH only with PFX_SASL=1; a
		# submission listener turns it on for itself (master.cf)
		_pfx_auth="smtpd_sasl_auth_enable = yes
"
		[ "${PFX_SASL:-0}" = 1 ] || _pfx_auth=
		_pfx_extra="$_pfx_extra
${_pfx_auth}smtpd_sasl_type = cyrus
smtpd_sasl_path = smtpd
smtpd_sasl_security_options = noanonymous
smtpd_tls_auth_only = no"
	fi

	# main.cf: '#' comments are only allowed at the start of a line.
	cat >"$_pfx_dir/etc/main.cf" <<EOF
# Private test instance written by tests/mta/postfix.sh - do not edit.
compatibility_level = 3.6
queue_directory = $_pfx_dir/spool
data_directory = $_pfx_dir/data
alternate_config_directories = $_pfx_dir/etc
myhostname = mta.pfx.test
mydomain = pfx.test
myorigin = \$myhostname
inet_interfaces = loopback-only
inet_protocols = all
mynetworks = 127.0.0.0/8 [::1]/128
mydestination = $_pfx_mydest
relay_domains =
local_recipient_maps =
alias_maps =
alias_database =
$_pfx_transport
disable_dns_lookups = yes
smtp_host_lookup = native
smtpd_peername_lookup = no
maillog_file = $_pfx_dir/maillog
maillog_file_prefixes = $_pfx_dir
smtpd_recipient_restrictions =
smtpd_client_restrictions =
smtpd_helo_restrictions =
smtpd_sender_restrictions =
smtpd_authorized_xclient_hosts = 127.0.0.0/8
smtpd_client_connection_count_limit = 0
smtpd_client_connection_rate_limit = 0
smtpd_client_message_rate_limit = 0
smtpd_client_recipient_rate_limit = 0
biff = no
$_pfx_extra

# >>> qrelay-milter documented snippet (quoted verbatim by the README) >>>
smtpd_milters = $2
milter_default_action = tempfail
milter_protocol = 6
smtpd_relay_restrictions = check_client_access static:OK, reject_unauth_destination
# <<< qrelay-milter documented snippet <<<
EOF

	# extra listeners (none unless asked for)
	_pfx_listen=
	rm -f "$_pfx_dir/submitport"
	if [ -n "${PFX_SUBMIT_PORT:-}" ]; then
		case $PFX_SUBMIT_PORT in
		*[!0-9]*)
			echo "pfx_setup: PFX_SUBMIT_PORT must be a number, not '$PFX_SUBMIT_PORT'" >&2
			return 2
			;;
		esac
		echo "$PFX_SUBMIT_PORT" >"$_pfx_dir/submitport"
		_pfx_listen="127.0.0.1:$PFX_SUBMIT_PORT inet n - n - 100 smtpd
  -o milter_macro_daemon_name=${PFX_SUBMIT_NAME:-ORIGINATING}
  -o smtpd_sasl_auth_enable=yes
"
	fi
	if [ "${PFX_V6:-0}" = 1 ]; then
		_pfx_listen="$_pfx_listen[::1]:$PFX_PORT inet n - n - 100 smtpd
"
	fi

	# master.cf: no chroot anywhere, so nothing has to be copied into the
	# queue; postlog is needed for maillog_file.
	cat >"$_pfx_dir/etc/master.cf" <<EOF
# Private test instance written by tests/mta/postfix.sh - do not edit.
127.0.0.1:$PFX_PORT inet n - n - 100 smtpd
${_pfx_listen}pickup    unix  n - n 60 1 pickup
cleanup   unix  n - n - 0 cleanup
qmgr      unix  n - n 300 1 qmgr
rewrite   unix  - - n - - trivial-rewrite
bounce    unix  - - n - 0 bounce
defer     unix  - - n - 0 bounce
trace     unix  - - n - 0 bounce
verify    unix  - - n - 1 verify
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n - - proxymap
showq     unix  n - n - - showq
error     unix  - - n - - error
retry     unix  - - n - - error
discard   unix  - - n - - discard
anvil     unix  - - n - 1 anvil
scache    unix  - - n - 1 scache
postlog   unix-dgram n - n - 1 postlogd
$_pfx_master_extra
EOF
}

# pfx_add_sasl_user DIR USER@REALM PASSWORD: add a user to DIR's sasldb.
pfx_add_sasl_user() {
	_pfx_dir=$(_pfx_abs "$1") || return 1
	printf '%s' "$3" | saslpasswd2 -p -c -f "$_pfx_dir/etc/sasl/sasldb2" \
		-u "${2#*@}" "${2%@*}" || return 1
	chown root:postfix "$_pfx_dir/etc/sasl/sasldb2" &&
		chmod 640 "$_pfx_dir/etc/sasl/sasldb2"
}

# Print the documented snippet lines (between the markers, markers excluded).
pfx_snippet() {
	sed -n '/^# >>> qrelay-milter documented snippet/,/^# <<< qrelay-milter documented snippet/{/^#/d;p;}' \
		"$1/etc/main.cf"
}

pfx_log() {
	[ -f "$1/maillog" ] && cat "$1/maillog"
	return 0
}

pfx_start() {
	if [ $# -ne 1 ] || [ ! -f "$1/etc/main.cf" ]; then
		echo "pfx_start: usage: pfx_start DIR (after pfx_setup DIR ...)" >&2
		return 2
	fi
	_pfx_dir=$(_pfx_abs "$1") || return 1
	_pfx_port=$(cat "$_pfx_dir/port")
	if _pfx_master_pid "$_pfx_dir" >/dev/null; then
		echo "pfx_start: already running in $_pfx_dir" >&2
		return 1
	fi
	if port_listening "$_pfx_port"; then
		echo "pfx_start: TCP port $_pfx_port is already in use" >&2
		return 1
	fi
	# "postfix check" prints fatal config errors only to a tty or the
	# maillog, so show the maillog on failure.
	if ! postfix -c "$_pfx_dir/etc" check >/dev/null 2>&1; then
		echo "pfx_start: 'postfix -c $_pfx_dir/etc check' failed:" >&2
		pfx_log "$_pfx_dir" | tail -n 20 >&2
		return 1
	fi
	if ! postfix -c "$_pfx_dir/etc" start >"$_pfx_dir/start.out" 2>&1; then
		echo "pfx_start: 'postfix -c $_pfx_dir/etc start' failed:" >&2
		cat "$_pfx_dir/start.out" >&2
		pfx_log "$_pfx_dir" | tail -n 20 >&2
		return 1
	fi
	# Wait for master to open the smtpd port(s).
	for _pfx_p in "$_pfx_port" $(cat "$_pfx_dir/submitport" 2>/dev/null); do
		if ! port_wait "$_pfx_p" -; then
			echo "pfx_start: Postfix did not listen on 127.0.0.1:$_pfx_p" >&2
			pfx_log "$_pfx_dir" | tail -n 20 >&2
			pfx_stop "$_pfx_dir"
			return 1
		fi
	done
	return 0
}

# Stop the instance: "postfix stop", then "postfix abort", then SIGKILL to
# master, waiting after each for master to go and the port to be free.
# Safe to call when it is not running (e.g. from a trap).
pfx_stop() {
	[ -d "$1" ] || return 0
	_pfx_dir=$(_pfx_abs "$1") || return 1
	_pfx_port=$(cat "$_pfx_dir/port" 2>/dev/null || echo "$PFX_PORT")
	for _pfx_how in stop abort kill; do
		_pfx_pid=$(_pfx_master_pid "$_pfx_dir") || _pfx_pid=
		if [ -z "$_pfx_pid" ] && ! port_listening "$_pfx_port"; then
			return 0
		fi
		if [ -n "$_pfx_pid" ]; then
			case $_pfx_how in
			kill) kill -KILL "$_pfx_pid" 2>/dev/null ;;
			*) postfix -c "$_pfx_dir/etc" "$_pfx_how" >/dev/null 2>&1 ;;
			esac
		fi
		# up to 10 s per step
		_pfx_i=0
		while [ "$_pfx_i" -lt 100 ]; do
			if ! _pfx_master_pid "$_pfx_dir" >/dev/null &&
				! port_listening "$_pfx_port"; then
				return 0
			fi
			_pfx_i=$((_pfx_i + 1))
			sleep 0.1
		done
	done
	echo "pfx_stop: Postfix in $_pfx_dir did not stop (port $_pfx_port still in use?)" >&2
	return 1
}
