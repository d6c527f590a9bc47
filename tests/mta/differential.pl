#!/usr/bin/perl
# SPDX-License-Identifier: BSD-2-Clause
# differential.pl - the core's verdict on the MTA's reading of an address
# against where the MTA really delivered it.
#
#   differential.pl QRELAYCTL CONTROL_DIR RULES ROWS...
#
# ROWS are files written by tests/mta/observe.pl: for each probe of the
# relay-probe corpus, the raw MAIL and RCPT texts, what the MTA passed as
# {mail_addr} and {rcpt_addr}, and where the MTA delivered the message
# when a relay client sent it.  Each row is decided again by the core
# (`qrelayctl check`), this time for a client that may not relay
# (127.0.0.1, the rule ":allow" of tests/data/mta/tcp.smtp), with the MTA's
# readings given as --mail-addr / --rcpt-addr.  The oracle: an accepted
# recipient must never be one the MTA relayed to the outside, unless the
# envelope sender the MTA used is in relaymailfrom (a grant qmail gives
# too).  Prints "ok"/"not ok" per row, a summary, and last
# "N passed, N failed".
use strict;
use warnings;

my ($ctl, $control, $rules, @files) = @ARGV;
die "usage: differential.pl QRELAYCTL CONTROL_DIR RULES ROWS...\n" unless @files;

sub dec {
	my ($s) = @_;
	return undef if $s eq '-';
	$s = substr($s, 1);
	$s =~ s/%([0-9A-F]{2})/chr(hex($1))/ge;
	return $s;
}

sub printable {
	my ($s) = @_;
	return '-' unless defined $s;
	$s =~ s/([^\x20-\x7e])/sprintf('\\x%02x', ord($1))/ge;
	return $s;
}

my %rmf;
if (open(my $f, '<', "$control/relaymailfrom")) {
	while (<$f>) {
		chomp;
		s/[ \t]+$//;
		next if /^#/ || $_ eq '';
		$rmf{lc $_} = 1;
	}
	close $f;
}

sub granted_sender {	# is the envelope sender (e.g. "<a@b>") in relaymailfrom?
	my ($s) = @_;
	return 0 unless defined $s;
	$s = lc $s;
	$s =~ s/^<(.*)>$/$1/;
	my ($dom) = $s =~ /(@[^@]*)$/;
	return $rmf{$s} || (defined $dom && $rmf{$dom});
}

my ($pass, $fail) = (0, 0);
my %count;
my (@rows, %group);	# rows sharing a sender are decided in one session
for my $file (@files) {
	open(my $fh, '<', $file) or die "$file: $!\n";
	binmode $fh;
	while (my $l = <$fh>) {
		chomp $l;
		next if $l =~ /^#/ || $l eq '';
		my @f = split /\t/, $l;
		unless (@f == 9) {
			$fail++;
			print "not ok - $file:$.: malformed row\n";
			next;
		}
		my ($mta, $name, @v) = @f;
		my ($mail, $mmail, $rcpt, $mrcpt, $where, $to, $sender) =
		    (dec($v[0]), dec($v[1]), dec($v[2]), dec($v[3]), $v[4],
		     dec($v[5]), dec($v[6]));
		push @rows, [ $mta, $name, $mail, $mmail, $rcpt, $mrcpt, $where,
			      $to, $sender ];
		push @{ $group{join("\n", $v[0], $v[1], defined $mrcpt ? 1 : 0)} },
		    $#rows;
	}
	close $fh;
}

for my $k (sort keys %group) {
	my @idx = @{ $group{$k} };
	my ($mail, $mmail) = @{ $rows[ $idx[0] ] }[2, 3];
	my @args = ('check', '-d', $control, '-x', $rules,
		    '--ip', '127.0.0.1', '--from', $mail);
	push @args, '--mail-addr', $mmail if defined $mmail;
	for my $i (@idx) {
		push @args, '--rcpt-addr', $rows[$i][5] if defined $rows[$i][5];
	}
	push @args, '--', map { $rows[$_][4] } @idx;
	my $pid = open(my $out, '-|');
	die "fork: $!\n" unless defined $pid;
	if ($pid == 0) {
		open(STDERR, '>', '/dev/null');
		exec $ctl, @args;
		exit 127;
	}
	my @res = <$out>;
	close $out;
	for my $j (0 .. $#idx) {
		my ($mta, $name, undef, undef, $rcpt, $mrcpt, $where, $to, $sender) =
		    @{ $rows[ $idx[$j] ] };
		my $res = $res[$j] // '';
		my ($verdict) = $res =~ /^(\S+)/;
		$verdict //= 'error';
		$count{"$verdict/$where"}++;
		my $what = sprintf('%s %s: rcpt %s (MTA: %s) -> %s %s', $mta,
				   $name, printable($rcpt), printable($mrcpt),
				   $where, printable($to));
		if ($verdict eq 'error' || $verdict eq 'tempfail') {
			$fail++;
			print "not ok - $what: qrelayctl said: $res\n";
		} elsif ($verdict eq 'accept' && $where eq 'sink' &&
			 !granted_sender($sender)) {
			$fail++;
			print "not ok - $what: accepted, and the MTA relayed it from ",
			    printable($sender), "\n";
		} else {
			$pass++;
			print "ok - $what: $verdict\n";
		}
	}
}
print "# verdict/where the MTA delivered it (relay client): ",
    join(', ', map { "$_ $count{$_}" } sort keys %count), "\n";
print "$pass passed, $fail failed\n";
exit($fail ? 1 : 0);
