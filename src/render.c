/*
 * render.c - show output: one renderer for text tables and JSON
 *
 * Rows are kept until render_doc_emit(), because text column widths
 * depend on every row.  So they are kept small: a cell is 16 bytes, and
 * the strings of a table are packed one after another in one pool (a
 * show of 10,000 routes would otherwise hold a few small allocations
 * per cell, 600 bytes a row).  See render.h for the output formats.
 */
#include "config.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <event2/buffer.h>

#include "render.h"

#define RENDER_ERRLEN	256

#define POOL_NONE	UINT32_MAX	/* no string: an SG without source */

/*
 * One cell; kind is the kind of the call that set it.  Strings are
 * offsets into the table's pool; a list's items follow each other
 * there, each with its NUL, from the first one's offset on.
 */
struct cell {
	union {
		int64_t		 num;		/* RENDER_INT */
		struct {
			uint32_t s;	/* STR; SG source; LIST first item */
			uint32_t s2;	/* RENDER_SG group */
		}		 str;
	}			 u;
	uint32_t		 nv;		/* RENDER_LIST items */
	uint8_t			 kind;		/* enum render_kind */
	uint8_t			 isnull;
};

struct render_table {
	TAILQ_ENTRY(render_table) link;
	struct render_doc	*doc;
	const struct render_def	*def;
	char			*object;	/* NULL: directly in the doc */
	char			*key;
	char			*title;		/* NULL: none */
	char			*empty;		/* text without rows, or NULL */
	unsigned		 flags;
	struct cell		*cells;		/* nrows * ncols, row-major */
	size_t			 ncells;
	size_t			 cap;
	char			*pool;		/* the cells' strings */
	size_t			 plen;
	size_t			 pcap;
	render_fill_fn		 fill;		/* rows made at emit time */
	void			*fill_arg;
	struct fill_pass	*pass;		/* set while fill runs */
	int			 nrows;
	int			 emitted;	/* JSON: already written */
};

/*
 * What the rows of a fill table are made for: each row is taken as soon
 * as it is complete, then its cells are dropped (render_row()).
 */
struct fill_pass {
	enum { FILL_MEASURE, FILL_TEXT, FILL_JSON } what;
	struct sbuf		*out;		/* TEXT, JSON */
	int			*widths;	/* MEASURE (grown), TEXT */
	struct sbuf		*texts;		/* MEASURE, TEXT: per column */
	int			 nrows;		/* rows taken so far */
};

struct render_doc {
	unsigned		 flags;
	TAILQ_HEAD(, render_table) tables;
	char			 err[RENDER_ERRLEN]; /* first error */
};

/* A growable string; on allocation failure it records nomem and stops. */
struct sbuf {
	char			*p;
	size_t			 len;
	size_t			 cap;
	int			 nomem;
	struct evbuffer		*spill;		/* the output: see sb_spill() */
};

#define RENDER_SPILL	65536	/* bytes of output kept in an sbuf */

/*
 * After a whole line or JSON row of the output: once it holds
 * RENDER_SPILL bytes, move them to the evbuffer, whose chains grow
 * without copying what they hold (an sbuf doubles by realloc, which
 * copies: two megabytes at a time for a show of 10,000 routes).
 */
static void
sb_spill(struct sbuf *sb)
{
	if (!sb->spill || sb->nomem || sb->len < RENDER_SPILL)
		return;
	if (evbuffer_add(sb->spill, sb->p, sb->len))
		sb->nomem = 1;
	else
		sb->len = 0;
}

static int
sb_grow(struct sbuf *sb, size_t n)
{
	size_t cap;
	char *p;

	if (sb->nomem)
		return -1;
	if (sb->len + n <= sb->cap)
		return 0;
	cap = sb->cap ? sb->cap : 256;
	while (cap < sb->len + n)
		cap *= 2;
	p = realloc(sb->p, cap);
	if (!p) {
		sb->nomem = 1;
		return -1;
	}
	sb->p = p;
	sb->cap = cap;
	return 0;
}

