#!/bin/bash
# mgroup with prefixes: 225.1.0.0/22 and ff0e::1:0/118 are 1024 joins
# each (far beyond the 20 memberships one socket may hold), a source
# prefix times a group prefix is every pair; reload shrinks them; exit
# leaves them all.
. "$(dirname "$0")/lib.sh"

need_mroute4
need_mroute6
need_daemon
topo 2

# Hex prefix of ff0e::1:0/118 as /proc/net/igmp6 prints it.
V6RE="^$(ip6_hex ff0e::1:0 | cut -c1-29)[0-3]"

count4()
{
	igmp_groups $RTR_OUT1 | grep -c '^225\.1\.[0-3]\.'
}

count6()
{
	igmp6_count $RTR_OUT1 "$V6RE"
}

conf <<EOF
mgroup from $RTR_OUT1 group 225.1.0.0/22
mgroup from $RTR_OUT1 group ff0e::1:0/118
mgroup from $RTR_OUT2 source 10.0.0.0/31 group 232.1.1.0/31
mgroup from $RTR_OUT2 source fc00::/127 group ff3e::1:0/127
EOF
daemon_start

expect eq "1024 IPv4 groups joined on r1" "$(count4)" 1024
expect eq "1024 IPv6 groups joined on r1" "$(count6)" 1024
check "first IPv4 group" igmp_has $RTR_OUT1 225.1.0.0
check "last IPv4 group" igmp_has $RTR_OUT1 225.1.3.255
check "first IPv6 group" igmp6_has $RTR_OUT1 ff0e::1:0
check "last IPv6 group" igmp6_has $RTR_OUT1 ff0e::1:3ff
check_not "IPv4 group past the prefix" igmp_has $RTR_OUT1 225.1.4.0
for s in 10.0.0.0 10.0.0.1; do
	for g in 232.1.1.0 232.1.1.1; do
		check "IPv4 SSM pair ($s,$g)" mcfilter_has $RTR_OUT2 $s $g
	done
done
check_not "IPv4 SSM source past the prefix" \
    mcfilter_has $RTR_OUT2 10.0.0.2 232.1.1.0
for s in fc00:: fc00::1; do
	for g in ff3e::1:0 ff3e::1:1; do
		check "IPv6 SSM pair ($s,$g)" mcfilter6_has $RTR_OUT2 $s $g
	done
done

# An unchanged reload keeps them all.
daemon_reload
expect eq "IPv4 groups after an unchanged reload" "$(count4)" 1024
expect eq "IPv6 groups after an unchanged reload" "$(count6)" 1024

# A smaller prefix: the rest is left.
conf <<EOF
mgroup from $RTR_OUT1 group 225.1.0.0/24
mgroup from $RTR_OUT1 group ff0e::1:0/120
EOF
daemon_reload
expect eq "IPv4 groups after shrinking to /24" "$(count4)" 256
expect eq "IPv6 groups after shrinking to /120" "$(count6)" 256
check_not "IPv4 SSM pairs left" mcfilter_has $RTR_OUT2 10.0.0.0 232.1.1.0

daemon_stop
expect eq "exit status" "$DAEMON_RC" 0
expect eq "IPv4 groups left on exit" "$(count4)" 0
expect eq "IPv6 groups left on exit" "$(count6)" 0

finish
