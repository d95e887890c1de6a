#!/bin/bash
# The daemon's IPC server against a raw client (/usr/bin/python3):
# malformed frames (length 0, shorter than the header, past the data sent,
# over 65536, wrong magic, argc too large, too small or over 64,
# unterminated, empty or unprintable strings, unknown command codes and
# flags, show subjects the wire does not abbreviate, a 65536-byte frame,
# too many OIFs past the client's check) each get an error reply, and the
# connection goes on when the header could be trusted, or is closed when
# it could not; pipelined requests are answered in order; a frame sent a
# byte at a time; clients that hang up before reading (large replies:
# EPIPE, no SIGPIPE death), that send half a frame and stall or hang up,
# that never read their replies; 64 clients at once, the 65th refused
# with a message; a non-root smcroutectl refused (socket mode 0600);
# kill pipelined with more requests.  After each, smcroutectl show routes
# still answers correctly and a flow keeps being forwarded all along.
# Runtime routes and groups (add, join) work and are dropped on reload,
# while configured ones survive (ctl reload and SIGHUP).
# With SLOW=1 also: a client that stalls mid-frame is dropped after the
# daemon's 30 s stall timeout (IPC_TIMEOUT_MS), others served meanwhile.
. "$(dirname "$0")/lib.sh"

need_mroute4
need_mroute6
need_tools
need_daemon
need_bin "$SMCROUTECTL"
PY=/usr/bin/python3
[ -x $PY ] || skip "needs $PY for the raw IPC client"
topo 2

# In the private /run (mode 0755), so that only the socket's own mode
# keeps other users out.
SOCK=/run/$IDENT.sock
N=$FLOW_COUNT

ctl()
{
	nsx $RTR "$SMCROUTECTL" -u "$SOCK" "$@"
}

cat >"$WORK/ipcraw.py" <<'EOF'
# ipcraw.py SOCKET SCENARIO [ARG...]: a raw client of the smcrouted
# control socket (src/msg.h: header u32 magic, u32 len, u16 cmd,
# u16 argc, u32 flags, host order; reply u32 len, i32 status, text).
# Prints what came back: "S:TEXT" per reply (show output abbreviated to
# its length), then EOF (the daemon closed), OPEN (all expected replies
# came, connection still open) or TIMEOUT.
import os, select, socket, struct, sys, time

MAGIC = 0x01434D53
ADD, REMOVE, JOIN, LEAVE, SHOW, FLUSH, RELOAD, KILL = range(1, 9)
path, scen, args = sys.argv[1], sys.argv[2], sys.argv[3:]

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
    s.connect(path)
    return s

def send(s, data):
    try:
        s.sendall(data)
    except (BrokenPipeError, ConnectionResetError):
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
    print(fmt(*replies(s, want, timeout)))
    s.close()

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
    "cmd9": frame(9),
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

if scen in fatal:
    one(fatal[scen] + SHOWR)
elif scen in bad:
    # The bad frame, a good one behind it: error, then the show.
    one(bad[scen] + SHOWR, want=2)
elif scen == "ok":
    # Valid requests, for comparison: show with -j -d flags, flush.
    one(frame(SHOW, ["routes"], flags=3) + frame(FLUSH), want=2)
elif scen == "text":
    # The raw text of show routes, as the daemon sends it.
    s = connect()
    send(s, SHOWR)
    out, end = replies(s, 1)
    sys.stdout.write(out[0][1] if out else "NO REPLY " + end)
elif scen == "oifs33":
    # 33 OIFs: past the client's check, refused by the daemon.
    one(frame(ADD, ["r0", "10.0.0.1", "225.7.7.7"] + ["r1"] * 33), want=1)
elif scen == "truncated":
    # The header promises 100 bytes, 20 come, then the client half-closes:
    # no reply, the daemon closes.
    one(frame(SHOW, ["routes"], length=100)[:20], shut=True)
elif scen == "halfclose":
    # Requests, then shutdown(SHUT_WR): every reply still comes.
    one(SHOWR * 3, want=3, shut=True)
elif scen == "pipeline":
    # Good, bad, good, bad, good in one write: five replies in order.
    one(SHOWR + frame(9) + frame(JOIN, ["nosuch", "225.1.1.1"]) +
        bad["unterminated"] + SHOWR, want=5)
