#!/bin/bash
# The limit of learned entries (smcrouted -C), IPv4: with -C 20 and a
# (*,G) rule, 30 sources flood the group beside a stream that flows
# already.  The kernel holds at most 20 entries for the group, the log
# says so once, the stream loses nothing, IPv6 (its own limit) still
# learns, refused flows cost one upcall each (no spinning), and once
# the flood's entries expire (-c 2) new sources, and a refused one, get
# routes again.
. "$(dirname "$0")/lib.sh"

: "${MCFLOOD:=$top_builddir/test/mcflood}"
need_mroute4
need_mroute6
need_tools
need_daemon
need_bin "$SMCROUTECTL"
need_bin "$MCFLOOD"
topo

LIMIT=20 NFLOOD=30 G=225.1.1.1 G6=ff0e::1:1
# Flood sources 10.0.0.10-39, later ones 10.0.0.40-49.
for ((i = 10; i < 50; i++)); do
	echo "address add 10.0.0.$i/24 dev $SRC_IF"
done | ip -n src -b - || error "cannot add the flood's source addresses"

# grp_count G: resolved kernel entries for IPv4 group G.
grp_count()
{
	local line g iif n=0 want
	_hex4 "$1"
	want=${_R^^}
	_readproc ip_mr_cache
	for line in "${_P[@]:1}"; do
		read -r g _ iif _ <<<"$line"
		[ "${g^^}" = "$want" ] || continue
		[ "$iif" = -1 ] || [ "$iif" = 65535 ] || n=$((n + 1))
	done
	echo $n
}

# grp_sources G: the sources of the resolved entries for G, one a line.
grp_sources()
{
	local line g s iif want
	_hex4 "$1"
	want=${_R^^}
	_readproc ip_mr_cache
	for line in "${_P[@]:1}"; do
		read -r g s iif _ <<<"$line"
		[ "${g^^}" = "$want" ] || continue
		[ "$iif" = -1 ] || [ "$iif" = 65535 ] && continue
		_unhex4 "$s"
		echo "$_R"
	done
}

grp_count_is()
{
	[ "$(grp_count "$1")" -eq "$2" ]
}

# counter FAMILY NAME: a counter of smcroutectl -d show interfaces.
counter()
{
	nsx $RTR "$SMCROUTECTL" -u "$SOCK" -t -d show interfaces |
	    awk -v f="$1" -v c="$2" '$1 == f && $2 == c { print $3 }'
}

conf <<EOF
mroute from $RTR_IN group $G to $RTR_OUT1
mroute from $RTR_IN group $G6 to $RTR_OUT1
EOF
daemon_start -C $LIMIT -c 2

# The stream that flows before the flood: rcv1 takes only its source.
recv_start rmain rcv1 -i $RCV1_IF -s $SRC4 -d 60 $G
send_start smain src -i $SRC_IF -s $SRC4 -r 100 -d 60 $G
check "the stream is learned" wait_until 5 mfc_is $SRC4 $G $RTR_IN $RTR_OUT1

say "flood: $NFLOOD sources to $G"
ip netns exec src "$MCFLOOD" -i $SRC_IF -s 10.0.0.10+$NFLOOD -r 600 -d 6 $G \
    >"$WORK/flood.out" 2>"$WORK/flood.err" &
flood=$!
bg_add $flood
check "the limit is reached" wait_until 5 grp_count_is $G $LIMIT
max=0
for ((i = 0; i < 5; i++)); do
	n=$(grp_count $G)
	[ "$n" -gt "$max" ] && max=$n
	sleep 0.2
done
learned=$(grp_sources $G)
# What smcroutectl shows meanwhile: the stream's entry and 19 of the
# flood's are learned, the limit, refusals counted.
expect eq "show: IPv4 learned entries at the limit" \
    "$(counter IPv4 learned)" $LIMIT
expect eq "show: the IPv4 limit" "$(counter IPv4 learned_limit)" $LIMIT
expect ge "show: IPv4 refused upcalls" "$(counter IPv4 learned_refused)" \
    $((NFLOOD - LIMIT + 1))
expect eq "show: no IPv6 upcall refused" \
    "$(counter IPv6 learned_refused)" 0
json=$(nsx $RTR "$SMCROUTECTL" -u "$SOCK" -j -d show interfaces)
check "show -j -d: the limit in the counters" grep -qF \
    "{\"family\":\"IPv4\",\"counter\":\"learned_limit\",\"value\":$LIMIT}" \
    <<<"$json"
# Each address family has its own limit.
flow_check "IPv6 learned while IPv4 is at its limit" learn $G6 $SRC6
check "IPv6 entry" mfc_is $SRC6 $G6 $RTR_IN $RTR_OUT1
wait $flood
say "flood: $(tr '\n' ' ' <"$WORK/flood.out")"
n=$(grp_count $G)
[ "$n" -gt "$max" ] && max=$n
expect le "at most $LIMIT kernel entries for $G during the flood" $max $LIMIT
expect eq "no other IPv4 entries" "$(mfc_count)" "$(grp_count $G)"
expect eq "the limit is logged once" \
    "$(grep -c "IPv4 learned routes at the limit of $LIMIT (smcrouted -C)" \
    "$DLOG")" 1
check "the message names a refused flow and the count" \
    grep -q "from $RTR_IN not installed; 1 refused since start" "$DLOG"
check "the stream still has its entry" mfc_is $SRC4 $G $RTR_IN $RTR_OUT1

# A source the limit refused.
refused=
for ((i = 10; i < 10 + NFLOOD; i++)); do
	grep -qx "10.0.0.$i" <<<"$learned" || { refused=10.0.0.$i; break; }
done
[ -n "$refused" ] || fail "no source was refused"
say "refused, for one: $refused"

# Idle now: the flood's entries expire, the stream's stays.
check "the flood's entries expire, the stream's stays" \
    wait_until 10 grp_count_is $G 1
check "the stream kept its entry" mfc_is $SRC4 $G $RTR_IN $RTR_OUT1
flow_check "room again: a new source is learned" learn $G 10.0.0.40
check "the new source's entry" mfc_is 10.0.0.40 $G $RTR_IN $RTR_OUT1
# The kernel asks about the refused flow again once its unresolved
# entry (10 s) is gone.
send_start late src -i $SRC_IF -s $refused -r 50 -d 15 $G
check "room again: the refused source is learned" \
    wait_until 15 mfc_is $refused $G $RTR_IN $RTR_OUT1
send_stop late

send_stop smain
sleep 0.2
recv_stop rmain
sent=$(kv smain sent)
say "stream: sent $sent, $(tr '\n' ' ' <"$WORK/rmain.out")"
expect gt "stream packets sent" "$sent" 500
expect ge "the stream lost nothing but its first packets" \
    "$(kv rmain received)" $((sent - 4))
expect eq "the stream had no gap" "$(kv rmain lost)" 0
expect eq "the stream's last packet arrived" "$(kv rmain last_seq)" \
    "$(kv smain last_seq)"

daemon_stop
expect eq "exit status" "$DAEMON_RC" 0
# One upcall per refused flow, not one per packet: 11 flows were
# refused, the kernel asks again after 10 s at the earliest.
nref=$(sed -n 's/.*IPv4 learned routes: \([0-9]*\) upcalls refused.*/\1/p' \
    "$DLOG" | tail -n 1)
say "upcalls refused: $nref"
expect ge "refused upcalls counted" "${nref:-0}" $((NFLOOD - LIMIT + 1))
expect le "refused upcalls do not repeat per packet" "${nref:-0}" \
    $((2 * (NFLOOD - LIMIT + 1)))
finish
