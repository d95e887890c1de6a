/*
 * diagctl.c - smcroutectl diagnose, the client's part
 *
 * What the daemon must not do, because it could block its loop, is done
 * here: running nft and iptables-save to read the firewall.  Without a
 * daemon, this is also where the kernel is probed (MRT_INIT, undone at
 * once with MRT_DONE) and, when another process holds the routing
 * table, where that process is found: by its raw IGMP or ICMPv6 socket
 * in /proc/net/raw{,6} and the socket:[INODE] links of /proc/PID/fd.
 */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <linux/mroute.h>
#include <linux/mroute6.h>
#include <event2/buffer.h>

#include "conf.h"
#include "diag.h"
#include "diagctl.h"
#include "log.h"
#include "render.h"

#define HOLDERS_MAX	8		/* processes named in one row */
#define INODES_MAX	64		/* raw sockets of one protocol */
#define PIDS_MAX	65536		/* /proc entries looked at */
#define FDS_MAX		4096		/* descriptors of one process */
#define FW_LINES_MAX	20000		/* ruleset lines classified */
#define RAW_LINES_MAX	4096

/* The inodes of the raw sockets of protocol proto in /proc/net/FILE. */
static int
raw_inodes(const char *file, unsigned int proto, unsigned long *ino, int max)
{
	char path[64], line[512];
	unsigned int p;
	unsigned long i;
	int n = 0, lines = 0;
	FILE *fp;

	snprintf(path, sizeof(path), "/proc/net/%s", file);
	if (!(fp = fopen(path, "re")))
		return 0;
	while (n < max && lines++ < RAW_LINES_MAX &&
	    fgets(line, sizeof(line), fp)) {
		/* sl local:PROTO rem st tx:rx tr:tm retr uid timeout inode */
		if (sscanf(line, " %*d: %*[0-9A-Fa-f]:%x %*s %*x %*s %*s %*s "
		    "%*u %*u %lu", &p, &i) == 2 && p == proto && i)
			ino[n++] = i;
	}
	fclose(fp);
	return n;
}

/* Does process pid hold one of the sockets?  Bounded by FDS_MAX. */
static int
pid_holds(const char *pid, const unsigned long *ino, int nino)
{
	char path[300], link[64], lpath[600];
	struct dirent *de;
	unsigned long i;
	int n = 0, k, found = 0;
	ssize_t len;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%s/fd", pid);
	if (!(dir = opendir(path)))
		return 0;
	while (!found && n++ < FDS_MAX && (de = readdir(dir))) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		snprintf(lpath, sizeof(lpath), "%s/%s", path, de->d_name);
		len = readlink(lpath, link, sizeof(link) - 1);
		if (len <= 0)
			continue;
		link[len] = '\0';
		if (sscanf(link, "socket:[%lu]", &i) != 1)
			continue;
		for (k = 0; k < nino; k++)
			if (ino[k] == i)
				found = 1;
	}
	closedir(dir);
	return found;
}

/*
 * Name the processes holding a raw socket of proto: "comm (pid N), ...".
 * Returns how many were found.
 */
static int
holders(const char *file, unsigned int proto, char *buf, size_t len)
{
	unsigned long ino[INODES_MAX];
	char path[300], comm[64];
	struct dirent *de;
	int nino, n = 0, found = 0;
	size_t off = 0;
	DIR *dir;
	FILE *fp;

	buf[0] = '\0';
	nino = raw_inodes(file, proto, ino, INODES_MAX);
	if (!nino || !(dir = opendir("/proc")))
		return 0;
	while (found < HOLDERS_MAX && n++ < PIDS_MAX && (de = readdir(dir))) {
		if (!isdigit((unsigned char)de->d_name[0]) ||
		    atoi(de->d_name) == (int)getpid())
			continue;
		if (!pid_holds(de->d_name, ino, nino))
			continue;
		snprintf(comm, sizeof(comm), "?");
		snprintf(path, sizeof(path), "/proc/%s/comm", de->d_name);
		if ((fp = fopen(path, "re"))) {
			if (fgets(comm, sizeof(comm), fp))
				comm[strcspn(comm, "\n")] = '\0';
			fclose(fp);
		}
		if (off < len)
			off += snprintf(buf + off, len - off, "%s%s (pid %s)",
			    found ? ", " : "", comm, de->d_name);
		found++;
	}
	closedir(dir);
	return found;
}

