// SPDX-License-Identifier: GPL-2.0
/*
 * Code generation: typed AST -> BPF instructions, one program per block.
 *
 * The scheme is deliberately simple.  Numbers are computed into r0, with
 * intermediate values spilled to stack slots; strings are fixed-size
 * buffers built in per-CPU scratch memory (a map value, so long strings do
 * not eat the 512-byte BPF stack).  Registers that live across helper calls:
 *
 *	r6	the program context
 *	r7	this program's per-CPU scratch area
 *
 * Every program starts with a prologue (stop if exit() ran, keep only the
 * target process, find which event fired) and ends at one exit label.
 */
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

#include "codegen.h"
#include "jumps.h"
#include "lex.h"

#define R0 BPF_REG_0
#define R1 BPF_REG_1
#define R2 BPF_REG_2
#define R3 BPF_REG_3
#define R4 BPF_REG_4
#define R5 BPF_REG_5
#define R6 BPF_REG_6
#define R7 BPF_REG_7
#define FP BPF_REG_10

/* fixed stack slots */
#define SLOT_KEY	(-8)	/* u32 map keys */
#define SLOT_EVENT	(-16)	/* index of the event that fired, in the prologue */

/*
 * Scratch starts with the event index, where callbacks can reach it too.
 * Locals live in scratch for the same reason: a for-pairs body runs as a
 * callback with a stack frame of its own.
 */
#define SCRATCH_EVENT	0
#define SCRATCH_CB_EXIT	8	/* exit() ran inside a callback */
#define SCRATCH_CB_RET	16	/* 'return' ran inside a callback */
#define SCRATCH_FIRST	24
#define SLOT_FIRST	(-16)	/* temporaries grow down from here */

/*
 * The kernel's limit on a program's size (BPF_COMPLEXITY_LIMIT_INSNS).
 * Inlining can multiply code, so generation stops there with an error
 * instead of growing without bound.
 */
#define MAX_INSNS	1000000
/* How deep generation may recurse: the tree's depth plus inlined bodies. */
#define MAX_GEN_DEPTH	(4 * TAP_MAX_DEPTH)
/* The largest per-CPU map value, where scratch memory lives (32 KiB). */
#define MAX_SCRATCH	32768
/* Maps one program may use, its callbacks included (the kernel's MAX_USED_MAPS). */
#define MAX_USED_MAPS	64

struct fixup {
	unsigned int insn;
	struct fixup *next;
};

/* The innermost loop being generated: where 'break' goes. */
struct loop {
	struct fixup *breaks;
	struct loop *up;
};

/* The innermost inlined function call: where 'return' leaves its value. */
struct inlined {
	struct fixup *returns;
	enum tap_type_kind kind;
	int slot;			/* NUM: scratch offset of the value */
	unsigned int str;		/* STR: scratch offset of the value */
	struct loop *loop;		/* loops outside the call, hidden from break */
	struct callback *cb;		/* the callback the call is in, if any */
	struct tap_node *call;		/* the call being inlined */
	struct inlined *up;
};

/*
 * A callback subprogram (the body of a for-pairs loop, or a helper loop
 * for len/delete/print_hist), generated on the side and appended after the
 * program.  Its address is loaded by the ld_imm64 at @ld in @owner's code.
 */
struct callback {
	struct bpf_insn *insns;
	int *lines;
	int *joff;
	unsigned int cnt;
	unsigned int ld;
	struct callback *owner;		/* NULL: the program body */
	unsigned int start;		/* final position, when appended */
	struct callback *next;
};

struct gen {
	struct tap_compiler *c;
	struct tap_object *obj;
	struct tap_sema *sema;
	struct tap_prog_def *prog;
	int prog_idx;
	/*
	 * The program being built, in arena memory (freed with the compiler,
	 * also when an error unwinds).  joff: each jump's distance in full.
	 */
	struct bpf_insn *insns;
	int *lines;
	int *joff;
	unsigned int cnt, cap;
	int depth;			/* recursion of gen_stmt/gen_num/gen_str */
	bool *map_used;			/* by map index: this program uses it */
	int nr_used_maps;
	int line;
	int col;			/* of the statement being generated */
	int stack;			/* bytes of stack in use below SLOT_FIRST */
	int max_stack;
	unsigned int scratch;		/* bytes of scratch in use */
	unsigned int max_scratch;
	bool uses_scratch;
	bool uses_event;
	struct fixup *to_exit;		/* jumps to the exit label */
	struct loop *loop;
	struct inlined *fn;
	unsigned int loop_max;		/* iterations a while loop may run */
	struct callback *callbacks;	/* finished, in order of completion */
	struct callback *cur_cb;	/* the callback being generated, if any */
	struct fixup *cb_exits;		/* in a callback: jumps to its "stop" exit */
	bool dead;			/* the code being generated cannot be reached */
	enum tap_code_kind variant;	/* how the program is attached */
	bool skip_go_on;		/* the callback body never falls through */
};

/* ---- emitting ---------------------------------------------------------- */

static void *arena_grow(struct gen *g, void *old, unsigned int cnt, unsigned int cap,
			size_t elem)
{
	void *p = tap_alloc(g->c, cap * elem);

	if (cnt)
		memcpy(p, old, cnt * elem);
	return p;
}

/* Generation stops at the kernel's size limit: name what made it so big. */
static void __attribute__((noreturn)) too_large(struct gen *g)
{
	struct inlined *fn = g->fn;

	while (fn && fn->up)
		fn = fn->up;
	if (fn)
		tap_error(g->c, fn->call->line, fn->call->col,
			  "the program is too large: inlining '%s' here makes more than %d "
			  "BPF instructions", fn->call->name, MAX_INSNS);
	tap_error(g->c, g->prog && g->prog->node ? g->prog->node->line : g->line, 1,
		  "the program is too large: more than %d BPF instructions", MAX_INSNS);
}

static unsigned int emit(struct gen *g, __u8 code, __u8 dst, __u8 src, __s16 off, __s32 imm)
{
	struct bpf_insn *insn;

	if (g->cnt == g->cap) {
		unsigned int cap = g->cap ? g->cap * 2 : 256;

		if (g->cnt >= MAX_INSNS)
			too_large(g);
		g->insns = arena_grow(g, g->insns, g->cnt, cap, sizeof(*g->insns));
		g->lines = arena_grow(g, g->lines, g->cnt, cap, sizeof(*g->lines));
		g->joff = arena_grow(g, g->joff, g->cnt, cap, sizeof(*g->joff));
		g->cap = cap;
	}
	insn = &g->insns[g->cnt];
	memset(insn, 0, sizeof(*insn));
	insn->code = code;
	insn->dst_reg = dst;
	insn->src_reg = src;
	insn->off = off;
	insn->imm = imm;
	g->lines[g->cnt] = g->line;
	g->joff[g->cnt] = off;
	return g->cnt++;
}

#define ALU64_IMM(op, d, i)	emit(g, BPF_ALU64 | (op) | BPF_K, d, 0, 0, i)
#define ALU64_REG(op, d, s)	emit(g, BPF_ALU64 | (op) | BPF_X, d, s, 0, 0)
#define MOV_IMM(d, i)		ALU64_IMM(BPF_MOV, d, i)
#define MOV_REG(d, s)		ALU64_REG(BPF_MOV, d, s)
#define LDX(sz, d, s, o)	emit(g, BPF_LDX | (sz) | BPF_MEM, d, s, o, 0)
#define STX(sz, d, o, s)	emit(g, BPF_STX | (sz) | BPF_MEM, d, s, o, 0)
#define ST_IMM(sz, d, o, i)	emit(g, BPF_ST | (sz) | BPF_MEM, d, 0, o, i)
#define JMP_IMM(op, d, i, o)	emit(g, BPF_JMP | (op) | BPF_K, d, 0, o, i)
#define JMP_REG(op, d, s, o)	emit(g, BPF_JMP | (op) | BPF_X, d, s, o, 0)
#define JA(o)			emit(g, BPF_JMP | BPF_JA, 0, 0, o, 0)
#define CALL(fn)		emit(g, BPF_JMP | BPF_CALL, 0, 0, 0, fn)

/* A program may use MAX_USED_MAPS maps: say so here, not at load time. */
static void use_map(struct gen *g, int map)
{
	if (g->map_used[map])
		return;
	g->map_used[map] = true;
	if (++g->nr_used_maps > MAX_USED_MAPS)
		tap_error(g->c, g->line, g->col,
			  "this block uses more than %d tables and maps (the kernel's limit per "
			  "program, perf tap's own maps included)", MAX_USED_MAPS);
}

static void ld_map(struct gen *g, int reg, int map)
{
	use_map(g, map);
	emit(g, BPF_LD | BPF_DW | BPF_IMM, reg, BPF_PSEUDO_MAP_FD, 0, map);
	emit(g, 0, 0, 0, 0, 0);
}

/* reg = address of byte @off in the value of array map @map (entry 0) */
static void ld_map_value(struct gen *g, int reg, int map, int off)
{
	use_map(g, map);
	emit(g, BPF_LD | BPF_DW | BPF_IMM, reg, BPF_PSEUDO_MAP_VALUE, 0, map);
	emit(g, 0, 0, 0, 0, off);
}

/* Point the jump at @at to instruction @to (jumps.c writes .off at the end). */
static void patch_to(struct gen *g, unsigned int at, unsigned int to)
{
	g->joff[at] = (int)to - (int)at - 1;
}

