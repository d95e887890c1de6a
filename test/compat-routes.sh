#!/bin/bash
# Routes as SMCRoute 2.6 handles them, where an interface is the
# inbound and an outbound one, or missing, or not multicast capable:
# 1. an inbound interface named as outbound too is installed as one
#    (smcroutectl add and smcroute.conf, IPv4 and IPv6; `ip mroute`
#    shows "Iif: r1 Oifs: r1"), but not when only a wildcard yields it;
# 2. a route whose outbound interface is missing is installed with the
#    others and pending for that one, which it gets when it appears; a
#    deleted outbound interface leaves the routes sending there (a stop
#    filter when nothing is left), a deleted inbound one takes its
#    routes' kernel entries away; smcroutectl add skips an unknown
#    outbound interface;
# 3. show pending prints smcroute.conf lines under a plain heading, or
#    "No pending routes or groups"; JSON as before;
# 4. a pending route stays pending while its inbound interface cannot
#    do multicast, and activates when it can;
# 5. entries from a deleted interface are deleted, not first installed
#    again without outbound interfaces.
. "$(dirname "$0")/lib.sh"

need_mroute4
need_mroute6
need_tools
need_daemon
need_bin "$SMCROUTECTL"
topo 2

ctl()
{
	nsx $RTR "$SMCROUTECTL" -u "$SOCK" "$@"
}

# mroute_line S G: the `ip mroute show` line of (S,G).
mroute_line()
{
	local fam=-4
	_is6 "$2" && fam=-6
	ip -n $RTR $fam mroute show | grep -F "($1,$2)"
}

# routes_has TEXT: `smcroutectl -p show routes` has a line with TEXT.
routes_has()
{
	ctl -p show routes | grep -qF -- "$1"
}

pending_text()
{
	ctl show pending
}

conf <<EOF
# 1: the inbound interface named as an outbound one, and a wildcard
mroute from $RTR_OUT1 source $SRC4 group 225.1.1.1 to $RTR_OUT1
mroute from $RTR_OUT1 source $SRC6 group ff0e::1:1 to $RTR_OUT1
mroute from $RTR_IN source $SRC4 group 225.1.1.2 to r+
# 2: an outbound interface that does not exist yet
mroute from $RTR_IN source $SRC4 group 225.2.2.2 to $RTR_OUT1 x9
mroute from $RTR_IN source $SRC6 group ff0e::2:2 to $RTR_OUT1 x9
mroute from $RTR_IN source $SRC4 group 225.2.2.3 to x9
# 4: an inbound interface that comes without multicast
mroute from x8 source 10.8.0.1 group 225.8.8.8 to $RTR_OUT1
EOF
daemon_start

say "1. the inbound interface as an outbound one"
check "conf: (S,G) r1 -> r1 in the kernel" \
    mfc_is $SRC4 225.1.1.1 $RTR_OUT1 $RTR_OUT1
check "conf, IPv6: (S,G) r1 -> r1 in the kernel" \
    mfc_is $SRC6 ff0e::1:1 $RTR_OUT1 $RTR_OUT1
check "ip mroute: Iif: r1 Oifs: r1" \
    eval 'mroute_line $SRC4 225.1.1.1 | grep -q "Iif: $RTR_OUT1 *Oifs: $RTR_OUT1"'
check "ip -6 mroute: Iif: r1 Oifs: r1" \
    eval 'mroute_line $SRC6 ff0e::1:1 | grep -q "Iif: $RTR_OUT1 *Oifs: $RTR_OUT1"'
check "show routes lists r1 under OIFS" \
    eval "ctl -t show routes | grep -Eq '^\\($SRC4, 225\\.1\\.1\\.1\\) +$RTR_OUT1 +$RTR_OUT1\$'"
check "only logged (info), as a possible loop" \
    grep -q "$RTR_OUT1 is both inbound and outbound, this may cause routing loops" "$DLOG"
check "a wildcard does not yield the inbound interface" \
    mfc_is $SRC4 225.1.1.2 $RTR_IN $RTR_OUT1 $RTR_OUT2