static void
sb_add(struct sbuf *sb, const char *s, size_t n)
{
	/* Nothing to add: the buffer may not exist yet (memcpy(NULL)). */
	if (n == 0 || sb_grow(sb, n))
		return;
	memcpy(sb->p + sb->len, s, n);
	sb->len += n;
}

static void
sb_str(struct sbuf *sb, const char *s)
{
	sb_add(sb, s, strlen(s));
}

static void
sb_chr(struct sbuf *sb, char c)
{
	sb_add(sb, &c, 1);
}

static void
sb_pad(struct sbuf *sb, size_t n)
{
	if (sb_grow(sb, n))
		return;
	memset(sb->p + sb->len, ' ', n);
	sb->len += n;
}

/* Text for a terminal: control characters become '?'. */
static void
sb_text(struct sbuf *sb, const char *s)
{
	size_t start = sb->len, i;

	sb_str(sb, s);
	if (sb->nomem)
		return;
	for (i = start; i < sb->len; i++) {
		unsigned char c = sb->p[i];

		if (c < 0x20 || c == 0x7f)
			sb->p[i] = '?';
	}
}

/* Length of a valid UTF-8 sequence at s (RFC 3629), or 0. */
static size_t
utf8_len(const unsigned char *s, size_t n)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t len, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4;
	else
		return 0;
	if (n < len)
		return 0;
	/* No overlong forms, surrogates, or code points past U+10FFFF. */
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return len;
}

static void
sb_json_str(struct sbuf *sb, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n = strlen(str), i, len;
	char esc[8];

	sb_chr(sb, '"');
	for (i = 0; i < n; i += len) {
		len = 1;
		switch (s[i]) {
		case '"':
			sb_str(sb, "\\\"");
			continue;
		case '\\':
			sb_str(sb, "\\\\");
			continue;
		case '\b':
			sb_str(sb, "\\b");
			continue;
		case '\f':
			sb_str(sb, "\\f");
			continue;
		case '\n':
			sb_str(sb, "\\n");
			continue;
		case '\r':
			sb_str(sb, "\\r");
			continue;
		case '\t':
			sb_str(sb, "\\t");
			continue;
		}
		if (s[i] < 0x20 || s[i] == 0x7f) {
			snprintf(esc, sizeof(esc), "\\u%04x", s[i]);
			sb_str(sb, esc);
			continue;
		}
		len = utf8_len(s + i, n - i);
		if (len == 0) {
			/* Not UTF-8: keep the byte, as a Latin-1 code point. */
			snprintf(esc, sizeof(esc), "\\u%04x", s[i]);
			sb_str(sb, esc);
			len = 1;
			continue;
		}
		sb_add(sb, (const char *)s + i, len);
	}
	sb_chr(sb, '"');
}

static void
doc_error(struct render_doc *doc, const char *fmt, ...)
{
	va_list ap;

	if (doc->err[0])
		return;
	va_start(ap, fmt);
	vsnprintf(doc->err, sizeof(doc->err), fmt, ap);
	va_end(ap);
}

struct render_doc *
render_doc_new(unsigned flags)
{
	struct render_doc *doc;

	doc = calloc(1, sizeof(*doc));
	if (!doc)
		return NULL;
	doc->flags = flags;
	TAILQ_INIT(&doc->tables);
	return doc;
}

static void
render_table_free(struct render_table *t)
{
	free(t->cells);
	free(t->pool);
	free(t->object);
	free(t->key);
	free(t->title);
	free(t->empty);
	free(t);
}

void
render_doc_free(struct render_doc *doc)
{
	struct render_table *t;

	if (!doc)
		return;
	while ((t = TAILQ_FIRST(&doc->tables)) != NULL) {
		TAILQ_REMOVE(&doc->tables, t, link);
		render_table_free(t);
	}
	free(doc);
}

static int
same(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return !strcmp(a, b);
}

