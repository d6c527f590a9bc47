#!/usr/bin/perl
# SPDX-License-Identifier: BSD-2-Clause
# smtpbench.pl - a timed SMTP client for the MTA benchmarks: SESSIONS
# processes send MESSAGES messages between them, each on a new connection
# (so one milter connection per message), one command at a time (no
# pipelining), and time every message from connect() to the reply to QUIT.
#
#   smtpbench.pl HOST PORT SESSIONS MESSAGES FROM RCPT
#
# Prints one line:
#   msgs=N ok=N failed=N secs=S rate=MSG/S p50_ms=X p90_ms=X max_ms=X
# where ok counts messages whose DATA was answered 250, and the
# latencies are over those.  A failed message prints its first bad reply
# on stderr (at most 5 of them).  Uses only perl-base (IO::Socket::INET,
# Time::HiRes).
use strict;
use warnings;
use IO::Socket::INET;
use Socket qw(IPPROTO_TCP TCP_NODELAY);
use Time::HiRes qw(time);

my ($host, $port, $sessions, $msgs, $from, $rcpt) = @ARGV;
die "usage: smtpbench.pl HOST PORT SESSIONS MESSAGES FROM RCPT\n" unless defined $rcpt;
$sessions = 1 if $sessions < 1;

my $body = "From: <$from>\r\nTo: <$rcpt>\r\nSubject: bench\r\n\r\n" . ("x" x 70 . "\r\n") x 10 . ".\r\n";

# one reply, possibly multi-line: its code, or "EOF"/"TIMEOUT"
sub reply {
	my ($s) = @_;
	my $line;
	while (1) {
		$line = eval {
			local $SIG{ALRM} = sub { die "timeout\n" };
			alarm 120;
			my $l = <$s>;
			alarm 0;
			$l;
		};
		return ('TIMEOUT', '') if $@;
		return ('EOF', '') unless defined $line;
		last if $line =~ /^\d{3}(?: |\r?$)/;
	}
	$line =~ s/\r?\n$//;
	return (substr($line, 0, 3), $line);
}

my $quiet = 0;	# say nothing more about failures

sub complain { print STDERR @_ unless $quiet }

# one message on its own connection: latency in seconds, or undef
sub message {
	my $t0 = time;
	my $s = IO::Socket::INET->new(PeerAddr => $host, PeerPort => $port, Proto => 'tcp',
		Timeout => 60);
	unless ($s) { complain("connect: $!\n"); return undef; }
	setsockopt($s, IPPROTO_TCP, TCP_NODELAY, 1);
	my @steps = (['connect', '', '220'], ['EHLO', "EHLO client.bench.test\r\n", '250'],
		['MAIL', "MAIL FROM:<$from>\r\n", '250'], ['RCPT', "RCPT TO:<$rcpt>\r\n", '250'],
		['DATA', "DATA\r\n", '354'], ['the message', $body, '250'], ['QUIT', "QUIT\r\n", '221']);
	for my $st (@steps) {
		my ($what, $cmd, $want) = @$st;
		print $s $cmd if $cmd ne '';
		$s->flush;
		my ($code, $line) = reply($s);
		if ($code ne $want) {
			complain("after $what: " . ($line ne "" ? $line : $code) . "\n");
			close $s;
			return undef;
		}
	}
	close $s;
	return time - $t0;
}

my $t0 = time;
my @kids;
for my $k (0 .. $sessions - 1) {
	my $n = int($msgs / $sessions) + ($k < $msgs % $sessions ? 1 : 0);
	pipe(my $r, my $w) or die "pipe: $!\n";
	my $pid = fork;
	die "fork: $!\n" unless defined $pid;
	if ($pid == 0) {
		close $r;
		my $errs = 0;
		for (1 .. $n) {
			$quiet = $errs >= 5;
			my $l = message();
			$errs++ unless defined $l;
			print $w defined $l ? sprintf("%.6f\n", $l) : "fail\n";
		}
		close $w;
		exit 0;
	}
	close $w;
	push @kids, [$pid, $r];
}
my (@lat, $failed);
$failed = 0;
for my $k (@kids) {
	my $r = $k->[1];
	while (my $l = <$r>) {
		chomp $l;
		if ($l eq 'fail') { $failed++ } else { push @lat, $l }
	}
	waitpid($k->[0], 0);
}
my $secs = time - $t0;
@lat = sort { $a <=> $b } @lat;
sub pct { my ($p) = @_; return @lat ? $lat[int($p * (@lat - 1) + 0.5)] * 1000 : 0 }
printf "msgs=%d ok=%d failed=%d secs=%.3f rate=%.1f p50_ms=%.1f p90_ms=%.1f max_ms=%.1f\n",
	$msgs, scalar @lat, $failed, $secs, $msgs / $secs, pct(0.5), pct(0.9), pct(1);
