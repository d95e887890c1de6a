/*
 * igmpgen - craft IGMP messages, hold memberships and watch IGMP on a
 * link, for the network tests
 *
 * Usage: igmpgen -i IFNAME [options] COMMAND [ARGS...]
 *
 * Sending (a raw IGMP socket with IP_HDRINCL, so that the TTL, the
 * Router Alert option, the checksum and the lengths can be wrong on
 * purpose; the messages themselves come from the project's codec,
 * proxy/pkt.h, and are then mutated as asked):
 *
 *	query [GROUP [SOURCE...]]	general, group- or group-and-source-
 *					specific query (-v 1|2|3)
 *	report1 GROUP			IGMPv1 membership report
 *	report2 GROUP			IGMPv2 membership report
 *	leave GROUP			IGMPv2 leave group
 *	report3 REC...			IGMPv3 membership report
 *	flood RATE SECONDS GROUP	RATE IGMPv3 reports a second for
 *					SECONDS, each from one of --hosts
 *					addresses from -S up (default 1000),
 *					with 4 records of random types for
 *					groups among --groups from GROUP
 *					(default 256), each naming --srcs
 *					random sources of 10.200/16
 *					(default 50); prints what it sent
 *
 * REC is TYPE:GROUP[+N][:SRC[,SRC...]]: TYPE is is_in, is_ex, to_in,
 * to_ex, allow, block (any case) or a number; +N repeats the record for
 * N consecutive groups from GROUP.  Records that do not fit one packet
 * (--mtu) are spread over several reports.
 *
 * Mutations, applied in this order after encoding: --type, --mrc,
 * --nrec, --nsrc, --auxlen (write the field, nothing else), --pad (add
 * zero octets), --truncate (cut the message), then the checksum is
 * computed over what is sent and --bad-cksum spoils it.  --ttl, --no-ra
 * and --ra-len shape the IP header.  The kernel always fills in the IP
 * total length and header checksum of an IP_HDRINCL packet (and drops
 * IP-level nonsense on receipt anyway), so lengths are lied about
 * inside the IGMP message only.  A source address of 0.0.0.0 is
 * replaced by the kernel.
 *
 * Holding memberships (until SIGTERM/SIGINT or -d), with the kernel's
 * own host stack, which then sends the reports:
 *
 *	join N GROUP			N ASM joins from GROUP on (with -s
 *					SOURCE: SSM joins), MCAST_JOIN_GROUP
 *					spread over as many sockets as the
 *					per-socket limit asks for
 *	filter include GROUP SRC...	one socket, a source-specific join
 *					per source (never ASM in between)
 *	filter exclude GROUP [SRC...]	one socket, ASM join, then
 *					setsourcefilter(MCAST_EXCLUDE)
 *	block GROUP SRC...		same as filter exclude
 *
 * Watching (an AF_PACKET socket, so memberships do not matter):
 *
 *	listen				print every IGMP message received on
 *					IFNAME, one line each, until -d, -n
 *					or SIGTERM; with -U GROUP also every
 *					UDP datagram to GROUP (type=udp,
 *					seq= mcsend's number or -1, sts=
 *					its time of sending in ns)
 *
 * listen prints key=value words per message: t (ms since start), ts
 * (CLOCK_REALTIME ns of the kernel's arrival, comparable across
 * namespaces), dir (in, or out:
 * sent by this host), src, dst, ttl, ra, len (IGMP message), type
 * (query, report_v1, report_v2, leave, report_v3, or drop with reason=
 * the codec's drop key), then for a query version, group, mrt_ms, qrv,
 * qqi, s, srcs (and qsrc:SRC,... when there are sources); for v1/v2
 * messages group; for a v3 report nrec and one rec=TYPE:GROUP[:SRC,...]
 * per record (RFC 3376 short names: IS_IN, TO_EX, ALLOW, ...); RFC 4286
 * messages are mrd_advert (interval, qi, rv), mrd_solicit, mrd_terminate.
 *
 * Exit status: 0 ok, 1 a send or socket call failed, 64 usage.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <ifaddrs.h>
#include <limits.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "pkt.h"

#define BUFLEN		65536
#define MAXSRC		4096
#define MAXREC		8192
#define EX_USAGE	64

static volatile sig_atomic_t stop;

static struct {
	const char	*ifname;
	int		 ifindex;
	struct inet_addr src, dst;
	bool		 have_src, have_dst;
	int		 version;	/* query version */
	long		 mrt_ms;	/* -1: default */
	int		 qrv;
	long		 qqi;
	bool		 sflag;
	long		 count;
	double		 interval;
	int		 ttl;
	bool		 no_ra;
	int		 ra_len;
	bool		 bad_cksum;
	long		 truncate;	/* -1: none */
	long		 nrec;		/* -1: true count */
	long		 nsrc;		/* -1: true count */
	long		 auxlen;	/* -1: as encoded */
	long		 type;		/* -1: as encoded */
	long		 mrc;		/* -1: as encoded */
	long		 pad;
	long		 mtu;
	double		 duration;	/* 0: forever */
	long		 maxmsg;	/* listen: stop after N, 0: never */
	struct inet_addr udp;		/* listen: also UDP to this group */
	bool		 have_udp;
	const char	*ready;
	bool		 quiet;
	bool		 loop;
	long		 hosts;		/* flood */
	long		 groups;
	long		 srcs;
} o = {
	.version = 3, .mrt_ms = -1, .qrv = 2, .qqi = 125, .count = 1,
	.ttl = 1, .ra_len = IPOPT_RA_LEN, .truncate = -1, .nrec = -1,
	.nsrc = -1, .auxlen = -1, .type = -1, .mrc = -1, .mtu = 1500,
	.hosts = 1000, .groups = 256, .srcs = 50,
};

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "Usage: igmpgen -i IFNAME [options] COMMAND [ARGS...]\n"
	    "Commands:\n"
	    "  query [GROUP [SOURCE...]]   general or specific query\n"
	    "  report1 GROUP | report2 GROUP | leave GROUP\n"
	    "  report3 TYPE:GROUP[+N][:SRC[,SRC...]]...\n"
	    "  flood RATE SECONDS GROUP    spoofed v3 reports (--hosts N "
	    "--groups N --srcs N)\n"
	    "  join N GROUP                hold N kernel memberships\n"
	    "  filter include|exclude GROUP [SRC...]  hold a source filter\n"
	    "  block GROUP SRC...          filter exclude\n"
	    "  listen                      print IGMP seen on IFNAME\n"
	    "Options:\n"
	    "  -i IFNAME      interface (required)\n"
	    "  -S ADDR        IP source (default: the interface's address)\n"
	    "  -D ADDR        IP destination (default: per message type)\n"
	    "  -s SOURCE      join: source-specific joins\n"
	    "  -v 1|2|3       query version (default 3)\n"
	    "  -m MS          query max response time (default 10000, "
	    "specific 1000)\n"
	    "  -r QRV         query robustness (default 2)\n"
	    "  -q SEC         query QQI (default 125)\n"
	    "  -F             query S flag\n"
	    "  -c N           send N copies (default 1)\n"
	    "  -w SEC         wait between copies (default 0)\n"
	    "  -d SEC         join/filter/listen: stop after SEC\n"
	    "  -n N           listen: stop after N messages\n"
	    "  -R FILE        create FILE once ready\n"
	    "  -U GROUP       listen: also print UDP datagrams to GROUP\n"
	    "  -Q             quiet\n"
	    "  --ttl N --no-ra --ra-len N --bad-cksum --truncate N --pad N\n"
	    "  --nrec N --nsrc N --auxlen N --type N --mrc N --mtu N --loop\n");
}

