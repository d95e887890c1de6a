/*
 * mjoin - a host that joins many groups at once and waits for them all
 *
 * Part of the proxy benchmark (test/bench/proxy-bench.sh).  At START_NS
 * (CLOCK_REALTIME nanoseconds, so that several hosts in several
 * namespaces start together) joins NGROUPS consecutive groups from
 * BASEGROUP on IFNAME through the kernel's host stack, spread over as
 * many sockets as the per-socket limit (net.ipv4.igmp_max_memberships,
 * 20 by default) needs: a socket is filled until the kernel refuses
 * (ENOBUFS), then the next one is opened.  One more socket, bound to
 * PORT, receives the data of all of them (IP_MULTICAST_ALL is on by
 * default) and notes when the first packet of each group arrived (the
 * kernel's SO_TIMESTAMPNS receive time).  When every group has been
 * seen, or at the deadline (START + SEC), it stops receiving; the
 * memberships are held until the deadline, then it exits.
 *
 * Prints key=value lines: joined (memberships the kernel accepted),
 * sockets, join_ms (time spent joining), got (groups received at
 * least once), all_ms (time from the first join to the last group's
 * first packet; -1 if some group never came), p50_ms, p90_ms (over
 * the groups received), start_ns.
 *
 * Usage: mjoin -i IFNAME [-p PORT] [-T START_NS] [-d SEC] BASEGROUP NGROUPS
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
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
	fprintf(stderr, "Usage: mjoin -i IFNAME [-p PORT] [-T START_NS] "
	    "[-d SEC] BASEGROUP NGROUPS\n");
	exit(64);
}

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void
sleep_until(uint64_t t)
{
	struct timespec ts = { (time_t)(t / 1000000000u),
	    (long)(t % 1000000000u) };

	while (!done && clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &ts,
	    NULL) == EINTR)
		;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char *argv[])
{
	const char *ifname = NULL;
	unsigned int port = 4321, ngrp, i, got = 0, joined = 0, nsock = 0;
	uint64_t start = 0, deadline, t0, t1, *first, *lat;
	double secs = 5;
	struct sockaddr_in sin;
	struct sigaction sa;
	struct in_addr base;
	int rx, cur = -1, on = 1, rcvbuf = 8 << 20, c, ifindex;

	while ((c = getopt(argc, argv, "d:i:p:T:")) != -1) {
		switch (c) {
		case 'd':
			secs = atof(optarg);
			break;
		case 'i':
			ifname = optarg;
			break;
		case 'p':
			port = (unsigned int)atoi(optarg);
			break;
		case 'T':
			start = strtoull(optarg, NULL, 10);
			break;
		default:
			usage();
		}
	}
	if (!ifname || optind != argc - 2)
		usage();
	if (inet_pton(AF_INET, argv[optind], &base) != 1)
		usage();
	ngrp = (unsigned int)atoi(argv[optind + 1]);
	ifindex = (int)if_nametoindex(ifname);
	if (!ngrp || !ifindex)
		usage();
	first = calloc(ngrp, sizeof(*first));
	lat = calloc(ngrp, sizeof(*lat));
	if (!first || !lat)
		return 1;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	rx = socket(AF_INET, SOCK_DGRAM, 0);
	if (rx < 0) {
		perror("socket");
		return 1;
	}
	setsockopt(rx, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	setsockopt(rx, IPPROTO_IP, IP_PKTINFO, &on, sizeof(on));
	setsockopt(rx, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof(on));
	if (setsockopt(rx, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf,
	    sizeof(rcvbuf)) < 0)
		setsockopt(rx, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	if (bind(rx, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		perror("bind");
		return 1;
	}

	if (start)
		sleep_until(start);
	t0 = now_ns();
	if (!start)
		start = t0;
	deadline = start + (uint64_t)(secs * 1e9);
	for (i = 0; i < ngrp && !done; i++) {
		struct ip_mreqn mr;
		int tries;

		memset(&mr, 0, sizeof(mr));
		mr.imr_multiaddr.s_addr = htonl(ntohl(base.s_addr) + i);
		mr.imr_ifindex = ifindex;
		for (tries = 0; tries < 2; tries++) {
			if (cur < 0) {
				cur = socket(AF_INET, SOCK_DGRAM, 0);
				if (cur < 0)
					break;
				nsock++;
			}
			if (setsockopt(cur, IPPROTO_IP, IP_ADD_MEMBERSHIP,
			    &mr, sizeof(mr)) == 0) {
				joined++;
				break;
			}
			if (errno != ENOBUFS) {
				fprintf(stderr, "mjoin: join: %s\n",
				    strerror(errno));
				break;
			}
			cur = -1;	/* full: kept open, next one */
		}
	}
	t1 = now_ns();

	while (!done && got < ngrp) {
		uint8_t pkt[2048], ctl[256];
		struct iovec iov = { pkt, sizeof(pkt) };
		struct msghdr mh;
		struct cmsghdr *cm;
		struct pollfd pfd = { rx, POLLIN, 0 };
		struct timespec ts = { 0, 0 };
		struct in_addr dst = { 0 };
		uint64_t t = now_ns(), when;
		int r;

		if (t >= deadline)
			break;
		r = poll(&pfd, 1, (int)((deadline - t) / 1000000u) + 1);
		if (r <= 0)
			continue;
		memset(&mh, 0, sizeof(mh));
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = ctl;
		mh.msg_controllen = sizeof(ctl);
		if (recvmsg(rx, &mh, MSG_DONTWAIT) < 0)
			continue;
		for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
			if (cm->cmsg_level == SOL_SOCKET &&
			    cm->cmsg_type == SCM_TIMESTAMPNS)
				memcpy(&ts, CMSG_DATA(cm), sizeof(ts));
			if (cm->cmsg_level == IPPROTO_IP &&
			    cm->cmsg_type == IP_PKTINFO)
				dst = ((struct in_pktinfo *)
				    (void *)CMSG_DATA(cm))->ipi_addr;
		}
		when = ts.tv_sec ? (uint64_t)ts.tv_sec * 1000000000u +
		    (uint64_t)ts.tv_nsec : now_ns();
		i = ntohl(dst.s_addr) - ntohl(base.s_addr);
		if (i < ngrp && !first[i]) {
			first[i] = when;
			got++;
		}
	}
	close(rx);

	for (i = 0, c = 0; i < ngrp; i++)
		if (first[i])
			lat[c++] = first[i] > t0 ? first[i] - t0 : 0;
	qsort(lat, (size_t)c, sizeof(*lat), cmp_u64);
	printf("start_ns=%llu\njoined=%u\nsockets=%u\njoin_ms=%.1f\n"
	    "got=%u\n", (unsigned long long)t0, joined, nsock,
	    (double)(t1 - t0) / 1e6, got);
	if (c) {
		printf("p50_ms=%.1f\np90_ms=%.1f\nmax_ms=%.1f\n",
		    (double)lat[c / 2] / 1e6, (double)lat[c * 9 / 10] / 1e6,
		    (double)lat[c - 1] / 1e6);
	} else {
		printf("p50_ms=-1\np90_ms=-1\nmax_ms=-1\n");
	}
	printf("all_ms=%.1f\n", got == ngrp ? (double)lat[c - 1] / 1e6 : -1.0);
	fflush(stdout);
	sleep_until(deadline);
	return 0;
}