/* Point the jump at @at to the next instruction to be emitted. */
static void patch_here(struct gen *g, unsigned int at)
{
	patch_to(g, at, g->cnt);
}

static void add_fixup(struct gen *g, struct fixup **list, unsigned int at)
{
	struct fixup *f = tap_alloc(g->c, sizeof(*f));

	f->insn = at;
	f->next = *list;
	*list = f;
}

static void jump_to_exit(struct gen *g, unsigned int at)
{
	add_fixup(g, &g->to_exit, at);
}

static void patch_list_here(struct gen *g, struct fixup *list)
{
	for (; list; list = list->next)
		patch_here(g, list->insn);
}

/* Leave the program from the jump at @at (a callback: stop its walk). */
static void exit_now(struct gen *g, unsigned int at)
{
	jump_to_exit(g, at);
}

static int stack_alloc(struct gen *g, int size)
{
	g->stack += (size + 7) & ~7;
	if (g->stack > g->max_stack)
		g->max_stack = g->stack;
	if (g->max_stack - SLOT_FIRST > 512)
		tap_error(g->c, g->line, g->col, "this block needs more than 512 bytes of BPF stack");
	return SLOT_FIRST - g->stack;
}

static unsigned int scratch_alloc(struct gen *g, unsigned int size)
{
	unsigned int off = g->scratch;

	g->uses_scratch = true;
	g->scratch += (size + 7) & ~7U;
	if (g->scratch > MAX_SCRATCH)
		tap_error(g->c, g->line, g->col,
			  "this needs more than %d bytes of scratch memory for strings and locals "
			  "(--str-size is %u)", MAX_SCRATCH, g->c->str_size);
	if (g->scratch > g->max_scratch)
		g->max_scratch = g->scratch;
	return off;
}

static enum tap_type_kind kind_of(const struct tap_node *n)
{
	return tap_type_resolve(n->type)->kind;
}

static unsigned int str_size(struct gen *g)
{
	return g->c->str_size;
}

static unsigned int value_size(struct gen *g, struct tap_type *t)
{
	switch (tap_type_resolve(t)->kind) {
	case TAP_T_STR:
		return str_size(g);
	case TAP_T_AGG:
		return TAP_AGG_SIZE;
	case TAP_T_RECORD:
		return TAP_ARGSTR_SIZE;
	default:
		return 8;
	}
}

/* ---- strings ----------------------------------------------------------- */

static void copy_mem(struct gen *g, int dst_reg, int dst_off, int src_reg, int src_off,
		     unsigned int size)
{
	unsigned int i;

	for (i = 0; i < size; i += 8) {
		LDX(BPF_DW, R1, src_reg, src_off + i);
		STX(BPF_DW, dst_reg, dst_off + i, R1);
	}
}

static void zero_mem(struct gen *g, int reg, int off, unsigned int size)
{
	unsigned int i;

	for (i = 0; i < size; i += 8)
		ST_IMM(BPF_DW, reg, off + i, 0);
}

static void gen_num(struct gen *g, struct tap_node *n);
static void gen_str(struct gen *g, struct tap_node *n, unsigned int dst);
static void gen_user_call(struct gen *g, struct tap_node *n, unsigned int dst);
static void gen_concat(struct gen *g, struct tap_node *n, unsigned int dst);
static void gen_len(struct gen *g, struct tap_node *table);
static void gen_clear(struct gen *g, struct tap_node *table);
static void gen_print_hist(struct gen *g, struct tap_node *call);
static void gen_agg_fn(struct gen *g, struct tap_node *call);
static void gen_field(struct gen *g, struct tap_node *n, unsigned int dst);
static void gen_agg_fold(struct gen *g, int map, unsigned int key, unsigned int acc, bool hist);

static void gen_num_node(struct gen *g, struct tap_node *n);
static void gen_str_node(struct gen *g, struct tap_node *n, unsigned int dst);
static void gen_stmt_node(struct gen *g, struct tap_node *n);

/*
 * The generators recurse over the tree and into inlined function bodies:
 * bound that, so a long chain of calls is an error, not a stack overflow.
 */
static void enter(struct gen *g, const struct tap_node *n)
{
	if (++g->depth > MAX_GEN_DEPTH)
		tap_error(g->c, n->line, n->col,
			  "nested more than %d levels deep, counting the bodies of the functions "
			  "called", MAX_GEN_DEPTH);
}

static void gen_num(struct gen *g, struct tap_node *n)
{
	enter(g, n);
	gen_num_node(g, n);
	g->depth--;
}

static void gen_str(struct gen *g, struct tap_node *n, unsigned int dst)
{
	enter(g, n);
	gen_str_node(g, n, dst);
	g->depth--;
}

static void gen_stmt(struct gen *g, struct tap_node *n)
{
	enter(g, n);
	g->col = n->col;
	gen_stmt_node(g, n);
	g->depth--;
}

static void gen_str_literal(struct gen *g, struct tap_node *n, unsigned int dst)
{
	unsigned int i;

	for (i = 0; i < str_size(g); i += 4) {
		__u32 word = 0;
		unsigned int j;

		for (j = 0; j < 4; j++)
			if (i + j < (unsigned int)n->num)
				word |= (__u32)(unsigned char)n->name[i + j] << (8 * j);
		ST_IMM(BPF_W, R7, dst + i, (__s32)word);
	}
}

/* Build the key of t[k1, k2, ...] in scratch; returns its offset. */
static unsigned int gen_key(struct gen *g, struct tap_node *index)
{
	struct tap_type *t = tap_type_resolve(index->a->sym->type);
	unsigned int key = scratch_alloc(g, g->obj->maps[TAP_MAP_TABLE0 +
						 index->a->sym->map].key_size);
	unsigned int off = key;
	struct tap_node *k;
	int i = 0;

	for (k = index->list; k; k = k->next, i++) {
		if (tap_type_resolve(t->key[i])->kind == TAP_T_STR) {
			gen_str(g, k, off);
			off += str_size(g);
		} else {
			gen_num(g, k);
			STX(BPF_DW, R7, off, R0);
			off += 8;
		}
	}
	return key;
}

/* r0 = pointer to the element of @index, or 0 if it does not exist */
static void gen_lookup(struct gen *g, struct tap_node *index, unsigned int key)
{
	ld_map(g, R1, TAP_MAP_TABLE0 + index->a->sym->map);
	MOV_REG(R2, R7);
	ALU64_IMM(BPF_ADD, R2, key);
	CALL(BPF_FUNC_map_lookup_elem);
}

static void gen_probename(struct gen *g, struct tap_node *n, unsigned int dst)
{
	unsigned int j1, j2;

	/* reached through a function called from top-level code or trace_end */
	if (g->prog->kind == TAP_PROG_MAIN || g->prog->kind == TAP_PROG_END) {
		struct tap_node *at = n;
		struct inlined *in;

		for (in = g->fn; in; in = in->up)
			at = in->call;		/* the outermost call */
		tap_error(g->c, at->line, at->col,
			  "'probename' has no value outside probes and timers (used in a "
			  "function called here)");
	}

	g->uses_event = true;
	g->uses_scratch = true;
	LDX(BPF_DW, R0, R7, SCRATCH_EVENT);
	STX(BPF_W, FP, SLOT_KEY, R0);
	ld_map(g, R1, TAP_MAP_PROBENAMES);
	MOV_REG(R2, FP);
	ALU64_IMM(BPF_ADD, R2, SLOT_KEY);
	CALL(BPF_FUNC_map_lookup_elem);
	j1 = JMP_IMM(BPF_JEQ, R0, 0, 0);
	copy_mem(g, R7, dst, R0, 0, str_size(g));
	j2 = JA(0);
	patch_here(g, j1);
	zero_mem(g, R7, dst, str_size(g));
	patch_here(g, j2);
}

static void gen_str_node(struct gen *g, struct tap_node *n, unsigned int dst)
{
	struct tap_sym *sym;
	unsigned int key, j1, j2;

	switch (n->kind) {
	case TAP_N_STR:
		gen_str_literal(g, n, dst);
		return;
	case TAP_N_NAME:
		sym = n->sym;
		if (!sym) {
			if (tap_builtin_lookup(n->name, false) == TAP_B_PROBENAME) {
				gen_probename(g, n, dst);
				return;
			}
			/* execname */
			MOV_REG(R1, R7);
			ALU64_IMM(BPF_ADD, R1, dst);
			MOV_IMM(R2, 16);
			CALL(BPF_FUNC_get_current_comm);
			zero_mem(g, R7, dst + 16, str_size(g) - 16);
			return;
		}
		if (sym->kind == TAP_SYM_GLOBAL) {
			ld_map_value(g, R2, TAP_MAP_GLOBALS, sym->offset);
			copy_mem(g, R7, dst, R2, 0, str_size(g));
		} else {
			copy_mem(g, R7, dst, R7, sym->offset, str_size(g));
		}
		return;
	case TAP_N_FIELD:
		gen_field(g, n, dst);
		return;
	case TAP_N_INDEX:
		key = gen_key(g, n);
		gen_lookup(g, n, key);
		j1 = JMP_IMM(BPF_JEQ, R0, 0, 0);
		copy_mem(g, R7, dst, R0, 0, str_size(g));
		j2 = JA(0);
		patch_here(g, j1);
		zero_mem(g, R7, dst, str_size(g));
		patch_here(g, j2);
		return;
	case TAP_N_CALL:
		switch (tap_builtin_lookup(n->name, true)) {
		case TAP_B_KERNEL_STRING:
		case TAP_B_USER_STRING:
			/* a NUL-terminated copy, cut at str_size - 1; "" if unreadable */
			gen_num(g, n->list);
			MOV_REG(R3, R0);
			zero_mem(g, R7, dst, str_size(g));
			MOV_REG(R1, R7);
			ALU64_IMM(BPF_ADD, R1, dst);
			MOV_IMM(R2, str_size(g));
			CALL(tap_builtin_lookup(n->name, true) == TAP_B_KERNEL_STRING ?
			     BPF_FUNC_probe_read_kernel_str : BPF_FUNC_probe_read_user_str);
			return;
		default:
			gen_user_call(g, n, dst);
			return;
		}
	case TAP_N_BINOP:
		gen_concat(g, n, dst);
		return;
	default:
		tap_error(g->c, n->line, n->col, "cannot compute this string");
	}
}

