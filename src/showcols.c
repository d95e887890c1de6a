/*
 * showcols.c - the tables of smcroutectl show for the core's objects
 */
#include "config.h"

#include "showcols.h"

/*
 * Routes; configured rules also list the sources they refuse, so the
 * kernel's entries (cols_route) use all columns but the last.
 */
static const struct render_col rule_cols[] = {
	{ "ROUTE (S,G)", "source", "group", RENDER_SG, RENDER_LEFT, 42, NULL,
	  0 },
	{ "IIF", "iif", NULL, RENDER_STR, RENDER_LEFT, 3, NULL, 0 },
	{ "PACKETS", "packets", NULL, RENDER_INT, RENDER_RIGHT, 10, NULL,
	  RENDER_COL_DETAIL },
	{ "BYTES", "bytes", NULL, RENDER_INT, RENDER_RIGHT, 10, NULL,
	  RENDER_COL_DETAIL },
	{ "WRONGIF", "wrong_if", NULL, RENDER_INT, RENDER_RIGHT, 7, NULL,
	  RENDER_COL_DETAIL },
	{ "OIFS", "oifs", NULL, RENDER_LIST, RENDER_LEFT, 0, NULL,
	  RENDER_COL_WIDE },
	{ "EXCEPT", "except", NULL, RENDER_LIST, RENDER_LEFT, 0, NULL,
	  RENDER_COL_WIDE },
};

static const struct render_col group_cols[] = {
	{ "GROUP (S,G)", "source", "group", RENDER_SG, RENDER_LEFT, 42, NULL,
	  0 },
	{ "IIF", "iif", NULL, RENDER_STR, RENDER_LEFT, 3, NULL, 0 },
};

static const struct render_col iface_cols[] = {
	{ "INDEX", "index", NULL, RENDER_INT, RENDER_RIGHT, 6, NULL, 0 },
	{ "PHYINT", "name", NULL, RENDER_STR, RENDER_LEFT, 0, NULL, 0 },
	{ "VIF", "vif", NULL, RENDER_INT, RENDER_RIGHT, 4, "N/A", 0 },
	{ "MIF", "mif", NULL, RENDER_INT, RENDER_RIGHT, 4, "N/A", 0 },
	{ "TTL", "ttl_threshold", NULL, RENDER_INT, RENDER_RIGHT, 3, "-", 0 },
	{ "HLIM", "hoplimit_threshold", NULL, RENDER_INT, RENDER_RIGHT, 4, "-",
	  0 },
	{ "STATE", "state", NULL, RENDER_STR, RENDER_LEFT, 0, NULL, 0 },
	{ "FLAGS", "flags", NULL, RENDER_LIST, RENDER_LEFT, 0, NULL, 0 },
};

/*
 * Counters of the core, one per row (smcroutectl -d show interfaces),
 * as proxy/pshow.c does for the proxy's: rows can be added without
 * changing the layout.  A null value (no limit) reads "-".
 */
static const struct render_col counter_cols[] = {
	{ "FAMILY", "family", NULL, RENDER_STR, RENDER_LEFT, 0, NULL, 0 },
	{ "COUNTER", "counter", NULL, RENDER_STR, RENDER_LEFT, 0, NULL, 0 },
	{ "VALUE", "value", NULL, RENDER_INT, RENDER_RIGHT, 0, "-", 0 },
};

/*
 * Pending lines: in JSON their parts, in text the line as it would read
 * in smcroute.conf (SMCRoute's format, greppable, pasteable).
 */
static const struct render_col pending_cols[] = {
	{ NULL, "kind", NULL, RENDER_STR, RENDER_LEFT, 0, NULL, 0 },
	{ NULL, "iif", NULL, RENDER_STR, RENDER_LEFT, 0, NULL, 0 },
	{ NULL, "source", "group", RENDER_SG, RENDER_LEFT, 0, NULL, 0 },
	{ NULL, "oifs", NULL, RENDER_LIST, RENDER_LEFT, 0, NULL, 0 },
	{ "LINE", NULL, NULL, RENDER_STR, RENDER_LEFT, 0, NULL, 0 },
};

#define NELEM(a)	((int)(sizeof(a) / sizeof((a)[0])))

const struct render_def cols_route = { rule_cols, NELEM(rule_cols) - 1 };
const struct render_def cols_rule = { rule_cols, NELEM(rule_cols) };
const struct render_def cols_group = { group_cols, NELEM(group_cols) };
const struct render_def cols_iface = { iface_cols, NELEM(iface_cols) };
const struct render_def cols_pending = { pending_cols, NELEM(pending_cols) };
const struct render_def cols_counter = { counter_cols, NELEM(counter_cols) };

