#!/bin/bash
# smcroutectl diagnose (and -j): a clean setup passes (status 0, no warn
# or fail row, the daemon's kernel and socket rows "ok"); rp_filter=1 on
# the inbound interface r0 is a warn row naming it with the sysctl fix;
# a configured interface that does not exist is a fail row and status 1;
# a stream arriving with TTL 1 is a stream row naming (S,G) and r0, and a
# TTL-2 stream of another group has none; a snooping bridge without a
# querier that we do not query is a warn row, and "phyint br0 igmp"
# makes it ok; an nftables rule dropping IGMP is a fail row showing the
# rule; without a daemon, the first line says so, the routing socket
# held by a python3 process is a fail row naming python3 and its pid,
# and status is 1; -j is valid JSON with the same rows as the text.
. "$(dirname "$0")/lib.sh"

need_mroute4
need_tools
need_daemon
need_bin "$SMCROUTECTL"
PY=/usr/bin/python3
[ -x $PY ] || skip "needs $PY"
topo

G1=225.1.2.3		# TTL 1
G2=225.1.2.4		# TTL 2
BR=br0

ctl()
{
	nsx $RTR "$SMCROUTECTL" -u "$SOCK" "$@"
}

# diag [ARGS]: text (-p -t) into $WORK/diag.txt, -j into diag.json;
# DIAG_RC, DIAG_JRC: the statuses.
diag()
{
	ctl -p -t diagnose "$@" >"$WORK/diag.txt" 2>"$WORK/diag.err"
	DIAG_RC=$?
	ctl -j diagnose "$@" >"$WORK/diag.json" 2>>"$WORK/diag.err"
	DIAG_JRC=$?
	sed 's/^/#  /' "$WORK/diag.txt"
}

# row CHECK SUBJECT STATE [TEXT]: a text row with these first three
# words (and TEXT anywhere in it).
row()
{
	local c s st rest
	while read -r c s st rest; do
		[ "$c" = "$1" ] && [ "$s" = "$2" ] && [ "$st" = "$3" ] &&
		    [[ $rest == *"${4:-}"* ]] && return 0
	done <"$WORK/diag.txt"
	return 1
}

# no_row CHECK SUBJECT: no text row for them, whatever its state.
no_row()
{
	local c s rest
	while read -r c s rest; do
		[ "$c" = "$1" ] && [ "$s" = "$2" ] && return 1
	done <"$WORK/diag.txt"
	return 0
}

# states WORD...: no row has another state than the WORDs.
states_only()
{
	local c s st rest
	while read -r c s st rest; do
		case $st in
		ok|warn|fail) [[ " $* " == *" $st "* ]] || return 1 ;;
		esac
	done <"$WORK/diag.txt"
	return 0
}

# json_same: diag.json parses, and its rows (check, subject, state) are
# the text's, in order; DAEMON: its status says running / not running.
json_same()
{
	$PY - "$WORK/diag.json" "$WORK/diag.txt" "$1" <<'EOF'
import json, sys
doc = json.load(open(sys.argv[1]))
rows = [(r["check"], r["subject"], r["state"]) for r in doc["checks"]]
assert all(set(r) == {"check", "subject", "state", "seen", "fix"}
           for r in doc["checks"]), "columns"
text = []
for line in open(sys.argv[2]):
    w = line.split()
    if len(w) >= 3 and w[2] in ("ok", "warn", "fail"):
        text.append(tuple(w[:3]))
assert rows == text, "json %s\ntext %s" % (rows, text)
assert doc["status"][0]["daemon"] == sys.argv[3], doc["status"]
EOF
}

# ----------------------------------------------------------- clean setup
conf <<EOF
mroute from $RTR_IN source $SRC4 group $G1 to $RTR_OUT1
mroute from $RTR_IN source $SRC4 group $G2 to $RTR_OUT1
EOF
daemon_start
diag
expect eq "clean: status 0" "$DIAG_RC" 0
expect eq "clean: -j status 0" "$DIAG_JRC" 0
check "clean: no warn or fail row" states_only ok
check "clean: kernel ipv4 ok (the daemon's MRT_INIT)" \
    row kernel ipv4 ok "MRT_INIT done"
check "clean: the routing socket is ours" row socket ipv4 ok "ours"
check "clean: r0 checked, with its VIF" row interface $RTR_IN ok "VIF"
check "clean: r1 checked" row interface $RTR_OUT1 ok
check "clean: a firewall was read (nft or iptables-save)" \
    grep -q '^firewall ' "$WORK/diag.txt"
check "clean: -j is valid JSON with the same rows" json_same running

# ------------------------------------------------------------- rp_filter
sysctl_set $RTR net.ipv4.conf.$RTR_IN.rp_filter 1
diag
check "rp_filter=1 on inbound r0: a warn row naming r0 and the sysctl" \
    row sysctl $RTR_IN warn "rp_filter strict"
check "rp_filter: its fix is the sysctl" \
    grep -q "sysctl -w net.ipv4.conf.$RTR_IN.rp_filter=2" "$WORK/diag.txt"
expect eq "rp_filter: a warning only, status 0" "$DIAG_RC" 0
check "rp_filter: -j has the row too" json_same running
sysctl_set $RTR net.ipv4.conf.$RTR_IN.rp_filter 0
diag
check "rp_filter=0 again: no sysctl row for r0" no_row sysctl $RTR_IN

# ------------------------------------------------------------ TTL 1 / 2
send_start t1 src -i $SRC_IF -c 40 -r 20 -t 1 $G1
send_start t2 src -i $SRC_IF -c 40 -r 20 -t 2 $G2
wait_until 10 mfc_pkts_ge $SRC4 $G2 5 ||
	say "WARNING: the TTL-2 stream was not counted yet"
