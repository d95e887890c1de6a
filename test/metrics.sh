#!/bin/bash
# Metrics endpoint (smcrouted --metrics): refused bad values; no
# listener without the option; loopback only by default; scraped twice
# with curl during real traffic (a static route, and a proxied stream a
# host joined with real IGMP reports): every line valid exposition
# format (Debian's prometheus_client parser and strict checks of our
# own), counters monotonic, values matching show stats, show routes and
# show igmp; 404 for other paths; the connection bound; reload results.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy-lib.sh"

PY=/usr/bin/python3
need_mroute4
need_tools
need_daemon
need_igmpgen
command -v curl >/dev/null 2>&1 || skip "needs curl"
$PY -c 'import prometheus_client.parser' 2>/dev/null ||
	skip "needs $PY with prometheus_client (apt-get install python3-prometheus-client)"

# 1. A bad value is refused before anything starts, with the reason.
for bad in 0 70000 9100x 1.2.3.4 host:9100 10.0.0.1:0 '[::1]' '[::1]9100' \
    '[10.0.0.1]:9100' ''; do
	smcrouted_run -n -f /dev/null --metrics "$bad"
	expect eq "--metrics '$bad' refused with EX_USAGE" "$RUN_RC" 64
	check "--metrics '$bad': the error names the option" \
	    grep -q "invalid --metrics" "$WORK/run.err"
done

topo 2
PORT=9100
G1=239.1.1.1		# proxied: a host on r1 joins it
G2=239.2.2.2		# static route r0 -> r2
conf <<EOF
phyint $RTR_IN upstream
phyint $RTR_OUT1 igmp query-interval 10 query-response-interval 1
mroute from $RTR_IN source $SRC4 group $G2 to $RTR_OUT2
EOF

# _listeners: "ADDR:PORT" (hex, as /proc/net/tcp*) of the router's
# listening TCP sockets, one per line.
_listeners()
{
	local f line
	local -a w
	for f in tcp tcp6; do
		_readproc $f || continue
		for line in "${_P[@]:1}"; do
			read -r -a w <<<"$line"
			[ "${w[3]}" = 0A ] && echo "${w[1]}"
		done
	done
	return 0
}

# 2. Off by default.
daemon_start
expect seq "no TCP listener without --metrics" "$(_listeners)" ""
daemon_stop
expect eq "exit status without --metrics" "$DAEMON_RC" 0

# 3. Loopback only by default: 127.0.0.1 and ::1.
daemon_start --metrics $PORT
hexport=$(printf '%04X' $PORT)
want=$(printf '%s\n' "0100007F:$hexport" \
    "00000000000000000000000001000000:$hexport")
expect seq "listening on 127.0.0.1 and ::1 only" "$(_listeners)" "$want"

scrape()	# scrape NAME [URL]: body in $WORK/NAME.prom, headers .hdr
{
	local url=${2:-http://127.0.0.1:$PORT/metrics}
	nsx "$RTR" curl -sS --max-time 10 -D "$WORK/$1.hdr" -o "$WORK/$1.prom" \
	    "$url"
}

# Real traffic: the host joins G1 on r1 (the kernel's IGMPv3 reports),
# a receiver on r2's LAN, both streams at 100 pps.
hold_start h1 rcv1 $RCV1_IF join 1 $G1
check "host's membership learned" wait_until 5 mdb_has $RTR_OUT1 $G1
recv_start r2 rcv2 -i $RCV2_IF -d 60 $G2
send_start s1 src -i $SRC_IF -d 12 -r 100 $G1
send_start s2 src -i $SRC_IF -d 12 -r 100 -S 100000 $G2
check "proxied stream flows" wait_until 5 mfc_pkts_ge $SRC4 $G1 50
check "static stream flows" wait_until 5 mfc_pkts_ge $SRC4 $G2 50
# TTL 1: counted by the probe, never forwarded.
send src -i $SRC_IF -t 1 -c 20 -r 200 239.3.3.3
sleep 0.3	# its upcall handled: no new series from here on

check "scrape 1 (127.0.0.1)" scrape s1
sleep 0.3
ctl -j show stats >"$WORK/stats.json"
check "show stats -j" [ -s "$WORK/stats.json" ]
ctl -d -j show routes >"$WORK/routes.json"
ctl -j show igmp >"$WORK/igmp.json"
ctl show stats >"$WORK/stats.txt"
sleep 0.3
check "scrape 2 (::1)" scrape s2 "http://[::1]:$PORT/metrics"

nsx "$RTR" curl -sS --max-time 10 -o /dev/null -w '%{http_code}' \
    "http://127.0.0.1:$PORT/other" >"$WORK/404.code"
expect seq "another path is 404" "$(<"$WORK/404.code")" 404
nsx "$RTR" curl -sS --max-time 10 -o /dev/null -w '%{http_code}' \
    -X POST -d x "http://127.0.0.1:$PORT/metrics" >"$WORK/post.code"
check "POST is refused (4xx/5xx)" grep -q '^[45]' "$WORK/post.code"

# The checks of the two scrapes, show stats and the show tables.
$PY - "$WORK" >"$WORK/checks.out" 2>&1 <<'EOF'
import json, re, sys
from prometheus_client.parser import text_string_to_metric_families

w = sys.argv[1]
res = []
def ck(ok, desc):
    res.append(("ok" if ok else "not ok", desc))

NAME = re.compile(r'^[a-zA-Z_:][a-zA-Z0-9_:]*$')
LNAME = re.compile(r'^[a-zA-Z_][a-zA-Z0-9_]*$')
LVAL = r'"(?:[^"\\\n]|\\\\|\\"|\\n)*"'
SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*='
                    + LVAL + r')(?:,[a-zA-Z_][a-zA-Z0-9_]*=' + LVAL +
                    r')*\})? (-?[0-9]+(?:\.[0-9]+)?(?:e[+-]?[0-9]+)?)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)=(' + LVAL + ')')

