/*
 * smcrouted.c - static multicast routing daemon, compatible with the
 * command line of SMCRoute 2.6
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <libutil.h>
#include <string.h>
#include <event2/event.h>

#include "apply.h"
#include "cmd.h"
#include "conf.h"
#include "evloop.h"
#include "iface.h"
#include "ipc.h"
#include "kern.h"
#include "log.h"
#include "mcgroup.h"
#include "mcsock.h"
#include "metrics.h"
#include "priv.h"
#include "proxy.h"
#include "route.h"
#include "script.h"
#include "sdnotify.h"
#include "stats.h"
#include "ttlprobe.h"

/* Command line settings, read-only after start-up. */
static struct opts {
	const char	*ident;		/* -i NAME */
	const char	*conf;		/* -f FILE */
	const char	*sockpath;	/* -u FILE */
	const char	*pidarg;	/* -P FILE */
	const char	*script;	/* -e CMD */
	const char	*check;		/* -F FILE */
	int		 cache_timeout;	/* -c SEC, 0 = never */
	unsigned int	 learned_max;	/* -C NUM, 0 = no limit */
	uint32_t	 table;		/* -t ID */
	int		 foreground;	/* -n */
	int		 syslog;	/* -s */
	int		 level;		/* -l LEVEL */
	long		 delay;		/* -d SEC */
	int		 lifetime;	/* -D SEC, 0 = forever */
	int		 mrdisc;	/* -m SEC */
	struct metrics_spec metrics;	/* --metrics [ADDR:]PORT */
	int		 metrics_on;
} opts = {
	.ident = "smcroute",
	.cache_timeout = 60,
	.learned_max = ROUTE_LEARNED_MAX,
	.level = LOG_NOTICE,
	.mrdisc = MRDISC_INTERVAL_DEFAULT,
};

static struct pidfh *pidfh;
static char pidpath[PATH_MAX];

static int
usage(int code)
{
	FILE *fp = code ? stderr : stdout;

	fprintf(fp,
"Usage: smcrouted [-hnNsv] [-c SEC] [-C NUM] [-d SEC] [-D SEC] [-e CMD]\n"
"                 [-f FILE] [-F FILE] [-i NAME] [-l LEVEL] [-m SEC] [-P FILE]\n"
"                 [-p USER[:GROUP]] [-t ID] [-u FILE]\n"
"\n"
"  -c SEC    Flush learned (*,G) routes idle for SEC seconds, default 60,\n"
"            0 disables\n"
"  -C NUM    At most NUM learned routes per address family, default %d,\n"
"            0 for no limit\n"
"  -d SEC    Wait SEC seconds before starting up\n"
"  -D SEC    Exit by itself after SEC seconds (for tests and leak checks)\n"
"  -e CMD    Script to call on reload and when a learned route is installed\n"
"  -f FILE   Configuration file, default %s/<NAME>.conf\n"
"  -F FILE   Check configuration file syntax and exit (0 ok, 78 errors)\n"
"  -h        This help text\n"
"  -i NAME   Identity: names the .conf, .pid and .sock files and syslog,\n"
"            default smcroute (-I NAME is the same)\n"
"  -l LEVEL  Log level: none, emerg, alert, crit, err, warning, notice,\n"
"            info, debug; default notice\n"
"  -m SEC    Multicast router discovery (phyint IF mrdisc) interval,\n"
"            4-180, default 20\n"
"  -n        Run in the foreground, log to stderr\n"
"  -N        No effect: interfaces get a VIF/MIF only when used\n"
"  -p USER[:GROUP]  Run as USER (GROUP, default USER's group) after\n"
"            start-up, keeping only CAP_NET_ADMIN and CAP_NET_RAW\n"
"  -P FILE   PID file, default %s/<NAME>.pid\n"
"  -s        Log to syslog, also in the foreground\n"
"  -t ID     Use multicast routing table ID\n"
"  -u FILE   IPC socket, default %s/<NAME>.sock\n"
"  -v        Show version and exit\n"
"  --metrics [ADDR:]PORT\n"
"            Serve Prometheus metrics at http://ADDR:PORT/metrics, default\n"
"            ADDR 127.0.0.1 and ::1; an IPv6 ADDR in brackets: [::1]:9100\n",
	    ROUTE_LEARNED_MAX, SYSCONFDIR, RUNSTATEDIR, RUNSTATEDIR);
	return code;
}

