# SPDX-License-Identifier: BSD-2-Clause
# probe-lib.pl - the probe-file format shared by smtp-probe.pl and
# observe.pl: NAME <TAB> MAIL-ARG <TAB> RCPT-ARG [<TAB> RCPT-ARG ...], '#'
# lines and blank lines skipped.  MAIL-ARG "-" means "<s@outside.example>".
# In the arguments, \xNN is a byte, \t a tab, and {C*N} the character C
# repeated N times.
use strict;
use warnings;

sub probe_expand {
	my ($s) = @_;
	$s =~ s/\{(.)\*(\d+)\}/$1 x $2/ge;
	$s =~ s/\\x([0-9A-Fa-f]{2})/chr(hex($1))/ge;
	$s =~ s/\\t/\t/g;
	return $s;
}

# The probes of a file: a list of [NAME, MAIL, RCPT-FIELD...], with MAIL
# expanded and the RCPT fields as written ("--" and "RSET" are markers).
sub probe_read {
	my ($file) = @_;
	my @probes;
	open(my $fh, '<', $file) or die "$file: $!\n";
	binmode $fh;
	while (my $l = <$fh>) {
		chomp $l;
		next if $l =~ /^\s*(#|$)/;
		my ($name, $mail, @rcpts) = split /\t+/, $l;
		die "$file:$.: want NAME, MAIL and at least one RCPT, tab separated\n"
		    unless @rcpts;
		$mail = $mail eq '-' ? '<s@outside.example>' : probe_expand($mail);
		push @probes, [ $name, $mail, @rcpts ];
	}
	close $fh;
	return @probes;
}

1;
