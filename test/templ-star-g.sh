#!/bin/bash
# (*,G) templates, IPv4 and IPv6: learned (S,G) entries, stop filters for
# non-matching upcalls, upgrade and downgrade on reload.
. "$(dirname "$0")/lib.sh"

need_mroute4
need_mroute6
need_tools
need_daemon
topo

template_test "group 225.1.1.1" \
    "$SRC4,225.1.1.1 $SRC4B,225.1.1.1" \
    "$SRC4,225.1.1.2" \
    "$SRC4,225.1.1.3" \
    "group 225.1.1.2"

template_test "group ff0e::1:1" \
    "$SRC6,ff0e::1:1 $SRC6B,ff0e::1:1" \
    "$SRC6,ff0e::1:2" \
    "$SRC6,ff0e::1:3" \
    "group ff0e::1:2"

finish
