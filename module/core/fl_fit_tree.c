// SPDX-License-Identifier: GPL-2.0
/*
 * fl_fit_tree.c - an intrusive, augmented AVL tree (see fl_fit_tree.h).
 *
 * Insert and erase walk down from the root recording the address of every
 * link they pass (struct fl_fit_tnode **), then walk back up that path
 * recomputing height and max and rotating where a subtree became
 * unbalanced.  Rotations only rewrite the link they are given and the
 * links inside the nodes they rotate, so the recorded links of the
 * ancestors stay valid.  The whole path is always refreshed (the max
 * augmentation may change all the way up), so every update is
 * Theta(height) = O(log n).
 *
 * first_fit() is the classical interval-tree style descent: while looking
 * for the lower bound kmin, every node we leave to the left is a pending
 * candidate (itself, then its right subtree, both after everything below
 * on the left).  The deepest pending candidate that can satisfy val >= v
 * (by its own val or its right subtree's max) is the answer's ancestor,
 * and one more descent by max finds the answer: two root-to-leaf walks.
 */
#include "fl_port.h"
#include "fl_fit_tree.h"
#include "fl_check.h"

static inline int fl_fit_tree_height(const struct fl_fit_tnode *n)
{
	return n ? n->height : 0;
}

/* Order of (key, key2) against n's keys: <0, 0, >0. */
static inline int fl_fit_tree_cmp(u64 key, u64 key2,
				  const struct fl_fit_tnode *n)
{
	if (key != n->key)
		return key < n->key ? -1 : 1;
	if (key2 != n->key2)
		return key2 < n->key2 ? -1 : 1;
	return 0;
}

static inline void fl_fit_tree_update(struct fl_fit_tnode *n)
{
	int hl = fl_fit_tree_height(n->child[0]);
	int hr = fl_fit_tree_height(n->child[1]);
	u64 m = n->val;

	if (n->child[0] && n->child[0]->max > m)
		m = n->child[0]->max;
	if (n->child[1] && n->child[1]->max > m)
		m = n->child[1]->max;
	n->max = m;
	n->height = (hl > hr ? hl : hr) + 1;
}

/*
 * Rotate the subtree at *link so that its child on side @dir becomes its
 * root: dir 0 = rotate right (left child up), dir 1 = rotate left.
 */
static void fl_fit_tree_rotate(struct fl_fit_tnode **link, int dir)
{
	struct fl_fit_tnode *x = *link;
	struct fl_fit_tnode *y = x->child[dir];

	x->child[dir] = y->child[!dir];
	y->child[!dir] = x;
	fl_fit_tree_update(x);
	fl_fit_tree_update(y);
	*link = y;
}

/* Restore the AVL property at *link (children are valid AVL trees). */
static void fl_fit_tree_rebalance(struct fl_fit_tnode **link)
{
	struct fl_fit_tnode *n = *link;
	int bf = fl_fit_tree_height(n->child[0]) -
		 fl_fit_tree_height(n->child[1]);
	int dir;
	struct fl_fit_tnode *c;

	if (bf >= -1 && bf <= 1) {
		fl_fit_tree_update(n);
		return;
	}
	dir = bf > 1 ? 0 : 1;		/* the heavy side */
	c = n->child[dir];
	/* The heavy child leans the other way: double rotation. */
	if (fl_fit_tree_height(c->child[!dir]) >
	    fl_fit_tree_height(c->child[dir]))
		fl_fit_tree_rotate(&n->child[dir], !dir);
	fl_fit_tree_rotate(link, dir);
}

static void fl_fit_tree_fixup(struct fl_fit_tnode ***path, int depth)
{
	while (depth-- > 0)
		fl_fit_tree_rebalance(path[depth]);
}

/**
 * fl_fit_tree_insert() - insert a node.
 * @root: the tree.
 * @n: the node, with key, key2 and val set; other fields are initialized.
 *
 * Context: any; caller serializes.  O(log n).
 * Return: 0, or -EEXIST if a node with the same keys is in the tree
 * (then nothing changed).
 */
int fl_fit_tree_insert(struct fl_fit_tnode **root, struct fl_fit_tnode *n)
{
	struct fl_fit_tnode **path[FL_FIT_TREE_MAX_DEPTH];
	struct fl_fit_tnode **link = root;
	int depth = 0;

	while (*link) {
		int c = fl_fit_tree_cmp(n->key, n->key2, *link);

		if (c == 0)
			return -EEXIST;
		if (fl_warn_once(depth >= FL_FIT_TREE_MAX_DEPTH))
			return -EEXIST;
		path[depth++] = link;
		link = &(*link)->child[c > 0];
	}
	n->child[0] = NULL;
	n->child[1] = NULL;
	n->height = 1;
	n->max = n->val;
	*link = n;
	fl_fit_tree_fixup(path, depth);
	return 0;
}