static int
read_uint(const char *arg, const char *what, long max, long *val)
{
	char *end;

	errno = 0;
	*val = strtol(arg, &end, 10);
	if (!*arg || *end || errno || *val < 0 || *val > max) {
		fprintf(stderr, "smcrouted: invalid %s: %s\n", what, arg);
		return -1;
	}
	return 0;
}

static int
check_conf(const char *file)
{
	struct conf *c = conf_new();
	int rc;

	if (!c)
		return EX_OSERR;
	log_to_stdout(1);
	log_setlevel(LOG_INFO);
	rc = conf_parse_file(c, file);
	if (rc < 0) {
		printf("%s: %s\n", file, strerror(errno));
		rc = 1;
	}
	conf_free(c);
	return rc ? EX_CONFIG : EX_OK;
}

static void	daemon_ready(void);
static void	daemon_exit(void);

/* Re-read the configuration; 0 if applied, -1 if rejected (err). */
static int
daemon_reload(char *err, size_t errlen)
{
	struct conf *c = conf_new();
	int rc;

	if (!c) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	log_notice("Reloading configuration %s", opts.conf);
	{
		struct timespec ts;
		char msg[160];

		/* MONOTONIC_USEC lets Type=notify-reload units match it. */
		clock_gettime(CLOCK_MONOTONIC, &ts);
		snprintf(msg, sizeof(msg), "RELOADING=1\nMONOTONIC_USEC=%llu\n"
		    "STATUS=Reloading configuration, please wait ...",
		    (unsigned long long)ts.tv_sec * 1000000ULL +
		    (unsigned long long)ts.tv_nsec / 1000);
		sdnotify(msg);
	}
	rc = conf_parse_file(c, opts.conf);
	if (rc) {
		if (rc < 0)
			snprintf(err, errlen, "cannot read %s: %s", opts.conf,
			    strerror(errno));
		else
			snprintf(err, errlen, "%s: %d error%s, keeping the "
			    "running configuration", opts.conf, rc,
			    rc == 1 ? "" : "s");
		log_warnx("%s", err);
		conf_free(c);
		stats_reload(false);
		daemon_ready();
		return -1;
	}
	apply_conf(c);
	stats_reload(true);
	/*
	 * Finit and others take a fresh pid file mtime as the ack.  The
	 * same bytes as pidfile_write()'s go again through the open
	 * descriptor: that needs no right on the file, which is root's
	 * after -p (utimensat() would need to own it or write to it).
	 */
	if (pidfh) {
		char pid[16];
		int n = snprintf(pid, sizeof(pid), "%u", (unsigned)getpid());

		if (pwrite(pidfile_fileno(pidfh), pid, (size_t)n, 0) != n)
			log_warn("Cannot touch pid file %s", pidpath);
	}
	script_run("reload", NULL, NULL, NULL);
	log_notice("Configuration reloaded");
	daemon_ready();
	return 0;
}

/* Tell systemd (Type=notify) we serve; also after each reload. */
static void
daemon_ready(void)
{
	char msg[192];
	struct route *r;
	struct mfc *m;
	struct mcgroup *g;
	unsigned int nr = 0, nm = 0, ng = 0;

	/* systemctl status shows the last STATUS= line. */
	for (r = route_first(); r; r = route_next(r))
		nr++;
	for (m = mfc_first(); m; m = mfc_next(m))
		nm++;
	for (g = mcgroup_first(); g; g = mcgroup_next(g))
		ng++;
	snprintf(msg, sizeof(msg), "READY=1\nSTATUS=Ready: %u route%s, %u "
	    "kernel entr%s, %u group%s\nMAINPID=%d", nr, nr == 1 ? "" : "s",
	    nm, nm == 1 ? "y" : "ies", ng, ng == 1 ? "" : "s", (int)getpid());
	sdnotify(msg);
}

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	char err[256];

	(void)what;
	(void)arg;
	switch (sig) {
	case SIGHUP:
		daemon_reload(err, sizeof(err));
		break;
	case SIGCHLD:
		script_reap();
		break;
	default:
		log_notice("Exiting on signal %d", (int)sig);
		daemon_exit();
		break;
	}
}

