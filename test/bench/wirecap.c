/*
 * wirecap - timestamp IGMP messages and multicast UDP packets on one link
 *
 * Part of the proxy benchmark (test/bench/proxy-bench.sh).  Opens a raw
 * AF_PACKET socket (all protocols, so that packets the host sends are
 * seen as well as those it receives) bound to one interface, asks the
 * kernel for SO_TIMESTAMPNS receive timestamps (CLOCK_REALTIME, taken
 * when the packet crosses the interface, not when we read it), and
 * prints one line per event:
 *
 *	NS igmp DIR SRC query VER GROUP [MRT_MS]
 *	NS igmp DIR SRC report1|report2 GROUP
 *	NS igmp DIR SRC leave GROUP
 *	NS igmp DIR SRC report3 NREC TYPE:GROUP:NSRC ...
 *	NS udp DIR SRC GROUP SEQ SENT
 *
 * NS is the timestamp in nanoseconds since the epoch, DIR "in" (to this
 * host) or "out" (sent by this host).  UDP packets are printed only when
 * their destination is in the -g prefix (default: all multicast); SEQ and
 * SENT are the sequence number and the send time (nanoseconds) of an
 * mcsend ("MCT1") payload, or -1.  IGMPv3
 * record types: 1 IS_IN, 2 IS_EX, 3 TO_IN, 4 TO_EX, 5 ALLOW, 6 BLOCK.
 *
 * Runs until SIGTERM or SIGINT, then prints "# packets=N drops=N
 * nots=N" (kernel socket statistics; nots counts packets without a
 * kernel timestamp) and exits.
 *
 * Usage: wirecap -i IFNAME [-g GROUP[/LEN]] [-R READYFILE] [-o OUTFILE]
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
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
	fprintf(stderr, "Usage: wirecap -i IFNAME [-g GROUP[/LEN]] "
	    "[-R READYFILE] [-o OUTFILE]\n");
	exit(64);
}

static uint32_t
rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static const char *
a4(const uint8_t *p, char *buf)
{
	snprintf(buf, 16, "%u.%u.%u.%u", p[0], p[1], p[2], p[3]);
	return buf;
}

/* RFC 3376 4.1.1 Max Resp Code, in milliseconds. */
static unsigned int
mrc_ms(uint8_t code)
{
	unsigned int tenths = code < 128 ? code :
	    ((code & 0x0fu) | 0x10u) << (((code >> 4) & 7) + 3);

	return tenths * 100u;
}

static void
igmp_event(FILE *out, const char *pfx, const uint8_t *m, size_t len)
{
	char g[16];
	size_t off, i, nrec, nsrc, aux;

	if (len < 8)
		return;
	switch (m[0]) {
	case 0x11:
		if (len >= 12)
			fprintf(out, "%s query 3 %s %u\n", pfx, a4(m + 4, g),
			    mrc_ms(m[1]));
		else
			fprintf(out, "%s query %d %s %u\n", pfx,
			    m[1] ? 2 : 1, a4(m + 4, g), m[1] * 100u);
		break;
	case 0x12:
		fprintf(out, "%s report1 %s\n", pfx, a4(m + 4, g));
		break;
	case 0x16:
		fprintf(out, "%s report2 %s\n", pfx, a4(m + 4, g));
		break;
	case 0x17:
		fprintf(out, "%s leave %s\n", pfx, a4(m + 4, g));
		break;
	case 0x22:
		nrec = (size_t)m[6] << 8 | m[7];
		fprintf(out, "%s report3 %zu", pfx, nrec);
		off = 8;
		for (i = 0; i < nrec && off + 8 <= len; i++) {
			aux = m[off + 1];
			nsrc = (size_t)m[off + 2] << 8 | m[off + 3];
			fprintf(out, " %u:%s:%zu", m[off], a4(m + off + 4, g),
			    nsrc);
			off += 8 + 4 * nsrc + 4 * aux;
		}
		fputc('\n', out);
		break;
	default:
		fprintf(out, "%s type0x%02x\n", pfx, m[0]);
		break;
	}
}