elif scen == "bytewise":
    # One byte every 2 ms.
    s = connect()
    for b in SHOWR + frame(SHOW, ["groups"]):
        send(s, bytes([b]))
        time.sleep(0.002)
    print(fmt(*replies(s, 2)))
elif scen == "hangup":
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
    print("done %d" % n)
elif scen == "readsome":
    # Pipelines many shows, reads part of one reply, hangs up.
    s = connect()
    send(s, SHOWR * 20)
    s.recv(1000)
    s.close()
    print("done")
elif scen == "stall":
    # Half a frame, then wait until the file ARG0 exists (the test
    # checks meanwhile that the daemon serves others), then the rest.
    s = connect()
    f = SHOWR
    send(s, f[:10])
    open(args[1], "w").close()
    while not os.path.exists(args[0]):
        time.sleep(0.02)
    send(s, f[10:])
    print(fmt(*replies(s, 1)))
elif scen == "stallhup":
    # Half a frame, wait for ARG0, then hang up.
    s = connect()
    send(s, SHOWR[:21])
    open(args[1], "w").close()
    while not os.path.exists(args[0]):
        time.sleep(0.02)
    s.close()
    print("done")
elif scen == "stalldrop":
    # Half a frame, then silence until the daemon hangs up.
    s = connect()
    send(s, SHOWR[:10])
    t0 = time.time()
    out, end = replies(s, 9, 45)
    print("%s after %d s" % (fmt(out, end), time.time() - t0))
