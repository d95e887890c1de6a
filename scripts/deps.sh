#!/bin/sh
# Install what building and testing smcroute-ng needs on Debian, if missing.
# Usage: scripts/deps.sh [extra packages...]
set -e
pkgs="build-essential autoconf automake libtool pkg-config libevent-dev
      libbsd-dev iproute2 mandoc procps util-linux tcpdump bash-builtins
      python3 kmod valgrind clang libclang-rt-14-dev libcap-dev systemd
      bash-completion python3-prometheus-client curl nftables iptables $*"
missing=""
for p in $pkgs; do
	dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "deps: need root to install:$missing" >&2
	exit 1
fi
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
