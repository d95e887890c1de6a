/*
 * test_render.c - show output renderer: text layout, JSON, escaping
 *
 * The text goldens are SMCRoute 2.6's layouts (COMPAT §1.8) as the
 * daemon sends them, i.e. before smcroutectl decorates the marked lines.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <event2/buffer.h>

#include "check.h"
#include "render.h"
#include "showcols.h"

/* Emit doc, free it, and return the output (static, overwritten). */
static const char *
emit(struct render_doc *doc, int *rc)
{
	static char *text;
	struct evbuffer *out;
	char err[256];
	size_t len;

	out = evbuffer_new();
	err[0] = '\0';
	*rc = render_doc_emit(doc, out, err, sizeof(err));
	render_doc_free(doc);
	len = evbuffer_get_length(out);
	free(text);
	text = malloc(len + 1);
	evbuffer_remove(out, text, len);
	text[len] = '\0';
	evbuffer_free(out);
	if (*rc) {
		free(text);
		text = strdup(err);
	}
	return text;
}

static void
route(struct render_table *t, const char *src, const char *grp, const char *iif,
    long pkts, long bytes, const char *oifs)
{
	char buf[256], *p, *w;

	render_row(t);
	render_cell_sg(t, src, grp);
	render_cell_str(t, iif);
	render_cell_int(t, pkts);
	render_cell_int(t, bytes);
	render_cell_int(t, 0);		/* wrong_if */
	render_cell_list(t);
	snprintf(buf, sizeof(buf), "%s", oifs);
	for (p = buf; (w = strsep(&p, " ")) != NULL;)
		if (*w)
			render_list_add(t, w);
}

static struct render_doc *
routes_doc(unsigned flags)
{
	struct render_doc *doc;
	struct render_table *t;

	doc = render_doc_new(flags);
	t = render_add(doc, "routes", "asm", "(*,G) Template Rules",
	    &cols_route, 0);
	route(t, NULL, "225.3.3.3", "a1", 0, 0, "a2");
	route(t, NULL, "225.4.0.0/16", "a1", 0, 0, "a2");
	route(t, "10.0.0.0/24", "225.5.5.5", "a1", 0, 0, "a2");
	t = render_add(doc, "routes", "ssm", "(S,G) Rules", &cols_route, 0);
	route(t, "10.0.0.5", "225.4.4.4", "a1", 0, 0, "a2");
	route(t, "fc00::1", "ff2e::44", "a1", 0, 0, "a2");
	t = render_add(doc, "routes", "kernel", "Kernel MFC Table",
	    &cols_route, 0);
	route(t, "10.0.0.1", "225.3.3.3", "a1", 1234, 567890, "a2");
	return doc;
}

static void
test_routes_text(void)
{
	const char *heading =
	    "ROUTE (S,G)                                IIF  OIFS=\n";
	char want[2048];
	int rc;

	snprintf(want, sizeof(want),
	    "(*,G) Template Rules_\n%s"
	    "(*, 225.3.3.3)                             a1   a2\n"
	    "(*, 225.4.0.0/16)                          a1   a2\n"
	    "(10.0.0.0/24, 225.5.5.5)                   a1   a2\n"
	    "(S,G) Rules_\n%s"
	    "(10.0.0.5, 225.4.4.4)                      a1   a2\n"
	    "(fc00::1, ff2e::44)                        a1   a2\n"
	    "Kernel MFC Table_\n%s"
	    "(10.0.0.1, 225.3.3.3)                      a1   a2\n",
	    heading, heading, heading);
	CHECK_STR(emit(routes_doc(0), &rc), want);
	CHECK(rc == 0);
}

static void
test_routes_detail(void)
{
	struct render_doc *doc;
	struct render_table *t;
	int rc;

	doc = render_doc_new(RENDER_DETAIL);
	t = render_add(doc, "routes", "kernel", "Kernel MFC Table",
	    &cols_route, 0);
	route(t, "10.0.0.1", "225.3.3.3", "eth10", 1234, 567890, "a2 a3");
	route(t, "10.0.0.2", "225.3.3.3", "eth10", 0, 0, "");
	CHECK_STR(emit(doc, &rc),
	    "Kernel MFC Table_\n"
	    "ROUTE (S,G)                                IIF      PACKETS"
	    "      BYTES WRONGIF  OIFS=\n"
	    "(10.0.0.1, 225.3.3.3)                      eth10       1234"
	    "     567890       0  a2 a3\n"
	    "(10.0.0.2, 225.3.3.3)                      eth10          0"
	    "          0       0\n");
}

