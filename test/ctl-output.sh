#!/bin/bash
# What smcroutectl show prints, from the real daemon.  JSON (-j), parsed
# with /usr/bin/python3: show routes {"routes":{"asm","ssm","kernel"}}
# with source (null for any), group, iif, oifs, except, and with -d
# packets, bytes and wrong_if (null for templates, the kernel's counters
# otherwise); show groups {"groups":{"conf"[,"kernel" with -d]}}; show
# interfaces; show pending; empty tables are []; one line, no spaces;
# interface names with quotes, backslashes, control characters, bytes
# that are not UTF-8 and UTF-8 are escaped into valid JSON.  Text: no
# title or heading for a table without rows (nothing at all when every
# table is empty), -t drops titles and headings, -p gives rules of 79 '_'
# and '=', which is also what a pipe gets; on a terminal (script(1)),
# bold/underlined titles and reverse-video headings.
. "$(dirname "$0")/lib.sh"

need_mroute4
need_mroute6
need_tools
need_daemon
need_bin "$SMCROUTECTL"
topo 2

PY=/usr/bin/python3
if [ -x $PY ] && $PY -c 'import json' 2>/dev/null; then
	HAVE_PY=1
else
	HAVE_PY=
	say "no $PY: the JSON checks are skipped"
fi
N=$FLOW_COUNT
U79=$(printf '_%.0s' $(seq 79))
E79=$(printf '=%.0s' $(seq 79))

# ctl ARGS...: smcroutectl in the router, stdout in $WORK/ctl.txt, status
# in CTL_RC; anything on stderr is shown.
ctl()
{
	nsx $RTR "$SMCROUTECTL" -u "$SOCK" "$@" >"$WORK/ctl.txt" \
	    2>"$WORK/ctl.err"
	CTL_RC=$?
	[ -s "$WORK/ctl.err" ] && echo "#  smcroutectl $*: $(cat "$WORK/ctl.err")"
	return $CTL_RC
}

# j NAME ARGS...: smcroutectl -j ARGS into $WORK/NAME.json.
j()
{
	local name=$1
	shift
	ctl -j "$@"
	cp "$WORK/ctl.txt" "$WORK/$name.json"
}

cat >"$WORK/pyj.py" <<'EOF'
# pyj.py FILE EXPR [ARG...]: parse FILE (strict UTF-8, one JSON
# document) as d, its text as raw, the ARGs as a; print EXPR as compact
# JSON.  nm(ARG) is an interface name as the daemon puts it in JSON:
# bytes that are not UTF-8 become the Latin-1 code point.
import codecs, json, os, sys

def _latin(e):
    return ("".join(chr(b) for b in e.object[e.start:e.end]), e.end)

codecs.register_error("latin", _latin)

def nm(s):
    return os.fsencode(s).decode("utf-8", "latin")

raw = open(sys.argv[1], "rb").read().decode("utf-8")
d = json.loads(raw)
a = sys.argv[3:]
print(json.dumps(eval(sys.argv[2]), separators=(",", ":")))
EOF

# pyj NAME EXPR [ARG...]: EXPR over $WORK/NAME.json (see pyj.py).
pyj()
{
	local name=$1
	shift
	$PY "$WORK/pyj.py" "$WORK/$name.json" "$@" 2>&1
}

# jexpect DESC NAME EXPR WANT [ARG...]: pyj NAME EXPR prints WANT.
jexpect()
{
	local desc=$1 name=$2 ex=$3 want=$4
	shift 4
	[ -n "$HAVE_PY" ] || return 0
	expect seq "$desc" "$(pyj "$name" "$ex" "$@")" "$want"
}

