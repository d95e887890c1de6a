#!/bin/bash
# (S/LEN,G/LEN) templates, IPv4 and IPv6: learned (S,G) entries, stop
# filters for non-matching upcalls, upgrade and downgrade on reload.
. "$(dirname "$0")/lib.sh"

need_mroute4
need_mroute6
need_tools
need_daemon
topo

template_test "source 10.0.0.0/25 group 225.1.1.0/24" \
    "$SRC4,225.1.1.1 $SRC4B,225.1.1.77" \
    "$SRC4C,225.1.1.1" \
    "$SRC4,225.1.2.1 $SRC4C,225.1.2.1" \
    "source 10.0.0.128/25 group 225.1.1.0/24"

template_test "source fc00::/113 group ff0e::1:0/112" \
    "$SRC6,ff0e::1:1 $SRC6B,ff0e::1:abcd" \
    "$SRC6C,ff0e::1:1" \
    "$SRC6,ff0e::2:1 $SRC6C,ff0e::2:1" \
    "source fc00::8000:0/113 group ff0e::1:0/112"

finish
