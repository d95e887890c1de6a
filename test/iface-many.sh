#!/bin/bash
# Many interfaces, few VIF/MIF slots: with 40 interfaces present only the
# ones in use get a VIF/MIF; when 33 are in use (mroutes, or phyint
# lines) 32 get one and the daemon says clearly which one did not, while
# the others keep forwarding; a slot freed by a vanished interface goes
# to the one left out; deleting and re-creating interfaces again and
# again leaks no slot (a configuration needing exactly 32 still gets all
# 32, one needing 3 gets exactly 3).
#
#   src:s0 ---- r0:rtr:r1 ---- c1:rcv1
#               rtr:m0..m39 ---- p0..p39:peer
. "$(dirname "$0")/lib.sh"

need_mroute4
need_mroute6
need_tools
need_daemon
topo
ns_add peer

NIF=40
MAXVIFS=32

# mk_ifaces N...: veth pairs rtr:mN <-> peer:pN, up (in batches).
mk_ifaces()
{
	local i
	for i in "$@"; do
		echo "link add m$i netns $RTR type veth peer name p$i netns peer"
	done | ip -b - || error "cannot create veth pairs"
	for i in "$@"; do echo "link set m$i up"; done | ip -n $RTR -b - ||
		error "cannot set m* up"
	for i in "$@"; do echo "link set p$i up"; done | ip -n peer -b - ||
		error "cannot set p* up"
}

rm_ifaces()
{
	local i
	for i in "$@"; do echo "link del m$i"; done | ip -n $RTR -b - ||
		error "cannot delete veth pairs"
}

ctl()
{
	nsx $RTR "$SMCROUTECTL" -u "$SOCK" "$@"
}

# no_slot 4|6 IF...: those of IF... without a VIF (4) or MIF (6).
no_slot()
{
	local fam=$1 i out=''
	shift
	for i in "$@"; do
		if [ "$fam" = 6 ]; then
			mif_has "$i" || out="$out $i"
		else
			vif_has "$i" || out="$out $i"
		fi
	done
	echo $out
}

# vifs_are N M: N VIFs and M MIFs in the default table.
vifs_are()
{
	[ "$(vif_count)" -eq "$1" ] && [ "$(vif_count 6)" -eq "$2" ]
}

# log_mark: remember the end of the log; new_log: what came after it.
log_mark()
{
	_mark=$(wc -l <"$DLOG")
}

new_log()
{
	tail -n +$((_mark + 1)) "$DLOG"
}

# slot_errors VIF|MIF: "all slots in use" messages since log_mark.
slot_errors()
{
	new_log | grep -c "Cannot add $1 for .*: all 32 slots in use"
}

# logged TEXT: the log has TEXT since log_mark.
logged()
{
	new_log | grep -qF -- "$1"
}

# peer_flow NAME GROUP PEERIF: 20 packets from src to GROUP, received on
# peer:PEERIF; prints the count.
peer_flow()
{
	recv_start "$1" peer -i "$3" -d 10 "$2"
	send src -i $SRC_IF -c 20 -r 500 "$2"
	sleep 0.2
	recv_stop "$1"
	kv "$1" received
}

say "creating $NIF interfaces"
mk_ifaces $(seq 0 $((NIF - 1)))
expect ge "interfaces in the router" \
    "$(ip -n $RTR -o link show | grep -c ': m[0-9]*[:@]')" $NIF

# ---- 3 of 40 in use: exactly 3 VIFs and 3 MIFs
conf3()
{
	conf <<-EOF
	mroute from $RTR_IN source $SRC4 group 225.1.1.1 to $RTR_OUT1
	mroute from $RTR_IN source $SRC6 group ff0e::1:1 to $RTR_OUT1
	phyint m7
	EOF
}
conf3
daemon_start
expect eq "3 of $NIF+ interfaces in use: 3 VIFs" "$(vif_count)" 3
expect eq "3 MIFs" "$(vif_count 6)" 3
for i in $RTR_IN $RTR_OUT1 m7; do
	check "VIF for $i" vif_has $i
	check "MIF for $i" mif_has $i
done
expect seq "no other m* has a VIF" \
    "$(proc ip_mr_vif | awk 'NR > 1 && $2 ~ /^m/ && $2 != "m7"' | wc -l)" 0
flow_check "IPv4 forwarded with 3 VIFs" all 225.1.1.1 $SRC4
flow_check "IPv6 forwarded with 3 MIFs" all ff0e::1:1 $SRC6
daemon_stop
expect eq "exit status" "$DAEMON_RC" 0

