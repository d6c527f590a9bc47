# SPDX-License-Identifier: BSD-2-Clause
# vecread.awk - the one reader of the decision-vector format (README.md
# here).  Every runner (qrelayctl, miltertest, ...) reads its output, never
# the .vec file itself:
#
#   awk -f tests/vectors/vecread.awk FILE.vec
#
# prints one tab-separated record per line that matters:
#
#   D  LINE  control|rules|config  VALUE
#   V  LINE  VERDICT  CODE  IP  HOST  AUTH  FROM  MTA_FROM  RCPT  MTA_RCPT  WANT
#   E  LINE  MESSAGE                      (a malformed line: count it as failed)
#
# No field is ever empty, so that sh's `read` (which merges empty fields
# separated by tabs) splits records correctly:
#   HOST, AUTH  "-" when absent;
#   FROM        the sender as the MTA passes it; "-" in the file means "<>";
#   MTA_FROM, MTA_RCPT, WANT
#               "-" when absent, else "=" followed by the value ("=" alone
#               is the empty string, e.g. Postfix's {mail_addr} for <>).
# A sender or recipient field "RAW => MTA" gives the MTA's own reading
# ({mail_addr} / {rcpt_addr}); "RAW => \"\"" gives it as the empty string.

function trim(s) {
	sub(/^[ \t]+/, "", s)
	sub(/[ \t]+$/, "", s)
	return s
}

function err(msg) {
	printf "E\t%d\t%s\n", NR, msg
	bad = 1
}

# split "RAW => MTA": sets raw_part and mta_part ("-" or "=MTA")
function split_mta(f,    p) {
	p = index(f, " => ")
	if (p == 0) {
		raw_part = f
		mta_part = "-"
		return
	}
	raw_part = trim(substr(f, 1, p - 1))
	mta_part = trim(substr(f, p + 4))
	if (mta_part == "\"\"")
		mta_part = ""
	mta_part = "=" mta_part
}

{
	line = $0
	t = trim(line)
	if (t == "" || substr(t, 1, 1) == "#")
		next
	if (match(t, /^(control|rules|config)[ \t]/)) {
		key = substr(t, 1, RLENGTH - 1)
		printf "D\t%d\t%s\t%s\n", NR, key, trim(substr(t, RLENGTH + 1))
		next
	}
	# six '|'-separated fields; the seventh (the reason) is the rest
	n = 0
	rest = t
	while (n < 6) {
		p = index(rest, "|")
		if (p == 0)
			break
		f[++n] = trim(substr(rest, 1, p - 1))
		rest = substr(rest, p + 1)
	}
	if (n < 6) {
		err("want 7 '|'-separated fields, found " (n + 1))
		next
	}
	want = trim(rest)
	for (i = 1; i <= 6; i++) {
		if (f[i] == "" || index(f[i], "\t")) {
			err("field " i " is empty or holds a tab")
			next
		}
	}
	if (split(f[1], vc, " ") != 2 || vc[1] !~ /^(accept|reject|tempfail)$/ ||
	    vc[2] !~ /^[245][0-9][0-9]$/) {
		err("first field must be \"accept|reject|tempfail CODE\", not \"" f[1] "\"")
		next
	}
	split_mta(f[5])
	from = raw_part == "-" ? "<>" : raw_part
	mfrom = mta_part
	split_mta(f[6])
	if (index(want, "\t")) {
		err("the reason holds a tab")
		next
	}
	printf "V\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", NR, vc[1], vc[2],
		f[2], f[3], f[4], from, mfrom, raw_part, mta_part,
		want == "" ? "-" : "=" want
}

END {
	exit bad
}
