#!/bin/bash
# systemd-unit.sh - conf/smcroute.service, installed as make install does
# (the binaries' paths substituted, here the build's), passes
# `systemd-analyze verify` without a word (its man pages are found, the
# binaries exist, every key is known), and `systemd-analyze security
# --offline=true` rates it below EXPOSURE_MAX, with no weakness but the
# ones a routing daemon cannot avoid (ALLOWED below).  Also the
# shipped /etc/default/smcroute only comments.  Runs on the host, no
# root needed.
#
# Exit codes follow automake: 0 pass, 1 fail, 77 skip (no
# systemd-analyze; under CI=true a skip is a failure).

: "${srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$PWD}"
[ -x "$top_builddir/src/smcrouted" ] || top_builddir=$srcdir
UNIT=$srcdir/conf/smcroute.service
DEFAULTS=$srcdir/conf/smcroute.default

# Measured 2.1 with systemd 252 (Debian 12).  What is left is root
# (the daemon needs CAP_NET_ADMIN in the host's network namespace, so
# no PrivateUsers/PrivateNetwork/User=), the host's network, the two
# capabilities and five address families routing needs: about 2.1
# together.  0.1 above that, any hardening line lost that is worth 0.2
# or more fails, and the list below catches the ones worth 0.1.
EXPOSURE_MAX=2.2
ALLOWED='RootDirectory=/RootImage=
User=/DynamicUser=
RestrictAddressFamilies=~AF_PACKET
RestrictAddressFamilies=~AF_NETLINK
RestrictAddressFamilies=~AF_UNIX
RestrictAddressFamilies=~AF_(INET|INET6)
CapabilityBoundingSet=~CAP_NET_ADMIN
CapabilityBoundingSet=~CAP_NET_(BIND_SERVICE|BROADCAST|RAW)
ProcSubset=
PrivateNetwork=
PrivateUsers=
DeviceAllow=
IPAddressDeny='

skip()
{
	if [ "${CI:-}" = true ]; then
		echo "FAIL: systemd-unit: would skip ($*), which CI=true forbids"
		exit 1
	fi
	echo "SKIP: systemd-unit: $*"
	exit 77
}

command -v systemd-analyze >/dev/null 2>&1 ||
	skip "systemd-analyze is not installed (Debian: systemd)"
for b in smcrouted smcroutectl; do
	if [ ! -x "$top_builddir/src/$b" ]; then
		echo "ERROR: systemd-unit: $top_builddir/src/$b not built"
		exit 99
	fi
done

nfail=0
ok()
{
	echo "ok - $*"
}
notok()
{
	echo "not ok - $*"
	nfail=$((nfail + 1))
}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/smcr-unit.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT

# The installed copy: the binaries where the build put them, the man
# pages where man(1) finds them (verify checks Documentation=).
sed -e "s|/usr/sbin/smcrouted|$top_builddir/src/smcrouted|" \
    -e "s|/usr/sbin/smcroutectl|$top_builddir/src/smcroutectl|" \
    "$UNIT" >"$tmp/smcroute.service"
mkdir -p "$tmp/man/man5" "$tmp/man/man8"
ln -s "$srcdir/man/smcrouted.8" "$srcdir/man/smcroutectl.8" "$tmp/man/man8/"
ln -s "$srcdir/man/smcroute.conf.5" "$tmp/man/man5/"
if grep -q '/usr/sbin/' "$tmp/smcroute.service"; then
	notok "every binary path substituted"
else
	ok "every binary path substituted"
fi

# verify: silent and 0.  (It also loads the units named in After=.)
out=$(cd "$tmp" && MANPATH=$tmp/man systemd-analyze verify \
    ./smcroute.service 2>&1)
rc=$?
if [ $rc -eq 0 ] && [ -z "$out" ]; then
	ok "systemd-analyze verify: nothing to say"
else
	notok "systemd-analyze verify (exit $rc):"
	printf '#  %s\n' "$out"
fi

# The daemon's side of Type=notify is in the unit as documented.
for kv in Type=notify NotifyAccess=main \
    'ExecReload=.*smcroutectl reload' \
    'CapabilityBoundingSet=CAP_NET_ADMIN CAP_NET_RAW$' \
    'EnvironmentFile=-/etc/default/smcroute'; do
	if grep -q "^$kv" "$tmp/smcroute.service"; then
		ok "unit has $kv"
	else
		notok "unit lacks $kv"
	fi
done

# The default file: comments and blank lines only (the unit runs
# without any option set).
if grep -qv '^#\|^$' "$DEFAULTS"; then
	notok "smcroute.default sets something:"
	grep -v '^#\|^$' "$DEFAULTS" | sed 's/^/#  /'
else
	ok "smcroute.default only comments"
fi
for v in SMCROUTED_OPTS SMCROUTED_ARGS; do
	if grep -q "^#$v=" "$DEFAULTS" && grep -q "\$$v" "$UNIT"; then
		ok "$v: an example in the default file, used by the unit"
	else
		notok "$v: no example in the default file or unused by the unit"
	fi
done

# security: --offline appeared in systemd 250.
if ! systemd-analyze security --help 2>&1 | grep -q -- --offline; then
	echo "# systemd-analyze security has no --offline: not rated"
else
	sec=$(cd "$tmp" && systemd-analyze security --offline=true \
	    ./smcroute.service 2>&1)
	score=$(printf '%s\n' "$sec" |
	    sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
	echo "# exposure level: ${score:-none}"
	if [ -z "$score" ]; then
		notok "security: no exposure level in the output"
		printf '#  %s\n' "$sec" | tail -n 20
	elif awk -v s="$score" -v m="$EXPOSURE_MAX" 'BEGIN { exit !(s <= m) }'
	then
		ok "exposure level $score <= $EXPOSURE_MAX"
	else
		notok "exposure level $score > $EXPOSURE_MAX"
	fi
	# Each weakness listed must be one a routing daemon cannot avoid.
	while IFS= read -r line; do
		key=$(printf '%s\n' "$line" | awk '{ print $2 }')
		if printf '%s\n' "$ALLOWED" | grep -qxF -- "$key"; then
			echo "# accepted: $key"
		else
			notok "security: hardening missing: $line"
		fi
	done < <(printf '%s\n' "$sec" | grep '^✗')
	n=$(printf '%s\n' "$sec" | grep -c '^✓')
	if [ "$n" -ge 60 ]; then
		ok "security: $n settings rated safe"
	else
		notok "security: only $n settings rated safe"
	fi
fi

if [ $nfail -ne 0 ]; then
	echo "FAIL: systemd-unit: $nfail checks failed"
	exit 1
fi
echo "PASS: systemd-unit"
exit 0