# ---- 33 in use by mroutes: 32 VIFs and MIFs, m30 (the 33rd) left out
REFS33="$RTR_IN $RTR_OUT1 $(seq -s ' ' -f 'm%g' 0 30)"
REFS32="$RTR_IN $RTR_OUT1 $(seq -s ' ' -f 'm%g' 0 29)"
# confN LAST: IPv4 and IPv6 routes r0 -> r1 and r0 -> each of m0..mLAST.
confN()
{
	local i
	{
		echo "mroute from $RTR_IN source $SRC4 group 225.1.1.1 to $RTR_OUT1"
		echo "mroute from $RTR_IN source $SRC6 group ff0e::1:1 to $RTR_OUT1"
		for i in $(seq 0 "$1"); do
			echo "mroute from $RTR_IN source $SRC4 group 225.1.2.$i to m$i"
			echo "mroute from $RTR_IN source $SRC6 group ff0e::2:$i to m$i"
		done
	} | conf
}
confN 30
log_mark
daemon_start
expect eq "33 interfaces in use: 32 VIFs" "$(vif_count)" $MAXVIFS
expect eq "33 interfaces in use: 32 MIFs" "$(vif_count 6)" $MAXVIFS
expect seq "the 33rd (m30) has no VIF" "$(no_slot 4 $REFS33)" m30
expect seq "the 33rd (m30) has no MIF" "$(no_slot 6 $REFS33)" m30
check "the log names m30 and the VIF limit" \
    logged 'Cannot add VIF for m30: all 32 slots in use'
check "the log names m30 and the MIF limit" \
    logged 'Cannot add MIF for m30: all 32 slots in use'
expect eq "one VIF slot error" "$(slot_errors VIF)" 1
expect eq "one MIF slot error" "$(slot_errors MIF)" 1
check "alive" daemon_alive
flow_check "route r0 -> r1 forwards" all 225.1.1.1 $SRC4
flow_check "IPv6 route r0 -> r1 forwards" all ff0e::1:1 $SRC6
expect eq "route r0 -> m29 (last VIF) forwards" \
    "$(peer_flow m29 225.1.2.29 p29)" 20
expect eq "route r0 -> m30 (no VIF) does not" \
    "$(peer_flow m30 225.1.2.30 p30)" 0
check "its entry has no OIF" mfc_stop $SRC4 225.1.2.30 $RTR_IN

# A slot comes free: the interface left out takes it.
say "deleting m5"
rm_ifaces 5
check "m30 gets the VIF m5 had" wait_until 1 vif_has m30
expect eq "32 VIFs again" "$(vif_count)" $MAXVIFS
check "route r0 -> m30 gets its OIF" \
    wait_until 1 mfc_is $SRC4 225.1.2.30 $RTR_IN m30
expect eq "route r0 -> m30 forwards now" \
    "$(peer_flow m30b 225.1.2.30 p30)" 20
# Another route to m30, then the first one goes: m30 is still in use.
say "adding a second route to m30, removing the first"
ctl add $RTR_IN $SRC4 225.1.3.30 m30 >"$WORK/ctl.out" 2>&1
expect eq "smcroutectl add r0 -> m30" $? 0
check "m30 has a VIF" vif_has m30
check "second route r0 -> m30 installed" mfc_is $SRC4 225.1.3.30 $RTR_IN m30
ctl remove $RTR_IN $SRC4 225.1.2.30 >"$WORK/ctl.out" 2>&1
expect eq "smcroutectl remove of the first route" $? 0
sleep 0.2
check "m30 keeps its VIF: the second route uses it" vif_has m30
check "second route keeps its OIF m30" mfc_is $SRC4 225.1.3.30 $RTR_IN m30
expect eq "second route r0 -> m30 forwards" \
    "$(peer_flow m30c 225.1.3.30 p30)" 20
say "re-creating m5"
mk_ifaces 5
sleep 0.3
expect eq "32 VIFs with m5 back" "$(vif_count)" $MAXVIFS
expect eq "32 MIFs with m5 back" "$(vif_count 6)" $MAXVIFS
out=$(no_slot 4 $REFS33)
expect eq "one interface left out ($out)" "$(echo $out | wc -w)" 1
check "the log names it ($out)" \
    logged "Cannot add VIF for $out: all 32 slots in use"
flow_check "route r0 -> r1 still forwards" all 225.1.1.1 $SRC4

