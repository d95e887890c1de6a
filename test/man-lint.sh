#!/bin/sh
# man-lint.sh - the manual pages are clean under mandoc -Tlint -Wwarning:
# no output at all for any of them.
#
# Exit codes follow automake: 0 pass, 1 fail, 77 skip (mandoc missing).
# The pages are found under $srcdir/man; srcdir is the top of the source
# tree (set by make check), by default the directory above this script.

: "${srcdir:=$(dirname "$0")/..}"
pages="man/smcrouted.8 man/smcroutectl.8 man/smcroute.conf.5 man/smcroute-migrate.8"

if ! command -v mandoc >/dev/null 2>&1; then
	echo "SKIP: mandoc is not installed"
	exit 77
fi

rc=0
for page in $pages; do
	file=$srcdir/$page
	if [ ! -f "$file" ]; then
		echo "FAIL: $page: not found in $srcdir"
		rc=1
		continue
	fi
	out=$(mandoc -Tlint -Wwarning "$file" 2>&1)
	status=$?
	if [ -n "$out" ] || [ "$status" -ne 0 ]; then
		echo "FAIL: $page (mandoc exit $status)"
		printf '%s\n' "$out"
		rc=1
	else
		echo "PASS: $page"
	fi
done
exit $rc