assert "smcroutectl add r2 S G r2" ctl add $RTR_OUT2 $SRC4 225.1.1.3 $RTR_OUT2
check "smcroutectl: (S,G) r2 -> r2 in the kernel" \
    mfc_is $SRC4 225.1.1.3 $RTR_OUT2 $RTR_OUT2
assert "smcroutectl add IPv6 r2 S G r2" ctl add $RTR_OUT2 $SRC6 ff0e::1:3 $RTR_OUT2
check "smcroutectl, IPv6: (S,G) r2 -> r2" \
    mfc_is $SRC6 ff0e::1:3 $RTR_OUT2 $RTR_OUT2
assert "smcroutectl add r0 S G r+" ctl add $RTR_IN $SRC4 225.1.1.4 'r+'
check "smcroutectl: the wildcard leaves r0 out" \
    mfc_is $SRC4 225.1.1.4 $RTR_IN $RTR_OUT1 $RTR_OUT2

say "2. a missing outbound interface"
check "installed with the outbound interface that exists" \
    mfc_is $SRC4 225.2.2.2 $RTR_IN $RTR_OUT1
check "IPv6: installed with the one that exists" \
    mfc_is $SRC6 ff0e::2:2 $RTR_IN $RTR_OUT1
check "with no outbound interface left: a stop filter" \
    mfc_stop $SRC4 225.2.2.3 $RTR_IN
flow 225.2.2.2 $SRC4
expect eq "forwarded to r1 meanwhile" "$FLOW1" $FLOW_COUNT
check "the line is pending" eval "pending_text | grep -qx \
    'mroute  from $RTR_IN source $SRC4 group 225.2.2.2 to $RTR_OUT1 x9'"
check "logged as waiting for x9" \
    grep -q "mroute from $RTR_IN pending: outbound x9 not available" "$DLOG"
say "x9 appears"
ip link add x9 netns $RTR type veth peer name y9 netns rcv2 ||
	error "cannot create x9"
ip -n $RTR link set x9 up
ip -n rcv2 link set y9 up
check "x9 added to the route" \
    wait_until 5 mfc_is $SRC4 225.2.2.2 $RTR_IN $RTR_OUT1 x9
check "IPv6: x9 added" wait_until 2 mfc_is $SRC6 ff0e::2:2 $RTR_IN $RTR_OUT1 x9
check "the stop filter forwards to x9 now" \
    wait_until 2 mfc_is $SRC4 225.2.2.3 $RTR_IN x9
check_not "no longer pending" eval "pending_text | grep -q 'x9'"

say "4. an inbound interface without multicast"
check "x8 pending" eval "pending_text | grep -qx \
    'mroute  from x8 source 10.8.0.1 group 225.8.8.8 to $RTR_OUT1'"
# Made under another name, so that x8 never appears with multicast.
ip link add t8 netns $RTR type veth peer name y8 netns rcv2 ||
	error "cannot create x8"
ip -n $RTR link set t8 multicast off
ip -n $RTR link set t8 name x8
ip -n $RTR link set x8 up
ip -n rcv2 link set y8 up
check "the daemon sees x8" wait_until 5 grep -q "renamed to x8" "$DLOG"
sleep 0.3
check "still pending while x8 cannot do multicast" eval "pending_text | \
    grep -qx 'mroute  from x8 source 10.8.0.1 group 225.8.8.8 to $RTR_OUT1'"
check_not "not logged as activated" grep -q "activated pending mroute from x8" "$DLOG"
check_not "no VIF for x8" vif_has x8
ip -n $RTR link set x8 multicast on
check "activated once x8 can do multicast" \
    wait_until 5 grep -q "activated pending mroute from x8" "$DLOG"
check "its VIF" vif_has x8
check "installed: (S,G) x8 -> r1" wait_until 2 mfc_is 10.8.0.1 225.8.8.8 x8 $RTR_OUT1

say "r1 deleted"
ip -n $RTR link del $RTR_OUT1
check "r1 leaves the route, which keeps sending to x9" \
    wait_until 5 mfc_is $SRC4 225.2.2.2 $RTR_IN x9