# titles FILE: the structure of -p output.  Prints the titles of the
# tables, '|'-separated ("" for a table without title), or "BAD: ..."
# when the output does not follow the rules: [U79 TITLE] E79 HEADING E79
# ROW... for each table, at least one row each.
titles()
{
	awk -v u="$U79" -v e="$E79" '
	function bad(why) { print "BAD: line " NR ": " why; err = 1; exit }
	function table(title) { t = t sep title; sep = "|" }
	    state == "title" { table($0); state = "e1"; next }
	    state == "e1" { if ($0 != e) bad("no = rule after the title"); state = "head"; next }
	    state == "head" { if ($0 == u || $0 == e) bad("no heading"); state = "e2"; next }
	    state == "e2" { if ($0 != e) bad("no = rule after the heading"); state = "rows"; n = 0; next }
	    state == "" || (state == "rows" && n > 0) {
		if ($0 == u) { state = "title"; next }
		if ($0 == e) { table(""); state = "head"; next }
	    }
	    state == "rows" && $0 != u && $0 != e { n++; next }
	    { bad("unexpected line") }
	    END {
		if (err) exit
		if (state != "" && (state != "rows" || n == 0)) { print "BAD: a table without rows"; exit }
		print t
	    }' "$1"
}

# undecorate FILE: -p output without its rules, titles and headings.
undecorate()
{
	awk -v u="$U79" -v e="$E79" '
	    $0 == u { getline; next }
	    $0 == e { head = !head; next }
	    head { next }
	    { print }' "$1"
}

# -------------------------------------------------------------- empty

conf <<EOF
# nothing yet
EOF
# -c 0: the learned entries made early are counted again in the text
# section, which a slow guest may reach after the default 60 s expiry.
daemon_start -c 0

say "empty tables"
for args in "show routes" "-d show routes" "show groups" "-d show groups" \
    "-p show routes" "-t show routes" "-p -d show groups" "show"; do
	# shellcheck disable=SC2086
	ctl $args
	expect eq "empty: '$args' exits 0" "$CTL_RC" 0
	check_not "empty: '$args' prints nothing" test -s "$WORK/ctl.txt"
done
for args in "show routes" "-d show routes"; do
	# shellcheck disable=SC2086
	ctl -j $args
	expect seq "empty: -j $args" "$(cat "$WORK/ctl.txt")" \
	    '{"routes":{"asm":[],"ssm":[],"kernel":[]}}'
done
ctl -j show groups
expect seq "empty: -j show groups" "$(cat "$WORK/ctl.txt")" '{"groups":{"conf":[]}}'
ctl -j -d show groups
expect seq "empty: -j -d show groups" "$(cat "$WORK/ctl.txt")" \
    '{"groups":{"conf":[],"kernel":[]}}'
ctl show pending
expect seq "empty: show pending says so, as SMCRoute does" \
    "$(cat "$WORK/ctl.txt")" "No pending routes or groups"
ctl -j show pending
expect seq "empty: -j show pending" "$(cat "$WORK/ctl.txt")" '{"pending":[]}'
expect eq "empty: -j is one line" "$(wc -l <"$WORK/ctl.txt")" 1
ctl -p show interfaces
expect seq "show interfaces: one table without title" "$(titles "$WORK/ctl.txt")" ""
expect seq "show interfaces: first line is a = rule" \
    "$(head -n 1 "$WORK/ctl.txt")" "$E79"
check "show interfaces: heading" grep -Eq '^ *INDEX +PHYINT +VIF +MIF +TTL +HLIM +STATE +FLAGS$' \
    "$WORK/ctl.txt"

# --------------------------------------------------------------- full

conf <<EOF
phyint $RTR_OUT2 ttl-threshold 3
mroute from $RTR_IN source $SRC4 group 225.1.1.1 to $RTR_OUT1 $RTR_OUT2
mroute from $RTR_IN source $SRC6 group ff0e::1:1 to $RTR_OUT1
mroute from $RTR_IN except $SRC4B group 225.2.2.0/24 to $RTR_OUT1
mroute from $RTR_IN group ff0e::2:0/112 to $RTR_OUT2
mgroup from $RTR_OUT1 group 225.5.5.5
mgroup from $RTR_OUT1 source $SRC4 group 232.5.5.0/31
mgroup from $RTR_OUT1 group ff0e::5:5
mroute from late0 group 225.8.8.0/24 to $RTR_OUT1
mgroup from late0 source $SRC4 group 232.8.8.8
EOF
ctl reload
expect eq "reload with the full configuration" "$CTL_RC" 0
ctl join $RTR_OUT2 225.6.6.6
expect eq "runtime join" "$CTL_RC" 0

