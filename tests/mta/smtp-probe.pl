#!/usr/bin/perl
# SPDX-License-Identifier: BSD-2-Clause
# smtp-probe.pl - send raw SMTP transactions, one connection each, and print
# every reply code.  Used for the relay-probe corpus, where the exact bytes
# of MAIL FROM and RCPT TO matter (swaks always adds its own brackets).
#
#   smtp-probe.pl HOST PORT LOCAL_ADDR PROBE_FILE
#
# PROBE_FILE: the format of probe-lib.pl.  Each RCPT-ARG is sent
# verbatim after "RCPT TO:".  When a recipient is accepted, a message with
# an "X-Probe: NAME" header is sent, so that wherever it lands it can be
# told apart.  A field "--" (after the message) or "RSET" (instead of it)
# starts another transaction on the same connection; the next field is its
# MAIL-ARG.  Output, one line per probe (transactions joined by "|"):
#   NAME MAIL=250 RCPT=553[,250...] DATA=250|-
# Uses only perl-base (IO::Socket::INET).
use strict;
use warnings;
use Cwd qw(abs_path);
use File::Basename qw(dirname);
use IO::Socket::INET;

require(dirname(abs_path(__FILE__)) . '/probe-lib.pl');

my ($host, $port, $laddr, $file) = @ARGV;
die "usage: smtp-probe.pl HOST PORT LOCAL_ADDR PROBE_FILE\n" unless defined $file;

# Read one (possibly multi-line) reply; return its code, or "EOF"/"TIMEOUT".
sub reply {
	my ($sock) = @_;
	my $code = 'EOF';
	while (1) {
		my $line;
		eval {
			local $SIG{ALRM} = sub { die "timeout\n" };
			alarm 60;
			$line = <$sock>;
			alarm 0;
		};
		return 'TIMEOUT' if $@;
		return $code unless defined $line;
		$code = substr($line, 0, 3);
		return $code if length($line) < 4 || substr($line, 3, 1) ne '-';
	}
}

sub cmd {
	my ($sock, $text) = @_;
	print $sock "$text\r\n";
	return reply($sock);
}

for my $p (probe_read($file)) {
	my ($name, $mail, @rcpts) = @$p;
	my $sock = IO::Socket::INET->new(PeerAddr => $host, PeerPort => $port,
		LocalAddr => $laddr, Proto => 'tcp', Timeout => 30);
	unless ($sock) {
		print "$name CONNECT=failed\n";
		next;
	}
	binmode $sock;
	$sock->autoflush(1);
	my $greet = reply($sock);
	if ($greet !~ /^2/) {
		print "$name CONNECT=$greet\n";
		close $sock;
		next;
	}
	cmd($sock, "EHLO probe.test");
	my (@m, @rc, @d);
	while (1) {
		push @m, cmd($sock, "MAIL FROM:$mail");
		my (@codes, $any, $next);
		while (@rcpts) {
			my $r = shift @rcpts;
			if ($r eq '--' || $r eq 'RSET') {
				$next = $r;
				last;
			}
			my $c = cmd($sock, "RCPT TO:" . probe_expand($r));
			push @codes, $c;
			$any = 1 if $c =~ /^2/;
		}
		my $data = '-';
		if (defined $next && $next eq 'RSET') {
			$data = 'RSET=' . cmd($sock, "RSET");
		} elsif (!$any && defined $next) {
			$data = 'RSET=' . cmd($sock, "RSET");	# nothing to send; close it
		} elsif ($any) {
			$data = cmd($sock, "DATA");
			if ($data eq '354') {
				print $sock "X-Probe: $name\r\nSubject: relay probe $name\r\n\r\nprobe\r\n.\r\n";
				$data = reply($sock);
			}
		}
		push @rc, join(',', @codes);
		push @d, $data;
		last unless defined $next && @rcpts;
		$mail = shift @rcpts;
		$mail = $mail eq '-' ? '<s@outside.example>' : probe_expand($mail);
	}
	cmd($sock, "QUIT");
	close $sock;
	print "$name MAIL=" . join('|', @m) . " RCPT=" . join('|', @rc) .
	    " DATA=" . join('|', @d) . "\n";
}