check "IPv6: likewise" wait_until 2 mfc_is $SRC6 ff0e::2:2 $RTR_IN x9
check "the route from r1 is gone from the kernel" \
    wait_until 2 not mfc_has $SRC4 225.1.1.1
check "the IPv6 route from r1 likewise" wait_until 2 not mfc_has $SRC6 ff0e::1:1
say "x9 deleted"
log_lines=$(wc -l <"$DLOG")
ip -n $RTR link del x9
check "nothing left to send to: the entry stays, as a stop filter" \
    wait_until 5 mfc_stop $SRC4 225.2.2.2 $RTR_IN
check "IPv6: likewise" wait_until 2 mfc_stop $SRC6 ff0e::2:2 $RTR_IN
check "the line is pending again" eval "pending_text | grep -qx \
    'mroute  from $RTR_IN source $SRC4 group 225.2.2.2 to $RTR_OUT1 x9'"
say "smcroutectl add with an unknown outbound interface"
assert "add r0 S G r2 nosuch: skipped, as SMCRoute does" \
    ctl add $RTR_IN $SRC4 225.2.2.5 $RTR_OUT2 nosuch
check "installed with r2" mfc_is $SRC4 225.2.2.5 $RTR_IN $RTR_OUT2
check "the daemon says so" grep -q "ipc: outbound nosuch does not exist, skipped" "$DLOG"

say "5. entries from a deleted interface"
# Learned, template and (S,G) entries from r2 (the IIF of 225.1.1.3).
check "(S,G) from r2 before" mfc_is $SRC4 225.1.1.3 $RTR_OUT2 $RTR_OUT2
ip -n $RTR link del $RTR_OUT2
check "(S,G) from r2 gone" wait_until 5 not mfc_has $SRC4 225.1.1.3
check "IPv6 (S,G) from r2 gone" wait_until 2 not mfc_has $SRC6 ff0e::1:3
check_not "not installed again without outbound interfaces first" \
    eval "tail -n +$((log_lines + 1)) '$DLOG' | grep -q 'Installed ($SRC4, 225.1.1.3) from $RTR_OUT2, 0 outbound'"
check_not "IPv6: likewise" \
    eval "tail -n +$((log_lines + 1)) '$DLOG' | grep -q 'Installed ($SRC6, ff0e::1:3) from $RTR_OUT2, 0 outbound'"

say "3. show pending"
# r1 is gone: the lines naming it wait for it, in smcroute.conf form.
ctl show pending >"$WORK/pending.txt"
check "a plain heading first" eval "head -n 1 '$WORK/pending.txt' | grep -qx 'PENDING ROUTES AND GROUPS'"
# Waiting: both lines from r1, the three to r1 or x9, and x8's to r1.
check "the lines can be grepped with ^mroute" \
    eval "grep -c '^mroute  from ' '$WORK/pending.txt' | grep -qx 6"
check "-t drops the heading" eval "ctl -t show pending | head -n 1 | grep -q '^mroute  from'"
check "-p: the same, no framing" eval "ctl -p show pending | cmp -s - '$WORK/pending.txt'"
ctl -j show pending >"$WORK/pending.json"
check "JSON keeps its parts" grep -qF \
    "{\"kind\":\"mroute\",\"iif\":\"$RTR_IN\",\"source\":\"$SRC4\",\"group\":\"225.2.2.2\",\"oifs\":[\"$RTR_OUT1\",\"x9\"]}" \
    "$WORK/pending.json"
# A pasted line is read as it was written.
grep '^mroute' "$WORK/pending.txt" >"$WORK/pasted.conf"
smcrouted_run -F "$WORK/pasted.conf"
expect eq "the pending lines pass smcrouted -F" "$RUN_RC" 0
conf <<EOF
mroute from $RTR_IN source $SRC4 group 225.9.9.9 to $RTR_IN
EOF
daemon_reload
expect seq "nothing pending: the message" "$(ctl show pending)" \
    "No pending routes or groups"
expect seq "nothing pending: JSON" "$(ctl -j show pending)" '{"pending":[]}'

daemon_stop
expect eq "exit status" "$DAEMON_RC" 0
finish
