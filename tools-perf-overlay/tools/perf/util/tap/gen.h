/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Code generation, shared by its parts: typed AST -> BPF instructions,
 * one program per block.
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
 *
 *	gen-emit.c	instructions into arena buffers, the recursion bound
 *	gen-expr.c	numbers and strings
 *	gen-ctx.c	what depends on how a program is attached
 *	gen-output.c	records for print, printf, print_hist, exit
 *	gen-stmt.c	statements, while loops, inlined function calls
 *	gen-table.c	callbacks: for-pairs, len, delete, print_hist, aggregations
 *	gen-prog.c	prologues, programs, maps; tap_codegen()
 *	jumps.c		jump distances, written once a program is laid out
 */
#ifndef __TAP_GEN_H
#define __TAP_GEN_H

#include <stdint.h>
#include <string.h>

#include "codegen.h"

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
#define SCRATCH_CB_EXIT	8	/* exit() or a block's return ran inside a callback */
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
	struct tap_node *block;		/* the program's block (NULL: top level) */
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
	char *rodata;			/* sprintf() formats, for the read-only map */
	unsigned int rodata_len;
};

#define ALU64_IMM(op, d, i)	gen_emit(g, BPF_ALU64 | (op) | BPF_K, d, 0, 0, i)
#define ALU64_REG(op, d, s)	gen_emit(g, BPF_ALU64 | (op) | BPF_X, d, s, 0, 0)
#define MOV_IMM(d, i)		ALU64_IMM(BPF_MOV, d, i)
#define MOV_REG(d, s)		ALU64_REG(BPF_MOV, d, s)
#define LDX(sz, d, s, o)	gen_emit(g, BPF_LDX | (sz) | BPF_MEM, d, s, o, 0)
#define STX(sz, d, o, s)	gen_emit(g, BPF_STX | (sz) | BPF_MEM, d, s, o, 0)
#define ST_IMM(sz, d, o, i)	gen_emit(g, BPF_ST | (sz) | BPF_MEM, d, 0, o, i)
#define JMP_IMM(op, d, i, o)	gen_emit(g, BPF_JMP | (op) | BPF_K, d, 0, o, i)
#define JMP_REG(op, d, s, o)	gen_emit(g, BPF_JMP | (op) | BPF_X, d, s, o, 0)
#define JA(o)			gen_emit(g, BPF_JMP | BPF_JA, 0, 0, o, 0)
#define CALL(fn)		gen_emit(g, BPF_JMP | BPF_CALL, 0, 0, 0, fn)

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

unsigned int gen_emit(struct gen *g, __u8 code, __u8 dst, __u8 src, __s16 off, __s32 imm);
void __noreturn gen_too_large(struct gen *g);

/* A program may use MAX_USED_MAPS maps: say so here, not at load time. */
static inline void use_map(struct gen *g, int map)
{
	if (g->map_used[map])
		return;
	g->map_used[map] = true;
	if (++g->nr_used_maps > MAX_USED_MAPS)
		tap_error(g->c, g->line, g->col,
			  "this block uses more than %d tables and maps (the kernel's limit per program, perf tap's own maps included)",
			  MAX_USED_MAPS);
}

static inline void ld_map(struct gen *g, int reg, int map)
{
	use_map(g, map);
	gen_emit(g, BPF_LD | BPF_DW | BPF_IMM, reg, BPF_PSEUDO_MAP_FD, 0, map);
	gen_emit(g, 0, 0, 0, 0, 0);
}

/* reg = address of byte @off in the value of array map @map (entry 0) */
static inline void ld_map_value(struct gen *g, int reg, int map, int off)
{
	use_map(g, map);
	gen_emit(g, BPF_LD | BPF_DW | BPF_IMM, reg, BPF_PSEUDO_MAP_VALUE, 0, map);
	gen_emit(g, 0, 0, 0, 0, off);
}