static void
test_routes_json(void)
{
	int rc;

	CHECK_STR(emit(routes_doc(RENDER_JSON), &rc),
	    "{\"routes\":{\"asm\":["
	    "{\"source\":null,\"group\":\"225.3.3.3\",\"iif\":\"a1\","
	    "\"oifs\":[\"a2\"]},"
	    "{\"source\":null,\"group\":\"225.4.0.0/16\",\"iif\":\"a1\","
	    "\"oifs\":[\"a2\"]},"
	    "{\"source\":\"10.0.0.0/24\",\"group\":\"225.5.5.5\","
	    "\"iif\":\"a1\",\"oifs\":[\"a2\"]}],"
	    "\"ssm\":["
	    "{\"source\":\"10.0.0.5\",\"group\":\"225.4.4.4\",\"iif\":\"a1\","
	    "\"oifs\":[\"a2\"]},"
	    "{\"source\":\"fc00::1\",\"group\":\"ff2e::44\",\"iif\":\"a1\","
	    "\"oifs\":[\"a2\"]}],"
	    "\"kernel\":["
	    "{\"source\":\"10.0.0.1\",\"group\":\"225.3.3.3\",\"iif\":\"a1\","
	    "\"oifs\":[\"a2\"]}]}}\n");
	CHECK(rc == 0);

	CHECK_STR(emit(routes_doc(RENDER_JSON | RENDER_DETAIL), &rc) +
	    strlen("{\"routes\":{\"asm\":["),
	    "{\"source\":null,\"group\":\"225.3.3.3\",\"iif\":\"a1\","
	    "\"packets\":0,\"bytes\":0,\"wrong_if\":0,\"oifs\":[\"a2\"]},"
	    "{\"source\":null,\"group\":\"225.4.0.0/16\",\"iif\":\"a1\","
	    "\"packets\":0,\"bytes\":0,\"wrong_if\":0,\"oifs\":[\"a2\"]},"
	    "{\"source\":\"10.0.0.0/24\",\"group\":\"225.5.5.5\","
	    "\"iif\":\"a1\",\"packets\":0,\"bytes\":0,\"wrong_if\":0,"
	    "\"oifs\":[\"a2\"]}],"
	    "\"ssm\":["
	    "{\"source\":\"10.0.0.5\",\"group\":\"225.4.4.4\",\"iif\":\"a1\","
	    "\"packets\":0,\"bytes\":0,\"wrong_if\":0,\"oifs\":[\"a2\"]},"
	    "{\"source\":\"fc00::1\",\"group\":\"ff2e::44\",\"iif\":\"a1\","
	    "\"packets\":0,\"bytes\":0,\"wrong_if\":0,\"oifs\":[\"a2\"]}],"
	    "\"kernel\":["
	    "{\"source\":\"10.0.0.1\",\"group\":\"225.3.3.3\",\"iif\":\"a1\","
	    "\"packets\":1234,\"bytes\":567890,\"wrong_if\":0,"
	    "\"oifs\":[\"a2\"]}]}}\n");
}

/* Empty tables: no text at all, [] in JSON. */
static void
test_empty(void)
{
	struct render_doc *doc;
	int rc;

	doc = render_doc_new(0);
	render_add(doc, "routes", "asm", "(*,G) Template Rules", &cols_route,
	    0);
	render_add(doc, "routes", "ssm", "(S,G) Rules", &cols_route, 0);
	CHECK_STR(emit(doc, &rc), "");
	CHECK(rc == 0);

	doc = render_doc_new(RENDER_JSON);
	render_add(doc, "routes", "asm", "(*,G) Template Rules", &cols_route,
	    0);
	render_add(doc, "routes", "ssm", "(S,G) Rules", &cols_route, 0);
	render_add(doc, "routes", "kernel", "Kernel MFC Table", &cols_route,
	    0);
	CHECK_STR(emit(doc, &rc),
	    "{\"routes\":{\"asm\":[],\"ssm\":[],\"kernel\":[]}}\n");

	doc = render_doc_new(RENDER_JSON);
	render_add(doc, NULL, "pending", NULL, &cols_pending, 0);
	CHECK_STR(emit(doc, &rc), "{\"pending\":[]}\n");

	CHECK_STR(emit(render_doc_new(RENDER_JSON), &rc), "{}\n");
	CHECK_STR(emit(render_doc_new(0), &rc), "");

	/* Only the tables with rows appear in text. */
	doc = render_doc_new(0);
	render_add(doc, "routes", "asm", "(*,G) Template Rules", &cols_route,
	    0);
	route(render_add(doc, "routes", "ssm", "(S,G) Rules", &cols_route, 0),
	    "10.0.0.5", "225.4.4.4", "a1", 0, 0, "a2");
	CHECK_STR(emit(doc, &rc),
	    "(S,G) Rules_\n"
	    "ROUTE (S,G)                                IIF  OIFS=\n"
	    "(10.0.0.5, 225.4.4.4)                      a1   a2\n");
}

