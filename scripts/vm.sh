#!/bin/bash
# Run a command inside a throwaway qemu guest that boots Debian's stock
# kernel over this machine's own userland, for tests that need a kernel
# feature this one lacks (multicast routing, dummy, VLAN, GRE).
#
#   scripts/vm.sh [-t SEC] [-w DIR]... [-m MB] [-q] -- COMMAND [ARG...]
#   scripts/vm.sh -k          print the guest kernel's version (fetching it)
#
# The guest sees the host's / read-only, under an overlay whose upper
# layer is a tmpfs: it can write anywhere, and all of it vanishes at the
# end, except in the directories named with -w, which are shared with the
# host read-write at the same path.  The command runs as root in the
# current directory with this environment; its output is this script's
# output and its exit status this script's exit status.
#
#   -t SEC   stop the guest after SEC seconds (default 3600): exit 124
#   -w DIR   share DIR read-write with the guest (repeatable)
#   -m MB    guest memory (default 4096)
#   -q       no progress line on stderr
#
# Kernel and initramfs are cached in $SMCR_VM_CACHE (default
# /var/cache/smcroute-ng/vm): the kernel is Debian's linux-image for this
# release, fetched with apt-get download and unpacked there, never
# installed.  SMCR_VM_ACCEL=kvm|tcg overrides the accelerator probe (KVM
# is tried once with a short boot and remembered; TCG otherwise).
#
# Exit status: the command's, 124 on timeout, 125 when the guest cannot
# be had (no qemu, no kernel) or died before the command finished.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cache=${SMCR_VM_CACHE:-/var/cache/smcroute-ng/vm}
timeout=3600 mem=4096 quiet=0 rws=()

die() { echo "vm: $*" >&2; exit 125; }
note() { [ $quiet = 1 ] || echo "vm: $*" >&2; }

# ------------------------------------------------------------ the kernel

# The kernel package that linux-image-amd64 depends on, e.g.
# linux-image-6.1.0-57-amd64.
kernel_pkg()
{
	apt-cache depends linux-image-amd64 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*\)$/\1/p' | head -n 1
}