/*
 * a .. b: copy a, then b right after a's last byte, each with
 * probe_read_kernel_str (it stops at the NUL and reports the length).  The
 * work area is twice str_size so the verifier can bound the second copy;
 * the result is cut at str_size - 1 bytes.
 */
static void gen_concat(struct gen *g, struct tap_node *n, unsigned int dst)
{
	unsigned int size = str_size(g);
	unsigned int a = scratch_alloc(g, size), b = scratch_alloc(g, size);
	unsigned int work = scratch_alloc(g, 2 * size);
	unsigned int j;

	gen_str(g, n->a, a);
	gen_str(g, n->b, b);
	zero_mem(g, R7, work, 2 * size);
	MOV_REG(R1, R7);
	ALU64_IMM(BPF_ADD, R1, work);
	MOV_IMM(R2, size);
	MOV_REG(R3, R7);
	ALU64_IMM(BPF_ADD, R3, a);
	CALL(BPF_FUNC_probe_read_kernel_str);
	/* r0 = strlen(a) + 1, or an error: clamp to [0, size - 1] */
	JMP_IMM(BPF_JSGE, R0, 1, 1);
	MOV_IMM(R0, 1);
	ALU64_IMM(BPF_SUB, R0, 1);
	j = JMP_IMM(BPF_JGT, R0, size - 1, 0);
	MOV_REG(R1, R7);
	ALU64_IMM(BPF_ADD, R1, work);
	ALU64_REG(BPF_ADD, R1, R0);
	MOV_IMM(R2, size);
	ALU64_REG(BPF_SUB, R2, R0);
	MOV_REG(R3, R7);
	ALU64_IMM(BPF_ADD, R3, b);
	CALL(BPF_FUNC_probe_read_kernel_str);
	patch_here(g, j);
	copy_mem(g, R7, dst, R7, work, size);
}

/* ---- numbers ----------------------------------------------------------- */

static int alu_op(int tok)
{
	switch (tok) {
	case TK_CH('+'): case TK_ADD_ASSIGN: return BPF_ADD;
	case TK_CH('-'): case TK_SUB_ASSIGN: return BPF_SUB;
	case TK_CH('*'): case TK_MUL_ASSIGN: return BPF_MUL;
	case TK_CH('/'): case TK_DIV_ASSIGN: return BPF_DIV;
	case TK_CH('%'): case TK_MOD_ASSIGN: return BPF_MOD;
	case TK_CH('&'): return BPF_AND;
	case TK_CH('|'): return BPF_OR;
	case TK_CH('^'): return BPF_XOR;
	case TK_SHL: return BPF_LSH;
	case TK_SHR: return BPF_ARSH;
	default: return -1;
	}
}

static int jmp_op(int tok)
{
	switch (tok) {
	case TK_EQ: return BPF_JEQ;
	case TK_NE: return BPF_JNE;
	case TK_CH('<'): return BPF_JSLT;
	case TK_CH('>'): return BPF_JSGT;
	case TK_LE: return BPF_JSLE;
	case TK_GE: return BPF_JSGE;
	default: return -1;
	}
}

/*
 * r0 = r0 OP r1.  Division and modulo are signed (BPF v4 sdiv/smod, off 1);
 * like every BPF division, x / 0 is 0 and x % 0 is x.
 */
static void gen_alu(struct gen *g, int tok)
{
	int op = alu_op(tok);
	__s16 off = (op == BPF_DIV || op == BPF_MOD) ? 1 : 0;

	emit(g, BPF_ALU64 | op | BPF_X, R0, R1, off, 0);
}

/*
 * Strings compare as byte strings.  Both are zero-padded to str_size, so
 * comparing 8-byte words is enough; for order, the first differing word
 * is compared big-endian, which compares its first differing byte.
 */
static void gen_strcmp(struct gen *g, struct tap_node *n)
{
	unsigned int a = scratch_alloc(g, str_size(g)), b = scratch_alloc(g, str_size(g));
	struct fixup *differ = NULL;
	unsigned int i, j_end;
	int op = jmp_op(n->op);
	bool equal_true = n->op == TK_EQ || n->op == TK_LE || n->op == TK_GE;

	gen_str(g, n->a, a);
	gen_str(g, n->b, b);
	for (i = 0; i < str_size(g); i += 8) {
		LDX(BPF_DW, R1, R7, a + i);
		LDX(BPF_DW, R2, R7, b + i);
		add_fixup(g, &differ, JMP_REG(BPF_JNE, R1, R2, 0));
	}
	MOV_IMM(R0, equal_true);
	j_end = JA(0);
	patch_list_here(g, differ);
	if (n->op == TK_EQ || n->op == TK_NE) {
		MOV_IMM(R0, n->op == TK_NE);
	} else {
		/* signed ops become unsigned: bytes compare as unsigned */
		op = op == BPF_JSLT ? BPF_JLT : op == BPF_JSGT ? BPF_JGT :
		     op == BPF_JSLE ? BPF_JLE : BPF_JGE;
		emit(g, BPF_ALU | BPF_END | BPF_TO_BE, R1, 0, 0, 64);
		emit(g, BPF_ALU | BPF_END | BPF_TO_BE, R2, 0, 0, 64);
		MOV_IMM(R0, 1);
		JMP_REG(op, R1, R2, 1);
		MOV_IMM(R0, 0);
	}
	patch_here(g, j_end);
}

static void gen_binop(struct gen *g, struct tap_node *n)
{
	int slot, op;
	unsigned int j1, j2;

	if (n->op == TK_AND || n->op == TK_OR) {
		/* short circuit: the first operand that decides jumps to "short" */
		int jop = n->op == TK_AND ? BPF_JEQ : BPF_JNE;
		int decided = n->op == TK_AND ? 0 : 1;

		gen_num(g, n->a);
		j1 = JMP_IMM(jop, R0, 0, 0);
		gen_num(g, n->b);
		j2 = JMP_IMM(jop, R0, 0, 0);
		MOV_IMM(R0, !decided);
		JA(1);
		patch_here(g, j1);
		patch_here(g, j2);
		MOV_IMM(R0, decided);
		return;
	}
	if (kind_of(n->a) == TAP_T_STR) {
		gen_strcmp(g, n);
		return;
	}
	gen_num(g, n->a);
	slot = stack_alloc(g, 8);
	STX(BPF_DW, FP, slot, R0);
	gen_num(g, n->b);
	MOV_REG(R1, R0);
	LDX(BPF_DW, R0, FP, slot);
	g->stack -= 8;
	op = jmp_op(n->op);
	if (op >= 0) {
		MOV_REG(R2, R0);
		MOV_IMM(R0, 1);
		JMP_REG(op, R2, R1, 1);
		MOV_IMM(R0, 0);
		return;
	}
	gen_alu(g, n->op);
}

/*
 * arg0..arg9 and $retval.  What they are depends on how the block is
 * attached: at raw_syscalls, the syscall's arguments and return value in
 * pt_regs; as a perf tracepoint program on a syscalls:* event, the
 * record's fields after __syscall_nr; on any other tracepoint, the
 * tracepoint's own arguments (TP_PROTO), where $retval has no meaning (0).
 */