static void
group(struct render_table *t, const char *src, const char *grp, const char *iif)
{
	render_row(t);
	render_cell_sg(t, src, grp);
	render_cell_str(t, iif);
}

static void
test_groups(void)
{
	struct render_doc *doc;
	struct render_table *t;
	int rc;

	doc = render_doc_new(0);
	t = render_add(doc, "groups", "conf", "Group Memberships Table",
	    &cols_group, 0);
	group(t, NULL, "225.1.1.1", "a1");
	group(t, "10.0.0.5", "225.1.1.2", "a1");
	group(t, NULL, "ff2e::42", "a2");
	t = render_add(doc, "groups", "kernel", "Kernel Group Membership Table",
	    &cols_group, RENDER_NOHEADING);
	group(t, NULL, "225.1.1.1", "a1");
	CHECK_STR(emit(doc, &rc),
	    "Group Memberships Table_\n"
	    "GROUP (S,G)                                IIF=\n"
	    "(*, 225.1.1.1)                             a1\n"
	    "(10.0.0.5, 225.1.1.2)                      a1\n"
	    "(*, ff2e::42)                              a2\n"
	    "Kernel Group Membership Table_\n"
	    "(*, 225.1.1.1)                             a1\n");

	doc = render_doc_new(RENDER_JSON);
	t = render_add(doc, "groups", "conf", "Group Memberships Table",
	    &cols_group, 0);
	group(t, NULL, "225.1.1.1", "a1");
	group(t, "10.0.0.5", "225.1.1.2", "a1");
	render_add(doc, "groups", "kernel", NULL, &cols_group, 0);
	CHECK_STR(emit(doc, &rc),
	    "{\"groups\":{\"conf\":["
	    "{\"source\":null,\"group\":\"225.1.1.1\",\"iif\":\"a1\"},"
	    "{\"source\":\"10.0.0.5\",\"group\":\"225.1.1.2\",\"iif\":\"a1\"}"
	    "],\"kernel\":[]}}\n");
}

static void
iface(struct render_table *t, int index, const char *name, int vif, int mif)
{
	render_row(t);
	render_cell_int(t, index);
	render_cell_str(t, name);
	if (vif < 0)
		render_cell_null(t);
	else
		render_cell_int(t, vif);
	if (mif < 0)
		render_cell_null(t);
	else
		render_cell_int(t, mif);
	if (vif < 0)
		render_cell_null(t);
	else
		render_cell_int(t, 1);
	if (mif < 0)
		render_cell_null(t);
	else
		render_cell_int(t, 1);
	render_cell_str(t, "up");
	render_cell_list(t);
	render_list_add(t, "UP");
	render_list_add(t, "MULTICAST");
}

static struct render_doc *
iface_doc(unsigned flags)
{
	struct render_doc *doc;
	struct render_table *t;

	doc = render_doc_new(flags);
	t = render_add(doc, NULL, "interfaces", NULL, &cols_iface, 0);
	iface(t, 1, "lo", -1, -1);
	iface(t, 3, "a1", 0, 0);
	return doc;
}