def unesc(v):
    return re.sub(r'\\(.)', lambda m: '\n' if m.group(1) == 'n'
                  else m.group(1), v[1:-1])

def strict(name):
    """Our own reading: {(metric, labels): value}, types, problems."""
    text = open("%s/%s.prom" % (w, name), encoding="utf-8").read()
    series, types, helps, bad = {}, {}, set(), []
    if not text.endswith("\n"):
        bad.append("no final newline")
    for n, line in enumerate(text.split("\n")[:-1], 1):
        if line.startswith("# HELP "):
            m = line.split(" ", 3)
            if len(m) < 4 or not NAME.match(m[2]) or m[2] in helps:
                bad.append("line %d: bad or repeated HELP" % n)
            elif m[2] in types:
                bad.append("line %d: HELP after TYPE of %s" % (n, m[2]))
            helps.add(m[2])
        elif line.startswith("# TYPE "):
            m = line.split(" ")
            if len(m) != 4 or not NAME.match(m[2]) or m[2] in types or \
               m[3] not in ("counter", "gauge"):
                bad.append("line %d: bad or repeated TYPE" % n)
                continue
            types[m[2]] = m[3]
            if m[3] == "counter" and not m[2].endswith("_total"):
                bad.append("line %d: counter %s without _total" % (n, m[2]))
            if not m[2].startswith("smcroute_"):
                bad.append("line %d: %s not smcroute_" % (n, m[2]))
        elif line.startswith("#") or not line:
            bad.append("line %d: stray line %r" % (n, line))
        else:
            m = SAMPLE.match(line)
            if not m:
                bad.append("line %d: not a sample: %r" % (n, line))
                continue
            metric = m.group(1)
            if metric not in types or metric not in helps:
                bad.append("line %d: %s before its HELP and TYPE" %
                           (n, metric))
            labels = tuple(sorted((k, unesc(v)) for k, v in
                                  LABEL.findall(m.group(2) or "")))
            if len(set(k for k, _ in labels)) != len(labels):
                bad.append("line %d: repeated label" % n)
            key = (metric, labels)
            if key in series:
                bad.append("line %d: duplicate series %s%s" % (n, metric,
                                                             labels))
            series[key] = float(m.group(3))
    return text, series, types, bad

scr = {}
for name in ("s1", "s2"):
    text, series, types, bad = strict(name)
    scr[name] = (series, types)
    ck(not bad, "%s: every line valid exposition format (strict): %s" %
       (name, "; ".join(bad[:5]) or "clean"))
    try:
        fams = list(text_string_to_metric_families(text))
        n = sum(len(f.samples) for f in fams)
        ck(n == len(series) and n > 0,
           "%s: prometheus_client parses it, %d samples (ours %d)" %
           (name, n, len(series)))
    except Exception as e:
        ck(False, "%s: prometheus_client parser: %s" % (name, e))
    hdr = open("%s/%s.hdr" % (w, name)).read().lower()
    ck("200 ok" in hdr.split("\n")[0] and
       "content-type: text/plain; version=0.0.4" in hdr,
       "%s: 200 and Content-Type text/plain; version=0.0.4" % name)
s1, types = scr["s1"]
s2, _ = scr["s2"]

