# SPDX-License-Identifier: BSD-2-Clause
# tests/mta/sendmail.sh - a private, throw-away Sendmail 8.17 for tests.
#
# Source this file (POSIX sh or bash), then:
#
#   sm_setup DIR MILTER NET_PORT   write DIR/etc/qrelay.mc, build
#                          DIR/etc/sendmail.cf with m4, create the queue.
#                          MILTER is a port (the milter is reached at
#                          inet:PORT@127.0.0.1, the README's snippet), a
#                          socket spec for S= (unix:/path, inet:PORT@HOST),
#                          or "none" (no INPUT_MAIL_FILTER at all: an open
#                          relay on loopback, the benchmark's ceiling);
#                          non-hosted mail is sent to 127.0.0.1:NET_PORT
#                          (an SMTP sink standing for the Internet).
#   sm_start DIR           start the daemon on 127.0.0.1:$SM_PORT (default
#                          2526), wait for it to listen.
#   sm_stop DIR            stop it and wait until its port is free.
#   sm_snippet DIR         print the documented .mc lines (see below).
#
# SM_NAME (default mta.sm.test) is the instance's host name.  SM_ROUTES=1
# builds it with _USE_DEPRECATED_ROUTE_ADDR_, so that it routes source
# routes (<@hop:user@domain>) to their first hop instead of stripping them.
#
# Optional, for sm_setup (all off by default):
#   SM_MSA_PORT=N  a second listener, 127.0.0.1:N, DAEMON_OPTIONS with
#                  Name=$SM_MSA_NAME (default MSA): the milter sees
#                  {daemon_name} = MSA there and MTA on $SM_PORT.  No M=a:
#                  Sendmail itself does not insist on AUTH, the milter does.
#                  sm_start waits for both ports.
#   SM_V6=1        also listen on [::1]:$SM_PORT (Name=MTA6).
#   SM_RUN_AS=USER:GROUP  RunAsUser: the listening daemon stays root, but
#                  its sessions (and their milter connections) and its
#                  mailers run as USER:GROUP; the queue, the statistics file
#                  and the maildir are given to it.  Not with SM_SASL (the
#                  sasldb is root's).
#   SM_SASL=1      offer SMTP AUTH (PLAIN, LOGIN; TRUST_AUTH_MECH) from a
#                  Cyrus sasldb, DIR/etc/sasl/sasldb2; add users with
#                    sm_add_sasl_user DIR USER@REALM PASSWORD
#                  Sendmail clears its environment before it starts Cyrus
#                  SASL and has no option for the SASL configuration path,
#                  so SASL_CONF_PATH cannot reach libsasl2, which reads
#                  Sendmail.conf only from its compiled-in path (/etc/sasl2,
#                  /etc/sasl, the plugin dir, /usr/lib/sasl2).  sm_start
#                  therefore runs it in its own mount namespace too
#                  (unshare --mount, private propagation) and bind-mounts
#                  DIR/etc/sasl over the first of /etc/sasl2, /etc/sasl,
#                  /usr/lib/sasl2 that exists; nothing changes outside
#                  that namespace, which goes away with the daemon.  Where
#                  no private mount namespace can be made (in a chroot,
#                  whose root is not a mount point), it writes
#                  /etc/sasl2/Sendmail.conf for the test instead, keeping
#                  a copy of any such file, and sm_stop puts it back.
#
# Hosted domains (SM_HOSTED, default "example.com example.net", each with
# its subdomains) are delivered locally into the maildir DIR/maildir/new by
# a tiny mailer; every other domain goes to the sink.  Sendmail's own relay
# check is off (promiscuous_relay) so the milter is the relay authority: a
# loopback-only open relay without it, for tests only.
#
# Debian's sendmail-bin conflicts with postfix, so scripts/install-deps.sh
# unpacks it into $SM_PREFIX (default /opt/qrelay-test/sendmail) instead of
# installing it.  Sendmail stalls 60 s at startup when the machine's host
# name is unqualified, so it runs in its own UTS namespace (unshare --uts)
# under its own name (SM_NAME).  Needs root.

