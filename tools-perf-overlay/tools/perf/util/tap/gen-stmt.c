// SPDX-License-Identifier: GPL-2.0
/*
 * Statements: assignments, calls, if, while (a bpf_loop callback) and
 * user functions, which are inlined.
 */
#include <stdlib.h>
#include <string.h>

#include "gen.h"
#include "lex.h"

/* ---- statements -------------------------------------------------------- */

static void count_drop(struct gen *g)
{
	ld_map_value(g, R1, TAP_MAP_GLOBALS, TAP_G_DROPS);
	MOV_IMM(R2, 1);
	gen_emit(g, BPF_STX | BPF_DW | BPF_ATOMIC, R1, R2, 0, BPF_ADD);
}

/*
 * r0 = the element of @index (its key at scratch @key), created
 * zero-filled (@size bytes) if missing.  Returns the jump taken when the
 * table is full, counted as a drop: the caller patches it past its update.
 */
unsigned int gen_lookup_or_create(struct gen *g, struct tap_node *index,
				  unsigned int key, unsigned int size)
{
	unsigned int j_have, j_made, j_full, zero;

	gen_lookup(g, index, key);
	j_have = JMP_IMM(BPF_JNE, R0, 0, 0);
	zero = scratch_alloc(g, size);
	zero_mem(g, R7, zero, size);
	ld_map(g, R1, TAP_MAP_TABLE0 + index->a->sym->map);
	MOV_REG(R2, R7);
	ALU64_IMM(BPF_ADD, R2, key);
	MOV_REG(R3, R7);
	ALU64_IMM(BPF_ADD, R3, zero);
	MOV_IMM(R4, BPF_NOEXIST);
	CALL(BPF_FUNC_map_update_elem);
	gen_lookup(g, index, key);
	j_made = JMP_IMM(BPF_JNE, R0, 0, 0);
	count_drop(g);
	j_full = JA(0);
	patch_here(g, j_have);
	patch_here(g, j_made);
	return j_full;
}

static void gen_table_assign(struct gen *g, struct tap_node *n)
{
	struct tap_node *index = n->a;
	int map = TAP_MAP_TABLE0 + index->a->sym->map;
	unsigned int key, val = 0, j1, j3;
	int slot = 0;

	if (kind_of(n->b) == TAP_T_STR) {
		val = scratch_alloc(g, str_size(g));
		gen_str(g, n->b, val);
	} else {
		gen_num(g, n->b);
		slot = stack_alloc(g, 8);
		STX(BPF_DW, FP, slot, R0);
	}
	key = gen_key(g, index);
	if (n->op == TK_CH('=')) {
		ld_map(g, R1, map);
		MOV_REG(R2, R7);
		ALU64_IMM(BPF_ADD, R2, key);
		if (kind_of(n->b) == TAP_T_STR) {
			MOV_REG(R3, R7);
			ALU64_IMM(BPF_ADD, R3, val);
		} else {
			MOV_REG(R3, FP);
			ALU64_IMM(BPF_ADD, R3, slot);
		}
		MOV_IMM(R4, BPF_ANY);
		CALL(BPF_FUNC_map_update_elem);
		j1 = JMP_IMM(BPF_JEQ, R0, 0, 0);
		count_drop(g);
		patch_here(g, j1);
		return;
	}
	/* t[k] op= v: create the element at 0 if missing, then update in place */
	j3 = gen_lookup_or_create(g, index, key, 8);
	LDX(BPF_DW, R1, FP, slot);
	if (n->op == TK_ADD_ASSIGN || n->op == TK_SUB_ASSIGN) {
		/* atomic, so CPUs counting the same key lose no update */
		if (n->op == TK_SUB_ASSIGN)
			ALU64_IMM(BPF_NEG, R1, 0);
		gen_emit(g, BPF_STX | BPF_DW | BPF_ATOMIC, R0, R1, 0, BPF_ADD);
	} else {
		MOV_REG(R2, R0);
		LDX(BPF_DW, R0, R2, 0);
		gen_alu(g, n->op);
		STX(BPF_DW, R2, 0, R0);
	}
	patch_here(g, j3);
}

