#!/usr/bin/perl
# SPDX-License-Identifier: BSD-2-Clause
# mta-writes.pl - the MTA side of the milter protocol, writing its packets
# the way a given MTA does, and timing every reply.
#
#   mta-writes.pl MODE SOCKET SESSIONS RCPT...
#
# MODE:
#   sendmail  the macros and their command as two writes, with Nagle's
#             algorithm on (as Sendmail 8.17 does)
#   postfix   the macros and their command in one write (as Postfix does),
#             Nagle's algorithm on as well: MAIL FROM gets no reply, so
#             the RCPT write waits for its ACK
#   bytes     every byte its own write with TCP_NODELAY and a short pause
#             between writes, so that the milter reads packets in pieces
# SOCKET: inet:PORT@HOST or unix:/path.  Each session negotiates (offering
# every protocol step and no-reply flag), sends connect, MAIL FROM (no
# reply if the milter takes SMFIP_NR_MAIL) and RCPT TO with their macros,
# then abort and quit; the sessions take the RCPTs in turn.  One line per
# reply:
#   connect REPLY MS
#   rcpt RCPT REPLY MS
# where REPLY is the reply command (c, y 553, ...) and MS the time from
# the first byte of the exchange to its reply.  Uses only perl-base.
use strict;
use warnings;
use IO::Socket::INET;
use IO::Socket::UNIX;
use Socket qw(IPPROTO_TCP TCP_NODELAY SOCK_STREAM);
use Time::HiRes qw(time usleep);

my ($mode, $spec, $n, @rcpts) = @ARGV;
die "usage: mta-writes.pl sendmail|postfix|bytes SOCKET SESSIONS RCPT...\n" unless @rcpts;
my $SMFIP_NR_MAIL = 0x4000;

sub pkt { my ($cmd, $data) = @_; return pack('N', length($data) + 1) . $cmd . $data }

sub readn {
	my ($s, $len) = @_;
	my $b = '';
	local $SIG{ALRM} = sub { die "no reply within 60 s\n" };
	alarm 60;
	while (length($b) < $len) {
		my $r = sysread($s, $b, $len - length($b), length($b));
		die "connection closed\n" unless $r;
	}
	alarm 0;
	return $b;
}

# one reply packet: its command, and the data
sub reply {
	my ($s) = @_;
	my ($len, $cmd) = unpack('Na', readn($s, 5));
	return ($cmd, $len > 1 ? readn($s, $len - 1) : '');
}

# send the packets of one step the way the MODE writes them
sub send_step {
	my ($s, @pkts) = @_;
	if ($mode eq 'postfix') {
		syswrite($s, join('', @pkts));
	} elsif ($mode eq 'sendmail') {
		syswrite($s, $_) for @pkts;
	} else {
		for my $byte (split //, join('', @pkts)) {
			syswrite($s, $byte);
			usleep(200);
		}
	}
}

sub show {
	my ($cmd, $data) = @_;
	return $cmd eq 'y' ? "y " . substr($data, 0, 3) : $cmd;
}

for my $i (0 .. $n - 1) {
	my $s;
	if ($spec =~ /^unix:(.+)$/) {
		$s = IO::Socket::UNIX->new(Type => SOCK_STREAM, Peer => $1) or die "connect $spec: $!\n";
	} elsif ($spec =~ /^inet:(\d+)@(.+)$/) {
		$s = IO::Socket::INET->new(PeerAddr => $2, PeerPort => $1, Proto => 'tcp')
			or die "connect $spec: $!\n";
		# Nagle stays on, as in Sendmail, except for the byte mode
		setsockopt($s, IPPROTO_TCP, TCP_NODELAY, 1) if $mode eq 'bytes';
	} else {
		die "bad socket $spec\n";
	}
	my $rcpt = $rcpts[$i % @rcpts];
	syswrite($s, pkt('O', pack('NNN', 6, 0x1ff, 0x1fffff)));
	my ($c, $d) = reply($s);
	die "no OPTNEG reply ($c)\n" unless $c eq 'O';
	my (undef, undef, $proto) = unpack('NNN', $d);
	my $t0 = time;
	send_step($s, pkt('D', "Cj\0mta.test\0{daemon_name}\0MTA\0"),
		pkt('C', "client.test\0" . "4" . pack('n', 40000) . "127.0.0.1\0"));
	($c, $d) = reply($s);
	printf "connect %s %.1f\n", show($c, $d), (time - $t0) * 1000;
	$t0 = time;
	send_step($s, pkt('D', "M{mail_mailer}\0esmtp\0{mail_addr}\0s\@outside.test\0"),
		pkt('M', "<s\@outside.test>\0"));
	unless ($proto & $SMFIP_NR_MAIL) {
		($c, $d) = reply($s);
		$t0 = time;
	}
	send_step($s, pkt('D', "R{rcpt_addr}\0$rcpt\0"), pkt('R', "<$rcpt>\0"));
	($c, $d) = reply($s);
	printf "rcpt %s %s %.1f\n", $rcpt, show($c, $d), (time - $t0) * 1000;
	send_step($s, pkt('A', ''), pkt('Q', ''));
	close $s;
}