struct render_table *
render_add(struct render_doc *doc, const char *object, const char *key,
    const char *title, const struct render_def *def, unsigned flags)
{
	struct render_table *t, *o;

	if (!doc || doc->err[0])
		return NULL;
	if (!key || !def || def->ncols <= 0) {
		doc_error(doc, "table without a key or columns");
		return NULL;
	}
	TAILQ_FOREACH(o, &doc->tables, link) {
		if (same(o->object, object) && !strcmp(o->key, key)) {
			doc_error(doc, "table %s%s%s added twice",
			    object ? object : "", object ? "." : "", key);
			return NULL;
		}
		/* A top-level name is either an object or a table. */
		if ((!o->object && object && !strcmp(o->key, object)) ||
		    (o->object && !object && !strcmp(o->object, key))) {
			doc_error(doc, "JSON key %s used twice",
			    object ? object : key);
			return NULL;
		}
	}

	t = calloc(1, sizeof(*t));
	if (!t)
		goto nomem;
	t->doc = doc;
	t->def = def;
	t->flags = flags;
	t->key = strdup(key);
	if (object)
		t->object = strdup(object);
	if (title)
		t->title = strdup(title);
	if (!t->key || (object && !t->object) || (title && !t->title)) {
		render_table_free(t);
		goto nomem;
	}
	TAILQ_INSERT_TAIL(&doc->tables, t, link);
	return t;
nomem:
	doc_error(doc, "out of memory");
	return NULL;
}

int
render_nrows(const struct render_table *t)
{
	return t ? t->nrows : 0;
}

void
render_set_empty(struct render_table *t, const char *text)
{
	if (!t || t->doc->err[0])
		return;
	free(t->empty);
	t->empty = text ? strdup(text) : NULL;
	if (text && !t->empty)
		doc_error(t->doc, "out of memory");
}

static void	fill_take(struct render_table *);

void
render_row(struct render_table *t)
{
	if (!t || t->doc->err[0])
		return;
	if (t->ncells != (size_t)t->nrows * t->def->ncols) {
		doc_error(t->doc, "table %s row %d: %zu of %d cells", t->key,
		    t->nrows - 1, t->ncells % t->def->ncols, t->def->ncols);
		return;
	}
	if (t->fill && !t->pass) {
		doc_error(t->doc, "table %s: a row outside its fill", t->key);
		return;
	}
	/* A fill table keeps one row: the one before is complete now. */
	if (t->pass && t->nrows)
		fill_take(t);
	t->nrows++;
}

struct render_table *
render_add_fill(struct render_doc *doc, const char *object, const char *key,
    const char *title, const struct render_def *def, unsigned flags,
    render_fill_fn fill, void *arg)
{
	struct render_table *t;

	if (doc && !fill) {
		doc_error(doc, "table %s without a fill function",
		    key ? key : "?");
		return NULL;
	}
	t = render_add(doc, object, key, title, def, flags);
	if (t) {
		t->fill = fill;
		t->fill_arg = arg;
	}
	return t;
}

/*
 * The next cell of the current row, zeroed, if it may hold a value of
 * this kind (null is allowed for STR and INT columns).
 */
static struct cell *
cell_next(struct render_table *t, enum render_kind kind, int isnull)
{
	const struct render_col *col;
	struct cell *c;
	size_t cap;

	if (!t || t->doc->err[0])
		return NULL;
	if (t->nrows == 0 || t->ncells >= (size_t)t->nrows * t->def->ncols) {
		doc_error(t->doc, "table %s: cell outside a row", t->key);
		return NULL;
	}
	col = &t->def->cols[t->ncells % t->def->ncols];
	if (isnull ? (col->kind != RENDER_STR && col->kind != RENDER_INT) :
	    col->kind != kind) {
		doc_error(t->doc, "table %s column %s: wrong kind of cell",
		    t->key, col->key ? col->key : col->heading);
		return NULL;
	}
	if (t->ncells == t->cap) {
		cap = t->cap ? t->cap * 2 : 64;
		c = reallocarray(t->cells, cap, sizeof(*c));
		if (!c) {
			doc_error(t->doc, "out of memory");
			return NULL;
		}
		t->cells = c;
		t->cap = cap;
	}
	c = &t->cells[t->ncells++];
	memset(c, 0, sizeof(*c));
	c->kind = col->kind;
	c->isnull = isnull;
	return c;
}