flow 225.1.1.1 $SRC4
expect eq "(S,G) flow to rcv1" "$FLOW1" $N
flow_check "template flow" learn 225.2.2.2 $SRC4
flow_check "excepted source" none 225.2.2.2 $SRC4B
check "kernel: learned entry" mfc_is $SRC4 225.2.2.2 $RTR_IN $RTR_OUT1
check "kernel: stop filter" mfc_stop $SRC4B 225.2.2.2 $RTR_IN

say "JSON: show routes"
j routes show routes
if [ -n "$HAVE_PY" ]; then
	check "show routes: valid JSON" \
	    sh -c "$PY '$WORK/pyj.py' '$WORK/routes.json' 1 >/dev/null"
fi
jexpect "routes: one line, no spaces" routes \
    '[raw.count("\n"), raw.endswith("\n"), " " in raw]' '[1,true,false]'
jexpect "routes: top level" routes 'list(d)' '["routes"]'
jexpect "routes: sections" routes 'list(d["routes"])' '["asm","ssm","kernel"]'
jexpect "routes: keys of rules" routes \
    'sorted(set(tuple(r) for r in d["routes"]["asm"] + d["routes"]["ssm"]))' \
    '[["source","group","iif","oifs","except"]]'
jexpect "routes: keys of kernel entries" routes \
    'sorted(set(tuple(r) for r in d["routes"]["kernel"]))' \
    '[["source","group","iif","oifs"]]'
jexpect "routes: ssm" routes \
    'sorted(([r["source"], r["group"], r["iif"], r["oifs"], r["except"]] for r in d["routes"]["ssm"]), key=lambda r: r[1])' \
    '[["10.0.0.1","225.1.1.1","r0",["r1","r2"],[]],["fc00::1","ff0e::1:1","r0",["r1"],[]]]'
jexpect "routes: asm, source null" routes \
    'sorted(([r["source"], r["group"], r["iif"], r["oifs"], r["except"]] for r in d["routes"]["asm"]), key=lambda r: r[1])' \
    '[[null,"225.2.2.0/24","r0",["r1"],["10.0.0.2"]],[null,"ff0e::2:0/112","r0",["r2"],[]]]'
jexpect "routes: kernel" routes \
    'sorted(([r["source"], r["group"], r["iif"], sorted(r["oifs"])] for r in d["routes"]["kernel"]), key=lambda r: (r[1], r[0]))' \
    '[["10.0.0.1","225.1.1.1","r0",["r1","r2"]],["10.0.0.1","225.2.2.2","r0",["r1"]],["10.0.0.2","225.2.2.2","r0",[]],["fc00::1","ff0e::1:1","r0",["r1"]]]'
jexpect "routes: stop filters last in the kernel table" routes \
    '[r["oifs"] == [] for r in d["routes"]["kernel"]]' '[false,false,false,true]'

say "JSON: show routes -d"
pkts=$(mfc_pkts $SRC4 225.1.1.1)
j routesd -d show routes
jexpect "-d: keys of rules" routesd \
    'sorted(set(tuple(r) for r in d["routes"]["asm"] + d["routes"]["ssm"]))' \
    '[["source","group","iif","packets","bytes","wrong_if","oifs","except"]]'
jexpect "-d: keys of kernel entries" routesd \
    'sorted(set(tuple(r) for r in d["routes"]["kernel"]))' \
    '[["source","group","iif","packets","bytes","wrong_if","oifs"]]'
jexpect "-d: templates have null counters" routesd \
    '[[r["packets"], r["bytes"], r["wrong_if"]] for r in d["routes"]["asm"]]' \
    '[[null,null,null],[null,null,null]]'
jexpect "-d: (S,G) packets = the kernel's counter" routesd \
    '[r["packets"] for r in d["routes"]["ssm"] if r["group"] == "225.1.1.1"]' \
    "[$pkts]"
expect ge "-d: the kernel counted the flow" "${pkts:-0}" $N
jexpect "-d: (S,G) bytes, more than 20 per packet" routesd \
    '[r["bytes"] > 20 * r["packets"] and r["wrong_if"] == 0 for r in d["routes"]["ssm"] if r["group"] == "225.1.1.1"]' \
    '[true]'
