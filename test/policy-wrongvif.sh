#!/bin/bash
# phyint IF wrongvif keep|move: when the packets of a learned flow start
# arriving on r2 instead of r0, with "wrongvif keep" on r2 the entry
# stays on r0 (nothing from r2 is forwarded, the kernel's wrong-interface
# counter, WRONGIF in show routes -d, grows, the -e script is run with
# "wrongvif" and action=kept, inbound=r0, arrived=r2); without it the
# entry moves to r2 (action=moved), even with "wrongvif keep" on r0: the
# policy of the interface the packets arrive on decides.  IPv4 and IPv6.
# (wrongvif.sh covers the move itself, with and without a template.)
#
#   src:s0 ---- r0:rtr:r1 ---- c1:rcv1
#   src:s2 ---- r2:rtr          (same sources, second path)
. "$(dirname "$0")/lib.sh"

need_mroute4
need_mroute6
need_tools
need_daemon
topo
link src s2 $RTR r2
addr src s2 10.0.2.1/24 fc00:2::1/64
addr $RTR r2 10.0.2.254/24 fc00:2::fe/64

HOOK=$WORK/hook
HLOG=$WORK/hook.log
cat >"$HOOK" <<EOF
#!/bin/sh
# One line per call: the event, then its part of the environment.
{
	printf 'event=%s ' "\$1"
	env | grep -E '^(source|group|inbound|arrived|action)=' | sort |
	    tr '\n' ' '
	echo
} >>"$HLOG"
EOF
chmod +x "$HOOK"

ctl()
{
	nsx $RTR "$SMCROUTECTL" -u "$SOCK" "$@"
}

# via2 NAME GROUP SRC COUNT: COUNT packets from SRC out of src:s2 (the
# first alone, the rest 0.3 s later), received on rcv1; prints the count.
via2()
{
	local name=$1 grp=$2 s=$3 n=$4
	recv_start "$name" rcv1 -i $RCV1_IF -d 30 "$grp"
	send src -i s2 -s "$s" -c 1 "$grp"
	sleep 0.3
	send src -i s2 -s "$s" -c $((n - 1)) -S 2 -r 500 "$grp"
	sleep 0.2
	recv_stop "$name"
	kv "$name" received
}

# wrong_if S G: the WRONGIF column of the kernel entry in show routes -d.
wrong_if()
{
	ctl -d -t show routes | awk -v r="($1, $2)" '
	    index($0, r " ") == 1 && NF >= 6 { w = $6 } END { print w }'
}

# wrong_if_json S G: its "wrong_if" in show routes -d -j (kernel list).
wrong_if_json()
{
	ctl -d -j show routes | sed 's/.*"kernel":\[//' | tr '}' '\n' |
	    grep -F "\"source\":\"$1\",\"group\":\"$2\"," |
	    sed -n 's/.*"wrong_if":\([0-9]*\).*/\1/p'
}

# hook_has WORDS...: a line of the hook log has all of WORDS.
hook_has()
{
	local w
	local lines
	lines=$(sed 's/^/ /' "$HLOG" 2>/dev/null)
	for w in "$@"; do
		lines=$(printf '%s\n' "$lines" | grep -F -- " $w ")
	done
	[ -n "$lines" ]
}

for fam in 4 6; do
	if [ $fam = 4 ]; then
		g=225.1.1.1 gp=225.1.1.0/24 s=$SRC4
	else
		g=ff0e::1:1 gp=ff0e::1:0/112 s=$SRC6
	fi

	# ---- wrongvif keep on r2: the entry stays on r0
	conf <<-EOF
	phyint r2 wrongvif keep
	mroute from $RTR_IN group $gp to $RTR_OUT1
	mroute from r2 group $gp to $RTR_OUT1
	EOF
	: >"$HLOG"
	echo "==== IPv$fam keep" >>"$DLOG"
	daemon_start -e "$HOOK"
	flow_check "IPv$fam learned via r0" learn $g $s
	check "IPv$fam learned with IIF r0" mfc_is $s $g $RTR_IN $RTR_OUT1
	expect eq "IPv$fam WRONGIF 0 before" "$(wrong_if $s $g)" 0
	expect eq "IPv$fam keep: nothing via r2 forwarded" \
	    "$(via2 k1 $g $s 20)" 0
	check "IPv$fam keep: entry left on r0" mfc_is $s $g $RTR_IN $RTR_OUT1
	check "IPv$fam keep: hook run with wrongvif, action=kept" \
	    wait_until 2 hook_has event=wrongvif action=kept inbound=$RTR_IN \
	    arrived=r2 source=$s group=$g
	check_not "IPv$fam keep: no action=moved" hook_has action=moved
	check "IPv$fam keep: logged" grep -q \
	    "($s, $g) arrived on r2, expected on $RTR_IN: kept" "$DLOG"
	w1=$(wrong_if $s $g)
	expect ge "IPv$fam keep: WRONGIF counts the packets from r2" \
	    "$w1" 20
	expect seq "IPv$fam keep: the same wrong_if in -j" \
	    "$(wrong_if_json $s $g)" "$w1"
	expect eq "IPv$fam keep: more via r2, still not forwarded" \
	    "$(via2 k2 $g $s 10)" 0
	w2=$(wrong_if $s $g)
	expect ge "IPv$fam keep: WRONGIF grows" "$w2" $((w1 + 10))
	check "IPv$fam keep: still on r0" mfc_is $s $g $RTR_IN $RTR_OUT1
	flow_check "IPv$fam keep: traffic via r0 still forwarded" all $g $s
	daemon_stop
	expect eq "IPv$fam exit status" "$DAEMON_RC" 0

	# ---- default (move) on r2, keep on r0: the entry moves to r2
	conf <<-EOF
	phyint $RTR_IN wrongvif keep
	phyint r2 wrongvif move
	mroute from $RTR_IN group $gp to $RTR_OUT1
	mroute from r2 group $gp to $RTR_OUT1
	EOF
	: >"$HLOG"
	echo "==== IPv$fam move" >>"$DLOG"
	daemon_start -e "$HOOK"
	flow_check "IPv$fam learned via r0" learn $g $s
	check "IPv$fam learned with IIF r0" mfc_is $s $g $RTR_IN $RTR_OUT1
	expect ge "IPv$fam move: traffic via r2 forwarded after the move" \
	    "$(via2 m1 $g $s 20)" 19
	check "IPv$fam move: entry moved to r2" mfc_is $s $g r2 $RTR_OUT1
	check "IPv$fam move: hook run with wrongvif, action=moved" \
	    wait_until 2 hook_has event=wrongvif action=moved inbound=$RTR_IN \
	    arrived=r2 source=$s group=$g
	check_not "IPv$fam move: no action=kept" hook_has action=kept
	check "IPv$fam move: logged" grep -q \
	    "Moved ($s, $g) inbound from $RTR_IN to r2 after WRONGVIF" "$DLOG"
	daemon_stop
	expect eq "IPv$fam exit status" "$DAEMON_RC" 0
	echo "# hook calls:"; sed 's/^/#   /' "$HLOG"
done

finish
