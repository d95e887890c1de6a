/*
 * render.h - show output: one renderer for text tables and JSON
 *
 * A show command describes each object once, as rows of typed cells in
 * tables, and the document is emitted either as text or as JSON.
 *
 * Document model.  A document is one JSON object.  Each table is a JSON
 * array of row objects, placed either directly in the document under its
 * key, or under its key inside a named object:
 *
 *	render_add(doc, NULL, "interfaces", ...)	{"interfaces":[...]}
 *	render_add(doc, "routes", "asm", ...)	{"routes":{"asm":[...],...}}
 *
 * Objects and keys appear in the order of their first render_add().
 * A row
 * is an object whose members are the columns' keys in column order; a
 * RENDER_SG column gives two members (key, key2).  Strings are escaped
 * (quotes, backslash, control characters; bytes that are not valid UTF-8
 * become \u00XX); a null cell is null; a list is an array, [] when empty;
 * an empty table is [].  The JSON is one line, without spaces, followed
 * by a newline.
 *
 * Text.  Tables come out in render_add() order.  A table without
 * rows emits nothing at all.  Otherwise:
 *
 *	Title_			the title, when the table has one
 *	HEADING  HEADING=	the column headings, unless RENDER_NOHEADING
 *	cell     cell		one line per row
 *
 * The trailing '_' or '=' marks the line for smcroutectl, which strips
 * it and decorates (or with -t drops) the line.  A RENDER_PLAINTITLE
 * title ends in '~' instead: smcroutectl prints it as it is (or drops it
 * with -t), undecorated, as SMCRoute prints its `show pending` heading.
 * A row never ends in '_', '=' or '~': one that would gets a trailing
 * space.  A table without rows that has an empty text (render_set_empty)
 * emits that text as its one line, unmarked.  Columns are separated
 * by one space (two before a RENDER_COL_WIDE column); each column is as
 * wide as its widest cell or heading, at least width; left-aligned cells
 * are padded on the right except in the last column; trailing spaces are
 * trimmed.  A RENDER_SG cell reads "(S, G)", with "*" for a null source; a
 * list reads "a b c"; a null cell reads the column's null text.  Control
 * characters in text become '?'.
 *
 * A column with a NULL heading is JSON only; one with a NULL key is text
 * only.  RENDER_COL_DETAIL columns appear only in a RENDER_DETAIL document
 * (smcroutectl -d), in text and JSON alike; callers always add their
 * cells, so one renderer serves both modes.
 *
 * Misuse (a cell of the wrong kind, too many or too few cells, the same
 * key twice, out of memory) is recorded in the document; every later
 * call is a no-op and render_doc_emit() reports the first error.  Every
 * function accepts a NULL table, so callers need not check
 * render_add().  The tables of each show live beside the objects
 * they show: showcols.c for the core's, proxy/pshow.c for the proxy's.
 */
#ifndef SMCR_RENDER_H
#define SMCR_RENDER_H

#include <stddef.h>
#include <stdint.h>

struct evbuffer;
struct render_doc;
struct render_table;

/* render_doc_new() flags */
#define RENDER_JSON		0x0001	/* emit JSON, not text */
#define RENDER_DETAIL		0x0002	/* with RENDER_COL_DETAIL columns */

/* render_add() flags */
#define RENDER_NOHEADING	0x0001	/* text: no column heading line */
#define RENDER_PLAINTITLE	0x0002	/* text: title marked '~' */

enum render_kind {
	RENDER_STR,		/* string, or null */
	RENDER_INT,		/* int64_t, or null */
	RENDER_LIST,		/* list of strings */
	RENDER_SG,		/* (source, group): source may be null */
};

enum render_align {
	RENDER_LEFT,
	RENDER_RIGHT,
};

/* struct render_col flags */
#define RENDER_COL_DETAIL	0x0001	/* only in RENDER_DETAIL docs */
#define RENDER_COL_WIDE		0x0002	/* two spaces before it */

struct render_col {
	const char		*heading;	/* NULL: JSON only */
	const char		*key;		/* JSON key; NULL: text only */
	const char		*key2;		/* SG: the group's key */
	enum render_kind	 kind;
	enum render_align	 align;
	int			 width;		/* minimum text width */
	const char		*null;		/* text of a null cell, or "" */
	unsigned		 flags;		/* RENDER_COL_* */
};

struct render_def {
	const struct render_col	*cols;
	int			 ncols;
};

struct render_doc *render_doc_new(unsigned flags);
void		 render_doc_free(struct render_doc *);

/*
 * Add a table.  object is NULL for a table directly in the document.
 * title is NULL for none.  The strings are copied.
 */
struct render_table *render_add(struct render_doc *, const char *object,
		    const char *key, const char *title,
		    const struct render_def *def, unsigned flags);

/*
 * A table whose rows are made only when the document is emitted:
 * render_doc_emit() calls fill(t, arg), which adds every row as
 * render_row() and the cell calls do, twice for text (the column widths
 * first, then the lines) and once for JSON.  Only the row being made is
 * kept, so a table of any length costs its output alone.  fill must make
 * the same rows each time (it runs within render_doc_emit(), with
 * nothing else in between) and add rows to its own table only;
 * render_nrows() of such a table is 0.
 */
typedef void (*render_fill_fn)(struct render_table *, void *arg);
struct render_table *render_add_fill(struct render_doc *, const char *object,
		    const char *key, const char *title,
		    const struct render_def *def, unsigned flags,
		    render_fill_fn fill, void *arg);

/* Start a row; then add exactly one cell per column, in column order. */
void		 render_row(struct render_table *);
/* A string cell; NULL is null. */
void		 render_cell_str(struct render_table *, const char *);
void		 render_cell_int(struct render_table *, int64_t);
/* A null STR or INT cell. */
void		 render_cell_null(struct render_table *);
void		 render_cell_sg(struct render_table *, const char *src,
		    const char *grp);
/* Start a list cell (empty), then add its items. */
void		 render_cell_list(struct render_table *);
void		 render_list_add(struct render_table *, const char *);

/* Number of rows so far. */
int		 render_nrows(const struct render_table *);
/* Text: the line to emit when the table has no rows (copied). */
void		 render_set_empty(struct render_table *, const char *);

/*
 * Append the document, as text or JSON, to out.  Returns 0, or -1 with
 * the first recorded error in err and nothing appended.
 */
int		 render_doc_emit(struct render_doc *, struct evbuffer *out,
		    char *err, size_t errlen);

#endif /* SMCR_RENDER_H */