jexpect "-d: kernel entry with the same counters" routesd \
    '[(r["packets"], r["bytes"]) == (s["packets"], s["bytes"]) for r in d["routes"]["kernel"] for s in d["routes"]["ssm"] if r["group"] == s["group"] == "225.1.1.1"]' \
    '[true]'
jexpect "-d: learned entry counted the flow" routesd \
    '[r["packets"] >= '$((N - 1))' for r in d["routes"]["kernel"] if r["group"] == "225.2.2.2" and r["oifs"]]' \
    '[true]'
jexpect "-d: idle IPv6 (S,G) has 0 packets" routesd \
    '[r["packets"] for r in d["routes"]["ssm"] if r["group"] == "ff0e::1:1"]' '[0]'
ctl -t -d show routes
expect seq "-d text: PACKETS column of the (S,G) rule" \
    "$(awk '$2 == "225.1.1.1)" { print $4; exit }' "$WORK/ctl.txt")" "$pkts"
ctl -p -d show routes
check "-d text: heading with PACKETS BYTES WRONGIF" \
    grep -Eq '^ROUTE \(S,G\) +IIF +PACKETS +BYTES +WRONGIF +OIFS' "$WORK/ctl.txt"
ctl -p show routes
check_not "without -d: no PACKETS column" grep -q PACKETS "$WORK/ctl.txt"

say "JSON: show groups"
j groups show groups
jexpect "groups: top level" groups 'list(d)' '["groups"]'
jexpect "groups: sections" groups 'list(d["groups"])' '["conf"]'
jexpect "groups: keys" groups 'sorted(set(tuple(r) for r in d["groups"]["conf"]))' \
    '[["source","group","iif"]]'
jexpect "groups: conf (as written, and the runtime join)" groups \
    'sorted(([r["source"], r["group"], r["iif"]] for r in d["groups"]["conf"]), key=lambda r: r[1])' \
    '[[null,"225.5.5.5","r1"],[null,"225.6.6.6","r2"],["10.0.0.1","232.5.5.0/31","r1"],[null,"ff0e::5:5","r1"]]'
jexpect "groups: one line, no spaces" groups \
    '[raw.count("\n"), raw.endswith("\n"), " " in raw]' '[1,true,false]'
j groupsd -d show groups
jexpect "groups -d: sections" groupsd 'list(d["groups"])' '["conf","kernel"]'
jexpect "groups -d: kernel memberships, the prefix expanded" groupsd \
    'sorted(([r["source"], r["group"], r["iif"]] for r in d["groups"]["kernel"]), key=lambda r: r[1])' \
    '[[null,"225.5.5.5","r1"],[null,"225.6.6.6","r2"],["10.0.0.1","232.5.5.0","r1"],["10.0.0.1","232.5.5.1","r1"],[null,"ff0e::5:5","r1"]]'

say "JSON: show interfaces"
j ifs show interfaces
jexpect "interfaces: top level" ifs 'list(d)' '["interfaces"]'
jexpect "interfaces: keys" ifs 'sorted(set(tuple(r) for r in d["interfaces"]))' \
    '[["index","name","vif","mif","ttl_threshold","hoplimit_threshold","state","flags"]]'
# Every interface of the namespace: ours, and those the kernel adds to
# each new one (gre0, gretap0, ... once the GRE module is loaded).
ifnames=$(ip -n $RTR -o link show | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' |
    LC_ALL=C sort | awk '{ printf "%s\"%s\"", (NR > 1 ? "," : ""), $1 }')
jexpect "interfaces: names" ifs 'sorted(r["name"] for r in d["interfaces"])' \
    "[$ifnames]"
for i in $RTR_IN $RTR_OUT1 $RTR_OUT2; do
	vif=$(proc ip_mr_vif | awk -v n=$i 'NR > 1 && $2 == n { print $1 }')
	mif=$(proc ip6_mr_vif | awk -v n=$i 'NR > 1 && $2 == n { print $1 }')
	ttl=1
	[ $i = $RTR_OUT2 ] && ttl=3
	jexpect "interfaces: $i" ifs \
	    "[[r['index'], r['vif'], r['mif'], r['ttl_threshold'], r['hoplimit_threshold'], r['state'], 'MULTICAST' in r['flags'], 'UP' in r['flags']] for r in d['interfaces'] if r['name'] == '$i']" \
	    "[[$(ifindex $RTR $i),${vif:-null},${mif:-null},$ttl,1,\"up\",true,true]]"
