/*
 * mcrecv - receive mcsend's test packets and report statistics
 *
 * Joins GROUP (ASM, or SSM with -s SOURCE) on an interface, or with -J
 * joins nothing and only binds GROUP:PORT, for when some other process
 * on the host (e.g. the routing daemon's mgroup) holds the membership.
 *
 * It stops after -n packets, after -d seconds, after -I seconds without
 * a packet (once one has arrived), or on SIGTERM/SIGINT, and then prints
 * key=value lines on stdout:
 *
 *	received	datagrams carrying mcsend's header
 *	unique		distinct sequence numbers among them
 *	first_seq	sequence number of the first packet (-1: none)
 *	last_seq	sequence number of the last packet (-1: none)
 *	min_seq, max_seq
 *	lost		gaps: (max_seq - min_seq + 1) - unique
 *	dups		duplicates
 *	reordered	packets with a lower seq than one seen before
 *	foreign		datagrams without mcsend's header
 *	source		source address of the last packet
 *	lat_min_us, lat_avg_us, lat_max_us	one-way latency (CLOCK_REALTIME)
 *	first_ts, last_ts	(with -T) receive time, ns since the epoch
 *
 * The header layout is described in mct.h.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* struct ip_mreqn, group_req */
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
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

#include "mct.h"

#define SEQ_WINDOW	(1UL << 24)	/* sequence numbers tracked per run */

static void
usage(FILE *fp, const char *prog)
{
	fprintf(fp,
	    "Usage: %s [options] GROUP\n"
	    "  -i IFNAME   join on this interface (default: kernel's choice)\n"
	    "  -s SOURCE   source-specific join (SSM)\n"
	    "  -p PORT     UDP port (default 4321)\n"
	    "  -n COUNT    stop after COUNT packets\n"
	    "  -d SECONDS  stop after this time (default 5, may be fractional)\n"
	    "  -I SECONDS  stop when idle this long after the first packet\n"
	    "  -J          do not join, only bind GROUP:PORT\n"
	    "  -R FILE     create FILE once joined and ready to receive\n"
	    "  -T          also print first_ts and last_ts\n"
	    "  -h          this help\n",
	    prog);
}

static uint32_t
get32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static int
join(int sd, int family, unsigned int ifindex,
    const struct sockaddr_storage *grp, const struct sockaddr_storage *src,
    int ssm)
{
	int level = family == AF_INET ? IPPROTO_IP : IPPROTO_IPV6;

	if (ssm) {
		struct group_source_req gsr;

		memset(&gsr, 0, sizeof(gsr));
		gsr.gsr_interface = ifindex;
		memcpy(&gsr.gsr_group, grp, sizeof(*grp));
		memcpy(&gsr.gsr_source, src, sizeof(*src));
		if (setsockopt(sd, level, MCAST_JOIN_SOURCE_GROUP, &gsr,
		    sizeof(gsr))) {
			perror("MCAST_JOIN_SOURCE_GROUP");
			return -1;
		}
	} else {
		struct group_req gr;

		memset(&gr, 0, sizeof(gr));
		gr.gr_interface = ifindex;
		memcpy(&gr.gr_group, grp, sizeof(*grp));
		if (setsockopt(sd, level, MCAST_JOIN_GROUP, &gr, sizeof(gr))) {
			perror("MCAST_JOIN_GROUP");
			return -1;
		}
	}
	return 0;
}

