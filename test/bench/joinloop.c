/*
 * joinloop - a host that joins and leaves a group, over and over
 *
 * Part of the proxy benchmark (test/bench/proxy-bench.sh).  Joins GROUP
 * on IFNAME through the kernel's host stack (IP_ADD_MEMBERSHIP, so the
 * kernel sends the IGMP report, in whatever version the link's querier
 * dictates), keeps it ON_MS, leaves (IP_DROP_MEMBERSHIP: the kernel
 * sends the leave or TO_IN{} report), waits OFF_MS, and again, CYCLES
 * times.  Before the first join it waits PRE_MS (default OFF_MS).  With
 * -I, cycle I uses GROUP + I - 1 (a fresh group every cycle).
 *
 * With -q QUIET_MS the wait after a leave goes on, past OFF_MS, until
 * no UDP packet to the group has arrived on IFNAME for QUIET_MS (the
 * router has stopped forwarding it), but no longer than MAXOFF_MS (-L,
 * default 30000).
 *
 * Prints "NS join I GROUP", "NS leave I GROUP", after each cycle's wait
 * "NS end I GROUP", and "cycles=N" (NS: CLOCK_REALTIME nanoseconds,
 * taken just before the system call).
 *
 * Usage: joinloop -i IFNAME [-n CYCLES] [-j ON_MS] [-l OFF_MS]
 *	  [-w PRE_MS] [-q QUIET_MS] [-L MAXOFF_MS] [-I] GROUP
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t done;

static void
on_signal(int sig)
{
	(void)sig;
	done = 1;
}

static void
usage(void)
{
	fprintf(stderr, "Usage: joinloop -i IFNAME [-n CYCLES] [-j ON_MS] "
	    "[-l OFF_MS] [-w PRE_MS] [-q QUIET_MS] [-L MAXOFF_MS] [-I] "
	    "GROUP\n");
	exit(64);
}

static unsigned long long
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000u +
	    (unsigned long long)ts.tv_nsec;
}

static unsigned long long
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000u +
	    (unsigned long long)ts.tv_nsec / 1000000u;
}

/*
 * Wait MS milliseconds; with a packet socket, note when the last UDP
 * packet to grp went by (monotonic ms) in *last.
 */
static void
wait_ms(unsigned int ms, int pfd, uint32_t grp, unsigned long long *last)
{
	unsigned long long end = mono_ms() + ms;

	while (!done) {
		unsigned long long now = mono_ms();
		struct pollfd p = { pfd, POLLIN, 0 };

		if (now >= end)
			break;
		if (poll(&p, pfd >= 0 ? 1 : 0, (int)(end - now)) <= 0)
			continue;
		for (;;) {
			uint8_t pkt[128];
			ssize_t n = recv(pfd, pkt, sizeof(pkt), MSG_DONTWAIT);

			if (n < 0)
				break;
			if (n >= 20 && (pkt[0] >> 4) == 4 &&
			    pkt[9] == IPPROTO_UDP && !memcmp(pkt + 16, &grp, 4))
				*last = mono_ms();
		}
	}
}

int
main(int argc, char *argv[])
{
	const char *ifname = NULL;
	unsigned int cycles = 20, on_ms = 300, off_ms = 300, i;
	unsigned int quiet_ms = 0, maxoff_ms = 30000;
	int pre_ms = -1, incr = 0, fd, pfd = -1, c;
	unsigned long long last = 0;
	struct ip_mreqn mr;
	struct sigaction sa;
	struct in_addr base;
	char g[INET_ADDRSTRLEN];

	while ((c = getopt(argc, argv, "i:Ij:l:L:n:q:w:")) != -1) {
		switch (c) {
		case 'i':
			ifname = optarg;
			break;
		case 'I':
			incr = 1;
			break;
		case 'j':
			on_ms = (unsigned int)atoi(optarg);
			break;
		case 'l':
			off_ms = (unsigned int)atoi(optarg);
			break;
		case 'L':
			maxoff_ms = (unsigned int)atoi(optarg);
			break;
		case 'n':
			cycles = (unsigned int)atoi(optarg);
			break;
		case 'q':
			quiet_ms = (unsigned int)atoi(optarg);
			break;
		case 'w':
			pre_ms = atoi(optarg);
			break;
		default:
			usage();
		}
	}
	if (!ifname || optind != argc - 1)
		usage();
	memset(&mr, 0, sizeof(mr));
	if (inet_pton(AF_INET, argv[optind], &base) != 1)
		usage();
	mr.imr_ifindex = (int)if_nametoindex(ifname);
	if (!mr.imr_ifindex) {
		fprintf(stderr, "joinloop: no interface %s\n", ifname);
		return 1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);

	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0) {
		perror("socket");
		return 1;
	}
	if (quiet_ms) {
		struct sockaddr_ll sll;

		pfd = socket(AF_PACKET, SOCK_DGRAM, htons(ETH_P_IP));
		memset(&sll, 0, sizeof(sll));
		sll.sll_family = AF_PACKET;
		sll.sll_protocol = htons(ETH_P_IP);
		sll.sll_ifindex = mr.imr_ifindex;
		if (pfd < 0 || bind(pfd, (struct sockaddr *)&sll,
		    sizeof(sll)) < 0) {
			perror("joinloop: packet socket");
			return 1;
		}
	}
	wait_ms(pre_ms >= 0 ? (unsigned int)pre_ms : off_ms, pfd,
	    base.s_addr, &last);
	for (i = 1; i <= cycles && !done; i++) {
		unsigned long long left;

		mr.imr_multiaddr.s_addr = htonl(ntohl(base.s_addr) +
		    (incr ? i - 1 : 0));
		inet_ntop(AF_INET, &mr.imr_multiaddr, g, sizeof(g));
		printf("%llu join %u %s\n", now_ns(), i, g);
		if (setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mr,
		    sizeof(mr)) < 0) {
			perror("IP_ADD_MEMBERSHIP");
			return 1;
		}
		wait_ms(on_ms, pfd, mr.imr_multiaddr.s_addr, &last);
		printf("%llu leave %u %s\n", now_ns(), i, g);
		if (setsockopt(fd, IPPROTO_IP, IP_DROP_MEMBERSHIP, &mr,
		    sizeof(mr)) < 0) {
			perror("IP_DROP_MEMBERSHIP");
			return 1;
		}
		left = mono_ms();
		wait_ms(off_ms, pfd, mr.imr_multiaddr.s_addr, &last);
		while (quiet_ms && !done && mono_ms() < left + maxoff_ms &&
		    last + quiet_ms > mono_ms())
			wait_ms(50, pfd, mr.imr_multiaddr.s_addr, &last);
		printf("%llu end %u %s\n", now_ns(), i, g);
	}
	printf("cycles=%u\n", i - 1);
	return 0;
}
