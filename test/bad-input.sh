#!/bin/bash
# Every bad input is harmless at run time: the daemon starts with a conf
# full of bad lines (SMCRoute crashes or misbehaves on several), keeps the
# good lines, forwards, reloads the same file and exits cleanly.
. "$(dirname "$0")/lib.sh"

need_mroute4
need_mroute6
need_tools
need_daemon
topo

oifs33=$(for i in $(seq 1 33); do printf " $RTR_OUT1"; done)
oifs33b=$(for i in $(seq 1 33); do printf ' x%d' $i; done)
bad_lines()
{
	cat <<EOF
mroute from $RTR_IN group 225.1.1.3 to$oifs33
mroute from $RTR_IN group 225.1.1.3 to$oifs33b
mroute from $RTR_IN group 225.1.1.0/33 to $RTR_OUT1
mroute from $RTR_IN source $SRC4/33 group 225.1.1.4 to $RTR_OUT1
mroute from $RTR_IN group ff0e::1/129 to $RTR_OUT1
mroute from $RTR_IN group 10.1.1.1 to $RTR_OUT1
mroute from $RTR_IN group fc00::5 to $RTR_OUT1
mgroup from $RTR_OUT1 group 192.168.1.1
include
include
mroute from $RTR_IN source fc00::1 group 225.1.1.5 to $RTR_OUT1
mroute from $RTR_IN group 225.1.1.6#x to $RTR_OUT1
mroute from $RTR_IN group banana to $RTR_OUT1
mroute from $RTR_IN to $RTR_OUT1
mroute
mgroup
phyint
mgroup from $RTR_OUT1 group 226.0.0.0/8
mgroup from $RTR_OUT1 source 10.0.0.0/8 group 232.0.0.0/8
mgroup from $RTR_OUT1 group ff0e::/16
phyint $RTR_OUT1 ttl-threshold 0
phyint $RTR_OUT1 ttl-threshold 99999999999999999999
mroute from r0123456789abcdefghij group 225.1.1.7 to $RTR_OUT1
mroute from $RTR_IN group 225.1.1.8 to r0123456789abcdefghij
frobnicate
mroute from $RTR_IN source $SRC4 group 225.1.1.9 to $RTR_OUT1 $(printf '%01200d' 0)
EOF
	# Binary junk and a NUL byte.
	printf 'mroute \001\002\377 from\n'
	printf 'mgroup from %s\000 group 225.1.1.10\n' $RTR_OUT1
}

{
	echo "mroute from $RTR_IN source $SRC4 group 225.1.1.1 to $RTR_OUT1"
	bad_lines
	echo "mroute from $RTR_IN source $SRC6 group ff0e::1:1 to $RTR_OUT1"
	echo "mgroup from $RTR_OUT1 group 225.5.5.5"
} | conf

smcrouted_run -F "$CONF"
expect eq "-F: exit 78" $RUN_RC 78

daemon_start
check "alive with a conf full of bad lines" daemon_alive
check "good IPv4 route installed" mfc_is $SRC4 225.1.1.1 $RTR_IN $RTR_OUT1
check "good IPv6 route installed" mfc_is $SRC6 ff0e::1:1 $RTR_IN $RTR_OUT1
check "good group joined" igmp_has $RTR_OUT1 225.5.5.5
expect le "no bad group expanded" "$(igmp_groups $RTR_OUT1 | wc -l)" 4
expect le "no bad IPv6 group expanded" \
    "$(proc igmp6 | awk -v d=$RTR_OUT1 '$2 == d' | wc -l)" 8
for g in 225.1.1.3 225.1.1.4 225.1.1.9; do
	check_not "nothing installed for a bad line ($g)" mfc_has $SRC4 $g
done
flow_check "IPv4 forwarding works" all 225.1.1.1 $SRC4
flow_check "IPv6 forwarding works" all ff0e::1:1 $SRC6

# Traffic for the groups of bad lines: stop filters, no crash.
for g in 225.1.1.3 225.1.1.4 225.1.1.9; do
	flow_check "traffic to $g (bad line)" none $g $SRC4
done
check "alive after traffic" daemon_alive

# Reload the same file twice (rejected, keeps everything), then a
# fixed one.
daemon_hup
daemon_hup
check "alive after reloading the bad file" daemon_alive
check "good route kept" mfc_is $SRC4 225.1.1.1 $RTR_IN $RTR_OUT1
conf <<EOF
mroute from $RTR_IN source $SRC4 group 225.1.1.1 to $RTR_OUT1
EOF
daemon_reload
check "alive after a good reload" daemon_alive
check_not "group of the dropped line left" igmp_has $RTR_OUT1 225.5.5.5

daemon_stop
expect eq "exit status" "$DAEMON_RC" 0
finish
