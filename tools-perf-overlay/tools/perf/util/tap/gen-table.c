// SPDX-License-Identifier: GPL-2.0
/*
 * Callbacks and tables: for-pairs, len, delete and print_hist walk a map
 * with bpf_for_each_map_elem; aggregations keep per-CPU statistics.
 */
#include <stdlib.h>
#include <string.h>

#include <linux/kernel.h>

#include "gen.h"
#include "lex.h"

static void gen_agg_fold(struct gen *g, int map, unsigned int key, unsigned int acc,
			 bool hist);

/*
 * Start a callback: code goes to a fresh buffer with a frame of its own.
 * Callbacks get (map, key, value, ctx): ctx points at the caller's saved
 * r6 and r7, which the callback restores first; key and value go to r8, r9.
 */
void gen_callback_begin(struct gen *g, struct saved_code *sv, struct callback *cb,
			bool loop)
{
	sv->insns = g->insns;
	sv->lines = g->lines;
	sv->joff = g->joff;
	sv->cnt = g->cnt;
	sv->cap = g->cap;
	sv->stack = g->stack;
	sv->max_stack = g->max_stack;
	sv->to_exit = g->to_exit;
	sv->cb_exits = g->cb_exits;
	sv->loop = g->loop;
	sv->cur_cb = g->cur_cb;
	cb->owner = g->cur_cb;
	g->insns = NULL;
	g->lines = NULL;
	g->joff = NULL;
	g->cnt = 0;
	g->cap = 0;
	g->stack = 0;
	g->max_stack = 0;
	g->to_exit = NULL;
	g->cb_exits = NULL;
	g->loop = NULL;
	g->cur_cb = cb;
	if (loop) {
		/* bpf_loop callbacks get (index, ctx): the index goes to r8 */
		MOV_REG(BPF_REG_8, R1);
		LDX(BPF_DW, R6, R2, 0);
		LDX(BPF_DW, R7, R2, 8);
		return;
	}
	MOV_REG(BPF_REG_8, R2);
	MOV_REG(BPF_REG_9, R3);
	LDX(BPF_DW, R6, R4, 0);
	LDX(BPF_DW, R7, R4, 8);
}

void gen_callback_end_dead(struct gen *g)
{
	g->skip_go_on = true;
}

