/*
 * mgsend - send a stream on each of many groups, round robin
 *
 * Part of the proxy benchmark (test/bench/proxy-bench.sh).  Sends to
 * NGROUPS consecutive groups from BASEGROUP, one packet per group per
 * round, PPS packets per second in all (so each group gets PPS/NGROUPS
 * per second), for SEC seconds or until SIGTERM.  Packets go out in
 * 1 ms batches.  The payload is mcsend's ("MCT1", sequence number of
 * the round, CLOCK_REALTIME send time).
 *
 * Prints "sent=N errors=N elapsed_ms=N" at the end.
 *
 * Usage: mgsend -i IFNAME [-p PORT] [-r PPS] [-d SEC] [-t TTL]
 *	  [-l BYTES] BASEGROUP NGROUPS
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
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
	fprintf(stderr, "Usage: mgsend -i IFNAME [-p PORT] [-r PPS] [-d SEC] "
	    "[-t TTL] [-l BYTES] BASEGROUP NGROUPS\n");
	exit(64);
}

static uint64_t
ts_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int
main(int argc, char *argv[])
{
	const char *ifname = NULL;
	unsigned int pps = 10000, ttl = 16, port = 4321, plen = 64, ngrp;
	double secs = 0;
	struct ip_mreqn mif;
	struct sigaction sa;
	struct in_addr base;
	uint64_t t0, sent = 0, errors = 0, i = 0;
	unsigned char loop = 0;
	uint8_t buf[1500];
	int fd, c;

	while ((c = getopt(argc, argv, "d:i:l:p:r:t:")) != -1) {
		switch (c) {
		case 'd':
			secs = atof(optarg);
			break;
		case 'i':
			ifname = optarg;
			break;
		case 'l':
			plen = (unsigned int)atoi(optarg);
			break;
		case 'p':
			port = (unsigned int)atoi(optarg);
			break;
		case 'r':
			pps = (unsigned int)atoi(optarg);
			break;
		case 't':
			ttl = (unsigned int)atoi(optarg);
			break;
		default:
			usage();
		}
	}
	if (!ifname || optind != argc - 2 || !pps || plen < 20 ||
	    plen > sizeof(buf))
		usage();
	if (inet_pton(AF_INET, argv[optind], &base) != 1)
		usage();
	ngrp = (unsigned int)atoi(argv[optind + 1]);
	if (!ngrp)
		usage();

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0) {
		perror("socket");
		return 1;
	}
	memset(&mif, 0, sizeof(mif));
	mif.imr_ifindex = (int)if_nametoindex(ifname);
	if (!mif.imr_ifindex) {
		fprintf(stderr, "mgsend: no interface %s\n", ifname);
		return 1;
	}
	if (setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &mif, sizeof(mif)) ||
	    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_TTL, &ttl, sizeof(ttl)) ||
	    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_LOOP, &loop,
	    sizeof(loop))) {
		perror("setsockopt");
		return 1;
	}
	memset(buf, 0, sizeof(buf));
	memcpy(buf, "MCT1", 4);

	t0 = ts_ns(CLOCK_MONOTONIC);
	while (!done) {
		uint64_t el = ts_ns(CLOCK_MONOTONIC) - t0, due;
		struct timespec tick;

		if (secs > 0 && el >= (uint64_t)(secs * 1e9))
			break;
		due = el / 1000u * pps / 1000000u;
		/* After a stall, skip rather than burst. */
		if (due > i + pps / 10)
			i = due - pps / 10;
		while (i < due && !done) {
			struct sockaddr_in dst;
			uint64_t t = ts_ns(CLOCK_REALTIME);
			uint32_t v;

			memset(&dst, 0, sizeof(dst));
			dst.sin_family = AF_INET;
			dst.sin_port = htons((uint16_t)port);
			dst.sin_addr.s_addr = htonl(ntohl(base.s_addr) +
			    (uint32_t)(i % ngrp));
			v = htonl((uint32_t)(i / ngrp + 1));
			memcpy(buf + 4, &v, 4);
			v = htonl((uint32_t)(t / 1000000000u >> 32));
			memcpy(buf + 8, &v, 4);
			v = htonl((uint32_t)(t / 1000000000u));
			memcpy(buf + 12, &v, 4);
			v = htonl((uint32_t)(t % 1000000000u));
			memcpy(buf + 16, &v, 4);
			if (sendto(fd, buf, plen, 0, (struct sockaddr *)&dst,
			    sizeof(dst)) == (ssize_t)plen)
				sent++;
			else
				errors++;
			i++;
		}
		el = (el / 1000000u + 1) * 1000000u + t0;
		tick.tv_sec = (time_t)(el / 1000000000u);
		tick.tv_nsec = (long)(el % 1000000000u);
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &tick, NULL);
	}
	printf("sent=%llu errors=%llu elapsed_ms=%llu\n",
	    (unsigned long long)sent, (unsigned long long)errors,
	    (unsigned long long)((ts_ns(CLOCK_MONOTONIC) - t0) / 1000000u));
	return 0;
}
