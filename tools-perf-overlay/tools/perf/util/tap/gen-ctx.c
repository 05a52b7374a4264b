// SPDX-License-Identifier: GPL-2.0
/*
 * What depends on how a program is attached: arg0..arg9 and $retval,
 * fields by name, argstr, and which of the matched events fired.
 */
#include <stdlib.h>
#include <string.h>

#include "gen.h"
#include "regs.h"

/*
 * arg0..arg9 and $retval.  What they are depends on how the block is
 * attached: at raw_syscalls, the syscall's arguments and return value in
 * pt_regs; as a perf tracepoint program on a syscalls:* event, the
 * record's fields after __syscall_nr; on any other tracepoint, the
 * tracepoint's own arguments (TP_PROTO), where $retval has no meaning (0).
 */
void gen_arg(struct gen *g, struct tap_node *n, enum tap_builtin b)
{
	int i = b - TAP_B_ARG0, slot;

	if (g->prog->kind != TAP_PROG_TRACE)
		tap_error(g->c, n->line, n->col, "'%s' has no value outside trace probes",
			  n->name);
	switch (g->variant) {
	case TAP_CODE_SYSCALL:
		if (b != TAP_B_RETVAL && i >= TAP_REGS_NR_ARGS) {
			MOV_IMM(R0, 0);		/* syscalls have six arguments */
			return;
		}
		slot = stack_alloc(g, 8);
		MOV_REG(R1, FP);
		ALU64_IMM(BPF_ADD, R1, slot);
		MOV_IMM(R2, 8);
		LDX(BPF_DW, R3, R6, 0);
		ALU64_IMM(BPF_ADD, R3, b == TAP_B_RETVAL ? TAP_REGS_RET : tap_regs_syscall_arg(i));
		CALL(BPF_FUNC_probe_read_kernel);
		LDX(BPF_DW, R0, FP, slot);
		g->stack -= 8;
		return;
	case TAP_CODE_KPROBE:
		/* a USDT block's are fields (sema), but not in the functions it calls */
		for (slot = 0; slot < g->prog->nr_specs; slot++)
			if (!strncmp(g->prog->specs[slot].text, "usdt:", 5) ||
			    !strncmp(g->prog->specs[slot].text, "sdt:", 4))
				tap_error(g->c, n->line, n->col,
					  "'%s' in a function called from a block of USDT probes: read it in the block and pass it",
					  n->name);
		/* the function's arguments and its value, as the calling convention puts them */
		if (b != TAP_B_RETVAL && i >= TAP_REGS_NR_ARGS) {
			MOV_IMM(R0, 0);
			return;
		}
		LDX(BPF_DW, R0, R6, b == TAP_B_RETVAL ? TAP_REGS_RET : tap_regs_arg(i));
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

/*
 * A USDT operand (provider-usdt.c) into scratch @tmp, at a uprobe: a
 * register of pt_regs, the user memory a register plus a displacement
 * points to, or a constant.  The context's registers are copied to
 * scratch first, where a register can be picked by a variable offset.
 * Jumps for operands that cannot be read are added to @none; returns
 * their new count.
 */
static unsigned int gen_usdt_operand(struct gen *g, unsigned int desc, unsigned int tmp,
				     unsigned int *none, unsigned int nn)
{
	unsigned int regs = scratch_alloc(g, TAP_REGS_SIZE), j_const, j_reg, j_read[2];

	ST_IMM(BPF_DW, R7, tmp, 0);
	MOV_REG(R1, R7);
	ALU64_IMM(BPF_ADD, R1, regs);
	MOV_IMM(R2, TAP_REGS_SIZE);
	MOV_REG(R3, R6);
	CALL(BPF_FUNC_probe_read_kernel);
	LDX(BPF_W, R1, R7, desc);		/* kind, and a register's offset above it */
	MOV_REG(R2, R1);
	ALU64_IMM(BPF_AND, R2, 0xff);
	j_const = JMP_IMM(BPF_JNE, R2, TAP_FIELD_USDT_CONST, 0);
	LDX(BPF_W, R0, R7, desc + 4);
	ALU64_IMM(BPF_LSH, R0, 32);
	ALU64_IMM(BPF_ARSH, R0, 32);
	STX(BPF_DW, R7, tmp, R0);
	j_read[0] = JA(0);
	patch_here(g, j_const);
	j_reg = JMP_IMM(BPF_JNE, R2, TAP_FIELD_USDT_REG, 0);
	LDX(BPF_W, R3, R7, desc + 4);
	none[nn++] = JMP_IMM(BPF_JGT, R3, TAP_REGS_SIZE - 8, 0);
	MOV_REG(R1, R7);
	ALU64_IMM(BPF_ADD, R1, regs);
	ALU64_REG(BPF_ADD, R1, R3);
	LDX(BPF_DW, R0, R1, 0);
	STX(BPF_DW, R7, tmp, R0);
	j_read[1] = JA(0);
	patch_here(g, j_reg);
	none[nn++] = JMP_IMM(BPF_JNE, R2, TAP_FIELD_USDT_MEM, 0);
	ALU64_IMM(BPF_RSH, R1, 8);
	none[nn++] = JMP_IMM(BPF_JGT, R1, TAP_REGS_SIZE - 8, 0);
	MOV_REG(R3, R7);
	ALU64_IMM(BPF_ADD, R3, regs);
	ALU64_REG(BPF_ADD, R3, R1);
	LDX(BPF_DW, R3, R3, 0);			/* the register */
	LDX(BPF_W, R1, R7, desc + 4);
	ALU64_IMM(BPF_LSH, R1, 32);
	ALU64_IMM(BPF_ARSH, R1, 32);		/* the displacement */
	ALU64_REG(BPF_ADD, R3, R1);
	LDX(BPF_W, R2, R7, desc + 8);		/* the size: 1, 2, 4 or 8 bytes */
	ALU64_IMM(BPF_AND, R2, 0xf);
	none[nn++] = JMP_IMM(BPF_JGT, R2, 8, 0);
	MOV_REG(R1, R7);
	ALU64_IMM(BPF_ADD, R1, tmp);
	CALL(BPF_FUNC_probe_read_user);
	patch_here(g, j_read[0]);
	patch_here(g, j_read[1]);
	return nn;
}

void gen_field(struct gen *g, struct tap_node *n, unsigned int dst)
{
	bool str = kind_of(n) == TAP_T_STR;
	unsigned int desc = scratch_alloc(g, sizeof(struct tap_field)), tmp = scratch_alloc(g, 8);
	unsigned int none[8], nn = 0, j, k;

	if (g->prog->kind != TAP_PROG_TRACE)
		tap_error(g->c, n->line, n->col, "'arg.%s' has no value outside trace probes",
			  n->name);
	g->uses_event = true;
	g->prog->uses_argstr = true;
	if (str)
		zero_mem(g, R7, dst, str_size(g));
	if (g->variant != TAP_CODE_SYSCALL && g->variant != TAP_CODE_PERF_TP &&
	    (g->variant != TAP_CODE_KPROBE || str)) {
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
	if (g->variant == TAP_CODE_KPROBE) {
		/*
		 * A kprobed function's argument by name (TAP_FIELD_REGS: an
		 * offset into pt_regs, the program's context), else a USDT
		 * operand.
		 */
		unsigned int j_usdt = JMP_IMM(BPF_JNE, R1, TAP_FIELD_REGS, 0), j_read;

		ALU64_REG(BPF_ADD, R3, R6);
		MOV_REG(R1, R7);
		ALU64_IMM(BPF_ADD, R1, tmp);
		MOV_IMM(R2, 8);
		CALL(BPF_FUNC_probe_read_kernel);
		j_read = JA(0);
		patch_here(g, j_usdt);
		nn = gen_usdt_operand(g, desc, tmp, none, nn);
		patch_here(g, j_read);
		gen_field_truncate(g, desc, tmp);
		goto done;
	}
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
	if (kind_of(n) == TAP_T_KMEM) {
		/* a byte array in the record: its address */
		none[nn++] = JMP_IMM(BPF_JEQ, R1, TAP_FIELD_NONE, 0);
		MOV_REG(R0, R6);
		ALU64_REG(BPF_ADD, R0, R3);
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

/*
 * argstr: what user space needs to format the event as perf script does.
 * At raw_syscalls that is pt_regs (the record is built from it); as a
 * perf tracepoint program, the record itself, which ctx points at.  Raw
 * tracepoints have no record: blocks using argstr never attach that way.
 */
void gen_argstr(struct gen *g, unsigned int dst)
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
		MOV_IMM(R2, TAP_REGS_SIZE);
		LDX(BPF_DW, R3, R6, 0);
	} else {
		MOV_IMM(R2, TAP_ARGSTR_DATA);
		MOV_REG(R3, R6);
	}
	CALL(BPF_FUNC_probe_read_kernel);
}

/*
 * SLOT_EVENT = the event that fired.  Plain attachments carry the event
 * index as their cookie.  syscalls:* views are attached once at
 * raw_syscalls:sys_enter/sys_exit and dispatch on the syscall number
 * through TAP_MAP_SYSCALLS; numbers not traced end the program.
 */
void prologue_event(struct gen *g, bool syscalls)
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
		ALU64_IMM(BPF_ADD, R3, TAP_REGS_SYSCALL_NR);
		CALL(BPF_FUNC_probe_read_kernel);
		LDX(BPF_DW, R3, FP, SLOT_KEY);
		patch_here(g, j_enter);
		jump_to_exit(g, JMP_IMM(BPF_JGE, R3, TAP_SYSCALL_SLOTS, 0));
		LDX(BPF_DW, R0, FP, SLOT_EVENT);
		ALU64_IMM(BPF_AND, R0, (1 << 30) - 1);
		ALU64_REG(BPF_ADD, R0, R3);
		gen_lookup_u32_or_exit(g, TAP_MAP_SYSCALLS);
		ALU64_IMM(BPF_SUB, R0, 1);
		patch_here(g, j_plain);
	}
	STX(BPF_DW, FP, SLOT_EVENT, R0);
}

/* Copy @size bytes of kernel memory at R3 to the key slot (zeroed on failure). */
static void read_kernel_to_slot(struct gen *g, int size)
{
	MOV_REG(R1, FP);
	ALU64_IMM(BPF_ADD, R1, SLOT_KEY);
	MOV_IMM(R2, size);
	CALL(BPF_FUNC_probe_read_kernel);
}

/*
 * The key slot = @size bytes at task R3 + globals[@off_slot], an offset
 * in struct task_struct the runtime found in the kernel's BTF; 0 where it
 * found none.
 */
static void task_read(struct gen *g, unsigned int off_slot, int size)
{
	unsigned int unknown;

	ST_IMM(BPF_DW, FP, SLOT_KEY, 0);
	ld_map_value(g, R1, TAP_MAP_GLOBALS, off_slot);
	LDX(BPF_DW, R2, R1, 0);
	unknown = JMP_IMM(BPF_JEQ, R2, 0, 0);
	ALU64_REG(BPF_ADD, R3, R2);
	read_kernel_to_slot(g, size);
	patch_here(g, unknown);
}

/* R0 = the tgid of task R3. */
static void task_tgid(struct gen *g)
{
	task_read(g, TAP_G_TASK_TGID, 4);
	LDX(BPF_W, R0, FP, SLOT_KEY);
}

/* ppid: current->real_parent->tgid. */
void gen_ppid(struct gen *g)
{
	g->obj->uses_task = true;
	CALL(BPF_FUNC_get_current_task);
	MOV_REG(R3, R0);
	task_read(g, TAP_G_TASK_PARENT, 8);
	LDX(BPF_DW, R3, FP, SLOT_KEY);
	task_tgid(g);
}

/* The tgid in the key slot becomes a target. */
static void add_target(struct gen *g)
{
	ST_IMM(BPF_W, FP, SLOT_KEY - 8, 1);
	ld_map(g, R1, TAP_MAP_TARGETS);
	MOV_REG(R2, FP);
	ALU64_IMM(BPF_ADD, R2, SLOT_KEY);
	MOV_REG(R3, FP);
	ALU64_IMM(BPF_ADD, R3, SLOT_KEY - 8);
	MOV_IMM(R4, BPF_ANY);
	CALL(BPF_FUNC_map_update_elem);
}

/*
 * The program that follows children (-p, -- cmd): at sched_process_fork
 * (raw tracepoint: args[0] the parent, args[1] the child, in the parent's
 * context) a target's child becomes a target.  Threads share the tgid.
 */
void gen_follow_body(struct gen *g)
{
	ld_map_value(g, R1, TAP_MAP_GLOBALS, TAP_G_TARGET);
	LDX(BPF_DW, R2, R1, 0);
	jump_to_exit(g, JMP_IMM(BPF_JEQ, R2, 0, 0));
	CALL(BPF_FUNC_get_current_pid_tgid);
	ALU64_IMM(BPF_RSH, R0, 32);
	gen_lookup_u32_or_exit(g, TAP_MAP_TARGETS);
	LDX(BPF_DW, R3, R6, 8);
	task_tgid(g);
	jump_to_exit(g, JMP_IMM(BPF_JEQ, R0, 0, 0));
	add_target(g);
}

/*
 * The program that makes the command a target when it execs (attached at
 * sched_process_exec, in the exec'ing task), as perf record's
 * enable_on_exec does: what perf tap's child does before exec is not the
 * command's.
 */
void gen_exec_body(struct gen *g)
{
	CALL(BPF_FUNC_get_current_pid_tgid);
	ALU64_IMM(BPF_RSH, R0, 32);
	ld_map_value(g, R1, TAP_MAP_GLOBALS, TAP_G_CPID);
	LDX(BPF_DW, R2, R1, 0);
	jump_to_exit(g, JMP_REG(BPF_JNE, R0, R2, 0));
	jump_to_exit(g, JMP_IMM(BPF_JEQ, R2, 0, 0));
	STX(BPF_W, FP, SLOT_KEY, R0);
	add_target(g);
}