/* Point the jump at @at to instruction @to (jumps.c writes .off at the end). */
static inline void patch_to(struct gen *g, unsigned int at, unsigned int to)
{
	g->joff[at] = (int)to - (int)at - 1;
}

/* Point the jump at @at to the next instruction to be emitted. */
static inline void patch_here(struct gen *g, unsigned int at)
{
	patch_to(g, at, g->cnt);
}

static inline void add_fixup(struct gen *g, struct fixup **list, unsigned int at)
{
	struct fixup *f = tap_alloc(g->c, sizeof(*f));

	f->insn = at;
	f->next = *list;
	*list = f;
}

static inline void jump_to_exit(struct gen *g, unsigned int at)
{
	add_fixup(g, &g->to_exit, at);
}

static inline void patch_list_here(struct gen *g, struct fixup *list)
{
	for (; list; list = list->next)
		patch_here(g, list->insn);
}

void gen_lookup_u32_or_exit(struct gen *g, int map);

/* Leave the program from the jump at @at (a callback: stop its walk). */
static inline void exit_now(struct gen *g, unsigned int at)
{
	jump_to_exit(g, at);
}

static inline int stack_alloc(struct gen *g, int size)
{
	g->stack += (size + 7) & ~7;
	if (g->stack > g->max_stack)
		g->max_stack = g->stack;
	if (g->max_stack - SLOT_FIRST > 512)
		tap_error(g->c, g->line, g->col,
			  "this block needs more than 512 bytes of BPF stack");
	return SLOT_FIRST - g->stack;
}

static inline unsigned int scratch_alloc(struct gen *g, unsigned int size)
{
	unsigned int off = g->scratch;

	g->uses_scratch = true;
	g->scratch += (size + 7) & ~7U;
	if (g->scratch > MAX_SCRATCH)
		tap_error(g->c, g->line, g->col,
			  "this needs more than %d bytes of scratch memory for strings and locals (--str-size is %u)",
			  MAX_SCRATCH, g->c->str_size);
	if (g->scratch > g->max_scratch)
		g->max_scratch = g->scratch;
	return off;
}

static inline enum tap_type_kind kind_of(const struct tap_node *n)
{
	return tap_type_resolve(n->type)->kind;
}

static inline unsigned int str_size(struct gen *g)
{
	return g->c->str_size;
}

/* Memory the object owns: it outlives the compiler. */
static inline void *gen_obj_alloc(struct gen *g, size_t size)
{
	void *p = tap_object__alloc(g->obj, size);

	if (!p)
		tap_error(g->c, g->line, 1, "out of memory");
	return p;
}

static inline char *gen_obj_strdup(struct gen *g, const char *s)
{
	char *p = tap_object__strndup(g->obj, s, strlen(s));

	if (!p)
		tap_error(g->c, g->line, 1, "out of memory");
	return p;
}

/* Bytes a value of type @t takes in a table or a record. */
static inline unsigned int value_size(struct gen *g, struct tap_type *t)
{
	enum tap_type_kind kind = tap_type_resolve(t)->kind;

	if (kind == TAP_T_STR)
		return str_size(g);
	if (kind == TAP_T_AGG)
		return TAP_AGG_SIZE;
	if (kind == TAP_T_RECORD)
		return TAP_ARGSTR_SIZE;
	if (kind == TAP_T_SYM)
		return TAP_SYM_SIZE;
	return 8;
}

static inline void copy_mem(struct gen *g, int dst_reg, int dst_off, int src_reg,
			    int src_off, unsigned int size)
{
	unsigned int i;

	for (i = 0; i < size; i += 8) {
		LDX(BPF_DW, R1, src_reg, src_off + i);
		STX(BPF_DW, dst_reg, dst_off + i, R1);
	}
}

static inline void zero_mem(struct gen *g, int reg, int off, unsigned int size)
{
	unsigned int i;

	for (i = 0; i < size; i += 8)
		ST_IMM(BPF_DW, reg, off + i, 0);
}