static void
daemon_exit(void)
{
	event_base_loopbreak(evbase);
}

/*
 * Take the routing table of each family the kernel can route.  A
 * family the kernel lacks is said once, with the option it needs; with
 * neither there is nothing to do, as with a table held by another
 * router: exit 69.
 */
static void
kern_start(void)
{
	static const struct {
		int		 family;
		const char	*name;
		const char	*option;
	} fam[] = {
		{ AF_INET, "IPv4", "CONFIG_IP_MROUTE" },
		{ AF_INET6, "IPv6", "CONFIG_IPV6_MROUTE" },
	};
	size_t i;
	int up = 0;

	for (i = 0; i < sizeof(fam) / sizeof(fam[0]); i++) {
		if (!kern_init(fam[i].family, opts.table, route_upcall)) {
			up++;
			continue;
		}
		switch (errno) {
		case EADDRINUSE:
			fatalx(EX_UNAVAILABLE, "%s multicast routing table %u "
			    "is already in use: is another multicast routing "
			    "daemon (igmpproxy, mcproxy, pimd, smcrouted) "
			    "running?  Use -t to choose another table.",
			    fam[i].name, opts.table);
			break;
		case ENOTSUP:
			fatalx(EX_PROTOCOL, "Cannot select %s multicast "
			    "routing table %u: the kernel needs %s_MULTIPLE_"
			    "TABLES", fam[i].name, opts.table, fam[i].option);
			break;
		case ENOPROTOOPT:
			log_notice("This kernel has no %s multicast routing "
			    "(%s is not set): %s routes and groups are off",
			    fam[i].name, fam[i].option, fam[i].name);
			break;
		case EAFNOSUPPORT:
			log_notice("%s is disabled in this kernel: %s routes "
			    "and groups are off", fam[i].name, fam[i].name);
			break;
		default:
			log_warn("Cannot start %s multicast routing, %s routes "
			    "and groups are off", fam[i].name, fam[i].name);
			break;
		}
	}
	if (!up)
		fatalx(EX_UNAVAILABLE, "No multicast routing at all: the "
		    "kernel needs CONFIG_IP_MROUTE or CONFIG_IPV6_MROUTE");
}

static void
pidfile_start(void)
{
	pid_t other;
	int fd, fl;

	pidfh = pidfile_open(pidpath, 0644, &other);
	if (!pidfh) {
		if (errno == EEXIST)
			log_warnx("Another %s is running, pid %d", opts.ident,
			    (int)other);
		else
			log_warn("Cannot create pid file %s", pidpath);
		return;
	}
	/*
	 * libbsd opens it without O_CLOEXEC: an -e child (or anything it
	 * starts) would hold the file and its lock past our exit.
	 */
	fd = pidfile_fileno(pidfh);
	if (fd < 0 || (fl = fcntl(fd, F_GETFD)) < 0 ||
	    fcntl(fd, F_SETFD, fl | FD_CLOEXEC) < 0)
		log_warn("Cannot set close-on-exec on pid file %s", pidpath);
	if (pidfile_write(pidfh))
		log_warn("Cannot write pid file %s", pidpath);
}

/*
 * The command line into opts: -1 to go on, or the exit status (usage,
 * -h, -v).
 */
/* Long options: those SMCRoute 2.6 never had. */
#define OPT_METRICS	256

static int
smcrouted_getopt(int argc, char *argv[], const char *optstring)
{
	static const struct option longopts[] = {
		{ "metrics", required_argument, NULL, OPT_METRICS },
		{ NULL, 0, NULL, 0 },
	};

	return getopt_long(argc, argv, optstring, longopts, NULL);
}