# Counters never go down; the same families both times.
down = [k for k, v in s1.items() if types.get(k[0]) == "counter" and
        k in s2 and s2[k] < v]
ck(not down, "counters monotonic between the scrapes: %s" % down[:3])
ck(set(scr["s1"][1]) == set(scr["s2"][1]), "same families in both scrapes")

def val(s, metric, **labels):
    for (m, l), v in s.items():
        if m == metric and all((k, str(x)) in l for k, x in labels.items()):
            return v
    return None

# show stats -j: the same series, each counter between the scrapes,
# each gauge as in the second scrape.
st = json.load(open(w + "/stats.json"))["stats"]
js = {}
for r in st:
    labels = tuple(sorted(tuple(x.split("=", 1)) for x in r["labels"]))
    js[(r["metric"], labels)] = (r["type"], r["value"])
ck(set(js) == set(s2), "show stats lists exactly the scraped series "
   "(%d, %d)" % (len(js), len(s2)))
off = []
for k, (t, v) in js.items():
    if k not in s1 or k not in s2:
        continue
    if t != types.get(k[0]):
        off.append((k, "type"))
    elif t == "counter" and not s1[k] <= v <= s2[k]:
        off.append((k, s1[k], v, s2[k]))
    elif t == "gauge" and v != s2[k] and not k[0].endswith("_seconds"):
        off.append((k, v, s2[k]))
ck(not off, "show stats values match the scrapes: %s" % off[:3])

# The static stream, live: its kernel counters grew between scrapes
# and show routes -d reads the same entry in between.
S, G1, G2 = "10.0.0.1", "239.1.1.1", "239.2.2.2"
p1 = val(s1, "smcroute_route_packets_total", source=S, group=G2, iif="r0")
p2 = val(s2, "smcroute_route_packets_total", source=S, group=G2, iif="r0")
ck(p1 is not None and p2 is not None and p2 > p1 >= 50,
   "static (S,G) packets grew during traffic: %s -> %s" % (p1, p2))
b2 = val(s2, "smcroute_route_bytes_total", source=S, group=G2, iif="r0")
ck(b2 is not None and p2 and b2 >= p2 * 28,
   "static (S,G) bytes at least the datagrams' size: %s" % b2)
ro = json.load(open(w + "/routes.json"))["routes"]
kern = {(e["source"], e["group"]): e for e in ro["kernel"]}
e = kern.get((S, G2))
ck(e is not None and p1 <= e["packets"] <= p2,
   "show routes -d packets of (S,G2) between the scrapes: %s <= %s <= %s"
   % (p1, e and e["packets"], p2))
ck(e is not None and val(s2, "smcroute_route_wrong_interface_total",
                         source=S, group=G2) == 0 and e["wrong_if"] == 0,
   "wrong-interface counter 0 as show routes says")
nrules = len(ro["asm"]) + len(ro["ssm"])
ck(val(s2, "smcroute_routes", origin="static") == nrules == 1,
   "routes{origin=static} = the rules of show routes (%d)" % nrules)
ck(val(s2, "smcroute_routes", origin="runtime") == 0,
   "routes{origin=runtime} 0 (no smcroutectl add)")
prox = [k for k, e in kern.items() if "r1" in e["oifs"]]
ck(val(s2, "smcroute_routes", origin="proxy") == len(prox) == 1,
   "routes{origin=proxy} = kernel entries to the proxy's r1 (%d)" %
   len(prox))
fwd = sum(1 for e in ro["kernel"] if e["oifs"])
ck(val(s2, "smcroute_kernel_routes", family="ipv4", state="forwarding")
   == fwd, "kernel_routes{forwarding} = show routes' active entries (%d)"
   % fwd)
q1 = val(s1, "smcroute_route_packets_total", source=S, group=G1, iif="r0")
ck(q1 is not None and q1 >= 50, "proxied (S,G1) counted: %s" % q1)

# The proxy, against show igmp.
ig = json.load(open(w + "/igmp.json"))["igmp"]
r1 = [i for i in ig["interfaces"] if i["interface"] == "r1"][0]
grps = [g for g in ig["groups"] if g["interface"] == "r1"]
hosts = set(h for g in grps for h in g["hosts"])
lab = dict(interface="r1", proto="IGMP")
ck(val(s2, "smcroute_proxy_groups", **lab) == len(grps) >= 1,
   "proxy_groups = show igmp's groups on r1 (%d)" % len(grps))
ck(val(s2, "smcroute_proxy_hosts", **lab) == len(hosts) >= 1,
   "proxy_hosts = distinct hosts of show igmp (%d)" % len(hosts))
