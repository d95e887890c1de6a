#!/bin/bash
# smcrouted -F FILE: exit 0 for a clean file, 78 for any problem, with
# "FILE line N:" messages on stdout naming the right line.  Every bad
# input that SMCRoute mishandles (33 OIFs, /33, non-multicast group, bare
# include, over-long line, ...) is an error here, and so is what would
# make reading unbounded (a FIFO or device included, more than 16 MiB,
# more mgroup joins than a load may have).
. "$(dirname "$0")/lib.sh"

need_daemon

F=$WORK/check
mkdir -p "$F"

# A clean file using every directive and form.  No interface exists in
# this namespace: -F checks syntax only.
cat >"$F/good.conf" <<'EOF'
# comment line
	# indented comment

phyint r0 enable ttl-threshold 2
phyint r1
phyint r2 disable
phyint e+
mroute from r0 source 10.0.0.1 group 225.1.1.1 to r1 r2
mroute from r0 group 225.1.1.2 to r1
mroute from r0 group 225.1.2.0/24 to r1
mroute from r0 source 10.0.0.0/24 group 225.1.3.1 to r1
mroute from r0 source 10.0.0.0/24 group 225.1.4.0/24 to r1
mroute from r0 source 0.0.0.0 group 225.1.5.1 to r1
mroute    from  r0	group 225.1.6.1   to r1 r2	
mroute group 225.1.7.1 from r0 to r1
mroute from r0 source fc00::1 group ff0e::1 to r1
mroute from r0 group ff0e::1:0/112 to r1
mroute from r0 source fc00::/64 group ff0e::2:0/112 to r1 # a comment
mroute from e+ group 225.1.8.1 to r+
mgroup from r1 group 225.2.2.2
mgroup from r1 group 225.2.3.0/24
mgroup from r1 source 10.0.0.1 group 232.1.1.1
mgroup from r1 group ff0e::2
ssmgroup from r1 source fc00::1 group ff3e::1
include /nonexistent-smcroute-test-dir/*.conf
mroute from r0 group 225.1.9.1 to r1
EOF
# No final newline on the last line.
printf 'mroute from r0 group 225.1.10.1 to r1' >>"$F/good.conf"

smcrouted_run -F "$F/good.conf"
expect eq "clean file: exit 0" $RUN_RC 0

# Each bad line goes on line 3, after a comment and a good line.
n=0
bad()
{
	local desc=$1 line=$2 file
	n=$((n + 1))
	file=$F/bad$n.conf
	printf '# bad input: %s\nmroute from r0 group 225.1.1.1 to r1\n%s\nmroute from r0 group 225.1.1.2 to r1\n' \
	    "$desc" "$line" >"$file"
	smcrouted_run -F "$file"
	expect eq "$desc: exit 78" $RUN_RC 78
	check "$desc: '$file line 3:' on stdout" \
	    grep -qF "$file line 3:" "$WORK/run.out"
	check_not "$desc: no complaint about the good lines" \
	    grep -qE "$file line [124]:" "$WORK/run.out"
}

oifs33=$(for i in $(seq 1 33); do printf ' o%d' $i; done)
oifs32=$(for i in $(seq 1 32); do printf ' o%d' $i; done)
bad "33 OIFs" "mroute from r0 group 225.1.1.3 to$oifs33"
bad "group /33" "mroute from r0 group 225.1.1.0/33 to r1"
bad "source /33" "mroute from r0 source 10.0.0.1/33 group 225.1.1.3 to r1"
bad "IPv6 group /129" "mroute from r0 group ff0e::1/129 to r1"
bad "IPv6 source /129" "mroute from r0 source fc00::1/129 group ff0e::1 to r1"
bad "mgroup group /33" "mgroup from r1 group 225.1.1.0/33"
bad "non-multicast IPv4 group" "mroute from r0 group 10.1.1.1 to r1"
bad "non-multicast IPv6 group" "mroute from r0 group fc00::5 to r1"
bad "mgroup non-multicast group" "mgroup from r1 group 192.168.1.1"
bad "mgroup non-multicast IPv6 group" "mgroup from r1 group 2001:db8::1"
bad "bare include" "include"
bad "unknown command" "frobnicate r0"
bad "mixed families" "mroute from r0 source fc00::1 group 225.1.1.3 to r1"
bad "mixed families, mgroup" "mgroup from r1 source 10.0.0.1 group ff3e::1"
bad "'#' glued to a group" "mroute from r0 group 225.1.1.3#x to r1"
bad "invalid address" "mroute from r0 group 225.1.1 to r1"
bad "garbage address" "mroute from r0 group banana to r1"
bad "missing group" "mroute from r0 to r1"
bad "missing from" "mroute group 225.1.1.3 to r1"
bad "missing group value" "mgroup from r1 group"
bad "mgroup of 2^24 joins" "mgroup from r1 group 226.0.0.0/8"
bad "mgroup of 2^112 IPv6 joins" "mgroup from r1 group ff0e::/16"
bad "phyint without a name" "phyint"
bad "ttl-threshold 256" "phyint r1 ttl-threshold 256"
bad "interface name too long" "mroute from r0123456789abcdef group 225.1.1.3 to r1"

# An over-long line: the error is on its line, and its tail is not read
# as the next line (so line 4 stays clean and line 5 is line 5).
file=$F/long.conf
{
	printf '# over-long line\nmroute from r0 group 225.1.1.1 to r1\n'
	printf 'mroute from r0 group 225.1.1.3 to r1%01200d frobnicate\n' 0
	printf 'mroute from r0 group 225.1.1.2 to r1\n'
	printf 'mroute from r0 group 10.0.0.1 to r1\n'
} >"$file"
smcrouted_run -F "$file"
expect eq "over-long line: exit 78" $RUN_RC 78
check "over-long line: reported on line 3" grep -qF "$file line 3:" "$WORK/run.out"
check_not "over-long line: its tail is not a line" \
    grep -qF "$file line 4:" "$WORK/run.out"
check "over-long line: next error on line 5" \
    grep -qF "$file line 5:" "$WORK/run.out"

# Exactly 32 OIFs are fine.
printf 'mroute from r0 group 225.1.1.3 to%s\n' "$oifs32" >"$F/oifs32.conf"
smcrouted_run -F "$F/oifs32.conf"
expect eq "32 OIFs: exit 0" $RUN_RC 0

# An error in an included file names that file and its line.
printf 'mroute from r0 group 225.1.1.1 to r1\nmgroup from r1 group 10.9.9.9\n' \
    >"$F/snippet.inc"
printf 'mroute from r0 group 225.1.1.1 to r1\ninclude %s/*.inc\n' "$F" \
    >"$F/main.conf"
smcrouted_run -F "$F/main.conf"
expect eq "error in an include: exit 78" $RUN_RC 78
check "error in an include: names the snippet" \
    grep -qF "$F/snippet.inc line 2:" "$WORK/run.out"

# Several errors: all reported.
printf 'frobnicate\nmroute from r0 group 10.0.0.1 to r1\ninclude\n' >"$F/multi.conf"
smcrouted_run -F "$F/multi.conf"
expect eq "several errors: exit 78" $RUN_RC 78
for l in 1 2 3; do
	check "several errors: line $l reported" \
	    grep -qF "$F/multi.conf line $l:" "$WORK/run.out"
done

# Only regular files are read, and never waited on: a FIFO or a device
# included is an error at its include line (a hang would time out,
# status 124), and so is one as the file itself.
mkfifo "$F/fifo"
truncate -s 17M "$F/big.img"
bad "FIFO included" "include $F/fifo"
check "FIFO included: named" grep -qF \
    "include: cannot read $F/fifo: it is a FIFO, not a regular file" \
    "$WORK/run.out"
bad "/dev/zero included" "include /dev/zero"
check "/dev/zero included: named" grep -qF \
    "include: cannot read /dev/zero: it is a character device, not a regular file" \
    "$WORK/run.out"
bad "17 MiB file included" "include $F/big.img"
check "17 MiB file included: over the 16 MiB of a load" grep -qF \
    "include: cannot read $F/big.img: its 17825792 bytes would take the load over 16777216 bytes" \
    "$WORK/run.out"
smcrouted_run -F "$F/fifo"
expect eq "a FIFO as the file: exit 78" $RUN_RC 78
check "a FIFO as the file: named" grep -qF \
    "cannot read $F/fifo: it is a FIFO, not a regular file" "$WORK/run.out"

# 65536 mgroup joins in one load: 16 lines of 4096 fill it, the 17th
# goes over, however few it asks for.
file=$F/mgroups.conf
for i in $(seq 0 15); do
	echo "mgroup from r1 group 225.$i.0.0/20"
done >"$file"
echo "mgroup from r1 source 10.0.0.0/31 group 232.1.1.1" >>"$file"
smcrouted_run -F "$file"
expect eq "mgroup joins over the load's budget: exit 78" $RUN_RC 78
check "mgroup joins over the load's budget: line 17 named" grep -qF \
    "$file line 17: mgroup expands to 2 joins: 65538 with the earlier lines, more than 65536 in one load" \
    "$WORK/run.out"
check_not "mgroup joins over the load's budget: lines 1-16 fine" \
    grep -qE "$file line ([1-9]|1[0-6]):" "$WORK/run.out"

# A missing file is not clean.
smcrouted_run -F "$F/does-not-exist.conf"
expect ne "missing file: non-zero exit" $RUN_RC 0

finish