static int
parse_args(int argc, char *argv[])
{
	char err[160];
	long val;
	int ch;

	while ((ch = smcrouted_getopt(argc, argv, "c:C:d:D:e:f:F:hI:i:l:m:nNp:P:st:u:v")) !=
	    -1) {
		switch (ch) {
		case 'c':
			if (read_uint(optarg, "cache timeout", INT_MAX, &val))
				return usage(EX_USAGE);
			opts.cache_timeout = (int)val;
			break;
		case 'C':
			if (read_uint(optarg, "learned route limit", INT_MAX,
			    &val))
				return usage(EX_USAGE);
			opts.learned_max = (unsigned int)val;
			break;
		case 'd':
			if (read_uint(optarg, "start-up delay", 3600,
			    &opts.delay))
				return usage(EX_USAGE);
			break;
		case 'D':
			if (read_uint(optarg, "run time", INT_MAX, &val))
				return usage(EX_USAGE);
			opts.lifetime = (int)val;
			break;
		case 'e':
			opts.script = optarg;
			break;
		case 'f':
			opts.conf = optarg;
			break;
		case 'F':
			opts.check = optarg;
			break;
		case 'h':
			return usage(EX_OK);
		case 'I':
		case 'i':
			if (!*optarg || strchr(optarg, '/')) {
				fprintf(stderr, "smcrouted: invalid name %s\n",
				    optarg);
				return usage(EX_USAGE);
			}
			opts.ident = optarg;
			break;
		case 'l':
			opts.level = log_level_parse(optarg);
			if (opts.level == -2) {
				fprintf(stderr, "smcrouted: invalid log level "
				    "%s\n", optarg);
				return usage(EX_USAGE);
			}
			break;
		case 'm':
			if (read_uint(optarg, "mrdisc interval",
			    MRDISC_INTERVAL_MAX, &val) ||
			    val < MRDISC_INTERVAL_MIN) {
				fprintf(stderr, "smcrouted: mrdisc interval is "
				    "%d-%d seconds\n", MRDISC_INTERVAL_MIN,
				    MRDISC_INTERVAL_MAX);
				return usage(EX_USAGE);
			}
			opts.mrdisc = (int)val;
			break;
		case 'n':
			opts.foreground = 1;
			break;
		case 'N':
			break;
		case 'p': {
			char perr[256];
			int rc;

			/* Looked up now: a typo must not start a daemon. */
			if ((rc = priv_set(optarg, perr, sizeof(perr)))) {
				fprintf(stderr, "smcrouted: %s\n", perr);
				return rc == -2 ? EX_NOUSER : usage(EX_USAGE);
			}
			break;
		}
		case 'P':
			opts.pidarg = optarg;
			break;
		case 's':
			opts.syslog = 1;
			break;
		case 't':
			if (read_uint(optarg, "table id", UINT32_MAX / 2, &val))
				return usage(EX_USAGE);
			opts.table = (uint32_t)val;
			break;
		case 'u':
			opts.sockpath = optarg;
			break;
		case 'v':
			printf("SMCRoute-compatible smcrouted %s\n", VERSION);
			return EX_OK;
		case OPT_METRICS:
			if (metrics_parse(optarg, &opts.metrics, err,
			    sizeof(err))) {
				fprintf(stderr, "smcrouted: invalid --metrics "
				    "%s\n", err);
				return usage(EX_USAGE);
			}
			opts.metrics_on = 1;
			break;
		default:
			return usage(EX_USAGE);
		}
	}
	if (optind < argc) {
		fprintf(stderr, "smcrouted: unexpected argument %s\n",
		    argv[optind]);
		return usage(EX_USAGE);
	}
	return -1;
}

/* The files that default to the identity: 0, or the exit status. */
static int
resolve_paths(void)
{
	static char confpath[PATH_MAX], sockpath[PATH_MAX];
	size_t max = sizeof(((struct sockaddr_un *)0)->sun_path);

	if (!opts.conf) {
		snprintf(confpath, sizeof(confpath), "%s/%s.conf", SYSCONFDIR,
		    opts.ident);
		opts.conf = confpath;
	}
	if (!opts.sockpath) {
		snprintf(sockpath, sizeof(sockpath), "%s/%s.sock",
		    RUNSTATEDIR, opts.ident);
		opts.sockpath = sockpath;
	}
	if (strlen(opts.sockpath) >= max) {
		fprintf(stderr, "smcrouted: IPC socket path too long (max %zu):"
		    " %s\n", max - 1, opts.sockpath);
		return EX_USAGE;
	}
	if (!opts.pidarg)
		snprintf(pidpath, sizeof(pidpath), "%s/%s.pid", RUNSTATEDIR,
		    opts.ident);
	else if (opts.pidarg[0] != '/')
		snprintf(pidpath, sizeof(pidpath), "%s/%s.pid", RUNSTATEDIR,
		    opts.pidarg);
	else
		strlcpy(pidpath, opts.pidarg, sizeof(pidpath));
	return 0;
}

