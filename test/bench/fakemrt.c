/*
 * fakemrt.c - LD_PRELOAD shim: the kernel's multicast routing API says yes
 *
 * For test/bench/rss.sh only: it lets smcrouted run on a kernel without
 * multicast routing (the build hosts), to measure what the daemon holds
 * in memory.  Every MRT and MRT6 socket option succeeds and does
 * nothing; everything else goes to the C library.  Nothing is routed.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stddef.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <linux/mroute.h>
#include <linux/mroute6.h>

/* Options of each family: MRT_BASE (200) up to the last one in use. */
#define FAKE_SPAN	20

int
setsockopt(int fd, int level, int opt, const void *val, socklen_t len)
{
	static int (*real)(int, int, int, const void *, socklen_t);

	if ((level == IPPROTO_IP && opt >= MRT_BASE &&
	    opt <= MRT_BASE + FAKE_SPAN) || (level == IPPROTO_IPV6 &&
	    opt >= MRT6_BASE && opt <= MRT6_BASE + FAKE_SPAN))
		return 0;
	if (!real)
		real = (int (*)(int, int, int, const void *, socklen_t))
		    dlsym(RTLD_NEXT, "setsockopt");
	return real(fd, level, opt, val, len);
}