elif scen == "noread":
    # Pipelines shows without ever reading the replies, until the daemon
    # stops reading (back-pressure); holds on until ARG0 exists.
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
    open(args[1], "w").close()
    while not os.path.exists(args[0]):
        time.sleep(0.02)
    s.close()
    print("sent %d requests, then the daemon stopped reading" %
          (sent // len(SHOWR)))
elif scen == "many":
    # COUNT clients at once, each pipelining REQ shows; every reply OK
    # and identical.  Clients that went before may not all be closed by
    # the daemon yet: while one is refused, try again, for 3 s at most.
    n, req = int(args[0]), int(args[1])
    deadline = time.time() + 3
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
                    busy += "Too many clients" in t
                else:
                    texts.add(t)
        for s in socks:
            s.close()
        if not busy or time.time() > deadline:
            break
        time.sleep(0.2)
    print("clients %d replies-bad %d distinct %d" % (n, bad_n, len(texts)))
elif scen == "full":
    # COUNT clients connect and are answered; one more is refused; hold
    # them until ARG1 exists (ARG2 is created when they are all up).
    # Retries as in "many" while earlier clients are being closed.
    n = int(args[0])
    deadline = time.time() + 3
    while True:
        socks, failed = [], None
        for _ in range(n):
            s = connect()
            socks.append(s)
            send(s, SHOWR)
            out, end = replies(s, 1)
            if len(out) != 1 or out[0][0] != 0:
                failed = "client %d not served: %s" % (len(socks),
                                                         fmt(out, end))
                break
        if not failed:
            break
        for s in socks:
            s.close()
        if time.time() > deadline:
            print(failed)
            sys.exit(1)
        time.sleep(0.2)
    extra = connect()
    send(extra, SHOWR)
    print(fmt(*replies(extra, 9)))
    sys.stdout.flush()
    open(args[2], "w").close()
    while not os.path.exists(args[1]):
        time.sleep(0.02)
    for s in socks:
        s.close()
elif scen == "killpipe":
    # kill, then more requests in the same write: only the kill runs.
    one(frame(KILL) + frame(ADD, ["r0", "10.0.0.1", "225.7.7.8", "r1"]) +
        SHOWR)
else:
    print("unknown scenario " + scen)
    sys.exit(2)
EOF

# raw SCENARIO [ARG...]: run the raw client in the router; its one-line
# result in RAW.
raw()
{
	RAW=$(nsx $RTR timeout 20 $PY "$WORK/ipcraw.py" "$SOCK" "$@" 2>&1)
	echo "#  raw $1: $RAW" | cut -c1-300
}

# still_ok DESC: the daemon is alive and show routes is what it was.
still_ok()
{
	local desc=$1
	check "$desc: daemon alive" daemon_alive
	ctl -p show routes >"$WORK/now.txt" 2>&1
	check "$desc: show routes unchanged" cmp -s "$WORK/now.txt" "$WORK/baseline.txt"
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

conf <<EOF
mroute from $RTR_IN source $SRC4 group 225.1.1.1 to $RTR_OUT1
mroute from $RTR_IN source $SRC4 group 225.1.1.4 to $RTR_OUT1
mroute from $RTR_IN group 225.3.0.0/16 to $RTR_OUT2
mgroup from $RTR_OUT1 group 225.5.5.5
EOF
daemon_start

# A stream through the router for the whole test: it must lose nothing.
recv_start stream rcv1 -i $RCV1_IF -d 120 225.1.1.1
send_start bgsend src -i $SRC_IF -r 200 -c 100000 225.1.1.1
sleep 0.2
ctl -p show routes >"$WORK/baseline.txt"
check "baseline show routes" grep -q "225.1.1.1" "$WORK/baseline.txt"

say "socket permissions"
expect seq "socket mode 0600, owned by root" \
    "$(stat -c '%a %U' "$SOCK")" "600 root"
if command -v setpriv >/dev/null &&
    setpriv --reuid=65534 --regid=65534 --clear-groups test -x "$SMCROUTECTL"; then
	nsx $RTR setpriv --reuid=65534 --regid=65534 --clear-groups \
	    "$SMCROUTECTL" -u "$SOCK" show routes >"$WORK/nobody.txt" 2>&1
	expect eq "not root: exit 1" $? 1
	check "not root: 'Need root privileges'" \
	    grep -q "^smcroutectl: Need root privileges to connect to daemon$" \
	    "$WORK/nobody.txt"
	nsx $RTR setpriv --reuid=65534 --regid=65534 --clear-groups \
	    "$SMCROUTECTL" -u "$SOCK" add $RTR_IN $SRC4 225.7.7.9 $RTR_OUT1 \
	    >"$WORK/nobody.txt" 2>&1
	expect eq "not root: add refused" $? 1
	check_not "not root: nothing added" mfc_has $SRC4 225.7.7.9
else
	say "setpriv unavailable or $SMCROUTECTL not accessible to nobody: not-root case skipped"
fi
still_ok "after the refused user"

# ------------------------------------------------------ malformed frames

say "frames that cannot be trusted: error reply, then closed"
for s in len0 len8 len15 len65537 lenmax magic0 magicv2 magicswap http; do
	raw $s
	like "$s: one error (status 2), then closed" "2:* | EOF"
	still_ok "$s"
done
raw len0
like "length 0: the reason" "2:*shorter than the 16 byte header* | EOF"
raw len65537
like "length 65537: the reason" "2:*exceeds the maximum of 65536* | EOF"
raw magicv2
like "wrong magic: the reason" "2:bad magic*| EOF"

say "bad contents: error reply, the connection goes on"
for s in argcmore argcless argc65 argcffff unterminated unterminated2 \
    emptyarg ctrlarg delarg longarg cmd0 cmd9 cmdffff flags4 flagshigh \
    showabbrev showbogus show2 add0 kill1 max; do
	raw $s
	like "$s: error (status 2), then the next request answered" \
	    "2:* | 0:<* bytes> | OPEN"
	still_ok "$s"
done
raw cmd9
like "unknown command: the reason" "2:unknown command code 9 | 0:*"
raw flags4
like "unknown flags: the reason" "2:unknown flags 0x4 | 0:*"
raw argc65
like "65 arguments: the reason" "2:65 arguments, at most 64 allowed | 0:*"
raw unterminated
like "unterminated: the reason" "2:*not NUL-terminated | 0:*"
raw argcless
like "argc too small: the reason" "2:*stray bytes* | 0:*"
raw showabbrev
like "abbreviated show subject: the reason" "2:Unknown show subject r | 0:*"
raw max
like "65536-byte frame: read whole, refused for its contents" "2:*stray bytes* | 0:*"
raw oifs33
like "33 OIFs past the client: refused (status 1)" \
    "1:*too many outbound interfaces* | OPEN"
check_not "33 OIFs: nothing added" mfc_has $SRC4 225.7.7.7
raw ok
like "valid flags and flush: answered" "0:<* bytes> | 0: | OPEN"
raw truncated
like "frame shorter than its length, then half-close: closed, no reply" "EOF"
still_ok "truncated"
raw halfclose
like "half-close after three requests: three replies, then closed" \
    "0:<* bytes> | 0:<* bytes> | 0:<* bytes> | OPEN"
raw pipeline
like "pipelined good/bad/good/bad/good: five replies in order" \
    "0:<* bytes> | 2:unknown command code 9 | 1:unknown interface nosuch | 2:*NUL-terminated | 0:<* bytes> | OPEN"
raw bytewise
like "a frame a byte at a time" "0:<* bytes> | 0:<* bytes> | OPEN"
still_ok "pipelined and slow frames"
nsx $RTR $PY "$WORK/ipcraw.py" "$SOCK" text >"$WORK/rawtext.txt" 2>&1
check "raw show text: titles marked with _" grep -qx "(S,G) Rules_" "$WORK/rawtext.txt"
check "raw show text: headings marked with =" \
    grep -Eqx "ROUTE \(S,G\) +IIF +OIFS +EXCEPT=" "$WORK/rawtext.txt"
check "raw show text: the rule" grep -Eq "^\(10\.0\.0\.1, 225\.1\.1\.1\) +r0 +r1$" \
    "$WORK/rawtext.txt"

# ------------------------------------------------- clients that misbehave

say "stalled and vanishing clients"
# Half a frame, then silence: others are served meanwhile, and the
# frame completed later is answered.
rm -f "$WORK/go" "$WORK/ready"
nsx $RTR $PY "$WORK/ipcraw.py" "$SOCK" stall "$WORK/go" "$WORK/ready" \
    >"$WORK/stall.txt" 2>&1 &
stall_pid=$!
bg_add $stall_pid
check "stalling client connected" wait_until 5 test -e "$WORK/ready"
t0=$(date +%s%N)
ctl -p show routes >"$WORK/now.txt" 2>&1
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
check "others served while a client stalls" cmp -s "$WORK/now.txt" "$WORK/baseline.txt"
expect lt "... at once (ms)" "$ms" 1000
flow 225.3.3.3 $SRC4 $N prime
expect ge "template flow learned while a client stalls" "$FLOW2" $((N - 1))
touch "$WORK/go"
wait $stall_pid
RAW=$(cat "$WORK/stall.txt")
like "the stalled frame, completed, is answered" "0:<* bytes> | OPEN"
ctl -p show routes >"$WORK/baseline.txt"	# with the learned entry

rm -f "$WORK/go" "$WORK/ready"
nsx $RTR $PY "$WORK/ipcraw.py" "$SOCK" stallhup "$WORK/go" "$WORK/ready" \
    >"$WORK/stallhup.txt" 2>&1 &
stall_pid=$!
bg_add $stall_pid
check "half-frame client connected" wait_until 5 test -e "$WORK/ready"
touch "$WORK/go"
wait $stall_pid
still_ok "a client hung up in mid-frame"

# Lots of routes, so that replies are large (about 600 KB): writes to
# clients that are gone fail.
awk -v iif=$RTR_IN -v src=$SRC4 -v o=$RTR_OUT2 'BEGIN {
	for (i = 0; i < 3000; i++)
		printf "add %s %s 225.40.%d.%d %s\n", iif, src, i / 256, i % 256, o
}' >"$WORK/many.in"
ctl -b <"$WORK/many.in" >/dev/null 2>"$WORK/many.err"
expect eq "3000 routes added" $? 0
ctl -p show routes >"$WORK/baseline.txt"
expect gt "show routes is large now (bytes)" "$(wc -c <"$WORK/baseline.txt")" 300000

raw hangup 60
like "60 clients that hang up before reading" "done 60"
still_ok "early hang-ups with large replies (SIGPIPE)"
for _ in 1 2 3 4 5; do raw readsome; done
still_ok "clients that read part of a reply and hang up"
kill -PIPE "$DAEMON_PID"
sleep 0.2
still_ok "SIGPIPE sent to the daemon"

rm -f "$WORK/go" "$WORK/ready"
nsx $RTR $PY "$WORK/ipcraw.py" "$SOCK" noread "$WORK/go" "$WORK/ready" \
    >"$WORK/noread.txt" 2>&1 &
noread_pid=$!
bg_add $noread_pid
check "non-reading client pushed back" wait_until 10 test -e "$WORK/ready"
t0=$(date +%s%N)
ctl -p show routes >"$WORK/now.txt" 2>&1
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
check "others served beside a client that does not read" \
    cmp -s "$WORK/now.txt" "$WORK/baseline.txt"
expect lt "... quickly (ms)" "$ms" 3000
touch "$WORK/go"
wait $noread_pid
RAW=$(cat "$WORK/noread.txt")
echo "#  $RAW"
still_ok "a client that never read its replies"

# Back to a small table for the rest.
sed 's/^add/remove/; s/ [^ ]*$//' "$WORK/many.in" | ctl -b >/dev/null
ctl -p show routes >"$WORK/baseline.txt"
expect lt "3000 routes removed again (bytes)" "$(wc -c <"$WORK/baseline.txt")" 5000

# ------------------------------------------------------------ many clients

say "many clients"
raw many 64 10
like "64 clients at once, 10 requests each: all answered alike" \
    "clients 64 replies-bad 0 distinct 1"
still_ok "64 concurrent clients"

rm -f "$WORK/go" "$WORK/ready"
nsx $RTR $PY "$WORK/ipcraw.py" "$SOCK" full 64 "$WORK/go" "$WORK/ready" \
    >"$WORK/full.txt" 2>&1 &
full_pid=$!
bg_add $full_pid
check "64 clients connected" wait_until 10 test -e "$WORK/ready"
RAW=$(cat "$WORK/full.txt")
like "the 65th client refused with a message" \
    "1:Too many clients connected to daemon | EOF"
ctl show routes >"$WORK/ctl65.txt" 2>&1
expect eq "smcroutectl as the 65th: exit 1" $? 1
check "smcroutectl as the 65th: the message" \
    grep -q "^smcroutectl: Too many clients connected to daemon$" "$WORK/ctl65.txt"
touch "$WORK/go"
wait $full_pid
_show_ok()
{
	ctl -p show routes >"$WORK/now.txt" 2>&1 &&
	    cmp -s "$WORK/now.txt" "$WORK/baseline.txt"
}
check "served again once they are gone" wait_until 5 _show_ok

# 100 smcroutectl at once: each is served or told the daemon is busy.
pids=
for i in $(seq 100); do
	ctl -p show routes >"$WORK/par$i.txt" 2>&1 &
	pids="$pids $!"
done
# shellcheck disable=SC2086
wait $pids
wait_ok=0 busy=0 other=0
for i in $(seq 100); do
	if cmp -s "$WORK/par$i.txt" "$WORK/baseline.txt"; then
		wait_ok=$((wait_ok + 1))
	elif grep -q "Too many clients" "$WORK/par$i.txt"; then
		busy=$((busy + 1))
	else
		other=$((other + 1))
		sed "s/^/#  par$i: /" "$WORK/par$i.txt" | head -n 3
	fi
done
say "100 at once: $wait_ok served, $busy refused as too many"
expect eq "100 smcroutectl at once: none failed otherwise" "$other" 0
expect gt "100 smcroutectl at once: most served" "$wait_ok" 50
still_ok "100 smcroutectl at once"

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
ctl add $RTR_IN $SRC4 225.1.1.1 $RTR_OUT2
expect eq "add: merge r2 into the configured route" $? 0
ctl add $RTR_IN $SRC4 225.2.2.2 $RTR_OUT1
expect eq "add: runtime (S,G)" $? 0
ctl add $RTR_IN 225.6.0.0/16 $RTR_OUT1
expect eq "add: runtime template" $? 0
ctl add $RTR_IN $SRC6 ff0e::2:2 $RTR_OUT1
expect eq "add: runtime IPv6 (S,G)" $? 0
ctl remove $RTR_IN $SRC4 225.1.1.4
expect eq "remove: a configured route" $? 0
ctl join $RTR_OUT1 225.6.6.6
expect eq "join: runtime group" $? 0
check "merged: r0 -> r1 r2" mfc_is $SRC4 225.1.1.1 $RTR_IN $RTR_OUT1 $RTR_OUT2
flow 225.1.1.1 $SRC4
expect eq "merged route to r1" "$FLOW1" $N
expect eq "merged route to r2" "$FLOW2" $N
flow_check "runtime (S,G) forwards" all 225.2.2.2 $SRC4
flow_check "runtime template forwards" learn 225.6.1.1 $SRC4
flow_check "runtime IPv6 (S,G) forwards" all ff0e::2:2 $SRC6
check_not "removed configured route gone" mfc_has $SRC4 225.1.1.4
check "runtime group joined" igmp_has $RTR_OUT1 225.6.6.6

reload_and_check()
{
	local how=$1
	check "$how: configured route back to r0 -> r1" \
	    mfc_is $SRC4 225.1.1.1 $RTR_IN $RTR_OUT1
	flow 225.1.1.1 $SRC4
	expect eq "$how: configured route to r1" "$FLOW1" $N
	expect eq "$how: configured route no longer to r2" "$FLOW2" 0
	check "$how: removed configured route back" \
	    mfc_is $SRC4 225.1.1.4 $RTR_IN $RTR_OUT1
	check_not "$how: runtime (S,G) gone from the kernel" \
	    mfc_has $SRC4 225.2.2.2
	flow_check "$how: runtime (S,G) no longer forwards" none 225.2.2.2 $SRC4
	flow_check "$how: runtime template no longer forwards" none 225.6.1.1 $SRC4
	check_not "$how: runtime IPv6 (S,G) gone" mfc_has $SRC6 ff0e::2:2
	check_not "$how: runtime group left" igmp_has $RTR_OUT1 225.6.6.6
	check "$how: configured group kept" igmp_has $RTR_OUT1 225.5.5.5
	# (The flows above left stop filters, without OIFs, in the kernel.)
	ctl -t show routes >"$WORK/now.txt"
	check_not "$how: show routes has no runtime rule" \
	    grep -Eq "225\.2\.2\.2\) +r0 +r|225\.6\.0\.0|ff0e::2:2\) +r0 +r" \
	    "$WORK/now.txt"
	ctl show groups >"$WORK/now.txt"
	check_not "$how: show groups has no runtime group" \
	    grep -q "225.6.6.6" "$WORK/now.txt"
	flow 225.3.5.5 $SRC4 $N prime
	expect ge "$how: configured template still forwards" "$FLOW2" $((N - 1))
}
ctl reload
expect eq "smcroutectl reload" $? 0
reload_and_check "smcroutectl reload"

ctl add $RTR_IN $SRC4 225.2.2.2 $RTR_OUT1
ctl add $RTR_IN 225.6.0.0/16 $RTR_OUT1
ctl add $RTR_IN $SRC4 225.1.1.1 $RTR_OUT2
ctl join $RTR_OUT1 225.6.6.6
flow_check "runtime (S,G) forwards again" all 225.2.2.2 $SRC4
daemon_reload
reload_and_check "SIGHUP"

# ------------------------------------------- the stall timeout (SLOW=1)

if [ -n "${SLOW:-}" ]; then
	say "a stalled client, until the daemon drops it (about 30 s)"
	ctl -p show routes >"$WORK/baseline.txt"
	nsx $RTR $PY "$WORK/ipcraw.py" "$SOCK" stalldrop >"$WORK/stalldrop.txt" 2>&1 &
	stall_pid=$!
	bg_add $stall_pid
	for _ in $(seq 28); do
		sleep 1
		ctl -p show routes >"$WORK/now.txt" 2>&1 ||
		    { echo "#  show failed during the stall"; break; }
	done
	wait $stall_pid
	RAW=$(cat "$WORK/stalldrop.txt")
	like "stalled mid-frame: no reply, the connection closed" "EOF after * s"
	secs=${RAW#EOF after }
	expect ge "stalled mid-frame: dropped after 30 s (s)" "${secs% s}" 29
	expect le "stalled mid-frame: not much later (s)" "${secs% s}" 33
	check "served while the client stalled" \
	    cmp -s "$WORK/now.txt" "$WORK/baseline.txt"
else
	say "SLOW unset: the 30 s stall timeout is not tested"
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
