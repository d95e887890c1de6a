/*
 * mcsend - send numbered, timestamped UDP multicast test packets
 *
 * Used by the network tests.  Each datagram starts with the header
 * described in mct.h: magic, sequence number and send time.
 *
 * CLOCK_REALTIME is shared by all network namespaces of a host, so a
 * receiver in another namespace can compute the one-way latency.
 *
 * On exit it prints machine-readable key=value lines on stdout:
 * sent, first_seq, last_seq, errors, elapsed_ms.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* struct ip_mreqn, group_req */
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
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

#include "mct.h"

#define MCT_MAXLEN	8192

static void
usage(FILE *fp, const char *prog)
{
	fprintf(fp,
	    "Usage: %s [options] GROUP\n"
	    "  -i IFNAME   send from this interface (IP[V6]_MULTICAST_IF)\n"
	    "  -s ADDR     bind this source address\n"
	    "  -p PORT     destination UDP port (default 4321)\n"
	    "  -c COUNT    number of packets, 0 = until -d expires\n"
	    "              (default 10, or 0 when -d is given)\n"
	    "  -d SECONDS  stop after this time (may be fractional)\n"
	    "  -r PPS      packets per second, 0 = as fast as possible (default 100)\n"
	    "  -t TTL      IPv4 TTL / IPv6 hop limit (default 8)\n"
	    "  -l BYTES    UDP payload length, %d-%d (default 64)\n"
	    "  -S SEQ      first sequence number (default 1)\n"
	    "  -q          quiet: print nothing on stdout\n"
	    "  -h          this help\n",
	    prog, MCT_HDRLEN, MCT_MAXLEN);
}

static void
ns_to_ts(uint64_t ns, struct timespec *ts)
{
	ts->tv_sec = (time_t)(ns / 1000000000ULL);
	ts->tv_nsec = (long)(ns % 1000000000ULL);
}

