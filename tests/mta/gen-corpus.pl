#!/usr/bin/perl
# SPDX-License-Identifier: BSD-2-Clause
# gen-corpus.pl - the generated relay-probe corpus: MAIL FROM and RCPT TO
# texts built by a small grammar around a hosted and a foreign address.
#
#   perl tests/mta/gen-corpus.pl > corpus.txt
#
# Output: probe lines for tests/mta/smtp-probe.pl (NAME, MAIL, RCPT, tab
# separated; "\t" stands for a tab byte, "\xNN" for any byte).  Every probe
# has one recipient.  Sent by a client that may not relay, none of them may
# reach the outside: the "foreign" ones are built so that whatever an MTA
# reads in them, the address it routes is foreign, or hosted, or nothing;
# the senders only mention the relaymailfrom address (trusted@partner.example
# in tests/data/mta), never use it.
#
# The grammar: a recipient is WRAPPER(CORE).  CORE is an address with a
# routing trick or an odd spelling (foreign, or hosted for the reverse
# check); WRAPPER puts it in brackets, comments, quoted strings, display
# names, lists, routes, blanks and ESMTP parameters, next to a hosted decoy
# that a careless reader would take instead.  Every core goes through the
# main wrappers and the main cores through every wrapper.
use strict;
use warnings;

my $decoy = 'x@example.com';	# hosted: what a careless reader would judge

# CORE: name => address text (without brackets)
my @cores = (
	[ 'plain',	 'victim@elsewhere.example' ],
	[ 'upper',	 'VICTIM@ELSEWHERE.EXAMPLE' ],
	[ 'mixed',	 'Victim@ElseWhere.Example' ],
	[ 'dot',	 'victim@elsewhere.example.' ],
	[ 'dot2',	 'victim@elsewhere.example..' ],
	[ 'hprefix',	 'victim@example.com.elsewhere.example' ],
	[ 'hsuffix',	 'victim@notexample.com' ],
	[ 'pct-hosted',	 'victim%elsewhere.example@example.com' ],
	[ 'pct-local',	 'victim%elsewhere.example@localhost' ],
	[ 'pct-LOCAL',	 'victim%elsewhere.example@LOCALHOST' ],
	[ 'pct-pfx',	 'victim%elsewhere.example@mta.pfx.test' ],
	[ 'pct-sm',	 'victim%elsewhere.example@mta.sm.test' ],
	[ 'pct-lit',	 'victim%elsewhere.example@[127.0.0.1]' ],
	[ 'pct-bare',	 'victim%elsewhere.example' ],
	[ 'pct2',	 'victim%elsewhere.example%example.net@example.com' ],
	[ 'bang-hosted', 'elsewhere.example!victim@example.com' ],
	[ 'bang-local',	 'elsewhere.example!victim@localhost' ],
	[ 'bang-sm',	 'elsewhere.example!victim@mta.sm.test' ],
	[ 'bang-bare',	 'elsewhere.example!victim' ],
	[ 'qat-hosted',	 '"victim@elsewhere.example"@example.com' ],
	[ 'qat-local',	 '"victim@elsewhere.example"@localhost' ],
	[ 'qpct-local',	 '"victim%elsewhere.example"@localhost' ],
	[ 'qat-bare',	 '"victim@elsewhere.example"' ],
	[ 'qdecoy',	 '"<x@example.com>"@elsewhere.example' ],
	[ 'escat-local', 'victim\@elsewhere.example@localhost' ],
	[ 'escat-bare',	 'victim\@elsewhere.example' ],
	[ 'at2-local',	 'victim@elsewhere.example@localhost' ],
	[ 'at2-hosted',	 'victim@elsewhere.example@example.com' ],
	[ 'at2-rev',	 'victim@example.com@elsewhere.example' ],
	[ 'qlocal',	 '"victim"@elsewhere.example' ],
	[ 'qspace',	 '"vic tim"@elsewhere.example' ],
	[ 'qescq',	 '"vic\"tim"@elsewhere.example' ],
	[ 'bslash',	 'vic\im@elsewhere.example' ],
	[ 'lit4',	 'victim@[192.0.2.99]' ],
	[ 'lit6',	 'victim@[IPv6:2001:db8::99]' ],
	[ 'litname',	 'victim@[elsewhere.example]' ],
	[ 'unbr-lit',	 'victim@192.0.2.99' ],
	[ 'route',	 '@example.com:victim@elsewhere.example' ],
	[ 'route2',	 '@example.com,@example.net:victim@elsewhere.example' ],
	[ 'route-lit',	 '@[127.0.0.1]:victim@elsewhere.example' ],
	[ 'route-local', '@localhost:victim@elsewhere.example' ],
	[ 'route-pct',	 '@example.com:victim%elsewhere.example@localhost' ],
	# a Sendmail that honours source routes sends these to the first hop
	[ 'route-rev',	 '@elsewhere.example:user@example.com' ],
	[ 'route-rev2',	 '@a.example,@elsewhere.example:user@example.com' ],
	[ 'sp-at',	 'victim @elsewhere.example' ],
	[ 'sp-at2',	 'victim@ elsewhere.example' ],
	[ 'cmt-mid',	 'victim(x@example.com)@elsewhere.example' ],
	[ 'cmt-dom',	 'victim@(example.com)elsewhere.example' ],
	[ 'utf8-local',	 'v\xc3\xafctim@elsewhere.example' ],
	[ 'utf8-dom',	 'victim@elsewh\xc3\xa8re.example' ],
	[ 'tab-local',	 'vic\ttim@elsewhere.example' ],
	# hosted: the MTA delivers these to example.com (reverse check)
	[ 'H-plain',	 'user@example.com' ],
	[ 'H-upper',	 'USER@EXAMPLE.COM' ],
	[ 'H-dot',	 'user@example.com.' ],
	[ 'H-sub',	 'user@mail.example.com' ],
	[ 'H-quoted',	 '"user"@example.com' ],
	[ 'H-qspace',	 '"first last"@example.com' ],
	[ 'H-plus',	 'first.last+tag@example.com' ],
	[ 'H-local',	 'user' ],
	[ 'H-postmaster', 'postmaster' ],
);

