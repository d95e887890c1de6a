#!/bin/bash
# smcroute-migrate: each igmpproxy.conf and mcproxy.conf of test/migrate/
# (laid out as igmpproxy and mcproxy ship theirs, as OpenWrt's init
# script and VyOS's template write them, and files of what cannot be
# mapped) converts to exactly its .expect, with exit status 0 when all
# is mapped and 1 with a "cannot map" comment and a stderr message
# naming file and line for each line that is not; several upstreams map
# to the group prefixes each serves (igmpproxy whitelists, mcproxy out
# whitelist tables) unless two would serve the same groups; smcrouted -F
# accepts every result; -t, -o and the usage and read errors (status 2).
# Then, where the kernel routes multicast, the converted igmpproxy.conf
# runs the daemon: a host that joins with a real IGMP report gets the
# stream from a source inside the altnet list, nothing from a source
# outside it, nothing of a group outside the whitelist, nothing on the
# disabled interface, and quickleave became fast-leave; the converted
# mcproxy.conf blacklist keeps its groups off one LAN only.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy-lib.sh"

need_daemon
MIG=${SMCROUTE_MIGRATE:-$top_srcdir/scripts/smcroute-migrate}
[ -x "$MIG" ] || error "$MIG missing"
D=$TEST_DIR/migrate

# mig ARGS...: run the converter; stdout, stderr and status in MOUT,
# MERR, MRC.
mig()
{
	"$MIG" "$@" >"$WORK/mig.out" 2>"$WORK/mig.err"
	MRC=$?
	MOUT=$(<"$WORK/mig.out")
	MERR=$(<"$WORK/mig.err")
}

# ------------------------------------------------------------ host part