/* Who holds the table: a socket row. */
static void
socket_held(struct diag *d, int family)
{
	int v6 = family == AF_INET6;
	const char *fam = v6 ? "ipv6" : "ipv4";
	char who[DIAG_TEXT_LEN - 64], fix[DIAG_TEXT_LEN];
	int n, i;

	n = holders(v6 ? "raw6" : "raw", v6 ? IPPROTO_ICMPV6 : IPPROTO_IGMP,
	    who, sizeof(who));
	if (n == 0) {
		diag_add(d, "socket", fam, DIAG_FAIL, "stop the other "
		    "multicast router (mrouted, pimd, igmpproxy, another "
		    "smcrouted), or use another table (smcrouted -t N)",
		    "held by another process (MRT%s_INIT: address in use), "
		    "not found in /proc (another namespace?)", v6 ? "6" : "");
		return;
	}
	snprintf(fix, sizeof(fix), "stop %s, or run smcrouted on another "
	    "table (-t N)", n == 1 ? "it" : "the one that routes multicast");
	i = d->nrows;
	diag_add(d, "socket", fam, DIAG_FAIL, fix, "held by another process: "
	    "%s%s", who, n > 1 ? " (every raw " : "");
	if (n > 1 && d->nrows > i)
		snprintf(d->rows[d->nrows - 1].seen +
		    strlen(d->rows[d->nrows - 1].seen), 64, "%s socket)",
		    v6 ? "ICMPv6" : "IGMP");
}

/* Without root: the /proc files tell that the kernel has the option. */
static void
kernel_proc(struct diag *d, int family, int uses)
{
	int v6 = family == AF_INET6;
	const char *fam = v6 ? "ipv6" : "ipv4";

	if (access(v6 ? "/proc/net/ip6_mr_vif" : "/proc/net/ip_mr_vif",
	    F_OK) == 0)
		diag_add(d, "kernel", fam, DIAG_OK, NULL, "multicast routing "
		    "present (/proc/net/%s); run as root to check the socket",
		    v6 ? "ip6_mr_vif" : "ip_mr_vif");
	else
		diag_add(d, "kernel", fam, uses ? DIAG_FAIL : DIAG_WARN,
		    v6 ? "a kernel with CONFIG_IPV6_MROUTE" :
		    "a kernel with CONFIG_IP_MROUTE",
		    "no multicast routing (no /proc/net/%s)",
		    v6 ? "ip6_mr_vif" : "ip_mr_vif");
}

/*
 * Take the table and give it back at once: ENOPROTOOPT means the kernel
 * has no multicast routing, EADDRINUSE that somebody holds it.
 */
static void
kernel_probe(struct diag *d, int family, int uses)
{
	int v6 = family == AF_INET6, one = 1, fd, saved;
	const char *fam = v6 ? "ipv6" : "ipv4";
	int level = v6 ? IPPROTO_IPV6 : IPPROTO_IP;

	fd = socket(family, SOCK_RAW | SOCK_CLOEXEC, v6 ? IPPROTO_ICMPV6 :
	    IPPROTO_IGMP);
	if (fd < 0 && (errno == EPERM || errno == EACCES)) {
		kernel_proc(d, family, uses);
		return;
	}
	if (fd < 0) {
		diag_add(d, "kernel", fam, uses ? DIAG_FAIL : DIAG_WARN,
		    v6 ? "a kernel with IPv6" : NULL, "no raw %s socket: %s",
		    v6 ? "ICMPv6" : "IGMP", strerror(errno));
		return;
	}
	if (!setsockopt(fd, level, v6 ? MRT6_INIT : MRT_INIT, &one,
	    sizeof(one))) {
		setsockopt(fd, level, v6 ? MRT6_DONE : MRT_DONE, NULL, 0);
		close(fd);
		diag_add(d, "kernel", fam, DIAG_OK, NULL, "multicast routing "
		    "available (MRT%s_INIT works)", v6 ? "6" : "");
		diag_add(d, "socket", fam, DIAG_OK, NULL, "free: no multicast "
		    "router holds the table");
		return;
	}
	saved = errno;
	close(fd);
	if (saved == EADDRINUSE) {
		diag_add(d, "kernel", fam, DIAG_OK, NULL, "multicast routing "
		    "available");
		socket_held(d, family);
	} else if (saved == ENOPROTOOPT || saved == EOPNOTSUPP) {
		diag_add(d, "kernel", fam, uses ? DIAG_FAIL : DIAG_WARN,
		    v6 ? "a kernel with CONFIG_IPV6_MROUTE" :
		    "a kernel with CONFIG_IP_MROUTE", "no %s multicast routing "
		    "in the kernel (MRT%s_INIT: %s)", v6 ? "IPv6" : "IPv4",
		    v6 ? "6" : "", strerror(saved));
	} else {
		diag_add(d, "kernel", fam, DIAG_WARN, NULL, "MRT%s_INIT: %s",
		    v6 ? "6" : "", strerror(saved));
	}
}

