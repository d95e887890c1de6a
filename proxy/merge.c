/*
 * merge.c - source filters and the RFC 4605 section 4.1 merge
 */
#include "config.h"

#include <stdlib.h>

#include "merge.h"

const char *const msf_mode_str[2] = { "INCLUDE", "EXCLUDE" };
const char *const merge_op_str[3] = { "mode", "add", "del" };

int
msf_src_cmp(const struct msf_src *a, const struct msf_src *b)
{
	return inet_cmp(&a->addr, &b->addr);
}

RB_GENERATE(msf_tree, msf_src, entry, msf_src_cmp)

static int
merge_node_cmp(const struct merge_node *a, const struct merge_node *b)
{
	return inet_cmp(&a->addr, &b->addr);
}

RB_GENERATE_STATIC(merge_tree, merge_node, entry, merge_node_cmp)

void
msf_init(struct msf *f, enum msf_mode mode)
{
	f->mode = mode;
	f->nsrc = 0;
	RB_INIT(&f->srcs);
}

void
msf_clear(struct msf *f)
{
	struct msf_src *s, *next;

	RB_FOREACH_SAFE(s, msf_tree, &f->srcs, next) {
		RB_REMOVE(msf_tree, &f->srcs, s);
		free(s);
	}
	f->nsrc = 0;
}

int
msf_add(struct msf *f, const struct inet_addr *a)
{
	struct msf_src *s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return -1;
	s->addr = *a;
	if (RB_INSERT(msf_tree, &f->srcs, s) != NULL) {
		free(s);
		return 0;
	}
	f->nsrc++;
	return 1;
}

bool
msf_del(struct msf *f, const struct inet_addr *a)
{
	struct msf_src key, *s;

	key.addr = *a;
	if ((s = RB_FIND(msf_tree, &f->srcs, &key)) == NULL)
		return false;
	RB_REMOVE(msf_tree, &f->srcs, s);
	free(s);
	f->nsrc--;
	return true;
}

bool
msf_has(const struct msf *f, const struct inet_addr *a)
{
	struct msf_src key;

	key.addr = *a;
	/* RB_FIND does not modify the tree; the cast only drops const. */
	return RB_FIND(msf_tree, (struct msf_tree *)&f->srcs, &key) != NULL;
}

int
msf_copy(struct msf *dst, const struct msf *src)
{
	struct msf_src *s;

	msf_clear(dst);
	dst->mode = src->mode;
	RB_FOREACH(s, msf_tree, (struct msf_tree *)&src->srcs)
		if (msf_add(dst, &s->addr) < 0)
			return -1;
	return 0;
}

bool
msf_equal(const struct msf *a, const struct msf *b)
{
	struct msf_src *x, *y;

	if (a->mode != b->mode || a->nsrc != b->nsrc)
		return false;
	x = RB_MIN(msf_tree, (struct msf_tree *)&a->srcs);
	y = RB_MIN(msf_tree, (struct msf_tree *)&b->srcs);
	for (; x != NULL && y != NULL;
	    x = RB_NEXT(msf_tree, NULL, x), y = RB_NEXT(msf_tree, NULL, y))
		if (inet_cmp(&x->addr, &y->addr) != 0)
			return false;
	return x == NULL && y == NULL;
}

bool
msf_is_null(const struct msf *f)
{
	return f->mode == MSF_INCLUDE && f->nsrc == 0;
}

void
merge_init(struct merge *m)
{
	RB_INIT(&m->nodes);
	m->n_ex = m->n_in = m->cur = 0;
	m->mode = MSF_INCLUDE;
	m->open = false;
	m->nomem = false;
}

void
merge_begin(struct merge *m, enum msf_mode mode)
{
	m->cur++;
	m->mode = mode;
	m->open = true;
	if (mode == MSF_EXCLUDE)
		m->n_ex++;
	else
		m->n_in++;
}

int
merge_src(struct merge *m, const struct inet_addr *a)
{
	struct merge_node key, *n;

	if (!m->open)
		return -1;
	key.addr = *a;
	if ((n = RB_FIND(merge_tree, &m->nodes, &key)) == NULL) {
		if ((n = calloc(1, sizeof(*n))) == NULL) {
			m->nomem = true;
			return -1;
		}
		n->addr = *a;
		RB_INSERT(merge_tree, &m->nodes, n);
	}
	if (m->mode == MSF_INCLUDE)
		n->in_union = true;
	else if (n->last != m->cur) {
		/* Count each EXCLUDE input once, whatever its duplicates. */
		n->last = m->cur;
		n->n_ex++;
	}
	return 0;
}

int
merge_record(struct merge *m, enum msf_mode mode, const struct inet_addr *a,
    size_t n)
{
	size_t i;

	merge_begin(m, mode);
	for (i = 0; i < n; i++)
		if (merge_src(m, &a[i]) < 0)
			return -1;
	return 0;
}

/*
 * RFC 3376 section 3.2 (RFC 3810 section 4.2), as applied by RFC 4605
 * section 4.1:
 *   any EXCLUDE:  EXCLUDE( (E1 * E2 * ... * En) - (I1 + ... + Im) )
 *   else:         INCLUDE( I1 + ... + Im )
 */
int
merge_result(const struct merge *m, struct msf *out)
{
	struct merge_node *n;
	bool want;

	msf_clear(out);
	if (m->nomem)
		return -1;
	out->mode = m->n_ex > 0 ? MSF_EXCLUDE : MSF_INCLUDE;
	RB_FOREACH(n, merge_tree, (struct merge_tree *)&m->nodes) {
		if (out->mode == MSF_EXCLUDE)
			want = n->n_ex == m->n_ex && !n->in_union;
		else
			want = n->in_union;
		if (want && msf_add(out, &n->addr) < 0)
			return -1;
	}
	return 0;
}

void
merge_free(struct merge *m)
{
	struct merge_node *n, *next;

	RB_FOREACH_SAFE(n, merge_tree, &m->nodes, next) {
		RB_REMOVE(merge_tree, &m->nodes, n);
		free(n);
	}
	merge_init(m);
}

size_t
merge_diff(const struct msf *oldf, const struct msf *newf, merge_diff_fn fn,
    void *arg)
{
	struct msf_src *o, *n;
	size_t ops = 0;
	int c;

	n = RB_MIN(msf_tree, (struct msf_tree *)&newf->srcs);
	if (oldf->mode != newf->mode) {
		fn(arg, MERGE_OP_MODE, newf->mode, NULL);
		ops++;
		for (; n != NULL; n = RB_NEXT(msf_tree, NULL, n), ops++)
			fn(arg, MERGE_OP_ADD, newf->mode, &n->addr);
		return ops;
	}

	/* Same mode: one ordered walk over both sets. */
	o = RB_MIN(msf_tree, (struct msf_tree *)&oldf->srcs);
	while (o != NULL || n != NULL) {
		if (o == NULL)
			c = 1;
		else if (n == NULL)
			c = -1;
		else
			c = inet_cmp(&o->addr, &n->addr);
		if (c < 0) {
			fn(arg, MERGE_OP_DEL, newf->mode, &o->addr);
			o = RB_NEXT(msf_tree, NULL, o);
			ops++;
		} else if (c > 0) {
			fn(arg, MERGE_OP_ADD, newf->mode, &n->addr);
			n = RB_NEXT(msf_tree, NULL, n);
			ops++;
		} else {
			o = RB_NEXT(msf_tree, NULL, o);
			n = RB_NEXT(msf_tree, NULL, n);
		}
	}
	return ops;
}
