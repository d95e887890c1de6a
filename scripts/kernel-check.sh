#!/bin/sh
# What this kernel offers the network tests, checked in a throwaway
# network namespace: prints one line per missing feature, with the
# kernel option behind it, and exits 0 when nothing is missing.
#
#   scripts/kernel-check.sh [-q] [FEATURE...]
#
# FEATUREs (default: all): mroute4 mroute6 mrtables veth bridge dummy
# vlan gre.  -q: print nothing, only the exit status.  Needs root.
quiet=0
[ "${1:-}" = -q ] && { quiet=1; shift; }
features=${*:-mroute4 mroute6 mrtables veth bridge dummy vlan gre}

if [ "$(id -u)" -ne 0 ]; then
	[ $quiet = 1 ] || echo "kernel-check: needs root (network namespaces)"
	exit 2
fi

# Each probe runs in a new network namespace, so nothing of the host's
# network is touched.
probe()
{
	unshare -n sh -c "$1" >/dev/null 2>&1
}

missing=0
for f in $features; do
	case $f in
	mroute4) probe 'test -e /proc/net/ip_mr_vif' ||
		what="IPv4 multicast routing (CONFIG_IP_MROUTE)" ;;
	mroute6) probe 'test -e /proc/net/ip6_mr_vif' ||
		what="IPv6 multicast routing (CONFIG_IPV6_MROUTE)" ;;
	mrtables) probe 'ip mrule show && ip -6 mrule show' ||
		what="multicast routing tables (CONFIG_IP_MROUTE_MULTIPLE_TABLES, CONFIG_IPV6_MROUTE_MULTIPLE_TABLES)" ;;
	veth) probe 'ip link add name k0 type veth peer name k1' ||
		what="veth pairs (CONFIG_VETH)" ;;
	bridge) probe 'ip link add name k0 type bridge' ||
		what="bridges (CONFIG_BRIDGE)" ;;
	dummy) probe 'ip link add name k0 type dummy' ||
		what="dummy interfaces (CONFIG_DUMMY)" ;;
	vlan) probe 'ip link add name k0 type veth peer name k1 &&
		ip link add link k0 name k0.7 type vlan id 7' ||
		what="802.1Q VLANs (CONFIG_VLAN_8021Q)" ;;
	gre) probe 'ip link add name k2 type gre local 10.9.9.1 remote 10.9.9.2' ||
		what="GRE tunnels (CONFIG_NET_IPGRE)" ;;
	*) echo "kernel-check: unknown feature $f" >&2; exit 2 ;;
	esac
	if [ -n "${what:-}" ]; then
		[ $quiet = 1 ] || echo "$what"
		missing=$((missing + 1))
		what=
	fi
done
[ $missing -eq 0 ]
