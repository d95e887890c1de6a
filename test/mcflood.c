/*
 * mcflood - send to many (S,G) at once, for the flood tests
 *
 * Each round sends one datagram to every group of GROUP[+N] from every
 * source given with -s, so that a multicast router sees N x M flows it
 * has no route for: one kernel upcall each.  The sources must be
 * addresses of the sending host (the test adds them to its interface);
 * each datagram picks its own with IP_PKTINFO / IPV6_PKTINFO, so one
 * socket sends from all of them.  The payload is mcsend's (mct.h), the
 * sequence number being the round.
 *
 *	mcflood [-i IF] [-s SRC[+N]]... [-p PORT] [-r PPS] [-d SEC]
 *		[-c ROUNDS] [-t TTL] [-l BYTES] [-q] GROUP[+N]
 *
 * -r is datagrams per second in all (0, the default: as fast as the
 * socket takes them); -d stops after SEC seconds, -c after ROUNDS
 * rounds (default 1 without -d, else unlimited).  Without -s the kernel
 * picks the source.  SIGTERM/SIGINT end it early.
 *
 * Prints sent=, errors=, rounds=, flows= (sources x groups),
 * elapsed_ms= on exit.  Exit status 0 when something was sent, 1 when
 * nothing was, 2 on a socket error, 64 on bad usage.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* struct in6_pktinfo, ip_mreqn */
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

#define MAXSRC		4096
#define MAXGRP		65536
#define MAXLEN		1400

struct addr {
	int		 family;
	union {
		struct in_addr	 v4;
		struct in6_addr	 v6;
	} u;
};

static struct addr srcs[MAXSRC];
static int nsrc;

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "Usage: mcflood [-i IF] [-s SRC[+N]]... [-p PORT] [-r PPS] "
	    "[-d SEC]\n"
	    "               [-c ROUNDS] [-t TTL] [-l BYTES] [-q] GROUP[+N]\n");
}

/* ADDR[+N] into a, n (1 without +N); 0, or -1. */
static int
parse_range(char *s, struct addr *a, long *n, long max)
{
	char *plus = strchr(s, '+');
	struct sockaddr_storage ss;
	socklen_t sslen;

	*n = 1;
	if (plus) {
		*plus = '\0';
		if (parse_long(plus + 1, 1, max, n))
			return -1;
	}
	memset(a, 0, sizeof(*a));
	a->family = mct_group(s, 0, &ss, &sslen);
	if (a->family == AF_INET)
		a->u.v4 = ((struct sockaddr_in *)&ss)->sin_addr;
	else if (a->family == AF_INET6)
		a->u.v6 = ((struct sockaddr_in6 *)&ss)->sin6_addr;
	else
		return -1;
	return 0;
}

/* The address i after a (big-endian add with carry). */
static void
addr_add(const struct addr *a, long i, struct addr *out)
{
	uint8_t *b;
	size_t len;
	unsigned long carry = (unsigned long)i;

	*out = *a;
	b = a->family == AF_INET ? (uint8_t *)&out->u.v4 :
	    (uint8_t *)&out->u.v6;
	len = a->family == AF_INET ? 4 : 16;
	while (len-- > 0 && carry) {
		carry += b[len];
		b[len] = (uint8_t)carry;
		carry >>= 8;
	}
}