static void gen_arg(struct gen *g, struct tap_node *n, enum tap_builtin b)
{
	/* offsetof(struct pt_regs, di, si, dx, r10, r8, r9) on x86_64 */
	static const int regs_off[] = { 112, 104, 96, 56, 72, 64 };
	/* offsetof(struct pt_regs, di, si, dx, cx, r8, r9) */
	static const int kprobe_off[] = { 112, 104, 96, 88, 72, 64 };
	int i = b - TAP_B_ARG0, slot;

	if (g->prog->kind != TAP_PROG_TRACE)
		tap_error(g->c, n->line, n->col, "'%s' has no value outside trace probes",
			  n->name);
	switch (g->variant) {
	case TAP_CODE_SYSCALL:
		if (b != TAP_B_RETVAL && i >= 6) {
			MOV_IMM(R0, 0);		/* syscalls have six arguments */
			return;
		}
		slot = stack_alloc(g, 8);
		MOV_REG(R1, FP);
		ALU64_IMM(BPF_ADD, R1, slot);
		MOV_IMM(R2, 8);
		LDX(BPF_DW, R3, R6, 0);
		ALU64_IMM(BPF_ADD, R3, b == TAP_B_RETVAL ? 80 : regs_off[i]);	/* ax */
		CALL(BPF_FUNC_probe_read_kernel);
		LDX(BPF_DW, R0, FP, slot);
		g->stack -= 8;
		return;
	case TAP_CODE_KPROBE:
		/* the function's arguments: rdi, rsi, rdx, rcx, r8, r9; its value: rax */
		if (b != TAP_B_RETVAL && i >= 6) {
			MOV_IMM(R0, 0);
			return;
		}
		LDX(BPF_DW, R0, R6, b == TAP_B_RETVAL ? 80 : kprobe_off[i]);
		return;
	case TAP_CODE_PERF_TP:
		if (b != TAP_B_RETVAL && i >= 6) {
			MOV_IMM(R0, 0);
			return;
		}
		/* after the 8 bytes of common fields and __syscall_nr (padded) */
		LDX(BPF_DW, R0, R6, 16 + 8 * (b == TAP_B_RETVAL ? 0 : i));
		return;
	default:
		if (b == TAP_B_RETVAL) {
			MOV_IMM(R0, 0);
			return;
		}
		LDX(BPF_DW, R0, R6, 8 * i);
		return;
	}
}

/*
 * arg.NAME: look up where the field is in the event that fired (the
 * runtime filled TAP_MAP_FIELDS from tracefs) and read it: from pt_regs at
 * raw_syscalls, from the record in a perf tracepoint program.  Raw
 * tracepoints have no record; blocks using fields are not attached that
 * way.  A number lands in r0, a string at scratch @dst.
 */
/* r0 = the 8 bytes at scratch @tmp cut to the field's size, signed or not */
static void gen_field_truncate(struct gen *g, unsigned int desc, unsigned int tmp)
{
	LDX(BPF_DW, R0, R7, tmp);
	LDX(BPF_W, R1, R7, desc + 8);
	ALU64_IMM(BPF_LSH, R1, 3);
	MOV_IMM(R2, 64);
	ALU64_REG(BPF_SUB, R2, R1);
	ALU64_IMM(BPF_AND, R2, 63);
	ALU64_REG(BPF_LSH, R0, R2);
	LDX(BPF_W, R1, R7, desc + 12);
	JMP_IMM(BPF_JEQ, R1, 0, 2);
	ALU64_REG(BPF_ARSH, R0, R2);
	JA(1);
	ALU64_REG(BPF_RSH, R0, R2);
}

static void gen_field(struct gen *g, struct tap_node *n, unsigned int dst)
{
	bool str = kind_of(n) == TAP_T_STR;
	unsigned int desc = scratch_alloc(g, sizeof(struct tap_field)), tmp = scratch_alloc(g, 8);
	unsigned int none[4], nn = 0, j, k;

	if (g->prog->kind != TAP_PROG_TRACE)
		tap_error(g->c, n->line, n->col, "'arg.%s' has no value outside trace probes",
			  n->name);
	g->uses_event = true;
	g->prog->uses_argstr = true;
	if (str)
		zero_mem(g, R7, dst, str_size(g));
	if (g->variant != TAP_CODE_SYSCALL && g->variant != TAP_CODE_PERF_TP) {
		if (!str)
			MOV_IMM(R0, 0);
		return;
	}
	/* key = event * nr_fields + field */
	LDX(BPF_DW, R0, R7, SCRATCH_EVENT);
	ALU64_IMM(BPF_MUL, R0, g->obj->nr_fields);
	ALU64_IMM(BPF_ADD, R0, (__s32)n->num);
	STX(BPF_W, FP, SLOT_KEY, R0);
	ld_map(g, R1, TAP_MAP_FIELDS);
	MOV_REG(R2, FP);
	ALU64_IMM(BPF_ADD, R2, SLOT_KEY);
	CALL(BPF_FUNC_map_lookup_elem);
	none[nn++] = JMP_IMM(BPF_JEQ, R0, 0, 0);
	copy_mem(g, R7, desc, R0, 0, sizeof(struct tap_field));
	LDX(BPF_W, R1, R7, desc);		/* kind */
	LDX(BPF_W, R3, R7, desc + 4);		/* offset */
	if (g->variant == TAP_CODE_SYSCALL) {
		/* a syscall argument, a number: read it from pt_regs */
		none[nn++] = JMP_IMM(BPF_JNE, R1, TAP_FIELD_REGS, 0);
		if (str)
			goto done;
		LDX(BPF_DW, R1, R6, 0);
		ALU64_REG(BPF_ADD, R3, R1);
		MOV_REG(R1, R7);
		ALU64_IMM(BPF_ADD, R1, tmp);
		MOV_IMM(R2, 8);
		CALL(BPF_FUNC_probe_read_kernel);
		gen_field_truncate(g, desc, tmp);
		goto done;
	}
	if (str) {
		/* __data_loc: the u32 at offset holds (len << 16 | real offset) */
		j = JMP_IMM(BPF_JNE, R1, TAP_FIELD_DATA_LOC, 0);
		ALU64_REG(BPF_ADD, R3, R6);
		MOV_REG(R1, R7);
		ALU64_IMM(BPF_ADD, R1, tmp);
		MOV_IMM(R2, 4);
		CALL(BPF_FUNC_probe_read_kernel);
		LDX(BPF_W, R3, R7, tmp);
		ALU64_IMM(BPF_AND, R3, 0xffff);
		STX(BPF_W, R7, desc + 4, R3);
		MOV_IMM(R1, TAP_FIELD_CHARS);
		patch_here(g, j);
		none[nn++] = JMP_IMM(BPF_JNE, R1, TAP_FIELD_CHARS, 0);
		LDX(BPF_W, R3, R7, desc + 4);
		ALU64_REG(BPF_ADD, R3, R6);
		MOV_REG(R1, R7);
		ALU64_IMM(BPF_ADD, R1, dst);
		MOV_IMM(R2, str_size(g));
		CALL(BPF_FUNC_probe_read_kernel_str);
		goto done;
	}
	none[nn++] = JMP_IMM(BPF_JNE, R1, TAP_FIELD_INT, 0);
	ALU64_REG(BPF_ADD, R3, R6);
	MOV_REG(R1, R7);
	ALU64_IMM(BPF_ADD, R1, tmp);
	MOV_IMM(R2, 8);
	CALL(BPF_FUNC_probe_read_kernel);
	gen_field_truncate(g, desc, tmp);
done:
	if (str) {
		/* dst is already "" for the paths that found nothing */
		for (k = 0; k < nn; k++)
			patch_here(g, none[k]);
		return;
	}
	j = JA(1);
	for (k = 0; k < nn; k++)
		patch_here(g, none[k]);
	MOV_IMM(R0, 0);
	patch_here(g, j);
}

