/*
 * conf.h - smcroute.conf, parsed into a plain structure
 *
 * Parsing has no side effects: conf_parse_file() fills a struct conf and
 * reports every problem as "FILE line N: reason".  Applying a parsed
 * configuration to the kernel is apply.c's job, so that a reload can
 * parse the new file completely, reject it on any error, and otherwise
 * apply only the difference.
 *
 * The checks of a whole line below, and the word validators of words.h,
 * are shared with the IPC server, so that a route given on the command
 * line is checked by exactly the same code as one in the file.
 */
#ifndef SMCR_CONF_H
#define SMCR_CONF_H

#include <stdio.h>
#include <net/if.h>
#include <sys/queue.h>
#include <sys/tree.h>

#include "inet.h"
#include "pconf.h"

#define CONF_MAXOIFS		32	/* MAXVIFS on Linux */
#define CONF_LINE_MAX		1024	/* longer lines are an error */
#define CONF_INCLUDE_DEPTH	8	/* include nesting limit */
#define CONF_EXPAND_MAX		4096	/* mgroup pairs per line */

/*
 * Budgets of one load: what one struct conf may cost to fill, whatever
 * the file says.  The daemon parses into a new struct conf at start and
 * at each reload, so each load starts afresh.  Going over a budget is
 * an error at the line that would: the include line, for include lines
 * (each one a glob(3) of the file system) and the files and bytes of
 * included files (that file and the rest of the include are not read),
 * or the mgroup line (nothing of it is kept).
 */
#define CONF_FILES_MAX		256	/* files opened, the top one too */
#define CONF_INCLUDES_MAX	1024	/* include lines */
#define CONF_BYTES_MAX		(16 * 1024 * 1024)	/* bytes read */
#define CONF_EXPAND_TOTAL	65536	/* mgroup pairs of all lines */
#define CONF_TTL_DEFAULT	1
#define CONF_MAXEXCEPT		16	/* except list entries per mroute */

struct conf_where {
	const char		*file;	/* owned by struct conf */
	int			 line;
};

/*
 * phyint IF [enable|disable] [mrdisc] [ttl-threshold N]
 *        [wrongvif move|keep] [proxy knobs, see pconf.h]
 */
struct conf_phyint {
	TAILQ_ENTRY(conf_phyint) link;
	char			 ifname[IFNAMSIZ];	/* may end in '+' */
	int			 enable;		/* 1 enable, 0 disable */
	int			 mrdisc;		/* 1: RFC 4286 adverts */
	int			 ttl;			/* 1-255 */
	int			 wrongvif_keep;		/* wrongvif keep */
	struct pconf_if		 proxy;			/* pconf.h */
	struct conf_where	 where;
};

/*
 * mroute from IIF [source S[/LEN]] [except A[/LEN][,B...]] group G[/LEN]
 *        to OIF [OIF...]
 *
 * A missing source is the unspecified address with length 0, i.e. (*,G).
 * Source and group are always of the same family.
 */
struct conf_mroute {
	TAILQ_ENTRY(conf_mroute) link;
	struct conf_where	 where;
	/*
	 * The sources refused, nexcept of them, or NULL.  In a struct conf
	 * they follow the line's oifs[noifs] in the same allocation
	 * (CONF_MROUTE_ALLOC); a caller filling a line of its own points
	 * except at an array of CONF_MAXEXCEPT.
	 */
	struct inet_pfx		*except;
	char			 iif[IFNAMSIZ];
	struct inet_pfx		 src;
	struct inet_pfx		 grp;
	int			 nexcept;
	int			 noifs;
	/*
	 * Last: a line in a struct conf is allocated only up to
	 * oifs[noifs] (CONF_MROUTE_SIZE), as most name one or two of
	 * the 32, so it is never copied whole (*mr).
	 */
	char			 oifs[CONF_MAXOIFS][IFNAMSIZ];
};
#define CONF_MROUTE_SIZE(noifs)	(offsetof(struct conf_mroute, oifs) + \
	    IFNAMSIZ * (size_t)(noifs))
/* The line and its except sources (oifs[] keeps them aligned). */
#define CONF_MROUTE_ALLOC(noifs, nexcept)	(CONF_MROUTE_SIZE(noifs) + \
	    sizeof(struct inet_pfx) * (size_t)(nexcept))

