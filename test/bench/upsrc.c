/*
 * upsrc - an upstream router with a source behind it, as a proxy sees it
 *
 * Part of the proxy benchmark (test/bench/proxy-bench.sh).  Listens for
 * IGMP membership reports on its link with a raw IGMP socket (joined to
 * 224.0.0.22 and 224.0.0.2, where IGMPv3 reports and IGMPv2 leaves go)
 * and sends a group of the GROUP/LEN prefix (LEN >= 22) only while
 * somebody on the link wants it: an IGMPv3 record IS_EX/TO_EX, or
 * IS_IN/TO_IN/ALLOW with sources, or an IGMPv1/v2 report starts the
 * stream; TO_IN{} / IS_IN{} or an IGMPv2 leave stops it.  With -m MS a
 * stream also stops MS milliseconds after it started (a bounded burst,
 * so that a proxy that is slow to leave does not pile streams up); it
 * starts again on the next report.  Each stream is mcsend's format
 * ("MCT1", sequence, send time), PPS packets per second per group.
 *
 * Prints one line per event (NS: CLOCK_REALTIME nanoseconds):
 *
 *	NS start SRC KIND SEQ GROUP	the stream starts (SEQ: its first)
 *	NS stop SRC KIND SEQ GROUP	a report stopped it (SEQ: its last)
 *	NS expire - - SEQ GROUP		-m stopped it
 *	NS report SRC KIND - GROUP	a report that changes nothing
 *
 * and at the end (SIGTERM/SIGINT) "sent=N starts=N stops=N".  -q leaves
 * the per-event lines out.
 *
 * Usage: upsrc -i IFNAME [-p PORT] [-r PPS] [-t TTL] [-l BYTES] [-m MS]
 *	  [-q] [-R READYFILE] GROUP[/LEN]
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
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

#define MAXG	1024

static volatile sig_atomic_t done;

static struct stream {
	int		 on;
	uint32_t	 seq;
	uint64_t	 next;		/* monotonic ns of the next packet */
	uint64_t	 until;		/* monotonic ns, -m */
} st[MAXG];

static uint32_t gbase;		/* host order */
static unsigned int ngrp = 1, max_ms;
static uint64_t period, starts, stops;
static int quiet;

static void
on_signal(int sig)
{
	(void)sig;
	done = 1;
}

static void
usage(void)
{
	fprintf(stderr, "Usage: upsrc -i IFNAME [-p PORT] [-r PPS] [-t TTL] "
	    "[-l BYTES] [-m MS] [-q] [-R READYFILE] GROUP[/LEN]\n");
	exit(64);
}

static uint64_t
clk_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void
join(int fd, const char *grp, int ifindex)
{
	struct ip_mreqn mr;

	memset(&mr, 0, sizeof(mr));
	inet_pton(AF_INET, grp, &mr.imr_multiaddr);
	mr.imr_ifindex = ifindex;
	if (setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mr, sizeof(mr)) < 0)
		fprintf(stderr, "upsrc: join %s: %s\n", grp, strerror(errno));
}

static const char *
gstr(unsigned int i)
{
	static char buf[INET_ADDRSTRLEN];
	struct in_addr a = { htonl(gbase + i) };

	return inet_ntop(AF_INET, &a, buf, sizeof(buf));
}

/* A report says want (1) or not (0) about group g (network order). */
static void
heard(const uint8_t *g, int want, const char *kind, const char *from)
{
	uint32_t h;
	unsigned int i;
	uint64_t t = clk_ns(CLOCK_REALTIME);
	struct stream *s;

	memcpy(&h, g, 4);
	i = ntohl(h) - gbase;
	if (i >= ngrp)
		return;
	s = &st[i];
	if (want && !s->on) {
		s->on = 1;
		s->next = clk_ns(CLOCK_MONOTONIC);
		s->until = max_ms ? s->next + max_ms * 1000000ull : 0;
		starts++;
		if (!quiet)
			printf("%llu start %s %s %u %s\n",
			    (unsigned long long)t, from, kind, s->seq + 1,
			    gstr(i));
	} else if (!want && s->on) {
		s->on = 0;
		stops++;
		if (!quiet)
			printf("%llu stop %s %s %u %s\n",
			    (unsigned long long)t, from, kind, s->seq,
			    gstr(i));
	} else if (!quiet) {
		printf("%llu report %s %s - %s\n", (unsigned long long)t,
		    from, kind, gstr(i));
	}
}

