// SPDX-License-Identifier: GPL-2.0
/*
 * Expressions: numbers computed into r0, strings built at a scratch offset.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"
#include "lex.h"

static void gen_concat(struct gen *g, struct tap_node *n, unsigned int dst);

/*
 * sprintf(fmt, args): the kernel's bpf_snprintf() formats into the
 * string at scratch @dst.  Its format must sit in a read-only map, with
 * the size of every number spelled out: %d becomes %lld.  The values go
 * in an array on the stack; a string value as a pointer to its copy.
 */
static void gen_sprintf(struct gen *g, struct tap_node *fmt, struct tap_node *args,
			unsigned int dst)
{
	const char *f = fmt->name, *end = fmt->name + fmt->num;
	char *out = tap_alloc(g->c, 2 * (size_t)fmt->num + 1);
	int nargs = tap_list_len(args), data = 0, i;
	unsigned int len = 0, at;
	struct tap_node *a;

	while (f < end) {
		out[len++] = *f;
		if (*f++ != '%')
			continue;
		if (f < end && *f == '%') {
			out[len++] = *f++;
			continue;
		}
		while (f < end && strchr("-+ 0123456789", *f))
			out[len++] = *f++;
		while (f < end && (*f == 'l' || *f == 'h'))
			f++;
		if (f < end && strchr("diuxX", *f)) {
			out[len++] = 'l';
			out[len++] = 'l';
		}
		if (f < end)
			out[len++] = *f++;
	}
	at = gen_rodata(g, out, len);
	if (nargs)
		data = stack_alloc(g, 8 * nargs);
	for (a = args, i = 0; a; a = a->next, i++) {
		if (kind_of(a) == TAP_T_STR) {
			unsigned int s = scratch_alloc(g, str_size(g));

			gen_str(g, a, s);
			MOV_REG(R0, R7);
			ALU64_IMM(BPF_ADD, R0, s);
		} else {
			gen_num(g, a);
		}
		STX(BPF_DW, FP, data + 8 * i, R0);
	}
	zero_mem(g, R7, dst, str_size(g));
	MOV_REG(R1, R7);
	ALU64_IMM(BPF_ADD, R1, dst);
	MOV_IMM(R2, str_size(g));
	ld_map_value(g, R3, TAP_MAP_TABLE0 + g->sema->ntables, at);
	if (nargs) {
		MOV_REG(R4, FP);
		ALU64_IMM(BPF_ADD, R4, data);
	} else {
		MOV_IMM(R4, 0);
	}
	MOV_IMM(R5, 8 * nargs);
	CALL(BPF_FUNC_snprintf);
	if (nargs)
		g->stack -= 8 * nargs;
}

/*
 * bpf_get_stackid() without BPF_F_REUSE_STACKID keeps a stack only if its
 * hash bucket is free (-EEXIST otherwise): count what is lost, keep r0.
 */
static void count_stack_collision(struct gen *g)
{
	JMP_IMM(BPF_JNE, R0, -EEXIST, 4);
	ld_map_value(g, R1, TAP_MAP_GLOBALS, TAP_G_STACKLOST);
	MOV_IMM(R2, 1);
	gen_emit(g, BPF_STX | BPF_DW | BPF_ATOMIC, R1, R2, 0, BPF_ADD);
}

