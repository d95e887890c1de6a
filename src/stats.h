/*
 * stats.h - the daemon's numbers, collected in one place
 *
 * stats_collect() reads every counter and gauge of the daemon once into
 * a list of metric families (name, help, type, samples with labels).
 * The same list feeds `smcroutectl show stats` (render.c, text and
 * JSON) and the metrics endpoint (metrics.c, Prometheus text exposition
 * format 0.0.4), so the two show the same numbers.  The collection only
 * reads: it takes no time worth a turn of the loop beyond one kernel
 * counter read per forwarding cache entry.
 *
 * Names follow Prometheus conventions: smcroute_ prefix, counters end
 * in _total, base units (seconds, bytes), one meaning per family with
 * labels for the rest.  man/smcrouted.8 lists them all.
 */
#ifndef SMCR_STATS_H
#define SMCR_STATS_H

#include <stdbool.h>
#include <stdint.h>

struct evbuffer;
struct render_doc;
struct stats;

/* The start time; call once, early in main(). */
void		 stats_init(void);
/* A reload of the configuration was applied (ok) or refused. */
void		 stats_reload(bool ok);

/* Everything, now.  NULL when out of memory. */
struct stats	*stats_collect(void);
void		 stats_free(struct stats *);

/* show stats: one table, a row per sample (render.h). */
void		 stats_render(const struct stats *, struct render_doc *);
/* Prometheus text exposition format 0.0.4; 0, or -1 out of memory. */
int		 stats_expose(const struct stats *, struct evbuffer *);

#endif /* SMCR_STATS_H */