/* Copy s to the end of t's pool: its offset, or POOL_NONE (error). */
static uint32_t
pool_add(struct render_table *t, const char *s)
{
	size_t n = strlen(s) + 1, cap;
	uint32_t off;
	char *p;

	if (n >= POOL_NONE - t->plen) {
		doc_error(t->doc, "out of memory");
		return POOL_NONE;
	}
	if (t->plen + n > t->pcap) {
		cap = t->pcap ? t->pcap : 256;
		while (cap < t->plen + n)
			cap *= 2;
		if ((p = realloc(t->pool, cap)) == NULL) {
			doc_error(t->doc, "out of memory");
			return POOL_NONE;
		}
		t->pool = p;
		t->pcap = cap;
	}
	memcpy(t->pool + t->plen, s, n);
	off = (uint32_t)t->plen;
	t->plen += n;
	return off;
}

static const char *
pool_str(const struct render_table *t, uint32_t off)
{
	return t->pool + off;
}

void
render_cell_str(struct render_table *t, const char *s)
{
	struct cell *c;

	c = cell_next(t, RENDER_STR, s == NULL);
	if (c && s)
		c->u.str.s = pool_add(t, s);
}

void
render_cell_int(struct render_table *t, int64_t v)
{
	struct cell *c;

	c = cell_next(t, RENDER_INT, 0);
	if (c)
		c->u.num = v;
}

void
render_cell_null(struct render_table *t)
{
	cell_next(t, RENDER_STR, 1);
}

void
render_cell_sg(struct render_table *t, const char *src, const char *grp)
{
	struct cell *c;

	if (t && !grp) {
		doc_error(t->doc, "table %s: (S,G) cell without a group",
		    t->key);
		return;
	}
	c = cell_next(t, RENDER_SG, 0);
	if (!c)
		return;
	c->u.str.s = src ? pool_add(t, src) : POOL_NONE;
	c->u.str.s2 = pool_add(t, grp);
}

void
render_cell_list(struct render_table *t)
{
	cell_next(t, RENDER_LIST, 0);
}

void
render_list_add(struct render_table *t, const char *item)
{
	struct cell *c;
	uint32_t off;

	if (!t || t->doc->err[0])
		return;
	c = t->ncells ? &t->cells[t->ncells - 1] : NULL;
	if (!c || c->kind != RENDER_LIST || !item) {
		doc_error(t->doc, "table %s: list item without a list",
		    t->key);
		return;
	}
	/* The list is the last cell: nothing came into the pool since. */
	if ((off = pool_add(t, item)) == POOL_NONE)
		return;
	if (c->nv++ == 0)
		c->u.str.s = off;
}

static int
col_shown(const struct render_doc *doc, const struct render_col *col)
{
	return !(col->flags & RENDER_COL_DETAIL) ||
	    (doc->flags & RENDER_DETAIL);
}

/* Append the text of a cell of t (sanitised). */
static void
cell_text(struct sbuf *sb, const struct render_table *t,
    const struct render_col *col, const struct cell *c)
{
	const char *item;
	char num[32];
	uint32_t i;

	if (c->isnull) {
		sb_text(sb, col->null ? col->null : "");
		return;
	}
	switch (c->kind) {
	case RENDER_STR:
		sb_text(sb, pool_str(t, c->u.str.s));
		break;
	case RENDER_INT:
		snprintf(num, sizeof(num), "%" PRId64, c->u.num);
		sb_str(sb, num);
		break;
	case RENDER_LIST:
		item = c->nv ? pool_str(t, c->u.str.s) : NULL;
		for (i = 0; i < c->nv; i++, item += strlen(item) + 1) {
			if (i)
				sb_chr(sb, ' ');
			sb_text(sb, item);
		}
		break;
	case RENDER_SG:
		sb_chr(sb, '(');
		sb_text(sb, c->u.str.s == POOL_NONE ? "*" :
		    pool_str(t, c->u.str.s));
		sb_str(sb, ", ");
		sb_text(sb, pool_str(t, c->u.str.s2));
		sb_chr(sb, ')');
		break;
	}
}