# Exactly 32 in use: every one gets a VIF.
confN 29
daemon_reload
expect eq "32 in use: 32 VIFs" "$(vif_count)" $MAXVIFS
expect eq "32 in use: 32 MIFs" "$(vif_count 6)" $MAXVIFS
expect seq "every one of them has a VIF" "$(no_slot 4 $REFS32)" ""
expect seq "every one of them has a MIF" "$(no_slot 6 $REFS32)" ""

# Delete and re-create five interfaces with VIFs and one without,
# several times.
for round in 1 2 3 4; do
	say "round $round: deleting and re-creating m0..m4, m35"
	rm_ifaces 0 1 2 3 4 35
	wait_until 1 vifs_are 27 27 >/dev/null
	expect eq "round $round: 27 VIFs with 5 interfaces gone" \
	    "$(vif_count)" 27
	expect eq "round $round: 27 MIFs" "$(vif_count 6)" 27
	mk_ifaces 0 1 2 3 4 35
	wait_until 1 vifs_are 32 32 >/dev/null
	expect eq "round $round: 32 VIFs when they are back" \
	    "$(vif_count)" $MAXVIFS
	expect eq "round $round: 32 MIFs" "$(vif_count 6)" $MAXVIFS
	expect seq "round $round: every one in use has a VIF" \
	    "$(no_slot 4 $REFS32)" ""
done
check_not "m35 (not in use) has no VIF" vif_has m35
check_not "m35 (not in use) has no MIF" mif_has m35
expect eq "route r0 -> m0 (re-created) forwards" \
    "$(peer_flow m0 225.1.2.0 p0)" 20
flow_check "route r0 -> r1 forwarded throughout" all 225.1.1.1 $SRC4
check "alive after the rounds" daemon_alive

# No slot leaked: 3 in use give exactly 3 VIFs and MIFs, and 32 in use
# all 32 again, without a slot error.
conf3
daemon_reload
expect eq "3 in use after the rounds: 3 VIFs" "$(vif_count)" 3
expect eq "and 3 MIFs" "$(vif_count 6)" 3
log_mark
confN 29
daemon_reload
expect eq "32 in use again: 32 VIFs" "$(vif_count)" $MAXVIFS
expect eq "32 in use again: 32 MIFs" "$(vif_count 6)" $MAXVIFS
expect seq "every one of them has a VIF" "$(no_slot 4 $REFS32)" ""
expect seq "every one of them has a MIF" "$(no_slot 6 $REFS32)" ""
expect eq "no new VIF slot error" "$(slot_errors VIF)" 0
expect eq "no new MIF slot error" "$(slot_errors MIF)" 0
check_not "no reference count warning" grep -q 'underflow' "$DLOG"
daemon_stop
expect eq "exit status" "$DAEMON_RC" 0
expect eq "no VIFs after exit" "$(vif_count)" 0

# ---- 33 phyint lines: 32 VIFs and 32 MIFs, one left out, named
{
	echo "phyint $RTR_IN"
	echo "phyint $RTR_OUT1"
	for i in $(seq 0 30); do echo "phyint m$i"; done
	echo "mroute from $RTR_IN source $SRC4 group 225.1.1.1 to $RTR_OUT1"
	echo "mroute from $RTR_IN source $SRC6 group ff0e::1:1 to $RTR_OUT1"
} | conf
log_mark
daemon_start
expect eq "33 phyint lines: 32 VIFs" "$(vif_count)" $MAXVIFS
expect eq "33 phyint lines: 32 MIFs" "$(vif_count 6)" $MAXVIFS
out4=$(no_slot 4 $REFS33)
out6=$(no_slot 6 $REFS33)
expect eq "one interface without a VIF" "$(echo $out4 | wc -w)" 1
expect eq "one interface without a MIF" "$(echo $out6 | wc -w)" 1
check "the log names the one without a VIF ($out4)" \
    logged "Cannot add VIF for $out4: all 32 slots in use"
check "the log names the one without a MIF ($out6)" \
    logged "Cannot add MIF for $out6: all 32 slots in use"
case " $RTR_IN $RTR_OUT1 " in
*" $out4 "*) ;;
*)
	flow_check "phyint lines: route r0 -> r1 forwards" all 225.1.1.1 $SRC4
	;;
esac
case " $RTR_IN $RTR_OUT1 " in
*" $out6 "*) ;;
*)
	flow_check "phyint lines: IPv6 route r0 -> r1 forwards" all \
	    ff0e::1:1 $SRC6
	;;
esac
daemon_stop
expect eq "exit status" "$DAEMON_RC" 0
expect eq "no VIFs after exit" "$(vif_count)" 0
expect eq "no MIFs after exit" "$(vif_count 6)" 0
finish