static void gen_num_node(struct gen *g, struct tap_node *n)
{
	struct tap_sym *sym;
	unsigned int key, j;
	int i;

	switch (n->kind) {
	case TAP_N_NUM:
		if (n->num >= INT32_MIN && n->num <= INT32_MAX) {
			MOV_IMM(R0, (__s32)n->num);
		} else {
			emit(g, BPF_LD | BPF_DW | BPF_IMM, R0, 0, 0, (__s32)(__u32)n->num);
			emit(g, 0, 0, 0, 0, (__s32)((unsigned long long)n->num >> 32));
		}
		return;
	case TAP_N_NAME:
		sym = n->sym;
		if (!sym) {
			switch (tap_builtin_lookup(n->name, false)) {
			case TAP_B_PID:
				CALL(BPF_FUNC_get_current_pid_tgid);
				ALU64_IMM(BPF_RSH, R0, 32);
				return;
			case TAP_B_TID:
				CALL(BPF_FUNC_get_current_pid_tgid);
				emit(g, BPF_ALU | BPF_MOV | BPF_X, R0, R0, 0, 0);
				return;
			case TAP_B_UID:
				CALL(BPF_FUNC_get_current_uid_gid);
				emit(g, BPF_ALU | BPF_MOV | BPF_X, R0, R0, 0, 0);
				return;
			case TAP_B_CPU:
				CALL(BPF_FUNC_get_smp_processor_id);
				return;
			case TAP_B_ARG0 ... TAP_B_RETVAL:
				gen_arg(g, n, tap_builtin_lookup(n->name, false));
				return;
			default:
				tap_error(g->c, n->line, n->col, "'%s' is not a number", n->name);
			}
		}
		if (sym->kind == TAP_SYM_GLOBAL) {
			ld_map_value(g, R1, TAP_MAP_GLOBALS, sym->offset);
			LDX(BPF_DW, R0, R1, 0);
		} else {
			LDX(BPF_DW, R0, R7, sym->offset);
		}
		return;
	case TAP_N_INDEX:
		key = gen_key(g, n);
		gen_lookup(g, n, key);
		j = JMP_IMM(BPF_JEQ, R0, 0, 0);
		LDX(BPF_DW, R0, R0, 0);
		patch_here(g, j);
		return;
	case TAP_N_BINOP:
		gen_binop(g, n);
		return;
	case TAP_N_FIELD:
		gen_field(g, n, 0);
		return;
	case TAP_N_CALL:
		if (tap_builtin_lookup(n->name, true) == TAP_B_LEN) {
			gen_len(g, n->list);
			return;
		}
		if (tap_builtin_lookup(n->name, true) >= TAP_B_TIME_NS &&
		    tap_builtin_lookup(n->name, true) <= TAP_B_TIME_S) {
			/*
			 * Wall-clock time: the monotonic clock BPF reads, plus the
			 * offset to CLOCK_REALTIME that perf tap measured at start.
			 */
			static const int div[] = { 1, 1000, 1000000, 1000000000 };

			CALL(BPF_FUNC_ktime_get_ns);
			ld_map_value(g, R1, TAP_MAP_GLOBALS, TAP_G_CLOCK);
			LDX(BPF_DW, R1, R1, 0);
			ALU64_REG(BPF_ADD, R0, R1);
			i = tap_builtin_lookup(n->name, true) - TAP_B_TIME_NS;
			if (div[i] > 1)
				ALU64_IMM(BPF_DIV, R0, div[i]);
			return;
		}
		if (tap_builtin_lookup(n->name, true) == TAP_B_IN_INTERRUPT) {
			/* NMI, hard or soft interrupt bits of the preempt count */
			emit(g, BPF_LD | BPF_DW | BPF_IMM, R1, BPF_PSEUDO_BTF_ID, 0,
			     TAP_RELOC_PREEMPT_VAR);
			emit(g, 0, 0, 0, 0, 0);
			CALL(BPF_FUNC_this_cpu_ptr);
			LDX(BPF_W, R0, R0, TAP_RELOC_PREEMPT_OFF);
			ALU64_IMM(BPF_AND, R0, 0x00f00000 | 0x000f0000 | 0x0000ff00);
			MOV_REG(R1, R0);
			MOV_IMM(R0, 1);
			JMP_IMM(BPF_JNE, R1, 0, 1);
			MOV_IMM(R0, 0);
			return;
		}
		if (tap_builtin_lookup(n->name, true) == TAP_B_KERNEL_V) {
			/* the 8 bytes at the symbol's address, 0 if unreadable */
			int slot = stack_alloc(g, 8);

			for (i = 0; i < g->obj->nr_ksyms; i++)
				if (!strcmp(g->obj->ksyms[i], n->list->name))
					break;
			MOV_REG(R1, FP);
			ALU64_IMM(BPF_ADD, R1, slot);
			MOV_IMM(R2, 8);
			ld_map_value(g, R3, TAP_MAP_KSYMS, 8 * i);
			LDX(BPF_DW, R3, R3, 0);
			CALL(BPF_FUNC_probe_read_kernel);
			LDX(BPF_DW, R0, FP, slot);
			g->stack -= 8;
			return;
		}
		if (tap_builtin_lookup(n->name, true) == TAP_B_USTACK) {
			int slot = stack_alloc(g, 8);

			g->obj->uses_stacks = true;
			MOV_REG(R1, R6);
			ld_map(g, R2, TAP_MAP_STACKS);
			MOV_IMM(R3, BPF_F_USER_STACK);
			CALL(BPF_FUNC_get_stackid);
			emit(g, BPF_ALU | BPF_MOV | BPF_X, R0, R0, 0, 0);	/* low 32 bits */
			STX(BPF_DW, FP, slot, R0);
			CALL(BPF_FUNC_get_current_pid_tgid);
			ALU64_IMM(BPF_RSH, R0, 32);
			ALU64_IMM(BPF_AND, R0, 0x3fffffff);
			ALU64_IMM(BPF_LSH, R0, 32);
			LDX(BPF_DW, R1, FP, slot);
			ALU64_REG(BPF_OR, R0, R1);
			emit(g, BPF_LD | BPF_DW | BPF_IMM, R1, 0, 0, 0);
			emit(g, 0, 0, 0, 0, (__s32)(TAP_STACK_USER >> 32));
			ALU64_REG(BPF_OR, R0, R1);
			g->stack -= 8;
			return;
		}
		if (tap_builtin_lookup(n->name, true) == TAP_B_STACK) {
			/* an id in the stack trace map; user space symbolizes it */
			g->obj->uses_stacks = true;
			MOV_REG(R1, R6);
			ld_map(g, R2, TAP_MAP_STACKS);
			MOV_IMM(R3, 0);
			CALL(BPF_FUNC_get_stackid);
			return;
		}
		if (tap_builtin_lookup(n->name, true) >= TAP_B_COUNT &&
		    tap_builtin_lookup(n->name, true) <= TAP_B_MAX) {
			gen_agg_fn(g, n);
			return;
		}
		gen_user_call(g, n, 0);
		return;
	case TAP_N_UNOP:
		gen_num(g, n->a);
		if (n->op == TK_CH('-')) {
			ALU64_IMM(BPF_NEG, R0, 0);
		} else if (n->op == TK_CH('~')) {
			ALU64_IMM(BPF_XOR, R0, -1);
		} else {
			MOV_REG(R1, R0);
			MOV_IMM(R0, 1);
			JMP_IMM(BPF_JEQ, R1, 0, 1);
			MOV_IMM(R0, 0);
		}
		return;
	default:
		tap_error(g->c, n->line, n->col, "cannot compute this number");
	}
}

/* ---- output records ---------------------------------------------------- */

static struct tap_rec_def *rec_new(struct gen *g, enum tap_rec_kind kind, int *id)
{
	struct tap_object *obj = g->obj;
	struct tap_rec_def *rec;

	obj->recs = realloc(obj->recs, (obj->nr_recs + 1) * sizeof(*obj->recs));
	if (!obj->recs) {
		fprintf(stderr, "perf tap: out of memory\n");
		exit(1);
	}
	*id = obj->nr_recs++;
	rec = &obj->recs[*id];
	memset(rec, 0, sizeof(*rec));
	rec->kind = kind;
	rec->map = -1;
	rec->line = g->line;
	rec->size = TAP_REC_HDR;
	return rec;
}

/*
 * A record the kernel would not take (a full ring, a nesting limit) is
 * counted, so no loss goes unreported.
 */
static void count_output_failure(struct gen *g)
{
	JMP_IMM(BPF_JEQ, R0, 0, 4);
	ld_map_value(g, R1, TAP_MAP_GLOBALS, TAP_G_OUTFAIL);
	MOV_IMM(R2, 1);
	emit(g, BPF_STX | BPF_DW | BPF_ATOMIC, R1, R2, 0, BPF_ADD);
}

/*
 * argstr: what user space needs to format the event as perf script does.
 * At raw_syscalls that is pt_regs (the record is built from it); as a
 * perf tracepoint program, the record itself, which ctx points at.  Raw
 * tracepoints have no record: blocks using argstr never attach that way.
 */
static void gen_argstr(struct gen *g, unsigned int dst)
{
	g->uses_event = true;
	g->uses_scratch = true;
	g->prog->uses_argstr = true;
	LDX(BPF_DW, R0, R7, SCRATCH_EVENT);
	STX(BPF_W, R7, dst, R0);
	if (g->variant != TAP_CODE_SYSCALL && g->variant != TAP_CODE_PERF_TP) {
		ST_IMM(BPF_W, R7, dst + 4, TAP_ARGSTR_NONE);
		return;
	}
	ST_IMM(BPF_W, R7, dst + 4, g->variant == TAP_CODE_SYSCALL ? TAP_ARGSTR_REGS :
	       TAP_ARGSTR_RECORD);
	MOV_REG(R1, R7);
	ALU64_IMM(BPF_ADD, R1, dst + 8);
	if (g->variant == TAP_CODE_SYSCALL) {
		MOV_IMM(R2, TAP_PT_REGS_SIZE);
		LDX(BPF_DW, R3, R6, 0);
	} else {
		MOV_IMM(R2, TAP_ARGSTR_DATA);
		MOV_REG(R3, R6);
	}
	CALL(BPF_FUNC_probe_read_kernel);
}

/* Send the @size bytes of record at scratch @rec to this CPU's ring. */
static void gen_output(struct gen *g, unsigned int rec, unsigned int size)
{
	MOV_REG(R1, R6);
	ld_map(g, R2, TAP_MAP_EVENTS);
	emit(g, BPF_ALU | BPF_MOV | BPF_K, R3, 0, 0, -1);	/* BPF_F_CURRENT_CPU */
	MOV_REG(R4, R7);
	ALU64_IMM(BPF_ADD, R4, rec);
	MOV_IMM(R5, size);
	CALL(BPF_FUNC_perf_event_output);
	count_output_failure(g);
}

/* Lay out @args in a new record, fill it in scratch, send it. */
static void gen_record(struct gen *g, enum tap_rec_kind kind, struct tap_node *fmt,
		       struct tap_node *args, int map)
{
	struct tap_rec_def *rec;
	struct tap_node *a;
	unsigned int base, size;
	int id, i = 0;

	rec = rec_new(g, kind, &id);
	if (fmt) {
		rec->fmt = fmt->name;
		rec->fmt_len = (int)fmt->num;
	}
	rec->map = map;
	for (a = args; a; a = a->next, i++) {
		if (i == TAP_MAX_ARGS)
			tap_error(g->c, a->line, a->col, "at most %d values per call",
				  TAP_MAX_ARGS);
		rec->args[i].kind = kind_of(a);
		rec->args[i].offset = rec->size;
		rec->size += value_size(g, a->type);
	}
	rec->nargs = i;
	size = rec->size;
	base = scratch_alloc(g, size);
	ST_IMM(BPF_W, R7, base, id);
	ST_IMM(BPF_W, R7, base + 4, 0);
	for (a = args, i = 0; a; a = a->next, i++) {
		/* rec may move while nested calls add records: index again */
		unsigned int off = base + g->obj->recs[id].args[i].offset;

		if (kind_of(a) == TAP_T_STR) {
			gen_str(g, a, off);
		} else if (kind_of(a) == TAP_T_RECORD) {
			gen_argstr(g, off);
		} else {
			gen_num(g, a);
			STX(BPF_DW, R7, off, R0);
		}
	}
	gen_output(g, base, size);
}

