#!/bin/sh
# Configure and build in a build directory (default: build/).
# Usage: scripts/build.sh [BUILDDIR] [configure options...]
set -e
top=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-$top/build}
[ $# -gt 0 ] && shift
[ -x "$top/configure" ] || "$top/autogen.sh" >/dev/null 2>&1
mkdir -p "$dir"
cd "$dir"
if [ ! -f Makefile ]; then
	"$top/configure" --sysconfdir=/etc --localstatedir=/var \
		--runstatedir=/run "$@" >configure.out 2>&1 ||
		{ cat configure.out; exit 1; }
fi
make -j"$(nproc)" >make.out 2>&1 || { cat make.out; exit 1; }
