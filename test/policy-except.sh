#!/bin/bash
# mroute ... except LIST: a template does not match the sources it
# excepts (one address, or a list of addresses and prefixes), IPv4 and
# IPv6; excepted flows get a stop filter, or the outbound interfaces of
# another route that wants them; the same with smcroutectl add (which
# also merges except lists into an existing route); show routes lists
# the excepts (EXCEPT column, "except" in -j); a reload that adds or
# removes an except re-computes the entries already installed; bad
# lists are errors with their file and line (smcrouted -F, exit 78) and
# are refused by smcroutectl.
#
# Sources (src:s0): SRC4 10.0.0.1, SRC4B 10.0.0.2, SRC4C 10.0.0.130,
#                   SRC6 fc00::1, SRC6B fc00::2, SRC6C fc00::8000:1
. "$(dirname "$0")/lib.sh"

need_mroute4
need_mroute6
need_tools
need_daemon
topo 2

ctl()
{
	nsx $RTR "$SMCROUTECTL" -u "$SOCK" "$@"
}

# rule ROUTE: the columns after ROUTE (e.g. "(*, 225.1.2.0/24)") in
# `show routes`: "IIF OIFS... EXCEPT...".
rule()
{
	ctl -t show routes | awk -v r="$1" '
	    index($0, r " ") == 1 { $1 = ""; $2 = ""; sub(/^ +/, ""); print; exit }'
}

# json_has TEXT: `show routes -j` contains TEXT.
json_has()
{
	ctl -j show routes | grep -qF -- "$1"
}

# passes DESC GROUP SRC: a template flow from SRC is learned r0 -> r1.
passes()
{
	flow_check "$1" learn "$2" "$3"
	check "$1: learned r0 -> r1" mfc_is "$3" "$2" $RTR_IN $RTR_OUT1
}

# refused DESC GROUP SRC: nothing forwarded, and a stop filter.
refused()
{
	flow "$2" "$3"
	expect eq "$1: rcv1 got none" "$FLOW1" 0
	expect eq "$1: rcv2 got none" "$FLOW2" 0
	check "$1: stop filter (no OIFs)" mfc_stop "$3" "$2" $RTR_IN
}

conf <<EOF
# one excepted source, and a list within a source prefix
mroute from $RTR_IN except $SRC4B group 225.1.2.0/24 to $RTR_OUT1
mroute from $RTR_IN source 10.0.0.0/24 except 10.0.0.0/31,$SRC4C group 225.1.3.0/24 to $RTR_OUT1
mroute from $RTR_IN except $SRC6B group ff0e::1:2:0/112 to $RTR_OUT1
mroute from $RTR_IN source fc00::/64 except fc00::/127,$SRC6C group ff0e::1:3:0/112 to $RTR_OUT1
# an excepted source that another route wants
mroute from $RTR_IN except $SRC4B group 225.1.4.0/24 to $RTR_OUT1
mroute from $RTR_IN source $SRC4B group 225.1.4.4 to $RTR_OUT2
EOF
daemon_start

# ---- show routes
expect seq "show routes: EXCEPT of the one-address form" \
    "$(rule '(*, 225.1.2.0/24)')" "$RTR_IN $RTR_OUT1 $SRC4B"
expect seq "show routes: EXCEPT of the list form" \
    "$(rule '(10.0.0.0/24, 225.1.3.0/24)')" \
    "$RTR_IN $RTR_OUT1 10.0.0.0/31 $SRC4C"
expect seq "show routes: IPv6 EXCEPT" \
    "$(rule '(fc00::/64, ff0e::1:3:0/112)')" \
    "$RTR_IN $RTR_OUT1 fc00::/127 $SRC6C"
check "show routes -j: except of the one-address form" json_has \
    '{"source":null,"group":"225.1.2.0/24","iif":"r0","oifs":["r1"],"except":["10.0.0.2"]}'
check "show routes -j: except of the list form" json_has \
    '{"source":"10.0.0.0/24","group":"225.1.3.0/24","iif":"r0","oifs":["r1"],"except":["10.0.0.0/31","10.0.0.130"]}'