SM_PORT=${SM_PORT:-2526}
SM_NAME=${SM_NAME:-mta.sm.test}
SM_PREFIX=${SM_PREFIX:-/opt/qrelay-test/sendmail}
SM_HOSTED=${SM_HOSTED:-example.com example.net}
SM_BIN=$SM_PREFIX/usr/libexec/sendmail/sendmail

# Ports: tests/lib/wait.sh (sourced from the repository root).
. tests/lib/wait.sh

_sm_pid() {
	[ -r "$1/run/sendmail.pid" ] || return 1
	_sm_p=$(head -n 1 "$1/run/sendmail.pid" 2>/dev/null | tr -dc "0-9")
	[ -n "$_sm_p" ] && [ -r "/proc/$_sm_p/stat" ] || return 1
	case $(sed 's/.*) //' "/proc/$_sm_p/stat" | cut -c1) in
	'' | Z | X) return 1 ;;
	esac
	echo "$_sm_p"
}

sm_setup() {
	if [ $# -ne 3 ]; then
		echo "usage: sm_setup DIR MILTER NET_PORT" >&2
		return 2
	fi
	case $2 in
	none) _sm_filter="dnl no milter" ;;
	unix:/* | inet:* | inet6:*) _sm_filter="INPUT_MAIL_FILTER(\`qrelay', \`S=$2, F=T, T=S:4m;R:4m')dnl" ;;
	*[!0-9]* | '')
		echo "sm_setup: MILTER must be a port, unix:/path, inet:PORT@HOST or none, not '$2'" >&2
		return 2
		;;
	*) _sm_filter="INPUT_MAIL_FILTER(\`qrelay', \`S=inet:$2@127.0.0.1, F=T, T=S:4m;R:4m')dnl" ;;
	esac
	if [ ! -x "$SM_BIN" ] || [ ! -f "$SM_PREFIX/usr/share/sendmail/cf/m4/cf.m4" ]; then
		echo "sm_setup: no Sendmail under $SM_PREFIX; run scripts/install-deps.sh" >&2
		return 1
	fi
	mkdir -p "$1/etc" "$1/spool/mqueue" "$1/run" "$1/maildir/new" "$1/maildir/tmp" || return 1
	_sm_dir=$(cd "$1" && pwd -P) || return 1
	# Sendmail insists that the queue is not group/world writable.
	chmod 700 "$_sm_dir/spool/mqueue" || return 1
	echo "$SM_PORT" >"$_sm_dir/port"
	echo "$SM_NAME" >"$_sm_dir/name"
	_sm_routes=
	[ "${SM_ROUTES:-0}" = 1 ] && _sm_routes="define(\`_USE_DEPRECATED_ROUTE_ADDR_')dnl"
	# optional listeners and SMTP AUTH (see above); the .mc is the same as
	# before when none is asked for
	_sm_more=
	rm -f "$_sm_dir/msaport" "$_sm_dir/sasl"
	if [ -n "${SM_MSA_PORT:-}" ]; then
		case $SM_MSA_PORT in
		*[!0-9]*)
			echo "sm_setup: SM_MSA_PORT must be a number, not '$SM_MSA_PORT'" >&2
			return 2
			;;
		esac
		echo "$SM_MSA_PORT" >"$_sm_dir/msaport"
		_sm_more="DAEMON_OPTIONS(\`Port=$SM_MSA_PORT, Addr=127.0.0.1, Name=${SM_MSA_NAME:-MSA}')dnl
"
	fi
	if [ "${SM_V6:-0}" = 1 ]; then
		_sm_more="${_sm_more}DAEMON_OPTIONS(\`Port=$SM_PORT, Addr=::1, Family=inet6, Name=MTA6')dnl
"
	fi
	if [ -n "${SM_RUN_AS:-}" ]; then
		case $SM_RUN_AS in
		*:*) ;;
		*)
			echo "sm_setup: SM_RUN_AS must be USER:GROUP, not '$SM_RUN_AS'" >&2
			return 2
			;;
		esac
		_sm_more="${_sm_more}define(\`confRUN_AS_USER', \`$SM_RUN_AS')dnl
"
	fi
	if [ "${SM_SASL:-0}" = 1 ]; then
		mkdir -p "$_sm_dir/etc/sasl" || return 1
		chmod 755 "$_sm_dir/etc/sasl" || return 1
		printf '%s\n' "pwcheck_method: auxprop" "auxprop_plugin: sasldb" \
			"mech_list: PLAIN LOGIN" "sasldb_path: $_sm_dir/etc/sasl/sasldb2" \
			>"$_sm_dir/etc/sasl/Sendmail.conf" || return 1
		: >"$_sm_dir/sasl"
		_sm_more="${_sm_more}define(\`confAUTH_MECHANISMS', \`PLAIN LOGIN')dnl
TRUST_AUTH_MECH(\`PLAIN LOGIN')dnl
"
	fi
	: >"$_sm_dir/etc/local-host-names"
	: >"$_sm_dir/etc/trusted-users"
	: >"$_sm_dir/etc/helpfile"
	: >"$_sm_dir/etc/statistics"
	echo "hosts files" >"$_sm_dir/etc/service.switch"
	for _sm_d in $SM_HOSTED; do echo "$_sm_d"; done >"$_sm_dir/etc/hosted-domains"
	# The local "mailbox store": one file per delivered message, first line
	# naming the recipient.
	cat >"$_sm_dir/etc/deliver.sh" <<EOF
#!/bin/sh
f=\$(mktemp "$_sm_dir/maildir/tmp/msg.XXXXXX") || exit 75
{ echo "Delivered-To: \$1"; cat; } >"\$f" && mv "\$f" "$_sm_dir/maildir/new/" || exit 75
EOF
	chmod 755 "$_sm_dir/etc/deliver.sh"

	# LOCAL_RULE_0 lines need a tab between the left and the right side.
	_sm_tab=$(printf '\t')
	cat >"$_sm_dir/etc/qrelay.mc" <<EOF
divert(-1)
# Private test instance written by tests/mta/sendmail.sh - do not edit.
divert(0)dnl
OSTYPE(\`linux')dnl
define(\`confDOMAIN_NAME', \`$SM_NAME')dnl
$_sm_routes
define(\`QUEUE_DIR', \`$_sm_dir/spool/mqueue')dnl
define(\`confPID_FILE', \`$_sm_dir/run/sendmail.pid')dnl
define(\`ALIAS_FILE', \`')dnl
define(\`STATUS_FILE', \`$_sm_dir/etc/statistics')dnl
define(\`HELP_FILE', \`$_sm_dir/etc/helpfile')dnl
define(\`confCW_FILE', \`-o $_sm_dir/etc/local-host-names')dnl
define(\`confCT_FILE', \`-o $_sm_dir/etc/trusted-users')dnl
define(\`confSERVICE_SWITCH_FILE', \`$_sm_dir/etc/service.switch')dnl
define(\`confHOSTS_FILE', \`/etc/hosts')dnl
define(\`confDEAD_LETTER_DROP', \`$_sm_dir/spool/dead.letter')dnl
define(\`confDONT_BLAME_SENDMAIL', \`ClassFileInUnsafeDirPath')dnl
define(\`confREFUSE_LA', \`999')dnl
define(\`confQUEUE_LA', \`999')dnl
define(\`confDELIVERY_MODE', \`background')dnl
dnl Local deliveries (its own names, addresses without a domain) are
dnl discarded, like Postfix's local_transport = discard in postfix.sh: no
dnl aliases (A), no passwd check (w), no -f (f).  A mailer without \$u in
dnl its arguments would be spoken to in SMTP, hence the unused \$u.
define(\`LOCAL_MAILER_PATH', \`/bin/sh')dnl
define(\`LOCAL_MAILER_ARGS', \`sh -c cat>/dev/null \$u')dnl
MODIFY_MAILER_FLAGS(\`LOCAL', \`-Awf')dnl
define(\`confTO_ICONNECT', \`5s')dnl
define(\`confTO_CONNECT', \`5s')dnl
define(\`SMART_HOST', \`esmtp:[127.0.0.1]')dnl
define(\`ESMTP_MAILER_ARGS', \`TCP \$h $3')dnl
FEATURE(\`no_default_msa')dnl
FEATURE(\`nocanonify')dnl
FEATURE(\`accept_unresolvable_domains')dnl
FEATURE(\`accept_unqualified_senders')dnl
DAEMON_OPTIONS(\`Port=$SM_PORT, Addr=127.0.0.1, Name=MTA')dnl
${_sm_more}dnl >>> qrelay-milter documented snippet (quoted verbatim by the README) >>>
FEATURE(\`promiscuous_relay')dnl
$_sm_filter
dnl <<< qrelay-milter documented snippet <<<
MAILER(\`local')dnl
MAILER(\`smtp')dnl
MAILER_DEFINITIONS
Mqrhosted, P=/bin/sh, F=lsDFMqS, S=EnvFromL/HdrFromL, R=EnvToL/HdrToL,
	T=DNS/RFC822/X-Unix, A=sh $_sm_dir/etc/deliver.sh \$u
LOCAL_CONFIG
F{QrHosted}$_sm_dir/etc/hosted-domains
LOCAL_RULE_0
R\$* < @ \$={QrHosted} . > \$*${_sm_tab}\$#qrhosted \$: \$1@\$2
R\$* < @ \$={QrHosted} > \$*${_sm_tab}\$#qrhosted \$: \$1@\$2
R\$* < @ \$+ . \$={QrHosted} . > \$*${_sm_tab}\$#qrhosted \$: \$1@\$2.\$3
R\$* < @ \$+ . \$={QrHosted} > \$*${_sm_tab}\$#qrhosted \$: \$1@\$2.\$3
EOF
	m4 "$SM_PREFIX/usr/share/sendmail/cf/m4/cf.m4" "$_sm_dir/etc/qrelay.mc" \
		>"$_sm_dir/etc/sendmail.cf" 2>"$_sm_dir/etc/m4.err" || {
		echo "sm_setup: m4 failed:" >&2
		cat "$_sm_dir/etc/m4.err" >&2
		return 1
	}
	if [ -n "${SM_RUN_AS:-}" ]; then
		# the daemon stays root (it writes the pid file); its sessions
		# and mailers write these
		chown -R "$SM_RUN_AS" "$_sm_dir/spool" "$_sm_dir/maildir" \
			"$_sm_dir/etc/statistics" || return 1
	fi
}

# sm_add_sasl_user DIR USER@REALM PASSWORD: add a user to DIR's sasldb
# (SM_SASL=1); Sendmail reads it as root, so it stays root's, 0600.
sm_add_sasl_user() {
	_sm_dir=$(cd "$1" && pwd -P) || return 1
	printf '%s' "$3" | saslpasswd2 -p -c -f "$_sm_dir/etc/sasl/sasldb2" \
		-u "${2#*@}" "${2%@*}" || return 1
	chmod 600 "$_sm_dir/etc/sasl/sasldb2"
}

# The SASL configuration directory that sm_start covers with DIR/etc/sasl:
# the first existing one of libsasl2's configuration path (never the
# plugin directory, whose mechanisms it must still find).
_sm_sasl_mount() {
	for _sm_m in /etc/sasl2 /etc/sasl /usr/lib/sasl2; do
		[ -d "$_sm_m" ] && { echo "$_sm_m"; return 0; }
	done
	echo "sm_start: none of /etc/sasl2, /etc/sasl, /usr/lib/sasl2 exists to bind-mount the SASL configuration on" >&2
	return 1
}

sm_snippet() {
	sed -n '/^dnl >>> qrelay-milter documented snippet/,/^dnl <<< qrelay-milter documented snippet/{/^dnl/d;p;}' \
		"$1/etc/qrelay.mc"
}

sm_start() {
	_sm_dir=$(cd "$1" && pwd -P) || return 1
	_sm_port=$(cat "$_sm_dir/port")
	_sm_name=$(cat "$_sm_dir/name")
	if port_listening "$_sm_port"; then
		echo "sm_start: TCP port $_sm_port is already in use" >&2
		return 1
	fi
	if [ -f "$_sm_dir/sasl" ] &&
		! unshare --mount --propagation private true 2>/dev/null; then
		# no private mount namespace here: the configuration goes
		# where libsasl2 looks first, for the test's lifetime
		if [ ! -f "$_sm_dir/sasl.placed" ]; then
			[ -d /etc/sasl2 ] || { mkdir /etc/sasl2 && : >"$_sm_dir/sasl.mkdir"; } || return 1
			[ -e /etc/sasl2/Sendmail.conf ] &&
				{ cp -p /etc/sasl2/Sendmail.conf "$_sm_dir/sasl.saved" || return 1; }
			: >"$_sm_dir/sasl.placed"
		fi
		cp "$_sm_dir/etc/sasl/Sendmail.conf" /etc/sasl2/Sendmail.conf || return 1
		unshare --uts sh -c "hostname '$_sm_name' && exec '$SM_BIN' -C '$_sm_dir/etc/sendmail.cf' -bd" \
			>"$_sm_dir/start.out" 2>&1
	elif [ -f "$_sm_dir/sasl" ]; then
		_sm_m=$(_sm_sasl_mount) || return 1
		unshare --uts --mount --propagation private sh -c \
			"mount --bind '$_sm_dir/etc/sasl' '$_sm_m' && hostname '$_sm_name' && exec '$SM_BIN' -C '$_sm_dir/etc/sendmail.cf' -bd" \
			>"$_sm_dir/start.out" 2>&1
	else
		unshare --uts sh -c "hostname '$_sm_name' && exec '$SM_BIN' -C '$_sm_dir/etc/sendmail.cf' -bd" \
			>"$_sm_dir/start.out" 2>&1
	fi || {
		echo "sm_start: sendmail -bd failed:" >&2
		cat "$_sm_dir/start.out" >&2
		return 1
	}
	for _sm_p in "$_sm_port" $(cat "$_sm_dir/msaport" 2>/dev/null); do
		if ! port_wait "$_sm_p" -; then
			echo "sm_start: Sendmail did not listen on 127.0.0.1:$_sm_p" >&2
			cat "$_sm_dir/start.out" >&2
			sm_stop "$_sm_dir"
			return 1
		fi
	done
}

# Put back what sm_start's SASL fallback replaced in /etc/sasl2.
_sm_sasl_restore() {
	[ -f "$1/sasl.placed" ] || return 0
	if [ -f "$1/sasl.saved" ]; then
		cp -p "$1/sasl.saved" /etc/sasl2/Sendmail.conf && rm -f "$1/sasl.saved"
	else
		rm -f /etc/sasl2/Sendmail.conf
	fi
	[ -f "$1/sasl.mkdir" ] && rmdir /etc/sasl2 2>/dev/null && rm -f "$1/sasl.mkdir"
	rm -f "$1/sasl.placed"
}

sm_stop() {
	[ -d "$1" ] || return 0
	_sm_dir=$(cd "$1" && pwd -P) || return 1
	_sm_sasl_restore "$_sm_dir"
	_sm_port=$(cat "$_sm_dir/port" 2>/dev/null || echo "$SM_PORT")
	for _sm_sig in TERM KILL; do
		_sm_p=$(_sm_pid "$_sm_dir") && kill "-$_sm_sig" "$_sm_p" 2>/dev/null
		_sm_i=0
		while [ "$_sm_i" -lt 100 ]; do
			if ! _sm_pid "$_sm_dir" >/dev/null && ! port_listening "$_sm_port"; then
				return 0
			fi
			_sm_i=$((_sm_i + 1))
			sleep 0.1
		done
	done
	echo "sm_stop: Sendmail in $_sm_dir did not stop" >&2
	return 1
}