int
main(int argc, char *argv[])
{
	const char *ifname = NULL, *srcstr = NULL, *grpstr, *ready = NULL;
	long port = 4321, maxcount = 0;
	double duration = 5, idle = 0;
	int nojoin = 0, stamps = 0, family, sd, opt, one = 1;
	unsigned int ifindex = 0;
	struct sockaddr_storage grp, src, from;
	socklen_t glen;
	unsigned char buf[65536], *seen;
	char srcbuf[INET6_ADDRSTRLEN] = "-";
	uint64_t t0, deadline, last_rx = 0, first_ts = 0, last_ts = 0;
	uint64_t base = 0;
	int64_t lat_sum = 0, lat_min = INT64_MAX, lat_max = INT64_MIN;
	long received = 0, unique = 0, dups = 0, reordered = 0, foreign = 0;
	long first = -1, last = -1, minseq = -1, maxseq = -1;
	struct sigaction sa;

	while ((opt = getopt(argc, argv, "d:hi:I:Jn:p:R:s:T")) != -1) {
		switch (opt) {
		case 'd':
			if (parse_double(optarg, 0.001, 1e6, &duration))
				goto bad;
			break;
		case 'h':
			usage(stdout, argv[0]);
			return 0;
		case 'i':
			ifname = optarg;
			break;
		case 'I':
			if (parse_double(optarg, 0.001, 1e6, &idle))
				goto bad;
			break;
		case 'J':
			nojoin = 1;
			break;
		case 'n':
			if (parse_long(optarg, 1, LONG_MAX, &maxcount))
				goto bad;
			break;
		case 'p':
			if (parse_long(optarg, 1, 65535, &port))
				goto bad;
			break;
		case 'R':
			ready = optarg;
			break;
		case 's':
			srcstr = optarg;
			break;
		case 'T':
			stamps = 1;
			break;
		default:
			goto bad;
		}
	}
	if (optind != argc - 1)
		goto bad;
	grpstr = argv[optind];

	memset(&grp, 0, sizeof(grp));
	memset(&src, 0, sizeof(src));
	family = mct_group(grpstr, (uint16_t)port, &grp, &glen);
	if (family < 0) {
		fprintf(stderr, "%s: invalid group address %s\n", argv[0],
		    grpstr);
		goto bad;
	}
	if (srcstr) {
		int ok;

		src.ss_family = family;
		if (family == AF_INET)
			ok = inet_pton(AF_INET, srcstr,
			    &((struct sockaddr_in *)&src)->sin_addr);
		else
			ok = inet_pton(AF_INET6, srcstr,
			    &((struct sockaddr_in6 *)&src)->sin6_addr);
		if (ok != 1) {
			fprintf(stderr, "%s: invalid source address %s\n",
			    argv[0], srcstr);
			goto bad;
		}
	}
	if (ifname) {
		ifindex = if_nametoindex(ifname);
		if (!ifindex) {
			fprintf(stderr, "%s: unknown interface %s\n", argv[0],
			    ifname);
			return 2;
		}
	}

	seen = calloc(SEQ_WINDOW / 8, 1);
	if (!seen) {
		perror("calloc");
		return 2;
	}

	sd = socket(family, SOCK_DGRAM, 0);
	if (sd < 0) {
		perror("socket");
		return 2;
	}
	setsockopt(sd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/*
	 * Room for a few seconds of traffic, so that a receiver starved of
	 * CPU on a loaded test machine does not drop what the router sent
	 * (and make a lossless flow look lossy).  Past rmem_max as root.
	 */
	{
		int rcvbuf = 8 * 1024 * 1024;

		if (setsockopt(sd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf,
		    sizeof(rcvbuf)))
			setsockopt(sd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
			    sizeof(rcvbuf));
	}
	/* Bound to the group: only datagrams sent to it are delivered. */
	if (bind(sd, (struct sockaddr *)&grp, glen)) {
		perror("bind");
		return 2;
	}
	if (!nojoin && join(sd, family, ifindex, &grp, &src, srcstr != NULL))
		return 2;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	if (ready) {
		int fd = open(ready, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		if (fd < 0) {
			perror(ready);
			return 2;
		}
		close(fd);
	}

	t0 = now_ns(CLOCK_MONOTONIC);
	deadline = t0 + (uint64_t)(duration * 1e9);

	while (!stop) {
		struct pollfd pfd = { .fd = sd, .events = POLLIN };
		uint64_t now = now_ns(CLOCK_MONOTONIC), until = deadline;
		socklen_t flen = sizeof(from);
		struct timespec rts;
		uint64_t rx, tx;
		uint32_t seq;
		ssize_t n;
		int ms;

		if (idle > 0 && last_rx) {
			uint64_t i = last_rx + (uint64_t)(idle * 1e9);

			if (i < until)
				until = i;
		}
		if (now >= until)
			break;
		ms = (int)((until - now + 999999) / 1000000);
		if (ms > 1000)
			ms = 1000;
		if (poll(&pfd, 1, ms) <= 0)
			continue;

		n = recvfrom(sd, buf, sizeof(buf), MSG_DONTWAIT,
		    (struct sockaddr *)&from, &flen);
		if (n < 0)
			continue;
		clock_gettime(CLOCK_REALTIME, &rts);
		last_rx = now_ns(CLOCK_MONOTONIC);
		if (n < MCT_HDRLEN || memcmp(buf, MCT_MAGIC, 4)) {
			foreign++;
			continue;
		}

		rx = (uint64_t)rts.tv_sec * 1000000000ULL +
		    (uint64_t)rts.tv_nsec;
		tx = ((uint64_t)get32(buf + 8) << 32 | get32(buf + 12)) *
		    1000000000ULL + get32(buf + 16);
		seq = get32(buf + 4);

		if (!received) {
			first_ts = rx;
			first = seq;
			base = seq;
		}
		last_ts = rx;
		last = seq;
		received++;

		if (from.ss_family == AF_INET)
			inet_ntop(AF_INET,
			    &((struct sockaddr_in *)&from)->sin_addr,
			    srcbuf, sizeof(srcbuf));
		else
			inet_ntop(AF_INET6,
			    &((struct sockaddr_in6 *)&from)->sin6_addr,
			    srcbuf, sizeof(srcbuf));

		{
			int64_t lat = (int64_t)(rx - tx) / 1000;

			if (lat < lat_min)
				lat_min = lat;
			if (lat > lat_max)
				lat_max = lat;
			lat_sum += lat;
		}

		if (maxseq >= 0 && seq < (uint64_t)maxseq)
			reordered++;
		if ((uint64_t)seq - base < SEQ_WINDOW && seq >= base) {
			uint64_t off = seq - base;

			if (seen[off / 8] & (1U << (off % 8))) {
				dups++;
			} else {
				seen[off / 8] |= 1U << (off % 8);
				unique++;
				if (minseq < 0 || seq < (uint64_t)minseq)
					minseq = seq;
				if (maxseq < 0 || seq > (uint64_t)maxseq)
					maxseq = seq;
			}
		} else {
			/* Outside the window (or before the first seq):
			 * counted, but not checked for duplicates. */
			unique++;
			if (minseq < 0 || seq < (uint64_t)minseq)
				minseq = seq;
			if (maxseq < 0 || seq > (uint64_t)maxseq)
				maxseq = seq;
		}

		if (maxcount && received >= maxcount)
			break;
	}

	printf("received=%ld\n", received);
	printf("unique=%ld\n", unique);
	printf("first_seq=%ld\n", first);
	printf("last_seq=%ld\n", last);
	printf("min_seq=%ld\n", minseq);
	printf("max_seq=%ld\n", maxseq);
	printf("lost=%ld\n", unique ? (maxseq - minseq + 1) - unique : 0);
	printf("dups=%ld\n", dups);
	printf("reordered=%ld\n", reordered);
	printf("foreign=%ld\n", foreign);
	printf("source=%s\n", srcbuf);
	if (received) {
		printf("lat_min_us=%lld\n", (long long)lat_min);
		printf("lat_avg_us=%lld\n",
		    (long long)(lat_sum / received));
		printf("lat_max_us=%lld\n", (long long)lat_max);
	} else {
		printf("lat_min_us=-1\nlat_avg_us=-1\nlat_max_us=-1\n");
	}
	if (stamps) {
		printf("first_ts=%llu\n", (unsigned long long)first_ts);
		printf("last_ts=%llu\n", (unsigned long long)last_ts);
	}
	fflush(stdout);
	close(sd);
	free(seen);
	return 0;

bad:
	usage(stderr, argv[0]);
	return 64;
}