/* Record the path to @n (which must be in the tree); return its depth. */
static int fl_fit_tree_path(struct fl_fit_tnode **root,
			    const struct fl_fit_tnode *n,
			    struct fl_fit_tnode ***path)
{
	struct fl_fit_tnode **link = root;
	int depth = 0;

	while (*link && depth < FL_FIT_TREE_MAX_DEPTH) {
		int c = fl_fit_tree_cmp(n->key, n->key2, *link);

		path[depth++] = link;
		if (c == 0)
			return *link == n ? depth : -1;
		link = &(*link)->child[c > 0];
	}
	return -1;
}

/**
 * fl_fit_tree_erase() - remove a node.
 * @root: the tree.
 * @n: a node of the tree (keys unchanged since it was inserted or
 *     refreshed).
 *
 * Context: any; caller serializes.  O(log n).
 */
void fl_fit_tree_erase(struct fl_fit_tnode **root, struct fl_fit_tnode *n)
{
	struct fl_fit_tnode **path[FL_FIT_TREE_MAX_DEPTH];
	struct fl_fit_tnode **link, **slink, *s;
	int depth, ndepth;

	depth = fl_fit_tree_path(root, n, path);
	if (fl_warn_once(depth <= 0))
		return;
	link = path[depth - 1];
	if (!n->child[0] || !n->child[1]) {
		*link = n->child[n->child[0] ? 0 : 1];
		fl_fit_tree_fixup(path, depth - 1);
		return;
	}
	/* Two children: the in-order successor s takes n's place. */
	ndepth = depth;
	slink = &n->child[1];
	while ((*slink)->child[0]) {
		if (fl_warn_once(depth >= FL_FIT_TREE_MAX_DEPTH))
			return;
		path[depth++] = slink;
		slink = &(*slink)->child[0];
	}
	s = *slink;
	*slink = s->child[1];
	s->child[0] = n->child[0];
	s->child[1] = n->child[1];
	s->height = n->height;
	*link = s;
	/* The link to n's right subtree now lives in s. */
	if (depth > ndepth)
		path[ndepth] = &s->child[1];
	fl_fit_tree_fixup(path, depth);
}

/**
 * fl_fit_tree_refresh() - recompute the augmentation above a node.
 * @root: the tree.
 * @n: a node whose @val changed, or whose keys changed without changing
 *     its rank (it is still between its predecessor and its successor).
 *
 * Context: any; caller serializes.  O(log n).
 */
void fl_fit_tree_refresh(struct fl_fit_tnode **root, struct fl_fit_tnode *n)
{
	struct fl_fit_tnode **path[FL_FIT_TREE_MAX_DEPTH];
	int depth = fl_fit_tree_path(root, n, path);

	if (fl_warn_once(depth <= 0))
		return;
	/* No rotation can be needed: only max changes. */
	while (depth-- > 0)
		fl_fit_tree_update(*path[depth]);
}

/**
 * fl_fit_tree_find() - exact lookup.
 * @root: the tree.
 * @key: primary key.
 * @key2: secondary key.
 *
 * Context: any; caller serializes.  O(log n).
 * Return: the node with these keys, or NULL.
 */
struct fl_fit_tnode *fl_fit_tree_find(struct fl_fit_tnode *root, u64 key,
				      u64 key2)
{
	while (root) {
		int c = fl_fit_tree_cmp(key, key2, root);

		if (!c)
			return root;
		root = root->child[c > 0];
	}
	return NULL;
}

/**
 * fl_fit_tree_ceil() - smallest node >= (key, key2).
 * @root: the tree.
 * @key: primary key.
 * @key2: secondary key.
 *
 * Context: any; caller serializes.  O(log n).
 * Return: the node, or NULL if every node is smaller.
 */
struct fl_fit_tnode *fl_fit_tree_ceil(struct fl_fit_tnode *root, u64 key,
				      u64 key2)
{
	struct fl_fit_tnode *best = NULL;

	while (root) {
		int c = fl_fit_tree_cmp(key, key2, root);

		if (!c)
			return root;
		if (c < 0) {
			best = root;
			root = root->child[0];
		} else {
			root = root->child[1];
		}
	}
	return best;
}

/**
 * fl_fit_tree_floor() - largest node <= (key, key2).
 * @root: the tree.
 * @key: primary key.
 * @key2: secondary key.
 *
 * Context: any; caller serializes.  O(log n).
 * Return: the node, or NULL if every node is larger.
 */