static void
put32(unsigned char *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

/* One datagram to grp from src (NULL: the kernel's choice). */
static int
send_one(int sd, const struct addr *src, const struct addr *grp,
    unsigned int ifindex, uint16_t port, const void *buf, size_t len)
{
	union {
		char		 buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
		struct cmsghdr	 align;
	} cb;
	struct sockaddr_storage dst;
	struct iovec iov = { (void *)(uintptr_t)buf, len };
	struct msghdr mh;
	struct cmsghdr *cm;

	memset(&dst, 0, sizeof(dst));
	memset(&mh, 0, sizeof(mh));
	memset(&cb, 0, sizeof(cb));
	mh.msg_name = &dst;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	if (grp->family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&dst;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		sin->sin_addr = grp->u.v4;
		mh.msg_namelen = sizeof(*sin);
		if (src) {
			struct in_pktinfo pi;

			memset(&pi, 0, sizeof(pi));
			pi.ipi_ifindex = (int)ifindex;
			pi.ipi_spec_dst = src->u.v4;
			mh.msg_control = cb.buf;
			mh.msg_controllen = CMSG_SPACE(sizeof(pi));
			cm = CMSG_FIRSTHDR(&mh);
			cm->cmsg_level = IPPROTO_IP;
			cm->cmsg_type = IP_PKTINFO;
			cm->cmsg_len = CMSG_LEN(sizeof(pi));
			memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
		}
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&dst;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		sin6->sin6_addr = grp->u.v6;
		sin6->sin6_scope_id = ifindex;
		mh.msg_namelen = sizeof(*sin6);
		if (src) {
			struct in6_pktinfo pi;

			memset(&pi, 0, sizeof(pi));
			pi.ipi6_ifindex = ifindex;
			pi.ipi6_addr = src->u.v6;
			mh.msg_control = cb.buf;
			mh.msg_controllen = CMSG_SPACE(sizeof(pi));
			cm = CMSG_FIRSTHDR(&mh);
			cm->cmsg_level = IPPROTO_IPV6;
			cm->cmsg_type = IPV6_PKTINFO;
			cm->cmsg_len = CMSG_LEN(sizeof(pi));
			memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
		}
	}
	return sendmsg(sd, &mh, 0) < 0 ? -1 : 0;
}

int
main(int argc, char *argv[])
{
	const char *ifname = NULL;
	long port = 4321, pps = 0, ttl = 8, len = 64, rounds = -1, ngrp, n;
	long sent = 0, errors = 0, round = 0, i, g, s;
	double duration = 0;
	unsigned int ifindex = 0;
	unsigned char buf[MAXLEN];
	struct addr grp, a, ga;
	uint64_t t0, deadline = 0;
	struct sigaction sa;
	int quiet = 0, sd, opt, firsterr = 0;

	while ((opt = getopt(argc, argv, "c:d:hi:l:p:qr:s:t:")) != -1) {
		switch (opt) {
		case 'c':
			if (parse_long(optarg, 1, LONG_MAX, &rounds))
				goto bad;
			break;
		case 'd':
			if (parse_double(optarg, 0, 1e6, &duration))
				goto bad;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'i':
			ifname = optarg;
			break;
		case 'l':
			if (parse_long(optarg, MCT_HDRLEN, MAXLEN, &len))
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
			if (parse_range(optarg, &a, &n, MAXSRC) ||
			    nsrc + n > MAXSRC) {
				fprintf(stderr, "mcflood: bad source %s (at most "
				    "%d in all)\n", optarg, MAXSRC);
				goto bad;
			}
			for (i = 0; i < n; i++)
				addr_add(&a, i, &srcs[nsrc++]);
			break;
		case 't':
			if (parse_long(optarg, 0, 255, &ttl))
				goto bad;
			break;
		default:
			goto bad;
		}
	}
	if (optind != argc - 1 ||
	    parse_range(argv[optind], &grp, &ngrp, MAXGRP)) {
		fprintf(stderr, "mcflood: need one GROUP[+N], N <= %d\n",
		    MAXGRP);
		goto bad;
	}
	for (i = 0; i < nsrc; i++)
		if (srcs[i].family != grp.family) {
			fprintf(stderr, "mcflood: sources and groups of "
			    "different families\n");
			goto bad;
		}
	if (rounds < 0)
		rounds = duration > 0 ? 0 : 1;

	if (ifname && !(ifindex = if_nametoindex(ifname))) {
		fprintf(stderr, "mcflood: unknown interface %s\n", ifname);
		return 2;
	}
	sd = socket(grp.family, SOCK_DGRAM, 0);
	if (sd < 0) {
		perror("mcflood: socket");
		return 2;
	}
	if (grp.family == AF_INET) {
		int t = (int)ttl;
		struct ip_mreqn mr;

		memset(&mr, 0, sizeof(mr));
		mr.imr_ifindex = (int)ifindex;
		if (setsockopt(sd, IPPROTO_IP, IP_MULTICAST_TTL, &t,
		    sizeof(t)) || (ifindex && setsockopt(sd, IPPROTO_IP,
		    IP_MULTICAST_IF, &mr, sizeof(mr)))) {
			perror("mcflood: IP_MULTICAST_*");
			return 2;
		}
	} else {
		int h = (int)ttl;

		if (setsockopt(sd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &h,
		    sizeof(h)) || (ifindex && setsockopt(sd, IPPROTO_IPV6,
		    IPV6_MULTICAST_IF, &ifindex, sizeof(ifindex)))) {
			perror("mcflood: IPV6_MULTICAST_*");
			return 2;
		}
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	memset(buf, 0xa5, sizeof(buf));
	memcpy(buf, MCT_MAGIC, 4);
	t0 = now_ns(CLOCK_MONOTONIC);
	if (duration > 0)
		deadline = t0 + (uint64_t)(duration * 1e9);

	while (!stop && (rounds == 0 || round < rounds)) {
		struct timespec ts;
		uint64_t rt;

		round++;
		clock_gettime(CLOCK_REALTIME, &ts);
		rt = (uint64_t)ts.tv_sec;
		put32(buf + 4, (uint32_t)round);
		put32(buf + 8, (uint32_t)(rt >> 32));
		put32(buf + 12, (uint32_t)rt);
		put32(buf + 16, (uint32_t)ts.tv_nsec);
		for (g = 0; g < ngrp && !stop; g++) {
			addr_add(&grp, g, &ga);
			for (s = 0; s < (nsrc ? nsrc : 1) && !stop; s++) {
				uint64_t now = now_ns(CLOCK_MONOTONIC);

				if (deadline && now >= deadline)
					goto done;
				/* Paced in 1 ms steps: behind, send; ahead, wait. */
				while (pps && (uint64_t)(sent + errors) >=
				    (now - t0) * (uint64_t)pps / 1000000000ULL
				    && !stop) {
					struct timespec d = { 0, 1000000 };

					nanosleep(&d, NULL);
					now = now_ns(CLOCK_MONOTONIC);
					if (deadline && now >= deadline)
						goto done;
				}
				if (send_one(sd, nsrc ? &srcs[s] : NULL, &ga,
				    ifindex, (uint16_t)port, buf,
				    (size_t)len)) {
					if (!firsterr++)
						fprintf(stderr, "mcflood: sendmsg: "
						    "%s\n", strerror(errno));
					errors++;
				} else {
					sent++;
				}
			}
		}
	}
done:
	if (!quiet) {
		printf("sent=%ld\n", sent);
		printf("errors=%ld\n", errors);
		printf("rounds=%ld\n", round);
		printf("flows=%ld\n", (nsrc ? nsrc : 1) * ngrp);
		printf("elapsed_ms=%llu\n", (unsigned long long)
		    ((now_ns(CLOCK_MONOTONIC) - t0) / 1000000ULL));
	}
	close(sd);
	return sent > 0 ? 0 : 1;

bad:
	usage(stderr);
	return 64;
}
