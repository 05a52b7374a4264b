/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __TAP_JUMPS_H
#define __TAP_JUMPS_H

#include <stdbool.h>
#include <linux/bpf.h>

/* A program as generated: jump distances in full beside the code. */
struct tap_code_buf {
	struct bpf_insn *insns;
	int *lines;		/* script line of each instruction */
	int *joff;		/* jumps: the distance, which .off may not hold */
	unsigned int cnt;
};

/* A conditional or unconditional jump (not a call or an exit). */
bool tap_insn_is_jump(const struct bpf_insn *insn);

/*
 * Write every jump's distance into the code, rewriting those that do not
 * fit in 16 bits, and move @func_off (where callbacks start) to match.
 * On success @buf holds new malloc'ed insns and lines (joff is left as it
 * was); -1 if out of memory.
 */
int tap_jumps_resolve(struct tap_code_buf *buf, unsigned int *func_off, int nr_funcs);

#endif /* __TAP_JUMPS_H */