/* The configuration at start: what is valid of it, like SMCRoute. */
static void
conf_start(void)
{
	struct conf *c = conf_new();
	int rc;

	if (!c)
		fatalx(EX_OSERR, "Out of memory");
	rc = conf_parse_file(c, opts.conf);
	if (rc < 0)
		log_notice("Configuration file %s does not exist, continuing "
		    "anyway", opts.conf);
	else if (rc > 0)
		log_warnx("%s: %d error%s, starting with the rest", opts.conf,
		    rc, rc == 1 ? "" : "s");
	apply_conf(c);
}

int
main(int argc, char *argv[])
{
	static const int sigs[5] = { SIGHUP, SIGTERM, SIGINT, SIGQUIT,
	    SIGCHLD };
	struct event *sigev[5];
	size_t i;
	int rc;

	if ((rc = parse_args(argc, argv)) >= 0)
		return rc;
	log_setlevel(opts.level);
	if (opts.check)
		return check_conf(opts.check);
	if ((rc = resolve_paths()))
		return rc;
	if (geteuid() != 0) {
		fprintf(stderr, "smcrouted: need root privileges\n");
		return EX_NOPERM;
	}

	if (!opts.foreground && daemon(0, 0)) {
		perror("smcrouted: daemon");
		return EX_OSERR;
	}
	log_open(opts.ident, opts.syslog || !opts.foreground,
	    opts.foreground);
	if (opts.delay)
		sleep((unsigned int)opts.delay);

	signal(SIGPIPE, SIG_IGN);
	if (evloop_init())
		fatalx(EX_OSERR, "Cannot create event loop");
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		sigev[i] = evsignal_new(evbase, sigs[i], on_signal, NULL);
		if (!sigev[i] || evsignal_add(sigev[i], NULL))
			fatalx(EX_OSERR, "Cannot set up signal %d", sigs[i]);
	}

	kern_start();
	iface_init(apply_ifaces_changed, route_refresh_all);
	/* Optional: without it, TTL-1 streams go unreported. */
	ttlprobe_init();
	route_init(opts.cache_timeout, opts.learned_max);
	mcgroup_init();
	proxy_init(opts.mrdisc);
	script_init(opts.script);

	stats_init();
	cmd_init(daemon_reload);
	/* Before the configuration: a second daemon must not touch it. */
	if (ipc_init(evbase, opts.sockpath, cmd_dispatch)) {
		if (errno == EADDRINUSE)
			fatalx(EX_UNAVAILABLE, "Another daemon serves %s: use "
			    "another -i NAME or -u FILE", opts.sockpath);
		log_warnx("IPC socket %s not available, smcroutectl will not "
		    "work", opts.sockpath);
	}
	if (opts.metrics_on) {
		char err[256];

		if (metrics_init(evbase, &opts.metrics, err, sizeof(err)))
			fatalx(EX_UNAVAILABLE, "%s", err);
	}
	conf_start();

	pidfile_start();
	/* -p: every socket and file that needs root is open by now. */
	if (priv_drop())
		fatalx(EX_NOPERM, "Cannot run as the -p user, exiting");
	if (opts.lifetime) {
		struct timeval tv = { opts.lifetime, 0 };

		event_base_loopexit(evbase, &tv);
	}
	log_notice("Ready, waiting for client request or kernel event.");
	daemon_ready();

	event_base_dispatch(evbase);

	/* In the reverse order of the start. */
	metrics_exit();
	ipc_exit();
	apply_exit();
	script_exit();
	proxy_exit();
	mcgroup_exit();
	mcsock_exit();
	route_exit();
	ttlprobe_exit();
	iface_exit();
	kern_exit(AF_INET6);
	kern_exit(AF_INET);
	if (pidfh)
		pidfile_remove(pidfh);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		event_free(sigev[i]);
	evloop_exit();
	log_close();
	return EX_OK;
}
