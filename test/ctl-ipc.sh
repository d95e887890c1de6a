#!/bin/bash
# The daemon's IPC server against a raw client (/usr/bin/python3):
# malformed frames (length 0, shorter than the header, past the data sent,
# over 65536, wrong magic, argc too large, too small or over 64,
# unterminated, empty or unprintable strings, unknown command codes and
# flags, show subjects the wire does not abbreviate, a 65536-byte frame,
# too many OIFs past the client's check) each get an error reply, and the
# connection goes on when the header could be trusted, or is closed when
# it could not; a request cut short by the end of the input gets an
# error reply; pipelined requests are answered in order; a frame sent a
# byte at a time; clients that hang up before reading (large replies:
# EPIPE, no SIGPIPE death), that send half a frame and stall or hang up,
# that never read their replies; 64 clients at once; 8 smcroutectl at
# once for the 2 places left beside 62 busy clients; 64 busy clients, the
# 65th refused with a message; 64 idle clients, a new smcroutectl still
# served (the one idle longest makes room, with a message).  Credentials:
# a non-root smcroutectl refused by the socket's mode 0600, and with the
# mode opened up, by the daemon's SO_PEERCRED check (with a message,
# logged at most 5 times); smcroutectl refuses a socket owned by another
# uid.  After each, show routes still answers as before and a flow keeps
# being forwarded all along.  Runtime routes and groups (add, join) work
# and are dropped on reload, while configured ones survive (ctl reload
# and SIGHUP).
# With SLOW=1 also: a client that stalls mid-frame gets an error reply
# and is dropped after the daemon's 30 s stall timeout (IPC_TIMEOUT_MS),
# others served meanwhile; 64 idle clients are closed after the 30 s
# idle timeout (IPC_IDLE_TIMEOUT), each told why.
#
# The idle and stall timeouts themselves, eviction order, the log rate
# limit and the client's check of the daemon's credentials are timed
# and checked in the unit tests (unit/test_ipc.c, unit/test_ctl.sh).
#
# A UNIX socket reached by its path knows no network namespace:
# smcroutectl and the raw client run in the test's own namespaces, which
# spares an "ip netns exec" per call.  The raw client is one Python
# process for the whole test, fed commands on a pipe (Python takes
# seconds to start in the test VM).
. "$(dirname "$0")/lib.sh"

need_mroute4
need_mroute6
need_tools
need_daemon
need_bin "$SMCROUTECTL"
PY=/usr/bin/python3
[ -x $PY ] || skip "needs $PY for the raw IPC client"

# In the private /run (mode 0755), so that only the socket's own mode
# keeps other users out.
SOCK=/run/$IDENT.sock
N=$FLOW_COUNT

ctl()
{
	"$SMCROUTECTL" -u "$SOCK" "$@"
}

# ctl_t ARGS...: ctl, but given up after 20 s, for the checks that the
# daemon serves others while a client misbehaves.
ctl_t()
{
	timeout 20 "$SMCROUTECTL" -u "$SOCK" "$@"
}

cat >"$WORK/ipcraw.py" <<'EOF'
# ipcraw.py SOCKET: a raw client of the smcrouted control socket
# (src/msg.h: header u32 magic, u32 len, u16 cmd, u16 argc, u32 flags,
# host order; reply u32 len, i32 status, text).  It reads commands
# "TAG SCENARIO [ARG...]" on stdin and answers each with one line "TAG
# RESULT".  What came back on a connection is written "S:TEXT" per reply
# (show output abbreviated to its length), then EOF (the daemon closed),
# OPEN (all expected replies came, connection still open) or TIMEOUT.
# Connections that outlive a command are kept until a later one ends
# them (stall_begin/stall_end, busy/busy_end, ...).
import os, select, socket, struct, sys, time

MAGIC = 0x01434D53
ADD, REMOVE, JOIN, LEAVE, SHOW, FLUSH, RELOAD, KILL = range(1, 9)
path = sys.argv[1]
held = {}               # name: sockets kept between commands
baseline = [None]       # show routes as the daemon sent it

TOOMANY = "Too many clients connected to daemon"
EVICTED = "Connection closed by daemon: idle, and a new client needed " \
          "its place"
IDLE = "Connection closed by daemon after 30 s idle"

class Failed(Exception):
    pass

def frame(cmd, argv=(), flags=0, magic=MAGIC, length=None, argc=None,
          payload=None):
    if payload is None:
        payload = b"".join(a.encode() + b"\0" for a in argv)
    if argc is None:
        argc = len(argv)
    if length is None:
        length = 16 + len(payload)
    return struct.pack("=IIHHI", magic, length, cmd, argc, flags) + payload

SHOWR = frame(SHOW, ["routes"])

def connect():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect(path)
    return s

def send(s, data):
    try:
        s.sendall(data)
    except OSError:             # EPIPE, ECONNRESET: the daemon hung up
        pass