done
jexpect "interfaces: lo" ifs \
    "[[r['index'], r['vif'], r['mif'], r['ttl_threshold'], r['hoplimit_threshold'], r['state'], r['flags']] for r in d['interfaces'] if r['name'] == 'lo']" \
    '[[1,null,null,null,null,"no-multicast",["UP","RUNNING","LOOPBACK"]]]'

say "JSON: show pending"
j pending show pending
jexpect "pending: keys in order" pending '[list(r) for r in d["pending"]]' \
    '[["kind","iif","source","group","oifs"],["kind","iif","source","group","oifs"]]'
jexpect "pending: content" pending 'd' \
    '{"pending":[{"kind":"mroute","iif":"late0","source":null,"group":"225.8.8.0/24","oifs":["r1"]},{"kind":"mgroup","iif":"late0","source":"10.0.0.1","group":"232.8.8.8","oifs":[]}]}'
jexpect "groups: the pending group is not in show groups" groups \
    '[r for r in d["groups"]["conf"] if r["group"] == "232.8.8.8"]' '[]'

# ------------------------------------------------------- text rules

say "text: titles, headings, rules"
ctl -p show routes
cp "$WORK/ctl.txt" "$WORK/p-routes.txt"
expect seq "-p show routes: three tables" "$(titles "$WORK/p-routes.txt")" \
    "(*,G) Template Rules|(S,G) Rules|Kernel MFC Table"
check "-p show routes: headings" \
    grep -Eq '^ROUTE \(S,G\) +IIF +OIFS +EXCEPT$' "$WORK/p-routes.txt"
ctl show routes
check "not a terminal: the same as -p" cmp -s "$WORK/ctl.txt" "$WORK/p-routes.txt"
ctl -t show routes
cp "$WORK/ctl.txt" "$WORK/t-routes.txt"
undecorate "$WORK/p-routes.txt" >"$WORK/u-routes.txt"
check "-t: the rows of -p, without titles and headings" \
    cmp -s "$WORK/t-routes.txt" "$WORK/u-routes.txt"
check_not "-t: no rules" grep -Eq '^(_+|=+)$' "$WORK/t-routes.txt"
check_not "-t: no titles" grep -q 'Rules$\|Table$' "$WORK/t-routes.txt"
check_not "-t: no headings" grep -q '^ROUTE' "$WORK/t-routes.txt"
expect eq "-t: 2 + 2 + 4 rows" "$(wc -l <"$WORK/t-routes.txt")" 8
ctl -p -d show routes
cp "$WORK/ctl.txt" "$WORK/pd-routes.txt"
expect seq "-p -d: the same tables" "$(titles "$WORK/pd-routes.txt")" \
    "(*,G) Template Rules|(S,G) Rules|Kernel MFC Table"
ctl -t -d show routes
undecorate "$WORK/pd-routes.txt" >"$WORK/u-routes.txt"
check "-t -d: the rows of -p -d" cmp -s "$WORK/ctl.txt" "$WORK/u-routes.txt"
ctl -p show groups
expect seq "-p show groups: one table" "$(titles "$WORK/ctl.txt")" \
    "Group Memberships Table"
check "-p show groups: heading" grep -Eq '^GROUP \(S,G\) +IIF$' "$WORK/ctl.txt"
ctl -p -d show groups
expect seq "-p -d show groups: two tables" "$(titles "$WORK/ctl.txt")" \
    "Group Memberships Table|Kernel Group Membership Table"
ctl -p show interfaces
expect seq "-p show interfaces: no title" "$(titles "$WORK/ctl.txt")" ""
# SMCRoute's form: a plain heading (never framed), smcroute.conf lines.
ctl -p show pending
expect seq "-p show pending: SMCRoute's lines" "$(cat "$WORK/ctl.txt")" \
    "PENDING ROUTES AND GROUPS
