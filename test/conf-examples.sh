#!/bin/sh
# The example configurations in conf/ must pass smcrouted -F, with the
# commented-out examples enabled too.
srcdir=${srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$srcdir}
d=$top_builddir/src/smcrouted
[ -x "$d" ] || { echo "no $d"; exit 99; }
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
rc=0
for f in "$srcdir"/conf/*.conf; do
	name=$(basename "$f")
	if ! out=$("$d" -F "$f" 2>&1); then
		echo "FAIL: $name: $out"
		rc=1
		continue
	fi
	# Uncomment the examples ("#keyword ..."), minus include lines.
	sed -n 's/^#\(phyint\|mroute\|mgroup\|ssmgroup\|acl\) /\1 /p' "$f" \
		>"$tmp/$name"
	if [ -s "$tmp/$name" ] && ! out=$("$d" -F "$tmp/$name" 2>&1); then
		echo "FAIL: $name (examples enabled): $out"
		rc=1
		continue
	fi
	echo "ok: $name"
done
exit $rc
