/*
 * diag.h - smcroutectl diagnose: why a stream does not flow
 *
 * A diagnosis is one table of checks.  Each row names a CHECK (kernel,
 * socket, interface, bridge, sysctl, stream, firewall), its SUBJECT
 * (ipv4, eth1, 239.1.1.1), a STATE (ok, warn, fail), what was SEEN and
 * the FIX in one line ("-" when ok).  The checks of the system that
 * only need a parsed configuration live here and run in whichever
 * process has the configuration: the daemon when it runs (its running
 * configuration, diagd.c adds what only it knows), else smcroutectl on
 * the file (diagctl.c, which also reads the firewall).  Every read of
 * /proc and /sys is bounded; nothing here blocks or executes anything.
 *
 * The daemon sends its rows as lines of five TAB-separated fields,
 * "CHECK SUBJECT STATE SEEN FIX"; fields never hold a TAB or newline.
 */
#ifndef SMCR_DIAG_H
#define SMCR_DIAG_H

#include <stddef.h>
#include <stdint.h>
#include <net/if.h>

struct conf;
struct evbuffer;

#define DIAG_ROWS_MAX	256		/* rows in one diagnosis */
#define DIAG_CHECK_LEN	16
#define DIAG_SUBJ_LEN	64
#define DIAG_TEXT_LEN	256		/* SEEN and FIX, NUL included */
#define DIAG_IFS_MAX	64		/* interfaces checked */

enum diag_state {
	DIAG_OK,
	DIAG_WARN,
	DIAG_FAIL,
};

struct diag_row {
	char		 check[DIAG_CHECK_LEN];
	char		 subject[DIAG_SUBJ_LEN];
	enum diag_state	 state;
	char		 seen[DIAG_TEXT_LEN];
	char		 fix[DIAG_TEXT_LEN];
};

struct diag {
	struct diag_row	 rows[DIAG_ROWS_MAX];
	int		 nrows;
	int		 dropped;	/* rows beyond DIAG_ROWS_MAX */
};

/* How the configuration uses an interface (struct diag_if roles). */
#define DIAG_IN4	0x0001	/* IPv4 inbound: mroute from, upstream */
#define DIAG_OUT4	0x0002	/* IPv4 outbound: mroute to */
#define DIAG_IN6	0x0004
#define DIAG_OUT6	0x0008
#define DIAG_JOIN4	0x0010	/* mgroup */
#define DIAG_JOIN6	0x0020
#define DIAG_IGMP	0x0040	/* phyint IF igmp: we are a querier */
#define DIAG_MLD	0x0080
#define DIAG_UP		0x0100	/* phyint IF upstream */
#define DIAG_PHYINT	0x0200	/* phyint IF enable */

struct diag_if {
	char		 name[IFNAMSIZ];	/* may end in '+' */
	unsigned int	 roles;			/* DIAG_* */
	int		 line;			/* first line naming it */
};

/* What a configuration needs from the system. */
struct diag_need {
	struct diag_if	 ifs[DIAG_IFS_MAX];
	int		 nifs;
	int		 more_ifs;		/* beyond DIAG_IFS_MAX */
	int		 templates;		/* learned routes (WRONGVIF) */
	uint64_t	 joins4;		/* memberships as a host */
	uint64_t	 joins6;
	unsigned int	 ssm_srcs4;		/* most sources of one group */
	unsigned int	 ssm_srcs6;
	unsigned int	 proxy_srcs4;		/* upstream max-sources */
	unsigned int	 proxy_srcs6;
	int		 daemon;		/* rows from a running daemon */
};

void	diag_init(struct diag *);
/* Add a row; fix NULL is "-".  Over DIAG_ROWS_MAX it is counted only. */
void	diag_add(struct diag *, const char *check, const char *subject,
	    enum diag_state, const char *fix, const char *seenfmt, ...)
	    __attribute__((format(printf, 6, 7)));
/* The worst state of all rows (DIAG_OK for none). */
enum diag_state diag_worst(const struct diag *);
const char *diag_state_name(enum diag_state);

/* The wire lines of every row, appended to out.  0, or -1. */
int	diag_encode(const struct diag *, struct evbuffer *out);
/* Append the rows of wire text; bad lines are skipped.  Rows added. */
int	diag_decode(struct diag *, const char *text, size_t len);
/*
 * The table through render.c (RENDER_* flags), after an optional note
 * line (e.g. "smcrouted is not running ...") and the daemon's state
 * ("running" or "not running", JSON only).  0, or -1 with err.
 */
int	diag_render(const struct diag *, unsigned int rflags,
	    const char *note, int daemon, struct evbuffer *out, char *err,
	    size_t errlen);

/* Collect what c needs (pure). */
void	diag_need_conf(struct diag_need *, const struct conf *c);
/* 1 when some interface of n is used for family (AF_INET, AF_INET6). */
int	diag_need_family(const struct diag_need *, int family);

/*
 * The checks of the system for need: kernel options (PIM upcalls,
 * multiple tables), every interface (present, up, address, VIF when a
 * daemon runs, rp_filter, mc_forwarding, MTU), bridges and sysctls.
 * querier_fn, when not NULL, tells whether we are the querier on a
 * bridge (1), another router is (2), or nobody here queries (0).
 */
typedef int (*diag_querier_fn)(const char *ifname, int family);
void	diag_system(struct diag *, const struct diag_need *,
	    diag_querier_fn);
/* Kernel option probes alone (part of diag_system). */
void	diag_kernel_opts(struct diag *, const struct diag_need *);

/*
 * Firewall rule text classifier (pure).  Feed it the output of
 * iptables-save / ip6tables-save (DIAG_FW_IPT, with the family) or
 * nft list ruleset (DIAG_FW_NFT) line by line; it adds a fail row for
 * each rule or chain policy that drops IGMP or MLD on input or
 * forwarded multicast, and at the end one ok row when none does.
 */
#define DIAG_FW_IPT	1
#define DIAG_FW_NFT	2

struct diag_fw {
	struct diag	*d;
	const char	*tool;		/* subject: nftables, iptables, ... */
	int		 fmt;
	int		 fam;		/* bit mask: 1 IPv4, 2 IPv6 */
	int		 tfam;		/* of the current table (nft) */
	int		 skip;		/* ipt: not the filter table */
	char		 table[128];	/* nft: "inet filter" */
	int		 depth;		/* nft: braces open */
	int		 inchain;	/* nft: inside a chain */
	int		 hook;		/* nft: the chain's hook */
	/* Per hook (none, input, forward): */
	int		 policy_drop[3];
	unsigned int	 accepted[3];	/* classes accepted so far */
	unsigned int	 reported[3];	/* classes already reported */
	char		 chain[3][64];
	int		 nrules;
	int		 nbad;
};

void	diag_fw_begin(struct diag_fw *, struct diag *, const char *tool,
	    int fmt, int family);
void	diag_fw_line(struct diag_fw *, const char *line);
void	diag_fw_end(struct diag_fw *);

#endif /* SMCR_DIAG_H */