mroute  from late0 group 225.8.8.0/24 to $RTR_OUT1
mgroup  from late0 source $SRC4 group 232.8.8.8"
ctl -t show pending
expect eq "-t show pending: two rows" "$(wc -l <"$WORK/ctl.txt")" 2
expect eq "-t show pending: greppable with ^mroute" \
    "$(grep -c '^mroute ' "$WORK/ctl.txt")" 1

# Only (S,G) routes: no template table.
conf <<EOF
mroute from $RTR_IN source $SRC4 group 225.1.1.1 to $RTR_OUT1
EOF
ctl reload
ctl flush
ctl -p show routes
expect seq "only (S,G) routes: no template table" "$(titles "$WORK/ctl.txt")" \
    "(S,G) Rules|Kernel MFC Table"
check_not "only (S,G) routes: no template title" grep -q "Template" "$WORK/ctl.txt"
ctl show groups
check_not "no groups: show groups prints nothing" test -s "$WORK/ctl.txt"
ctl show pending
expect seq "nothing pending: show pending says so" "$(cat "$WORK/ctl.txt")" \
    "No pending routes or groups"
ctl -j show groups
expect seq "no groups: -j" "$(cat "$WORK/ctl.txt")" '{"groups":{"conf":[]}}'

# Only a template, no traffic: no (S,G) table, no kernel table.
conf <<EOF
mroute from $RTR_IN group 225.2.2.0/24 to $RTR_OUT1
EOF
ctl reload
ctl -p show routes
expect seq "only a template: one table" "$(titles "$WORK/ctl.txt")" \
    "(*,G) Template Rules"
ctl -j show routes
expect seq "only a template: -j with empty ssm and kernel" \
    "$(cat "$WORK/ctl.txt")" \
    '{"routes":{"asm":[{"source":null,"group":"225.2.2.0/24","iif":"r0","oifs":["r1"],"except":[]}],"ssm":[],"kernel":[]}}'

# A stop filter only: the kernel table alone.
conf <<EOF
phyint $RTR_IN enable
EOF
ctl reload
flow_check "unrouted flow" none 225.9.9.9 $SRC4
ctl -p show routes
expect seq "a stop filter only: the kernel table alone" \
    "$(titles "$WORK/ctl.txt")" "Kernel MFC Table"
expect seq "a stop filter only: its row" \
    "$(undecorate "$WORK/ctl.txt" | tr -s ' ')" "(10.0.0.1, 225.9.9.9) r0"
ctl flush

# On a terminal: escapes instead of rules; -p and -t have none.
if command -v script >/dev/null 2>&1; then
	say "text: on a terminal"
	conf <<EOF
