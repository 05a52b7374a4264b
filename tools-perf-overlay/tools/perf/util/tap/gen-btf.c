// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel data typed from BTF (sema-btf.c worked out every read): members
 * through pointers, elements of fixed arrays, casts, and what formats
 * kernel data as text, ntop() and hex().
 *
 * The value of kernel data (a struct, an array) is its address.  Each
 * read is a bpf_probe_read_kernel() into the stack, chained: p->a->b
 * reads the pointer p->a, then b at its offset.  A read that faults (a
 * NULL pointer on the way) gives 0, or "" for a string, as kernel_u64()
 * and kernel_string() do.
 */
#include <string.h>

#include "gen.h"

/* r0 = the address member or element @n is at. */
static void gen_addr(struct gen *g, struct tap_node *n)
{
	struct tap_kread *kr = n->kread;
	int slot;

	if (n->kind == TAP_N_MEMBER) {
		/* '->': the pointer's value; '.': the address of the struct */
		gen_num(g, n->a);
		if (kr->off)
			ALU64_IMM(BPF_ADD, R0, kr->off);
		return;
	}
	slot = stack_alloc(g, 8);
	gen_num(g, n->a);
	STX(BPF_DW, FP, slot, R0);
	gen_num(g, n->list);
	MOV_REG(R1, R0);
	/* an index outside the array reads address 0: the read fails, 0 */
	MOV_IMM(R0, 0);
	if (kr->nelems)
		JMP_IMM(BPF_JGE, R1, kr->nelems, 3);
	ALU64_IMM(BPF_MUL, R1, kr->elem_size);
	LDX(BPF_DW, R0, FP, slot);
	ALU64_REG(BPF_ADD, R0, R1);
	g->stack -= 8;
}

/*
 * A member or element as a number (an integer, an enum, a pointer; a
 * bitfield cut out of the bytes that hold it), or the address of kernel
 * data; a cast is its operand's number.
 */
void gen_btf_num(struct gen *g, struct tap_node *n)
{
	struct tap_kread *kr = n->kread;
	int slot;

	if (n->kind == TAP_N_CAST) {
		gen_num(g, n->a);
		return;
	}
	gen_addr(g, n);
	/* kernel data, or a char array indexed: the address */
	if (kind_of(n) == TAP_T_KMEM || kind_of(n) == TAP_T_STR)
		return;
	slot = stack_alloc(g, 8);
	MOV_REG(R3, R0);
	ST_IMM(BPF_DW, FP, slot, 0);
	MOV_REG(R1, FP);
	ALU64_IMM(BPF_ADD, R1, slot);
	MOV_IMM(R2, kr->size);
	CALL(BPF_FUNC_probe_read_kernel);
	LDX(BPF_DW, R0, FP, slot);
	if (kr->bit_size) {
		/* little endian: the field's bits, from bit_off up */
		if (64 - kr->bit_off - kr->bit_size)
			ALU64_IMM(BPF_LSH, R0, 64 - kr->bit_off - kr->bit_size);
		ALU64_IMM(kr->is_signed ? BPF_ARSH : BPF_RSH, R0, 64 - kr->bit_size);
	} else if (kr->size < 8 && kr->is_signed) {
		ALU64_IMM(BPF_LSH, R0, 64 - 8 * kr->size);
		ALU64_IMM(BPF_ARSH, R0, 64 - 8 * kr->size);
	}
	g->stack -= 8;
}

/* An array of char as a string: up to its NUL, cut to the string size. */
void gen_btf_str(struct gen *g, struct tap_node *n, unsigned int dst)
{
	unsigned int size = n->kread->size;

	if (!size || size > str_size(g))
		size = str_size(g);
	gen_addr(g, n);
	MOV_REG(R3, R0);
	zero_mem(g, R7, dst, str_size(g));
	MOV_REG(R1, R7);
	ALU64_IMM(BPF_ADD, R1, dst);
	MOV_IMM(R2, size);
	CALL(BPF_FUNC_probe_read_kernel_str);
}

/*
 * An IPv6 address in RFC 5952's text form, into scratch @dst: the 16 bytes
 * at the address in stack slot @src.  bpf_snprintf()'s %pI6 prints all
 * eight groups with their leading zeros, so the groups are formatted with
 * %x, the longest run of two or more zero groups (the first of equal
 * ones) written "::".  A format fits each place and length of that run;
 * the groups printed are gathered into an array for it.
 */