static void
test_interfaces(void)
{
	struct render_doc *doc;
	struct render_table *t;
	int rc;

	CHECK_STR(emit(iface_doc(0), &rc),
	    " INDEX PHYINT  VIF  MIF TTL HLIM STATE FLAGS=\n"
	    "     1 lo      N/A  N/A   -    - up    UP MULTICAST\n"
	    "     3 a1        0    0   1    1 up    UP MULTICAST\n");
	CHECK_STR(emit(iface_doc(RENDER_JSON), &rc),
	    "{\"interfaces\":["
	    "{\"index\":1,\"name\":\"lo\",\"vif\":null,\"mif\":null,"
	    "\"ttl_threshold\":null,\"hoplimit_threshold\":null,"
	    "\"state\":\"up\",\"flags\":[\"UP\",\"MULTICAST\"]},"
	    "{\"index\":3,\"name\":\"a1\",\"vif\":0,\"mif\":0,"
	    "\"ttl_threshold\":1,\"hoplimit_threshold\":1,"
	    "\"state\":\"up\",\"flags\":[\"UP\",\"MULTICAST\"]}]}\n");

	/* Columns widen to fit their data. */
	doc = render_doc_new(0);
	t = render_add(doc, NULL, "interfaces", NULL, &cols_iface, 0);
	iface(t, 1234567, "verylongname0", 12345, -1);
	CHECK_STR(emit(doc, &rc),
	    "  INDEX PHYINT          VIF  MIF TTL HLIM STATE FLAGS=\n"
	    "1234567 verylongname0 12345  N/A   1    - up    UP MULTICAST\n");
}

/*
 * show pending: in text the lines as in smcroute.conf under a plain
 * title ('~': never framed), a message when there is none; in JSON the
 * parts of each line.
 */
static void
test_pending(void)
{
	struct render_doc *doc;
	struct render_table *t;
	int rc;

	doc = render_doc_new(0);
	t = render_add(doc, NULL, "pending", "PENDING ROUTES AND GROUPS",
	    &cols_pending, RENDER_NOHEADING | RENDER_PLAINTITLE);
	render_set_empty(t, "No pending routes or groups");
	render_row(t);
	render_cell_str(t, "mroute");
	render_cell_str(t, "a1");
	render_cell_sg(t, NULL, "225.1.2.3");
	render_cell_list(t);
	render_list_add(t, "a2");
	render_cell_str(t, "mroute  from a1 group 225.1.2.3 to a2");
	render_row(t);
	render_cell_str(t, "mgroup");
	render_cell_str(t, "wg0");
	render_cell_sg(t, "1.2.3.4", "239.5.5.6");
	render_cell_list(t);
	render_cell_str(t, "mgroup  from wg0 source 1.2.3.4 group 239.5.5.6");
	CHECK_STR(emit(doc, &rc),
	    "PENDING ROUTES AND GROUPS~\n"
	    "mroute  from a1 group 225.1.2.3 to a2\n"
	    "mgroup  from wg0 source 1.2.3.4 group 239.5.5.6\n");

	doc = render_doc_new(0);
	t = render_add(doc, NULL, "pending", "PENDING ROUTES AND GROUPS",
	    &cols_pending, RENDER_NOHEADING | RENDER_PLAINTITLE);
	render_set_empty(t, "No pending routes or groups");
	CHECK_STR(emit(doc, &rc), "No pending routes or groups\n");

	/* A row or an empty text never ends in a mark. */
	doc = render_doc_new(0);
	t = render_add(doc, NULL, "pending", NULL, &cols_pending,
	    RENDER_NOHEADING);
	render_set_empty(t, "nothing~");
	CHECK_STR(emit(doc, &rc), "nothing~ \n");

	doc = render_doc_new(RENDER_JSON);
	t = render_add(doc, NULL, "pending", "PENDING ROUTES AND GROUPS",
	    &cols_pending, RENDER_NOHEADING | RENDER_PLAINTITLE);
	render_set_empty(t, "No pending routes or groups");
	render_row(t);
	render_cell_str(t, "mgroup");
	render_cell_str(t, "wg0");
	render_cell_sg(t, NULL, "239.5.5.5");
	render_cell_list(t);
	render_list_add(t, "a2");
	render_cell_str(t, "mgroup  from wg0 group 239.5.5.5");
	CHECK_STR(emit(doc, &rc),
	    "{\"pending\":[{\"kind\":\"mgroup\",\"iif\":\"wg0\","
	    "\"source\":null,\"group\":\"239.5.5.5\",\"oifs\":[\"a2\"]}]}\n");
}

