#!/bin/bash
# Self-test of the network test harness, without the daemon: plain
# multicast across one veth (src -> rcv1), ASM and SSM joins in IPv4 and
# IPv6, and the /proc/net parsers in lib.sh.
. "$(dirname "$0")/lib.sh"

need_tools

ns_add src rcv1
link src "$SRC_IF" rcv1 "$RCV1_IF"
addr src "$SRC_IF" 10.0.0.1/24 fc00::1/64
addr2 src "$SRC_IF" 10.0.0.2/24
addr2 src "$SRC_IF" fc00::2/64
addr rcv1 "$RCV1_IF" 10.0.0.100/24 fc00::100/64

# Address formatting used by the /proc parsers.
expect seq "ip6_full" "$(ip6_full ff0e::1:2)" \
    ff0e:0000:0000:0000:0000:0000:0001:0002
expect seq "ip6_full, no ::" "$(ip6_full 1:2:3:4:5:6:7:8)" \
    0001:0002:0003:0004:0005:0006:0007:0008
expect seq "ip6_full ::1" "$(ip6_full ::1)" \
    0000:0000:0000:0000:0000:0000:0000:0001
expect seq "ip6_hex" "$(ip6_hex fc00::1)" fc000000000000000000000000000001
expect seq "nhex4" "$(nhex4 225.1.2.3)" 0xe1010203

for fam in 4 6; do
	if [ $fam = 4 ]; then
		grp=225.1.2.3 ssm=232.1.2.3 s1=10.0.0.1 s2=10.0.0.2
	else
		grp=ff0e::1:2 ssm=ff3e::1:3 s1=fc00::1 s2=fc00::2
	fi

	# ASM: everything arrives, in order, with sane latency.
	recv_start asm rcv1 -i "$RCV1_IF" -d 5 -n 50 -T "$grp"
	if [ $fam = 4 ]; then
		check "igmp_has $grp on c1" igmp_has "$RCV1_IF" $grp rcv1
		check_not "no igmp_has $grp on lo" igmp_has lo $grp rcv1
	else
		check "igmp6_has $grp on c1" igmp6_has "$RCV1_IF" $grp rcv1
	fi
	send src -i "$SRC_IF" -c 50 -r 500 $grp
	expect eq "IPv$fam sender sent" "$(kv send sent)" 50
	recv_wait asm
	expect eq "IPv$fam ASM received" "$(kv asm received)" 50
	expect eq "IPv$fam ASM lost" "$(kv asm lost)" 0
	expect eq "IPv$fam ASM first_seq" "$(kv asm first_seq)" 1
	expect eq "IPv$fam ASM last_seq" "$(kv asm last_seq)" 50
	expect seq "IPv$fam ASM source" "$(kv asm source)" $s1
	expect ge "IPv$fam latency >= 0" "$(kv asm lat_min_us)" 0
	expect lt "IPv$fam latency < 1 s" "$(kv asm lat_max_us)" 1000000
	expect gt "IPv$fam first_ts" "$(kv asm first_ts)" 0

	# SSM: only the joined source arrives.
	recv_start ssm rcv1 -i "$RCV1_IF" -s $s2 -d 6 -I 2 $ssm
	if [ $fam = 4 ]; then
		check "mcfilter_has $s2 $ssm" mcfilter_has "$RCV1_IF" $s2 $ssm rcv1
		check_not "no mcfilter_has $s1 $ssm" mcfilter_has "$RCV1_IF" $s1 $ssm rcv1
	else
		check "mcfilter6_has $s2 $ssm" mcfilter6_has "$RCV1_IF" $s2 $ssm rcv1
		check_not "no mcfilter6_has $s1 $ssm" mcfilter6_has "$RCV1_IF" $s1 $ssm rcv1
	fi
	send src -i "$SRC_IF" -s $s1 -c 10 -r 500 -S 1000 $ssm
	send src -i "$SRC_IF" -s $s2 -c 20 -r 500 $ssm
	recv_wait ssm
	expect eq "IPv$fam SSM received only the joined source" \
	    "$(kv ssm received)" 20
	expect seq "IPv$fam SSM source" "$(kv ssm source)" $s2

	# Gaps are counted as lost.  The receiver stops at the tenth
	# datagram, not when idle: starting the second sender can take more
	# than half a second in a sanitizer build in the test VM.
	recv_start gap rcv1 -i "$RCV1_IF" -d 6 -n 10 "$grp"
	send src -i "$SRC_IF" -c 5 -r 500 -S 1 $grp
	send src -i "$SRC_IF" -c 5 -r 500 -S 11 $grp
	recv_wait gap
	expect eq "IPv$fam gap received" "$(kv gap received)" 10
	expect eq "IPv$fam gap lost" "$(kv gap lost)" 5

	# Nothing arrives for a group that nobody joined.
	recv_start none rcv1 -i "$RCV1_IF" -d 1 -J "$grp"
	send src -i "$SRC_IF" -c 5 -r 500 $grp
	recv_wait none
	expect eq "IPv$fam no join, nothing received" "$(kv none received)" 0

	# The sender's rate and duration are honoured.
	send src -i "$SRC_IF" -d 0.5 -r 100 $grp
	expect ge "IPv$fam -d 0.5 -r 100 sent" "$(kv send sent)" 45
	expect le "IPv$fam -d 0.5 -r 100 sent" "$(kv send sent)" 51
done

# Usage errors.
"$MCSEND" -x 225.1.1.1 >/dev/null 2>&1
expect eq "mcsend bad option" $? 64
"$MCSEND" -t 300 225.1.1.1 >/dev/null 2>&1
expect eq "mcsend bad ttl" $? 64
"$MCRECV" >/dev/null 2>&1
expect eq "mcrecv no group" $? 64
"$MCRECV" -d 1 not-an-address >/dev/null 2>&1
expect eq "mcrecv bad group" $? 64

finish
