/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fl_fit_tree.h - the augmented AVL tree behind fraglab's fit pools.
 *
 * A small intrusive AVL tree in portable C (the kernel's rbtree cannot be
 * used: the core is also built in userspace).  Nodes are ordered by the
 * pair (key, key2); keys must be unique.  Each node carries a value @val
 * and the tree maintains @max = the largest @val in the node's subtree,
 * which lets fl_fit_tree_first_fit() find the leftmost node with
 * key >= k and val >= v in O(log n).  There are no parent pointers: the
 * update operations record the search path on the stack (bounded by
 * FL_FIT_TREE_MAX_DEPTH) and rebalance on the way back up.
 *
 * The tree takes no lock and never allocates: the caller owns the nodes
 * and serializes access.
 */
#ifndef FL_FIT_TREE_H
#define FL_FIT_TREE_H

#include "fl_port.h"

/*
 * An AVL tree of height h holds at least F(h+2)-1 nodes: height 48 needs
 * more than 10^10 nodes, far more than any arena can describe.
 */
#define FL_FIT_TREE_MAX_DEPTH	48

/**
 * struct fl_fit_tnode - a node of an augmented AVL tree.
 * @child: left ([0]) and right ([1]) subtrees.
 * @key: primary key.
 * @key2: secondary key (ties of @key).
 * @val: the value the augmentation is computed over.
 * @max: largest @val in this subtree (maintained by the tree).
 * @height: height of this subtree (a leaf is 1; maintained by the tree).
 */
struct fl_fit_tnode {
	struct fl_fit_tnode *child[2];
	u64 key;
	u64 key2;
	u64 val;
	u64 max;
	int height;
};

int fl_fit_tree_insert(struct fl_fit_tnode **root, struct fl_fit_tnode *n);
void fl_fit_tree_erase(struct fl_fit_tnode **root, struct fl_fit_tnode *n);
void fl_fit_tree_refresh(struct fl_fit_tnode **root, struct fl_fit_tnode *n);

struct fl_fit_tnode *fl_fit_tree_find(struct fl_fit_tnode *root, u64 key,
				      u64 key2);
struct fl_fit_tnode *fl_fit_tree_ceil(struct fl_fit_tnode *root, u64 key,
				      u64 key2);
struct fl_fit_tnode *fl_fit_tree_floor(struct fl_fit_tnode *root, u64 key,
				       u64 key2);
struct fl_fit_tnode *fl_fit_tree_next(struct fl_fit_tnode *root,
				      const struct fl_fit_tnode *n);
struct fl_fit_tnode *fl_fit_tree_prev(struct fl_fit_tnode *root,
				      const struct fl_fit_tnode *n);
struct fl_fit_tnode *fl_fit_tree_first(struct fl_fit_tnode *root);
struct fl_fit_tnode *fl_fit_tree_last(struct fl_fit_tnode *root);
struct fl_fit_tnode *fl_fit_tree_first_fit(struct fl_fit_tnode *root,
					   u64 kmin, u64 v);
int fl_fit_tree_check(const struct fl_fit_tnode *root, u64 *count,
		      char *msg, size_t len);

/**
 * struct fl_fit_tree_cursor - where a stepped tree check stands.
 * @stk: the path from the root to the node being walked.
 * @state: per level: 0 left subtree next, 1 the node, 2 its closing checks.
 * @sp: levels on @stk.
 * @started: the root was entered.
 * @prev: the last node visited in order.
 * @count: nodes visited in order.
 */
struct fl_fit_tree_cursor {
	const struct fl_fit_tnode *stk[FL_FIT_TREE_MAX_DEPTH];
	u8 state[FL_FIT_TREE_MAX_DEPTH];
	u32 sp;
	bool started;
	const struct fl_fit_tnode *prev;
	u64 count;
};

int fl_fit_tree_check_from(const struct fl_fit_tnode *root,
			   struct fl_fit_tree_cursor *cur, u64 *budget,
			   char *msg, size_t len);

#endif /* FL_FIT_TREE_H */