# Fetch and unpack the kernel into $cache/root unless it is there.
# Sets KVER.
fetch_kernel()
{
	local pkg deb
	if [ -f "$cache/kver" ] && KVER=$(cat "$cache/kver") &&
	    [ -f "$cache/root/boot/vmlinuz-$KVER" ]; then
		return 0
	fi
	command -v apt-get >/dev/null || die "apt-get not found: cannot fetch a kernel"
	pkg=$(kernel_pkg)
	if [ -z "$pkg" ]; then
		apt-get update -qq >/dev/null 2>&1
		pkg=$(kernel_pkg)
	fi
	[ -n "$pkg" ] || die "no linux-image-amd64 package known to apt"
	mkdir -p "$cache" || die "cannot create $cache"
	rm -rf "$cache/root" "$cache/dl" "$cache/kver" "$cache/initrd.img"
	mkdir -p "$cache/dl"
	note "fetching $pkg (once; cached in $cache)"
	(cd "$cache/dl" && apt-get download -q "$pkg" >/dev/null 2>&1) ||
		{ apt-get update -qq >/dev/null 2>&1 &&
		  (cd "$cache/dl" && apt-get download -q "$pkg" >/dev/null 2>&1); } ||
		die "apt-get download $pkg failed"
	deb=$(ls "$cache"/dl/*.deb 2>/dev/null | head -n 1)
	[ -n "$deb" ] || die "apt-get download $pkg left no package"
	dpkg-deb -x "$deb" "$cache/root" || die "cannot unpack $deb"
	rm -rf "$cache/dl"
	KVER=${pkg#linux-image-}
	[ -f "$cache/root/boot/vmlinuz-$KVER" ] || die "$pkg has no vmlinuz-$KVER"
	depmod -b "$cache/root" "$KVER" || die "depmod failed for $KVER"
	echo "$KVER" >"$cache/kver"
}

# The initramfs: busybox, the modules to reach the host's files (virtio,
# 9p, overlay, virtio console and rng) and an /init that mounts the host's
# / read-only under a tmpfs overlay and switches to it.
make_initrd()
{
	local d mods m stamp
	stamp="$KVER $cache $(sha1sum <"$0" | cut -c1-12)"
	if [ -f "$cache/initrd.img" ] && [ "$(cat "$cache/initrd.stamp" 2>/dev/null)" = "$stamp" ]; then
		return 0
	fi
	command -v busybox >/dev/null && busybox --list 2>/dev/null | grep -qx switch_root ||
		die "busybox (static, with switch_root) not found: apt-get install busybox-static"
	command -v cpio >/dev/null || die "cpio not found: apt-get install cpio"
	command -v modprobe >/dev/null || die "modprobe not found: apt-get install kmod"
	ldd "$(command -v busybox)" >/dev/null 2>&1 && die "busybox is not static: apt-get install busybox-static"
	d=$(mktemp -d) || die "mktemp failed"
	mkdir -p "$d/bin" "$d/mod" "$d/proc" "$d/sys" "$d/dev" "$d/lower" "$d/upper" "$d/newroot"
	cp "$(command -v busybox)" "$d/bin/busybox"
	mods=$(for m in virtio_pci virtio_console virtio_rng 9pnet_virtio 9p overlay; do
		modprobe -d "$cache/root" -S "$KVER" --show-depends "$m" || exit 1
	done | awk '$1 == "insmod" && !seen[$2]++ { print $2 }') ||
		{ rm -rf "$d"; die "cannot resolve guest modules"; }
	: >"$d/mod/order"
	for m in $mods; do
		cp "$m" "$d/mod/" && echo "/mod/${m##*/}" >>"$d/mod/order"
	done
	cat >"$d/init" <<EOF
#!/bin/busybox sh
# Stage 1: reach the host's files, then switch to them (scripts/vm.sh).
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in \$(cat /mod/order); do insmod \$m || echo "init: insmod \$m failed"; done
o=trans=virtio,version=9p2000.L,msize=512000
mount -t 9p -o \$o,ro,cache=loose hostroot /lower || { echo "init: no host root"; poweroff -f; }
mount -t tmpfs -o mode=0755 upper /upper
mkdir -p /upper/u /upper/w
mount -t overlay -o lowerdir=/lower,upperdir=/upper/u,workdir=/upper/w root /newroot ||
	{ echo "init: overlay failed"; poweroff -f; }
mkdir -p /newroot/smcr-vm /newroot/lib/modules/$KVER
mount -t 9p -o \$o,cache=mmap vmshare /newroot/smcr-vm || { echo "init: no share"; poweroff -f; }
mount --bind /newroot$cache/root/lib/modules/$KVER /newroot/lib/modules/$KVER
while read -r tag path; do
	mkdir -p "/newroot\$path" && mount -t 9p -o \$o,cache=mmap "\$tag" "/newroot\$path" ||
		echo "init: cannot share \$path"
done </newroot/smcr-vm/mounts
umount /proc /sys
mount --move /dev /newroot/dev
exec switch_root /newroot /bin/bash /smcr-vm/run
EOF
	chmod 755 "$d/init"
	(cd "$d" && find . | cpio -o -H newc --quiet | gzip -1) >"$cache/initrd.img.new" ||
		{ rm -rf "$d"; die "cannot write the initramfs"; }
	rm -rf "$d"
	mv "$cache/initrd.img.new" "$cache/initrd.img"
	echo "$stamp" >"$cache/initrd.stamp"
}

# ------------------------------------------------------------- one boot

# boot ACCEL SHARE TIMEOUT: run the guest with the run script in SHARE.
# It execs timeout(1), which passes a SIGTERM on to qemu: run it in a
# subshell.
boot()
{
	local accel=$1 share=$2 tmo=$3 i=0 args=()
	case $accel in
	kvm) args+=(-accel kvm -cpu host) ;;
	*) args+=(-accel tcg,thread=multi -cpu max) ;;
	esac
	args+=(-virtfs "local,path=/,mount_tag=hostroot,security_model=passthrough,readonly=on,multidevs=remap")
	args+=(-virtfs "local,path=$share,mount_tag=vmshare,security_model=passthrough,multidevs=remap")
	: >"$share/mounts"
	for dir in "${rws[@]}"; do
		args+=(-virtfs "local,path=$dir,mount_tag=rw$i,security_model=passthrough,multidevs=remap")
		echo "rw$i $dir" >>"$share/mounts"
		i=$((i + 1))
	done
	exec timeout -k 5 "$tmo" qemu-system-x86_64 -nodefaults -no-user-config \
		-display none -no-reboot -smp "$(nproc)" -m "$mem" "${args[@]}" \
		-kernel "$cache/root/boot/vmlinuz-$KVER" -initrd "$cache/initrd.img" \
		-append "console=ttyS0 panic=-1 loglevel=4 rdinit=/init mitigations=off" \
		-serial "file:$share/console.log" \
		-device virtio-rng-pci -device virtio-serial-pci \
		-chardev stdio,id=out,signal=off -device virtconsole,chardev=out \
		-nic none </dev/null
}