/* A long IPv6 (S,G) widens the column for every row. */
static void
test_wide_sg(void)
{
	struct render_doc *doc;
	struct render_table *t;
	int rc;

	doc = render_doc_new(0);
	t = render_add(doc, "routes", "ssm", "(S,G) Rules", &cols_route, 0);
	route(t, "2001:db8:1234:5678:9abc:def0:1234:5678", "ff3e::8000:1",
	    "a1", 0, 0, "a2");
	route(t, "10.0.0.5", "225.4.4.4", "a1", 0, 0, "a2");
	CHECK_STR(emit(doc, &rc),
	    "(S,G) Rules_\n"
	    "ROUTE (S,G)                                            IIF  OIFS=\n"
	    "(2001:db8:1234:5678:9abc:def0:1234:5678, ff3e::8000:1) a1   a2\n"
	    "(10.0.0.5, 225.4.4.4)                                  a1   a2\n");
}

static void
test_escaping(void)
{
	struct render_doc *doc;
	struct render_table *t;
	int rc;

	doc = render_doc_new(RENDER_JSON);
	t = render_add(doc, NULL, "interfaces", NULL, &cols_iface, 0);
	iface(t, 1, "q\"b\\s/\x01\x1f\t\n\r\b\f\x7f", 0, -1);
	iface(t, 2, "\xc3\xa9t\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 0, -1);
	/* Invalid UTF-8: lone continuation, overlong, surrogate, cut. */
	iface(t, 3, "\x80\xc0\xaf\xed\xa0\x80\xe2\x82", 0, -1);
	CHECK_STR(emit(doc, &rc),
	    "{\"interfaces\":["
	    "{\"index\":1,\"name\":\"q\\\"b\\\\s/\\u0001\\u001f\\t\\n\\r\\b"
	    "\\f\\u007f\",\"vif\":0,\"mif\":null,"
	    "\"ttl_threshold\":1,\"hoplimit_threshold\":null,\"state\":\"up\","
	    "\"flags\":[\"UP\",\"MULTICAST\"]},"
	    "{\"index\":2,\"name\":\"\xc3\xa9t\xc3\xa9\xe2\x82\xac"
	    "\xf0\x9f\x98\x80\",\"vif\":0,\"mif\":null,"
	    "\"ttl_threshold\":1,\"hoplimit_threshold\":null,\"state\":\"up\","
	    "\"flags\":[\"UP\",\"MULTICAST\"]},"
	    "{\"index\":3,\"name\":\"\\u0080\\u00c0\\u00af\\u00ed\\u00a0"
	    "\\u0080\\u00e2\\u0082\",\"vif\":0,\"mif\":null,"
	    "\"ttl_threshold\":1,\"hoplimit_threshold\":null,\"state\":\"up\","
	    "\"flags\":[\"UP\",\"MULTICAST\"]}]}\n");

	/* Text: control characters are neutralised. */
	doc = render_doc_new(0);
	t = render_add(doc, NULL, "interfaces", "Ti\ntle", &cols_iface, 0);
	iface(t, 1, "e\x1b[2Jx", 0, 0);
	CHECK_STR(emit(doc, &rc),
	    "Ti?tle_\n"
	    " INDEX PHYINT  VIF  MIF TTL HLIM STATE FLAGS=\n"
	    "     1 e?[2Jx    0    0   1    1 up    UP MULTICAST\n");
}

/* A row must never look like a title or heading to smcroutectl. */
static void
test_markers(void)
{
	struct render_doc *doc;
	struct render_table *t;
	int rc;

	doc = render_doc_new(0);
	t = render_add(doc, "groups", "conf", NULL, &cols_group, 0);
	group(t, NULL, "225.1.1.1", "br_");
	group(t, NULL, "225.1.1.2", "x=");
	group(t, NULL, "225.1.1.3", "ok");
	CHECK_STR(emit(doc, &rc),
	    "GROUP (S,G)                                IIF=\n"
	    "(*, 225.1.1.1)                             br_ \n"
	    "(*, 225.1.1.2)                             x= \n"
	    "(*, 225.1.1.3)                             ok\n");
}

static void
test_misuse(void)
{
	struct render_doc *doc;
	struct render_table *t;
	int rc;

	/* Wrong kind of cell. */
	doc = render_doc_new(0);
	t = render_add(doc, NULL, "interfaces", NULL, &cols_iface, 0);
	render_row(t);
	render_cell_str(t, "1");
	CHECK(strstr(emit(doc, &rc), "wrong kind") != NULL);
	CHECK(rc == -1);

	/* Too few cells in the last row. */
	doc = render_doc_new(0);
	t = render_add(doc, NULL, "interfaces", NULL, &cols_iface, 0);
	render_row(t);
	render_cell_int(t, 1);
	CHECK(strstr(emit(doc, &rc), "1 of 8 cells") != NULL);
	CHECK(rc == -1);

	/* Too few cells, then a new row. */
	doc = render_doc_new(RENDER_JSON);
	t = render_add(doc, NULL, "interfaces", NULL, &cols_iface, 0);
	render_row(t);
	render_cell_int(t, 1);
	render_row(t);
	emit(doc, &rc);
	CHECK(rc == -1);

	/* Too many cells. */
	doc = render_doc_new(0);
	t = render_add(doc, "groups", "conf", NULL, &cols_group, 0);
	group(t, NULL, "225.1.1.1", "a1");
	render_cell_str(t, "a2");
	CHECK(strstr(emit(doc, &rc), "outside a row") != NULL);

	/* Null for a list or (S,G). */
	doc = render_doc_new(0);
	t = render_add(doc, "groups", "conf", NULL, &cols_group, 0);
	render_row(t);
	render_cell_null(t);
	emit(doc, &rc);
	CHECK(rc == -1);
	doc = render_doc_new(0);
	t = render_add(doc, "groups", "conf", NULL, &cols_group, 0);
	render_row(t);
	render_cell_sg(t, "10.0.0.1", NULL);
	emit(doc, &rc);
	CHECK(rc == -1);

	/* A list item without a list. */
	doc = render_doc_new(0);
	t = render_add(doc, "groups", "conf", NULL, &cols_group, 0);
	render_row(t);
	render_list_add(t, "a1");
	emit(doc, &rc);
	CHECK(rc == -1);

	/* The same table twice; a key that is also an object. */
	doc = render_doc_new(0);
	render_add(doc, "routes", "asm", NULL, &cols_route, 0);
	CHECK(render_add(doc, "routes", "asm", NULL, &cols_route, 0) == NULL);
	CHECK(strstr(emit(doc, &rc), "twice") != NULL);
	doc = render_doc_new(0);
	render_add(doc, "routes", "asm", NULL, &cols_route, 0);
	CHECK(render_add(doc, NULL, "routes", NULL, &cols_route, 0) == NULL);
	emit(doc, &rc);
	CHECK(rc == -1);
	doc = render_doc_new(0);
	render_add(doc, NULL, "groups", NULL, &cols_group, 0);
	CHECK(render_add(doc, "groups", "conf", NULL, &cols_group, 0) == NULL);
	emit(doc, &rc);
	CHECK(rc == -1);

	/* NULL tables are harmless. */
	render_row(NULL);
	render_cell_str(NULL, "x");
	render_cell_int(NULL, 1);
	render_cell_null(NULL);
	render_cell_sg(NULL, NULL, "225.1.1.1");
	render_cell_list(NULL);
	render_list_add(NULL, "x");
	CHECK(render_nrows(NULL) == 0);
	render_doc_free(NULL);
}

/* Several objects and top-level tables keep their first-seen order. */
static void
test_nesting(void)
{
	struct render_doc *doc;
	struct render_table *a, *b, *c;
	int rc;

	doc = render_doc_new(RENDER_JSON);
	a = render_add(doc, "routes", "asm", NULL, &cols_route, 0);
	b = render_add(doc, NULL, "interfaces", NULL, &cols_iface, 0);
	c = render_add(doc, "routes", "ssm", NULL, &cols_route, 0);
	route(a, NULL, "225.1.1.1", "a1", 0, 0, "");
	iface(b, 2, "a1", 1, -1);
	route(c, "10.0.0.1", "225.1.1.1", "a1", 0, 0, "a2 a3");
	CHECK(render_nrows(a) == 1);
	CHECK_STR(emit(doc, &rc),
	    "{\"routes\":{\"asm\":[{\"source\":null,\"group\":\"225.1.1.1\","
	    "\"iif\":\"a1\",\"oifs\":[]}],\"ssm\":[{\"source\":\"10.0.0.1\","
	    "\"group\":\"225.1.1.1\",\"iif\":\"a1\",\"oifs\":[\"a2\",\"a3\"]}]},"
	    "\"interfaces\":[{\"index\":2,\"name\":\"a1\",\"vif\":1,"
	    "\"mif\":null,\"ttl_threshold\":1,\"hoplimit_threshold\":null,"
	    "\"state\":\"up\",\"flags\":[\"UP\",\"MULTICAST\"]}]}\n");
}

/* A large table, for ASan and for a sense of speed. */
static void
test_large(void)
{
	struct render_doc *doc;
	struct render_table *t;
	char grp[32];
	const char *out;
	int i, rc, lines = 0;

	doc = render_doc_new(0);
	t = render_add(doc, "routes", "kernel", "Kernel MFC Table",
	    &cols_route, 0);
	for (i = 0; i < 50000; i++) {
		snprintf(grp, sizeof(grp), "225.%d.%d.%d", i >> 16,
		    (i >> 8) & 255, i & 255);
		route(t, "10.0.0.1", grp, "eth0", i, i * 100L, "eth1 eth2");
	}
	out = emit(doc, &rc);
	CHECK(rc == 0);
	for (; *out; out++)
		lines += *out == '\n';
	CHECK(lines == 50002);
}

/*
 * A table past the size render_doc_emit() hands over to the evbuffer
 * instead of copying, with every kind of list and (S,G) cell: the text
 * and the JSON are exactly what the rows say.
 */
static void
test_large_exact(void)
{
	static const char *oifs[3] = { "", "eth1", "eth1 eth2" };
	static const char *joifs[3] = { "[]", "[\"eth1\"]",
	    "[\"eth1\",\"eth2\"]" };
	struct render_doc *doc;
	struct render_table *t;
	char grp[32], sg[64], line[256], *want, *w;
	const char *out;
	int i, j, rc, n = 3000;
	size_t len = 128 * (size_t)n + 256;

	want = calloc(1, len);
	CHECK(want != NULL);
	if (!want)
		return;
	for (j = 0; j < 2; j++) {
		doc = render_doc_new(j ? RENDER_JSON : 0);
		t = render_add(doc, "routes", "kernel", "Kernel MFC Table",
		    &cols_route, 0);
		w = want;
		if (j)
			w += sprintf(w, "{\"routes\":{\"kernel\":[");
		else
			w += sprintf(w, "Kernel MFC Table_\n%-42s %-4s  %s=\n",
			    "ROUTE (S,G)", "IIF", "OIFS");
		for (i = 0; i < n; i++) {
			snprintf(grp, sizeof(grp), "225.0.%d.%d", i >> 8,
			    i & 255);
			route(t, i % 3 ? "10.0.0.1" : NULL, grp, "eth0", i,
			    i, oifs[i % 3]);
			if (j) {
				w += sprintf(w, "%s{\"source\":%s,\"group\":"
				    "\"%s\",\"iif\":\"eth0\",\"oifs\":%s}",
				    i ? "," : "", i % 3 ? "\"10.0.0.1\"" :
				    "null", grp, joifs[i % 3]);
				continue;
			}
			snprintf(sg, sizeof(sg), "(%s, %s)", i % 3 ?
			    "10.0.0.1" : "*", grp);
			snprintf(line, sizeof(line), "%-42s %-4s  %s", sg,
			    "eth0", oifs[i % 3]);
			while (line[strlen(line) - 1] == ' ')
				line[strlen(line) - 1] = '\0';
			w += sprintf(w, "%s\n", line);
		}
		if (j)
			sprintf(w, "]}}\n");
		out = emit(doc, &rc);
		CHECK(rc == 0);
		CHECK(strlen(out) > 65536);
		CHECK(!strcmp(out, want));
	}
	free(want);
}

int
main(void)
{
	test_routes_text();
	test_routes_detail();
	test_routes_json();
	test_empty();
	test_groups();
	test_interfaces();
	test_pending();
	test_wide_sg();
	test_escaping();
	test_markers();
	test_misuse();
	test_nesting();
	test_large();
	test_large_exact();
	return check_exit("test_render");
}