/*
 * Append one line: texts[i] for each shown column i, laid out per
 * widths[]; then the marker, if any, and a newline.
 */
static void
text_line(struct sbuf *out, const struct render_table *t, const int *widths,
    struct sbuf *texts, char marker)
{
	const struct render_def *def = t->def;
	int i, last = -1, first = 1;
	size_t start = out->len, w;

	for (i = 0; i < def->ncols; i++)
		if (widths[i] >= 0)
			last = i;
	for (i = 0; i < def->ncols; i++) {
		if (widths[i] < 0)
			continue;
		if (!first)
			sb_pad(out,
			    def->cols[i].flags & RENDER_COL_WIDE ? 2 : 1);
		first = 0;
		w = texts[i].len;
		if (def->cols[i].align == RENDER_RIGHT && w < (size_t)widths[i])
			sb_pad(out, widths[i] - w);
		sb_add(out, texts[i].p, w);
		if (def->cols[i].align == RENDER_LEFT && i != last &&
		    w < (size_t)widths[i])
			sb_pad(out, widths[i] - w);
	}
	if (out->nomem)
		return;
	while (out->len > start && out->p[out->len - 1] == ' ')
		out->len--;
	if (marker)
		sb_chr(out, marker);
	else if (out->len > start && (out->p[out->len - 1] == '_' ||
	    out->p[out->len - 1] == '=' || out->p[out->len - 1] == '~'))
		sb_chr(out, ' ');
	sb_chr(out, '\n');
	sb_spill(out);
}

/* Widen widths[] to the cells of row r. */
static void
text_measure_row(const struct render_table *t, int r, int *widths,
    struct sbuf *texts)
{
	const struct render_def *def = t->def;
	int i;

	for (i = 0; i < def->ncols; i++) {
		if (widths[i] < 0)
			continue;
		texts[i].len = 0;
		cell_text(&texts[i], t, &def->cols[i],
		    &t->cells[r * def->ncols + i]);
		if (texts[i].len > (size_t)widths[i])
			widths[i] = texts[i].len;
	}
}

static void
text_write_row(struct sbuf *out, const struct render_table *t, int r,
    const int *widths, struct sbuf *texts)
{
	const struct render_def *def = t->def;
	int i;

	for (i = 0; i < def->ncols; i++) {
		texts[i].len = 0;
		if (widths[i] >= 0)
			cell_text(&texts[i], t, &def->cols[i],
			    &t->cells[r * def->ncols + i]);
	}
	text_line(out, t, widths, texts, 0);
}

static void	json_row(struct sbuf *, const struct render_table *, int);

/* The row a fill table holds is complete: take it, then drop it. */
static void
fill_take(struct render_table *t)
{
	struct fill_pass *fp = t->pass;

	if (t->ncells != (size_t)t->def->ncols) {
		doc_error(t->doc, "table %s row %d: %zu of %d cells", t->key,
		    fp->nrows, t->ncells % t->def->ncols, t->def->ncols);
		return;
	}
	switch (fp->what) {
	case FILL_MEASURE:
		text_measure_row(t, 0, fp->widths, fp->texts);
		break;
	case FILL_TEXT:
		text_write_row(fp->out, t, 0, fp->widths, fp->texts);
		break;
	case FILL_JSON:
		if (fp->nrows)
			sb_chr(fp->out, ',');
		json_row(fp->out, t, 0);
		break;
	}
	fp->nrows++;
	t->ncells = 0;
	t->nrows = 0;
	t->plen = 0;
}