# WRAPPER: name => sub(core) -> RCPT text.  $d is the hosted decoy.
my $d = $decoy;
my @wrappers = (
	[ 'br',		sub { "<$_[0]>" } ],
	[ 'nobr',	sub { $_[0] } ],
	[ 'sp-l',	sub { "< $_[0]>" } ],
	[ 'sp-r',	sub { "<$_[0] >" } ],
	[ 'tab-r',	sub { "<$_[0]\\t>" } ],
	[ 'cmt-in-r',	sub { "<$_[0] ($d)>" } ],
	[ 'cmt-in-l',	sub { "<($d)$_[0]>" } ],
	[ 'cmt-nest',	sub { "<$_[0](($d))>" } ],
	[ 'cmt-escp',	sub { "<$_[0](\\)$d)>" } ],
	[ 'cmt-br',	sub { "<$_[0](<$d>)>" } ],
	[ 'cmt-open',	sub { "<$_[0]($d>" } ],
	[ 'cmt-close',	sub { "<$_[0])$d(>" } ],
	[ 'cmt-out-l',	sub { "(<$d>)$_[0]" } ],
	[ 'cmt-out-lb',	sub { "(<$d>)<$_[0]>" } ],
	[ 'cmt-out-r',	sub { "<$_[0]>(<$d>)" } ],
	[ 'cmt-empty',	sub { "(<>)$_[0]" } ],
	[ 'cmt-bare',	sub { "($d)$_[0]" } ],
	[ 'cmt-nest-o',	sub { "((<$d>))$_[0]" } ],
	[ 'q-decoy',	sub { "\"<$d>\"<$_[0]>" } ],
	[ 'q-open',	sub { "\"<$d><$_[0]>" } ],
	[ 'name',	sub { "Victim<$_[0]>" } ],
	[ 'name-sp',	sub { "Victim <$_[0]>" } ],
	[ 'name-decoy',	sub { "$d<$_[0]>" } ],
	[ 'dbl',	sub { "<<$_[0]>>" } ],
	[ 'gt2',	sub { "<$_[0]>>" } ],
	[ 'lt2',	sub { "<<$_[0]>" } ],
	[ 'unclosed',	sub { "<$_[0]" } ],
	[ 'unopened',	sub { "$_[0]>" } ],
	[ 'two',	sub { "<$d><$_[0]>" } ],
	[ 'two-r',	sub { "<$_[0]><$d>" } ],
	[ 'trail',	sub { "<$_[0]>x" } ],
	[ 'list-l',	sub { "<$d,$_[0]>" } ],
	[ 'list-r',	sub { "<$_[0],$d>" } ],
	[ 'semi',	sub { "<$d;$_[0]>" } ],
	[ 'group',	sub { "<g:$_[0];>" } ],
	[ 'route-pre',	sub { "<\@example.com:$_[0]>" } ],
	[ 'param',	sub { "<$_[0]> NOTIFY=NEVER" } ],
	[ 'orcpt',	sub { "<$_[0]> ORCPT=rfc822;$d" } ],
);