check "show routes -j: IPv6 except list" json_has \
    '"group":"ff0e::1:3:0/112","iif":"r0","oifs":["r1"],"except":["fc00::/127","fc00::8000:1"]}'
check "show routes -j: an (S,G) route has an empty except" json_has \
    '{"source":"10.0.0.2","group":"225.1.4.4","iif":"r0","oifs":["r2"],"except":[]}'

# ---- traffic, IPv4
passes "IPv4 one-address form, allowed SRC4" 225.1.2.3 $SRC4
refused "IPv4 one-address form, excepted SRC4B" 225.1.2.3 $SRC4B
passes "IPv4 list form, allowed SRC4B" 225.1.3.3 $SRC4B
refused "IPv4 list form, SRC4 excepted by 10.0.0.0/31" 225.1.3.3 $SRC4
refused "IPv4 list form, SRC4C excepted by address" 225.1.3.3 $SRC4C
check "IPv4 allowed entry untouched by the refusals" \
    mfc_is $SRC4B 225.1.3.3 $RTR_IN $RTR_OUT1

# ---- traffic, IPv6
passes "IPv6 one-address form, allowed SRC6" ff0e::1:2:3 $SRC6
refused "IPv6 one-address form, excepted SRC6B" ff0e::1:2:3 $SRC6B
passes "IPv6 list form, allowed SRC6B" ff0e::1:3:3 $SRC6B
refused "IPv6 list form, SRC6 excepted by fc00::/127" ff0e::1:3:3 $SRC6
refused "IPv6 list form, SRC6C excepted by address" ff0e::1:3:3 $SRC6C

# ---- an excepted source that another route wants
flow 225.1.4.4 $SRC4B
expect eq "excepted SRC4B: not to r1 (the template)" "$FLOW1" 0
expect eq "excepted SRC4B: to r2 (its (S,G) route)" "$FLOW2" $FLOW_COUNT
check "excepted SRC4B: entry r0 -> r2 only" mfc_is $SRC4B 225.1.4.4 $RTR_IN $RTR_OUT2
flow 225.1.4.4 $SRC4 $FLOW_COUNT prime
expect ge "SRC4 on the same group: to r1" "$FLOW1" $((FLOW_COUNT - 1))
expect eq "SRC4 on the same group: not to r2" "$FLOW2" 0
check "SRC4 entry r0 -> r1 only" mfc_is $SRC4 225.1.4.4 $RTR_IN $RTR_OUT1

# ---- smcroutectl add with except
ctl add $RTR_IN except $SRC4B 225.1.5.0/24 $RTR_OUT1 >"$WORK/ctl.out" 2>&1
expect eq "smcroutectl add ... except ADDR" $? 0
ctl add $RTR_IN except $SRC6B,$SRC6C ff0e::1:5:0/112 $RTR_OUT1 \
    >"$WORK/ctl.out" 2>&1
expect eq "smcroutectl add ... except LIST (IPv6)" $? 0
expect seq "show routes: EXCEPT of the added route" \
    "$(rule '(*, 225.1.5.0/24)')" "$RTR_IN $RTR_OUT1 $SRC4B"
check "show routes -j: except of the added IPv6 route" json_has \
    '{"source":null,"group":"ff0e::1:5:0/112","iif":"r0","oifs":["r1"],"except":["fc00::2","fc00::8000:1"]}'
passes "added route, allowed SRC4" 225.1.5.5 $SRC4
refused "added route, excepted SRC4B" 225.1.5.5 $SRC4B
passes "added IPv6 route, allowed SRC6" ff0e::1:5:5 $SRC6
refused "added IPv6 route, excepted SRC6C" ff0e::1:5:5 $SRC6C
# Adding an except to an existing route merges it, and the flow it now
# refuses stops at once.
ctl add $RTR_IN except 10.0.0.0/31 225.1.5.0/24 $RTR_OUT1 >"$WORK/ctl.out" 2>&1
expect eq "smcroutectl add merges another except" $? 0
expect seq "show routes: merged EXCEPT" \
    "$(rule '(*, 225.1.5.0/24)')" "$RTR_IN $RTR_OUT1 $SRC4B 10.0.0.0/31"
