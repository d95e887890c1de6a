/*
 * table.h - show output: one renderer for text tables and JSON
 *
 * A show command describes each object once, as rows of typed cells in
 * tables, and the document is emitted either as text or as JSON.
 *
 * Document model.  A document is one JSON object.  Each table is a JSON
 * array of row objects, placed either directly in the document under its
 * key, or under its key inside a named object:
 *
 *	table_new(doc, NULL, "interfaces", ...)   {"interfaces":[...]}
 *	table_new(doc, "routes", "asm", ...)      {"routes":{"asm":[...],...}}
 *
 * Objects and keys appear in the order of their first table_new().  A row
 * is an object whose members are the columns' keys in column order; a
 * TABLE_SG column gives two members (key, key2).  Strings are escaped
 * (quotes, backslash, control characters; bytes that are not valid UTF-8
 * become \u00XX); a null cell is null; a list is an array, [] when empty;
 * an empty table is [].  The JSON is one line, without spaces, followed
 * by a newline.
 *
 * Text.  Tables come out in table_new() order.  A table without rows
 * emits nothing at all.  Otherwise:
 *
 *	Title_			the title, when the table has one
 *	HEADING  HEADING=	the column headings, unless TABLE_NOHEADING
 *	cell     cell		one line per row
 *
 * The trailing '_' or '=' marks the line for smcroutectl, which strips
 * it and decorates (or with -t drops) the line.  A TABLE_PLAINTITLE
 * title ends in '~' instead: smcroutectl prints it as it is (or drops it
 * with -t), undecorated, as SMCRoute prints its `show pending` heading.
 * A row never ends in '_', '=' or '~': one that would gets a trailing
 * space.  A table without rows that has an empty text (table_set_empty)
 * emits that text as its one line, unmarked.  Columns are separated
 * by one space (two before a TABLE_COL_WIDE column); each column is as
 * wide as its widest cell or heading, at least width; left-aligned cells
 * are padded on the right except in the last column; trailing spaces are
 * trimmed.  A TABLE_SG cell reads "(S, G)", with "*" for a null source; a
 * list reads "a b c"; a null cell reads the column's null text.  Control
 * characters in text become '?'.
 *
 * A column with a NULL heading is JSON only; one with a NULL key is text
 * only.  TABLE_COL_DETAIL columns appear only in a TABLE_DETAIL document
 * (smcroutectl -d), in text and JSON alike; callers always add their
 * cells, so one renderer serves both modes.
 *
 * Misuse (a cell of the wrong kind, too many or too few cells, the same
 * key twice, out of memory) is recorded in the document; every later
 * call is a no-op and table_doc_emit() reports the first error.  Every
 * function accepts a NULL table, so callers need not check table_new().
 */
#ifndef SMCR_TABLE_H
#define SMCR_TABLE_H

#include <stddef.h>
#include <stdint.h>

struct evbuffer;
struct table_doc;
struct table;

/* table_doc_new() flags */
#define TABLE_JSON		0x0001	/* emit JSON, not text */
#define TABLE_DETAIL		0x0002	/* include TABLE_COL_DETAIL columns */

/* table_new() flags */
#define TABLE_NOHEADING		0x0001	/* text: no column heading line */
#define TABLE_PLAINTITLE	0x0002	/* text: title marked '~' (above) */

enum table_kind {
	TABLE_STR,		/* string, or null */
	TABLE_INT,		/* int64_t, or null */
	TABLE_LIST,		/* list of strings */
	TABLE_SG,		/* (source, group): source may be null */
};

enum table_align {
	TABLE_LEFT,
	TABLE_RIGHT,
};

/* struct table_col flags */
#define TABLE_COL_DETAIL	0x0001	/* only in TABLE_DETAIL documents */
#define TABLE_COL_WIDE		0x0002	/* two spaces before the column */

struct table_col {
	const char		*heading;	/* NULL: JSON only */
	const char		*key;		/* JSON key; NULL: text only */
	const char		*key2;		/* TABLE_SG: the group's key */
	enum table_kind		 kind;
	enum table_align	 align;
	int			 width;		/* minimum text width */
	const char		*null;		/* text of a null cell, or "" */
	unsigned		 flags;		/* TABLE_COL_* */
};

struct table_def {
	const struct table_col	*cols;
	int			 ncols;
};

/*
 * The show tables (SMCRoute's column order and headings).  Cells, in
 * order:
 *  table_route	  sg(source|NULL, group), str iif, int packets (detail),
 *		  int bytes (detail), int wrong_if (detail), list oifs
 *  table_rule	  as table_route, then list except (sources refused)
 *		  "ROUTE (S,G)  IIF  [PACKETS BYTES]  OIFS", (S,G) 42 wide
 *  table_group	  sg(source|NULL, group), str iif
 *		  "GROUP (S,G)  IIF"
 *  table_iface	  int index, str name, int|null vif, int|null mif,
 *		  int|null ttl, int|null hlim, str state, list flags
 *		  " INDEX PHYINT  VIF  MIF TTL HLIM STATE FLAGS", a null
 *		  VIF/MIF reads N/A, a null threshold -
 *  table_pending str kind ("mroute"|"mgroup"), str iif,
 *		  sg(source|NULL, group), list oifs (these four JSON only),
 *		  str line (text only: "mroute  from a1 group G to a2")
 */
extern const struct table_def table_route;
extern const struct table_def table_rule;	/* table_route + list except */
extern const struct table_def table_group;
extern const struct table_def table_iface;
extern const struct table_def table_pending;

struct table_doc *table_doc_new(unsigned flags);
void		 table_doc_free(struct table_doc *);

/*
 * Add a table.  object is NULL for a table directly in the document.
 * title is NULL for none.  The strings are copied.
 */
struct table	*table_new(struct table_doc *, const char *object,
		    const char *key, const char *title,
		    const struct table_def *def, unsigned flags);

/* Start a row; then add exactly one cell per column, in column order. */
void		 table_row(struct table *);
void		 table_cell_str(struct table *, const char *);	/* NULL: null */
void		 table_cell_int(struct table *, int64_t);
void		 table_cell_null(struct table *);		/* STR or INT */
void		 table_cell_sg(struct table *, const char *src,
		    const char *grp);
/* Start a list cell (empty), then add its items. */
void		 table_cell_list(struct table *);
void		 table_list_add(struct table *, const char *);

/* Number of rows so far. */
int		 table_nrows(const struct table *);
/* Text: the line to emit when the table has no rows (copied). */
void		 table_set_empty(struct table *, const char *);

/*
 * Append the document, as text or JSON, to out.  Returns 0, or -1 with
 * the first recorded error in err and nothing appended.
 */
int		 table_doc_emit(struct table_doc *, struct evbuffer *out,
		    char *err, size_t errlen);

#endif /* SMCR_TABLE_H */
