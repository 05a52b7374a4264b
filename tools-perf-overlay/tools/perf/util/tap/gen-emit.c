// SPDX-License-Identifier: GPL-2.0
/*
 * Emitting instructions: buffers in the compiler's arena (an error that
 * unwinds frees them), a size limit, and a bound on the generators'
 * recursion.
 */
#include <stdlib.h>
#include <string.h>

#include "gen.h"

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
void __noreturn gen_too_large(struct gen *g)
{
	struct inlined *fn = g->fn;

	while (fn && fn->up)
		fn = fn->up;
	if (fn)
		tap_error(g->c, fn->call->line, fn->call->col,
			  "the program is too large: inlining '%s' here makes more than %d BPF instructions",
			  fn->call->name, MAX_INSNS);
	tap_error(g->c, g->block ? g->block->line : g->line, 1,
		  "the program is too large: more than %d BPF instructions", MAX_INSNS);
}

unsigned int gen_emit(struct gen *g, __u8 code, __u8 dst, __u8 src, __s16 off, __s32 imm)
{
	struct bpf_insn *insn;

	if (g->cnt == g->cap) {
		unsigned int cap = g->cap ? g->cap * 2 : 256;

		if (g->cnt >= MAX_INSNS)
			gen_too_large(g);
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

/*
 * The generators recurse over the tree and into inlined function bodies:
 * bound that, so a long chain of calls is an error, not a stack overflow.
 */
static void enter(struct gen *g, const struct tap_node *n)
{
	if (++g->depth > MAX_GEN_DEPTH)
		tap_error(g->c, n->line, n->col,
			  "nested more than %d levels deep, counting the bodies of the functions called",
			  MAX_GEN_DEPTH);
}

void gen_num(struct gen *g, struct tap_node *n)
{
	enter(g, n);
	gen_num_node(g, n);
	g->depth--;
}

void gen_str(struct gen *g, struct tap_node *n, unsigned int dst)
{
	enter(g, n);
	gen_str_node(g, n, dst);
	g->depth--;
}

void gen_stmt(struct gen *g, struct tap_node *n)
{
	enter(g, n);
	g->col = n->col;
	gen_stmt_node(g, n);
	g->depth--;
}

/*
 * Look up the u32 key in R0 in array or hash @map (through the stack slot
 * for keys) and leave the program unless the entry is there and non-zero;
 * then R0 holds its u32 value.
 */
void gen_lookup_u32_or_exit(struct gen *g, int map)
{
	STX(BPF_W, FP, SLOT_KEY, R0);
	ld_map(g, R1, map);
	MOV_REG(R2, FP);
	ALU64_IMM(BPF_ADD, R2, SLOT_KEY);
	CALL(BPF_FUNC_map_lookup_elem);
	jump_to_exit(g, JMP_IMM(BPF_JEQ, R0, 0, 0));
	LDX(BPF_W, R0, R0, 0);
	jump_to_exit(g, JMP_IMM(BPF_JEQ, R0, 0, 0));
}
