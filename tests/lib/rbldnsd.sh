# SPDX-License-Identifier: BSD-2-Clause
# rbldnsd.sh - a real rbldnsd on loopback for the DNSBL tests (sourced,
# POSIX sh, from the repository root; sources tests/lib/wait.sh).
#
# rbldnsd refuses to run as root: started by root it becomes user rbldns
# (which must exist: the Debian package creates it), so DIR is made
# traversable (755), the zone files readable (644) and DIR/log writable by
# that user.  Started by another user it stays that user.  It serves UDP
# only, so the port is chosen from /proc/net/udp and udp6.
#
#   rbl_start DIR ZONESPEC...
#                   start rbldnsd on 127.0.0.1, a free UDP port from
#                   $RBL_PORT_BASE (default 30500 + $$ % 400) up, serving
#                   ZONESPECs (zone:type:file, files relative to DIR);
#                   sets RBL_PORT and RBL_PID, waits (20 s at most) until
#                   it answers; its output goes to DIR/rbldnsd.out, the
#                   queries to DIR/log/queries.log.  False, with the
#                   output on stdout as "# " lines, if it does not start.
#   rbl_stop        SIGTERM and wait until it is gone
#   rbl_queries     the number of queries logged so far (the readiness
#                   probes of rbl_start and rbl_reload included: compare
#                   two counts)
#   rbl_reload      reload the zone files (changed in the same second
#                   too) and wait until it answers again
#   rbl_query NAME [TYPE [SECS]]
#                   one query (TYPE A, TXT, SOA, NS or a number; default
#                   A) to RBL_PORT; prints the rcode and the answer count,
#                   e.g. "NOERROR 1", or "none" (and false) when there is
#                   no reply within SECS (default 1)
. tests/lib/wait.sh

RBL_PORT=
RBL_PID=
RBL_DIR=
RBL_ZONE=
RBL_FILES=
_rbl_stamp=0

_rbl_udp_used() {	# _rbl_udp_used PORT
	_rbl_hex=$(printf '%04X' "$1")
	cat /proc/net/udp /proc/net/udp6 2>/dev/null | awk -v p=":$_rbl_hex" \
		'substr($2, length($2) - 4) == p { f = 1 } END { exit !f }'
}

rbl_query() {
	perl -e '
use strict;
use Socket;
my ($port, $name, $type, $wait) = @ARGV;
my %t = (A => 1, NS => 2, SOA => 6, TXT => 16);
$type = $t{uc $type} // $type;
socket(my $s, PF_INET, SOCK_DGRAM, 0) or die "socket: $!\n";
connect($s, pack_sockaddr_in($port, inet_aton("127.0.0.1"))) or die "connect: $!\n";
my $id = int(rand(65536));
my $q = pack("n6", $id, 0x0100, 1, 0, 0, 0);
$q .= pack("C/a*", $_) for split /\./, $name;
$q .= pack("Cnn", 0, $type, 1);
send($s, $q, 0) or do { print "none\n"; exit 1 };
my $end = time + $wait;
while ((my $left = $end - time) > 0) {
	my $rin = "";
	vec($rin, fileno($s), 1) = 1;
	last if select(my $rout = $rin, undef, undef, $left) <= 0;
	my $buf;
	last unless defined recv($s, $buf, 4096, 0);
	next if length($buf) < 12;
	my ($rid, $fl, $qd, $an) = unpack("n4", $buf);
	next if $rid != $id;
	my @rc = qw(NOERROR FORMERR SERVFAIL NXDOMAIN NOTIMP REFUSED);
	print $rc[$fl & 15] // ($fl & 15), " $an\n";
	exit 0;
}
print "none\n";
exit 1;
' "$RBL_PORT" "$1" "${2:-A}" "${3:-1}"
}

# answers with the first zone's SOA (the zones are loaded)
_rbl_ready() {
	case $(rbl_query "$RBL_ZONE" SOA 0.5 2>/dev/null) in
	NOERROR*) return 0 ;;
	esac
	return 1
}

_rbl_wait() {	# _rbl_wait SECS: until it answers or is gone
	_rbl_n=$(($1 * 4))
	while ! _rbl_ready; do
		proc_alive "$RBL_PID" || return 1
		_rbl_n=$((_rbl_n - 1))
		[ "$_rbl_n" -gt 0 ] || return 1
		sleep 0.1
	done
}

rbl_start() {
	RBL_DIR=$1
	shift
	RBL_ZONE=${1%%:*}
	RBL_ZONE=${RBL_ZONE%%,*}
	chmod 755 "$RBL_DIR" || return 1
	RBL_FILES=
	for _rbl_z in "$@"; do
		for _rbl_f in $(echo "${_rbl_z#*:*:}" | tr ',' ' '); do
			chmod 644 "$RBL_DIR/$_rbl_f" || return 1
			RBL_FILES="$RBL_FILES $_rbl_f"
		done
	done
	mkdir -p "$RBL_DIR/log" || return 1
	: > "$RBL_DIR/log/queries.log"
	chmod 644 "$RBL_DIR/log/queries.log"
	if [ "$(id -u)" = 0 ]; then
		chown rbldns "$RBL_DIR/log" "$RBL_DIR/log/queries.log" || return 1
	fi
	_rbl_port=$(_rbl_free "${RBL_PORT_BASE:-$((30500 + $$ % 400))}")
	_rbl_try=0
	while [ "$_rbl_try" -lt 5 ]; do	# a port taken meanwhile: the next
		RBL_PORT=$_rbl_port
		rbldnsd -n -b "127.0.0.1/$RBL_PORT" -w "$RBL_DIR" \
			-l +log/queries.log -t 60 -c 0 "$@" \
			> "$RBL_DIR/rbldnsd.out" 2>&1 &
		RBL_PID=$!
		if _rbl_wait 20; then
			return 0
		fi
		proc_stop "$RBL_PID" 5
		RBL_PID=
		grep -q 'Address already in use' "$RBL_DIR/rbldnsd.out" || break
		_rbl_port=$(_rbl_free $((_rbl_port + 1)))
		_rbl_try=$((_rbl_try + 1))
	done
	echo "# rbldnsd did not start:"
	sed 's/^/#   /' "$RBL_DIR/rbldnsd.out"
	RBL_PORT=
	return 1
}

_rbl_free() {
	_rbl_p=$1
	while _rbl_udp_used "$_rbl_p"; do _rbl_p=$((_rbl_p + 1)); done
	echo "$_rbl_p"
}

rbl_stop() {
	[ -n "$RBL_PID" ] || return 0
	proc_stop "$RBL_PID" 10
	RBL_PID=
}

rbl_queries() {
	wc -l < "$RBL_DIR/log/queries.log" | tr -d ' '
}

rbl_reload() {
	[ -n "$RBL_PID" ] || return 1
	# it reloads a file whose mtime changed: make it change, even
	# within the second of the last load or reload
	_rbl_t=$(($(date +%s) + 2))
	[ "$_rbl_t" -gt "$_rbl_stamp" ] || _rbl_t=$((_rbl_stamp + 1))
	_rbl_stamp=$_rbl_t
	for _rbl_f in $RBL_FILES; do
		touch -d "@$_rbl_t" "$RBL_DIR/$_rbl_f" || return 1
	done
	kill -HUP "$RBL_PID" || return 1
	sleep 0.2
	_rbl_wait 20
}
