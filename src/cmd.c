/*
 * cmd.c - the commands smcroutectl sends, carried out by the daemon
 *
 * Arguments are checked with the same validators as smcroute.conf
 * (conf_check_mroute, conf_check_mgroup), so a route is accepted or
 * refused for the same reasons whichever way it comes in.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <event2/buffer.h>
#include <event2/event.h>

#include "cmd.h"
#include "conf.h"
#include "diagd.h"
#include "iface.h"
#include "log.h"
#include "mcgroup.h"
#include "msg.h"
#include "route.h"
#include "show.h"
#include "evloop.h"
#include "words.h"

/*
 * IIF [SRC[/LEN]] [except LIST] GRP[/LEN] REST...: the word after IIF is
 * the group if it is a multicast address (word_is_group(), as the client
 * reads it too), otherwise the source.  The
 * except list is only taken when cr is given (add, remove).  Returns
 * the index of the first word of REST, or -1 with a reason in err.
 */
static int
parse_sg(const struct msg_req *req, struct inet_pfx *src, struct inet_pfx *grp,
    struct conf_mroute *cr, char *err, size_t errlen)
{
	int i = 1;

	if (i < req->argc && strcmp(req->argv[i], "except") &&
	    !word_is_group(req->argv[i])) {
		if (word_source(req->argv[i], src, err, errlen))
			return -1;
		i++;
	} else {
		src->len = 0;
		inet_any(&src->addr, AF_UNSPEC);
	}
	if (i < req->argc && !strcmp(req->argv[i], "except")) {
		if (!cr) {
			snprintf(err, errlen, "except only applies to routes");
			return -1;
		}
		if (++i >= req->argc) {
			snprintf(err, errlen, "missing sources after except");
			return -1;
		}
		if (word_except(req->argv[i], cr->except, CONF_MAXEXCEPT,
		    &cr->nexcept, err, errlen))
			return -1;
		i++;
	}
	if (i >= req->argc) {
		snprintf(err, errlen, "missing group");
		return -1;
	}
	if (word_group(req->argv[i], grp, err, errlen))
		return -1;
	if (src->addr.family == AF_UNSPEC)
		inet_any(&src->addr, grp->addr.family);
	return i + 1;
}

/* Every interface matching pattern, or an error naming it. */
static int
check_ifname(const char *pattern, char *err, size_t errlen)
{
	struct iface *ifp;

	if (word_ifname(pattern, err, errlen))
		return -1;
	IFACE_FOREACH(ifp)
		if (word_ifname_match(pattern, ifp->name))
			return 0;
	snprintf(err, errlen, "unknown interface %s", pattern);
	return -1;
}

/*
 * A conf_mroute from the words of add/remove, checked like the conf;
 * its except sources go to except[CONF_MAXEXCEPT].
 */
static int
parse_mroute(const struct msg_req *req, struct conf_mroute *cr,
    struct inet_pfx *except, char *err, size_t errlen)
{
	int i, first;

	memset(cr, 0, sizeof(*cr));
	cr->except = except;
	if (check_ifname(req->argv[0], err, errlen))
		return -1;
	strlcpy(cr->iif, req->argv[0], sizeof(cr->iif));
	first = parse_sg(req, &cr->src, &cr->grp, cr, err, errlen);
	if (first < 0)
		return -1;
	if (req->argc - first > CONF_MAXOIFS) {
		snprintf(err, errlen, "too many outbound interfaces (%d), "
		    "max %d", req->argc - first, CONF_MAXOIFS);
		return -1;
	}
	/*
	 * add skips outbound interfaces that do not exist, as SMCRoute
	 * does (the route may end up with none: a stop filter); remove
	 * must name existing ones.
	 */
	for (i = first; i < req->argc; i++) {
		if (req->cmd == MSG_ADD ?
		    word_ifname(req->argv[i], err, errlen) :
		    check_ifname(req->argv[i], err, errlen))
			return -1;
		strlcpy(cr->oifs[cr->noifs++], req->argv[i],
		    sizeof(cr->oifs[0]));
	}
	return conf_check_mroute(cr, err, errlen);
}

/*
 * Fill r's OIFs from the patterns of cr.  The inbound interface is one
 * only when named explicitly (SMCRoute keeps it), never from a wildcard.
 */
static void
route_oifs(const struct conf_mroute *cr, struct route *r, bool verbose)
{
	struct iface *ifp;
	int i, n;

	r->noifs = 0;
	for (i = 0; i < cr->noifs; i++) {
		n = 0;
		IFACE_FOREACH(ifp) {
			if (!word_ifname_match(cr->oifs[i], ifp->name))
				continue;
			n++;
			if ((ifp->ifindex == r->iif &&
			    word_is_wildcard(cr->oifs[i])) || ifp->disabled ||
			    !(ifp->flags & IFF_MULTICAST) ||
			    r->noifs >= ROUTE_MAXOIFS)
				continue;
			if (ifp->ifindex == r->iif && verbose)
				log_info("ipc: %s is both inbound and "
				    "outbound, this may cause routing loops",
				    ifp->name);
			r->oifs[r->noifs++] = ifp->ifindex;
		}
		if (!n && !word_is_wildcard(cr->oifs[i]) && verbose)
			log_notice("ipc: outbound %s does not exist, skipped",
			    cr->oifs[i]);
	}
}