/* stack(N), ustack(N): N where a stack value keeps it, or 0 */
static unsigned long long stack_depth(const struct tap_node *n)
{
	return n->list ? (unsigned long long)n->list->num << TAP_STACK_DEPTH_SHIFT : 0;
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
unsigned int gen_key(struct gen *g, struct tap_node *index)
{
	struct tap_type *t = tap_type_resolve(index->a->sym->type);
	struct tap_map_def *m = &g->obj->maps[TAP_MAP_TABLE0 + index->a->sym->map];
	unsigned int key = scratch_alloc(g, m->key_size);
	unsigned int off = key;
	struct tap_node *k;
	int i = 0;

	/* an aggregation without keys: its one element has key 0 */
	if (!index->list)
		ST_IMM(BPF_DW, R7, key, 0);
	for (k = index->list; k; k = k->next, i++) {
		if (index->a->sym->comm_keys & (1U << i)) {
			/* execname, and nothing else ever: the comm alone */
			MOV_REG(R1, R7);
			ALU64_IMM(BPF_ADD, R1, off);
			MOV_IMM(R2, TAP_COMM_SIZE);
			CALL(BPF_FUNC_get_current_comm);
			off += TAP_COMM_SIZE;
		} else if (tap_type_resolve(t->key[i])->kind == TAP_T_STR) {
			gen_str(g, k, off);
			off += str_size(g);
		} else if (tap_type_resolve(t->key[i])->kind == TAP_T_SYM) {
			gen_sym(g, k, off);
			off += TAP_SYM_SIZE;
		} else {
			gen_num(g, k);
			STX(BPF_DW, R7, off, R0);
			off += 8;
		}
	}
	return key;
}

/* The wall-clock time in ns: the monotonic clock plus the offset measured at start. */
static void gen_wall_ns(struct gen *g)
{
	CALL(BPF_FUNC_ktime_get_ns);
	ld_map_value(g, R1, TAP_MAP_GLOBALS, TAP_G_CLOCK);
	LDX(BPF_DW, R1, R1, 0);
	ALU64_REG(BPF_ADD, R0, R1);
}

/*
 * A value the printer names: the number (an address, a time), then for
 * usym() the process whose mappings give the address its name, for
 * strftime() and time() the format's index, then which it is.
 */
void gen_sym(struct gen *g, struct tap_node *n, unsigned int dst)
{
	unsigned int aux = 0, what = TAP_SYM_KERNEL;
	const char *fmt = TAP_TIME_FMT;

	if (n->kind != TAP_N_CALL)
		tap_error(g->c, n->line, n->col, "cannot compute this value");
	g->uses_scratch = true;
	switch (n->builtin) {
	case TAP_B_USYM:
		what = TAP_SYM_USER;
		fallthrough;
	case TAP_B_KSYM:
		/* the printer names it with the machine stack() frames use */
		g->obj->uses_stacks = true;
		gen_num(g, n->list);
		break;
	case TAP_B_STRFTIME:
		fmt = n->list->name;
		gen_num(g, n->list->next);
		what = TAP_SYM_TIME;
		break;
	default:
		if (n->list)
			fmt = n->list->name;
		gen_wall_ns(g);
		what = TAP_SYM_TIME;
		break;
	}
	STX(BPF_DW, R7, dst, R0);
	if (what == TAP_SYM_USER) {
		CALL(BPF_FUNC_get_current_pid_tgid);
		ALU64_IMM(BPF_RSH, R0, 32);
		STX(BPF_W, R7, dst + 8, R0);
	} else {
		if (what == TAP_SYM_TIME)
			for (aux = 0; aux < (unsigned int)g->obj->nr_timefmts; aux++)
				if (!strcmp(g->obj->timefmts[aux], fmt))
					break;
		ST_IMM(BPF_W, R7, dst + 8, (__s32)aux);
	}
	ST_IMM(BPF_W, R7, dst + 12, (__s32)what);
}

/* r0 = pointer to the element of @index, or 0 if it does not exist */
void gen_lookup(struct gen *g, struct tap_node *index, unsigned int key)
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
			  "'probename' has no value outside probes and timers (used in a function called here)");
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

