#!/bin/bash
# What the daemon says about the kernel it runs on, on this host (a unit
# test: it runs where the unit tests run, never in the test VM).  On a
# kernel without multicast routing for a family, one line at the default
# log level names the family and the missing option; with neither
# family, the daemon exits 69.  On a kernel with both it starts.
# scripts/kernel-check.sh is the reference for what this kernel has.
. "$(dirname "$0")/lib.sh"

need_daemon
has4=1 has6=1
"$top_srcdir/scripts/kernel-check.sh" -q mroute4 || has4=0
"$top_srcdir/scripts/kernel-check.sh" -q mroute6 || has6=0
say "this kernel ($(uname -r)): IPv4 multicast routing $has4, IPv6 $has6"

# -D 2: a daemon that starts exits by itself, with 0.
: >"$CONF"
smcrouted_run -n -f "$CONF" -i smcr-test -u "$SOCK" -P "$PIDFILE" -D 2
no4="This kernel has no IPv4 multicast routing (CONFIG_IP_MROUTE is not set)"
no6="This kernel has no IPv6 multicast routing (CONFIG_IPV6_MROUTE is not set)"
said()
{
	grep -qF -- "$1" "$WORK/run.err"
}

if [ $has4 = 0 ] && [ $has6 = 0 ]; then
	expect eq "neither family: exit 69" "$RUN_RC" 69
	check "the IPv4 line names CONFIG_IP_MROUTE" said "$no4"
	check "the IPv6 line names CONFIG_IPV6_MROUTE" said "$no6"
	check "the last line says there is nothing to route" \
	    said "No multicast routing at all: the kernel needs CONFIG_IP_MROUTE or CONFIG_IPV6_MROUTE"
	check_not "it did not get as far as its socket" test -e "$SOCK"
	check_not "nor its PID file" test -e "$PIDFILE"
else
	expect eq "at least one family: it runs, and exits 0 after -D" \
	    "$RUN_RC" 0
	if [ $has4 = 0 ]; then
		check "IPv6 only: the IPv4 line" said "$no4"
	else
		check_not "no IPv4 line" said "$no4"
	fi
	if [ $has6 = 0 ]; then
		check "IPv4 only: the IPv6 line" said "$no6"
	else
		check_not "no IPv6 line" said "$no6"
	fi
fi

# smcroutectl, with no daemon: where to look.
"$SMCROUTECTL" -i smcr-test -u "$SOCK" show >"$WORK/ctl.out" 2>"$WORK/ctl.err"
expect eq "smcroutectl without a daemon: exit 1" "$?" 1
check "smcroutectl points at the daemon's log" grep -qF \
    "its log says why it stopped: journalctl -t smcr-test" "$WORK/ctl.err"
finish
