/*
 * showcols.h - the tables of smcroutectl show for the core's objects
 *
 * SMCRoute 2.6's headings, widths and column order for text, and its
 * JSON keys (see COMPATIBILITY in smcroutectl(8)); rendered by render.c,
 * filled by show.c.  Pure data, so that the layouts are unit-tested.
 */
#ifndef SMCR_SHOWCOLS_H
#define SMCR_SHOWCOLS_H

#include "render.h"

/*
 * Cells, in order:
 *  cols_route	  sg(source|NULL, group), str iif, int packets (detail),
 *		  int bytes (detail), int wrong_if (detail), list oifs
 *  cols_rule	  as cols_route, then list except (sources refused)
 *		  "ROUTE (S,G)  IIF  [PACKETS BYTES]  OIFS", (S,G) 42 wide
 *  cols_group	  sg(source|NULL, group), str iif
 *		  "GROUP (S,G)  IIF"
 *  cols_iface	  int index, str name, int|null vif, int|null mif,
 *		  int|null ttl, int|null hlim, str state, list flags
 *		  " INDEX PHYINT  VIF  MIF TTL HLIM STATE FLAGS", a null
 *		  VIF/MIF reads N/A, a null threshold -
 *  cols_pending str kind ("mroute"|"mgroup"), str iif,
 *		  sg(source|NULL, group), list oifs (these four JSON only),
 *		  str line (text only: "mroute  from a1 group G to a2")
 *  cols_counter str family ("IPv4"|"IPv6"), str counter, int|null value
 *		  "FAMILY COUNTER VALUE", a null value reads -
 */
extern const struct render_def cols_route;
extern const struct render_def cols_rule;	/* cols_route + list except */
extern const struct render_def cols_group;
extern const struct render_def cols_iface;
extern const struct render_def cols_pending;
extern const struct render_def cols_counter;


#endif /* SMCR_SHOWCOLS_H */
