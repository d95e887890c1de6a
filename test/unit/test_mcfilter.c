/*
 * test_mcfilter.c - mcfilter-drive, a command driver for proxy/mcfilter.c
 *
 * The module talks to the kernel only, so it is tested in a network
 * namespace by test/mcfilter.sh, which feeds this program commands on
 * stdin and checks /proc/net/{igmp,mcfilter,igmp6,mcfilter6} and the
 * reports on the wire between them.  One command per line; each answer
 * ends with a line "ok" or "error: REASON":
 *
 *   set IFNAME GROUP include|exclude [SRC|SRC+N ...]
 *                       SRC+N is N consecutive addresses from SRC
 *   leave IFNAME GROUP  the same as "set IFNAME GROUP include"
 *   drop IFNAME         mcfilter_drop_iface (the name is remembered
 *                       from earlier commands: the interface is gone)
 *   dump                one line per filter, in iteration order:
 *                       IFNAME GROUP MODE nsock=N approx=0|1 partial=0|1
 *                       bounded=0|1 SRC...
 *   limit 4|6           the per-filter source limit in use
 *   exit                mcfilter_exit, then exit (also at end of input)
 *
 * Options: -d  debug log on stderr.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>

#include "inet.h"
#include "log.h"
#include "mcfilter.h"

#define MAXSRC		4096
#define MAXNAMES	64

/* Interface names seen, so that "drop" works after the link is gone. */
static struct {
	char	name[IF_NAMESIZE];
	int	index;
} names[MAXNAMES];
static size_t nnames;

static int
ifindex_of(const char *name)
{
	size_t i;
	int idx;

	if ((idx = (int)if_nametoindex(name)) > 0) {
		for (i = 0; i < nnames; i++)
			if (!strcmp(names[i].name, name))
				break;
		if (i == nnames && nnames < MAXNAMES)
			nnames++;
		if (i < MAXNAMES) {
			snprintf(names[i].name, sizeof(names[i].name), "%s",
			    name);
			names[i].index = idx;
		}
		return idx;
	}
	for (i = 0; i < nnames; i++)
		if (!strcmp(names[i].name, name))
			return names[i].index;
	return 0;
}

static const char *
ifname_of(int idx, char *buf)
{
	size_t i;

	if (if_indextoname((unsigned int)idx, buf))
		return buf;
	for (i = 0; i < nnames; i++)
		if (names[i].index == idx)
			return names[i].name;
	snprintf(buf, IF_NAMESIZE, "#%d", idx);
	return buf;
}

/* "ADDR" or "ADDR+N" appended to list; the count added or -1. */
static int
parse_src(char *tok, struct inet_addr *list, size_t *n)
{
	struct inet_addr a;
	char *plus = strchr(tok, '+');
	long cnt = 1, i;

	if (plus) {
		*plus = '\0';
		cnt = strtol(plus + 1, NULL, 10);
		if (cnt < 1 || cnt > MAXSRC)
			return -1;
	}
	if (inet_pton_any(tok, &a))
		return -1;
	for (i = 0; i < cnt; i++) {
		if (*n >= MAXSRC)
			return -1;
		list[(*n)++] = a;
		inet_add(&a, 1);
	}
	return 0;
}

static int
cmd_set(char **argv, int argc, int leave, char *err, size_t errlen)
{
	static struct inet_addr srcs[MAXSRC];
	struct inet_addr grp;
	size_t n = 0;
	int idx, mode = MCF_INCLUDE, i;

	if (argc < (leave ? 3 : 4)) {
		snprintf(err, errlen, "usage: set IFNAME GROUP include|exclude "
		    "[SRC...]");
		return -1;
	}
	if (!(idx = ifindex_of(argv[1]))) {
		snprintf(err, errlen, "no interface %s", argv[1]);
		return -1;
	}
	if (inet_pton_any(argv[2], &grp)) {
		snprintf(err, errlen, "bad group %s", argv[2]);
		return -1;
	}
	if (!leave) {
		if (!strcmp(argv[3], "include"))
			mode = MCF_INCLUDE;
		else if (!strcmp(argv[3], "exclude"))
			mode = MCF_EXCLUDE;
		else {
			snprintf(err, errlen, "bad mode %s", argv[3]);
			return -1;
		}
		for (i = 4; i < argc; i++) {
			if (parse_src(argv[i], srcs, &n)) {
				snprintf(err, errlen, "bad source %s", argv[i]);
				return -1;
			}
		}
	}
	return mcfilter_set(idx, &grp, mode, srcs, n, err, errlen);
}

static void
cmd_dump(void)
{
	const struct mcfilter *f;
	char buf[INET6_ADDRSTRLEN], ifname[IF_NAMESIZE];
	size_t i;

	for (f = mcfilter_first(); f; f = mcfilter_next(f)) {
		printf("%s %s %s nsock=%zu approx=%d partial=%d bounded=%d",
		    ifname_of(f->ifindex, ifname),
		    inet_str(&f->grp, buf, sizeof(buf)),
		    f->mode == MCF_EXCLUDE ? "exclude" : "include", f->nsock,
		    f->approx, f->partial, f->bounded);
		for (i = 0; i < f->nsrc; i++)
			printf(" %s", inet_str(&f->srcs[i], buf, sizeof(buf)));
		printf("\n");
	}
}

int
main(int argc, char *argv[])
{
	char line[65536], err[256], *av[MAXSRC + 8], *tok;
	int ac, rc, c;

	log_open("mcfilter-drive", 0, 1);
	log_setlevel(LOG_NOTICE);
	while ((c = getopt(argc, argv, "d")) != -1) {
		if (c == 'd')
			log_setlevel(LOG_DEBUG);
		else {
			fprintf(stderr, "usage: mcfilter-drive [-d] "
			    "<commands\n");
			return 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	mcfilter_init();

	while (fgets(line, sizeof(line), stdin)) {
		ac = 0;
		for (tok = strtok(line, " \t\r\n"); tok && ac < MAXSRC + 8;
		    tok = strtok(NULL, " \t\r\n"))
			av[ac++] = tok;
		if (ac == 0 || av[0][0] == '#')
			continue;
		err[0] = '\0';
		rc = 0;
		if (!strcmp(av[0], "set"))
			rc = cmd_set(av, ac, 0, err, sizeof(err));
		else if (!strcmp(av[0], "leave"))
			rc = cmd_set(av, ac, 1, err, sizeof(err));
		else if (!strcmp(av[0], "drop") && ac == 2) {
			int idx = ifindex_of(av[1]);

			if (idx)
				mcfilter_drop_iface(idx);
			else {
				snprintf(err, sizeof(err), "no interface %s",
				    av[1]);
				rc = -1;
			}
		} else if (!strcmp(av[0], "dump"))
			cmd_dump();
		else if (!strcmp(av[0], "limit") && ac == 2)
			printf("%zu\n", mcfilter_max_msf(!strcmp(av[1], "6") ?
			    AF_INET6 : AF_INET));
		else if (!strcmp(av[0], "exit"))
			break;
		else {
			snprintf(err, sizeof(err), "unknown command %s", av[0]);
			rc = -1;
		}
		if (rc)
			printf("error: %s\n", err);
		else
			printf("ok\n");
	}
	mcfilter_exit();
	printf("ok\n");
	return 0;
}