/* Have the rows of a fill table made, each taken for fp. */
static void
fill_run(struct render_table *t, struct fill_pass *fp)
{
	t->ncells = 0;
	t->nrows = 0;
	t->plen = 0;
	t->pass = fp;
	t->fill(t, t->fill_arg);
	if (!t->doc->err[0] && t->nrows)
		fill_take(t);
	t->pass = NULL;
	t->ncells = 0;
	t->nrows = 0;
	t->plen = 0;
}

static void
text_table(struct sbuf *out, struct render_table *t)
{
	const struct render_def *def = t->def;
	const struct render_col *col;
	struct fill_pass fp;
	struct sbuf *texts;
	int *widths, i, r, nrows = t->nrows;
	size_t len;

	widths = calloc(def->ncols, sizeof(*widths));
	texts = calloc(def->ncols, sizeof(*texts));
	if (!widths || !texts) {
		out->nomem = 1;
		goto done;
	}

	for (i = 0; i < def->ncols; i++) {
		col = &def->cols[i];
		if (!col->heading || !col_shown(t->doc, col)) {
			widths[i] = -1;
			continue;
		}
		widths[i] = col->width;
		len = strlen(col->heading);
		if (len > (size_t)widths[i])
			widths[i] = len;
	}
	/* A fill table is made twice: measured, then written. */
	memset(&fp, 0, sizeof(fp));
	fp.out = out;
	fp.widths = widths;
	fp.texts = texts;
	if (t->fill) {
		fp.what = FILL_MEASURE;
		fill_run(t, &fp);
		if (t->doc->err[0])
			goto done;
		nrows = fp.nrows;
	} else {
		for (r = 0; r < nrows; r++)
			text_measure_row(t, r, widths, texts);
	}

	if (nrows == 0) {
		if (t->empty) {
			len = out->len;
			sb_text(out, t->empty);
			if (out->len > len && strchr("_=~",
			    out->p[out->len - 1]))
				sb_chr(out, ' ');
			sb_chr(out, '\n');
		}
		goto done;
	}
	if (t->title) {
		sb_text(out, t->title);
		sb_str(out, t->flags & RENDER_PLAINTITLE ? "~\n" : "_\n");
	}
	if (!(t->flags & RENDER_NOHEADING)) {
		for (i = 0; i < def->ncols; i++) {
			texts[i].len = 0;
			if (widths[i] >= 0)
				sb_text(&texts[i], def->cols[i].heading);
		}
		text_line(out, t, widths, texts, '=');
	}
	if (t->fill) {
		fp.what = FILL_TEXT;
		fp.nrows = 0;
		fill_run(t, &fp);
		if (!t->doc->err[0] && fp.nrows != nrows)
			doc_error(t->doc, "table %s: %d rows, then %d", t->key,
			    nrows, fp.nrows);
	} else {
		for (r = 0; r < nrows; r++)
			text_write_row(out, t, r, widths, texts);
	}
	for (i = 0; i < def->ncols; i++)
		if (texts[i].nomem)
			out->nomem = 1;
done:
	if (texts)
		for (i = 0; i < def->ncols; i++)
			free(texts[i].p);
	free(texts);
	free(widths);
}

static void
json_member(struct sbuf *out, const char *key, int *first)
{
	if (!*first)
		sb_chr(out, ',');
	*first = 0;
	sb_json_str(out, key);
	sb_chr(out, ':');
}

