#!/usr/bin/perl
# SPDX-License-Identifier: BSD-2-Clause
# hold.pl - open connections to a milter socket and hold them.
#
#   perl hold.pl PORT N idle        N connections that send nothing
#   perl hold.pl PORT 1 trickle     one connection that announces a
#                                   100-byte frame and sends a byte of it
#                                   every 0.5 s
# Prints "open K" once the connections are made (K of N succeeded), and in
# trickle mode "closed after S s" when the milter closes the connection.
# Runs until killed (idle), or until closed (trickle, at most 120 s).
use strict;
use warnings;
use IO::Socket::INET;
use Time::HiRes qw(time sleep);
$| = 1;
my ($port, $n, $mode) = @ARGV;
my @s;
for (1 .. $n) {
	my $c = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$port", Timeout => 5);
	push @s, $c if $c;
}
print "open ", scalar(@s), "\n";
if ($mode eq 'trickle' && @s) {
	my $c = $s[0];
	$SIG{PIPE} = 'IGNORE';
	my $t0 = time;
	syswrite($c, pack('N', 100)) or do { print "closed after 0 s\n"; exit 0 };
	while (time - $t0 < 120) {
		sleep 0.5;
		my $w = syswrite($c, 'x');
		# a closed connection: the write fails, or a read sees EOF
		my $rin = '';
		vec($rin, fileno($c), 1) = 1;
		my $eof = select(my $rout = $rin, undef, undef, 0) > 0 &&
			!sysread($c, my $buf, 1);
		if (!defined $w || $eof) {
			printf "closed after %.0f s\n", time - $t0;
			exit 0;
		}
	}
	print "still open after 120 s\n";
	exit 0;
}
sleep 1 while 1;