struct fl_fit_tnode *fl_fit_tree_floor(struct fl_fit_tnode *root, u64 key,
				       u64 key2)
{
	struct fl_fit_tnode *best = NULL;

	while (root) {
		int c = fl_fit_tree_cmp(key, key2, root);

		if (!c)
			return root;
		if (c > 0) {
			best = root;
			root = root->child[1];
		} else {
			root = root->child[0];
		}
	}
	return best;
}

/**
 * fl_fit_tree_next() - in-order successor.
 * @root: the tree.
 * @n: a node of the tree.
 *
 * Context: any; caller serializes.  O(log n).
 * Return: the smallest node larger than @n, or NULL.
 */
struct fl_fit_tnode *fl_fit_tree_next(struct fl_fit_tnode *root,
				      const struct fl_fit_tnode *n)
{
	struct fl_fit_tnode *best = NULL;

	while (root) {
		if (fl_fit_tree_cmp(n->key, n->key2, root) < 0) {
			best = root;
			root = root->child[0];
		} else {
			root = root->child[1];
		}
	}
	return best;
}

/**
 * fl_fit_tree_prev() - in-order predecessor.
 * @root: the tree.
 * @n: a node of the tree, or any node-shaped key holder.
 *
 * Context: any; caller serializes.  O(log n).
 * Return: the largest node smaller than @n, or NULL.
 */
struct fl_fit_tnode *fl_fit_tree_prev(struct fl_fit_tnode *root,
				      const struct fl_fit_tnode *n)
{
	struct fl_fit_tnode *best = NULL;

	while (root) {
		if (fl_fit_tree_cmp(n->key, n->key2, root) > 0) {
			best = root;
			root = root->child[1];
		} else {
			root = root->child[0];
		}
	}
	return best;
}

/**
 * fl_fit_tree_first() - smallest node.
 * @root: the tree.
 *
 * Context: any; caller serializes.  O(log n).
 * Return: the leftmost node, or NULL for an empty tree.
 */
struct fl_fit_tnode *fl_fit_tree_first(struct fl_fit_tnode *root)
{
	while (root && root->child[0])
		root = root->child[0];
	return root;
}

/**
 * fl_fit_tree_last() - largest node.
 * @root: the tree.
 *
 * Context: any; caller serializes.  O(log n).
 * Return: the rightmost node, or NULL for an empty tree.
 */
struct fl_fit_tnode *fl_fit_tree_last(struct fl_fit_tnode *root)
{
	while (root && root->child[1])
		root = root->child[1];
	return root;
}

/* Leftmost node of the subtree with val >= v; the caller checked max. */
static struct fl_fit_tnode *fl_fit_tree_leftmost_fit(struct fl_fit_tnode *n,
						     u64 v)
{
	while (n) {
		if (n->child[0] && n->child[0]->max >= v) {
			n = n->child[0];
			continue;
		}
		if (n->val >= v)
			return n;
		n = n->child[1];
	}
	return NULL;
}

/**
 * fl_fit_tree_first_fit() - leftmost node with key >= @kmin and val >= @v.
 * @root: the tree (key2 is ignored: use it for trees keyed by key alone).
 * @kmin: lower bound of the key.
 * @v: lower bound of the value.
 *
 * Context: any; caller serializes.  O(log n): one descent towards @kmin,
 * then one descent by the max augmentation.
 * Return: the node, or NULL.
 */
struct fl_fit_tnode *fl_fit_tree_first_fit(struct fl_fit_tnode *root,
					   u64 kmin, u64 v)
{
	struct fl_fit_tnode *pending = NULL;

	while (root) {
		if (root->max < v)
			break;
		if (root->key < kmin) {
			root = root->child[1];
			continue;
		}
		/*
		 * root and its right subtree follow everything on the left;
		 * a deeper pending candidate comes first in order.
		 */
		if (root->val >= v ||
		    (root->child[1] && root->child[1]->max >= v))
			pending = root;
		root = root->child[0];
	}
	if (!pending)
		return NULL;
	if (pending->val >= v)
		return pending;
	return fl_fit_tree_leftmost_fit(pending->child[1], v);
}

static int fl_fit_tree_bad(struct fl_fit_tree_cursor *cur, char *msg,
			   size_t len, const char *what,
			   const struct fl_fit_tnode *n)
{
	cur->sp = 0;
	return fl_check_fail(msg, len, "tree: %s at key %llu/%llu", what,
			     (unsigned long long)n->key,
			     (unsigned long long)n->key2);
}