mroute from $RTR_IN source $SRC4 group 225.1.1.1 to $RTR_OUT1
mroute from $RTR_IN group 225.2.2.0/24 to $RTR_OUT1
EOF
	ctl reload
	ctl -p show routes
	cp "$WORK/ctl.txt" "$WORK/p-routes.txt"
	tty_run()
	{
		script -qec "ip netns exec $RTR $SMCROUTECTL -u $SOCK $*" \
		    /dev/null </dev/null | tr -d '\r' >"$WORK/tty.txt"
	}
	tty_run show routes
	esc=$(printf '\033')
	expect eq "tty: 3 titles bold and underlined" \
	    "$(grep -c "^${esc}\[1m${esc}\[4m.*${esc}\[0m$" "$WORK/tty.txt")" 3
	check "tty: the (S,G) title" grep -qF "${esc}[1m${esc}[4m(S,G) Rules${esc}[0m" \
	    "$WORK/tty.txt"
	expect eq "tty: 3 headings in reverse video" \
	    "$(grep -c "^${esc}\[7mROUTE (S,G) .*${esc}\[0m$" "$WORK/tty.txt")" 3
	check_not "tty: no rules" grep -Eq '^(_{79}|={79})$' "$WORK/tty.txt"
	grep -v "$esc" "$WORK/tty.txt" | grep -v '^$' >"$WORK/tty-rows.txt"
	undecorate "$WORK/p-routes.txt" >"$WORK/u-routes.txt"
	check "tty: rows as in -p" cmp -s "$WORK/tty-rows.txt" "$WORK/u-routes.txt"
	tty_run -p show routes
	check "tty -p: the same as -p to a pipe" cmp -s "$WORK/tty.txt" "$WORK/p-routes.txt"
	tty_run -t show routes
	check_not "tty -t: no escapes" grep -q "$esc" "$WORK/tty.txt"
	check "tty -t: the rows" cmp -s "$WORK/tty.txt" "$WORK/u-routes.txt"
	tty_run -j show routes
	check_not "tty -j: no escapes" grep -q "$esc" "$WORK/tty.txt"
else
	say "no script(1): terminal output not tested"
fi

# -------------------------------------------------- odd interface names

say "odd interface names"
# Linux refuses '/', ':', white space; quotes, backslashes, control
# characters and bytes that are not UTF-8 are allowed.
names=()
n=0
for name in 'a"b\c' $'x\001y' $'x\177y' $'x\377y' 'ü0' '[{"k"}]'; do
	n=$((n + 1))
	if ip -n $RTR link add "$name" type veth peer name "q$n" 2>/dev/null; then
		names+=("$name")
	else
		say "the kernel refuses interface name $(printf '%q' "$name")"
	fi
done
if printf '%s\n' "${names[@]}" | grep -qx 'a"b\\c'; then
	ip -n $RTR link set q1 up
	ip -n $RTR link set 'a"b\c' up
fi

_all_listed()
{
	local nm
	ctl -p show interfaces
	for nm in "${names[@]}"; do
		grep -qF -- "$(printf '%s' "$nm" | tr '\001\177' '??')" \
		    "$WORK/ctl.txt" || return 1
	done
}
check "the daemon sees the new interfaces" wait_until 3 _all_listed
j odd show interfaces
if [ -n "$HAVE_PY" ]; then
	check "odd names: show interfaces is valid UTF-8 JSON" \
	    sh -c "$PY '$WORK/pyj.py' '$WORK/odd.json' 1 >/dev/null"
fi
jexpect "odd names: every name comes back" odd \
    '[nm(x) in [r["name"] for r in d["interfaces"]] for x in a]' \
    "[$(printf 'true,%.0s' "${names[@]}" | sed 's/,$//')]" "${names[@]}"
for esc in 'a\"b\\c' 'x\u0001y' 'x\u007fy' 'x\u00ffy' 'ü0' '[{\"k\"}]'; do
	case $esc in
	a*) want='a"b\c' ;;
	*0001*) want=$'x\001y' ;;
	*007f*) want=$'x\177y' ;;
	*00ff*) want=$'x\377y' ;;
	ü*) want='ü0' ;;
	\[*) want='[{"k"}]' ;;
	esac
	printf '%s\n' "${names[@]}" | grep -qxF -- "$want" || continue
	check "odd names: raw JSON has \"$esc\"" grep -qF -- "\"$esc\"" "$WORK/odd.json"
done
if printf '%s\n' "${names[@]}" | grep -qx $'x\001y'; then
	ctl show interfaces
	check "text: a control character reads ?" grep -Eq '^ *[0-9]+ x\?y ' "$WORK/ctl.txt"
fi
if printf '%s\n' "${names[@]}" | grep -qx 'a"b\\c'; then
	ctl add $RTR_IN $SRC4 225.3.3.3 'a"b\c'
	expect eq "add with OIF a\"b\\c" "$CTL_RC" 0
	j oddr show routes
	jexpect "odd names: the OIF in the rule" oddr \
	    '[r["oifs"] for r in d["routes"]["ssm"] if r["group"] == "225.3.3.3"]' \
	    '[["a\"b\\c"]]'
	jexpect "odd names: the OIF in the kernel entry" oddr \
	    '[r["oifs"] for r in d["routes"]["kernel"] if r["group"] == "225.3.3.3"]' \
	    '[["a\"b\\c"]]'
	check "odd names: raw JSON of the route" grep -qF '"oifs":["a\"b\\c"]' \
	    "$WORK/oddr.json"
	ctl -t show routes
	check "odd names: text of the route" \
	    sh -c "tr -s ' ' <'$WORK/ctl.txt' | grep -qxF '(10.0.0.1, 225.3.3.3) r0 a\"b\\c'"
fi

check "daemon alive" daemon_alive
daemon_stop
expect eq "exit status" "$DAEMON_RC" 0

finish