int
main(int argc, char *argv[])
{
	const char *ifname = NULL, *ready = NULL, *outfile = NULL;
	uint32_t gnet = 0xe0000000u, gmask = 0xf0000000u;
	struct sockaddr_ll sll;
	struct sigaction sa;
	struct tpacket_stats st;
	socklen_t stlen = sizeof(st);
	unsigned long nots = 0;
	int fd, on = 1, rcvbuf = 32 << 20, c;
	FILE *out = stdout;

	while ((c = getopt(argc, argv, "g:i:o:R:")) != -1) {
		switch (c) {
		case 'g': {
			char buf[64], *slash;
			struct in_addr a;
			int len = 32;

			snprintf(buf, sizeof(buf), "%s", optarg);
			if ((slash = strchr(buf, '/'))) {
				*slash = '\0';
				len = atoi(slash + 1);
			}
			if (inet_pton(AF_INET, buf, &a) != 1 || len < 0 ||
			    len > 32)
				usage();
			gmask = len ? 0xffffffffu << (32 - len) : 0;
			gnet = ntohl(a.s_addr) & gmask;
			break;
		}
		case 'i':
			ifname = optarg;
			break;
		case 'o':
			outfile = optarg;
			break;
		case 'R':
			ready = optarg;
			break;
		default:
			usage();
		}
	}
	if (!ifname)
		usage();
	if (outfile && !(out = fopen(outfile, "w"))) {
		perror(outfile);
		return 1;
	}
	setvbuf(out, NULL, _IOFBF, 1 << 20);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;	/* no SA_RESTART: recvmsg returns */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	fd = socket(AF_PACKET, SOCK_DGRAM, htons(ETH_P_ALL));
	if (fd < 0) {
		perror("socket(AF_PACKET)");
		return 1;
	}
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = (int)if_nametoindex(ifname);
	if (!sll.sll_ifindex) {
		fprintf(stderr, "wirecap: no interface %s\n", ifname);
		return 1;
	}
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		perror("bind");
		return 1;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof(on)) < 0) {
		perror("SO_TIMESTAMPNS");
		return 1;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf,
	    sizeof(rcvbuf)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	/* Statistics count from here. */
	getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, &st, &stlen);
	if (ready) {
		int rfd = open(ready, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		if (rfd >= 0)
			close(rfd);
	}

	while (!done) {
		uint8_t pkt[2048], ctl[256];
		struct iovec iov = { pkt, sizeof(pkt) };
		struct sockaddr_ll from;
		struct msghdr mh;
		struct cmsghdr *cm;
		struct timespec ts = { 0, 0 };
		const char *dir;
		char pfx[96], s[16], g[16];
		size_t hl, tot;
		ssize_t n;
		uint32_t dst;

		memset(&mh, 0, sizeof(mh));
		mh.msg_name = &from;
		mh.msg_namelen = sizeof(from);
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = ctl;
		mh.msg_controllen = sizeof(ctl);
		n = recvmsg(fd, &mh, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			perror("recvmsg");
			break;
		}
		for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm))
			if (cm->cmsg_level == SOL_SOCKET &&
			    cm->cmsg_type == SCM_TIMESTAMPNS)
				memcpy(&ts, CMSG_DATA(cm), sizeof(ts));
		if (!ts.tv_sec) {
			nots++;
			clock_gettime(CLOCK_REALTIME, &ts);
		}
		if (from.sll_protocol != htons(ETH_P_IP) || n < 20 ||
		    (pkt[0] >> 4) != 4)
			continue;
		hl = (size_t)(pkt[0] & 0x0f) * 4;
		tot = (size_t)pkt[2] << 8 | pkt[3];
		if (tot > (size_t)n)
			tot = (size_t)n;
		if (hl < 20 || tot < hl)
			continue;
		dst = rd32(pkt + 16);
		dir = from.sll_pkttype == PACKET_OUTGOING ? "out" : "in";
		snprintf(pfx, sizeof(pfx), "%lld%09ld %s %s %s",
		    (long long)ts.tv_sec, ts.tv_nsec,
		    pkt[9] == IPPROTO_IGMP ? "igmp" : "udp", dir,
		    a4(pkt + 12, s));
		if (pkt[9] == IPPROTO_IGMP) {
			igmp_event(out, pfx, pkt + hl, tot - hl);
		} else if (pkt[9] == IPPROTO_UDP && (dst & gmask) == gnet &&
		    tot >= hl + 8) {
			const uint8_t *p = pkt + hl + 8;

			if (tot >= hl + 8 + 20 && !memcmp(p, "MCT1", 4))
				fprintf(out, "%s %s %u %llu%09u\n", pfx,
				    a4(pkt + 16, g), rd32(p + 4),
				    (unsigned long long)rd32(p + 8) << 32 |
				    rd32(p + 12), rd32(p + 16) % 1000000000u);
			else
				fprintf(out, "%s %s -1 -1\n", pfx,
				    a4(pkt + 16, g));
		}
	}
	stlen = sizeof(st);
	if (getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, &st, &stlen) == 0)
		fprintf(out, "# packets=%u drops=%u nots=%lu\n", st.tp_packets,
		    st.tp_drops, nots);
	fclose(out);
	return 0;
}
