#!/bin/bash
# (*,G/LEN) templates, IPv4 and IPv6: learned (S,G) entries, stop filters
# for non-matching upcalls, upgrade and downgrade on reload.
. "$(dirname "$0")/lib.sh"

need_mroute4
need_mroute6
need_tools
need_daemon
topo

template_test "group 225.1.1.0/24" \
    "$SRC4,225.1.1.1 $SRC4B,225.1.1.200" \
    "$SRC4,225.1.2.1" \
    "$SRC4,225.2.0.1" \
    "group 225.1.0.0/16"

# /120 is not on a 16-bit boundary.
template_test "group ff0e::1:100/120" \
    "$SRC6,ff0e::1:101 $SRC6B,ff0e::1:1ff" \
    "$SRC6,ff0e::1:201" \
    "$SRC6,ff0e::2:1" \
    "group ff0e::1:0/112"

finish
