#!/bin/bash
# Routes over other kinds of interfaces than veth: an 802.1Q VLAN as the
# inbound and as the outbound interface (IPv4 and IPv6), a GRE tunnel
# as the inbound and as the outbound interface (IPv4), and a dummy
# interface as an outbound one (the kernel counts what it sends there).
# Each gets its VIF/MIF, its MFC entry names it, and the traffic crosses
# it.  Needs CONFIG_VLAN_8021Q, CONFIG_NET_IPGRE and CONFIG_DUMMY (the
# test VM has them as modules).
#
#   src:s0.10 (VLAN 10) ---- r0.10:rtr:r1.20 (VLAN 20) ---- c1.20:rcv1
#   src:gre1 (over s0)  ---- gre1:rtr:gre2 (over r1)   ---- gre2:rcv1
#                                :dum0 (dummy)
. "$(dirname "$0")/lib.sh"

need_mroute4
need_mroute6
need_tools
need_daemon
topo

# vlan NS IF ID ADDR/LEN...: IF.ID on IF, up, with addresses.
vlan()
{
	local ns=$1 ifname=$2 id=$3
	shift 3
	ip -n "$ns" link add link "$ifname" name "$ifname.$id" type vlan \
	    id "$id" || skip "cannot create a VLAN (CONFIG_VLAN_8021Q)"
	ip -n "$ns" link set "$ifname.$id" up || error "$ifname.$id up"
	addr "$ns" "$ifname.$id" "$@"
}

# gre NS NAME LOCAL REMOTE ADDR/LEN: a point-to-point GRE tunnel, up,
# multicast on.
gre()
{
	local ns=$1 name=$2
	ip -n "$ns" link add name "$name" type gre local "$3" remote "$4" \
	    ttl 64 || skip "cannot create a GRE tunnel (CONFIG_NET_IPGRE)"
	ip -n "$ns" link set "$name" multicast on up || error "$name up"
	addr "$ns" "$name" "$5"
}

vlan src $SRC_IF 10 10.10.0.1/24 fc10::1/64
vlan "$RTR" $RTR_IN 10 10.10.0.254/24 fc10::fe/64
vlan "$RTR" $RTR_OUT1 20 10.20.0.254/24 fc20::fe/64
vlan rcv1 $RCV1_IF 20 10.20.0.1/24 fc20::1/64
gre src gre1 $SRC4 $RTR4_IN 10.30.0.1/30
gre "$RTR" gre1 $RTR4_IN $SRC4 10.30.0.2/30
gre "$RTR" gre2 10.0.1.254 $RCV1_4 10.40.0.1/30
gre rcv1 gre2 $RCV1_4 10.0.1.254 10.40.0.2/30
ip -n "$RTR" link add name dum0 type dummy ||
	skip "cannot create a dummy interface (CONFIG_DUMMY)"
ip -n "$RTR" link set dum0 multicast on up || error "dum0 up"

V_IN=$RTR_IN.10 V_OUT=$RTR_OUT1.20
conf <<EOF
# VLAN in, VLAN out
mroute from $V_IN source 10.10.0.1 group 225.10.0.1 to $RTR_OUT1
mroute from $V_IN source fc10::1 group ff0e::10:1 to $RTR_OUT1
mroute from $RTR_IN source $SRC4 group 225.20.0.1 to $V_OUT
mroute from $RTR_IN source $SRC6 group ff0e::20:1 to $V_OUT
# GRE in, GRE out, dummy out
mroute from gre1 source 10.30.0.1 group 225.30.0.1 to $RTR_OUT1
mroute from $RTR_IN source $SRC4 group 225.40.0.1 to gre2 dum0
EOF
daemon_start

check "VLAN r0.10 inbound: (S,G) r0.10 -> r1" \
    mfc_is 10.10.0.1 225.10.0.1 $V_IN $RTR_OUT1
check "VLAN r0.10 inbound, IPv6: (S,G) r0.10 -> r1" \
    mfc_is fc10::1 ff0e::10:1 $V_IN $RTR_OUT1
check "VLAN r1.20 outbound: (S,G) r0 -> r1.20" \
    mfc_is $SRC4 225.20.0.1 $RTR_IN $V_OUT
check "VLAN r1.20 outbound, IPv6: (S,G) r0 -> r1.20" \
    mfc_is $SRC6 ff0e::20:1 $RTR_IN $V_OUT
check "GRE gre1 inbound: (S,G) gre1 -> r1" \
    mfc_is 10.30.0.1 225.30.0.1 gre1 $RTR_OUT1
check "GRE gre2 and dummy outbound: (S,G) r0 -> gre2 dum0" \
    mfc_is $SRC4 225.40.0.1 $RTR_IN dum0 gre2
for i in $V_IN $V_OUT gre1 gre2 dum0; do
	check "VIF for $i" vif_has $i
done
for i in $V_IN $V_OUT; do
	check "MIF for $i" mif_has $i
done

# through IN OUT GROUP SRC SRCIF RCVIF: 20 packets sent from SRC on
# src:SRCIF to GROUP arrive at rcv1:RCVIF.
through()
{
	local desc=$1 grp=$2 srcaddr=$3 srcif=$4 rcvif=$5
	recv_start t rcv1 -i "$rcvif" -d 30 "$grp"
	send src -i "$srcif" -s "$srcaddr" -c 20 -r 500 "$grp" ||
		error "mcsend failed: $(cat "$WORK/send.err")"
	sleep 0.3
	recv_stop t
	expect eq "$desc: 20 packets through" "$(kv t received)" 20
}

through "VLAN in" 225.10.0.1 10.10.0.1 $SRC_IF.10 $RCV1_IF
through "VLAN in, IPv6" ff0e::10:1 fc10::1 $SRC_IF.10 $RCV1_IF
through "VLAN out" 225.20.0.1 $SRC4 $SRC_IF $RCV1_IF.20
through "VLAN out, IPv6" ff0e::20:1 $SRC6 $SRC_IF $RCV1_IF.20
through "GRE in" 225.30.0.1 10.30.0.1 gre1 $RCV1_IF
through "GRE out" 225.40.0.1 $SRC4 $SRC_IF gre2
expect ge "dummy out: the kernel sent them on dum0 (MFC packets)" \
    "$(mfc_pkts $SRC4 225.40.0.1)" 20

# The VLAN goes away and comes back: the route follows it.
ip -n "$RTR" link del $V_OUT
check "VLAN r1.20 deleted: its VIF is gone" wait_until 5 not vif_has $V_OUT
vlan "$RTR" $RTR_OUT1 20 10.20.0.254/24 fc20::fe/64
check "VLAN r1.20 re-created: the route is back" \
    wait_until 5 mfc_is $SRC4 225.20.0.1 $RTR_IN $V_OUT
through "VLAN out after re-creation" 225.20.0.1 $SRC4 $SRC_IF $RCV1_IF.20

daemon_stop
expect eq "exit status" "$DAEMON_RC" 0
expect eq "no VIFs after exit" "$(vif_count)" 0
finish