ck(val(s2, "smcroute_proxy_querier", **lab) ==
   (1 if r1["state"] == "Querier" else 0) == 1,
   "proxy_querier 1 as show igmp's state %s" % r1["state"])
ck(val(s2, "smcroute_proxy_version", **lab) == r1["version"] == 3,
   "proxy_version = show igmp's version %s" % r1["version"])
cnt = {c["counter"]: c["value"] for c in ig["counters"]
       if c["interface"] == "r1"}
for metric, lbl, name in (
        ("smcroute_proxy_received_total", dict(type="report_v3"),
         "report_v3"),
        ("smcroute_proxy_sent_total", dict(type="general_query"),
         "tx_general_query")):
    a = val(s1, metric, **lab, **lbl)
    b = val(s2, metric, **lab, **lbl)
    v = cnt.get(name, 0)
    ck(a is not None and b is not None and a <= v <= b and v >= 1,
       "%s%s between the scrapes as show igmp's %s: %s <= %s <= %s" %
       (metric, lbl, name, a, v, b))
ck(val(s2, "smcroute_ttl1_packets_total", family="ipv4") >= 1,
   "TTL-1 packets counted: %s" % val(s2, "smcroute_ttl1_packets_total",
                                      family="ipv4"))
ck(val(s2, "smcroute_reloads_total", result="ok") == 0 and
   val(s2, "smcroute_reloads_total", result="failed") == 0,
   "no reloads yet")
bi = [k for k in s2 if k[0] == "smcroute_build_info"]
ck(len(bi) == 1 and s2[bi[0]] == 1, "build_info 1 with its version")

for r, d in res:
    print("%s|%s" % (r, d))
EOF
pyrc=$?
[ -s "$WORK/checks.out" ] || error "the checker printed nothing (status $pyrc)"
while IFS='|' read -r r d; do
	case $r in
	ok|'not ok') check "$d" [ "$r" = ok ] ;;
	*) check "checker output: $r $d" false ;;
	esac
done <"$WORK/checks.out"
check "show stats text has a heading" grep -q '^METRIC.*VALUE' "$WORK/stats.txt"

# 4. The bound: METRICS_MAXCONN (8) idle connections hold the endpoint,
# a ninth waits in the listen queue; it is served once one closes.
nsx "$RTR" $PY - $PORT >"$WORK/bound.out" 2>&1 <<'EOF'
import socket, sys, time
port = int(sys.argv[1])
idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(8)]
time.sleep(0.5)
c = socket.create_connection(("127.0.0.1", port))
c.sendall(b"GET /metrics HTTP/1.0\r\n\r\n")
c.settimeout(2)
try:
    data = c.recv(100)
    print("ninth=served")
except socket.timeout:
    print("ninth=waiting")
idle[0].close()
c.settimeout(8)
data = b""
try:
    while True:
        d = c.recv(65536)
        if not d:
            break
        data += d
except socket.timeout:
    pass
print("after=" + ("served" if data.startswith(b"HTTP/1.0 200") or
                  data.startswith(b"HTTP/1.1 200") else "none"))
EOF
expect seq "a ninth connection waits while 8 are open" \
    "$(kv bound ninth)" waiting
expect seq "it is served once one of them closes" "$(kv bound after)" served
check "scrape after the idle connections" scrape s3

# 5. Reloads by result.
daemon_reload
cp "$CONF" "$WORK/good.conf"
echo "mroute from nosuchkeyword" >>"$CONF"
daemon_hup
cp "$WORK/good.conf" "$CONF"
check "scrape after the reloads" scrape s4
grep -q '^smcroute_reloads_total{result="ok"} 1$' "$WORK/s4.prom"
check "reloads_total{result=ok} 1" [ $? = 0 ]
grep -q '^smcroute_reloads_total{result="failed"} 1$' "$WORK/s4.prom"
check "reloads_total{result=failed} 1" [ $? = 0 ]
t0=$(sed -n 's/^smcroute_start_time_seconds \([0-9]*\)$/\1/p' "$WORK/s4.prom")
t1=$(sed -n 's/^smcroute_last_reload_success_timestamp_seconds \([0-9]*\)$/\1/p' \
    "$WORK/s4.prom")
expect gt "the good reload's time is after the start" "${t1:-0}" "${t0:-1}"
expect ge "start time is recent" "${t0:-0}" $(( $(date +%s) - 600 ))

send_wait s1
send_wait s2
recv_stop r2
expect ge "receiver on r2 got the static stream" "$(kv r2 received)" 500
hold_stop h1
check "daemon still running" daemon_alive
daemon_stop
expect eq "exit status" "$DAEMON_RC" 0
finish