# The stage 2 script: runs in the guest on the host's userland.
write_run()
{
	local share=$1
	shift
	{
		cat <<'EOF'
# Stage 2 (scripts/vm.sh): a root shell on the host's userland.
mount -t proc proc /proc
mount -t sysfs sys /sys
mkdir -p /dev/pts /dev/shm
ln -sfn /proc/self/fd /dev/fd
ln -sf /proc/self/fd/0 /dev/stdin
ln -sf /proc/self/fd/1 /dev/stdout
ln -sf /proc/self/fd/2 /dev/stderr
mount -t devpts -o mode=620,ptmxmode=666 devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
# /tmp stays the overlay's: the host's files there (a checkout, say)
# are seen, what the guest writes goes to the tmpfs layer.
mount -t tmpfs -o mode=0755 tmpfs /run
[ -d /sys/fs/cgroup ] && mount -t cgroup2 none /sys/fs/cgroup 2>/dev/null
hostname smcr-vm
ip link set lo up
exec 3>/dev/hvc0
EOF
		export -p | grep -vE '^declare -x (PWD|OLDPWD|SHLVL|_|MAKEFLAGS|MFLAGS|MAKELEVEL|MAKEOVERRIDES|NOTIFY_SOCKET|INVOCATION_ID|JOURNAL_STREAM|SSH_[A-Z_]*|DISPLAY|TERM)(=|$)'
		echo "export TERM=dumb SMCR_IN_VM=1"
		printf 'cd %q || exit 125\n' "$PWD"
		printf '( %s ) </dev/null >&3 2>&3\n' "$(printf '%q ' "$@")"
		cat <<'EOF'
echo $? >/smcr-vm/rc
sync
echo o >/proc/sysrq-trigger
sleep 10
EOF
	} >"$share/run"
}

# Probe KVM once: a stock kernel may hang under some hypervisors' KVM.
pick_accel()
{
	local s
	if [ -n "${SMCR_VM_ACCEL:-}" ]; then
		ACCEL=$SMCR_VM_ACCEL
		return
	fi
	if [ -f "$cache/accel" ]; then
		ACCEL=$(cat "$cache/accel")
		return
	fi
	ACCEL=tcg
	if [ -w /dev/kvm ]; then
		s=$(mktemp -d) || die "mktemp failed"
		write_run "$s" true
		if (boot kvm "$s" 60) >/dev/null 2>&1 && [ "$(cat "$s/rc" 2>/dev/null)" = 0 ]; then
			ACCEL=kvm
		fi
		rm -rf "$s"
	fi
	echo "$ACCEL" >"$cache/accel"
}

# ------------------------------------------------------------------ main

prepare()
{
	command -v qemu-system-x86_64 >/dev/null ||
		die "qemu-system-x86_64 not found: apt-get install qemu-system-x86"
	[ "$(id -u)" = 0 ] || die "run as root (the guest shares the host's files as root)"
	fetch_kernel
	make_initrd
}

while getopts "t:w:m:qk" opt; do
	case $opt in
	t) timeout=$OPTARG ;;
	w) [ -d "$OPTARG" ] || die "-w $OPTARG: no such directory"
	   rws+=("$(cd "$OPTARG" && pwd)") ;;
	m) mem=$OPTARG ;;
	q) quiet=1 ;;
	k) prepare; echo "$KVER"; exit 0 ;;
	*) echo "usage: $0 [-t SEC] [-w DIR]... [-m MB] [-q] -- COMMAND [ARG...]" >&2
	   exit 125 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -gt 0 ] || die "no command given"

prepare
pick_accel
share=$(mktemp -d "${TMPDIR:-/tmp}/smcr-vm.XXXXXX") || die "mktemp failed"
qpid=
cleanup() { [ -n "$qpid" ] && kill "$qpid" 2>/dev/null; wait 2>/dev/null; rm -rf "$share"; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
write_run "$share" "$@"
note "booting Debian kernel $KVER ($ACCEL, $(nproc) CPUs, $mem MB)"
boot "$ACCEL" "$share" "$timeout" &
qpid=$!
wait $qpid
qrc=$?
qpid=
if [ -f "$share/rc" ]; then
	exit "$(cat "$share/rc")"
fi
if [ $qrc = 124 ] || [ $qrc = 137 ]; then
	echo "vm: timed out after $timeout s" >&2
	exit 124
fi
echo "vm: the guest stopped before the command finished (qemu status $qrc); console:" >&2
tail -n 30 "$share/console.log" >&2
exit 125