static void
json_row(struct sbuf *out, const struct render_table *t, int r)
{
	const struct render_def *def = t->def;
	const struct render_col *col;
	const struct cell *c;
	const char *item;
	char num[32];
	int i, first;
	uint32_t j;

	sb_chr(out, '{');
	first = 1;
	for (i = 0; i < def->ncols; i++) {
		col = &def->cols[i];
		c = &t->cells[r * def->ncols + i];
		if (!col->key || !col_shown(t->doc, col))
			continue;
		json_member(out, col->key, &first);
		if (c->isnull) {
			sb_str(out, "null");
			continue;
		}
		switch (c->kind) {
		case RENDER_STR:
			sb_json_str(out, pool_str(t, c->u.str.s));
			break;
		case RENDER_INT:
			snprintf(num, sizeof(num), "%" PRId64,
			    c->u.num);
			sb_str(out, num);
			break;
		case RENDER_LIST:
			sb_chr(out, '[');
			item = c->nv ? pool_str(t, c->u.str.s) : NULL;
			for (j = 0; j < c->nv; j++,
			    item += strlen(item) + 1) {
				if (j)
					sb_chr(out, ',');
				sb_json_str(out, item);
			}
			sb_chr(out, ']');
			break;
		case RENDER_SG:
			if (c->u.str.s != POOL_NONE)
				sb_json_str(out,
				    pool_str(t, c->u.str.s));
			else
				sb_str(out, "null");
			json_member(out, col->key2 ? col->key2 :
			    "group", &first);
			sb_json_str(out, pool_str(t, c->u.str.s2));
			break;
		}
	}
	sb_chr(out, '}');
	sb_spill(out);
}

static void
json_table(struct sbuf *out, struct render_table *t)
{
	struct fill_pass fp;
	int r;

	sb_chr(out, '[');
	if (t->fill) {
		memset(&fp, 0, sizeof(fp));
		fp.what = FILL_JSON;
		fp.out = out;
		fill_run(t, &fp);
	} else {
		for (r = 0; r < t->nrows; r++) {
			if (r)
				sb_chr(out, ',');
			json_row(out, t, r);
		}
	}
	sb_chr(out, ']');
}

static void
json_doc(struct sbuf *out, struct render_doc *doc)
{
	struct render_table *t, *u;
	int first = 1, ufirst;

	TAILQ_FOREACH(t, &doc->tables, link)
		t->emitted = 0;
	sb_chr(out, '{');
	TAILQ_FOREACH(t, &doc->tables, link) {
		if (t->emitted)
			continue;
		if (!t->object) {
			json_member(out, t->key, &first);
			json_table(out, t);
			t->emitted = 1;
			continue;
		}
		/* The object, with all its tables in order. */
		json_member(out, t->object, &first);
		sb_chr(out, '{');
		ufirst = 1;
		for (u = t; u; u = TAILQ_NEXT(u, link)) {
			if (!same(u->object, t->object))
				continue;
			json_member(out, u->key, &ufirst);
			json_table(out, u);
			u->emitted = 1;
		}
		sb_chr(out, '}');
	}
	sb_str(out, "}\n");
}

int
render_doc_emit(struct render_doc *doc, struct evbuffer *out, char *err,
    size_t errlen)
{
	struct sbuf sb = { NULL, 0, 0, 0, NULL };
	struct render_table *t;
	int rc = -1;

	if (!doc) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	TAILQ_FOREACH(t, &doc->tables, link)
		if (t->ncells != (size_t)t->nrows * t->def->ncols)
			doc_error(doc, "table %s row %d: %zu of %d cells",
			    t->key, t->nrows - 1, t->ncells % t->def->ncols,
			    t->def->ncols);
	if (doc->err[0]) {
		snprintf(err, errlen, "%s", doc->err);
		return -1;
	}
	/* Filled in full before any of it goes to out. */
	if ((sb.spill = evbuffer_new()) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}

	if (doc->flags & RENDER_JSON)
		json_doc(&sb, doc);
	else
		TAILQ_FOREACH(t, &doc->tables, link)
			text_table(&sb, t);
	/* A fill function's misuse shows only now. */
	if (doc->err[0])
		snprintf(err, errlen, "%s", doc->err);
	else if (sb.nomem || (sb.len && evbuffer_add(sb.spill, sb.p,
	    sb.len)) || evbuffer_add_buffer(out, sb.spill))
		snprintf(err, errlen, "out of memory");
	else
		rc = 0;
	free(sb.p);
	evbuffer_free(sb.spill);
	return rc;
}
