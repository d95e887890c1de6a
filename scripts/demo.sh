#!/bin/bash
# IPTV gateway demo: builds smcroute-ng and runs it between a source
# streaming three channels and two set-top boxes, in network namespaces
# it creates and removes.  Run as root on Debian; exits 0 within a minute
# (two when it runs in the VM, on a kernel without multicast routing).
#
#   isp:s0 ---- wan:gw:lan ---- p0:sw(bridge):p1 ---- stb1
#                                            :p2 ---- stb2
#
# The gateway runs smcrouted as an IGMP proxy (wan upstream, lan with a
# querier and fast leave) plus one static route.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$top/build}

if [ "$(id -u)" -ne 0 ]; then
	echo "demo: run as root (it creates network namespaces)" >&2
	exit 1
fi
if [ -z "${DEMO_INNER:-}" ]; then
	"$top/scripts/deps.sh"
	echo "demo: building in $build ..."
	"$top/scripts/build.sh" "$build"
	make -C "$build" -s test/mcsend test/mcrecv >/dev/null
	export DEMO_INNER=1 BUILD="$build"
	if ! missing=$("$top/scripts/kernel-check.sh" mroute4 veth bridge); then
		# A kernel without multicast routing (containers, some
		# clouds): the same demo in a throwaway VM with Debian's.
		"$top/scripts/deps.sh" qemu-system-x86 busybox-static cpio kmod
		echo "demo: this kernel lacks $(printf '%s\n' "$missing" |
		    paste -sd, - | sed 's/,/, /g'): running in a VM" \
		    "with Debian's kernel (scripts/vm.sh)"
		exec "$top/scripts/vm.sh" -q -- unshare -m -n "$0" "$@"
	fi
	exec unshare -m -n "$0" "$@"
fi

# From here on: a private network and mount namespace.
mount -t tmpfs tmpfs /run
mkdir -p /run/netns
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
D=$build/src/smcrouted
C="$build/src/smcroutectl -u $work/gw.sock"
SEND=$build/test/mcsend
RECV=$build/test/mcrecv

for ns in isp gw sw stb1 stb2; do
	ip netns add $ns
	ip -n $ns link set lo up
done
ip -n isp link add s0 type veth peer name wan netns gw
ip -n gw link add lan type veth peer name p0 netns sw
ip -n sw link add p1 type veth peer name eth0 netns stb1
ip -n sw link add p2 type veth peer name eth0 netns stb2
ip -n sw link add br0 type bridge mcast_snooping 0
for p in p0 p1 p2; do
	ip -n sw link set $p master br0 up
done
ip -n sw link set br0 up
ip -n isp addr add 10.0.0.1/24 dev s0 && ip -n isp link set s0 up
ip -n gw addr add 10.0.0.254/24 dev wan && ip -n gw link set wan up
ip -n gw addr add 192.168.1.1/24 dev lan && ip -n gw link set lan up
ip -n stb1 addr add 192.168.1.11/24 dev eth0 && ip -n stb1 link set eth0 up
ip -n stb2 addr add 192.168.1.12/24 dev eth0 && ip -n stb2 link set eth0 up

cat >"$work/gw.conf" <<EOC
# IPTV from the provider on wan; merged membership reported upstream
phyint wan upstream igmp
# The home LAN: IGMPv3 querier, leave at once when the last viewer goes
phyint lan igmp fast-leave last-member-query-interval 0.5
# One static stream, always on (e.g. a camera or a radio channel)
mroute from wan group 239.9.9.9 to lan
EOC

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
ctl() { echo "\$ smcroutectl -p $*"; $C -p "$@"; }

say "gateway configuration"
cat "$work/gw.conf"
ip netns exec gw $D -n -f "$work/gw.conf" -u "$work/gw.sock" \
	-P "$work/gw.pid" -l notice 2>"$work/gw.log" &
for _ in $(seq 50); do [ -s "$work/gw.pid" ] && break; sleep 0.1; done

say "isp: streaming channels 239.1.1.1, .2, .3 and 239.9.9.9 at 100 pps"
for g in 239.1.1.1 239.1.1.2 239.1.1.3 239.9.9.9; do
	ip netns exec isp $SEND -q -i s0 -d 22 -r 100 $g &
done

# watch BOX CHANNEL SECONDS: a set-top box tuned to a channel
watch() {
	ip netns exec "$1" $RECV -i eth0 -d "$3" -T "$2" >"$work/$1-$2.out" &
}
result() {
	local f=$work/$1-$2.out
	printf '  %-5s %-10s received %5s packets, lost %s\n' "$1" "$2" \
		"$(sed -n 's/^received=//p' "$f")" "$(sed -n 's/^lost=//p' "$f")"
}

sleep 1
say "stb1 tunes to 239.1.1.1; stb2 to 239.1.1.1 two seconds later"
watch stb1 239.1.1.1 6
sleep 2
watch stb2 239.1.1.1 12
sleep 1
say "the gateway now"
ctl show igmp
ctl show routes

sleep 3.2
say "stb1 zaps to 239.1.1.2 (stb2 stays on 239.1.1.1)"
watch stb1 239.1.1.2 5
sleep 1.5
ctl show igmp
ctl show routes

sleep 4
say "stb1 is switched off; stb2 keeps watching"
sleep 3.5
say "stb2 is switched off too"
sleep 0.5
ctl show routes
wait_boxes() { while pgrep -f "$RECV" >/dev/null; do sleep 0.2; done; }
wait_boxes

say "what the set-top boxes received (100 pps per channel)"
result stb1 239.1.1.1
result stb1 239.1.1.2
result stb2 239.1.1.1
echo "  (each box also received the static 239.9.9.9 the whole time)"

say "kernel multicast forwarding cache on the gateway"
ip netns exec gw ip mroute show
say "gateway log"
cat "$work/gw.log"
kill "$(cat "$work/gw.pid")"
echo
echo "demo: done"