void gen_str_node(struct gen *g, struct tap_node *n, unsigned int dst)
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
			if (n->builtin == TAP_B_PROBENAME) {
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
	case TAP_N_MEMBER:
		gen_btf_str(g, n, dst);
		return;
	case TAP_N_INDEX:
		if (n->kread) {
			gen_btf_str(g, n, dst);
			return;
		}
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
		switch (n->builtin) {
		case TAP_B_KERNEL_STRING:
		case TAP_B_USER_STRING:
			/* a NUL-terminated copy, cut at str_size - 1; "" if unreadable */
			gen_num(g, n->list);
			MOV_REG(R3, R0);
			zero_mem(g, R7, dst, str_size(g));
			MOV_REG(R1, R7);
			ALU64_IMM(BPF_ADD, R1, dst);
			MOV_IMM(R2, str_size(g));
			CALL(n->builtin == TAP_B_KERNEL_STRING ?
			     BPF_FUNC_probe_read_kernel_str : BPF_FUNC_probe_read_user_str);
			return;
		case TAP_B_SPRINTF:
			gen_sprintf(g, n->list, n->list->next, dst);
			return;
		case TAP_B_NTOP:
			gen_ntop(g, n, dst);
			return;
		case TAP_B_HEX:
			gen_hex(g, n, dst);
			return;
		case TAP_B_TOSTRING: {
			char d[] = "%d";
			struct tap_node fmt = { .kind = TAP_N_STR, .name = d, .num = 2 };

			gen_sprintf(g, &fmt, n->list, dst);
			return;
		}
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
void gen_alu(struct gen *g, int tok)
{
	int op = alu_op(tok);
	__s16 off = (op == BPF_DIV || op == BPF_MOD) ? 1 : 0;

	gen_emit(g, BPF_ALU64 | op | BPF_X, R0, R1, off, 0);
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
		gen_emit(g, BPF_ALU | BPF_END | BPF_TO_BE, R1, 0, 0, 64);
		gen_emit(g, BPF_ALU | BPF_END | BPF_TO_BE, R2, 0, 0, 64);
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

void gen_num_node(struct gen *g, struct tap_node *n)
{
	struct tap_sym *sym;
	unsigned int key, j;
	int i;

	switch (n->kind) {
	case TAP_N_NUM:
		if (n->num >= INT32_MIN && n->num <= INT32_MAX) {
			MOV_IMM(R0, (__s32)n->num);
		} else {
			gen_emit(g, BPF_LD | BPF_DW | BPF_IMM, R0, 0, 0, (__s32)(__u32)n->num);
			gen_emit(g, 0, 0, 0, 0, (__s32)((unsigned long long)n->num >> 32));
		}
		return;
	case TAP_N_NAME:
		sym = n->sym;
		if (!sym) {
			switch (n->builtin) {
			case TAP_B_PID:
				CALL(BPF_FUNC_get_current_pid_tgid);
				ALU64_IMM(BPF_RSH, R0, 32);
				return;
			case TAP_B_PPID:
				gen_ppid(g);
				return;
			case TAP_B_CPID:
				ld_map_value(g, R1, TAP_MAP_GLOBALS, TAP_G_CPID);
				LDX(BPF_DW, R0, R1, 0);
				return;
			case TAP_B_TID:
				CALL(BPF_FUNC_get_current_pid_tgid);
				gen_emit(g, BPF_ALU | BPF_MOV | BPF_X, R0, R0, 0, 0);
				return;
			case TAP_B_UID:
				CALL(BPF_FUNC_get_current_uid_gid);
				gen_emit(g, BPF_ALU | BPF_MOV | BPF_X, R0, R0, 0, 0);
				return;
			case TAP_B_CPU:
				CALL(BPF_FUNC_get_smp_processor_id);
				return;
			case TAP_B_ARG0 ... TAP_B_RETVAL:
				gen_arg(g, n, n->builtin);
				return;
			case TAP_B_CURTASK:
				CALL(BPF_FUNC_get_current_task);
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
	case TAP_N_MEMBER:
	case TAP_N_CAST:
		gen_btf_num(g, n);
		return;
	case TAP_N_INDEX:
		if (n->kread) {
			gen_btf_num(g, n);
			return;
		}
		key = gen_key(g, n);
		if (gen_table_percpu(g, TAP_MAP_TABLE0 + n->a->sym->map)) {
			gen_sum_fold(g, TAP_MAP_TABLE0 + n->a->sym->map, key);
			return;
		}
		gen_lookup(g, n, key);
		j = JMP_IMM(BPF_JEQ, R0, 0, 0);
		LDX(BPF_DW, R0, R0, 0);
		patch_here(g, j);
		return;
	case TAP_N_BINOP:
		gen_binop(g, n);
		return;
	case TAP_N_EXISTS:
		/* 1 if the element is there (0 for '== nil'), without reading it */
		key = gen_key(g, n->a);
		gen_lookup(g, n->a, key);
		MOV_REG(R1, R0);
		MOV_IMM(R0, !n->num);
		JMP_IMM(BPF_JNE, R1, 0, 1);
		MOV_IMM(R0, !!n->num);
		return;
	case TAP_N_FIELD:
		gen_field(g, n, 0);
		return;
	case TAP_N_CALL:
		if (n->builtin == TAP_B_LEN) {
			gen_len(g, n->list);
			return;
		}
		if (n->builtin >= TAP_B_TIME_NS && n->builtin <= TAP_B_TIME_S) {
			/*
			 * Wall-clock time: the monotonic clock BPF reads, plus the
			 * offset to CLOCK_REALTIME that perf tap measured at start.
			 */
			static const int div[] = { 1, 1000, 1000000, 1000000000 };

			gen_wall_ns(g);
			i = n->builtin - TAP_B_TIME_NS;
			if (div[i] > 1)
				ALU64_IMM(BPF_DIV, R0, div[i]);
			return;
		}
		if (n->builtin == TAP_B_IN_INTERRUPT) {
			/* NMI, hard or soft interrupt bits of the preempt count */
			gen_emit(g, BPF_LD | BPF_DW | BPF_IMM, R1, BPF_PSEUDO_BTF_ID, 0,
				 TAP_RELOC_PREEMPT_VAR);
			gen_emit(g, 0, 0, 0, 0, 0);
			CALL(BPF_FUNC_this_cpu_ptr);
			LDX(BPF_W, R0, R0, TAP_RELOC_PREEMPT_OFF);
			ALU64_IMM(BPF_AND, R0, 0x00f00000 | 0x000f0000 | 0x0000ff00);
			MOV_REG(R1, R0);
			MOV_IMM(R0, 1);
			JMP_IMM(BPF_JNE, R1, 0, 1);
			MOV_IMM(R0, 0);
			return;
		}
		if (n->builtin >= TAP_B_KERNEL_U64 && n->builtin <= TAP_B_USER_U32) {
			/* the number at an address, 0 if it cannot be read */
			bool user = n->builtin >= TAP_B_USER_U64;
			int size = n->builtin == TAP_B_KERNEL_U64 || n->builtin == TAP_B_USER_U64 ?
				   8 : 4;
			int slot = stack_alloc(g, 8);

			gen_num(g, n->list);
			MOV_REG(R3, R0);
			ST_IMM(BPF_DW, FP, slot, 0);
			MOV_REG(R1, FP);
			ALU64_IMM(BPF_ADD, R1, slot);
			MOV_IMM(R2, size);
			CALL(user ? BPF_FUNC_probe_read_user : BPF_FUNC_probe_read_kernel);
			LDX(size == 8 ? BPF_DW : BPF_W, R0, FP, slot);
			g->stack -= 8;
			return;
		}
		if (n->builtin == TAP_B_KERNEL_V) {
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
		if (n->builtin == TAP_B_USTACK && g->c->ustack_dwarf) {
			gen_ustack_dwarf(g);
			return;
		}
		if (n->builtin == TAP_B_USTACK) {
			int slot = stack_alloc(g, 8);

			g->obj->uses_stacks = true;
			MOV_REG(R1, R6);
			ld_map(g, R2, TAP_MAP_STACKS);
			MOV_IMM(R3, BPF_F_USER_STACK);
			CALL(BPF_FUNC_get_stackid);
			count_stack_collision(g);
			gen_emit(g, BPF_ALU | BPF_MOV | BPF_X, R0, R0, 0, 0);	/* low 32 bits */
			STX(BPF_DW, FP, slot, R0);
			CALL(BPF_FUNC_get_current_pid_tgid);
			ALU64_IMM(BPF_RSH, R0, 32);
			ALU64_IMM(BPF_AND, R0, TAP_STACK_PID_MASK);
			ALU64_IMM(BPF_LSH, R0, 32);
			LDX(BPF_DW, R1, FP, slot);
			ALU64_REG(BPF_OR, R0, R1);
			gen_emit(g, BPF_LD | BPF_DW | BPF_IMM, R1, 0, 0, 0);
			gen_emit(g, 0, 0, 0, 0, (__s32)((TAP_STACK_USER | stack_depth(n)) >> 32));
			ALU64_REG(BPF_OR, R0, R1);
			g->stack -= 8;
			return;
		}
		if (n->builtin == TAP_B_STACK) {
			/* an id in the stack trace map; user space symbolizes it */
			g->obj->uses_stacks = true;
			MOV_REG(R1, R6);
			ld_map(g, R2, TAP_MAP_STACKS);
			MOV_IMM(R3, 0);
			CALL(BPF_FUNC_get_stackid);
			count_stack_collision(g);
			if (stack_depth(n)) {
				/* an id, not why there is none: with the frames to print */
				JMP_IMM(BPF_JSLT, R0, 0, 3);
				gen_emit(g, BPF_LD | BPF_DW | BPF_IMM, R1, 0, 0, 0);
				gen_emit(g, 0, 0, 0, 0, (__s32)(stack_depth(n) >> 32));
				ALU64_REG(BPF_OR, R0, R1);
			}
			return;
		}
		if (n->builtin >= TAP_B_COUNT && n->builtin <= TAP_B_MAX) {
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
