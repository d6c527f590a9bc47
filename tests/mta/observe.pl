#!/usr/bin/perl
# SPDX-License-Identifier: BSD-2-Clause
# observe.pl - what an MTA did with each probe of a corpus, sent by a relay
# client (so that the milter accepted everything and the MTA delivered
# what it could): the raw MAIL and RCPT texts, the MTA's own reading of
# them ({mail_addr}, {rcpt_addr}, from the milter's decision lines), and
# where the message arrived.  The rows feed tests/mta/differential.pl.
#
#   observe.pl MTA CORPUS MILTER_LOG SINK_DUMP HOSTED_DIR
#
# MTA is a tag (pfx, sm: the MTA calls itself mta.TAG.test); CORPUS the probe file sent (smtp-probe.pl
# format); MILTER_LOG the part of the milter's log written while it was
# sent; SINK_DUMP the smtp-sink dump of the outside; HOSTED_DIR the maildir
# "new" directory of the hosted domains.  Only probes with one recipient
# are recorded.  Output (format of differential.pl), one row per probe:
#
#   MTA NAME MAIL MTA_MAIL RCPT MTA_RCPT WHERE DELIVERED_TO ENVELOPE_SENDER
#
# WHERE is sink (relayed to the outside), hosted (the hosted maildir) or
# none (refused by the MTA, discarded or bounced).  Fields are escaped by
# enc(): "-" when absent, else "=" and the value with every byte outside
# printable ASCII, '\' and '%' written as %XX.
use strict;
use warnings;
use Cwd qw(abs_path);
use File::Basename qw(dirname);

require(dirname(abs_path(__FILE__)) . '/probe-lib.pl');

my ($mta, $corpus, $log, $sink, $hosted) = @ARGV;
die "usage: observe.pl MTA CORPUS MILTER_LOG SINK_DUMP HOSTED_DIR\n"
    unless defined $hosted;

sub enc {
	my ($s) = @_;
	return '-' unless defined $s;
	$s =~ s/([^\x21-\x7e]|[\\%])/sprintf('%%%02X', ord($1))/ge;
	return "=$s";
}

# a decision-line field: "..." with \" \\ \xNN escapes
sub unq {
	my ($s) = @_;
	$s =~ s/\\x([0-9a-f]{2})|\\(.)/defined $1 ? chr(hex($1)) : $2/ge;
	return $s;
}

# is $p the start of $s, up to a blank (or all of it)?
sub word_prefix {
	my ($p, $s) = @_;
	return index($s, $p) == 0 &&
	    (length($s) == length($p) || substr($s, length($p), 1) eq ' ');
}

# (raw MAIL, raw RCPT) -> (mta MAIL, mta RCPT), from the decision lines
my %reading;
open(my $lf, '<', $log) or die "$log: $!\n";
binmode $lf;
my $q = qr/"((?:[^"\\]|\\.)*)"/;
while (my $l = <$lf>) {
	next unless $l =~ / decision stage=rcpt .* from=$q mta_from=$q rcpt=$q mta_rcpt=$q /;
	my ($from, $mfrom, $rcpt, $mrcpt) = (unq($1), unq($2), unq($3), unq($4));
	$reading{"$from\n$rcpt"} = [ $mfrom eq '-' ? undef : $mfrom,
				    $mrcpt eq '-' ? undef : $mrcpt ];
}
close $lf;

# where each probe arrived: the first envelope that carries its X-Probe
# header (bounces, sent from <>, do not count)
my (%where, %to, %sender);
if (open(my $sf, '<', $sink)) {
	binmode $sf;
	local $/ = undef;
	my $dump = <$sf>;
	close $sf;
	for my $msg (split /^(?=X-Client-Addr: )/m, $dump) {
		my ($head) = split /\r?\n\r?\n/, $msg, 2;
		next unless defined $head;
		my ($mail) = $head =~ /^X-Mail-Args: (\S*)/m;
		my ($rcpt) = $head =~ /^X-Rcpt-Args: (\S*)/m;
		my ($probe) = $head =~ /^X-Probe: (\S+)/m;
		next unless defined $probe && defined $mail && $mail ne '<>';
		next unless $head =~ /^\s+by mta\.\Q$mta\E\.test /m;	# this MTA's
		next if exists $where{$probe};
		$where{$probe} = 'sink';
		$to{$probe} = $rcpt;
		$sender{$probe} = $mail;
	}
}
if (opendir(my $dh, $hosted)) {
	for my $f (sort readdir $dh) {
		next if $f =~ /^\./;
		open(my $mf, '<', "$hosted/$f") or next;
		binmode $mf;
		local $/ = undef;
		my $m = <$mf>;
		close $mf;
		my ($head) = split /\r?\n\r?\n/, $m, 2;
		my ($probe) = $head =~ /^X-Probe: (\S+)/m;
		my ($dt) = $head =~ /^Delivered-To: (.*)$/m;
		next unless defined $probe;
		next if exists $where{$probe};
		$where{$probe} = 'hosted';
		$to{$probe} = $dt;
		my ($rp) = $head =~ /^Return-Path: (\S*)/m;
		$sender{$probe} = $rp;
	}
	closedir $dh;
}

for my $p (probe_read($corpus)) {
	my ($name, $mail, @rcpts) = @$p;
	next unless @rcpts == 1;
	my $rcpt = probe_expand($rcpts[0]);
	# smtp-probe.pl sends the RCPT argument whole; the MTA passes the
	# milter its first word (parameters follow in argv[1..])
	my $arg = $rcpt;
	my $marg = $mail;
	my $r = $reading{"$marg\n$arg"};
	if (!$r) {	# the MTA split off ESMTP parameters: the longest
			# words that start the texts and end at a blank
		my $best = -1;
		for my $k (keys %reading) {
			my ($m0, $r0) = split /\n/, $k, 2;
			next unless word_prefix($m0, $mail) && word_prefix($r0, $rcpt);
			next if length($m0) + length($r0) <= $best;
			$best = length($m0) + length($r0);
			($marg, $arg, $r) = ($m0, $r0, $reading{$k});
		}
	}
	print join("\t", $mta, $name, enc($marg), enc($r ? $r->[0] : undef),
		   enc($arg), enc($r ? $r->[1] : undef),
		   $where{$name} // 'none', enc($to{$name}), enc($sender{$name})),
	    "\n";
}