static void gen_ntop6(struct gen *g, int src, unsigned int dst)
{
	unsigned int bytes = scratch_alloc(g, 16), grp = scratch_alloc(g, 64);
	unsigned int data = scratch_alloc(g, 64), i, j, at;
	int map = TAP_MAP_TABLE0 + g->sema->ntables, start, len;
	struct fixup *to_call = NULL;

	MOV_REG(R1, R7);
	ALU64_IMM(BPF_ADD, R1, bytes);
	MOV_IMM(R2, 16);
	LDX(BPF_DW, R3, FP, src);
	CALL(BPF_FUNC_probe_read_kernel);
	for (i = 0; i < 8; i++) {
		/* group i, big endian */
		LDX(BPF_B, R1, R7, bytes + 2 * i);
		ALU64_IMM(BPF_LSH, R1, 8);
		LDX(BPF_B, R2, R7, bytes + 2 * i + 1);
		ALU64_REG(BPF_OR, R1, R2);
		STX(BPF_DW, R7, grp + 8 * i, R1);
	}
	/* r3 = the longest run's length, r4 its first group, r5 the current run's */
	MOV_IMM(R3, 0);
	MOV_IMM(R4, 8);
	MOV_IMM(R5, 0);
	for (i = 0; i < 8; i++) {
		unsigned int zero, next, shorter;

		LDX(BPF_DW, R1, R7, grp + 8 * i);
		zero = JMP_IMM(BPF_JEQ, R1, 0, 0);
		MOV_IMM(R5, 0);
		next = JA(0);
		patch_here(g, zero);
		ALU64_IMM(BPF_ADD, R5, 1);
		shorter = JMP_REG(BPF_JLE, R5, R3, 0);
		MOV_REG(R3, R5);
		MOV_IMM(R4, i + 1);
		ALU64_REG(BPF_SUB, R4, R5);
		patch_here(g, shorter);
		patch_here(g, next);
	}
	/* a single zero group is not shortened */
	JMP_IMM(BPF_JGE, R3, 2, 2);
	MOV_IMM(R3, 0);
	MOV_IMM(R4, 8);
	/* the groups outside [r4, r4 + r3) into data, in order; r5 counts them */
	MOV_REG(R2, R4);
	ALU64_REG(BPF_ADD, R2, R3);
	MOV_IMM(R5, 0);
	for (i = 0; i < 8; i++) {
		unsigned int before = JMP_IMM(BPF_JGT, R4, i, 0);
		unsigned int inside = JMP_IMM(BPF_JGT, R2, i, 0);

		patch_here(g, before);
		LDX(BPF_DW, R1, R7, grp + 8 * i);
		MOV_REG(R0, R5);
		ALU64_IMM(BPF_AND, R0, 7);
		ALU64_IMM(BPF_LSH, R0, 3);
		ALU64_REG(BPF_ADD, R0, R7);
		STX(BPF_DW, R0, data, R1);
		ALU64_IMM(BPF_ADD, R5, 1);
		patch_here(g, inside);
	}
	/* the format of this run: r3 its format, r5 the bytes of its values */
	MOV_REG(R0, R4);
	ALU64_IMM(BPF_LSH, R0, 4);
	ALU64_REG(BPF_ADD, R0, R3);
	for (len = 8; len >= 0; len--) {
		for (start = 0; start + len <= 8; start++) {
			char fmt[32] = "";
			unsigned int skip = 0;

			if (len == 1 || (!len && start != 8 - len))
				continue;
			for (j = 0; j < 8; j++) {
				if (len && j == (unsigned int)start)
					strcat(fmt, "::");
				if (len && j >= (unsigned int)start &&
				    j < (unsigned int)(start + len))
					continue;
				if (*fmt && fmt[strlen(fmt) - 1] != ':')
					strcat(fmt, ":");
				strcat(fmt, "%x");
			}
			at = gen_rodata(g, fmt, strlen(fmt));
			if (len)
				skip = JMP_IMM(BPF_JNE, R0, start * 16 + len, 0);
			ld_map_value(g, R3, map, at);
			MOV_IMM(R5, 8 * (8 - len));
			if (len) {
				add_fixup(g, &to_call, JA(0));
				patch_here(g, skip);
			}
		}
	}
	patch_list_here(g, to_call);
	zero_mem(g, R7, dst, str_size(g));
	MOV_REG(R1, R7);
	ALU64_IMM(BPF_ADD, R1, dst);
	MOV_IMM(R2, str_size(g));
	MOV_REG(R4, R7);
	ALU64_IMM(BPF_ADD, R4, data);
	CALL(BPF_FUNC_snprintf);
}

