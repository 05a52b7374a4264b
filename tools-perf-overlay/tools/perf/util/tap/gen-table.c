// SPDX-License-Identifier: GPL-2.0
/*
 * Callbacks and tables: for-pairs, len, delete and print_hist walk a map
 * with bpf_for_each_map_elem; aggregations keep per-CPU statistics.
 */
#include <stdlib.h>
#include <string.h>

#include <linux/kernel.h>

#include "gen.h"

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
	if (m->type == BPF_MAP_TYPE_PERCPU_HASH)
		/* an aggregation: this CPU's copy is only a part; fold them all */
		gen_agg_fold(g, map, buf + TAP_REC_HDR, buf + TAP_REC_HDR + m->key_size, true);
	else
		copy_mem(g, R7, buf + TAP_REC_HDR + m->key_size, BPF_REG_9, 0,
			 m->value_size);
	gen_output(g, buf, size);
	gen_callback_end(g, &sv, cb);
	gen_for_each(g, map, cb, false);
	gen_record(g, TAP_REC_HIST_END, NULL, NULL, table->sym->map);
}

/*
 * for (k, v in pairs(t)) { body }: the body is a callback; k and v are
 * copies of the element's key and value in this program's scratch.
 * 'break' stops the walk; exit() stops it and then the program.
 */
void gen_for(struct gen *g, struct tap_node *n)
{
	struct tap_node *table = n->a;
	int map = TAP_MAP_TABLE0 + table->sym->map;
	struct tap_map_def *m = &g->obj->maps[map];
	struct callback *cb = tap_alloc(g->c, sizeof(*cb));
	struct tap_sym *k = n->list->sym, *v = n->list->next->sym;
	struct loop loop = { 0 };
	struct saved_code sv;

	k->offset = (int)scratch_alloc(g, m->key_size);
	v->offset = (int)scratch_alloc(g, m->value_size);
	gen_callback_begin(g, &sv, cb, false);
	copy_mem(g, R7, k->offset, BPF_REG_8, 0, m->key_size);
	copy_mem(g, R7, v->offset, BPF_REG_9, 0, m->value_size);
	g->loop = &loop;
	gen_block(g, n->b);
	g->loop = NULL;
	if (g->dead) {
		/* the body always leaves: the "go on" return is unreachable */
		g->dead = false;
		gen_callback_end_dead(g);
	}
	/* break: stop the walk */
	for (struct fixup *f = loop.breaks; f; f = f->next)
		add_fixup(g, &g->cb_exits, f->insn);
	gen_callback_end(g, &sv, cb);
	gen_for_each(g, map, cb, true);
}

/* ---- aggregations ----------------------------------------------------- */

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
	ALU64_IMM(BPF_AND, R3, TAP_AGG_BUCKETS - 1);
	ALU64_IMM(BPF_LSH, R3, 3);
	ALU64_REG(BPF_ADD, R0, R3);
	LDX(BPF_DW, R4, R0, TAP_AGG_HIST);
	ALU64_IMM(BPF_ADD, R4, 1);
	STX(BPF_DW, R0, TAP_AGG_HIST, R4);
	patch_here(g, j3);
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
	ld_map(g, R1, map);
	MOV_REG(R2, R7);
	ALU64_IMM(BPF_ADD, R2, key);
	MOV_REG(R3, BPF_REG_8);
	CALL(BPF_FUNC_map_lookup_percpu_elem);
	j = JMP_IMM(BPF_JEQ, R0, 0, 0);
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
	unsigned int key = gen_key(g, index), acc = scratch_alloc(g, TAP_AGG_HIST);

	gen_agg_fold(g, TAP_MAP_TABLE0 + index->a->sym->map, key, acc, false);
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