# Every core through these wrappers, and these cores through every wrapper.
my %main_wrapper = map { $_ => 1 } qw(br nobr cmt-in-r cmt-out-l q-decoy);
my %main_core = map { $_ => 1 } qw(plain dot pct-local qat-local route lit4 qlocal
	H-plain H-quoted);

my %seen;
for my $c (@cores) {
	my ($cn, $core) = @$c;
	for my $w (@wrappers) {
		my ($wn, $f) = @$w;
		next unless $main_wrapper{$wn} || $main_core{$cn};
		my $rcpt = $f->($core);
		next if $seen{$rcpt}++;
		print "g-$wn-$cn\t-\t$rcpt\n";
	}
}

# Senders that mention the relaymailfrom address without being it; the
# recipient is foreign, so any relaymailfrom grant bought this way shows
# up at the sink.
my $t = 'trusted@partner.example';
my $s = 's@outside.example';
my @senders = (
	[ 'cmt-out-l',	"(<$t>)$s" ],
	[ 'cmt-out-lb',	"(<$t>)<$s>" ],
	[ 'cmt-out-r',	"<$s>(<$t>)" ],
	[ 'cmt-in-r',	"<$s ($t)>" ],
	[ 'cmt-in-l',	"<($t)$s>" ],
	[ 'cmt-empty',	"(<>)$s" ],
	[ 'q-decoy',	"\"<$t>\"<$s>" ],
	[ 'q-local',	"<\"<$t>\"\@outside.example>" ],
	[ 'q-at',	"<\"$t\"\@outside.example>" ],
	[ 'name-decoy',	"$t<$s>" ],
	[ 'two',	"<$t><$s>" ],
	[ 'dbl',	"<<$s>>" ],
	[ 'list',	"<$t,$s>" ],
	[ 'route',	"<\@partner.example:$s>" ],
	[ 'escat',	"<trusted\\\@partner.example\@outside.example>" ],
	[ 'pct',	"<trusted%partner.example\@outside.example>" ],
	[ 'bang',	"<partner.example!trusted\@outside.example>" ],
	[ 'suffix',	"<trusted\@partner.example.outside.example>" ],
	[ 'prefix',	"<xtrusted\@partner.example>" ],
	[ 'sub',	"<trusted\@sub.partner.example>" ],
	[ 'nobr-cmt',	"$s($t)" ],
	[ 'param',	"<$s> AUTH=<$t>" ],
	[ 'trail',	"<$s>$t" ],
	[ 'unclosed',	"<$s" ],
	[ 'gt2',	"<$s>>" ],
);
for my $x (@senders) {
	my ($n, $mail) = @$x;
	print "m-$n\t$mail\t<victim\@elsewhere.example>\n";
}