/* Without a daemon: the configuration file, the kernel and the system. */
static void
diagctl_local(struct diag *d, const char *file)
{
	struct diag_need n;
	struct conf *c;
	int rc;

	c = conf_new();
	if (!c) {
		diag_add(d, "config", file, DIAG_FAIL, NULL, "out of memory");
		return;
	}
	log_open("smcroutectl", 0, 1);
	rc = conf_parse_file(c, file);
	if (rc < 0)
		diag_add(d, "config", file, DIAG_WARN, "give the file as "
		    "smcroutectl diagnose FILE", "cannot read it (%s): no "
		    "interfaces to check", strerror(errno));
	else if (rc > 0)
		diag_add(d, "config", file, DIAG_FAIL, "smcrouted -F FILE "
		    "lists them", "%d errors (printed above)", rc);
	else
		diag_add(d, "config", file, DIAG_OK, NULL, "parsed");
	diag_need_conf(&n, rc < 0 ? NULL : c);
	conf_free(c);
	kernel_probe(d, AF_INET, diag_need_family(&n, AF_INET));
	kernel_probe(d, AF_INET6, diag_need_family(&n, AF_INET6));
	if (rc >= 0)
		diag_system(d, &n, NULL);
	else
		diag_kernel_opts(d, &n);
}

/*
 * Run a firewall dump tool and classify what it prints.  The command
 * runs through /bin/sh so that a missing tool is exit 127, bounded by
 * timeout(1); its output is read to the end (so it never blocks on a
 * full pipe) but only FW_LINES_MAX lines are classified.
 */
static void
firewall_tool(struct diag *d, const char *tool, const char *argv, int fmt,
    int family)
{
	char cmd[256], line[1024];
	struct diag_fw fw;
	int lines = 0, st;
	FILE *fp;

	snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1 || exit 127; "
	    "exec timeout 5 %s %s 2>/dev/null", argv, argv,
	    fmt == DIAG_FW_NFT ? "list ruleset" : "");
	fflush(NULL);
	if (!(fp = popen(cmd, "re")))
		return;
	diag_fw_begin(&fw, d, tool, fmt, family);
	while (fgets(line, sizeof(line), fp))
		if (lines++ < FW_LINES_MAX)
			diag_fw_line(&fw, line);
	st = pclose(fp);
	if (st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 127)
		return;			/* not installed: nothing to say */
	if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		diag_add(d, "firewall", tool, DIAG_WARN, "run smcroutectl "
		    "diagnose as root", "cannot read the ruleset (%s%s "
		    "failed)", argv, fmt == DIAG_FW_NFT ? " list ruleset" : "");
		return;
	}
	diag_fw_end(&fw);
}

static void
diagctl_firewall(struct diag *d)
{
	firewall_tool(d, "nftables", "nft", DIAG_FW_NFT, AF_UNSPEC);
	firewall_tool(d, "iptables", "iptables-save", DIAG_FW_IPT, AF_INET);
	firewall_tool(d, "ip6tables", "ip6tables-save", DIAG_FW_IPT,
	    AF_INET6);
}

int
diagctl_run(const char *reply, size_t len, const char *sockpath,
    const char *conf, int json, char **out, char *err, size_t errlen)
{
	struct evbuffer *buf;
	struct diag *d;
	char note[512];
	int rc;
	size_t n;

	d = malloc(sizeof(*d));
	buf = evbuffer_new();
	if (!d || !buf) {
		free(d);
		if (buf)
			evbuffer_free(buf);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	diag_init(d);
	if (reply) {
		diag_decode(d, reply, len);
	} else {
		snprintf(note, sizeof(note), "smcrouted is not running (no %s):"
		    " checking what can be checked without it, on %s",
		    sockpath, conf);
		diagctl_local(d, conf);
	}
	diagctl_firewall(d);
	rc = diag_render(d, json ? RENDER_JSON : 0, reply ? NULL : note,
	    reply != NULL, buf, err, errlen);
	if (rc == 0) {
		rc = diag_worst(d);
		n = evbuffer_get_length(buf);
		*out = malloc(n + 1);
		if (!*out) {
			snprintf(err, errlen, "out of memory");
			rc = -1;
		} else {
			evbuffer_remove(buf, *out, n);
			(*out)[n] = '\0';
		}
	}
	evbuffer_free(buf);
	free(d);
	return rc;
}