/* Enter @n (non-NULL) one level below the top of the stack. */
static int fl_fit_tree_push(struct fl_fit_tree_cursor *cur,
			    const struct fl_fit_tnode *n, char *msg, size_t len)
{
	if (cur->sp >= FL_FIT_TREE_MAX_DEPTH)
		return fl_fit_tree_bad(cur, msg, len, "too deep", n);
	cur->stk[cur->sp] = n;
	cur->state[cur->sp] = 0;
	cur->sp++;
	return 0;
}

/* Heights, balance and max augmentation of @n, its subtrees walked. */
static int fl_fit_tree_check_node(struct fl_fit_tree_cursor *cur,
				  const struct fl_fit_tnode *n, char *msg,
				  size_t len)
{
	int hl = fl_fit_tree_height(n->child[0]);
	int hr = fl_fit_tree_height(n->child[1]);
	u64 m = n->val;

	if (n->height != (hl > hr ? hl : hr) + 1)
		return fl_fit_tree_bad(cur, msg, len, "wrong height", n);
	if (hl - hr > 1 || hr - hl > 1)
		return fl_fit_tree_bad(cur, msg, len, "unbalanced", n);
	if (n->child[0] && n->child[0]->max > m)
		m = n->child[0]->max;
	if (n->child[1] && n->child[1]->max > m)
		m = n->child[1]->max;
	if (n->max != m)
		return fl_fit_tree_bad(cur, msg, len, "wrong max augmentation",
				       n);
	return 0;
}

/**
 * fl_fit_tree_check_from() - verify a tree in steps.
 * @root: the tree; unchanged since @cur was zeroed.
 * @cur: where the walk stands; zeroed before the first call.
 * @budget: in: nodes to visit at most (at least one); out: what is left.
 * @msg: out (may be NULL): description of the first violation.
 * @len: size of @msg.
 *
 * An in-order walk with an explicit stack that checks strict (key, key2)
 * order, heights, the AVL balance and the max augmentation of every
 * node, in the order a recursive walk would (left subtree, the node's
 * order, right subtree, the node's height, balance and maximum).
 *
 * Context: any; the caller serializes and keeps the tree unchanged
 * between the calls of one walk.  O(@budget) per call.
 * Return: 0 when the walk is complete (@cur->count nodes), 1 when the
 * budget ran out first, -EUCLEAN on the first violation.
 */
int fl_fit_tree_check_from(const struct fl_fit_tnode *root,
			   struct fl_fit_tree_cursor *cur, u64 *budget,
			   char *msg, size_t len)
{
	int ret;

	if (!cur->started) {
		cur->started = true;
		if (root) {
			ret = fl_fit_tree_push(cur, root, msg, len);
			if (ret)
				return ret;
		}
	}
	while (cur->sp) {
		const struct fl_fit_tnode *n = cur->stk[cur->sp - 1];
		u8 *state = &cur->state[cur->sp - 1];

		if (*state == 0) {
			*state = 1;
			if (n->child[0]) {
				ret = fl_fit_tree_push(cur, n->child[0], msg,
						       len);
				if (ret)
					return ret;
			}
		} else if (*state == 1) {
			if (!*budget)
				return 1;
			(*budget)--;
			if (cur->prev &&
			    fl_fit_tree_cmp(n->key, n->key2, cur->prev) <= 0)
				return fl_fit_tree_bad(cur, msg, len,
						       "keys out of order", n);
			cur->prev = n;
			cur->count++;
			*state = 2;
			if (n->child[1]) {
				ret = fl_fit_tree_push(cur, n->child[1], msg,
						       len);
				if (ret)
					return ret;
			}
		} else {
			ret = fl_fit_tree_check_node(cur, n, msg, len);
			if (ret)
				return ret;
			cur->sp--;
		}
	}
	return 0;
}

/**
 * fl_fit_tree_check() - verify a tree.
 * @root: the tree.
 * @count: out (may be NULL): number of nodes.
 * @msg: out (may be NULL): description of the first violation.
 * @len: size of @msg.
 *
 * fl_fit_tree_check_from() in one call.
 *
 * Context: any; caller serializes.  O(n); a stack of the tree's height.
 * Return: 0, or -EUCLEAN on the first violation.
 */
int fl_fit_tree_check(const struct fl_fit_tnode *root, u64 *count,
		      char *msg, size_t len)
{
	struct fl_fit_tree_cursor cur = { 0 };
	u64 budget = ~0ULL;
	int ret;

	if (msg && len)
		msg[0] = '\0';
	ret = fl_fit_tree_check_from(root, &cur, &budget, msg, len);
	if (count)
		*count = cur.count;
	return ret;
}