static void gen_assign(struct gen *g, struct tap_node *n)
{
	struct tap_sym *sym = n->a->sym;

	if (n->a->kind == TAP_N_INDEX) {
		gen_table_assign(g, n);
		return;
	}
	if (kind_of(n->a) == TAP_T_TABLE) {
		/* t = {...}: the table is emptied, then the entries stored in order */
		gen_clear(g, n->a);
		for (struct tap_node *e = n->b->list; e; e = e->next) {
			struct tap_node index = { .kind = TAP_N_INDEX, .a = n->a, .list = e->list,
						  .line = e->line, .col = e->col };
			struct tap_node as = { .kind = TAP_N_ASSIGN, .op = TK_CH('='), .a = &index,
					       .b = e->b, .line = e->line, .col = e->col };

			g->line = e->line;
			gen_table_assign(g, &as);
		}
		return;
	}
	if (kind_of(n->a) == TAP_T_STR) {
		unsigned int tmp = scratch_alloc(g, str_size(g));

		gen_str(g, n->b, tmp);
		if (sym->kind == TAP_SYM_GLOBAL) {
			ld_map_value(g, R2, TAP_MAP_GLOBALS, sym->offset);
			copy_mem(g, R2, 0, R7, tmp, str_size(g));
		} else {
			copy_mem(g, R7, sym->offset, R7, tmp, str_size(g));
		}
		return;
	}
	gen_num(g, n->b);
	if (sym->kind == TAP_SYM_GLOBAL) {
		ld_map_value(g, R1, TAP_MAP_GLOBALS, sym->offset);
		if (n->op == TK_ADD_ASSIGN || n->op == TK_SUB_ASSIGN) {
			if (n->op == TK_SUB_ASSIGN)
				ALU64_IMM(BPF_NEG, R0, 0);
			gen_emit(g, BPF_STX | BPF_DW | BPF_ATOMIC, R1, R0, 0, BPF_ADD);
			return;
		}
		if (n->op != TK_CH('=')) {
			MOV_REG(R2, R1);
			MOV_REG(R1, R0);
			LDX(BPF_DW, R0, R2, 0);
			gen_alu(g, n->op);
			MOV_REG(R1, R2);
		}
		STX(BPF_DW, R1, 0, R0);
		return;
	}
	if (n->op != TK_CH('=')) {
		MOV_REG(R1, R0);
		LDX(BPF_DW, R0, R7, sym->offset);
		gen_alu(g, n->op);
	}
	STX(BPF_DW, R7, sym->offset, R0);
}

static void gen_call_stmt(struct gen *g, struct tap_node *n)
{
	struct tap_node *arg = n->list;
	unsigned int key, j;

	switch (n->builtin) {
	case TAP_B_PRINT:
		gen_record(g, TAP_REC_PRINT, NULL, arg, -1);
		return;
	case TAP_B_PRINTF:
		gen_record(g, TAP_REC_PRINTF, arg, arg->next, -1);
		return;
	case TAP_B_EXIT:
		ld_map_value(g, R1, TAP_MAP_GLOBALS, TAP_G_EXITED);
		ST_IMM(BPF_DW, R1, 0, 1);
		gen_record(g, TAP_REC_EXIT, NULL, NULL, -1);
		if (g->cur_cb)
			ST_IMM(BPF_DW, R7, SCRATCH_CB_EXIT, 1);
		jump_to_exit(g, JA(0));
		g->dead = true;
		return;
	case TAP_B_PRINT_HIST:
		gen_print_hist(g, n);
		return;
	case TAP_B_DELETE:
		if (arg->kind != TAP_N_INDEX) {
			gen_clear(g, arg);
			return;
		}
		key = gen_key(g, arg);
		ld_map(g, R1, TAP_MAP_TABLE0 + arg->a->sym->map);
		MOV_REG(R2, R7);
		ALU64_IMM(BPF_ADD, R2, key);
		CALL(BPF_FUNC_map_delete_elem);
		return;
	default:
		break;
	}
	(void)j;
	tap_error(g->c, n->line, n->col, "'%s' has no effect here", n->name);
}

/* Count a loop stopped at --loop-max. */
void gen_count_loop_stop(struct gen *g)
{
	ld_map_value(g, R1, TAP_MAP_GLOBALS, TAP_G_LOOPS);
	MOV_IMM(R2, 1);
	gen_emit(g, BPF_STX | BPF_DW | BPF_ATOMIC, R1, R2, 0, BPF_ADD);
}