static long
num(const char *s, long min, long max, const char *what)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 0);
	if (errno || end == s || *end || v < min || v > max) {
		fprintf(stderr, "igmpgen: bad %s: %s\n", what, s);
		exit(EX_USAGE);
	}
	return v;
}

static double
fnum(const char *s, const char *what)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || v < 0) {
		fprintf(stderr, "igmpgen: bad %s: %s\n", what, s);
		exit(EX_USAGE);
	}
	return v;
}

static void
addr4(const char *s, struct inet_addr *a, const char *what)
{
	if (inet_pton_any(s, a) || a->family != AF_INET) {
		fprintf(stderr, "igmpgen: bad %s: %s\n", what, s);
		exit(EX_USAGE);
	}
}

static const char *
astr(const struct inet_addr *a)
{
	static char buf[4][INET6_ADDRSTRLEN];
	static int n;

	n = (n + 1) % 4;
	return inet_str(a, buf[n], sizeof(buf[n]));
}

static void
ready(void)
{
	int fd;

	if (!o.ready)
		return;
	fd = open(o.ready, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0) {
		fprintf(stderr, "igmpgen: %s: %s\n", o.ready, strerror(errno));
		exit(1);
	}
	close(fd);
}

static double
now_sec(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Wait for a signal or the -d deadline (polled: no pause() race). */
static void
hold(void)
{
	double end = now_sec(CLOCK_MONOTONIC) + o.duration;

	while (!stop) {
		double left = o.duration > 0 ? end - now_sec(CLOCK_MONOTONIC) :
		    1;

		if (left <= 0)
			break;
		poll(NULL, 0, left > 0.1 ? 100 : (int)(left * 1000) + 1);
	}
}

/* The interface's first IPv4 address, for the default source. */
static void
if_addr(void)
{
	struct ifaddrs *ifa, *i;

	if (getifaddrs(&ifa))
		return;
	for (i = ifa; i; i = i->ifa_next) {
		if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET ||
		    strcmp(i->ifa_name, o.ifname))
			continue;
		inet_from_sa(&o.src, i->ifa_addr);
		o.have_src = true;
		break;
	}
	freeifaddrs(ifa);
}

/* ------------------------------------------------------------ sending */

static int sfd = -1;

static void
send_open(void)
{
	struct ip_mreqn mreq;
	int on = 1, loop = o.loop;

	sfd = socket(AF_INET, SOCK_RAW, IPPROTO_IGMP);
	if (sfd < 0) {
		perror("igmpgen: raw socket");
		exit(1);
	}
	memset(&mreq, 0, sizeof(mreq));
	mreq.imr_ifindex = o.ifindex;
	if (setsockopt(sfd, IPPROTO_IP, IP_HDRINCL, &on, sizeof(on)) ||
	    setsockopt(sfd, IPPROTO_IP, IP_MULTICAST_IF, &mreq,
	    sizeof(mreq)) ||
	    setsockopt(sfd, IPPROTO_IP, IP_MULTICAST_LOOP, &loop,
	    sizeof(loop)) ||
	    setsockopt(sfd, SOL_SOCKET, SO_BINDTODEVICE, o.ifname,
	    (socklen_t)strlen(o.ifname) + 1)) {
		perror("igmpgen: setsockopt");
		exit(1);
	}
}