def replies(s, want, timeout=3.0):
    """Read up to want replies; (list of (status, text), end)."""
    buf, out, end = b"", [], "TIMEOUT"
    deadline = time.time() + timeout
    while True:
        while len(buf) >= 8 and len(out) < want:
            n, st = struct.unpack("=Ii", buf[:8])
            if len(buf) < 8 + n:
                break
            out.append((st, buf[8:8 + n].decode("utf-8", "replace")))
            buf = buf[8 + n:]
        if len(out) >= want:
            return out, "OPEN"
        left = deadline - time.time()
        if left <= 0:
            return out, end
        s.settimeout(left)
        try:
            d = s.recv(1 << 20)
        except socket.timeout:
            return out, end
        except ConnectionResetError:
            return out, "EOF"
        if not d:
            return out, "EOF" if not buf else "EOF+%d" % len(buf)
        buf += d

def fmt(out, end):
    items = []
    for st, text in out:
        if st == 0 and text:
            items.append("0:<%d bytes>" % len(text))
        else:
            items.append("%d:%s" % (st, text.replace("\n", "\\n")))
    items.append(end)
    return " | ".join(items)

def one(data, want=9, shut=False, timeout=3.0):
    s = connect()
    send(s, data)
    if shut:
        s.shutdown(socket.SHUT_WR)
    res = fmt(*replies(s, want, timeout))
    s.close()
    return res

def tally(results):
    """"N x RESULT ; ..." for the distinct results, in order."""
    counts = {}
    for r in results:
        counts[r] = counts.get(r, 0) + 1
    return " ; ".join("%d x %s" % (n, r) for r, n in counts.items())

def show_text():
    s = connect()
    send(s, SHOWR)
    out, end = replies(s, 1, 10)
    s.close()
    if len(out) != 1 or out[0][0] != 0:
        raise Failed("show routes: " + fmt(out, end))
    return out[0][1]

def served(deadline):
    """A client whose show routes was answered.  Clients that went before
    may not all be closed by the daemon yet: while refused as one too
    many, try again until deadline."""
    while True:
        s = connect()
        send(s, SHOWR)
        out, end = replies(s, 1, 10)
        if len(out) == 1 and out[0][0] == 0:
            return s
        s.close()
        if time.time() > deadline or not out or TOOMANY not in out[0][1]:
            raise Failed("client not served: " + fmt(out, end))
        time.sleep(0.1)

def drain(socks, timeout=10.0):
    """Half-close each, then read until the daemon closes it: when this
    returns, the daemon has let go of every one.  What each got."""
    for s in socks:
        try:
            s.shutdown(socket.SHUT_WR)
        except OSError:
            pass
    deadline = time.time() + timeout
    res = []
    for s in socks:
        res.append(fmt(*replies(s, 99, max(0.1, deadline - time.time()))))
        s.close()
    return res