static void
parse_report(const uint8_t *m, size_t len, const char *from)
{
	static const char *const rt[] = { "?", "IS_IN", "IS_EX", "TO_IN",
	    "TO_EX", "ALLOW", "BLOCK" };
	size_t off, i, nrec, nsrc, aux;

	if (len < 8)
		return;
	switch (m[0]) {
	case 0x12:
		heard(m + 4, 1, "v1report", from);
		break;
	case 0x16:
		heard(m + 4, 1, "v2report", from);
		break;
	case 0x17:
		heard(m + 4, 0, "v2leave", from);
		break;
	case 0x22:
		nrec = (size_t)m[6] << 8 | m[7];
		off = 8;
		for (i = 0; i < nrec && off + 8 <= len; i++) {
			uint8_t type = m[off];

			aux = m[off + 1];
			nsrc = (size_t)m[off + 2] << 8 | m[off + 3];
			if (type == 2 || type == 4 || ((type == 1 ||
			    type == 3 || type == 5) && nsrc))
				heard(m + off + 4, 1, rt[type], from);
			else if (type == 1 || type == 3)
				heard(m + off + 4, 0, rt[type], from);
			off += 8 + 4 * nsrc + 4 * aux;
		}
		break;
	default:
		break;
	}
}

int
main(int argc, char *argv[])
{
	const char *ifname = NULL, *ready = NULL;
	unsigned int pps = 1000, ttl = 16, port = 4321, plen = 64, i;
	struct sockaddr_in dst;
	struct ip_mreqn mif;
	struct sigaction sa;
	struct in_addr a;
	uint64_t sent = 0;
	unsigned char loop = 0;
	int raw, tx, ifindex, c, len = 32;
	char gbuf[64], *slash;
	uint8_t buf[1500];

	while ((c = getopt(argc, argv, "i:l:m:p:qr:R:t:")) != -1) {
		switch (c) {
		case 'i':
			ifname = optarg;
			break;
		case 'l':
			plen = (unsigned int)atoi(optarg);
			break;
		case 'm':
			max_ms = (unsigned int)atoi(optarg);
			break;
		case 'p':
			port = (unsigned int)atoi(optarg);
			break;
		case 'q':
			quiet = 1;
			break;
		case 'r':
			pps = (unsigned int)atoi(optarg);
			break;
		case 'R':
			ready = optarg;
			break;
		case 't':
			ttl = (unsigned int)atoi(optarg);
			break;
		default:
			usage();
		}
	}
	if (!ifname || optind != argc - 1 || !pps || plen < 20 ||
	    plen > sizeof(buf))
		usage();
	snprintf(gbuf, sizeof(gbuf), "%s", argv[optind]);
	if ((slash = strchr(gbuf, '/'))) {
		*slash = '\0';
		len = atoi(slash + 1);
	}
	if (inet_pton(AF_INET, gbuf, &a) != 1 || len < 22 || len > 32)
		usage();
	ngrp = 1u << (32 - len);
	gbase = ntohl(a.s_addr) & ~(ngrp - 1);
	if (len == 32)
		gbase = ntohl(a.s_addr);
	ifindex = (int)if_nametoindex(ifname);
	if (!ifindex) {
		fprintf(stderr, "upsrc: no interface %s\n", ifname);
		return 1;
	}
	period = 1000000000u / pps;
	memset(&dst, 0, sizeof(dst));
	dst.sin_family = AF_INET;
	dst.sin_port = htons((uint16_t)port);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	raw = socket(AF_INET, SOCK_RAW, IPPROTO_IGMP);
	tx = socket(AF_INET, SOCK_DGRAM, 0);
	if (raw < 0 || tx < 0) {
		perror("socket");
		return 1;
	}
	join(raw, "224.0.0.22", ifindex);
	join(raw, "224.0.0.2", ifindex);
	memset(&mif, 0, sizeof(mif));
	mif.imr_ifindex = ifindex;
	if (setsockopt(tx, IPPROTO_IP, IP_MULTICAST_IF, &mif,
	    sizeof(mif)) < 0 ||
	    setsockopt(tx, IPPROTO_IP, IP_MULTICAST_TTL, &ttl, sizeof(ttl)) ||
	    setsockopt(tx, IPPROTO_IP, IP_MULTICAST_LOOP, &loop,
	    sizeof(loop))) {
		perror("setsockopt");
		return 1;
	}
	memset(buf, 0, sizeof(buf));
	memcpy(buf, "MCT1", 4);
	if (ready) {
		int rfd = open(ready, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		if (rfd >= 0)
			close(rfd);
	}
	setvbuf(stdout, NULL, _IOLBF, 0);

	while (!done) {
		struct pollfd pfd = { raw, POLLIN, 0 };
		struct timespec tmo = { 0, 0 };
		uint64_t m = clk_ns(CLOCK_MONOTONIC), first = UINT64_MAX;

		for (i = 0; i < ngrp; i++)
			if (st[i].on && st[i].next < first)
				first = st[i].next;
		if (first != UINT64_MAX && first > m) {
			tmo.tv_sec = (time_t)((first - m) / 1000000000u);
			tmo.tv_nsec = (long)((first - m) % 1000000000u);
		}
		if (ppoll(&pfd, 1, first != UINT64_MAX ? &tmo : NULL,
		    NULL) < 0 && errno != EINTR)
			break;
		if (pfd.revents & POLLIN) {
			uint8_t pkt[1500];
			ssize_t n = recv(raw, pkt, sizeof(pkt), 0);
			char from[INET_ADDRSTRLEN];
			size_t hl;

			if (n >= 20 && (hl = (size_t)(pkt[0] & 0x0f) * 4) <
			    (size_t)n) {
				inet_ntop(AF_INET, pkt + 12, from,
				    sizeof(from));
				parse_report(pkt + hl, (size_t)n - hl, from);
			}
		}
		/* Send what is due; after a stall, skip rather than burst. */
		m = clk_ns(CLOCK_MONOTONIC);
		for (i = 0; i < ngrp; i++) {
			struct stream *s = &st[i];

			if (s->on && s->until && m >= s->until) {
				s->on = 0;
				printf("%llu expire - - %u %s\n",
				    (unsigned long long)clk_ns(CLOCK_REALTIME),
				    s->seq, gstr(i));
				continue;
			}
			while (s->on && m >= s->next) {
				uint64_t t = clk_ns(CLOCK_REALTIME);
				uint32_t v;

				s->seq++;
				v = htonl(s->seq);
				memcpy(buf + 4, &v, 4);
				v = htonl((uint32_t)(t / 1000000000u >> 32));
				memcpy(buf + 8, &v, 4);
				v = htonl((uint32_t)(t / 1000000000u));
				memcpy(buf + 12, &v, 4);
				v = htonl((uint32_t)(t % 1000000000u));
				memcpy(buf + 16, &v, 4);
				dst.sin_addr.s_addr = htonl(gbase + i);
				if (sendto(tx, buf, plen, 0,
				    (struct sockaddr *)&dst, sizeof(dst)) ==
				    (ssize_t)plen)
					sent++;
				s->next += period;
				if (m > s->next + 50 * period)
					s->next = m;
			}
		}
	}
	printf("sent=%llu starts=%llu stops=%llu\n", (unsigned long long)sent,
	    (unsigned long long)starts, (unsigned long long)stops);
	return 0;
}
