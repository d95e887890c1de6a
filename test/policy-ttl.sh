#!/bin/bash
# phyint r1 ttl-threshold 5: IPv4 packets leave r1 only with a TTL above
# 5 (3 and 5 stay, 6 and 8 go; r2, threshold 1, gets them all), for
# (S,G) routes and learned entries alike, the kernel entry carries
# "VIF:5" (/proc/net/ip_mr_cache); IPv6 has no such threshold in the
# kernel (MRT6 forwards every hop limit above 1), so hop limit 3 is
# forwarded and the daemon warns, at load and at reload, that the
# threshold applies to IPv4 only; show interfaces has TTL 5 and HLIM 1
# for r1 (-j: ttl_threshold, hoplimit_threshold); a reload that changes
# the threshold updates the installed entries.  (route-sg.sh covers a
# threshold of 3 on an (S,G) route, and TTL 1.)
. "$(dirname "$0")/lib.sh"

need_mroute4
need_mroute6
need_tools
need_daemon
topo 2

ctl()
{
	nsx $RTR "$SMCROUTECTL" -u "$SOCK" "$@"
}

# ttl_flow GROUP SRC TTL...: 10 packets per TTL (sequence numbers from
# 100 * i + 1 for the i-th TTL, i from 0) to GROUP; results in receivers
# t1 (rcv1) and t2 (rcv2).
ttl_flow()
{
	local grp=$1 s=$2 i=0 t
	shift 2
	recv_start t1 rcv1 -i $RCV1_IF -d 10 "$grp"
	recv_start t2 rcv2 -i $RCV2_IF -d 10 "$grp"
	for t in "$@"; do
		send src -i $SRC_IF -s "$s" -c 10 -r 500 -t "$t" \
		    -S $((100 * i + 1)) "$grp" ||
			error "mcsend failed: $(cat "$WORK/send.err")"
		i=$((i + 1))
	done
	sleep 0.2
	recv_stop t1
	recv_stop t2
}

# vif_index IF [6]
vif_index()
{
	local f=ip_mr_vif
	[ "${2:-}" = 6 ] && f=ip6_mr_vif
	proc $f | awk -v n="$1" 'NR > 1 && $2 == n { print $1 }'
}

# iface_row IF: "VIF MIF TTL HLIM" of IF in show interfaces.
iface_row()
{
	ctl -t show interfaces | awk -v n="$1" '$2 == n { print $3, $4, $5, $6 }'
}

# oif_is S G WORD: the ip_mr_cache line of (S,G) has the Oifs word
# WORD ("VIF:TTL").
oif_is()
{
	mfc_line "$1" "$2" |
	    awk -v o="$3" '{ for (i = 7; i <= NF; i++) if ($i == o) f = 1 }
		END { exit !f }'
}

# matches TEXT ERE
matches()
{
	grep -qE -- "$2" <<<"$1"
}

conf <<EOF
phyint $RTR_OUT1 ttl-threshold 5
mroute from $RTR_IN source $SRC4 group 225.1.1.1 to $RTR_OUT1 $RTR_OUT2
mroute from $RTR_IN group 225.1.2.0/24 to $RTR_OUT1 $RTR_OUT2
mroute from $RTR_IN source $SRC6 group ff0e::1:1 to $RTR_OUT1 $RTR_OUT2
EOF
daemon_start

WARN="ttl-threshold 5 on $RTR_OUT1 applies to IPv4 only"
check "warning at load: the threshold is IPv4 only" \
    grep -qF "$CONF line 1: $WARN" "$DLOG"
expect eq "the warning once" "$(grep -cF "$WARN" "$DLOG")" 1

# ---- the kernel entries
expect seq "IPv4 (S,G): r1 threshold 5, r2 1" \
    "$(mfc_ttls $SRC4 225.1.1.1)" "$RTR_OUT1:5 $RTR_OUT2:1"
v1=$(vif_index $RTR_OUT1)
check "/proc/net/ip_mr_cache Oifs has $v1:5 (r1's VIF)" \
    oif_is $SRC4 225.1.1.1 "$v1:5"
expect seq "IPv6 (S,G): no threshold in the kernel" \
    "$(mfc_ttls $SRC6 ff0e::1:1)" "$RTR_OUT1:1 $RTR_OUT2:1"