def stranger(uid):
    """show routes from a child process run as uid: what came back."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(r)
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)
            res = one(SHOWR)
        except Exception as e:
            res = "%s: %s" % (type(e).__name__, e)
        os.write(w, res.encode())
        os._exit(0)
    os.close(w)
    res = b""
    while True:
        d = os.read(r, 4096)
        if not d:
            break
        res += d
    os.close(r)
    os.waitpid(pid, 0)
    return res.decode()

# Frames after which the stream cannot be trusted: one error, then EOF.
# A good request pipelined behind them must not be answered.
fatal = {
    "len0": frame(SHOW, ["routes"], length=0),
    "len8": frame(SHOW, ["routes"], length=8),
    "len15": frame(SHOW, ["routes"], length=15),
    "len65537": frame(SHOW, ["routes"], length=65537),
    "lenmax": frame(SHOW, ["routes"], length=0xFFFFFFFF),
    "magic0": frame(SHOW, ["routes"], magic=0),
    "magicv2": frame(SHOW, ["routes"], magic=0x02434D53),
    "magicswap": frame(SHOW, ["routes"], magic=0x534D4301),
    "http": b"GET / HTTP/1.0\r\nHost: x\r\n\r\n",
}
# Bad contents behind a good header: one error, and the connection goes
# on with the next frame.
bad = {
    "argcmore": frame(SHOW, ["routes"], argc=2),
    "argcless": frame(SHOW, ["routes"], argc=0),
    "argc65": frame(JOIN, ["a"] * 65),
    "argcffff": frame(SHOW, ["routes"], argc=0xFFFF),
    "unterminated": frame(SHOW, payload=b"routes", argc=1),
    "unterminated2": frame(JOIN, payload=b"r1\0" + b"225.1.1.1", argc=2),
    "emptyarg": frame(SHOW, payload=b"\0", argc=1),
    "ctrlarg": frame(JOIN, ["r1", "225.1.1.1\n"]),
    "delarg": frame(JOIN, ["r1\x7f", "225.1.1.1"]),
    "longarg": frame(JOIN, ["r" * 256, "225.1.1.1"]),
    "cmd0": frame(0),
    "cmd10": frame(10),
    "cmdffff": frame(0xFFFF, ["routes"]),
    "flags4": frame(SHOW, ["routes"], flags=4),
    "flagshigh": frame(SHOW, ["routes"], flags=0x80000000),
    "showabbrev": frame(SHOW, ["r"]),
    "showbogus": frame(SHOW, ["everything"]),
    "show2": frame(SHOW, ["routes", "groups"]),
    "add0": frame(ADD),
    "kill1": frame(KILL, ["now"]),
    "max": frame(SHOW, payload=b"routes\0" + b"\0" * (65536 - 16 - 7),
                 argc=1),
}

def run(scen, args):
    if scen in fatal:
        return one(fatal[scen] + SHOWR)
    if scen in bad:
        # The bad frame, a good one behind it: error, then the show.
        return one(bad[scen] + SHOWR, want=2)
    if scen == "ok":
        # Valid requests, for comparison: show with -j -d flags, flush.
        return one(frame(SHOW, ["routes"], flags=3) + frame(FLUSH), want=2)
    if scen == "text":
        # The raw text of show routes, as the daemon sends it, to ARG0.
        with open(args[0], "w") as f:
            f.write(show_text())
        return "written"
    if scen == "baseline":
        baseline[0] = show_text()
        return "%d bytes" % len(baseline[0])
    if scen == "same":
        # show routes on a new connection is what "baseline" saw.
        return "same" if show_text() == baseline[0] else "changed"
    if scen == "oifs33":
        # 33 OIFs: past the client's check, refused by the daemon.
        return one(frame(ADD, ["r0", "10.0.0.1", "225.7.7.7"] + ["r1"] * 33),
                   want=1)
    if scen == "truncated":
        # The header promises 100 bytes, 20 come, then the client
        # half-closes: an error reply, then the daemon closes.
        return one(frame(SHOW, ["routes"], length=100)[:20], shut=True)
    if scen == "halfclose":
        # Requests, then shutdown(SHUT_WR): every reply still comes.
        return one(SHOWR * 3, want=3, shut=True)
    if scen == "pipeline":
        # Good, bad, good, bad, good in one write: five replies in order.
        return one(SHOWR + frame(10) + frame(JOIN, ["nosuch", "225.1.1.1"]) +
                   bad["unterminated"] + SHOWR, want=5)
    if scen == "bytewise":
        # One byte every 2 ms.
        s = connect()
        for b in SHOWR + frame(SHOW, ["groups"]):
            send(s, bytes([b]))
            time.sleep(0.002)
        res = fmt(*replies(s, 2))
        s.close()
        return res
    if scen == "strangers":
        # COUNT clients run as uid UID, one after the other: what each
        # got, and how long they all took.
        n, uid = int(args[0]), int(args[1])
        t0 = time.time()
        res = [stranger(uid) for _ in range(n)]
        return "%s (%d ms)" % (tally(res), (time.time() - t0) * 1000)
    if scen == "stall_begin":
        # Half a frame, then silence until stall_end sends the rest.
        s = connect()
        send(s, SHOWR[:10])
        held["stall"] = [s]
        return "ready"
    if scen == "stall_end":
        s = held.pop("stall")[0]
        send(s, SHOWR[10:])
        res = fmt(*replies(s, 1))
        s.close()
        return res
    if scen == "stallhup":
        # Half a frame, a pause, then hang up.
        s = connect()
        send(s, SHOWR[:21])
        time.sleep(0.2)
        s.close()
        return "done"
    if scen == "stalldrop":
        # Half a frame, then silence until the daemon hangs up.
        s = connect()
        send(s, SHOWR[:10])
        t0 = time.time()
        out, end = replies(s, 9, 45)
        s.close()
        return "%s after %d s" % (fmt(out, end), time.time() - t0)
    if scen == "hangup":
        # COUNT clients send a show (and more) and hang up at once; with a
        # large table the daemon's write fails (EPIPE or ECONNRESET).
        n = int(args[0])
        for i in range(n):
            s = connect()
            send(s, SHOWR * (1 + i % 4))
            if i % 2:
                # RST instead of FIN: unread data in the socket.
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                             struct.pack("ii", 1, 0))
            s.close()
        return "done %d" % n
    if scen == "readsome":
        # COUNT clients pipeline many shows, read part of one reply, hang
        # up.
        for _ in range(int(args[0])):
            s = connect()
            send(s, SHOWR * 20)
            s.recv(1000)
            s.close()
        return "done"
    if scen == "noread_begin":
        # Pipelines shows without ever reading the replies, until the
        # daemon stops reading (back-pressure); kept until noread_end.
        s = connect()
        s.setblocking(False)
        sent, data = 0, SHOWR * 64
        end = time.time() + 5
        while time.time() < end:
            try:
                sent += s.send(data)
            except BlockingIOError:
                if not select.select([], [s], [], 0.3)[1]:
                    break
        held["noread"] = [s]
        return "sent %d requests, then the daemon stopped reading" % \
            (sent // len(SHOWR))
    if scen == "noread_end":
        held.pop("noread")[0].close()
        return "done"
    if scen == "many":
        # COUNT clients at once, each pipelining REQ shows; every reply OK
        # and identical.
        n, req = int(args[0]), int(args[1])
        deadline = time.time() + 10
        while True:
            socks = [connect() for _ in range(n)]
            for s in socks:
                send(s, SHOWR * req)
            texts, bad_n, busy = set(), 0, 0
            for s in socks:
                out, end = replies(s, req, 10)
                if len(out) != req:
                    bad_n += 1
                for st, t in out:
                    if st != 0:
                        bad_n += 1
                        busy += TOOMANY in t
                    else:
                        texts.add(t)
            drain(socks)
            if not busy or time.time() > deadline:
                break
            time.sleep(0.2)
        return "clients %d replies-bad %d distinct %d" % (n, bad_n,
                                                           len(texts))
    if scen == "busy":
        # COUNT more clients, each answered once, then sending half a
        # frame: busy, so no newcomer may take their place.
        socks = held.setdefault("busy", [])
        deadline = time.time() + 10
        for _ in range(int(args[0])):
            s = served(deadline)
            send(s, SHOWR[:10])
            socks.append(s)
        return "busy %d" % len(socks)
    if scen == "busy_end":
        # Each busy client half-closes in mid-request: what each got.
        return tally(drain(held.pop("busy")))
    if scen == "extra":
        # One more client asks.
        return one(SHOWR)
    if scen == "idle_begin":
        # COUNT clients, each answered once, then silent.
        deadline = time.time() + 10
        held["idle"] = [served(deadline) for _ in range(int(args[0]))]
        return "idle %d" % len(held["idle"])
    if scen in ("idle_end", "idlewait"):
        # What the idle clients got meanwhile: "open N evicted N idle N
        # other N".  idlewait instead waits (45 s at most) until the
        # daemon has closed them all, and adds how long that took.
        socks = held.pop("idle")
        t0 = time.time()
        until = t0 + (45 if scen == "idlewait" else 0.2)
        count = {"open": 0, "evicted": 0, "idle": 0, "other": 0}
        keep, others, last = [], [], t0
        for s in socks:
            out, end = replies(s, 2, max(0.02, until - time.time()))
            if end == "TIMEOUT" and not out:
                count["open"] += 1
                keep.append(s)
                continue
            if len(out) == 1 and out[0][0] == 1 and end == "EOF" and \
                    out[0][1] in (EVICTED, IDLE):
                count["evicted" if out[0][1] == EVICTED else "idle"] += 1
                last = time.time()
            else:
                count["other"] += 1
                others.append(fmt(out, end))
            s.close()
        drain(keep)
        res = " ".join("%s %d" % (k, count[k])
                       for k in ("open", "evicted", "idle", "other"))
        if scen == "idlewait":
            res += " after %d s" % (last - t0)
        if others:
            res += " # " + tally(others)
        return res
    if scen == "killpipe":
        # kill, then more requests in the same write: only the kill runs.
        return one(frame(KILL) +
                   frame(ADD, ["r0", "10.0.0.1", "225.7.7.8", "r1"]) + SHOWR)
    return "unknown scenario " + scen

for line in sys.stdin:
    tag, _, cmd = line.strip().partition(" ")
    words = cmd.split()
    try:
        res = run(words[0], words[1:])
    except Exception as e:
        res = "ERROR %s: %s" % (type(e).__name__, e)
    print(tag, res.replace("\n", "\\n"), flush=True)
EOF

# The raw client, started first: it takes its seconds while the
# namespaces are set up.
coproc RAWC { exec $PY -I -S -u "$WORK/ipcraw.py" "$SOCK" 2>"$WORK/ipcraw.err"; }
bg_add "$RAWC_PID"
_rawtag=0

topo 2

# raw SCENARIO [ARG...]: run a scenario in the raw client; its one-line
# result in RAW.  raw_send and raw_get [TIMEOUT] do the same in two
# steps, for work done meanwhile.
raw_send()
{
	_rawtag=$((_rawtag + 1))
	_rawcmd=$1
	[ -n "${RAWC[1]:-}" ] && printf '%d %s\n' $_rawtag "$*" >&"${RAWC[1]}"
}

raw_get()
{
	local tmo=${1:-60} line
	RAW="no answer from ipcraw.py in $tmo s"
	while [ -n "${RAWC[0]:-}" ] && read -r -t "$tmo" line <&"${RAWC[0]}"; do
		if [ "${line%% *}" = "$_rawtag" ]; then
			RAW=${line#* }
			break
		fi
		echo "#  stale answer: $line"
	done
	printf '#  raw %s: %.300s\n' "$_rawcmd" "$RAW"
}

raw()
{
	raw_send "$@"
	raw_get
}

# like DESC PATTERN: RAW matches the glob PATTERN.
like()
{
	_nchecks=$((_nchecks + 1))
	# shellcheck disable=SC2053
	if [[ $RAW == $2 ]]; then
		echo "ok - $1"
	else
		echo "not ok - $1: got '$RAW', want '$2'"
		_nfailed=$((_nfailed + 1))
	fi
}

# same DESC: the daemon, asked by the raw client on a new connection,
# shows the routes it showed at the last new_baseline.
same()
{
	raw same
	like "$1: show routes unchanged" same
}

# still_ok DESC: the daemon is alive and smcroutectl shows the routes of
# the last new_baseline.
still_ok()
{
	local desc=$1
	check "$desc: daemon alive" daemon_alive
	ctl -p show routes >"$WORK/now.txt" 2>&1
	check "$desc: show routes unchanged" cmp -s "$WORK/now.txt" "$WORK/baseline.txt"
}

# new_baseline: what show routes says now, for same and still_ok.
new_baseline()
{
	ctl -p show routes >"$WORK/baseline.txt"
	raw baseline
}

conf <<EOF
mroute from $RTR_IN source $SRC4 group 225.1.1.1 to $RTR_OUT1
mroute from $RTR_IN source $SRC4 group 225.1.1.4 to $RTR_OUT1
mroute from $RTR_IN group 225.3.0.0/16 to $RTR_OUT2
mgroup from $RTR_OUT1 group 225.5.5.5
EOF
# -c 0: learned routes never expire, so show routes stays as it was.
daemon_start -c 0

# A stream through the router for the whole test: it must lose nothing.
recv_start stream rcv1 -i $RCV1_IF -d 600 225.1.1.1
send_start bgsend src -i $SRC_IF -r 200 -c 200000 225.1.1.1
sleep 0.2
new_baseline
check "baseline show routes" grep -q "225.1.1.1" "$WORK/baseline.txt"
like "baseline show routes, raw" "[1-9]* bytes"

# ---------------------------------------------------------- credentials

say "credentials"
expect seq "socket mode 0600, owned by root" \
    "$(stat -c '%a %U' "$SOCK")" "600 root"
if command -v setpriv >/dev/null &&
    setpriv --reuid=65534 --regid=65534 --clear-groups test -x "$SMCROUTECTL"; then
	setpriv --reuid=65534 --regid=65534 --clear-groups \
	    "$SMCROUTECTL" -u "$SOCK" add $RTR_IN $SRC4 225.7.7.9 $RTR_OUT1 \
	    >"$WORK/nobody.txt" 2>&1
	expect eq "not root: exit 1" $? 1
	check "not root: 'Need root privileges'" \
	    grep -qx "smcroutectl: Need root privileges to connect to daemon" \
	    "$WORK/nobody.txt"

	# The mode opened up (as by a careless chmod): the daemon itself
	# refuses, with a message, and logs it at most 5 times per 10 s.
	chmod 0666 "$SOCK"
	raw strangers 7 65534
	like "mode 0666: 7 clients of uid 65534 refused by the daemon, told why" \
	    "7 x 1:Permission denied: only root may control the daemon, not uid 65534 | EOF (* ms)"
	ms=${RAW##*(}
	ms=${ms% ms)}
	n=$(grep -c "ipc: refused uid 65534 " "$DLOG")
	if [ "${ms:-0}" -lt 9000 ] 2>/dev/null; then
		expect eq "7 refusals in $ms ms: logged 5 times" "$n" 5
	else
		expect ge "7 refusals in $ms ms (a slow machine): logged" "$n" 5
	fi
	setpriv --reuid=65534 --regid=65534 --clear-groups \
	    "$SMCROUTECTL" -u "$SOCK" add $RTR_IN $SRC4 225.7.7.9 $RTR_OUT1 \
	    >"$WORK/nobody.txt" 2>&1
	expect eq "mode 0666, not root: exit 1" $? 1
	check "mode 0666, not root: the daemon's refusal" \
	    grep -qx "smcroutectl: Permission denied: only root may control the daemon, not uid 65534" \
	    "$WORK/nobody.txt"
	chmod 0600 "$SOCK"
	check_not "not root: nothing added" mfc_has $SRC4 225.7.7.9
else
	say "setpriv unavailable or $SMCROUTECTL not accessible to nobody: not-root cases skipped"
fi

# smcroutectl (root) talks to no socket another uid owns.
chown 65534 "$SOCK"
ctl show routes >"$WORK/owner.txt" 2>&1
expect eq "socket owned by uid 65534: smcroutectl refuses it, exit 1" $? 1
check "socket owned by uid 65534: the reason" \
    grep -qx "smcroutectl: Refusing socket $SOCK: owned by uid 65534, neither root nor you" \
    "$WORK/owner.txt"
chown 0 "$SOCK"
still_ok "after the refused users"

# ------------------------------------------------------ malformed frames

say "frames that cannot be trusted: error reply, then closed"
declare -A res
for s in len0 len8 len15 len65537 lenmax magic0 magicv2 magicswap http; do
	raw $s
	res[$s]=$RAW
	like "$s: one error (status 2), then closed" "2:* | EOF"
	same "$s"
done
RAW=${res[len0]}
like "length 0: the reason" "2:*shorter than the 16 byte header* | EOF"
RAW=${res[len65537]}
like "length 65537: the reason" "2:*exceeds the maximum of 65536* | EOF"
RAW=${res[magicv2]}
like "wrong magic: the reason" "2:bad magic*| EOF"

say "bad contents: error reply, the connection goes on"
for s in argcmore argcless argc65 argcffff unterminated unterminated2 \
    emptyarg ctrlarg delarg longarg cmd0 cmd10 cmdffff flags4 flagshigh \
    showabbrev showbogus show2 add0 kill1 max; do
	raw $s
	res[$s]=$RAW
	like "$s: error (status 2), then the next request answered" \
	    "2:* | 0:<* bytes> | OPEN"
	same "$s"
done
RAW=${res[cmd10]}
like "unknown command: the reason" "2:unknown command code 10 | 0:*"
RAW=${res[flags4]}
like "unknown flags: the reason" "2:unknown flags 0x4 | 0:*"
RAW=${res[argc65]}
like "65 arguments: the reason" "2:65 arguments, at most 64 allowed | 0:*"
RAW=${res[unterminated]}
like "unterminated: the reason" "2:*not NUL-terminated | 0:*"
RAW=${res[argcless]}
like "argc too small: the reason" "2:*stray bytes* | 0:*"
RAW=${res[showabbrev]}
like "abbreviated show subject: the reason" "2:Unknown show subject r | 0:*"
RAW=${res[max]}
like "65536-byte frame: read whole, refused for its contents" "2:*stray bytes* | 0:*"
raw oifs33
like "33 OIFs past the client: refused (status 1)" \
    "1:*too many outbound interfaces* | OPEN"
check_not "33 OIFs: nothing added" mfc_has $SRC4 225.7.7.7
raw ok
like "valid flags and flush: answered" "0:<* bytes> | 0: | OPEN"
raw truncated
like "frame shorter than its length, then half-close: an error reply, then closed" \
    "2:incomplete request: 20 of 100 bytes, then end of input | EOF"
same "truncated"
raw halfclose
like "half-close after three requests: three replies" \
    "0:<* bytes> | 0:<* bytes> | 0:<* bytes> | OPEN"
raw pipeline
like "pipelined good/bad/good/bad/good: five replies in order" \
    "0:<* bytes> | 2:unknown command code 10 | 1:unknown interface nosuch | 2:*NUL-terminated | 0:<* bytes> | OPEN"
raw bytewise
like "a frame a byte at a time" "0:<* bytes> | 0:<* bytes> | OPEN"
raw text "$WORK/rawtext.txt"
check "raw show text: titles marked with _" grep -qx "(S,G) Rules_" "$WORK/rawtext.txt"
check "raw show text: headings marked with =" \
    grep -Eqx "ROUTE \(S,G\) +IIF +OIFS +EXCEPT=" "$WORK/rawtext.txt"
check "raw show text: the rule" grep -Eq "^\(10\.0\.0\.1, 225\.1\.1\.1\) +r0 +r1$" \
    "$WORK/rawtext.txt"
still_ok "malformed frames"

# ------------------------------------------------- clients that misbehave

say "stalled and vanishing clients"
# Half a frame, then silence: others are served meanwhile (not after the
# 30 s stall timeout), and the frame completed later is answered.
raw stall_begin
like "stalling client connected" ready
_now
t0=$NOW
ctl_t -p show routes >"$WORK/now.txt" 2>&1
_now
ms=$(( (NOW - t0) / 1000000 ))
check "others served while a client stalls" cmp -s "$WORK/now.txt" "$WORK/baseline.txt"
expect lt "... well within the 30 s stall timeout (ms)" "$ms" 10000
flow 225.3.3.3 $SRC4 $N prime
expect ge "template flow learned while a client stalls" "$FLOW2" $((N - 1))
raw stall_end
like "the stalled frame, completed, is answered" "0:<* bytes> | OPEN"
new_baseline	# with the learned entry
raw stallhup
like "a client hung up in mid-frame" "done"
same "a client hung up in mid-frame"

# Lots of routes, so that replies are large (about 300 KB): writes to
# clients that are gone fail.
awk -v iif=$RTR_IN -v src=$SRC4 -v o=$RTR_OUT2 'BEGIN {
	for (i = 0; i < 3000; i++)
		printf "add %s %s 225.40.%d.%d %s\n", iif, src, i / 256, i % 256, o
}' >"$WORK/many.in"
ctl -b <"$WORK/many.in" >/dev/null 2>"$WORK/many.err"
expect eq "3000 routes added" $? 0
new_baseline
expect gt "show routes is large now (bytes)" "$(wc -c <"$WORK/baseline.txt")" 300000

raw hangup 16
like "16 clients that hang up before reading" "done 16"
same "early hang-ups with large replies (SIGPIPE)"
raw readsome 3
like "3 clients that read part of a reply and hang up" "done"
same "clients that read part of a reply and hang up"
kill -PIPE "$DAEMON_PID"
sleep 0.2
still_ok "SIGPIPE sent to the daemon"

raw noread_begin
like "non-reading client pushed back" \
    "sent * requests, then the daemon stopped reading"
_now
t0=$NOW
ctl_t -p show routes >"$WORK/now.txt" 2>&1
_now
ms=$(( (NOW - t0) / 1000000 ))
check "others served beside a client that does not read" \
    cmp -s "$WORK/now.txt" "$WORK/baseline.txt"
expect lt "... well within the 30 s stall timeout (ms)" "$ms" 10000
raw noread_end
same "a client that never read its replies"

# Back to a small table for the rest.
sed 's/^add/remove/; s/ [^ ]*$//' "$WORK/many.in" | ctl -b >/dev/null
new_baseline
expect lt "3000 routes removed again (bytes)" "$(wc -c <"$WORK/baseline.txt")" 5000

# ------------------------------------------------------------ many clients

say "many clients"
raw many 64 4
like "64 clients at once, 4 requests each: all answered alike" \
    "clients 64 replies-bad 0 distinct 1"

# 62 busy clients (half a request each): 2 places are left for 8
# smcroutectl at once.  Each is served or told the daemon is busy (or,
# should it be held up for 1 s between connecting and asking, that it
# made room for another); a refusal means that 2 of them held the places
# then, so at least 2 are served (or made room).
raw busy 62
like "62 busy clients" "busy 62"
pids=
for i in 1 2 3 4 5 6 7 8; do
	ctl_t -p show routes >"$WORK/par$i.txt" 2>&1 &
	pids="$pids $!"
done
# shellcheck disable=SC2086
wait $pids
served=0 refused=0 evicted=0 other=0
for i in 1 2 3 4 5 6 7 8; do
	if cmp -s "$WORK/par$i.txt" "$WORK/baseline.txt"; then
		served=$((served + 1))
	elif grep -qx "smcroutectl: Too many clients connected to daemon" \
	    "$WORK/par$i.txt"; then
		refused=$((refused + 1))
	elif grep -qx "smcroutectl: Connection closed by daemon: idle, and a new client needed its place" \
	    "$WORK/par$i.txt"; then
		evicted=$((evicted + 1))
	else
		other=$((other + 1))
		sed "s/^/#  par$i: /" "$WORK/par$i.txt" | head -n 3
	fi
done
say "8 at once: $served served, $refused refused as too many, $evicted made room"
expect eq "8 smcroutectl at once: each served or refused with a message" \
    "$other" 0
expect ge "8 smcroutectl at once: the 2 places were used" \
    $((served + evicted)) 2

raw busy 2
like "64 busy clients" "busy 64"
raw extra
like "the 65th client refused with a message" \
    "1:Too many clients connected to daemon | EOF"
ctl show routes >"$WORK/ctl65.txt" 2>&1
expect eq "smcroutectl as the 65th: exit 1" $? 1
check "smcroutectl as the 65th: the message" \
    grep -qx "smcroutectl: Too many clients connected to daemon" "$WORK/ctl65.txt"
raw busy_end
like "64 busy clients hang up in mid-request: each told, then closed" \
    "64 x 2:incomplete request: 10 bytes, then end of input | EOF"

# 64 idle clients: once they have been idle for 1 s, the one idle
# longest makes room for a newcomer, with a message, so smcroutectl is
# served, long before the 30 s idle timeout.
raw idle_begin 64
like "64 idle clients" "idle 64"
sleep 1.5
ctl -p show routes >"$WORK/now.txt" 2>&1
check "64 idle clients: smcroutectl served" cmp -s "$WORK/now.txt" "$WORK/baseline.txt"
raw idle_end
like "the one idle longest made room, told why; the others kept" \
    "open 63 evicted 1 idle 0 other 0"
still_ok "many clients"

# ---------------------------------------- the stream, and learning, still

send_kill()
{
	# shellcheck disable=SC2154	# set by send_start
	kill -TERM "$_send_bgsend" 2>/dev/null
	wait "$_send_bgsend"
}
send_kill
sleep 0.3
recv_stop stream
sent=$(kv bgsend sent)
got=$(kv stream received)
say "stream: sent $sent, received $got, lost $(kv stream lost)"
expect gt "stream: packets sent all along" "${sent:-0}" 100
expect eq "stream: every packet forwarded" "${got:-0}" "${sent:-x}"
expect eq "stream: no gaps" "$(kv stream lost)" 0
flow 225.3.4.4 $SRC4 $N prime
expect ge "a new template flow is still learned" "$FLOW2" $((N - 1))

# ----------------------------------------------- runtime vs. configured

say "runtime routes and groups are dropped on reload"
runtime_add()
{
	ctl -b <<-EOF
	add $RTR_IN $SRC4 225.1.1.1 $RTR_OUT2
	add $RTR_IN $SRC4 225.2.2.2 $RTR_OUT1
	add $RTR_IN 225.6.0.0/16 $RTR_OUT1
	add $RTR_IN $SRC6 ff0e::2:2 $RTR_OUT1
	remove $RTR_IN $SRC4 225.1.1.4
	join $RTR_OUT1 225.6.6.6
	EOF
}
runtime_add
expect eq "runtime adds, a remove and a join (-b): none failed" $? 0
check "merged: r0 -> r1 r2" mfc_is $SRC4 225.1.1.1 $RTR_IN $RTR_OUT1 $RTR_OUT2
flow 225.1.1.1 $SRC4
expect eq "merged route to r1" "$FLOW1" $N
expect eq "merged route to r2" "$FLOW2" $N
check "runtime (S,G) installed" mfc_is $SRC4 225.2.2.2 $RTR_IN $RTR_OUT1
flow_check "runtime template forwards" learn 225.6.1.1 $SRC4
check "runtime IPv6 (S,G) installed" mfc_is $SRC6 ff0e::2:2 $RTR_IN $RTR_OUT1
check_not "removed configured route gone" mfc_has $SRC4 225.1.1.4
check "runtime group joined" igmp_has $RTR_OUT1 225.6.6.6

# _forwards_none S G: no entry, or one without outbound interfaces.
_forwards_none()
{
	local o
	o=$(mfc_oifs "$1" "$2") || return 0
	[ -z "$o" ]
}

reload_and_check()
{
	local how=$1
	check "$how: configured route back to r0 -> r1 (r2 dropped)" \
	    mfc_is $SRC4 225.1.1.1 $RTR_IN $RTR_OUT1
	check "$how: removed configured route back" \
	    mfc_is $SRC4 225.1.1.4 $RTR_IN $RTR_OUT1
	check_not "$how: runtime (S,G) gone from the kernel" \
	    mfc_has $SRC4 225.2.2.2
	check "$how: route learned from the runtime template forwards no more" \
	    _forwards_none $SRC4 225.6.1.1
	check_not "$how: runtime IPv6 (S,G) gone" mfc_has $SRC6 ff0e::2:2
	check_not "$how: runtime group left" igmp_has $RTR_OUT1 225.6.6.6
	check "$how: configured group kept" igmp_has $RTR_OUT1 225.5.5.5
	ctl -t show routes >"$WORK/now.txt"
	check_not "$how: show routes has no runtime rule" \
	    grep -Eq "225\.2\.2\.2\) +r0 +r|225\.6\.0\.0|ff0e::2:2\) +r0 +r" \
	    "$WORK/now.txt"
	ctl show groups >"$WORK/now.txt"
	check_not "$how: show groups has no runtime group" \
	    grep -q "225.6.6.6" "$WORK/now.txt"
}
ctl reload
expect eq "smcroutectl reload" $? 0
reload_and_check "smcroutectl reload"
flow 225.3.5.5 $SRC4 $N prime
expect ge "smcroutectl reload: configured template still forwards" "$FLOW2" \
    $((N - 1))

runtime_add
expect eq "runtime rules again (-b): none failed" $? 0
check "runtime (S,G) installed again" mfc_is $SRC4 225.2.2.2 $RTR_IN $RTR_OUT1
daemon_reload
reload_and_check "SIGHUP"

# ------------------------------------------------- timeouts (SLOW=1)

if [ -n "${SLOW:-}" ]; then
	say "a stalled client, until the daemon drops it (about 30 s)"
	new_baseline
	raw_send stalldrop
	for _ in $(seq 28); do
		sleep 1
		ctl_t -p show routes >"$WORK/now.txt" 2>&1 ||
		    { echo "#  show failed during the stall"; break; }
	done
	raw_get 60
	like "stalled mid-frame: an error reply, then closed" \
	    "2:incomplete request: 10 bytes, then nothing more for 30 s | EOF after * s"
	secs=${RAW##* after }
	expect ge "stalled mid-frame: dropped after 30 s (s)" "${secs% s}" 29
	expect le "stalled mid-frame: not much later (s)" "${secs% s}" 33
	check "served while the client stalled" \
	    cmp -s "$WORK/now.txt" "$WORK/baseline.txt"

	say "64 idle clients, until the daemon closes them (about 30 s)"
	raw idle_begin 64
	like "64 idle clients connected" "idle 64"
	raw_send idlewait
	raw_get 60
	like "64 idle clients: each closed with the idle message" \
	    "open 0 evicted 0 idle 64 other 0 after * s"
	secs=${RAW##* after }
	expect ge "64 idle clients: closed after the 30 s idle timeout (s)" \
	    "${secs% s}" 28
	expect le "64 idle clients: not much later (s)" "${secs% s}" 33
	still_ok "64 idle clients closed"
else
	say "SLOW unset: the 30 s stall and idle timeouts are not tested"
fi

# ------------------------------------------------------------ kill, last

say "kill pipelined with more requests"
raw killpipe
like "kill answered, nothing after it" "0: | EOF"
check "kill: the daemon exits" wait_until 5 _daemon_gone
daemon_stop
expect eq "kill: exit status 0" "$DAEMON_RC" 0
check_not "kill: the request after it did not run" mfc_has $SRC4 225.7.7.8
check_not "kill: socket removed" test -e "$SOCK"

finish