n=0
for f in "$D"/*.conf; do
	b=$(basename "$f" .conf)
	n=$((n + 1))
	case $b in
	*-unmapped) want=1 ;;
	*) want=0 ;;
	esac
	mig "$f"
	cp "$WORK/mig.out" "$WORK/$b.out"
	expect eq "$b: exit status ($want: $([ $want = 0 ] &&
	    echo complete || echo lines left unmapped))" $MRC $want
	check "$b: output is exactly $b.expect" \
	    diff -u "$D/$b.expect" "$WORK/$b.out"
	nc=$(grep -c '^# smcroute-migrate: cannot map line [0-9]* "' "$WORK/$b.out")
	ne=$(grep -c "^smcroute-migrate: $f line [0-9]*: cannot map \"" "$WORK/mig.err")
	expect eq "$b: one stderr message with file and line per cannot-map comment" \
	    "$ne" "$nc"
	if [ $want = 0 ]; then
		expect eq "$b: complete: no cannot-map comment" "$nc" 0
	else
		expect gt "$b: incomplete: cannot-map comments" "$nc" 0
	fi
	# Every comment line of the input is in the output, in order.
	grep -o '#.*' "$f" >"$WORK/$b.cin"
	grep -o '#.*' "$WORK/$b.out" | grep -v '^# smc' >"$WORK/$b.cout"
	check "$b: the user's comments kept" cmp -s "$WORK/$b.cin" "$WORK/$b.cout"
	smcrouted_run -F "$WORK/$b.out"
	expect eq "$b: smcrouted -F accepts the result" $RUN_RC 0
done
expect ge "samples found in test/migrate" $n 11

# The cannot-map lines name the input line they are about.
mig "$D/igmpproxy-unmapped.conf"
check "ratelimit 100 reported at its line 10" \
    grep -q '^# smcroute-migrate: cannot map line 10 "ratelimit 100": ' "$WORK/mig.out"
check "stderr: file and line 23 for a second upstream without whitelist" grep -q \
    "^smcroute-migrate: $D/igmpproxy-unmapped.conf line 23: cannot map \"phyint eth5 upstream\": .*would both serve every group" \
    "$WORK/mig.err"
check "an upstream whitelisting a prefix another one serves is not mapped" grep -q \
    '^# smcroute-migrate: cannot map line 24 "phyint eth6 upstream": group 239.0.0.0/8 is also served by upstream ppp0' \
    "$WORK/mig.out"
check "the one upstream without whitelist next to whitelisted ones serves the rest" \
    grep -qx 'phyint eth9 upstream igmp' "$WORK/mig.out"

# Several upstreams: each serves the groups of its whitelist, one
# without serves the rest; complete (status 0 checked above).
mig "$D/igmpproxy-multi.conf"
check "igmpproxy: whitelists become the groups each upstream serves" grep -qx \
    'phyint eth1 upstream igmp source 10.20.0.0/16 group 239.1.0.0/16 group 232.0.0.0/8' "$WORK/mig.out"
check "igmpproxy: the upstream without whitelist gets no group list" \
    grep -qx 'phyint eth0 upstream igmp' "$WORK/mig.out"
expect eq "igmpproxy: three upstream lines" \
    "$(grep -c '^phyint [^ ]* upstream' "$WORK/mig.out")" 3
mig "$D/mcproxy-multi.conf"
check "mcproxy: an out whitelist table (range, single group) becomes group prefixes" \
    grep -qx 'phyint wan1 upstream igmp group 239.1.0.0/16 group 232.1.1.1/32' "$WORK/mig.out"
check "mcproxy: nested anonymous tables too" \
    grep -qx 'phyint wan2 upstream igmp group 239.255.0.0/24' "$WORK/mig.out"
check_not "mcproxy: rulematching first maps" grep -q 'cannot map' "$WORK/mig.out"
mig "$D/mcproxy-unmapped.conf"
check "mcproxy: an out whitelist with a source leaves its upstream unmapped" grep -q \
    '^# smcroute-migrate: cannot map line 5 "upstream up2": its out whitelist (line 17) cannot map' "$WORK/mig.out"
check "mcproxy: rulematching mutex is not mapped" grep -q \
    '^# smcroute-migrate: cannot map line 7 ".*rulematching mutex 10": rule matching mutex' "$WORK/mig.out"

# -t: the same as detected; the wrong format maps nothing.
mig -t igmpproxy "$D/igmpproxy-vyos.conf"
check "-t igmpproxy: same as detected" cmp -s "$WORK/mig.out" "$D/igmpproxy-vyos.expect"
expect eq "-t igmpproxy: status 0" $MRC 0
mig -t mcproxy "$D/mcproxy-tables.conf"
check "-t mcproxy: same as detected" cmp -s "$WORK/mig.out" "$D/mcproxy-tables.expect"
mig -t mcproxy "$D/igmpproxy-dist.conf"
expect eq "-t mcproxy on an igmpproxy file: status 1" $MRC 1
check_not "... and no phyint line made up" grep -q '^phyint' "$WORK/mig.out"

# -o: the same text in the file, stdout empty, also with status 1.
mig -o "$WORK/o1.conf" "$D/igmpproxy-openwrt.conf"
expect eq "-o: status 0" $MRC 0
check "-o: file holds the conversion" cmp -s "$WORK/o1.conf" "$D/igmpproxy-openwrt.expect"
expect seq "-o: nothing on stdout" "$MOUT" ""
mig -o "$WORK/o2.conf" "$D/mcproxy-unmapped.conf"
expect eq "-o with unmapped lines: status 1" $MRC 1
check "-o with unmapped lines: file written all the same" \
    cmp -s "$WORK/o2.conf" "$D/mcproxy-unmapped.expect"

# Status 2: usage, unreadable input, unknown format, unwritable output;
# nothing on stdout, a message on stderr.
usage2()
{
	local desc=$1
	shift
	mig "$@"
	expect eq "status 2: $desc" $MRC 2
	expect seq "status 2: $desc: nothing on stdout" "$MOUT" ""
	expect sne "status 2: $desc: a message on stderr" "$MERR" ""
}
usage2 "no file"
usage2 "two files" "$D/igmpproxy-dist.conf" "$D/mcproxy-dist.conf"
usage2 "bad option" -x "$D/igmpproxy-dist.conf"
usage2 "unknown -t" -t pimd "$D/igmpproxy-dist.conf"
usage2 "missing file" "$WORK/nonexistent.conf"
usage2 "a directory" "$WORK"
printf '# a comment\nmroute from eth0 group 225.1.1.1 to eth1\n' >"$WORK/other.conf"
usage2 "neither format" "$WORK/other.conf"
check "neither format: the message names the file and says -t" \
    grep -q "$WORK/other.conf: cannot tell the format.*-t" "$WORK/mig.err"
usage2 "-o into a missing directory" -o "$WORK/no/such/out.conf" "$D/igmpproxy-dist.conf"
check_not "-o into a missing directory: nothing created" test -e "$WORK/no"
chmod 000 "$WORK/other.conf"
if [ "$(id -u)" != 0 ]; then
	usage2 "unreadable file" "$WORK/other.conf"
fi
chmod 644 "$WORK/other.conf"

# ---------------------------------------------------------- network part

if ! [ -e /proc/net/ip_mr_vif ] || ! [ -e /proc/net/ip_mr_cache ]; then
	say "network part skipped: kernel lacks IPv4 multicast routing (CONFIG_IP_MROUTE)"
	finish
fi
need_tools
need_igmpgen
topo 2

# The converted igmpproxy.conf, as is.
"$MIG" -o "$CONF" "$D/vm-igmpproxy.conf" || fail "conversion failed"
daemon_start
check "r2 (igmpproxy disabled) has no VIF" not vif_has $RTR_OUT2
check "r0 and r1 have VIFs" eval "vif_has $RTR_IN && vif_has $RTR_OUT1"

G=239.9.1.1 GOUT=239.9.1.2 GNOT=239.10.1.1
listen_start w1 rcv1 $RCV1_IF -U $G
recv_start a rcv1 -i $RCV1_IF -d 120 $G
recv_start b rcv1 -i $RCV1_IF -d 120 $GOUT
recv_start c rcv1 -i $RCV1_IF -d 120 $GNOT
recv_start d rcv2 -i $RCV2_IF -d 120 $G
check "the host's IGMP report for $G learned on r1" wait_until 3 mdb_has $RTR_OUT1 $G
check "... and reported upstream on r0 (upstream igmp)" wait_until 3 igmp_has $RTR_IN $G
check "group outside the whitelist refused (drop_acl)" \
    wait_until 3 counter_ge $RTR_OUT1 drop_acl 1
expect seq "group outside the whitelist not tracked" \
    "$(igmp_grp $RTR_OUT1 $GNOT mode)" ""

prime src $SRC_IF $SRC4 $G
send src -i $SRC_IF -s $SRC4 -c 50 -r 500 $G
check "(10.0.0.1,$G), inside altnet 10.0.0.0/25: r0 -> r1" \
    mfc_is $SRC4 $G $RTR_IN $RTR_OUT1
prime src $SRC_IF $SRC4C $GOUT
send src -i $SRC_IF -s $SRC4C -c 50 -r 500 $GOUT
check "(10.0.0.130,$GOUT), outside altnet: stop entry" mfc_stop $SRC4C $GOUT $RTR_IN
prime src $SRC_IF $SRC4 $GNOT
send src -i $SRC_IF -s $SRC4 -c 50 -r 500 $GNOT
sleep 0.3
recv_stop b
recv_stop c
recv_stop d
expect eq "nothing from the source outside altnet" "$(kv b received)" 0
expect eq "nothing of the group outside the whitelist" "$(kv c received)" 0
expect eq "nothing on the disabled interface r2" "$(kv d received)" 0

# quickleave -> fast-leave: the host leaves, the group goes at once,
# without a group-specific query.
t0=$(now_ns)
recv_stop a
expect eq "host got the whole stream from inside altnet" "$(kv a received)" 50
check "group gone on the leave (fast-leave)" wait_until 1.5 mdb_gone $RTR_OUT1 $G
sleep 0.3
listen_stop w1
q=$(awk -v t="$t0" '/ type=query / && / group='$G' / {
	for (i = 1; i <= NF; i++) if ($i ~ /^ts=/) ts = substr($i, 4)
	if (ts > t) n++ } END { print n + 0 }' "$WORK/w1.out")
expect eq "no group-specific query after the leave (fast-leave)" "$q" 0
daemon_stop

# The converted mcproxy.conf: the blacklist keeps 239.9.2.0/24 off r2.
"$MIG" -o "$CONF" "$D/vm-mcproxy.conf" || fail "conversion failed"
daemon_start
G2=239.9.2.1
recv_start m1 rcv1 -i $RCV1_IF -d 120 $G2
recv_start m2 rcv2 -i $RCV2_IF -d 120 $G2
check "mcproxy: $G2 learned on r1" wait_until 3 mdb_has $RTR_OUT1 $G2
check "mcproxy: $G2 refused on r2 (blacklist)" wait_until 3 counter_ge $RTR_OUT2 drop_acl 1
prime src $SRC_IF $SRC4 $G2
send src -i $SRC_IF -s $SRC4 -c 50 -r 500 $G2
check "mcproxy: (10.0.0.1,$G2) r0 -> r1 only" mfc_is $SRC4 $G2 $RTR_IN $RTR_OUT1
sleep 0.3
recv_stop m1
recv_stop m2
expect eq "mcproxy: r1's host got the stream" "$(kv m1 received)" 50
expect eq "mcproxy: r2's host got nothing (blacklist)" "$(kv m2 received)" 0
daemon_stop
expect eq "daemon exits cleanly" "$DAEMON_RC" 0

finish