/*
 * ntop([af,] x): an IPv4 address through bpf_snprintf()'s %pI4, which
 * reads its 4 bytes itself; an IPv6 one by gen_ntop6().  A number is an
 * IPv4 address as it was in memory: its low 4 bytes are stored and
 * formatted.  With an address family, 16 bytes are IPv6 when af is
 * AF_INET6, else IPv4.
 */
void gen_ntop(struct gen *g, struct tap_node *n, unsigned int dst)
{
	struct tap_node *af = n->list->next ? n->list : NULL, *x = af ? n->list->next : n->list;
	bool num = kind_of(x) != TAP_T_KMEM;
	unsigned int size = num ? 4 : sema_kmem_size(x->type);
	unsigned int fmt4 = gen_rodata(g, "%pI4", 4), tmp = scratch_alloc(g, 8), v4 = 0, end = 0;
	int data = stack_alloc(g, 8), fam = stack_alloc(g, 8);

	if (af) {
		gen_num(g, af);
		STX(BPF_DW, FP, fam, R0);
	}
	gen_num(g, x);
	if (num) {
		STX(BPF_W, R7, tmp, R0);
		MOV_REG(R0, R7);
		ALU64_IMM(BPF_ADD, R0, tmp);
	}
	STX(BPF_DW, FP, data, R0);
	if (size == 16) {
		if (af) {
			LDX(BPF_DW, R0, FP, fam);
			v4 = JMP_IMM(BPF_JNE, R0, 10, 0);	/* not AF_INET6 */
		}
		gen_ntop6(g, data, dst);
		if (!af) {
			g->stack -= 16;
			return;
		}
		end = JA(0);
		patch_here(g, v4);
	}
	zero_mem(g, R7, dst, str_size(g));
	MOV_REG(R1, R7);
	ALU64_IMM(BPF_ADD, R1, dst);
	MOV_IMM(R2, str_size(g));
	ld_map_value(g, R3, TAP_MAP_TABLE0 + g->sema->ntables, fmt4);
	MOV_REG(R4, FP);
	ALU64_IMM(BPF_ADD, R4, data);
	MOV_IMM(R5, 8);
	CALL(BPF_FUNC_snprintf);
	if (size == 16)
		patch_here(g, end);
	g->stack -= 16;
}

/*
 * hex(x): two lowercase hex digits per byte of kernel data x, as many
 * bytes as the string holds ((--str-size - 1) / 2).
 */
void gen_hex(struct gen *g, struct tap_node *n, unsigned int dst)
{
	unsigned int size = sema_kmem_size(n->list->type), i, k;
	unsigned int bytes = scratch_alloc(g, str_size(g));

	if (size > (str_size(g) - 1) / 2)
		size = (str_size(g) - 1) / 2;
	gen_num(g, n->list);
	MOV_REG(R3, R0);
	zero_mem(g, R7, bytes, str_size(g));
	MOV_REG(R1, R7);
	ALU64_IMM(BPF_ADD, R1, bytes);
	MOV_IMM(R2, size);
	CALL(BPF_FUNC_probe_read_kernel);
	zero_mem(g, R7, dst, str_size(g));
	for (i = 0; i < size; i++) {
		LDX(BPF_B, R1, R7, bytes + i);
		for (k = 0; k < 2; k++) {
			MOV_REG(R2, R1);
			if (k == 0)
				ALU64_IMM(BPF_RSH, R2, 4);
			ALU64_IMM(BPF_AND, R2, 15);
			ALU64_IMM(BPF_ADD, R2, '0');
			JMP_IMM(BPF_JLE, R2, '9', 1);
			ALU64_IMM(BPF_ADD, R2, 'a' - '9' - 1);
			STX(BPF_B, R7, dst + 2 * i + k, R2);
		}
	}
}