/* mgroup from IF [source S[/LEN]] group G[/LEN]   (alias: ssmgroup) */
struct conf_mgroup {
	TAILQ_ENTRY(conf_mgroup) link;
	char			 ifname[IFNAMSIZ];
	struct inet_pfx		 src;		/* len 0: any source (ASM) */
	struct inet_pfx		 grp;
	struct conf_where	 where;
};

struct conf_file {
	TAILQ_ENTRY(conf_file)	 link;
	char			 path[];
};

struct conf {
	TAILQ_HEAD(, conf_phyint) phyints;
	TAILQ_HEAD(, conf_mroute) mroutes;
	/*
	 * The first (S,G) line with a named inbound interface of each
	 * (S,G), hashed: the kernel forwards an (S,G) from one inbound
	 * interface per table, so a second line for it from another
	 * interface is an error.  Only for parsing: conf_parse_file()
	 * drops it when done (it is made again if more lines come), as a
	 * running configuration has no use for it.
	 */
	struct conf_mroute	**sgs;
	size_t			 sgcap;		/* slots: 0 or a power of 2 */
	size_t			 nsgs;
	TAILQ_HEAD(, conf_mgroup) mgroups;
	TAILQ_HEAD(, pconf_acl)	 acls;		/* pconf.h, in file order */
	TAILQ_HEAD(, conf_file)	 files;		/* names for conf_where */
	int			 nerrors;
	/* Budgets spent so far; never above their CONF_*_MAX. */
	int			 nfiles;	/* CONF_FILES_MAX */
	int			 nincludes;	/* CONF_INCLUDES_MAX */
	size_t			 nbytes;	/* CONF_BYTES_MAX */
	uint64_t		 npairs;	/* CONF_EXPAND_TOTAL */
};

struct conf	*conf_new(void);
void		 conf_free(struct conf *);

/*
 * Parse a file (and what it includes) into c.  Every problem is logged
 * at LOG_ERR as "FILE line N: reason" and counted in c->nerrors; the
 * offending line is skipped.  A missing top-level file is not an error
 * for the daemon (it logs and continues), so it returns -1 with errno
 * ENOENT and the caller decides.  Returns the number of errors.
 *
 * Only regular files are read, the top-level one too: a FIFO, device,
 * directory or socket is an error naming it, and is never read from;
 * opening it does not block.  The budgets above bound the whole parse.
 */
int		 conf_parse_file(struct conf *c, const char *path);

/* Parse one line, as if read from file:line.  Returns 0 or -1. */
int		 conf_parse_line(struct conf *c, const char *text,
		    const char *file, int line);

/* Checks of a whole line, shared with cmd.c; words are in words.h. */
/* Families agree, group is multicast, OIF count within limits. */
int		 conf_check_mroute(const struct conf_mroute *, char *err,
		    size_t errlen);
int		 conf_check_mgroup(const struct conf_mgroup *, char *err,
		    size_t errlen);
/*
 * Number of (source, group) pairs an mgroup expands to.  A parsed line
 * has at most CONF_EXPAND_MAX, and all mgroups of a struct conf at most
 * CONF_EXPAND_TOTAL together; a wildcard interface joins each pair on
 * every interface it matches.
 */
uint64_t	 conf_mgroup_count(const struct conf_mgroup *);
/*
 * Call fn for each (source, group) pair of an mgroup checked with
 * conf_check_mgroup(), sources in the outer loop; the source is the
 * unspecified address for ASM.  Stops at fn's first non-zero return
 * and returns it.
 */
int		 conf_mgroup_foreach(const struct conf_mgroup *,
		    int (*fn)(const struct inet_addr *src,
		    const struct inet_addr *grp, void *arg), void *arg);

/*
 * The words of a line after its keyword, in canonical form:
 * "from IIF [source S] [except A,B] group G [to OIF...]", and
 * "from IF [source S] group G".  They fit in 2 * CONF_LINE_MAX.
 */
void		 conf_mroute_words(const struct conf_mroute *, char *buf,
		    size_t len);
void		 conf_mgroup_words(const struct conf_mgroup *, char *buf,
		    size_t len);

/* For golden tests and debugging: print c in canonical form. */
void		 conf_dump(const struct conf *c, FILE *fp);

#endif /* SMCR_CONF_H */