static size_t
ip_hlen(void)
{
	size_t h = 20;

	if (!o.no_ra)
		h += ((size_t)o.ra_len + 3) / 4 * 4;
	return h;
}

/* The IPv4 header with the options asked for; the kernel fixes the rest. */
static void
ip_header(uint8_t *b, size_t hlen, size_t msglen, const struct inet_addr *dst)
{
	size_t total = hlen + msglen;
	uint16_t sum;

	memset(b, 0, hlen);
	b[0] = (uint8_t)(0x40 | hlen / 4);
	b[1] = 0xc0;
	b[2] = (uint8_t)(total >> 8);
	b[3] = (uint8_t)total;
	b[8] = (uint8_t)o.ttl;
	b[9] = IPPROTO_IGMP;
	if (o.have_src)
		memcpy(b + 12, o.src.u.bytes, 4);
	memcpy(b + 16, dst->u.bytes, 4);
	if (!o.no_ra) {
		/* Router Alert, value 0; EOL (0) pads to the word. */
		b[20] = IPOPT_RA_TYPE;
		b[21] = (uint8_t)o.ra_len;
	}
	sum = cksum_in(b, hlen);
	b[10] = (uint8_t)(sum >> 8);
	b[11] = (uint8_t)sum;
}

static void
put16(uint8_t *p, long v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/*
 * Mutate the encoded message at m (len octets, room for BUFLEN) and
 * return the length to send.  off_nsrc: where the source count lives
 * (0: none).
 */
static size_t
mutate(uint8_t *m, size_t len, size_t off_nsrc, bool v3report)
{
	uint16_t sum;

	if (o.type >= 0)
		m[0] = (uint8_t)o.type;
	if (o.mrc >= 0)
		m[1] = (uint8_t)o.mrc;
	if (o.nrec >= 0 && v3report && len >= 8)
		put16(m + 6, o.nrec);
	if (o.nsrc >= 0 && off_nsrc && len >= off_nsrc + 2)
		put16(m + off_nsrc, o.nsrc);
	if (o.auxlen >= 0 && v3report && len >= 10)
		m[9] = (uint8_t)o.auxlen;
	if (o.pad > 0) {
		memset(m + len, 0, (size_t)o.pad);
		len += (size_t)o.pad;
	}
	if (o.truncate >= 0 && (size_t)o.truncate < len)
		len = (size_t)o.truncate;
	if (len >= 4) {
		m[2] = m[3] = 0;
		sum = cksum_in(m, len);
		if (o.bad_cksum)
			sum ^= 0x0101;	/* never congruent to the right one */
		m[2] = (uint8_t)(sum >> 8);
		m[3] = (uint8_t)sum;
	}
	return len;
}

static const char *
type_name(uint8_t t)
{
	switch (t) {
	case IGMP_MEMBERSHIP_QUERY:
		return "query";
	case IGMP_V1_REPORT:
		return "report_v1";
	case IGMP_V2_REPORT:
		return "report_v2";
	case IGMP_V2_LEAVE:
		return "leave";
	case IGMP_V3_REPORT:
		return "report_v3";
	}
	return "other";
}

/* Send the message at buf + ip_hlen() (msglen octets) -c times. */
static int
send_msg(uint8_t *buf, size_t msglen, const struct inet_addr *dst)
{
	size_t hlen = ip_hlen();
	struct sockaddr_storage ss;
	socklen_t sl;
	long i;

	ip_header(buf, hlen, msglen, dst);
	sl = inet_to_sa(dst, &ss, 0);
	for (i = 0; i < o.count && !stop; i++) {
		if (i > 0 && o.interval > 0)
			poll(NULL, 0, (int)(o.interval * 1000));
		if (sendto(sfd, buf, hlen + msglen, 0, (struct sockaddr *)&ss,
		    sl) < 0) {
			fprintf(stderr, "igmpgen: sendto %s: %s\n", astr(dst),
			    strerror(errno));
			return -1;
		}
	}
	if (!o.quiet)
		printf("sent type=%s len=%zu src=%s dst=%s ttl=%d ra=%d "
		    "count=%ld\n", type_name(buf[hlen]), msglen,
		    o.have_src ? astr(&o.src) : "auto", astr(dst), o.ttl,
		    !o.no_ra, o.count);
	return 0;
}

static int
cmd_query(int ac, char **av)
{
	static uint8_t buf[BUFLEN];
	static struct inet_addr srcs[MAXSRC];
	size_t hlen = ip_hlen();
	struct pkt_query_tx q;
	struct inet_addr dst;
	ssize_t n;
	int i;

	memset(&q, 0, sizeof(q));
	q.version = (uint8_t)o.version;
	inet_any(&q.group, AF_INET);
	if (ac > 0)
		addr4(av[0], &q.group, "group");
	for (i = 1; i < ac; i++) {
		if (i > MAXSRC) {
			fprintf(stderr, "igmpgen: too many sources\n");
			return EX_USAGE;
		}
		addr4(av[i], &srcs[i - 1], "source");
	}
	q.src = srcs;
	q.nsrc = ac > 1 ? (size_t)ac - 1 : 0;
	q.mrt_ms = o.mrt_ms >= 0 ? (uint32_t)o.mrt_ms :
	    inet_is_any(&q.group) ? 10000 : 1000;
	q.sflag = o.sflag;
	q.qrv = (uint8_t)o.qrv;
	q.qqi = (uint32_t)o.qqi;
	n = igmp_query_encode(buf + hlen, BUFLEN - hlen - (size_t)o.pad, &q);
	if (n < 0) {
		fprintf(stderr, "igmpgen: cannot encode the query: %s\n",
		    strerror(errno));
		return EX_USAGE;
	}
	if (o.have_dst)
		dst = o.dst;
	else if (inet_is_any(&q.group))
		inet_pton_any("224.0.0.1", &dst);
	else
		dst = q.group;
	n = (ssize_t)mutate(buf + hlen, (size_t)n, o.version == 3 ? 10 : 0,
	    false);
	return send_msg(buf, (size_t)n, &dst) ? 1 : 0;
}

static int
cmd_report12(enum pkt_type type, int ac, char **av)
{
	static uint8_t buf[BUFLEN];
	size_t hlen = ip_hlen();
	struct inet_addr grp, dst;
	ssize_t n;

	if (ac != 1) {
		usage(stderr);
		return EX_USAGE;
	}
	addr4(av[0], &grp, "group");
	n = igmp_report_encode(buf + hlen, BUFLEN - hlen - (size_t)o.pad,
	    type, &grp);
	if (n < 0) {
		fprintf(stderr, "igmpgen: cannot encode: %s\n",
		    strerror(errno));
		return EX_USAGE;
	}
	if (o.have_dst)
		dst = o.dst;
	else if (type == PKT_LEAVE_V2)
		inet_pton_any("224.0.0.2", &dst);
	else
		dst = grp;
	n = (ssize_t)mutate(buf + hlen, (size_t)n, 0, false);
	return send_msg(buf, (size_t)n, &dst) ? 1 : 0;
}

static const struct {
	const char	*name;
	uint8_t		 type;
} rtypes[] = {
	{ "is_in", PKT_MODE_IS_INCLUDE }, { "is_ex", PKT_MODE_IS_EXCLUDE },
	{ "to_in", PKT_CHANGE_TO_INCLUDE }, { "to_ex", PKT_CHANGE_TO_EXCLUDE },
	{ "allow", PKT_ALLOW_NEW_SOURCES }, { "block", PKT_BLOCK_OLD_SOURCES },
};

/* TYPE:GROUP[+N][:SRC[,SRC...]] into *nrec records from recs[*nrec]. */
static void
parse_rec(char *spec, struct pkt_rec_tx *recs, size_t *nrec,
    struct inet_addr *srcs, size_t *nsrcs)
{
	char *type = spec, *grp, *list, *plus, *s;
	struct pkt_rec_tx r;
	long i, rep = 1;
	size_t k;

	memset(&r, 0, sizeof(r));
	if (!(grp = strchr(type, ':'))) {
		fprintf(stderr, "igmpgen: record without group: %s\n", spec);
		exit(EX_USAGE);
	}
	*grp++ = 0;
	if ((list = strchr(grp, ':')))
		*list++ = 0;
	if ((plus = strchr(grp, '+'))) {
		*plus++ = 0;
		rep = num(plus, 1, MAXREC, "record repeat");
	}
	for (k = 0; k < sizeof(rtypes) / sizeof(rtypes[0]); k++)
		if (!strcasecmp(type, rtypes[k].name))
			break;
	r.type = k < sizeof(rtypes) / sizeof(rtypes[0]) ? rtypes[k].type :
	    (uint8_t)num(type, 0, 255, "record type");
	addr4(grp, &r.group, "group");
	r.src = &srcs[*nsrcs];
	for (s = list ? strtok(list, ",") : NULL; s; s = strtok(NULL, ",")) {
		if (*nsrcs >= MAXSRC) {
			fprintf(stderr, "igmpgen: too many sources\n");
			exit(EX_USAGE);
		}
		addr4(s, &srcs[(*nsrcs)++], "source");
		r.nsrc++;
	}
	for (i = 0; i < rep; i++) {
		if (*nrec >= MAXREC) {
			fprintf(stderr, "igmpgen: too many records\n");
			exit(EX_USAGE);
		}
		recs[(*nrec)++] = r;
		inet_add(&r.group, 1);
	}
}

static int
cmd_report3(int ac, char **av)
{
	static uint8_t buf[BUFLEN];
	static struct pkt_rec_tx recs[MAXREC];
	static struct inet_addr srcs[MAXSRC];
	size_t hlen = ip_hlen(), nrec = 0, nsrcs = 0, i, j, size, room;
	struct inet_addr dst;
	ssize_t n;
	int k;

	for (k = 0; k < ac; k++)
		parse_rec(av[k], recs, &nrec, srcs, &nsrcs);
	if (o.have_dst)
		dst = o.dst;
	else
		inet_pton_any("224.0.0.22", &dst);
	room = (size_t)o.mtu > hlen + 8 ? (size_t)o.mtu - hlen - 8 : 0;
	/* Pack the records into as few reports as fit --mtu. */
	for (i = 0; i < nrec || (nrec == 0 && i == 0); i = j) {
		size = 0;
		for (j = i; j < nrec; j++) {
			size_t rs = 8 + 4 * recs[j].nsrc;

			if (j > i && size + rs > room)
				break;
			size += rs;
		}
		n = igmp_report3_encode(buf + hlen, BUFLEN - hlen -
		    (size_t)o.pad, &recs[i], j - i);
		if (n < 0) {
			fprintf(stderr, "igmpgen: cannot encode: %s\n",
			    strerror(errno));
			return EX_USAGE;
		}
		n = (ssize_t)mutate(buf + hlen, (size_t)n, 10, true);
		if (send_msg(buf, (size_t)n, &dst))
			return 1;
		if (nrec == 0)
			break;
	}
	return 0;
}

/*
 * flood RATE SECONDS GROUP: paced in 1 ms slots, so that the rate holds
 * within a few per cent whatever the scheduler does.
 */
static int
cmd_flood(int ac, char **av)
{
	static uint8_t buf[BUFLEN];
	static struct inet_addr srcs[4][MAXSRC];
	struct pkt_rec_tx recs[4];
	struct inet_addr grp, base, dst;
	size_t hlen = ip_hlen();
	double rate, secs, t0, now;
	uint32_t g0, b0;
	long sent = 0, due, i, k;
	ssize_t n;
	int r;

	if (ac != 3) {
		usage(stderr);
		return EX_USAGE;
	}
	rate = fnum(av[0], "rate");
	secs = fnum(av[1], "seconds");
	addr4(av[2], &grp, "group");
	if (o.srcs > 360 / 4)
		o.srcs = 360 / 4;	/* 4 records in one 1500-byte packet */
	base = o.src;
	memcpy(&g0, grp.u.bytes, 4);
	memcpy(&b0, base.u.bytes, 4);
	g0 = ntohl(g0);
	b0 = ntohl(b0);
	inet_pton_any("224.0.0.22", &dst);
	srandom((unsigned)getpid());
	t0 = now_sec(CLOCK_MONOTONIC);
	while (!stop && (now = now_sec(CLOCK_MONOTONIC)) - t0 < secs) {
		due = (long)((now - t0) * rate) + 1;
		for (; sent < due && !stop; sent++) {
			uint32_t h = htonl(b0 + (uint32_t)(random() % o.hosts));

			for (r = 0; r < 4; r++) {
				uint32_t g = htonl(g0 + (uint32_t)(random() %
				    o.groups));

				recs[r].type = (uint8_t)(random() % 6 + 1);
				inet_any(&recs[r].group, AF_INET);
				memcpy(recs[r].group.u.bytes, &g, 4);
				for (k = 0; k < o.srcs; k++) {
					inet_any(&srcs[r][k], AF_INET);
					srcs[r][k].u.bytes[0] = 10;
					srcs[r][k].u.bytes[1] = 200;
					srcs[r][k].u.bytes[2] =
					    (uint8_t)random();
					srcs[r][k].u.bytes[3] =
					    (uint8_t)(random() % 254 + 1);
				}
				recs[r].src = srcs[r];
				recs[r].nsrc = (size_t)o.srcs;
				recs[r].auxlen = 0;
			}
			n = igmp_report3_encode(buf + hlen, BUFLEN - hlen,
			    recs, 4);
			if (n < 0)
				return 1;
			n = (ssize_t)mutate(buf + hlen, (size_t)n, 10, true);
			memcpy(o.src.u.bytes, &h, 4);
			o.have_src = true;
			o.count = 1;
			i = o.quiet;
			o.quiet = true;
			if (send_msg(buf, (size_t)n, &dst) && errno != ENOBUFS)
				return 1;
			o.quiet = i;
		}
		poll(NULL, 0, 1);
	}
	now = now_sec(CLOCK_MONOTONIC) - t0;
	printf("flood sent=%ld seconds=%.3f rate=%.0f\n", sent, now,
	    now > 0 ? sent / now : 0);
	return 0;
}

/* ------------------------------------------------------- memberships */

static void
group_sa(struct sockaddr_storage *ss, const struct inet_addr *a)
{
	memset(ss, 0, sizeof(*ss));
	inet_to_sa(a, ss, 0);
}

static int
cmd_join(int ac, char **av, const char *ssm)
{
	struct inet_addr grp, src;
	long n, i, joined = 0;
	int *fds, nfd = 0, fd = -1;

	if (ac != 2) {
		usage(stderr);
		return EX_USAGE;
	}
	n = num(av[0], 1, 1000000, "count");
	addr4(av[1], &grp, "group");
	if (ssm)
		addr4(ssm, &src, "source");
	if (!(fds = calloc((size_t)n, sizeof(*fds))))
		return 1;
	for (i = 0; i < n; i++) {
		int tries;

		for (tries = 0; tries < 2; tries++) {
			int rc;

			if (fd < 0) {
				fd = socket(AF_INET, SOCK_DGRAM, 0);
				if (fd < 0) {
					perror("igmpgen: socket");
					return 1;
				}
				fds[nfd++] = fd;
			}
			if (ssm) {
				struct group_source_req gsr;

				memset(&gsr, 0, sizeof(gsr));
				gsr.gsr_interface = (uint32_t)o.ifindex;
				group_sa(&gsr.gsr_group, &grp);
				group_sa(&gsr.gsr_source, &src);
				rc = setsockopt(fd, IPPROTO_IP,
				    MCAST_JOIN_SOURCE_GROUP, &gsr, sizeof(gsr));
			} else {
				struct group_req gr;

				memset(&gr, 0, sizeof(gr));
				gr.gr_interface = (uint32_t)o.ifindex;
				group_sa(&gr.gr_group, &grp);
				rc = setsockopt(fd, IPPROTO_IP,
				    MCAST_JOIN_GROUP, &gr, sizeof(gr));
			}
			if (!rc)
				break;
			/* Per-socket limit (igmp_max_memberships): next. */
			if (errno == ENOBUFS && tries == 0) {
				fd = -1;
				continue;
			}
			fprintf(stderr, "igmpgen: join %s: %s\n", astr(&grp),
			    strerror(errno));
			return 1;
		}
		joined++;
		inet_add(&grp, 1);
	}
	printf("joined=%ld sockets=%d\n", joined, nfd);
	fflush(stdout);
	ready();
	hold();
	for (i = 0; i < nfd; i++)
		close(fds[i]);
	free(fds);
	return 0;
}

static int
cmd_filter(int ac, char **av, uint32_t mode)
{
	static struct sockaddr_storage sl[MAXSRC];
	struct sockaddr_storage gs;
	struct inet_addr grp, a;
	struct group_req gr;
	int fd, i, n = 0;

	if (ac < 1) {
		usage(stderr);
		return EX_USAGE;
	}
	addr4(av[0], &grp, "group");
	for (i = 1; i < ac && n < MAXSRC; i++) {
		addr4(av[i], &a, "source");
		group_sa(&sl[n++], &a);
	}
	if ((fd = socket(AF_INET, SOCK_DGRAM, 0)) < 0) {
		perror("igmpgen: socket");
		return 1;
	}
	group_sa(&gs, &grp);
	if (mode == MCAST_INCLUDE) {
		/* One source-specific join each: never ASM in between. */
		for (i = 0; i < n; i++) {
			struct group_source_req gsr;

			memset(&gsr, 0, sizeof(gsr));
			gsr.gsr_interface = (uint32_t)o.ifindex;
			gsr.gsr_group = gs;
			gsr.gsr_source = sl[i];
			if (setsockopt(fd, IPPROTO_IP, MCAST_JOIN_SOURCE_GROUP,
			    &gsr, sizeof(gsr))) {
				perror("igmpgen: MCAST_JOIN_SOURCE_GROUP");
				return 1;
			}
		}
	} else {
		memset(&gr, 0, sizeof(gr));
		gr.gr_interface = (uint32_t)o.ifindex;
		gr.gr_group = gs;
		if (setsockopt(fd, IPPROTO_IP, MCAST_JOIN_GROUP, &gr,
		    sizeof(gr))) {
			perror("igmpgen: MCAST_JOIN_GROUP");
			return 1;
		}
		if (setsourcefilter(fd, (uint32_t)o.ifindex,
		    (struct sockaddr *)&gs, sizeof(struct sockaddr_in),
		    MCAST_EXCLUDE, (uint32_t)n, sl)) {
			perror("igmpgen: setsourcefilter");
			return 1;
		}
	}
	printf("filter=%s group=%s sources=%d\n", mode == MCAST_INCLUDE ?
	    "include" : "exclude", astr(&grp), n);
	fflush(stdout);
	ready();
	hold();
	close(fd);
	return 0;
}

/* --------------------------------------------------------- listening */

static void
print_srcs(const struct pkt_srcs *s)
{
	struct inet_addr a;
	size_t i;

	for (i = 0; pkt_srcs_get(s, i, &a); i++)
		printf("%s%s", i ? "," : ":", astr(&a));
}

static void
print_msg(const uint8_t *pkt, size_t len, double t0, bool out,
    const struct timespec *rxts)
{
	struct pkt_msg m;
	struct timespec ts;
	enum pkt_drop d;

	ts = *rxts;
	d = igmp_decode(&m, pkt, len, PKT_RX_RA_NONE);
	printf("t=%ld ts=%lld%09ld dir=%s src=%s dst=%s ttl=%d ra=%d len=%zu",
	    (long)((now_sec(CLOCK_MONOTONIC) - t0) * 1000),
	    (long long)ts.tv_sec, ts.tv_nsec, out ? "out" : "in",
	    astr(&m.src), astr(&m.dst),
	    len > 8 ? pkt[8] : -1, m.ra, m.msglen);
	if (d != PKT_OK) {
		printf(" type=drop reason=%s\n", pkt_drop_key(d));
		return;
	}
	switch (m.type) {
	case PKT_QUERY:
		printf(" type=query version=%d group=%s mrt_ms=%u qrv=%u "
		    "qqi=%u s=%d srcs=%u", m.version, astr(&m.group),
		    m.q.mrt_ms, m.q.qrv, m.q.qqi, m.q.sflag, m.q.srcs.n);
		if (m.q.srcs.n) {
			printf(" qsrc");
			print_srcs(&m.q.srcs);
		}
		break;
	case PKT_REPORT_V1:
	case PKT_REPORT_V2:
	case PKT_LEAVE_V2:
		printf(" type=%s group=%s", m.type == PKT_LEAVE_V2 ? "leave" :
		    m.type == PKT_REPORT_V1 ? "report_v1" : "report_v2",
		    astr(&m.group));
		break;
	case PKT_REPORT_V3: {
		struct pkt_rec_iter it;
		struct pkt_rec r;

		printf(" type=report_v3 nrec=%u", m.nrec);
		pkt_rec_iter_init(&it, &m);
		while (pkt_rec_next(&it, &r)) {
			printf(" rec=%s:%s", pkt_rec_name(r.type),
			    astr(&r.group));
			print_srcs(&r.srcs);
		}
		break;
	}
	case PKT_MRD_ADVERT:
		printf(" type=mrd_advert interval=%u qi=%u rv=%u",
		    m.mrd_interval, m.mrd_qi, m.mrd_rv);
		break;
	case PKT_MRD_SOLICIT:
		printf(" type=mrd_solicit");
		break;
	case PKT_MRD_TERMINATE:
		printf(" type=mrd_terminate");
		break;
	}
	printf("\n");
}

/* A datagram to the -U group: mcsend's sequence number if it has one. */
static void
print_udp(const uint8_t *pkt, size_t len, double t0, bool out,
    const struct timespec *rxts)
{
	size_t hlen = (size_t)(pkt[0] & 0x0f) * 4;
	const uint8_t *d = pkt + hlen + 8;
	struct inet_addr s, g;
	struct timespec ts;
	long seq = -1;
	uint64_t ssec = 0;
	uint32_t snsec = 0;
	int i;

	ts = *rxts;
	inet_any(&s, AF_INET);
	inet_any(&g, AF_INET);
	memcpy(s.u.bytes, pkt + 12, 4);
	memcpy(g.u.bytes, pkt + 16, 4);
	if (len >= hlen + 8 + 8 && !memcmp(d, "MCT1", 4))
		seq = (long)((uint32_t)d[4] << 24 | (uint32_t)d[5] << 16 |
		    (uint32_t)d[6] << 8 | d[7]);
	/* mcsend's own time of sending: seconds (64 bits), nanoseconds. */
	if (seq >= 0 && len >= hlen + 8 + 20) {
		for (i = 0; i < 8; i++)
			ssec = ssec << 8 | d[8 + i];
		for (i = 0; i < 4; i++)
			snsec = snsec << 8 | d[16 + i];
	}
	printf("t=%ld ts=%lld%09ld dir=%s src=%s dst=%s ttl=%d type=udp "
	    "seq=%ld sts=%llu%09u\n",
	    (long)((now_sec(CLOCK_MONOTONIC) - t0) * 1000),
	    (long long)ts.tv_sec, ts.tv_nsec, out ? "out" : "in", astr(&s),
	    astr(&g), pkt[8], seq, (unsigned long long)ssec, snsec);
}

static int
cmd_listen(void)
{
	static uint8_t buf[BUFLEN];
	struct sockaddr_ll sll;
	double t0 = now_sec(CLOCK_MONOTONIC), end = t0 + o.duration;
	long seen = 0;
	int fd, one = 1;
	char cbuf[CMSG_SPACE(sizeof(struct timespec))];
	struct timespec rxts;
	struct cmsghdr *cm;
	struct msghdr msg;
	struct iovec iov;

	/* ETH_P_ALL: only taps for all protocols see what the host sends. */
	fd = socket(AF_PACKET, SOCK_DGRAM, htons(ETH_P_ALL));
	if (fd < 0) {
		perror("igmpgen: packet socket");
		return 1;
	}
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = o.ifindex;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll))) {
		perror("igmpgen: bind");
		return 1;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one)))
		perror("igmpgen: SO_TIMESTAMPNS");
	setvbuf(stdout, NULL, _IOLBF, 0);
	ready();
	while (!stop && (!o.maxmsg || seen < o.maxmsg)) {
		struct pollfd pfd = { fd, POLLIN, 0 };
		socklen_t sl = sizeof(sll);
		int tmo = 100;
		ssize_t n;
		bool out;

		if (o.duration > 0) {
			double left = end - now_sec(CLOCK_MONOTONIC);

			if (left <= 0)
				break;
			if (left < 0.1)
				tmo = (int)(left * 1000) + 1;
		}
		if (poll(&pfd, 1, tmo) <= 0)
			continue;
		iov.iov_base = buf;
		iov.iov_len = sizeof(buf);
		memset(&msg, 0, sizeof(msg));
		msg.msg_name = &sll;
		msg.msg_namelen = sl;
		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
		msg.msg_control = cbuf;
		msg.msg_controllen = sizeof(cbuf);
		n = recvmsg(fd, &msg, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			perror("igmpgen: recvmsg");
			return 1;
		}
		/* The kernel's time of arrival, not this process's. */
		clock_gettime(CLOCK_REALTIME, &rxts);
		for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm))
			if (cm->cmsg_level == SOL_SOCKET &&
			    cm->cmsg_type == SCM_TIMESTAMPNS)
				memcpy(&rxts, CMSG_DATA(cm), sizeof(rxts));
		if (n < 20 || sll.sll_protocol != htons(ETH_P_IP))
			continue;
		out = sll.sll_pkttype == PACKET_OUTGOING;
		if (buf[9] == IPPROTO_UDP && o.have_udp &&
		    !memcmp(buf + 16, o.udp.u.bytes, 4)) {
			print_udp(buf, (size_t)n, t0, out, &rxts);
			continue;
		}
		if (buf[9] != IPPROTO_IGMP)
			continue;
		print_msg(buf, (size_t)n, t0, out, &rxts);
		seen++;
	}
	close(fd);
	return 0;
}