/* End a callback: "return 0" (go on), with exits that stop the walk. */
void gen_callback_end(struct gen *g, struct saved_code *sv, struct callback *cb)
{
	if (!g->skip_go_on) {
		MOV_IMM(R0, 0);
		gen_emit(g, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	}
	g->skip_go_on = false;
	if (g->to_exit || g->cb_exits) {
		patch_list_here(g, g->to_exit);
		patch_list_here(g, g->cb_exits);
		MOV_IMM(R0, 1);
		gen_emit(g, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	}
	if (g->max_stack - SLOT_FIRST + sv->max_stack - SLOT_FIRST > 512)
		tap_error(g->c, g->line, g->col,
			  "this loop needs more than 512 bytes of BPF stack");
	cb->insns = g->insns;
	cb->lines = g->lines;
	cb->joff = g->joff;
	cb->cnt = g->cnt;
	cb->next = NULL;
	/* append: children finish first, owners later */
	{
		struct callback **p = &g->callbacks;

		while (*p)
			p = &(*p)->next;
		*p = cb;
	}
	g->insns = sv->insns;
	g->lines = sv->lines;
	g->joff = sv->joff;
	g->cnt = sv->cnt;
	g->cap = sv->cap;
	g->stack = sv->stack;
	g->max_stack = sv->max_stack;
	g->to_exit = sv->to_exit;
	g->cb_exits = sv->cb_exits;
	g->loop = sv->loop;
	g->cur_cb = sv->cur_cb;
}

/*
 * bpf_for_each_map_elem(map, cb, &{r6, r7}, 0); r0 = elements visited.
 * An exit() inside the callback stops the walk and then this program.
 */
/*
 * Call @helper (bpf_for_each_map_elem or bpf_loop) with @cb and a ctx
 * pointing at {r6, r7}; r1 must be loaded already.  If the callback body
 * may run script code (@body), an exit() or a 'return' inside it stopped
 * the walk and set a flag: carry on leaving here.  r0 keeps the result.
 */
void gen_call_with_callback(struct gen *g, int helper, struct callback *cb, bool body)
{
	int ctx = stack_alloc(g, 16), res;
	unsigned int j;

	STX(BPF_DW, FP, ctx, R6);
	STX(BPF_DW, FP, ctx + 8, R7);
	if (body) {
		ST_IMM(BPF_DW, R7, SCRATCH_CB_EXIT, 0);
		ST_IMM(BPF_DW, R7, SCRATCH_CB_RET, 0);
	}
	cb->ld = gen_emit(g, BPF_LD | BPF_DW | BPF_IMM, R2, BPF_PSEUDO_FUNC, 0, 0);
	gen_emit(g, 0, 0, 0, 0, 0);
	MOV_REG(R3, FP);
	ALU64_IMM(BPF_ADD, R3, ctx);
	MOV_IMM(R4, 0);
	CALL(helper);
	if (!body)
		return;
	/* r6 (the context) back first: the paths below leave from here */
	res = stack_alloc(g, 8);
	STX(BPF_DW, FP, res, R0);
	LDX(BPF_DW, R6, FP, ctx);
	LDX(BPF_DW, R1, R7, SCRATCH_CB_EXIT);
	exit_now(g, JMP_IMM(BPF_JNE, R1, 0, 0));
	LDX(BPF_DW, R1, R7, SCRATCH_CB_RET);
	j = JMP_IMM(BPF_JEQ, R1, 0, 0);
	if (g->fn && g->fn->cb == g->cur_cb) {
		/* the function was inlined here: its return is done */
		ST_IMM(BPF_DW, R7, SCRATCH_CB_RET, 0);
		add_fixup(g, &g->fn->returns, JA(0));
	} else {
		/* still inside another callback: stop that one too */
		add_fixup(g, &g->cb_exits, JA(0));
	}
	patch_here(g, j);
	LDX(BPF_DW, R0, FP, res);
}

static void gen_for_each(struct gen *g, int map, struct callback *cb, bool body)
{
	ld_map(g, R1, map);
	gen_call_with_callback(g, BPF_FUNC_for_each_map_elem, cb, body);
}

/* len(t): walk with a callback that only counts. */
void gen_len(struct gen *g, struct tap_node *table)
{
	struct callback *cb = tap_alloc(g->c, sizeof(*cb));
	struct saved_code sv;

	g->uses_scratch = true;
	gen_callback_begin(g, &sv, cb, false);
	gen_callback_end(g, &sv, cb);
	gen_for_each(g, TAP_MAP_TABLE0 + table->sym->map, cb, false);
}

/* delete(t): walk and delete each element (hash maps allow it). */
void gen_clear(struct gen *g, struct tap_node *table)
{
	struct callback *cb = tap_alloc(g->c, sizeof(*cb));
	struct saved_code sv;

	g->uses_scratch = true;
	gen_callback_begin(g, &sv, cb, false);
	ld_map(g, R1, TAP_MAP_TABLE0 + table->sym->map);
	MOV_REG(R2, BPF_REG_8);
	CALL(BPF_FUNC_map_delete_elem);
	gen_callback_end(g, &sv, cb);
	gen_for_each(g, TAP_MAP_TABLE0 + table->sym->map, cb, false);
}

/*
 * print_hist(t [, n]): a snapshot taken now, in the kernel: a begin
 * record, one record per element, an end record.  So a change right after
 * the call (delete(t)) cannot leak into the output.
 */
void gen_print_hist(struct gen *g, struct tap_node *call)
{
	struct tap_node *table = call->list;
	int map = TAP_MAP_TABLE0 + table->sym->map;
	struct tap_map_def *m = &g->obj->maps[map];
	struct callback *cb = tap_alloc(g->c, sizeof(*cb));
	struct tap_rec_def *rec;
	unsigned int size, buf;
	struct saved_code sv;
	int id;

	gen_record(g, TAP_REC_HIST_BEGIN, NULL, table->next, table->sym->map);
	rec = gen_rec_new(g, TAP_REC_HIST_ENTRY, &id);
	rec->map = table->sym->map;
	size = TAP_REC_HDR + m->key_size + m->value_size;
	rec->size = size;
	buf = scratch_alloc(g, size);
	gen_callback_begin(g, &sv, cb, false);
	ST_IMM(BPF_W, R7, buf, id);
	ST_IMM(BPF_W, R7, buf + 4, 0);
	copy_mem(g, R7, buf + TAP_REC_HDR, BPF_REG_8, 0, m->key_size);
	if (m->type == BPF_MAP_TYPE_PERCPU_HASH) {
		/* an aggregation: this CPU's copy is only a part; fold them all */
		gen_agg_fold(g, map, buf + TAP_REC_HDR, buf + TAP_REC_HDR + m->key_size, true);
	} else if (gen_table_percpu(g, map)) {
		gen_sum_fold(g, map, buf + TAP_REC_HDR);
		STX(BPF_DW, R7, buf + TAP_REC_HDR + m->key_size, R0);
	} else {
		copy_mem(g, R7, buf + TAP_REC_HDR + m->key_size, BPF_REG_9, 0,
			 m->value_size);
	}
	gen_output(g, buf, size);
	gen_callback_end(g, &sv, cb);
	gen_for_each(g, map, cb, false);
	gen_record(g, TAP_REC_HIST_END, NULL, NULL, table->sym->map);
}

/* ---- for walks --------------------------------------------------------- */

/*
 * The locals of a walk: the keys side by side in scratch, as in the map's
 * key, then the value.  An aggregation's value is its element's
 * statistics (count, sum, min, max) folded across CPUs.
 */
struct walk {
	int map;
	struct tap_map_def *m;
	bool agg;
	unsigned int keys;		/* scratch: the key locals */
	struct tap_sym *v;		/* the value local, or NULL */
	unsigned int vsize;		/* its bytes */
	struct tap_node *names;		/* the key locals' names */
};

static bool comm_part(struct gen *g, const struct tap_map_def *m, int k)
{
	return m->keys[k].kind == TAP_T_STR && m->keys[k].size < str_size(g);
}

/* The key just copied to the walk's keys into the locals of its comm parts. */
static void walk_widen(struct gen *g, struct walk *w)
{
	struct tap_node *name = w->names;
	unsigned int off = w->keys;
	int k;

	for (k = 0; k < w->m->nr_keys; k++, name = name->next) {
		if (comm_part(g, w->m, k)) {
			copy_mem(g, R7, name->sym->offset, R7, (int)off, w->m->keys[k].size);
			zero_mem(g, R7, name->sym->offset + (int)w->m->keys[k].size,
				 str_size(g) - w->m->keys[k].size);
		}
		off += w->m->keys[k].size;
	}
}

static void walk_locals(struct gen *g, struct tap_node *n, struct walk *w)
{
	struct tap_node *name = n->list;
	unsigned int off;
	int k;

	w->map = TAP_MAP_TABLE0 + n->a->sym->map;
	w->m = &g->obj->maps[w->map];
	w->agg = w->m->type == BPF_MAP_TYPE_PERCPU_HASH;
	w->vsize = w->agg ? TAP_AGG_HIST : w->m->value_size;
	w->keys = scratch_alloc(g, w->m->key_size);
	for (k = 0, off = w->keys; k < w->m->nr_keys; k++, name = name->next) {
		/* a comm key part's local is a string like any other: str_size bytes */
		if (comm_part(g, w->m, k))
			name->sym->offset = (int)scratch_alloc(g, str_size(g));
		else
			name->sym->offset = (int)off;
		off += w->m->keys[k].size;
	}
	w->names = n->list;
	w->v = name ? name->sym : NULL;
	if (w->v)
		w->v->offset = (int)scratch_alloc(g, w->vsize);
}

/* The element at @keyreg/@valreg into the walk's locals. */
static void walk_set(struct gen *g, struct walk *w, int keyreg, int keyoff, int valreg,
		     int valoff)
{
	copy_mem(g, R7, (int)w->keys, keyreg, keyoff, w->m->key_size);
	walk_widen(g, w);
	if (w->v)
		copy_mem(g, R7, w->v->offset, valreg, valoff, w->vsize);
}

/*
 * r0 = 1 if the part at @a_reg + @a_off comes before the one at @b_reg +
 * @b_off (@desc: the larger first), jumping to @done; falls through if
 * they are equal.  Strings compare as bytes: the first differing 8-byte
 * word, read big-endian.
 */
static void cmp_part(struct gen *g, enum tap_type_kind kind, unsigned int size, int a_reg,
		     int a_off, int b_reg, int b_off, bool desc, struct fixup **done)
{
	struct fixup *differ = NULL;
	unsigned int i, j_same;

	if (kind == TAP_T_STR) {
		for (i = 0; i < size; i += 8) {
			LDX(BPF_DW, R1, a_reg, a_off + (int)i);
			LDX(BPF_DW, R2, b_reg, b_off + (int)i);
			add_fixup(g, &differ, JMP_REG(BPF_JNE, R1, R2, 0));
		}
		j_same = JA(0);
		patch_list_here(g, differ);
		gen_emit(g, BPF_ALU | BPF_END | BPF_TO_BE, R1, 0, 0, 64);
		gen_emit(g, BPF_ALU | BPF_END | BPF_TO_BE, R2, 0, 0, 64);
		MOV_IMM(R0, 1);
		JMP_REG(desc ? BPF_JGT : BPF_JLT, R1, R2, 1);
	} else {
		LDX(BPF_DW, R1, a_reg, a_off);
		LDX(BPF_DW, R2, b_reg, b_off);
		j_same = JMP_REG(BPF_JEQ, R1, R2, 0);
		MOV_IMM(R0, 1);
		JMP_REG(desc ? BPF_JSGT : BPF_JSLT, R1, R2, 1);
	}
	MOV_IMM(R0, 0);
	add_fixup(g, done, JA(0));
	patch_here(g, j_same);
}

struct elem_at {
	int key_reg, key_off, val_reg, val_off;
};

/*
 * r0 = 1 if element @a comes before element @b in @order: by value, the
 * largest first (an aggregation's by its count), then by key; or by key,
 * the smallest first.
 */
static void cmp_elems(struct gen *g, struct walk *w, enum tap_order order, struct elem_at a,
		      struct elem_at b)
{
	struct fixup *done = NULL;
	int k, off = 0;

	if (order == TAP_ORDER_VALUE)
		cmp_part(g, w->agg ? TAP_T_NUM : w->m->value.kind, w->vsize, a.val_reg,
			 a.val_off, b.val_reg, b.val_off, true, &done);
	for (k = 0; k < w->m->nr_keys; k++) {
		cmp_part(g, w->m->keys[k].kind, w->m->keys[k].size, a.key_reg, a.key_off + off,
			 b.key_reg, b.key_off + off, false, &done);
		off += (int)w->m->keys[k].size;
	}
	MOV_IMM(R0, 0);
	patch_list_here(g, done);
}

/* The walk's body, in a callback; 'break' jumps to the list it returns. */
static struct fixup *walk_body(struct gen *g, struct tap_node *n)
{
	struct loop loop = { 0 };

	g->loop = &loop;
	gen_block(g, n->b);
	g->loop = NULL;
	return loop.breaks;
}

/*
 * for (k..., v in pairs(t)) { body }: the body is a bpf_for_each_map_elem
 * callback; the locals are copies of the element's keys and value.
 * 'break' stops the walk; exit() stops it and then the program.
 */
static void gen_for_pairs(struct gen *g, struct tap_node *n, struct walk *w)
{
	struct callback *cb = tap_alloc(g->c, sizeof(*cb));
	struct fixup *breaks;
	struct saved_code sv;

	gen_callback_begin(g, &sv, cb, false);
	copy_mem(g, R7, (int)w->keys, BPF_REG_8, 0, w->m->key_size);
	walk_widen(g, w);
	if (w->v && w->agg) {
		gen_agg_fold(g, w->map, w->keys, (unsigned int)w->v->offset, false);
	} else if (w->v && gen_table_percpu(g, w->map)) {
		gen_sum_fold(g, w->map, w->keys);
		STX(BPF_DW, R7, w->v->offset, R0);
	} else if (w->v) {
		copy_mem(g, R7, w->v->offset, BPF_REG_9, 0, w->vsize);
	}
	breaks = walk_body(g, n);
	if (g->dead) {
		/* the body always leaves: the "go on" return is unreachable */
		g->dead = false;
		gen_callback_end_dead(g);
	}
	/* break: stop the walk */
	for (struct fixup *f = breaks; f; f = f->next)
		add_fixup(g, &g->cb_exits, f->insn);
	gen_callback_end(g, &sv, cb);
	gen_for_each(g, w->map, cb, true);
}

/*
 * for (k..., v in sort_pairs(t)) { body }: the kernel cannot sort a map,
 * so each iteration walks the whole table for the element that comes
 * next after the previous one (a selection, n walks for n elements).
 * The iterations are a bpf_loop bounded by --loop-max like any loop.
 */
static void gen_for_sorted(struct gen *g, struct tap_node *n, struct walk *w)
{
	unsigned int esize = w->m->key_size + w->vsize;
	unsigned int best = scratch_alloc(g, esize), prev = scratch_alloc(g, esize);
	unsigned int found = scratch_alloc(g, 8), have_prev = scratch_alloc(g, 8);
	unsigned int done = scratch_alloc(g, 8), ckey = 0, cval = 0;
	struct callback *outer = tap_alloc(g->c, sizeof(*outer));
	struct callback *find = tap_alloc(g->c, sizeof(*find));
	unsigned int j_noprev, j_skip1, j_first, j_skip2, j;
	struct elem_at cand = { BPF_REG_8, 0, BPF_REG_9, 0 };
	struct elem_at pbest = { R7, (int)best, R7, (int)(best + w->m->key_size) };
	struct elem_at pprev = { R7, (int)prev, R7, (int)(prev + w->m->key_size) };
	struct saved_code sv, sv2;
	struct fixup *breaks;

	if (w->agg || gen_table_percpu(g, w->map)) {
		ckey = scratch_alloc(g, w->m->key_size);
		cval = scratch_alloc(g, w->agg ? TAP_AGG_HIST : 8);
		cand.val_reg = R7;
		cand.val_off = (int)cval;
	}
	ST_IMM(BPF_DW, R7, have_prev, 0);
	ST_IMM(BPF_DW, R7, done, 0);
	gen_callback_begin(g, &sv, outer, true);
	g->line = n->line;
	ST_IMM(BPF_DW, R7, found, 0);

	/* find the first element after the previous one */
	gen_callback_begin(g, &sv2, find, false);
	if (w->agg) {
		copy_mem(g, R7, (int)ckey, BPF_REG_8, 0, w->m->key_size);
		gen_agg_fold(g, w->map, ckey, cval, false);
	} else if (gen_table_percpu(g, w->map)) {
		copy_mem(g, R7, (int)ckey, BPF_REG_8, 0, w->m->key_size);
		gen_sum_fold(g, w->map, ckey);
		STX(BPF_DW, R7, cval, R0);
	}
	LDX(BPF_DW, R1, R7, have_prev);
	j_noprev = JMP_IMM(BPF_JEQ, R1, 0, 0);
	cmp_elems(g, w, (enum tap_order)n->num, pprev, cand);
	j_skip1 = JMP_IMM(BPF_JEQ, R0, 0, 0);
	patch_here(g, j_noprev);
	LDX(BPF_DW, R1, R7, found);
	j_first = JMP_IMM(BPF_JEQ, R1, 0, 0);
	cmp_elems(g, w, (enum tap_order)n->num, cand, pbest);
	j_skip2 = JMP_IMM(BPF_JEQ, R0, 0, 0);
	patch_here(g, j_first);
	copy_mem(g, R7, (int)best, BPF_REG_8, 0, w->m->key_size);
	copy_mem(g, R7, (int)(best + w->m->key_size), cand.val_reg, cand.val_off, w->vsize);
	ST_IMM(BPF_DW, R7, found, 1);
	patch_here(g, j_skip1);
	patch_here(g, j_skip2);
	gen_callback_end(g, &sv2, find);
	gen_for_each(g, w->map, find, false);

	/* none left: the walk is done; the iteration after --loop-max: stopped */
	LDX(BPF_DW, R1, R7, found);
	j = JMP_IMM(BPF_JNE, R1, 0, 0);
	ST_IMM(BPF_DW, R7, done, 1);
	MOV_IMM(R0, 1);
	gen_emit(g, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	patch_here(g, j);
	j = JMP_IMM(BPF_JNE, BPF_REG_8, (__s32)g->loop_max, 0);
	MOV_IMM(R0, 1);
	gen_emit(g, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	patch_here(g, j);
	copy_mem(g, R7, (int)prev, R7, (int)best, esize);
	ST_IMM(BPF_DW, R7, have_prev, 1);
	walk_set(g, w, R7, (int)best, R7, (int)(best + w->m->key_size));
	breaks = walk_body(g, n);
	if (!g->dead) {
		MOV_IMM(R0, 0);
		gen_emit(g, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	}
	g->dead = false;
	if (breaks) {
		patch_list_here(g, breaks);
		ST_IMM(BPF_DW, R7, done, 1);
		MOV_IMM(R0, 1);
		gen_emit(g, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	}
	gen_callback_end_dead(g);
	gen_callback_end(g, &sv, outer);
	g->line = n->line;
	MOV_IMM(R1, (__s32)g->loop_max + 1);
	gen_call_with_callback(g, BPF_FUNC_loop, outer, true);
	LDX(BPF_DW, R1, R7, done);
	j = JMP_IMM(BPF_JNE, R1, 0, 0);
	gen_count_loop_stop(g);
	patch_here(g, j);
}

void gen_for(struct gen *g, struct tap_node *n)
{
	struct walk w;

	walk_locals(g, n, &w);
	if (n->num == TAP_ORDER_NONE)
		gen_for_pairs(g, n, &w);
	else
		gen_for_sorted(g, n, &w);
}

/* ---- aggregations ----------------------------------------------------- */

/* r@reg = @v, in one instruction if it fits in 32 bits */
static void load_const(struct gen *g, int reg, long long v)
{
	if (v >= INT32_MIN && v <= INT32_MAX) {
		MOV_IMM(reg, (__s32)v);
		return;
	}
	gen_emit(g, BPF_LD | BPF_DW | BPF_IMM, reg, 0, 0, (__s32)(__u32)v);
	gen_emit(g, 0, 0, 0, 0, (__s32)((unsigned long long)v >> 32));
}

/*
 * r3 = the lhist() bucket of the value in r2: 0 below min, 1 + (v - min)
 * / step up to max, hist_nr + 1 from max up.  r2 is clobbered.
 */
static void gen_lhist_bucket(struct gen *g, const struct tap_sym *sym)
{
	unsigned int j_low, j_high;

	MOV_IMM(R3, 0);
	load_const(g, R4, sym->hist_min);
	j_low = JMP_REG(BPF_JSLT, R2, R4, 0);
	MOV_IMM(R3, sym->hist_nr + 1);
	load_const(g, R5, sym->hist_max);
	j_high = JMP_REG(BPF_JSGE, R2, R5, 0);
	ALU64_REG(BPF_SUB, R2, R4);
	load_const(g, R5, sym->hist_step);
	ALU64_REG(BPF_DIV, R2, R5);
	MOV_REG(R3, R2);
	ALU64_IMM(BPF_ADD, R3, 1);
	patch_here(g, j_low);
	patch_here(g, j_high);
}

/*
 * t[k] <<< v, in this CPU's element: count, sum, min, max, and the log2
 * histogram bucket: 0 for v < 1, b for 2^(b-1) <= v < 2^b.  No atomics are
 * needed: nothing else writes this CPU's copy.
 */
void gen_agg_update(struct gen *g, struct tap_node *n)
{
	struct tap_node *index = n->a;
	unsigned int val = scratch_alloc(g, 8), key, j1, j3, j_first, j_done;
	static const int shifts[] = { 32, 16, 8, 4, 2, 1 };
	size_t i;

	gen_num(g, n->b);
	STX(BPF_DW, R7, val, R0);
	key = gen_key(g, index);
	j3 = gen_lookup_or_create(g, index, key, TAP_AGG_SIZE);
	LDX(BPF_DW, R2, R7, val);
	LDX(BPF_DW, R3, R0, TAP_AGG_COUNT);
	ALU64_IMM(BPF_ADD, R3, 1);
	STX(BPF_DW, R0, TAP_AGG_COUNT, R3);
	LDX(BPF_DW, R4, R0, TAP_AGG_SUM);
	ALU64_REG(BPF_ADD, R4, R2);
	STX(BPF_DW, R0, TAP_AGG_SUM, R4);
	j_first = JMP_IMM(BPF_JEQ, R3, 1, 0);
	LDX(BPF_DW, R4, R0, TAP_AGG_MIN);
	JMP_REG(BPF_JSGE, R2, R4, 1);
	STX(BPF_DW, R0, TAP_AGG_MIN, R2);
	LDX(BPF_DW, R4, R0, TAP_AGG_MAX);
	JMP_REG(BPF_JSLE, R2, R4, 1);
	STX(BPF_DW, R0, TAP_AGG_MAX, R2);
	j_done = JA(2);
	patch_here(g, j_first);
	STX(BPF_DW, R0, TAP_AGG_MIN, R2);
	STX(BPF_DW, R0, TAP_AGG_MAX, R2);
	patch_here(g, j_done);
	if (index->a->sym->hist_nr) {
		gen_lhist_bucket(g, index->a->sym);
		goto count;
	}
	/* r3 = bucket */
	MOV_IMM(R3, 0);
	j1 = JMP_IMM(BPF_JSLT, R2, 1, 0);
	MOV_IMM(R3, 1);
	for (i = 0; i < ARRAY_SIZE(shifts); i++) {
		MOV_REG(R5, R2);
		ALU64_IMM(BPF_RSH, R5, shifts[i]);
		JMP_IMM(BPF_JEQ, R5, 0, 2);
		ALU64_IMM(BPF_ADD, R3, shifts[i]);
		MOV_REG(R2, R5);
	}
	patch_here(g, j1);
count:
	ALU64_IMM(BPF_AND, R3, TAP_AGG_BUCKETS - 1);
	ALU64_IMM(BPF_LSH, R3, 3);
	ALU64_REG(BPF_ADD, R0, R3);
	LDX(BPF_DW, R4, R0, TAP_AGG_HIST);
	ALU64_IMM(BPF_ADD, R4, 1);
	STX(BPF_DW, R0, TAP_AGG_HIST, R4);
	patch_here(g, j3);
}

/*
 * In a bpf_loop callback over the CPUs (the CPU in R8): R0 = CPU R8's copy
 * of the element whose key is at scratch @key; returns the jump to patch
 * to where there is none.
 */
static unsigned int lookup_cpu_copy(struct gen *g, int map, unsigned int key)
{
	ld_map(g, R1, map);
	MOV_REG(R2, R7);
	ALU64_IMM(BPF_ADD, R2, key);
	MOV_REG(R3, BPF_REG_8);
	CALL(BPF_FUNC_map_lookup_percpu_elem);
	return JMP_IMM(BPF_JEQ, R0, 0, 0);
}

/*
 * Fold the per-CPU copies of the element whose key is at scratch @key into
 * scratch @acc (TAP_AGG_SIZE bytes; the histogram only if @hist), with a
 * bpf_loop over the possible CPUs.
 */
static void gen_agg_fold(struct gen *g, int map, unsigned int key, unsigned int acc, bool hist)
{
	struct callback *cb = tap_alloc(g->c, sizeof(*cb));
	struct saved_code sv;
	unsigned int j;
	int b;

	zero_mem(g, R7, acc, hist ? TAP_AGG_SIZE : TAP_AGG_HIST);
	gen_callback_begin(g, &sv, cb, true);
	j = lookup_cpu_copy(g, map, key);
	LDX(BPF_DW, R1, R0, TAP_AGG_COUNT);
	{
		unsigned int j_empty = JMP_IMM(BPF_JEQ, R1, 0, 0), j_first;

		LDX(BPF_DW, R2, R7, acc + TAP_AGG_COUNT);
		j_first = JMP_IMM(BPF_JEQ, R2, 0, 0);
		/* merge min and max */
		LDX(BPF_DW, R3, R0, TAP_AGG_MIN);
		LDX(BPF_DW, R4, R7, acc + TAP_AGG_MIN);
		JMP_REG(BPF_JSGE, R3, R4, 1);
		STX(BPF_DW, R7, acc + TAP_AGG_MIN, R3);
		LDX(BPF_DW, R3, R0, TAP_AGG_MAX);
		LDX(BPF_DW, R4, R7, acc + TAP_AGG_MAX);
		JMP_REG(BPF_JSLE, R3, R4, 1);
		STX(BPF_DW, R7, acc + TAP_AGG_MAX, R3);
		JA(4);
		patch_here(g, j_first);
		LDX(BPF_DW, R3, R0, TAP_AGG_MIN);
		STX(BPF_DW, R7, acc + TAP_AGG_MIN, R3);
		LDX(BPF_DW, R3, R0, TAP_AGG_MAX);
		STX(BPF_DW, R7, acc + TAP_AGG_MAX, R3);
		ALU64_REG(BPF_ADD, R2, R1);
		STX(BPF_DW, R7, acc + TAP_AGG_COUNT, R2);
		LDX(BPF_DW, R3, R0, TAP_AGG_SUM);
		LDX(BPF_DW, R4, R7, acc + TAP_AGG_SUM);
		ALU64_REG(BPF_ADD, R4, R3);
		STX(BPF_DW, R7, acc + TAP_AGG_SUM, R4);
		for (b = 0; hist && b < TAP_AGG_BUCKETS; b++) {
			LDX(BPF_DW, R3, R0, TAP_AGG_HIST + 8 * b);
			LDX(BPF_DW, R4, R7, acc + TAP_AGG_HIST + 8 * b);
			ALU64_REG(BPF_ADD, R4, R3);
			STX(BPF_DW, R7, acc + TAP_AGG_HIST + 8 * b, R4);
		}
		patch_here(g, j_empty);
	}
	patch_here(g, j);
	gen_callback_end(g, &sv, cb);

	ld_map_value(g, R1, TAP_MAP_GLOBALS, TAP_G_NCPUS);
	LDX(BPF_DW, R1, R1, 0);
	gen_call_with_callback(g, BPF_FUNC_loop, cb, false);
}

/* count(t[k]), sum(), avg(), min(), max(): folded across CPUs now. */
void gen_agg_fn(struct gen *g, struct tap_node *call)
{
	struct tap_node *index = call->list;
	unsigned int key, acc;

	if (index->kind == TAP_N_NAME) {
		/* the value of a for walk: folded already */
		acc = (unsigned int)index->sym->offset;
	} else {
		key = gen_key(g, index);
		acc = scratch_alloc(g, TAP_AGG_HIST);
		gen_agg_fold(g, TAP_MAP_TABLE0 + index->a->sym->map, key, acc, false);
	}
	switch (call->builtin) {
	case TAP_B_COUNT:
		LDX(BPF_DW, R0, R7, acc + TAP_AGG_COUNT);
		break;
	case TAP_B_SUM:
		LDX(BPF_DW, R0, R7, acc + TAP_AGG_SUM);
		break;
	case TAP_B_MIN:
		LDX(BPF_DW, R0, R7, acc + TAP_AGG_MIN);
		break;
	case TAP_B_MAX:
		LDX(BPF_DW, R0, R7, acc + TAP_AGG_MAX);
		break;
	default:
		/* avg: sum / count, 0 when empty (BPF division by 0 gives 0) */
		LDX(BPF_DW, R0, R7, acc + TAP_AGG_SUM);
		LDX(BPF_DW, R1, R7, acc + TAP_AGG_COUNT);
		gen_emit(g, BPF_ALU64 | BPF_DIV | BPF_X, R0, R1, 1, 0);
		break;
	}
}

/* ---- tables of numbers kept per CPU ------------------------------------ */

/*
 * Which tables can be kept per CPU: tables of numbers whose elements are
 * only ever added to ('+=', '-='), never set, and whose values are read
 * only in top-level code and trace_end (where adding up the copies, a
 * bpf_loop over the CPUs, is paid once, not at every event).  Anything
 * else about a table in a probe or a function keeps it shared.
 */
struct percpu_scan {
	struct gen *g;
	bool *bad, *added, *set;
};

static int table_sym(struct percpu_scan *ps, const struct tap_sym *sym)
{
	struct tap_sema *sema = ps->g->sema;

	if (!sym || sym->map < 0 || sym->map >= sema->ntables || sema->tables[sym->map] != sym)
		return -1;
	return sym->map;
}

static int table_of(struct percpu_scan *ps, const struct tap_node *n)
{
	return n && n->kind == TAP_N_NAME ? table_sym(ps, n->sym) : -1;
}

static void percpu_scan_list(struct percpu_scan *ps, const struct tap_node *n, bool probe);

/* {}: a table emptied, not given values */
static bool table_empty(const struct tap_node *n)
{
	return n && n->kind == TAP_N_TABLE && !n->list;
}

static void percpu_scan(struct percpu_scan *ps, const struct tap_node *n, bool probe)
{
	int t;

	if (!n)
		return;
	switch (n->kind) {
	case TAP_N_FUNC:
	case TAP_N_TRACE:
	case TAP_N_TIMER:
		probe = true;
		break;
	case TAP_N_TRACE_END:
		probe = false;
		break;
	case TAP_N_VAR:
		/* a table given its contents whole: they are not a sum of copies */
		t = n->a ? table_sym(ps, n->sym) : -1;
		if (t >= 0) {
			ps->bad[t] = true;
			ps->set[t] |= !table_empty(n->a);
		}
		break;
	case TAP_N_ASSIGN:
		t = table_of(ps, n->a);
		if (t >= 0) {
			ps->bad[t] = true;
			ps->set[t] |= !table_empty(n->b);
		}
		t = n->a->kind == TAP_N_INDEX ? table_of(ps, n->a->a) : -1;
		if (t >= 0) {
			if (n->op == TK_ADD_ASSIGN || n->op == TK_SUB_ASSIGN) {
				ps->added[t] = true;
			} else {
				ps->bad[t] = true;
				ps->set[t] = true;
			}
			percpu_scan_list(ps, n->a->list, probe);
			percpu_scan(ps, n->b, probe);
			return;
		}
		break;
	case TAP_N_INDEX:
		t = table_of(ps, n->a);
		if (t >= 0) {
			ps->bad[t] |= probe;
			percpu_scan_list(ps, n->list, probe);
			return;
		}
		break;
	case TAP_N_NAME:
		/* the whole table: for walks, len(), delete(), print_hist(), ... */
		t = table_of(ps, n);
		if (t >= 0)
			ps->bad[t] |= probe;
		break;
	default:
		break;
	}
	percpu_scan(ps, n->a, probe);
	percpu_scan(ps, n->b, probe);
	percpu_scan(ps, n->c, probe);
	percpu_scan_list(ps, n->list, probe);
}

static void percpu_scan_list(struct percpu_scan *ps, const struct tap_node *n, bool probe)
{
	for (; n; n = n->next)
		percpu_scan(ps, n, probe);
}

void gen_percpu_tables(struct gen *g, struct tap_node *items)
{
	struct percpu_scan ps = { .g = g };
	int i;

	if (!g->sema->ntables)
		return;
	ps.bad = calloc(g->sema->ntables, sizeof(bool));
	ps.added = calloc(g->sema->ntables, sizeof(bool));
	ps.set = calloc(g->sema->ntables, sizeof(bool));
	if (ps.bad && ps.added && ps.set)
		percpu_scan_list(&ps, items, false);
	for (i = 0; ps.bad && ps.added && ps.set && i < g->sema->ntables; i++) {
		struct tap_map_def *m = &g->obj->maps[TAP_MAP_TABLE0 + i];

		if (m->type != BPF_MAP_TYPE_HASH || m->value.kind != TAP_T_NUM || !ps.added[i])
			continue;
		if (!ps.bad[i])
			m->flags |= TAP_MAP_F_PERCPU;
		if (!ps.set[i])
			m->flags |= TAP_MAP_F_ADDED;
	}
	free(ps.bad);
	free(ps.added);
	free(ps.set);
}

bool gen_table_percpu(struct gen *g, int map)
{
	return g->obj->maps[map].flags & TAP_MAP_F_PERCPU;
}

/*
 * r0 = the element of per-CPU table @map whose key is at scratch @key:
 * its copies added up with a bpf_loop over the possible CPUs (0 if none).
 */
void gen_sum_fold(struct gen *g, int map, unsigned int key)
{
	struct callback *cb = tap_alloc(g->c, sizeof(*cb));
	unsigned int acc = scratch_alloc(g, 8), j;
	struct saved_code sv;

	ST_IMM(BPF_DW, R7, acc, 0);
	gen_callback_begin(g, &sv, cb, true);
	j = lookup_cpu_copy(g, map, key);
	LDX(BPF_DW, R1, R0, 0);
	LDX(BPF_DW, R2, R7, acc);
	ALU64_REG(BPF_ADD, R2, R1);
	STX(BPF_DW, R7, acc, R2);
	patch_here(g, j);
	gen_callback_end(g, &sv, cb);

	ld_map_value(g, R1, TAP_MAP_GLOBALS, TAP_G_NCPUS);
	LDX(BPF_DW, R1, R1, 0);
	gen_call_with_callback(g, BPF_FUNC_loop, cb, false);
	LDX(BPF_DW, R0, R7, acc);
}
