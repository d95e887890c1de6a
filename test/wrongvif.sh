#!/bin/bash
# WRONGVIF / WRONGMIF (SMCRoute 2.6, #143): a learned (S,G) whose traffic
# starts arriving on another interface is moved there if a template for
# that interface matches, and left alone otherwise.  IPv4 and IPv6.
#
#   src:s0 ---- r0:rtr:r1 ---- c1:rcv1
#   src:s3 ---- r3:rtr          (same sources, second path)
. "$(dirname "$0")/lib.sh"

need_mroute4
need_mroute6
need_tools
need_daemon
topo
link src s3 $RTR r3
addr src s3 10.0.3.1/24 fc00:3::1/64
addr $RTR r3 10.0.3.254/24 fc00:3::fe/64

# via3 GROUP SRC: prime one packet through s3, then 19 more.
via3()
{
	local grp=$1 s=$2
	recv_start v3 rcv1 -i $RCV1_IF -d 30 $grp
	send src -i s3 -s $s -c 1 $grp
	sleep 0.3
	send src -i s3 -s $s -c 19 -S 2 -r 500 $grp
	sleep 0.2
	recv_stop v3
	kv v3 received
}

for fam in 4 6; do
	if [ $fam = 4 ]; then
		g=225.1.1.1 gp=225.1.1.0/24 s=$SRC4
	else
		g=ff0e::1:1 gp=ff0e::1:0/112 s=$SRC6
	fi

	# No template for r3: the entry stays on r0.
	conf <<-EOF
	mroute from $RTR_IN group $gp to $RTR_OUT1
	EOF
	daemon_start
	flow_check "IPv$fam learned via r0" learn $g $s
	check "IPv$fam learned with IIF r0" mfc_is $s $g $RTR_IN $RTR_OUT1
	expect eq "IPv$fam traffic via r3 without a template: not forwarded" \
	    "$(via3 $g $s)" 0
	check "IPv$fam entry left on r0" mfc_is $s $g $RTR_IN $RTR_OUT1
	daemon_stop
	expect eq "IPv$fam exit status" "$DAEMON_RC" 0

	# A template for r3 too: the entry moves.
	conf <<-EOF
	mroute from $RTR_IN group $gp to $RTR_OUT1
	mroute from r3 group $gp to $RTR_OUT1
	EOF
	daemon_start
	flow_check "IPv$fam learned via r0" learn $g $s
	check "IPv$fam learned with IIF r0" mfc_is $s $g $RTR_IN $RTR_OUT1
	expect ge "IPv$fam traffic via r3 forwarded after the move" \
	    "$(via3 $g $s)" 19
	check "IPv$fam entry moved to r3" mfc_is $s $g r3 $RTR_OUT1
	daemon_stop
	expect eq "IPv$fam exit status" "$DAEMON_RC" 0
done

finish