check "learned SRC4 entry now refused: no OIFs" \
    wait_until 1 mfc_stop $SRC4 225.1.5.5 $RTR_IN
flow 225.1.5.5 $SRC4
expect eq "merged except: SRC4 not forwarded any more" "$FLOW1" 0

# Refused by smcroutectl, with the reason.
ctl_bad()
{
	local desc=$1 want=$2
	shift 2
	ctl "$@" >"$WORK/ctl.out" 2>&1
	expect eq "smcroutectl refuses $desc" $? 1
	check "... saying: $want" grep -qF -- "$want" "$WORK/ctl.out"
}
ctl_bad "an except of the wrong family" "not the family" \
    add $RTR_IN except $SRC6B 225.1.6.0/24 $RTR_OUT1
ctl_bad "an except outside the source" "outside source" \
    add $RTR_IN 10.0.0.0/25 except $SRC4C 225.1.6.0/24 $RTR_OUT1
ctl_bad "an except list with an empty entry" "empty entry" \
    add $RTR_IN except $SRC4B,,$SRC4C 225.1.6.0/24 $RTR_OUT1
ctl_bad "an except with a single source" "single source" \
    add $RTR_IN $SRC4 except $SRC4 225.1.6.6 $RTR_OUT1
ctl_bad "remove with an except list" "except" \
    remove $RTR_IN except $SRC4B 225.1.5.0/24
check_not "no route for the refused requests" json_has '225.1.6.'

# ---- reload: add and remove excepts
passes "IPv4 one-address form, allowed SRC4C" 225.1.2.3 $SRC4C
check "SRC4B still has its stop filter" mfc_stop $SRC4B 225.1.2.3 $RTR_IN
conf <<EOF
mroute from $RTR_IN except $SRC4C group 225.1.2.0/24 to $RTR_OUT1
mroute from $RTR_IN source 10.0.0.0/24 except 10.0.0.0/31,$SRC4C group 225.1.3.0/24 to $RTR_OUT1
mroute from $RTR_IN except $SRC6B group ff0e::1:2:0/112 to $RTR_OUT1
mroute from $RTR_IN source fc00::/64 except fc00::/127,$SRC6C group ff0e::1:3:0/112 to $RTR_OUT1
mroute from $RTR_IN except $SRC4B group 225.1.4.0/24 to $RTR_OUT1
mroute from $RTR_IN source $SRC4B group 225.1.4.4 to $RTR_OUT2
EOF
daemon_reload
expect seq "reload: new EXCEPT shown" \
    "$(rule '(*, 225.1.2.0/24)')" "$RTR_IN $RTR_OUT1 $SRC4C"
check "reload added SRC4C's except: its entry loses its OIFs at once" \
    mfc_stop $SRC4C 225.1.2.3 $RTR_IN
check "reload removed SRC4B's except: its stop filter forwards at once" \
    mfc_is $SRC4B 225.1.2.3 $RTR_IN $RTR_OUT1
check "SRC4 unaffected" mfc_is $SRC4 225.1.2.3 $RTR_IN $RTR_OUT1
flow 225.1.2.3 $SRC4C
expect eq "after reload: SRC4C refused" "$FLOW1" 0
flow 225.1.2.3 $SRC4B
expect eq "after reload: SRC4B forwarded" "$FLOW1" $FLOW_COUNT
check_not "routes added with smcroutectl are gone after the reload" \
    json_has '"225.1.5.0/24"'

# Remove every except of the list form: all three sources pass.
sed -i 's|^\(mroute from r0 source 10.0.0.0/24\) except [^ ]*|\1|' "$CONF"
sed -i 's|^\(mroute from r0 source fc00::/64\) except [^ ]*|\1|' "$CONF"
daemon_reload
expect seq "reload: list removed" \
    "$(rule '(10.0.0.0/24, 225.1.3.0/24)')" "$RTR_IN $RTR_OUT1"
check "show routes -j: empty except" json_has \
    '{"source":"10.0.0.0/24","group":"225.1.3.0/24","iif":"r0","oifs":["r1"],"except":[]}'
check "SRC4's stop filter forwards after the reload" \
    mfc_is $SRC4 225.1.3.3 $RTR_IN $RTR_OUT1