/* -------------------------------------------------------------- main */

enum {
	OPT_TTL = 256, OPT_NORA, OPT_RALEN, OPT_BADCK, OPT_TRUNC, OPT_PAD,
	OPT_NREC, OPT_NSRC, OPT_AUX, OPT_TYPE, OPT_MRC, OPT_MTU, OPT_LOOP,
	OPT_HOSTS, OPT_GROUPS, OPT_SRCS,
};

int
main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "ttl", required_argument, NULL, OPT_TTL },
		{ "no-ra", no_argument, NULL, OPT_NORA },
		{ "ra-len", required_argument, NULL, OPT_RALEN },
		{ "bad-cksum", no_argument, NULL, OPT_BADCK },
		{ "truncate", required_argument, NULL, OPT_TRUNC },
		{ "pad", required_argument, NULL, OPT_PAD },
		{ "nrec", required_argument, NULL, OPT_NREC },
		{ "nsrc", required_argument, NULL, OPT_NSRC },
		{ "auxlen", required_argument, NULL, OPT_AUX },
		{ "type", required_argument, NULL, OPT_TYPE },
		{ "mrc", required_argument, NULL, OPT_MRC },
		{ "mtu", required_argument, NULL, OPT_MTU },
		{ "loop", no_argument, NULL, OPT_LOOP },
		{ "hosts", required_argument, NULL, OPT_HOSTS },
		{ "groups", required_argument, NULL, OPT_GROUPS },
		{ "srcs", required_argument, NULL, OPT_SRCS },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *ssm = NULL, *cmd;
	struct sigaction sa;
	int c;

	while ((c = getopt_long(argc, argv, "i:S:D:s:v:m:r:q:Fc:w:d:n:R:U:Qh",
	    lo, NULL)) != -1) {
		switch (c) {
		case 'i': o.ifname = optarg; break;
		case 'S':
			addr4(optarg, &o.src, "source address");
			o.have_src = true;
			break;
		case 'D':
			addr4(optarg, &o.dst, "destination");
			o.have_dst = true;
			break;
		case 's': ssm = optarg; break;
		case 'v': o.version = (int)num(optarg, 1, 3, "version"); break;
		case 'm': o.mrt_ms = num(optarg, 0, 3174400, "mrt"); break;
		case 'r': o.qrv = (int)num(optarg, 0, 255, "qrv"); break;
		case 'q': o.qqi = num(optarg, 0, 31744, "qqi"); break;
		case 'F': o.sflag = true; break;
		case 'c': o.count = num(optarg, 1, 1000000, "count"); break;
		case 'w': o.interval = fnum(optarg, "interval"); break;
		case 'd': o.duration = fnum(optarg, "duration"); break;
		case 'n': o.maxmsg = num(optarg, 1, LONG_MAX, "count"); break;
		case 'R': o.ready = optarg; break;
		case 'U':
			addr4(optarg, &o.udp, "group");
			o.have_udp = true;
			break;
		case 'Q': o.quiet = true; break;
		case OPT_TTL: o.ttl = (int)num(optarg, 0, 255, "ttl"); break;
		case OPT_NORA: o.no_ra = true; break;
		case OPT_RALEN:
			o.ra_len = (int)num(optarg, 2, 40, "ra-len");
			break;
		case OPT_BADCK: o.bad_cksum = true; break;
		case OPT_TRUNC: o.truncate = num(optarg, 0, 65535, "truncate");
			break;
		case OPT_PAD: o.pad = num(optarg, 0, 1400, "pad"); break;
		case OPT_NREC: o.nrec = num(optarg, 0, 65535, "nrec"); break;
		case OPT_NSRC: o.nsrc = num(optarg, 0, 65535, "nsrc"); break;
		case OPT_AUX: o.auxlen = num(optarg, 0, 255, "auxlen"); break;
		case OPT_TYPE: o.type = num(optarg, 0, 255, "type"); break;
		case OPT_MRC: o.mrc = num(optarg, 0, 255, "mrc"); break;
		case OPT_MTU: o.mtu = num(optarg, 68, 65535, "mtu"); break;
		case OPT_LOOP: o.loop = true; break;
		case OPT_HOSTS: o.hosts = num(optarg, 1, 1 << 24, "hosts");
			break;
		case OPT_GROUPS: o.groups = num(optarg, 1, 1 << 24, "groups");
			break;
		case OPT_SRCS: o.srcs = num(optarg, 0, MAXSRC, "srcs"); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return EX_USAGE;
		}
	}
	if (optind >= argc || !o.ifname) {
		usage(stderr);
		return EX_USAGE;
	}
	o.ifindex = (int)if_nametoindex(o.ifname);
	if (!o.ifindex) {
		fprintf(stderr, "igmpgen: no interface %s\n", o.ifname);
		return 1;
	}
	cmd = argv[optind];
	argc -= optind + 1;
	argv += optind + 1;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	if (!strcmp(cmd, "join"))
		return cmd_join(argc, argv, ssm);
	if (!strcmp(cmd, "filter") && argc >= 1 &&
	    (!strcmp(argv[0], "include") || !strcmp(argv[0], "exclude")))
		return cmd_filter(argc - 1, argv + 1,
		    !strcmp(argv[0], "include") ? MCAST_INCLUDE :
		    MCAST_EXCLUDE);
	if (!strcmp(cmd, "block"))
		return cmd_filter(argc, argv, MCAST_EXCLUDE);
	if (!strcmp(cmd, "listen"))
		return cmd_listen();

	if (!o.have_src)
		if_addr();
	if (!strcmp(cmd, "query")) {
		send_open();
		return cmd_query(argc, argv);
	}
	if (!strcmp(cmd, "report1") || !strcmp(cmd, "report2") ||
	    !strcmp(cmd, "leave")) {
		send_open();
		return cmd_report12(!strcmp(cmd, "report1") ? PKT_REPORT_V1 :
		    !strcmp(cmd, "report2") ? PKT_REPORT_V2 : PKT_LEAVE_V2,
		    argc, argv);
	}
	if (!strcmp(cmd, "report3")) {
		send_open();
		return cmd_report3(argc, argv);
	}
	if (!strcmp(cmd, "flood")) {
		send_open();
		return cmd_flood(argc, argv);
	}
	fprintf(stderr, "igmpgen: unknown command %s\n", cmd);
	usage(stderr);
	return EX_USAGE;
}