/* gen-ctx.c: the event context: arguments, fields, argstr, which event fired */
void gen_arg(struct gen *g, struct tap_node *n, enum tap_builtin b);
void gen_field(struct gen *g, struct tap_node *n, unsigned int dst);
void gen_argstr(struct gen *g, unsigned int dst);
void prologue_event(struct gen *g, bool syscalls);
void gen_ppid(struct gen *g);
void gen_follow_body(struct gen *g);
void gen_exec_body(struct gen *g);

/* gen-emit.c: emitting instructions, recursion bound */
void gen_num(struct gen *g, struct tap_node *n);
void gen_str(struct gen *g, struct tap_node *n, unsigned int dst);
/* usym(), ksym(), strftime(), time(): the TAP_SYM_SIZE bytes at scratch @dst */
void gen_sym(struct gen *g, struct tap_node *n, unsigned int dst);
void gen_stmt(struct gen *g, struct tap_node *n);

/* gen-expr.c: expressions: numbers and strings */
unsigned int gen_key(struct gen *g, struct tap_node *index);
void gen_lookup(struct gen *g, struct tap_node *index, unsigned int key);
void gen_str_node(struct gen *g, struct tap_node *n, unsigned int dst);
void gen_alu(struct gen *g, int tok);
void gen_num_node(struct gen *g, struct tap_node *n);

/* gen-btf.c: kernel data: members, elements, casts, ntop(), hex() */
void gen_btf_num(struct gen *g, struct tap_node *n);
void gen_btf_str(struct gen *g, struct tap_node *n, unsigned int dst);
void gen_ntop(struct gen *g, struct tap_node *n, unsigned int dst);
void gen_hex(struct gen *g, struct tap_node *n, unsigned int dst);

/* gen-prog.c: programs, maps */
unsigned int gen_rodata(struct gen *g, const char *s, size_t len);

/* gen-output.c: output records */
struct tap_rec_def *gen_rec_new(struct gen *g, enum tap_rec_kind kind, int *id);
void gen_output(struct gen *g, unsigned int rec, unsigned int size);
/* After bpf_perf_event_output: count a record the kernel did not take. */
void gen_count_output_failure(struct gen *g);
/* gen-ustack.c: R0 = ustack() with --call-graph dwarf */
void gen_ustack_dwarf(struct gen *g);
void gen_record(struct gen *g, enum tap_rec_kind kind, struct tap_node *fmt,
		struct tap_node *args, int map);

/* gen-stmt.c: statements, while loops, inlined calls */
unsigned int gen_lookup_or_create(struct gen *g, struct tap_node *index,
				  unsigned int key, unsigned int size);
void gen_user_call(struct gen *g, struct tap_node *n, unsigned int dst);
void gen_count_loop_stop(struct gen *g);
void gen_stmt_node(struct gen *g, struct tap_node *n);
void gen_block(struct gen *g, struct tap_node *n);

/* gen-table.c: callbacks, table walks, aggregations */
void gen_callback_begin(struct gen *g, struct saved_code *sv, struct callback *cb,
			bool loop);
void gen_callback_end_dead(struct gen *g);
void gen_callback_end(struct gen *g, struct saved_code *sv, struct callback *cb);
void gen_call_with_callback(struct gen *g, int helper, struct callback *cb, bool body);
void gen_len(struct gen *g, struct tap_node *table);
void gen_clear(struct gen *g, struct tap_node *table);
void gen_print_hist(struct gen *g, struct tap_node *call);
void gen_for(struct gen *g, struct tap_node *n);
void gen_agg_update(struct gen *g, struct tap_node *n);
void gen_agg_fn(struct gen *g, struct tap_node *call);
/* tables of numbers only added to, kept per CPU (TAP_MAP_F_PERCPU) */
void gen_percpu_tables(struct gen *g, struct tap_node *items);
bool gen_table_percpu(struct gen *g, int map);
void gen_sum_fold(struct gen *g, int map, unsigned int key);

#endif /* __TAP_GEN_H */