check "SRC4C's stop filter forwards after the reload" \
    mfc_is $SRC4C 225.1.3.3 $RTR_IN $RTR_OUT1
check "IPv6 SRC6's stop filter forwards after the reload" \
    mfc_is $SRC6 ff0e::1:3:3 $RTR_IN $RTR_OUT1
flow 225.1.3.3 $SRC4
expect eq "after reload: SRC4 forwarded on 225.1.3.0/24" "$FLOW1" $FLOW_COUNT
flow ff0e::1:3:3 $SRC6C
expect eq "after reload: SRC6C forwarded on ff0e::1:3:0/112" "$FLOW1" \
    $FLOW_COUNT

daemon_stop
expect eq "exit status" "$DAEMON_RC" 0

# ---- bad except lists: smcrouted -F
BAD=$WORK/bad.conf
seventeen=$(seq -s, -f '10.0.1.%g' 1 17)
sixteen=$(seq -s, -f '10.0.1.%g' 1 16)
cat >"$BAD" <<EOF
# except lists that are wrong, one per line
mroute from r0 except 10.0.0.2,,10.0.0.3 group 225.1.2.0/24 to r1
mroute from r0 except ,10.0.0.2 group 225.1.2.0/24 to r1
mroute from r0 except 10.0.0.2, group 225.1.2.0/24 to r1
mroute from r0 except foo group 225.1.2.0/24 to r1
mroute from r0 except 10.0.0.2,10.0.0.x group 225.1.2.0/24 to r1
mroute from r0 except fc00::2 group 225.1.2.0/24 to r1
mroute from r0 except 10.0.0.2 group ff0e::1:0/112 to r1
mroute from r0 source 10.0.0.0/25 except 10.0.0.130 group 225.1.2.0/24 to r1
mroute from r0 source fc00::/120 except fc00::8000:1 group ff0e::1:0/112 to r1
mroute from r0 except $seventeen group 225.1.2.0/24 to r1
mroute from r0 source 10.0.0.1 except 10.0.0.1 group 225.1.2.3 to r1
mroute from r0 except 10.0.0.0/0 group 225.1.2.0/24 to r1
mroute from r0 except group 225.1.2.0/24 to r1
# a good line among them
mroute from r0 except $sixteen group 225.1.2.0/24 to r1
EOF
smcrouted_run -F "$BAD"
expect eq "-F on bad except lists: exit 78" "$RUN_RC" 78
bad_line()
{
	local n=$1 desc=$2 word=$3
	check "-F: line $n ($desc) reported" \
	    grep -q "^$BAD line $n: .*$word" "$WORK/run.out"
}
bad_line 2 "empty entry inside" "empty entry"
bad_line 3 "empty first entry" "empty entry"
bad_line 4 "empty last entry" "empty entry"
bad_line 5 "not an address" "foo"
bad_line 6 "not an address in the list" "10.0.0.x"
bad_line 7 "IPv6 except, IPv4 group" "family"
bad_line 8 "IPv4 except, IPv6 group" "family"
bad_line 9 "outside the IPv4 source prefix" "outside"
bad_line 10 "outside the IPv6 source prefix" "outside"
bad_line 11 "17 entries" "16"
bad_line 12 "except with a single source" ""
bad_line 13 "except everything" ""
bad_line 14 "no list" ""
expect eq "-F: exactly the 13 bad lines" \
    "$(grep -c "^$BAD line [0-9]*:" "$WORK/run.out")" 13
check_not "-F: the 16-entry line is fine" grep -q "^$BAD line 16:" "$WORK/run.out"

GOOD=$WORK/good.conf
cat >"$GOOD" <<EOF
mroute from r0 except $sixteen group 225.1.2.0/24 to r1
mroute from r0 source fc00::/64 except fc00::/127,fc00::8000:1 group ff0e::1:3:0/112 to r1
mroute except 10.0.0.2/31 group 225.1.2.0/24 from r0 to r1
mroute from r0 source 10.0.0.0/24 except 10.0.0.128/25,10.0.0.1 group 225.1.3.3 to r1
EOF
smcrouted_run -F "$GOOD"
expect eq "-F on good except lists: exit 0" "$RUN_RC" 0
finish
