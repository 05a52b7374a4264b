// SPDX-License-Identifier: GPL-2.0
/*
 * ustack() with --call-graph dwarf: no walk in the kernel, but a snapshot
 * of the thread's user registers and of the user stack above its stack
 * pointer, sent as a TAP_REC_USTACK record for user space to unwind with
 * the mapped files' CFI, as perf record --call-graph dwarf samples do.
 * The value is a number naming the snapshot (TAP_STACK_DWARF).
 */
#include "gen.h"
#include "regs.h"

#define PAGE	4096

/*
 * Copy the stack from SP, at most @size bytes: the stack mapping ends on a
 * page boundary, often (in a main thread) less than @size above SP, and
 * bpf_probe_read_user() of a range that crosses its end reads nothing.  So
 * the copy ends at SP + @size, or else at each page boundary below it,
 * until one reads (a word probe would not do: the vdso is often mapped
 * just above the stack).  The length is left in TAP_USTACK_LEN, 0 if no
 * copy read.  @sp: the scratch offset of SP.
 */
static void gen_stack_copy(struct gen *g, unsigned int rec, unsigned int sp, unsigned int data,
			   unsigned int size)
{
	int end = stack_alloc(g, 8);
	struct fixup *done = NULL, *none = NULL;
	unsigned int i;

	LDX(BPF_DW, R1, R7, sp);
	ALU64_IMM(BPF_ADD, R1, size);
	STX(BPF_DW, FP, end, R1);
	for (i = 0; i <= size / PAGE; i++) {
		LDX(BPF_DW, R2, FP, end);
		LDX(BPF_DW, R3, R7, sp);
		ALU64_REG(BPF_SUB, R2, R3);
		/* at most size; an end below SP is a huge unsigned length */
		JMP_IMM(BPF_JLE, R2, size, 1);
		MOV_IMM(R2, 0);
		add_fixup(g, &none, JMP_IMM(BPF_JEQ, R2, 0, 0));
		STX(BPF_W, R7, rec + TAP_USTACK_LEN, R2);
		MOV_REG(R1, R7);
		ALU64_IMM(BPF_ADD, R1, data);
		CALL(BPF_FUNC_probe_read_user);
		add_fixup(g, &done, JMP_IMM(BPF_JEQ, R0, 0, 0));
		/* a page of the range is not there: end before the last one */
		LDX(BPF_DW, R1, FP, end);
		ALU64_IMM(BPF_ADD, R1, -1);
		ALU64_IMM(BPF_AND, R1, -PAGE);
		STX(BPF_DW, FP, end, R1);
	}
	patch_list_here(g, none);
	ST_IMM(BPF_W, R7, rec + TAP_USTACK_LEN, 0);
	patch_list_here(g, done);
	g->stack -= 8;
}

/* R0 = the value of ustack(): a snapshot sent for user space to unwind. */
void gen_ustack_dwarf(struct gen *g)
{
	unsigned int size = g->c->ustack_dwarf;
	unsigned int hdr = TAP_USTACK_REGS + TAP_REGS_SIZE;
	unsigned int rec = scratch_alloc(g, hdr + size);
	unsigned int regs = rec + TAP_USTACK_REGS, data = rec + hdr;
	unsigned int sp = regs + TAP_REGS_SP;
	struct tap_rec_def *def;
	unsigned int no_user;
	int id;

	g->obj->uses_stacks = true;
	def = gen_rec_new(g, TAP_REC_USTACK, &id);
	def->size = hdr;
	ST_IMM(BPF_W, R7, rec, id);
	ST_IMM(BPF_W, R7, rec + 4, 0);
	ST_IMM(BPF_W, R7, rec + TAP_USTACK_SIZE, size);
	ST_IMM(BPF_W, R7, rec + TAP_USTACK_SIZE + 4, 0);
	ST_IMM(BPF_W, R7, rec + TAP_USTACK_LEN, 0);

	/* the value: flags, process id and the snapshot's number */
	ld_map_value(g, R1, TAP_MAP_GLOBALS, TAP_G_USTACK_SEQ);
	MOV_IMM(R2, 1);
	gen_emit(g, BPF_STX | BPF_DW | BPF_ATOMIC, R1, R2, 0, BPF_ADD | BPF_FETCH);
	ALU64_IMM(BPF_AND, R2, 0x7fffffff);
	STX(BPF_DW, R7, rec + TAP_USTACK_VALUE, R2);
	CALL(BPF_FUNC_get_current_pid_tgid);
	STX(BPF_W, R7, rec + TAP_USTACK_TID, R0);
	ALU64_IMM(BPF_RSH, R0, 32);
	ALU64_IMM(BPF_AND, R0, TAP_STACK_PID_MASK);
	ALU64_IMM(BPF_LSH, R0, 32);
	LDX(BPF_DW, R1, R7, rec + TAP_USTACK_VALUE);
	ALU64_REG(BPF_OR, R0, R1);
	gen_emit(g, BPF_LD | BPF_DW | BPF_IMM, R1, 0, 0, 0);
	gen_emit(g, 0, 0, 0, 0, (__s32)((TAP_STACK_USER | TAP_STACK_DWARF) >> 32));
	ALU64_REG(BPF_OR, R0, R1);
	STX(BPF_DW, R7, rec + TAP_USTACK_VALUE, R0);

	/*
	 * The registers user space had when it entered the kernel, whatever
	 * the probe's context holds: a uprobe's and a timer's that interrupted
	 * user code are these, a timer's in the kernel and a tracepoint's are
	 * the kernel's own.  A kernel thread has none (its saved CS is not a
	 * user one): the record says no stack.
	 */
	CALL(BPF_FUNC_get_current_task_btf);
	MOV_REG(R1, R0);
	CALL(BPF_FUNC_task_pt_regs);
	MOV_REG(R3, R0);
	MOV_REG(R1, R7);
	ALU64_IMM(BPF_ADD, R1, regs);
	MOV_IMM(R2, TAP_REGS_SIZE);
	CALL(BPF_FUNC_probe_read_kernel);
	LDX(BPF_DW, R1, R7, regs + TAP_REGS_CS);
	ALU64_IMM(BPF_AND, R1, 3);
	no_user = JMP_IMM(BPF_JNE, R1, 3, 0);

	gen_stack_copy(g, rec, sp, data, size);

	/* the header, the registers and the bytes of stack read */
	patch_here(g, no_user);
	MOV_REG(R1, R6);
	ld_map(g, R2, TAP_MAP_EVENTS);
	gen_emit(g, BPF_ALU | BPF_MOV | BPF_K, R3, 0, 0, -1);	/* BPF_F_CURRENT_CPU */
	MOV_REG(R4, R7);
	ALU64_IMM(BPF_ADD, R4, rec);
	LDX(BPF_W, R5, R7, rec + TAP_USTACK_LEN);
	JMP_IMM(BPF_JLE, R5, size, 1);
	MOV_IMM(R5, 0);
	ALU64_IMM(BPF_ADD, R5, hdr);
	CALL(BPF_FUNC_perf_event_output);
	gen_count_output_failure(g);
	LDX(BPF_DW, R0, R7, rec + TAP_USTACK_VALUE);
}
