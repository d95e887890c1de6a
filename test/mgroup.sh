#!/bin/bash
# mgroup (and its alias ssmgroup), ASM and SSM, IPv4 and IPv6: the kernel
# memberships (/proc/net/igmp, mcfilter, igmp6, mcfilter6), local
# delivery of the joined traffic, leaving on reload and on exit.
. "$(dirname "$0")/lib.sh"

need_mroute4
need_mroute6
need_tools
need_daemon
topo

all_groups()
{
	cat <<EOF
# ASM and SSM joins on the downstream interface
mgroup from $RTR_OUT1 group 225.1.2.3
mgroup from $RTR_OUT1 source $SRC4 group 232.1.2.3
mgroup from $RTR_OUT1 group ff0e::1:23
mgroup from $RTR_OUT1 source $SRC6 group ff3e::1:23
# and on the upstream one, for local delivery
mgroup from $RTR_IN group 225.9.9.9
ssmgroup from $RTR_IN source $SRC4 group 232.9.9.9
mgroup from $RTR_IN group ff0e::9:9
mgroup from $RTR_IN source $SRC6 group ff3e::9:9
EOF
}
all_groups | conf
daemon_start

check "IPv4 ASM join on r1 (igmp)" igmp_has $RTR_OUT1 225.1.2.3
check "IPv4 SSM join on r1 (igmp)" igmp_has $RTR_OUT1 232.1.2.3
check "IPv4 SSM source filter on r1 (mcfilter)" \
    mcfilter_has $RTR_OUT1 $SRC4 232.1.2.3
check_not "no IPv4 source filter for another source" \
    mcfilter_has $RTR_OUT1 $SRC4B 232.1.2.3
check_not "IPv4 ASM join only on r1" igmp_has $RTR_IN 225.1.2.3
check "IPv6 ASM join on r1 (igmp6)" igmp6_has $RTR_OUT1 ff0e::1:23
check "IPv6 SSM join on r1 (igmp6)" igmp6_has $RTR_OUT1 ff3e::1:23
check "IPv6 SSM source filter on r1 (mcfilter6)" \
    mcfilter6_has $RTR_OUT1 $SRC6 ff3e::1:23
check "IPv4 ASM join on r0" igmp_has $RTR_IN 225.9.9.9
check "ssmgroup alias: SSM join on r0" mcfilter_has $RTR_IN $SRC4 232.9.9.9
check "IPv6 ASM join on r0" igmp6_has $RTR_IN ff0e::9:9
check "IPv6 SSM join on r0" mcfilter6_has $RTR_IN $SRC6 ff3e::9:9

# The router itself now receives the joined traffic (mcrecv -J: bound
# to the group, without a membership of its own).
local_flow()
{
	local grp=$1 srcaddr=$2
	recv_start loc $RTR -J -d 30 $grp
	send src -i $SRC_IF -s $srcaddr -c 20 -r 200 $grp
	sleep 0.3
	recv_stop loc
	kv loc received
}
expect eq "IPv4 ASM traffic delivered on the router" \
    "$(local_flow 225.9.9.9 $SRC4)" 20
expect eq "IPv4 SSM traffic from the joined source delivered" \
    "$(local_flow 232.9.9.9 $SRC4)" 20
expect eq "IPv4 SSM traffic from another source not delivered" \
    "$(local_flow 232.9.9.9 $SRC4B)" 0
expect eq "IPv6 ASM traffic delivered on the router" \
    "$(local_flow ff0e::9:9 $SRC6)" 20
expect eq "IPv6 SSM traffic from the joined source delivered" \
    "$(local_flow ff3e::9:9 $SRC6)" 20
expect eq "IPv6 SSM traffic from another source not delivered" \
    "$(local_flow ff3e::9:9 $SRC6B)" 0
expect eq "IPv4 group not joined: nothing delivered" \
    "$(local_flow 225.9.9.10 $SRC4)" 0

# Reload: keep one group, the others are left.
conf <<EOF
mgroup from $RTR_OUT1 group 225.1.2.3
mgroup from $RTR_OUT1 group ff0e::1:23
EOF
daemon_reload
check "kept: IPv4 ASM join" igmp_has $RTR_OUT1 225.1.2.3
check "kept: IPv6 ASM join" igmp6_has $RTR_OUT1 ff0e::1:23
check_not "left: IPv4 SSM join" igmp_has $RTR_OUT1 232.1.2.3
check_not "left: IPv4 SSM filter" mcfilter_has $RTR_OUT1 $SRC4 232.1.2.3
check_not "left: IPv6 SSM join" igmp6_has $RTR_OUT1 ff3e::1:23
check_not "left: IPv4 ASM join on r0" igmp_has $RTR_IN 225.9.9.9
check_not "left: IPv4 SSM join on r0" igmp_has $RTR_IN 232.9.9.9
check_not "left: IPv6 ASM join on r0" igmp6_has $RTR_IN ff0e::9:9
check_not "left: IPv6 SSM join on r0" igmp6_has $RTR_IN ff3e::9:9

# And joined again.
all_groups | conf
daemon_reload
check "rejoined: IPv4 SSM filter" mcfilter_has $RTR_OUT1 $SRC4 232.1.2.3
check "rejoined: IPv6 SSM filter" mcfilter6_has $RTR_OUT1 $SRC6 ff3e::1:23
check "rejoined: IPv4 ASM on r0" igmp_has $RTR_IN 225.9.9.9

daemon_stop
expect eq "exit status" "$DAEMON_RC" 0
check_not "left on exit: IPv4 ASM" igmp_has $RTR_OUT1 225.1.2.3
check_not "left on exit: IPv4 SSM" igmp_has $RTR_OUT1 232.1.2.3
check_not "left on exit: IPv6 ASM" igmp6_has $RTR_OUT1 ff0e::1:23
check_not "left on exit: IPv6 SSM" igmp6_has $RTR_OUT1 ff3e::1:23
check_not "left on exit: r0 IPv4" igmp_has $RTR_IN 225.9.9.9

finish