/*
 * while (cond) { ... } runs as a bpf_loop callback, so the verifier checks
 * the body once however many times it runs.  bpf_loop needs a bound: a
 * loop stops after loop_max iterations (--loop-max), and such stops are
 * counted and reported.  The callback tests the condition first; a false
 * condition or 'break' marks the loop done and stops bpf_loop.
 */
static void gen_while(struct gen *g, struct tap_node *n)
{
	struct callback *cb = tap_alloc(g->c, sizeof(*cb));
	unsigned int done = scratch_alloc(g, 8), j_body, j_more, stop, j;
	struct loop loop = { 0 };
	struct saved_code sv;
	struct fixup *f;

	ST_IMM(BPF_DW, R7, done, 0);
	gen_callback_begin(g, &sv, cb, true);
	g->line = n->line;
	gen_num(g, n->a);
	j_body = JMP_IMM(BPF_JNE, R0, 0, 0);
	stop = g->cnt;
	ST_IMM(BPF_DW, R7, done, 1);
	MOV_IMM(R0, 1);
	gen_emit(g, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	patch_here(g, j_body);
	/*
	 * The callback runs loop_max + 1 times: the last only tests the
	 * condition, so that a loop of exactly loop_max iterations ends
	 * normally and only one that wants more is counted as stopped.
	 */
	j_more = JMP_IMM(BPF_JLT, BPF_REG_8, (__s32)g->loop_max, 0);
	MOV_IMM(R0, 1);
	gen_emit(g, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	patch_here(g, j_more);
	g->loop = &loop;
	gen_block(g, n->b);
	g->loop = NULL;
	for (f = loop.breaks; f; f = f->next)
		patch_to(g, f->insn, stop);
	if (g->dead) {
		g->dead = false;
		gen_callback_end_dead(g);
	}
	gen_callback_end(g, &sv, cb);
	g->line = n->line;
	MOV_IMM(R1, (__s32)g->loop_max + 1);
	gen_call_with_callback(g, BPF_FUNC_loop, cb, true);
	LDX(BPF_DW, R1, R7, done);
	j = JMP_IMM(BPF_JNE, R1, 0, 0);
	gen_count_loop_stop(g);
	patch_here(g, j);
}

/*
 * for (i = first, last, step) { ... }: first, last and step are computed
 * once, and so is the number of iterations, as Lua does (no overflow near
 * the ends of the range).  The body is a bpf_loop callback that sets i to
 * first + index * step.  More iterations than --loop-max run loop_max of
 * them, and the stop is counted unless 'break' ended the loop; so is a
 * step that turns out to be 0 at run time.
 */
static void gen_for_numeric(struct gen *g, struct tap_node *n)
{
	struct callback *cb = tap_alloc(g->c, sizeof(*cb));
	unsigned int first = scratch_alloc(g, 8), step = scratch_alloc(g, 8);
	unsigned int done = scratch_alloc(g, 8), over = scratch_alloc(g, 8);
	unsigned int j_zero, j_neg, j_up_none, j_down_none, j_up, j_big, j_call, j;
	int last = stack_alloc(g, 8);
	struct loop loop = { 0 };
	struct saved_code sv;

	n->sym->offset = (int)scratch_alloc(g, 8);
	gen_num(g, n->a);
	STX(BPF_DW, R7, first, R0);
	gen_num(g, n->c);
	STX(BPF_DW, FP, last, R0);
	if (n->list)
		gen_num(g, n->list);
	else
		MOV_IMM(R0, 1);
	STX(BPF_DW, R7, step, R0);
	ST_IMM(BPF_DW, R7, done, 0);
	ST_IMM(BPF_DW, R7, over, 0);
	/* r4 = iterations - 1, counted without overflow */
	LDX(BPF_DW, R1, R7, first);
	LDX(BPF_DW, R2, FP, last);
	MOV_REG(R3, R0);
	j_zero = JMP_IMM(BPF_JEQ, R3, 0, 0);
	j_neg = JMP_IMM(BPF_JSLT, R3, 0, 0);
	j_up_none = JMP_REG(BPF_JSGT, R1, R2, 0);
	MOV_REG(R4, R2);
	ALU64_REG(BPF_SUB, R4, R1);
	ALU64_REG(BPF_DIV, R4, R3);
	j_up = JA(0);
	patch_here(g, j_neg);
	j_down_none = JMP_REG(BPF_JSLT, R1, R2, 0);
	MOV_REG(R4, R1);
	ALU64_REG(BPF_SUB, R4, R2);
	ALU64_IMM(BPF_NEG, R3, 0);
	ALU64_REG(BPF_DIV, R4, R3);
	patch_here(g, j_up);
	j_big = JMP_IMM(BPF_JGE, R4, (__s32)g->loop_max, 0);
	MOV_REG(R1, R4);
	ALU64_IMM(BPF_ADD, R1, 1);
	j_call = JA(0);
	patch_here(g, j_zero);
	patch_here(g, j_big);
	ST_IMM(BPF_DW, R7, over, 1);
	MOV_IMM(R1, (__s32)g->loop_max);
	patch_here(g, j_call);

	gen_callback_begin(g, &sv, cb, true);
	g->line = n->line;
	LDX(BPF_DW, R0, R7, step);
	ALU64_REG(BPF_MUL, R0, BPF_REG_8);
	LDX(BPF_DW, R1, R7, first);
	ALU64_REG(BPF_ADD, R0, R1);
	STX(BPF_DW, R7, n->sym->offset, R0);
	g->loop = &loop;
	gen_block(g, n->b);
	g->loop = NULL;
	if (!g->dead) {
		MOV_IMM(R0, 0);
		gen_emit(g, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	}
	g->dead = false;
	if (loop.breaks) {
		patch_list_here(g, loop.breaks);
		ST_IMM(BPF_DW, R7, done, 1);
		MOV_IMM(R0, 1);
		gen_emit(g, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	}
	gen_callback_end_dead(g);
	gen_callback_end(g, &sv, cb);
	g->line = n->line;
	gen_call_with_callback(g, BPF_FUNC_loop, cb, true);
	LDX(BPF_DW, R1, R7, over);
	LDX(BPF_DW, R2, R7, done);
	ALU64_IMM(BPF_XOR, R2, 1);
	ALU64_REG(BPF_AND, R1, R2);
	j = JMP_IMM(BPF_JEQ, R1, 0, 0);
	gen_count_loop_stop(g);
	patch_here(g, j);
	patch_here(g, j_up_none);
	patch_here(g, j_down_none);
}

/*
 * f(args) is inlined: parameters become locals of this program, 'return'
 * stores the value and jumps to the end.  Recursion is refused by sema,
 * so one instance of a function is live at a time and its symbols can
 * carry this instance's storage.
 */
void gen_user_call(struct gen *g, struct tap_node *n, unsigned int dst)
{
	struct tap_node *fn = n->sym->func, *param, *arg;
	struct inlined in = { .up = g->fn, .loop = g->loop, .cb = g->cur_cb, .call = n };
	int line = g->line;

	g->uses_scratch = true;
	in.kind = tap_type_resolve(n->sym->type)->kind;
	if (in.kind == TAP_T_STR) {
		in.str = scratch_alloc(g, str_size(g));
		zero_mem(g, R7, in.str, str_size(g));
	} else {
		in.slot = (int)scratch_alloc(g, 8);
		ST_IMM(BPF_DW, R7, in.slot, 0);
	}
	/* arguments are evaluated before any parameter is bound */
	for (param = fn->list, arg = n->list; param; param = param->next, arg = arg->next) {
		if (tap_type_resolve(param->sym->type)->kind == TAP_T_STR) {
			unsigned int off = scratch_alloc(g, str_size(g));

			gen_str(g, arg, off);
			param->num = off;
		} else {
			unsigned int off = scratch_alloc(g, 8);

			gen_num(g, arg);
			STX(BPF_DW, R7, off, R0);
			param->num = off;
		}
	}
	for (param = fn->list; param; param = param->next)
		param->sym->offset = (int)param->num;
	g->fn = &in;
	g->loop = NULL;
	gen_block(g, fn->b);
	/* after the call is reachable if the body can run to its end or returns */
	g->dead = g->dead && !in.returns;
	g->fn = in.up;
	g->loop = in.loop;
	patch_list_here(g, in.returns);
	g->line = line;
	if (g->dead)
		return;		/* the function never comes back (exit()) */
	if (in.kind == TAP_T_STR)
		copy_mem(g, R7, dst, R7, in.str, str_size(g));
	else
		LDX(BPF_DW, R0, R7, in.slot);
}

void gen_stmt_node(struct gen *g, struct tap_node *n)
{
	unsigned int scratch_mark = g->scratch;
	int stack_mark = g->stack;
	unsigned int j1, j2 = 0;

	g->line = n->line;
	switch (n->kind) {
	case TAP_N_VAR:
		if (n->sym->kind == TAP_SYM_LOCAL) {
			/* locals keep their storage to the end of the program */
			if (tap_type_resolve(n->sym->type)->kind == TAP_T_STR)
				n->sym->offset = (int)scratch_alloc(g, str_size(g));
			else
				n->sym->offset = (int)scratch_alloc(g, 8);
			scratch_mark = g->scratch;
			stack_mark = g->stack;
		}
		if (n->a) {
			struct tap_node target = { .kind = TAP_N_NAME, .name = n->name,
						   .sym = n->sym, .type = n->sym->type,
						   .line = n->line, .col = n->col };
			struct tap_node as = { .kind = TAP_N_ASSIGN, .op = TK_CH('='),
					       .a = &target, .b = n->a, .line = n->line };

			gen_assign(g, &as);
		} else if (n->sym->kind == TAP_SYM_LOCAL) {
			if (tap_type_resolve(n->sym->type)->kind == TAP_T_STR)
				zero_mem(g, R7, n->sym->offset, str_size(g));
			else
				ST_IMM(BPF_DW, R7, n->sym->offset, 0);
		}
		break;
	case TAP_N_BLOCK:
		gen_block(g, n);
		break;
	case TAP_N_IF:
		gen_num(g, n->a);
		j1 = JMP_IMM(BPF_JEQ, R0, 0, 0);
		gen_block(g, n->b);
		if (n->c) {
			bool then_dead = g->dead;

			/* a branch that always leaves needs no jump over the other */
			if (!then_dead)
				j2 = JA(0);
			patch_here(g, j1);
			g->dead = false;
			gen_stmt(g, n->c);
			if (!then_dead)
				patch_here(g, j2);
			g->dead = then_dead && g->dead;
		} else {
			patch_here(g, j1);
			g->dead = false;
		}
		break;
	case TAP_N_ASSIGN:
		gen_assign(g, n);
		break;
	case TAP_N_EXPR:
		if (n->a->sym && n->a->sym->kind == TAP_SYM_FUNC)
			gen_user_call(g, n->a, 0);
		else
			gen_call_stmt(g, n->a);
		break;
	case TAP_N_WHILE:
		gen_while(g, n);
		break;
	case TAP_N_FOR:
		gen_for(g, n);
		break;
	case TAP_N_FORNUM:
		gen_for_numeric(g, n);
		break;
	case TAP_N_AGG:
		gen_agg_update(g, n);
		break;
	case TAP_N_BREAK:
		add_fixup(g, &g->loop->breaks, JA(0));
		g->dead = true;
		break;
	case TAP_N_RETURN:
		if (!g->fn) {
			/* leave the block; from a loop body, stop the loops first */
			if (g->cur_cb)
				ST_IMM(BPF_DW, R7, SCRATCH_CB_EXIT, 1);
			jump_to_exit(g, JA(0));
			g->dead = true;
			break;
		}
		if (n->a) {
			if (g->fn->kind == TAP_T_STR) {
				gen_str(g, n->a, g->fn->str);
			} else {
				gen_num(g, n->a);
				STX(BPF_DW, R7, g->fn->slot, R0);
			}
		}
		if (g->cur_cb != g->fn->cb) {
			/* inside a loop body callback: stop it, the caller returns */
			ST_IMM(BPF_DW, R7, SCRATCH_CB_RET, 1);
			add_fixup(g, &g->cb_exits, JA(0));
		} else {
			add_fixup(g, &g->fn->returns, JA(0));
		}
		g->dead = true;
		break;
	default:
		tap_error(g->c, n->line, n->col, "not supported yet");
	}
	g->scratch = scratch_mark;
	g->stack = stack_mark;
}

/*
 * Statements after exit(), break or return can never run, and the verifier
 * refuses unreachable instructions: they are not generated.
 */
void gen_block(struct gen *g, struct tap_node *n)
{
	struct tap_node *st;

	for (st = n->list; st && !g->dead; st = st->next)
		gen_stmt(g, st);
}
