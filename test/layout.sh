#!/bin/sh
# layout.sh - the rules of doc/ARCHITECTURE.md that must never break,
# checked on the source tree:
#  1. no include cycle between modules (a .c with its .h is a module);
#  2. src/ reaches proxy/ only through proxy/proxy.h;
#  3. the kernel layer (src/kern.[ch]) includes no protocol header;
#  4. the proxy never calls the multicast routing API (MRT_*, MRT6_*);
#  5. smcroutectl includes only the wire protocol, the validators and
#     its own diagnose checks (diagctl.h).
# Prints the module graph's edges with -v.  Exit 0 when all hold.
: "${srcdir:=$(dirname "$0")/..}"
PY=/usr/bin/python3
[ -x $PY ] || { echo "SKIP: needs $PY"; exit 77; }
exec $PY - "$srcdir" "$@" <<'EOF'
import os, re, sys

top, verbose = sys.argv[1], "-v" in sys.argv[2:]
dirs = ("src", "proxy")
files = {}                       # "src/kern.c" -> text
for d in dirs:
    for n in sorted(os.listdir(os.path.join(top, d))):
        if n.endswith((".c", ".h")):
            with open(os.path.join(top, d, n), encoding="utf-8") as f:
                files[d + "/" + n] = f.read()
headers = {}                     # "kern.h" -> "src/kern.h"
for p in files:
    if p.endswith(".h"):
        headers.setdefault(os.path.basename(p), []).append(p)

bad = []
def fail(msg):
    bad.append(msg)

inc_re = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
def includes(p):
    out = []
    for h in inc_re.findall(files[p]):
        if h == "config.h":
            continue
        found = headers.get(h)
        if not found:
            fail("%s includes %s, which is not in src/ or proxy/" % (p, h))
        elif len(found) > 1:
            fail("%s: %s is ambiguous: %s" % (p, h, ", ".join(found)))
        else:
            out.append(found[0])
    return out

module = lambda p: p.rsplit(".", 1)[0]
edges = {}
for p in files:
    for h in includes(p):
        a, b = module(p), module(h)
        if a != b:
            edges.setdefault(a, set()).add(b)
        # 2. src/ into proxy/ only through proxy.h
        if p.startswith("src/") and h.startswith("proxy/") and \
           h != "proxy/proxy.h":
            fail("%s includes %s: src/ reaches the proxy only through "
                 "proxy/proxy.h" % (p, h))

# 1. cycles, with the path that closes each
state, stack = {}, []
def visit(m):
    state[m] = 1
    stack.append(m)
    for n in sorted(edges.get(m, ())):
        if state.get(n) == 1:
            fail("include cycle: " + " -> ".join(stack[stack.index(n):] + [n]))
        elif n not in state:
            visit(n)
    stack.pop()
    state[m] = 2
for m in sorted(set(module(p) for p in files)):
    if m not in state:
        visit(m)

# 3. the kernel layer knows no protocol
protocol = {"proxy/pkt.h", "proxy/mdb.h", "proxy/merge.h", "proxy/pif.h",
            "proxy/proxy.h", "proxy/mcfilter.h"}
for p in ("src/kern.c", "src/kern.h"):
    for h in includes(p):
        if h in protocol:
            fail("%s includes the protocol header %s" % (p, h))

# 4. the proxy never calls MRT_*/MRT6_*
for p, text in files.items():
    if p.startswith("proxy/") and re.search(r"\bMRT6?_[A-Z]", text):
        fail("%s uses the multicast routing API (MRT_*)" % p)

# 5. the client: the wire protocol and the validators only
allowed = {"src/msg.h", "src/words.h", "src/inet.h", "src/diagctl.h"}
for h in includes("src/smcroutectl.c"):
    if h not in allowed:
        fail("src/smcroutectl.c includes %s (only %s)" % (h,
             ", ".join(sorted(allowed))))

if verbose:
    for a in sorted(edges):
        print("%s -> %s" % (a, " ".join(sorted(edges[a]))))
for b in bad:
    print("FAIL: " + b)
print("%d modules, %d include edges, %d problems" % (
    len(set(module(p) for p in files)),
    sum(len(v) for v in edges.values()), len(bad)))
sys.exit(1 if bad else 0)
EOF