/* ---- statements -------------------------------------------------------- */

static void count_drop(struct gen *g)
{
	ld_map_value(g, R1, TAP_MAP_GLOBALS, TAP_G_DROPS);
	MOV_IMM(R2, 1);
	emit(g, BPF_STX | BPF_DW | BPF_ATOMIC, R1, R2, 0, BPF_ADD);
}

/*
 * r0 = the element of @index (its key at scratch @key), created
 * zero-filled (@size bytes) if missing.  Returns the jump taken when the
 * table is full, counted as a drop: the caller patches it past its update.
 */
static unsigned int gen_lookup_or_create(struct gen *g, struct tap_node *index,
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
		emit(g, BPF_STX | BPF_DW | BPF_ATOMIC, R0, R1, 0, BPF_ADD);
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
		/* t = {}: the table is emptied */
		gen_clear(g, n->a);
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
			emit(g, BPF_STX | BPF_DW | BPF_ATOMIC, R1, R0, 0, BPF_ADD);
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

	switch (tap_builtin_lookup(n->name, true)) {
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

static void gen_block(struct gen *g, struct tap_node *n);

/* ---- callbacks --------------------------------------------------------- */

struct saved_code {
	struct bpf_insn *insns;
	int *lines;
	int *joff;
	unsigned int cnt, cap;
	int stack, max_stack;
	struct fixup *to_exit, *cb_exits;
	struct loop *loop;
	struct callback *cur_cb;
};

/*
 * Start a callback: code goes to a fresh buffer with a frame of its own.
 * Callbacks get (map, key, value, ctx): ctx points at the caller's saved
 * r6 and r7, which the callback restores first; key and value go to r8, r9.
 */
static void callback_begin(struct gen *g, struct saved_code *sv, struct callback *cb,
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
	g->cnt = g->cap = 0;
	g->stack = g->max_stack = 0;
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

static void callback_end_dead(struct gen *g)
{
	g->skip_go_on = true;
}

/* End a callback: "return 0" (go on), with exits that stop the walk. */
static void callback_end(struct gen *g, struct saved_code *sv, struct callback *cb)
{
	if (!g->skip_go_on) {
		MOV_IMM(R0, 0);
		emit(g, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	}
	g->skip_go_on = false;
	if (g->to_exit || g->cb_exits) {
		patch_list_here(g, g->to_exit);
		patch_list_here(g, g->cb_exits);
		MOV_IMM(R0, 1);
		emit(g, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	}
	if (g->max_stack - SLOT_FIRST + sv->max_stack - SLOT_FIRST > 512)
		tap_error(g->c, g->line, g->col, "this loop needs more than 512 bytes of BPF stack");
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
static void call_with_callback(struct gen *g, int helper, struct callback *cb, bool body)
{
	int ctx = stack_alloc(g, 16), res;
	unsigned int j;

	STX(BPF_DW, FP, ctx, R6);
	STX(BPF_DW, FP, ctx + 8, R7);
	if (body) {
		ST_IMM(BPF_DW, R7, SCRATCH_CB_EXIT, 0);
		ST_IMM(BPF_DW, R7, SCRATCH_CB_RET, 0);
	}
	cb->ld = emit(g, BPF_LD | BPF_DW | BPF_IMM, R2, BPF_PSEUDO_FUNC, 0, 0);
	emit(g, 0, 0, 0, 0, 0);
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
	call_with_callback(g, BPF_FUNC_for_each_map_elem, cb, body);
}

/* len(t): walk with a callback that only counts. */
static void gen_len(struct gen *g, struct tap_node *table)
{
	struct callback *cb = tap_alloc(g->c, sizeof(*cb));
	struct saved_code sv;

	g->uses_scratch = true;
	callback_begin(g, &sv, cb, false);
	callback_end(g, &sv, cb);
	gen_for_each(g, TAP_MAP_TABLE0 + table->sym->map, cb, false);
}

/* delete(t): walk and delete each element (hash maps allow it). */
static void gen_clear(struct gen *g, struct tap_node *table)
{
	struct callback *cb = tap_alloc(g->c, sizeof(*cb));
	struct saved_code sv;

	g->uses_scratch = true;
	callback_begin(g, &sv, cb, false);
	ld_map(g, R1, TAP_MAP_TABLE0 + table->sym->map);
	MOV_REG(R2, BPF_REG_8);
	CALL(BPF_FUNC_map_delete_elem);
	callback_end(g, &sv, cb);
	gen_for_each(g, TAP_MAP_TABLE0 + table->sym->map, cb, false);
}

/*
 * print_hist(t [, n]): a snapshot taken now, in the kernel: a begin
 * record, one record per element, an end record.  So a change right after
 * the call (delete(t)) cannot leak into the output.
 */
static void gen_print_hist(struct gen *g, struct tap_node *call)
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
	rec = rec_new(g, TAP_REC_HIST_ENTRY, &id);
	rec->map = table->sym->map;
	rec->size = size = TAP_REC_HDR + m->key_size + m->value_size;
	buf = scratch_alloc(g, size);
	callback_begin(g, &sv, cb, false);
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
	callback_end(g, &sv, cb);
	gen_for_each(g, map, cb, false);
	gen_record(g, TAP_REC_HIST_END, NULL, NULL, table->sym->map);
}

/*
 * for (k, v in pairs(t)) { body }: the body is a callback; k and v are
 * copies of the element's key and value in this program's scratch.
 * 'break' stops the walk; exit() stops it and then the program.
 */
static void gen_for(struct gen *g, struct tap_node *n)
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
	callback_begin(g, &sv, cb, false);
	copy_mem(g, R7, k->offset, BPF_REG_8, 0, m->key_size);
	copy_mem(g, R7, v->offset, BPF_REG_9, 0, m->value_size);
	g->loop = &loop;
	gen_block(g, n->b);
	g->loop = NULL;
	if (g->dead) {
		/* the body always leaves: the "go on" return is unreachable */
		g->dead = false;
		callback_end_dead(g);
	}
	/* break: stop the walk */
	for (struct fixup *f = loop.breaks; f; f = f->next)
		add_fixup(g, &g->cb_exits, f->insn);
	callback_end(g, &sv, cb);
	gen_for_each(g, map, cb, true);
}

/* ---- aggregations ----------------------------------------------------- */

/*
 * t[k] <<< v, in this CPU's element: count, sum, min, max, and the log2
 * histogram bucket: 0 for v < 1, b for 2^(b-1) <= v < 2^b.  No atomics are
 * needed: nothing else writes this CPU's copy.
 */
static void gen_agg_update(struct gen *g, struct tap_node *n)
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
	for (i = 0; i < sizeof(shifts) / sizeof(shifts[0]); i++) {
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
	callback_begin(g, &sv, cb, true);
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
	callback_end(g, &sv, cb);

	ld_map_value(g, R1, TAP_MAP_GLOBALS, TAP_G_NCPUS);
	LDX(BPF_DW, R1, R1, 0);
	call_with_callback(g, BPF_FUNC_loop, cb, false);
}

/* count(t[k]), sum(), avg(), min(), max(): folded across CPUs now. */
static void gen_agg_fn(struct gen *g, struct tap_node *call)
{
	struct tap_node *index = call->list;
	unsigned int key = gen_key(g, index), acc = scratch_alloc(g, TAP_AGG_HIST);

	gen_agg_fold(g, TAP_MAP_TABLE0 + index->a->sym->map, key, acc, false);
	switch (tap_builtin_lookup(call->name, true)) {
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
		emit(g, BPF_ALU64 | BPF_DIV | BPF_X, R0, R1, 1, 0);
		break;
	}
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
	unsigned int done = scratch_alloc(g, 8), j_body, stop, j;
	struct loop loop = { 0 };
	struct saved_code sv;
	struct fixup *f;

	ST_IMM(BPF_DW, R7, done, 0);
	callback_begin(g, &sv, cb, true);
	g->line = n->line;
	gen_num(g, n->a);
	j_body = JMP_IMM(BPF_JNE, R0, 0, 0);
	stop = g->cnt;
	ST_IMM(BPF_DW, R7, done, 1);
	MOV_IMM(R0, 1);
	emit(g, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	patch_here(g, j_body);
	g->loop = &loop;
	gen_block(g, n->b);
	g->loop = NULL;
	for (f = loop.breaks; f; f = f->next)
		patch_to(g, f->insn, stop);
	if (g->dead) {
		g->dead = false;
		callback_end_dead(g);
	}
	callback_end(g, &sv, cb);
	g->line = n->line;
	MOV_IMM(R1, (__s32)g->loop_max);
	call_with_callback(g, BPF_FUNC_loop, cb, true);
	LDX(BPF_DW, R1, R7, done);
	j = JMP_IMM(BPF_JNE, R1, 0, 0);
	ld_map_value(g, R1, TAP_MAP_GLOBALS, TAP_G_LOOPS);
	MOV_IMM(R2, 1);
	emit(g, BPF_STX | BPF_DW | BPF_ATOMIC, R1, R2, 0, BPF_ADD);
	patch_here(g, j);
}

/*
 * f(args) is inlined: parameters become locals of this program, 'return'
 * stores the value and jumps to the end.  Recursion is refused by sema,
 * so one instance of a function is live at a time and its symbols can
 * carry this instance's storage.
 */
static void gen_user_call(struct gen *g, struct tap_node *n, unsigned int dst)
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
	/* after the call is reachable if the body falls through or returns */
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

static void gen_stmt_node(struct gen *g, struct tap_node *n)
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
	case TAP_N_AGG:
		gen_agg_update(g, n);
		break;
	case TAP_N_BREAK:
		add_fixup(g, &g->loop->breaks, JA(0));
		g->dead = true;
		break;
	case TAP_N_RETURN:
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
static void gen_block(struct gen *g, struct tap_node *n)
{
	struct tap_node *st;

	for (st = n->list; st && !g->dead; st = st->next)
		gen_stmt(g, st);
}

/* ---- programs ---------------------------------------------------------- */

static void prologue_exit_check(struct gen *g)
{
	ld_map_value(g, R1, TAP_MAP_GLOBALS, TAP_G_EXITED);
	LDX(BPF_DW, R0, R1, 0);
	jump_to_exit(g, JMP_IMM(BPF_JNE, R0, 0, 0));
}

/* -C: only the chosen CPUs run trace probes. */
static void prologue_cpus(struct gen *g)
{
	unsigned int all;

	ld_map_value(g, R1, TAP_MAP_GLOBALS, TAP_G_CPUS);
	LDX(BPF_DW, R2, R1, 0);
	all = JMP_IMM(BPF_JEQ, R2, 0, 0);
	CALL(BPF_FUNC_get_smp_processor_id);
	ld_map_value(g, R1, TAP_MAP_GLOBALS, TAP_G_CPUS);
	LDX(BPF_DW, R2, R1, 0);
	ALU64_REG(BPF_RSH, R2, R0);
	ALU64_IMM(BPF_AND, R2, 1);
	jump_to_exit(g, JMP_IMM(BPF_JEQ, R2, 0, 0));
	patch_here(g, all);
}

/* Only the target process (if any) runs trace probes. */
static void prologue_target(struct gen *g)
{
	CALL(BPF_FUNC_get_current_pid_tgid);
	ALU64_IMM(BPF_RSH, R0, 32);
	ld_map_value(g, R1, TAP_MAP_GLOBALS, TAP_G_TARGET);
	LDX(BPF_DW, R1, R1, 0);
	JMP_IMM(BPF_JEQ, R1, 0, 1);
	jump_to_exit(g, JMP_REG(BPF_JNE, R0, R1, 0));
}

/*
 * SLOT_EVENT = the event that fired.  Plain attachments carry the event
 * index as their cookie.  syscalls:* views are attached once at
 * raw_syscalls:sys_enter/sys_exit and dispatch on the syscall number
 * through TAP_MAP_SYSCALLS; numbers not traced end the program.
 */
static void prologue_event(struct gen *g, bool syscalls)
{
	unsigned int j_plain, j_enter;

	MOV_REG(R1, R6);
	CALL(BPF_FUNC_get_attach_cookie);
	if (syscalls) {
		MOV_REG(R1, R0);
		ALU64_IMM(BPF_AND, R1, (__s32)TAP_COOKIE_SYSCALL);
		j_plain = JMP_IMM(BPF_JEQ, R1, 0, 0);
		/* sys_enter(regs, id): id is args[1]; sys_exit(regs, ret): regs->orig_ax */
		STX(BPF_DW, FP, SLOT_EVENT, R0);
		MOV_REG(R1, R0);
		ALU64_IMM(BPF_AND, R1, 1 << 30);
		LDX(BPF_DW, R3, R6, 8);
		j_enter = JMP_IMM(BPF_JEQ, R1, 0, 0);
		MOV_REG(R1, FP);
		ALU64_IMM(BPF_ADD, R1, SLOT_KEY);
		MOV_IMM(R2, 8);
		LDX(BPF_DW, R3, R6, 0);
		ALU64_IMM(BPF_ADD, R3, 15 * 8);	/* offsetof(struct pt_regs, orig_ax) */
		CALL(BPF_FUNC_probe_read_kernel);
		LDX(BPF_DW, R3, FP, SLOT_KEY);
		patch_here(g, j_enter);
		jump_to_exit(g, JMP_IMM(BPF_JGE, R3, TAP_SYSCALL_SLOTS, 0));
		LDX(BPF_DW, R0, FP, SLOT_EVENT);
		ALU64_IMM(BPF_AND, R0, (1 << 30) - 1);
		ALU64_REG(BPF_ADD, R0, R3);
		STX(BPF_W, FP, SLOT_KEY, R0);
		ld_map(g, R1, TAP_MAP_SYSCALLS);
		MOV_REG(R2, FP);
		ALU64_IMM(BPF_ADD, R2, SLOT_KEY);
		CALL(BPF_FUNC_map_lookup_elem);
		jump_to_exit(g, JMP_IMM(BPF_JEQ, R0, 0, 0));
		LDX(BPF_W, R0, R0, 0);
		jump_to_exit(g, JMP_IMM(BPF_JEQ, R0, 0, 0));
		ALU64_IMM(BPF_SUB, R0, 1);
		patch_here(g, j_plain);
	}
	STX(BPF_DW, FP, SLOT_EVENT, R0);
}

static void prologue_scratch(struct gen *g)
{
	ST_IMM(BPF_W, FP, SLOT_KEY, g->prog_idx);
	ld_map(g, R1, TAP_MAP_SCRATCH);
	MOV_REG(R2, FP);
	ALU64_IMM(BPF_ADD, R2, SLOT_KEY);
	CALL(BPF_FUNC_map_lookup_elem);
	jump_to_exit(g, JMP_IMM(BPF_JEQ, R0, 0, 0));
	MOV_REG(R7, R0);
}

static void gen_reset(struct gen *g)
{
	g->insns = NULL;
	g->lines = NULL;
	g->joff = NULL;
	g->cnt = g->cap = 0;
	g->depth = 0;
	g->col = 1;
	g->map_used = tap_alloc(g->c, g->obj->nr_maps * sizeof(*g->map_used));
	g->nr_used_maps = 0;
	g->stack = g->max_stack = 0;
	g->scratch = SCRATCH_FIRST;
	g->max_scratch = SCRATCH_FIRST;
	g->uses_scratch = g->uses_event = false;
	g->to_exit = NULL;
	g->callbacks = NULL;
	g->cur_cb = NULL;
	g->cb_exits = NULL;
	g->dead = false;
	g->skip_go_on = false;
}

/*
 * Callbacks go after the program, each a BPF subprogram; the ld_imm64
 * that loads one gets its distance, and the loader gets their positions
 * (BTF func_info: callbacks need it).
 */
static unsigned int *append_callbacks(struct gen *g, unsigned int body_start, int *nr_funcs)
{
	unsigned int *offs, nr = 1, i;
	struct callback *cb;

	for (cb = g->callbacks; cb; cb = cb->next) {
		cb->start = g->cnt;
		for (i = 0; i < cb->cnt; i++) {
			g->line = cb->lines[i];
			emit(g, cb->insns[i].code, cb->insns[i].dst_reg, cb->insns[i].src_reg,
			     cb->insns[i].off, cb->insns[i].imm);
			g->joff[g->cnt - 1] = cb->joff[i];
		}
		nr++;
	}
	offs = tap_alloc(g->c, nr * sizeof(*offs));
	nr = 1;
	for (cb = g->callbacks; cb; cb = cb->next) {
		unsigned int ld = (cb->owner ? cb->owner->start : body_start) + cb->ld;

		g->insns[ld].imm = (__s32)(cb->start - ld - 1);
		offs[nr++] = cb->start;
	}
	*nr_funcs = (int)nr;
	return offs;
}

/* Lay out the jumps and hand the code over to the object (malloc'ed). */
static void finish_code(struct gen *g, struct tap_code *code, unsigned int *offs, int nr_funcs)
{
	struct tap_code_buf buf = { g->insns, g->lines, g->joff, g->cnt };
	unsigned int i;

	for (i = 0; i < g->cnt; i++)
		if (g->lines[i] < 1)
			g->lines[i] = 1;
	code->func_off = malloc(nr_funcs * sizeof(*offs));
	if (!code->func_off || tap_jumps_resolve(&buf, offs, nr_funcs)) {
		free(code->func_off);
		code->func_off = NULL;
		tap_error(g->c, g->line, 1, "out of memory");
	}
	memcpy(code->func_off, offs, nr_funcs * sizeof(*offs));
	code->nr_funcs = nr_funcs;
	code->insns = buf.insns;
	code->lines = buf.lines;
	code->cnt = buf.cnt;
	if (code->cnt > MAX_INSNS)
		too_large(g);
}

/*
 * Generate the body first, then put the prologue it needs in front.  Jump
 * distances are relative, so they survive the move; jumps to the exit
 * label are resolved last.
 */
static void gen_program(struct gen *g, struct tap_prog_def *prog, struct tap_node *body_items,
			bool top_level, enum tap_code_kind variant)
{
	bool syscalls = variant == TAP_CODE_SYSCALL;
	struct tap_code *code = &prog->code[variant];
	struct tap_code_buf body;
	unsigned int pro_cnt, *offs;
	struct fixup *body_exits, *f;
	struct tap_node *n;
	int nr_funcs;

	gen_reset(g);
	g->variant = variant;
	g->prog = prog;
	g->line = prog->node ? prog->node->line : 1;
	if (top_level) {
		for (n = body_items; n && !g->dead; n = n->next)
			if (n->kind != TAP_N_FUNC && n->kind != TAP_N_TRACE &&
			    n->kind != TAP_N_TRACE_END && n->kind != TAP_N_TIMER)
				gen_stmt(g, n);
	} else {
		if (prog->kind == TAP_PROG_TRACE && prog->node->a) {
			/* /filter/: the body runs only where it is non-zero */
			g->line = prog->node->a->line;
			gen_num(g, prog->node->a);
			jump_to_exit(g, JMP_IMM(BPF_JEQ, R0, 0, 0));
			g->scratch = SCRATCH_FIRST;
			g->stack = 0;
		}
		gen_block(g, body_items);
	}
	body = (struct tap_code_buf){ g->insns, g->lines, g->joff, g->cnt };
	body_exits = g->to_exit;

	g->insns = NULL;
	g->lines = NULL;
	g->joff = NULL;
	g->cnt = g->cap = 0;
	g->to_exit = NULL;
	g->line = prog->node ? prog->node->line : 1;
	MOV_REG(R6, BPF_REG_1);
	if (prog->kind == TAP_PROG_TRACE || prog->kind == TAP_PROG_TIMER)
		prologue_exit_check(g);
	if (prog->kind == TAP_PROG_TRACE) {
		prologue_cpus(g);
		prologue_target(g);
	}
	if (prog->kind == TAP_PROG_TRACE || (prog->kind == TAP_PROG_TIMER && g->uses_event))
		prologue_event(g, syscalls);
	if (g->uses_scratch)
		prologue_scratch(g);
	if (g->uses_event && (prog->kind == TAP_PROG_TRACE || prog->kind == TAP_PROG_TIMER)) {
		LDX(BPF_DW, R0, FP, SLOT_EVENT);
		STX(BPF_DW, R7, SCRATCH_EVENT, R0);
	} else if (g->uses_event) {
		ST_IMM(BPF_DW, R7, SCRATCH_EVENT, -1);	/* no event: probename is "" */
	}
	pro_cnt = g->cnt;

	/* the body after the prologue: emit() grows the buffers as needed */
	for (unsigned int i = 0; i < body.cnt; i++) {
		g->line = body.lines[i];
		emit(g, body.insns[i].code, body.insns[i].dst_reg, body.insns[i].src_reg,
		     body.insns[i].off, body.insns[i].imm);
		g->joff[g->cnt - 1] = body.joff[i];
	}
	for (f = body_exits; f; f = f->next)
		f->insn += pro_cnt;
	for (f = body_exits; f && f->next; f = f->next)
		;
	if (f)
		f->next = g->to_exit;
	else
		body_exits = g->to_exit;

	g->line = prog->node ? prog->node->line : 1;
	for (f = body_exits; f; f = f->next)
		patch_here(g, f->insn);
	MOV_IMM(R0, 0);
	emit(g, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	offs = append_callbacks(g, pro_cnt, &nr_funcs);
	finish_code(g, code, offs, nr_funcs);
	if (variant == TAP_CODE_RAW)
		prog->stack_size = (unsigned int)(g->max_stack - SLOT_FIRST);
}

static void add_map(struct tap_object *obj, int idx, const char *name, unsigned int type,
		    unsigned int key_size, unsigned int value_size, unsigned int max_entries)
{
	struct tap_map_def *m = &obj->maps[idx];

	snprintf(m->name, sizeof(m->name), "%s", name);
	m->type = type;
	m->key_size = key_size;
	m->value_size = value_size;
	m->max_entries = max_entries;
}

static void define_maps(struct gen *g)
{
	struct tap_object *obj = g->obj;
	struct tap_sema *sema = g->sema;
	int i;

	obj->nr_maps = TAP_MAP_TABLE0 + sema->ntables;
	obj->maps = tap_alloc(g->c, obj->nr_maps * sizeof(*obj->maps));
	obj->globals_size = (unsigned int)sema->globals_size;
	add_map(obj, TAP_MAP_GLOBALS, "tap_globals", BPF_MAP_TYPE_ARRAY, 4,
		obj->globals_size, 1);
	/* sizes the runtime knows better are set there: CPUs, events, scratch */
	add_map(obj, TAP_MAP_EVENTS, "tap_events", BPF_MAP_TYPE_PERF_EVENT_ARRAY, 4, 4, 0);
	add_map(obj, TAP_MAP_SCRATCH, "tap_scratch", BPF_MAP_TYPE_PERCPU_ARRAY, 4, 0, 0);
	add_map(obj, TAP_MAP_PROBENAMES, "tap_probenames", BPF_MAP_TYPE_ARRAY, 4,
		obj->str_size, 0);
	add_map(obj, TAP_MAP_SYSCALLS, "tap_syscalls", BPF_MAP_TYPE_ARRAY, 4, 4, 0);
	/* sized by the runtime: a small map unless stack() is used */
	add_map(obj, TAP_MAP_STACKS, "tap_stacks", BPF_MAP_TYPE_STACK_TRACE, 4,
		8 * TAP_STACK_DEPTH, 0);
	add_map(obj, TAP_MAP_FIELDS, "tap_fields", BPF_MAP_TYPE_ARRAY, 4,
		sizeof(struct tap_field), 0);
	/* value size set once sema has counted kernel_v() symbols: below */
	add_map(obj, TAP_MAP_KSYMS, "tap_ksyms", BPF_MAP_TYPE_ARRAY, 4, 8, 1);
	for (i = 0; i < sema->ntables; i++) {
		struct tap_sym *sym = sema->tables[i];
		struct tap_type *t = tap_type_resolve(sym->type);
		unsigned int key_size = 0;
		int k;

		for (k = 0; k < t->nkeys; k++)
			key_size += value_size(g, t->key[k]);
		/* aggregations are per CPU: no contention, folded when read */
		add_map(obj, TAP_MAP_TABLE0 + i, sym->name,
			tap_type_resolve(t->val)->kind == TAP_T_AGG ?
			BPF_MAP_TYPE_PERCPU_HASH : BPF_MAP_TYPE_HASH, key_size,
			value_size(g, t->val), obj->table_entries);
		obj->maps[TAP_MAP_TABLE0 + i].sym = sym;
	}
}

void tap_codegen(struct tap_compiler *c, struct tap_node *items, struct tap_sema *sema,
		 struct tap_object *obj)
{
	struct gen g = { .c = c, .obj = obj, .sema = sema, .loop_max = obj->loop_max };
	struct tap_node *n;
	int nprogs = 1, i = 0;

	define_maps(&g);
	if (obj->nr_ksyms)
		obj->maps[TAP_MAP_KSYMS].value_size = 8 * (unsigned int)obj->nr_ksyms;
	for (n = items; n; n = n->next)
		if (n->kind == TAP_N_TRACE || n->kind == TAP_N_TRACE_END || n->kind == TAP_N_TIMER)
			nprogs++;
	obj->progs = tap_alloc(c, nprogs * sizeof(*obj->progs));
	obj->nr_progs = nprogs;

	/* program 0: top-level code */
	obj->progs[0].kind = TAP_PROG_MAIN;
	snprintf(obj->progs[0].name, sizeof(obj->progs[0].name), "tap_main");
	g.prog_idx = 0;
	gen_program(&g, &obj->progs[0], items, true, TAP_CODE_RAW);
	obj->scratch_size = g.max_scratch;

	for (n = items; n; n = n->next) {
		struct tap_prog_def *prog;

		if (n->kind != TAP_N_TRACE && n->kind != TAP_N_TRACE_END &&
		    n->kind != TAP_N_TIMER)
			continue;
		prog = &obj->progs[++i];
		prog->node = n;
		switch (n->kind) {
		case TAP_N_TRACE:
			prog->kind = TAP_PROG_TRACE;
			snprintf(prog->name, sizeof(prog->name), "tap_trace_%d", n->line);
			break;
		case TAP_N_TIMER:
			prog->kind = TAP_PROG_TIMER;
			prog->period_ns = n->num;
			prog->profile = !strncmp(n->name, "profile", 7);
			snprintf(prog->name, sizeof(prog->name), "tap_timer_%d", n->line);
			break;
		default:
			prog->kind = TAP_PROG_END;
			snprintf(prog->name, sizeof(prog->name), "tap_end");
			break;
		}
		g.prog_idx = i;
		gen_program(&g, prog, n->b, false, TAP_CODE_RAW);
		/* twins for syscalls:* views and for perf tracepoint events */
		if (prog->kind == TAP_PROG_TRACE) {
			gen_program(&g, prog, n->b, false, TAP_CODE_SYSCALL);
			gen_program(&g, prog, n->b, false, TAP_CODE_PERF_TP);
			gen_program(&g, prog, n->b, false, TAP_CODE_KPROBE);
		}
		if (g.max_scratch > obj->scratch_size)
			obj->scratch_size = g.max_scratch;
	}
	if (!obj->scratch_size)
		obj->scratch_size = 8;
}
