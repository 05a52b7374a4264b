/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Where a probed context keeps its values in struct pt_regs: the one
 * place that knows the architecture.  Offsets come from the UAPI layout
 * of pt_regs, which is the kernel's on x86_64.  Other architectures are
 * refused at build time until their registers are added here.
 */
#ifndef __TAP_REGS_H
#define __TAP_REGS_H

#include <stddef.h>
#include <asm/ptrace.h>

#if defined(__x86_64__)

#define TAP_REGS_SIZE		((int)sizeof(struct pt_regs))
#define TAP_REGS_NR_ARGS	6
/* a function's or a system call's return value */
#define TAP_REGS_RET		((int)offsetof(struct pt_regs, rax))
/* at a system call: its number */
#define TAP_REGS_SYSCALL_NR	((int)offsetof(struct pt_regs, orig_rax))
/* ustack() snapshots: the stack pointer, and the code segment (user mode: CPL 3) */
#define TAP_REGS_SP		((int)offsetof(struct pt_regs, rsp))
#define TAP_REGS_CS		((int)offsetof(struct pt_regs, cs))

/* Argument @i (< TAP_REGS_NR_ARGS) of a function: the C calling convention. */
static inline int tap_regs_arg(int i)
{
	static const int off[TAP_REGS_NR_ARGS] = {
		offsetof(struct pt_regs, rdi), offsetof(struct pt_regs, rsi),
		offsetof(struct pt_regs, rdx), offsetof(struct pt_regs, rcx),
		offsetof(struct pt_regs, r8), offsetof(struct pt_regs, r9),
	};

	return off[i];
}

/* Argument @i of a system call: r10 takes the place of rcx. */
static inline int tap_regs_syscall_arg(int i)
{
	return i == 3 ? (int)offsetof(struct pt_regs, r10) : tap_regs_arg(i);
}

#else
#error "perf tap: add where this architecture keeps arguments in pt_regs to util/tap/regs.h"
#endif

#endif /* __TAP_REGS_H */
