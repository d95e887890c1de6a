#!/bin/bash
# Many routes: 1000 IPv4 and 1000 IPv6 (S,G) routes are all installed at
# start; a reload that drops half of them removes exactly those; a
# reload that moves a route's inbound interface re-installs it there.
. "$(dirname "$0")/lib.sh"

need_mroute4
need_mroute6
need_tools
need_daemon
topo 2

routes()
{
	local n=$1 i
	for ((i = 0; i < n; i++)); do
		echo "mroute from $RTR_IN source $SRC4 group 225.2.$((i / 250)).$((i % 250 + 1)) to $RTR_OUT1"
		printf 'mroute from %s source %s group ff0e::2:%x to %s\n' \
		    $RTR_IN $SRC6 $((i + 1)) $RTR_OUT1
	done
}

routes 1000 | conf
start=$(date +%s%N)
daemon_start
say "ready after $(( ($(date +%s%N) - start) / 1000000 )) ms"
expect eq "1000 IPv4 routes installed" "$(mfc_count)" 1000
expect eq "1000 IPv6 routes installed" "$(mfc_count 6)" 1000
check "last IPv4 route" mfc_is $SRC4 225.2.3.250 $RTR_IN $RTR_OUT1
check "last IPv6 route" mfc_is $SRC6 ff0e::2:3e8 $RTR_IN $RTR_OUT1
flow_check "IPv4 forwarding, last route" all 225.2.3.250 $SRC4
flow_check "IPv6 forwarding, last route" all ff0e::2:3e8 $SRC6

routes 500 | conf
daemon_reload
expect eq "500 IPv4 routes after dropping half" "$(mfc_count)" 500
expect eq "500 IPv6 routes after dropping half" "$(mfc_count 6)" 500
check_not "dropped IPv4 route gone" mfc_has $SRC4 225.2.3.250
check "kept IPv4 route" mfc_is $SRC4 225.2.1.250 $RTR_IN $RTR_OUT1

# Inbound interface change: 225.2.0.1 now comes from r2.
{
	routes 500 | sed "/group 225.2.0.1 to/s/from $RTR_IN /from $RTR_OUT2 /"
} | conf
daemon_reload
check "IIF changed on reload: r2 -> r1" mfc_is $SRC4 225.2.0.1 $RTR_OUT2 $RTR_OUT1
flow_check "not forwarded from r0 any more" none 225.2.0.1 $SRC4

daemon_stop
expect eq "exit status" "$DAEMON_RC" 0
expect eq "no IPv4 routes after exit" "$(mfc_count)" 0
expect eq "no IPv6 routes after exit" "$(mfc_count 6)" 0
finish
