# SPDX-License-Identifier: BSD-2-Clause
# tests/pop/mariadb.sh - a private, throw-away MariaDB server for tests.
#
# Source this file (POSIX sh), then:
#
#   mdb_setup DIR    create DIR/data with mariadb-install-db (no test db)
#   mdb_start DIR    start mariadbd on the unix socket DIR/sock, and on
#                    127.0.0.1:$MDB_PORT if MDB_PORT is set (otherwise
#                    --skip-networking: no TCP at all); waits until it
#                    answers
#   mdb_stop DIR     shut it down (SIGTERM, then SIGKILL) and wait
#   mdb_sql DIR      run SQL from stdin as the server's root user
#   mdb_relay_tables DIR
#                    the vpopmail and IndiMail relay tables (ip_addr and
#                    ipaddr widened to varchar(46) for IPv6, as the README
#                    says), and the user qrelay@localhost (password
#                    s3cret) that may SELECT, INSERT and DELETE in them
#
# Debian's mariadb-server provides the binaries; the system instance is never
# started or read (--no-defaults everywhere).  The server runs as root
# (--user=root) so no file ownership needs changing.

mdb_setup() {
	mkdir -p "$1" || return 1
	mariadb-install-db --no-defaults --datadir="$1/data" --user=root \
		--auth-root-authentication-method=normal --skip-test-db \
		>"$1/install.log" 2>&1 || {
		echo "mdb_setup: mariadb-install-db failed:" >&2
		tail -n 20 "$1/install.log" >&2
		return 1
	}
}

mdb_start() {
	rm -f "$1/sock"
	if [ -n "${MDB_PORT:-}" ]; then
		_mdb_net="--bind-address=127.0.0.1 --port=$MDB_PORT"
	else
		_mdb_net=--skip-networking
	fi
	# shellcheck disable=SC2086
	/usr/sbin/mariadbd --no-defaults --datadir="$1/data" \
		--socket="$1/sock" --pid-file="$1/pid" $_mdb_net \
		--user=root --log-error="$1/err.log" --skip-log-bin \
		--innodb-buffer-pool-size=16M --max-connections=50 \
		>/dev/null 2>&1 &
	echo $! >"$1/mpid"
	_mdb_i=0
	while ! mariadb --no-defaults -S "$1/sock" -u root -e 'select 1' >/dev/null 2>&1; do
		_mdb_i=$((_mdb_i + 1))
		if [ $_mdb_i -gt 300 ] || ! kill -0 "$(cat "$1/mpid")" 2>/dev/null; then
			echo "mdb_start: MariaDB did not come up:" >&2
			tail -n 20 "$1/err.log" >&2
			return 1
		fi
		sleep 0.1
	done
}

mdb_stop() {
	[ -f "$1/mpid" ] || return 0
	_mdb_pid=$(cat "$1/mpid")
	kill -CONT "$_mdb_pid" 2>/dev/null	# in case a test stopped it
	kill -TERM "$_mdb_pid" 2>/dev/null
	_mdb_i=0
	while kill -0 "$_mdb_pid" 2>/dev/null && [ $_mdb_i -lt 300 ]; do
		sleep 0.1
		_mdb_i=$((_mdb_i + 1))
	done
	kill -KILL "$_mdb_pid" 2>/dev/null
	wait "$_mdb_pid" 2>/dev/null
	rm -f "$1/mpid"
}

mdb_sql() {
	mariadb --no-defaults -S "$1/sock" -u root -N -B
}

mdb_relay_tables() {
	mdb_sql "$1" <<'SQL'
CREATE DATABASE vpopmail;
CREATE DATABASE indimail;
CREATE TABLE vpopmail.relay (ip_addr varchar(46) NOT NULL DEFAULT '',
  timestamp char(12) DEFAULT NULL, PRIMARY KEY (ip_addr));
CREATE TABLE indimail.relay (email char(96) NOT NULL,
  ipaddr varchar(46) NOT NULL, timestamp int,
  UNIQUE KEY (email, ipaddr), KEY (ipaddr), KEY (timestamp));
CREATE USER 'qrelay'@'localhost' IDENTIFIED BY 's3cret';
GRANT SELECT, INSERT, DELETE ON vpopmail.relay TO 'qrelay'@'localhost';
GRANT SELECT, INSERT, DELETE ON indimail.relay TO 'qrelay'@'localhost';
SQL
}