static int
cmd_route(const struct msg_req *req, char *err, size_t errlen)
{
	struct conf_mroute cr;
	struct inet_pfx except[CONF_MAXEXCEPT];
	struct route r;
	struct iface *ifp;
	int n = 0;

	if (parse_mroute(req, &cr, except, err, errlen))
		return -1;
	if (req->cmd == MSG_REMOVE && cr.nexcept) {
		snprintf(err, errlen, "remove takes no except list: a route is "
		    "named by inbound interface, source and group");
		return -1;
	}
	IFACE_FOREACH(ifp) {
		if (!word_ifname_match(cr.iif, ifp->name))
			continue;
		memset(&r, 0, sizeof(r));
		r.iif = ifp->ifindex;
		r.src = cr.src;
		r.grp = cr.grp;
		r.nexcept = cr.nexcept;
		r.except = cr.except;		/* route_add() copies them */
		route_oifs(&cr, &r, req->cmd == MSG_ADD);
		if (req->cmd == MSG_ADD) {
			if (ifp->disabled || !(ifp->flags & IFF_MULTICAST)) {
				snprintf(err, errlen, "inbound %s is %s",
				    ifp->name, ifp->disabled ? "disabled" :
				    "not multicast capable");
				return -1;
			}
			if (route_add(&r, ROUTE_IPC, true, err, errlen))
				return -1;
		} else if (route_del(&r, err, errlen)) {
			/* A wildcard removes what it finds. */
			if (!word_is_wildcard(cr.iif))
				return -1;
			continue;
		}
		n++;
	}
	if (!n) {
		snprintf(err, errlen, "no route matched %s", cr.iif);
		return -1;
	}
	return 0;
}

struct cmd_group_ctx {
	int	 ifindex;
	int	 join;
	char	*err;
	size_t	 errlen;
};

static int
cmd_group_one(const struct inet_addr *s, const struct inet_addr *g,
    void *arg)
{
	struct cmd_group_ctx *c = arg;

	if (c->join)
		return mcgroup_join(c->ifindex, s, g, MCGROUP_IPC, c->err,
		    c->errlen);
	return mcgroup_leave(c->ifindex, s, g, c->err, c->errlen);
}

static int
cmd_group(const struct msg_req *req, char *err, size_t errlen)
{
	struct cmd_group_ctx c = { 0, req->cmd == MSG_JOIN, err, errlen };
	struct conf_mgroup cg;
	struct iface *ifp;
	int i, n = 0;

	memset(&cg, 0, sizeof(cg));
	if (check_ifname(req->argv[0], err, errlen))
		return -1;
	strlcpy(cg.ifname, req->argv[0], sizeof(cg.ifname));
	i = parse_sg(req, &cg.src, &cg.grp, NULL, err, errlen);
	if (i < 0)
		return -1;
	if (i < req->argc) {
		snprintf(err, errlen, "unexpected argument %s", req->argv[i]);
		return -1;
	}
	if (conf_check_mgroup(&cg, err, errlen))
		return -1;

	IFACE_FOREACH(ifp) {
		if (!word_ifname_match(cg.ifname, ifp->name))
			continue;
		c.ifindex = ifp->ifindex;
		if (conf_mgroup_foreach(&cg, cmd_group_one, &c))
			return -1;
		n++;
	}
	return n ? 0 : -1;
}

static cmd_reload_fn reload_fn;

void
cmd_init(cmd_reload_fn fn)
{
	reload_fn = fn;
}

int
cmd_dispatch(const struct msg_req *req, struct evbuffer *out, char *err,
    size_t errlen)
{
	struct timeval tv = { 0, 100000 };

	switch (req->cmd) {
	case MSG_ADD:
	case MSG_REMOVE:
		return cmd_route(req, err, errlen);
	case MSG_JOIN:
	case MSG_LEAVE:
		return cmd_group(req, err, errlen);
	case MSG_SHOW:
		return show(req->show, req->flags, out, err, errlen);
	case MSG_FLUSH:
		route_flush();
		return 0;
	case MSG_RELOAD:
		if (!reload_fn) {
			snprintf(err, errlen, "reload is not available");
			return -1;
		}
		return reload_fn(err, errlen);
	case MSG_DIAGNOSE:
		return diagd_run(req->flags, out, err, errlen);
	case MSG_KILL:
		log_notice("Exiting on request from smcroutectl");
		event_base_loopexit(evbase, &tv);
		return 0;
	}
	snprintf(err, errlen, "unknown command %u", req->cmd);
	return -1;
}