static void
put32(unsigned char *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

int
main(int argc, char *argv[])
{
	const char *ifname = NULL, *srcstr = NULL, *grpstr;
	long port = 4321, count = 10, pps = 100, ttl = 8, len = 64, seq = 1;
	double duration = 0;
	int quiet = 0, count_set = 0, family, sd, opt;
	unsigned int ifindex = 0;
	struct sockaddr_storage dst, src;
	socklen_t dlen, slen = 0;
	unsigned char buf[MCT_MAXLEN];
	uint64_t t0, next, interval, deadline = 0;
	long sent = 0, errors = 0, first = -1, last = -1;
	struct sigaction sa;

	while ((opt = getopt(argc, argv, "c:d:hi:l:p:qr:s:S:t:")) != -1) {
		switch (opt) {
		case 'c':
			if (parse_long(optarg, 0, LONG_MAX, &count))
				goto bad;
			count_set = 1;
			break;
		case 'd':
			if (parse_double(optarg, 0, 1e6, &duration))
				goto bad;
			break;
		case 'h':
			usage(stdout, argv[0]);
			return 0;
		case 'i':
			ifname = optarg;
			break;
		case 'l':
			if (parse_long(optarg, MCT_HDRLEN, MCT_MAXLEN, &len))
				goto bad;
			break;
		case 'p':
			if (parse_long(optarg, 1, 65535, &port))
				goto bad;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'r':
			if (parse_long(optarg, 0, 10000000, &pps))
				goto bad;
			break;
		case 's':
			srcstr = optarg;
			break;
		case 'S':
			if (parse_long(optarg, 0, UINT32_MAX, &seq))
				goto bad;
			break;
		case 't':
			if (parse_long(optarg, 0, 255, &ttl))
				goto bad;
			break;
		default:
			goto bad;
		}
	}
	if (optind != argc - 1)
		goto bad;
	grpstr = argv[optind];
	if (duration > 0 && !count_set)
		count = 0;
	if (count == 0 && duration == 0) {
		fprintf(stderr, "%s: -c 0 needs -d\n", argv[0]);
		goto bad;
	}

	memset(&dst, 0, sizeof(dst));
	memset(&src, 0, sizeof(src));
	family = mct_group(grpstr, (uint16_t)port, &dst, &dlen);
	if (family < 0) {
		fprintf(stderr, "%s: invalid group address %s\n", argv[0],
		    grpstr);
		goto bad;
	}

	if (ifname) {
		ifindex = if_nametoindex(ifname);
		if (!ifindex) {
			fprintf(stderr, "%s: unknown interface %s\n", argv[0],
			    ifname);
			return 2;
		}
		if (family == AF_INET6)
			((struct sockaddr_in6 *)&dst)->sin6_scope_id = ifindex;
	}

	if (srcstr) {
		int ok;

		if (family == AF_INET) {
			struct sockaddr_in *sin = (struct sockaddr_in *)&src;

			sin->sin_family = AF_INET;
			ok = inet_pton(AF_INET, srcstr, &sin->sin_addr);
			slen = sizeof(*sin);
		} else {
			struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&src;

			sin6->sin6_family = AF_INET6;
			ok = inet_pton(AF_INET6, srcstr, &sin6->sin6_addr);
			slen = sizeof(*sin6);
		}
		if (ok != 1) {
			fprintf(stderr, "%s: invalid source address %s\n",
			    argv[0], srcstr);
			goto bad;
		}
	}

	sd = socket(family, SOCK_DGRAM, 0);
	if (sd < 0) {
		perror("socket");
		return 2;
	}
	if (family == AF_INET) {
		int t = (int)ttl;

		if (setsockopt(sd, IPPROTO_IP, IP_MULTICAST_TTL, &t,
		    sizeof(t))) {
			perror("IP_MULTICAST_TTL");
			return 2;
		}
		if (ifindex) {
			struct ip_mreqn mr;

			memset(&mr, 0, sizeof(mr));
			mr.imr_ifindex = (int)ifindex;
			if (setsockopt(sd, IPPROTO_IP, IP_MULTICAST_IF, &mr,
			    sizeof(mr))) {
				perror("IP_MULTICAST_IF");
				return 2;
			}
		}
	} else {
		int h = (int)ttl;

		if (setsockopt(sd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &h,
		    sizeof(h))) {
			perror("IPV6_MULTICAST_HOPS");
			return 2;
		}
		if (ifindex && setsockopt(sd, IPPROTO_IPV6, IPV6_MULTICAST_IF,
		    &ifindex, sizeof(ifindex))) {
			perror("IPV6_MULTICAST_IF");
			return 2;
		}
	}
	if (srcstr && bind(sd, (struct sockaddr *)&src, slen)) {
		perror("bind");
		return 2;
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	memset(buf, 0xa5, sizeof(buf));
	memcpy(buf, MCT_MAGIC, 4);

	interval = pps ? 1000000000ULL / (uint64_t)pps : 0;
	t0 = next = now_ns(CLOCK_MONOTONIC);
	if (duration > 0)
		deadline = t0 + (uint64_t)(duration * 1e9);

	while (!stop && (count == 0 || sent + errors < count)) {
		struct timespec ts;
		uint64_t rt;

		if (interval) {
			uint64_t now = now_ns(CLOCK_MONOTONIC);

			if (deadline && next >= deadline)
				break;
			if (next > now) {
				ns_to_ts(next, &ts);
				while (clock_nanosleep(CLOCK_MONOTONIC,
				    TIMER_ABSTIME, &ts, NULL) == EINTR && !stop)
					;
				if (stop)
					break;
			}
			next += interval;
		} else if (deadline && now_ns(CLOCK_MONOTONIC) >= deadline) {
			break;
		}

		clock_gettime(CLOCK_REALTIME, &ts);
		rt = (uint64_t)ts.tv_sec;
		put32(buf + 4, (uint32_t)seq);
		put32(buf + 8, (uint32_t)(rt >> 32));
		put32(buf + 12, (uint32_t)rt);
		put32(buf + 16, (uint32_t)ts.tv_nsec);

		if (sendto(sd, buf, (size_t)len, 0, (struct sockaddr *)&dst,
		    dlen) < 0) {
			if (errors == 0)
				fprintf(stderr, "%s: sendto: %s\n", argv[0],
				    strerror(errno));
			errors++;
		} else {
			if (first < 0)
				first = seq;
			last = seq;
			sent++;
		}
		seq = (seq + 1) & 0xffffffffL;
	}

	if (!quiet) {
		printf("sent=%ld\n", sent);
		printf("first_seq=%ld\n", first);
		printf("last_seq=%ld\n", last);
		printf("errors=%ld\n", errors);
		printf("elapsed_ms=%llu\n", (unsigned long long)
		    ((now_ns(CLOCK_MONOTONIC) - t0) / 1000000ULL));
	}
	close(sd);
	return sent > 0 ? 0 : 1;

bad:
	usage(stderr, argv[0]);
	return 64;
}
