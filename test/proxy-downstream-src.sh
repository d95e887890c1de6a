#!/bin/bash
# IGMP proxy, a source on a downstream LAN (RFC 4605 4.2): its traffic
# goes upstream (r0) and to the other downstream LANs with members,
# never back onto its own LAN; a downstream without members gets none.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy-lib.sh"

need_mroute4
need_tools
need_daemon
need_igmpgen
topo 2

G=239.9.9.1 GB=239.9.9.2
conf <<EOF
phyint $RTR_IN upstream
phyint $RTR_OUT1 igmp query-interval 10 query-response-interval 1
phyint $RTR_OUT2 igmp query-interval 10 query-response-interval 1
EOF
daemon_start

# downstream_send NAME GROUP: rcv1 sends 1 packet, then 19 more once
# the route is in place; receivers in src and rcv2 (members of GROUP
# there if asked), wire listeners on c1 and c2.
downstream_send()
{
	local n=$1 g=$2
	listen_start w1$n rcv1 $RCV1_IF -U $g
	listen_start w2$n rcv2 $RCV2_IF -U $g
	recv_start up$n src -i $SRC_IF -d 30 $g
	send rcv1 -i $RCV1_IF -c 1 $g
	sleep 0.3
	send rcv1 -i $RCV1_IF -c 19 -S 2 -r 500 $g
	sleep 0.2
	recv_stop up$n
	listen_stop w1$n
	listen_stop w2$n
}

# rcv2 is a member of G, not of GB.
recv_start m2 rcv2 -i $RCV2_IF -d 30 $G
check "rcv2's membership learned" wait_until 2 mdb_has $RTR_OUT2 $G
downstream_send a $G
recv_stop m2
expect ge "upstream (src) got the downstream source's stream" \
    "$(kv upa received)" 19
expect ge "the other member LAN (rcv2) got it" "$(kv m2 received)" 19
check "(rcv1,G) r1 -> r0 r2" mfc_is $RCV1_4 $G $RTR_OUT1 $RTR_IN $RTR_OUT2
expect eq "nothing forwarded back onto rcv1's LAN" \
    "$(grep ' type=udp ' "$WORK/w1a.out" | grep -c ' dir=in ')" 0
expect eq "rcv1 sent them (listener sanity)" \
    "$(grep ' type=udp ' "$WORK/w1a.out" | grep -c ' dir=out ')" 20

downstream_send b $GB
expect ge "no members downstream: upstream still gets it" \
    "$(kv upb received)" 19
expect eq "no members: nothing on rcv2's LAN" "$(udp_count w2b)" 0
check "(rcv1,GB) r1 -> r0 only" mfc_is $RCV1_4 $GB $RTR_OUT1 $RTR_IN
expect eq "nothing back onto rcv1's LAN" \
    "$(grep ' type=udp ' "$WORK/w1b.out" | grep -c ' dir=in ')" 0

# A member appears on rcv2's LAN: the entry gets r2 at once.
recv_start m2b rcv2 -i $RCV2_IF -d 30 $GB
check "late member learned" wait_until 2 mdb_has $RTR_OUT2 $GB
check "(rcv1,GB) r1 -> r0 r2" wait_until 1 \
    mfc_is $RCV1_4 $GB $RTR_OUT1 $RTR_IN $RTR_OUT2
send rcv1 -i $RCV1_IF -c 20 -S 100 -r 500 $GB
sleep 0.2
recv_stop m2b
expect eq "late member got every packet" "$(kv m2b received)" 20

check "daemon still running" daemon_alive
daemon_stop
expect eq "exit status" "$DAEMON_RC" 0
finish