sleep 0.5
diag
send_stop t1
send_stop t2
check "TTL 1: a stream row naming ($SRC4,$G1) and r0" \
    row stream "($SRC4,$G1)" warn "arrives on $RTR_IN with TTL 1"
check "TTL 2: no stream row for ($SRC4,$G2)" no_row stream "($SRC4,$G2)"
check "TTL 1: -j has the same rows" json_same running
$PY - "$WORK/diag.json" "$SRC4" "$G1" <<'EOF' ||
import json, sys
doc = json.load(open(sys.argv[1]))
sg = "(%s,%s)" % (sys.argv[2], sys.argv[3])
assert any(r["check"] == "stream" and r["subject"] == sg and
           "TTL 1" in r["seen"] for r in doc["checks"])
EOF
	fail "-j: no stream row for the TTL-1 flow"

# ------------------------------------------------------ missing interface
conf <<EOF
mroute from $RTR_IN source $SRC4 group $G1 to $RTR_OUT1
mroute from $RTR_IN source $SRC4 group $G2 to $RTR_OUT1 nosuch0
EOF
daemon_reload || fail "no reload acknowledgement"
diag
check "missing interface: a fail row naming nosuch0" \
    row interface nosuch0 fail "not present"
expect eq "missing interface: status 1" "$DIAG_RC" 1
expect eq "missing interface: -j status 1" "$DIAG_JRC" 1
check "missing interface: -j has the same rows" json_same running

# ----------------------------------------------------------------- bridge
if ip -n $RTR link add $BR type bridge mcast_snooping 1 mcast_querier 0 \
    2>/dev/null; then
	# A port, so that the bridge has a carrier.
	ip -n $RTR link add bp0 type veth peer name bp1 ||
		error "cannot create the bridge port"
	ip -n $RTR link set bp0 master $BR
	ip -n $RTR link set bp0 up
	ip -n $RTR link set bp1 up
	ip -n $RTR link set $BR up
	addr $RTR $BR 10.0.9.254/24
	conf <<-EOF
	mroute from $RTR_IN source $SRC4 group $G1 to $RTR_OUT1 $BR
	EOF
	daemon_reload || fail "no reload acknowledgement"
	diag
	check "bridge, snooping, no querier, not ours: a warn row" \
	    row bridge $BR warn "multicast_querier=0"
	check "bridge: the fix names phyint $BR igmp" \
	    grep -q "phyint $BR igmp" "$WORK/diag.txt"
	expect eq "bridge: a warning only, status 0" "$DIAG_RC" 0
	conf <<-EOF
	phyint $RTR_IN upstream
	phyint $BR igmp
	EOF
	daemon_reload || fail "no reload acknowledgement"
	sleep 0.5
	diag
	check "bridge with phyint $BR igmp: ok, we are the querier" \
	    row bridge $BR ok "we are the querier"
	check "bridge: -j has the same rows" json_same running
else
	say "SKIPPED the bridge part: cannot create a snooping bridge"
fi

# --------------------------------------------------------------- firewall
if command -v nft >/dev/null 2>&1; then
	nsx $RTR nft -f - <<-EOF || error "nft: cannot add a ruleset"
	table ip diagtest {
		chain input {
			type filter hook input priority 0; policy accept;
			ip protocol igmp drop
		}
	}
	EOF
	diag
	check "nftables: a fail row showing the rule that drops IGMP" \
	    row firewall nftables fail "ip protocol igmp drop"
	expect eq "firewall: status 1" "$DIAG_RC" 1
	nsx $RTR nft delete table ip diagtest
else
	say "SKIPPED the firewall part: no nft"
fi

daemon_stop
expect eq "exit status" "$DAEMON_RC" 0

# ------------------------------------------- no daemon, socket held
conf <<EOF
mroute from $RTR_IN source $SRC4 group $G1 to $RTR_OUT1
EOF
# ip netns exec runs python3 in its own place (no fork): $! is its pid.
ip netns exec $RTR $PY -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_IGMP)
s.setsockopt(socket.IPPROTO_IP, 200, 1)	# MRT_INIT
open(sys.argv[1], "w").close()
time.sleep(600)
' "$WORK/held" 2>"$WORK/holder.err" &
HOLDER=$!
bg_add $HOLDER
wait_until 10 test -e "$WORK/held" ||
	error "the python3 holder did not take the table: $(cat "$WORK/holder.err")"
say "python3 holds the IPv4 routing table, pid $HOLDER"
diag "$CONF"
check "no daemon: the first line says so" \
    grep -q '^smcrouted is not running (no .*): checking what can be checked' \
    "$WORK/diag.txt"
check "no daemon: the routing socket is held, by python3 and its pid" \
    row socket ipv4 fail "python3 (pid $HOLDER)"
check "no daemon: the kernel has IPv4 multicast routing" row kernel ipv4 ok
check "no daemon: the configured interfaces are checked" \
    row interface $RTR_IN ok
expect eq "no daemon, socket held: status 1" "$DIAG_RC" 1
expect eq "no daemon: -j status 1" "$DIAG_JRC" 1
check "no daemon: -j is valid JSON with the same rows" json_same "not running"
kill $HOLDER
wait $HOLDER 2>/dev/null

diag "$CONF"
check "no daemon, table free: socket row ok" row socket ipv4 ok "free"
expect eq "no daemon, clean: status 0" "$DIAG_RC" 0
finish