# ---- IPv4 traffic
ttl_flow 225.1.1.1 $SRC4 3 5 6 8
expect eq "IPv4 TTL 3, 5, 6, 8: rcv1 (threshold 5) gets 6 and 8" \
    "$(kv t1 received)" 20
expect eq "rcv1: nothing below seq 201 (TTL 3 and 5)" "$(kv t1 min_seq)" 201
expect eq "rcv2 (threshold 1) gets all four" "$(kv t2 received)" 40

# A learned entry gets the threshold too.
flow_check "IPv4 template flow learned" learn 225.1.2.2 $SRC4
expect seq "learned entry: r1 threshold 5, r2 1" \
    "$(mfc_ttls $SRC4 225.1.2.2)" "$RTR_OUT1:5 $RTR_OUT2:1"
ttl_flow 225.1.2.2 $SRC4 3 8
expect eq "learned entry, TTL 3 and 8: rcv1 gets only TTL 8" \
    "$(kv t1 received)" 10
expect eq "rcv1 got seq 101.." "$(kv t1 min_seq)" 101
expect eq "rcv2 gets both" "$(kv t2 received)" 20

# ---- IPv6: hop limit 3 is forwarded
ttl_flow ff0e::1:1 $SRC6 3 8
expect eq "IPv6 hop limit 3 and 8: rcv1 gets both (no IPv6 threshold)" \
    "$(kv t1 received)" 20
expect eq "rcv2 gets both" "$(kv t2 received)" 20

# ---- show interfaces
expect seq "show interfaces r1: VIF MIF TTL 5 HLIM 1" "$(iface_row $RTR_OUT1)" \
    "$v1 $(vif_index $RTR_OUT1 6) 5 1"
expect seq "show interfaces r2: TTL 1 HLIM 1" \
    "$(iface_row $RTR_OUT2 | awk '{ print $3, $4 }')" "1 1"
j=$(ctl -j show interfaces)
check "show interfaces -j: r1 ttl_threshold 5, hoplimit_threshold 1" \
    matches "$j" '"name":"r1","vif":[0-9]+,"mif":[0-9]+,"ttl_threshold":5,"hoplimit_threshold":1[,}]'
check "show interfaces -j: r2 ttl_threshold 1" \
    matches "$j" '"name":"r2","vif":[0-9]+,"mif":[0-9]+,"ttl_threshold":1,"hoplimit_threshold":1[,}]'

# ---- reload: threshold 5 -> 2, then none
sed -i "s/ttl-threshold 5/ttl-threshold 2/" "$CONF"
daemon_reload
check "warning again at reload, with the new value" \
    grep -qF "$CONF line 1: ttl-threshold 2 on $RTR_OUT1 applies to IPv4 only" \
    "$DLOG"
expect seq "reload: (S,G) entry updated to threshold 2" \
    "$(mfc_ttls $SRC4 225.1.1.1)" "$RTR_OUT1:2 $RTR_OUT2:1"
expect seq "reload: learned entry updated to threshold 2" \
    "$(mfc_ttls $SRC4 225.1.2.2)" "$RTR_OUT1:2 $RTR_OUT2:1"
expect seq "show interfaces r1: TTL 2 HLIM 1" \
    "$(iface_row $RTR_OUT1 | awk '{ print $3, $4 }')" "2 1"
ttl_flow 225.1.1.1 $SRC4 2 3
expect eq "threshold 2: rcv1 gets TTL 3, not TTL 2" "$(kv t1 received)" 10
expect eq "rcv1 got seq 101.." "$(kv t1 min_seq)" 101

sed -i "/ttl-threshold/d" "$CONF"
nwarn=$(grep -c 'applies to IPv4 only' "$DLOG")
daemon_reload
expect seq "reload without the phyint line: threshold 1" \
    "$(mfc_ttls $SRC4 225.1.1.1)" "$RTR_OUT1:1 $RTR_OUT2:1"
expect eq "no warning without a threshold" \
    "$(grep -c 'applies to IPv4 only' "$DLOG")" "$nwarn"
expect seq "show interfaces r1: TTL 1 HLIM 1" \
    "$(iface_row $RTR_OUT1 | awk '{ print $3, $4 }')" "1 1"
ttl_flow 225.1.1.1 $SRC4 2
expect eq "threshold 1: rcv1 gets TTL 2" "$(kv t1 received)" 10

daemon_stop
expect eq "exit status" "$DAEMON_RC" 0
finish
