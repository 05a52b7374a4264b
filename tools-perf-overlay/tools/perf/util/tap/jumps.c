// SPDX-License-Identifier: GPL-2.0
/*
 * Jump fix-ups for generated code: every jump's distance is known only
 * when the whole program (body, exit label, callbacks) is laid out, and a
 * BPF jump holds it in 16 bits.  A distance that does not fit must never
 * be truncated: a truncated 'if' or filter jump lands somewhere valid and
 * the verifier accepts it, so a filter could be skipped silently.
 *
 * So while code is generated, jump distances are kept in full (an int per
 * instruction beside the code), and tap_jumps_resolve() writes them at
 * the end, rewriting the jumps that are too long:
 *
 *	goto L		->  gotol L			(BPF_JMP32 | BPF_JA, 32-bit imm)
 *	if (c) goto L	->  if (c) goto +1; goto +1; gotol L
 *
 * The rewrite inserts instructions, which may push other jumps out of
 * range, so it repeats until nothing changes; jumps only grow, so it ends.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "jumps.h"

enum { PLAIN, LONG_GOTO, LONG_COND };

bool tap_insn_is_jump(const struct bpf_insn *insn)
{
	__u8 class = BPF_CLASS(insn->code), op = BPF_OP(insn->code);

	return (class == BPF_JMP || class == BPF_JMP32) && op != BPF_CALL && op != BPF_EXIT;
}

/* ld_imm64 of a callback's address: its imm is a distance in instructions. */
static bool is_func_ref(const struct bpf_insn *insn)
{
	return insn->code == (BPF_LD | BPF_DW | BPF_IMM) && insn->src_reg == BPF_PSEUDO_FUNC;
}

static int insn_size(int how)
{
	return how == LONG_COND ? 3 : 1;
}

/* New positions of the old instructions under the current choices. */
static void layout(const unsigned char *how, unsigned int cnt, unsigned int *pos)
{
	unsigned int i, at = 0;

	for (i = 0; i < cnt; i++) {
		pos[i] = at;
		at += insn_size(how[i]);
	}
	pos[cnt] = at;
}

static bool fits_off(long long d)
{
	return d >= SHRT_MIN && d <= SHRT_MAX;
}

/* Choose which jumps to rewrite; target[i] is the old index a jump goes to. */
static void choose(unsigned char *how, const unsigned int *target, unsigned int cnt,
		   const struct bpf_insn *insns, unsigned int *pos)
{
	bool changed = true;
	unsigned int i;

	while (changed) {
		changed = false;
		layout(how, cnt, pos);
		for (i = 0; i < cnt; i++) {
			long long d;

			if (how[i] != PLAIN || !tap_insn_is_jump(&insns[i]))
				continue;
			d = (long long)pos[target[i]] - pos[i] - 1;
			if (fits_off(d))
				continue;
			how[i] = BPF_OP(insns[i].code) == BPF_JA ? LONG_GOTO : LONG_COND;
			changed = true;
		}
	}
}

static struct bpf_insn gotol(long long d)
{
	return (struct bpf_insn){ .code = BPF_JMP32 | BPF_JA | BPF_K, .imm = (__s32)d };
}

int tap_jumps_resolve(struct tap_code_buf *buf, unsigned int *func_off, int nr_funcs)
{
	unsigned int cnt = buf->cnt, *target, *pos, i, j, n;
	struct bpf_insn *insns = NULL;
	unsigned char *how;
	int *lines = NULL, k, err = -1;

	target = calloc(cnt + 1, sizeof(*target));
	pos = calloc(cnt + 1, sizeof(*pos));
	how = calloc(cnt + 1, 1);
	if (!target || !pos || !how)
		goto out;
	for (i = 0; i < cnt; i++) {
		long long t;

		if (tap_insn_is_jump(&buf->insns[i]))
			t = (long long)i + 1 + buf->joff[i];
		else if (is_func_ref(&buf->insns[i]))
			t = (long long)i + 1 + buf->insns[i].imm;
		else
			continue;
		if (t < 0 || t > cnt)
			goto out;	/* a generator bug: never emit it */
		target[i] = (unsigned int)t;
	}
	choose(how, target, cnt, buf->insns, pos);
	n = pos[cnt];
	insns = calloc(n, sizeof(*insns));
	lines = calloc(n, sizeof(*lines));
	if (!insns || !lines)
		goto out;
	for (i = 0, j = 0; i < cnt; i++) {
		struct bpf_insn insn = buf->insns[i];
		long long d = (long long)pos[target[i]] - pos[i] - 1;

		if (is_func_ref(&insn)) {
			insn.imm = (__s32)d;
		} else if (how[i] == LONG_GOTO) {
			insn = gotol(d);
		} else if (how[i] == LONG_COND) {
			insn.off = 1;
			lines[j] = buf->lines[i];
			insns[j++] = insn;
			lines[j] = buf->lines[i];
			insns[j++] = (struct bpf_insn){ .code = BPF_JMP | BPF_JA, .off = 1 };
			insn = gotol(d - 2);
		} else if (tap_insn_is_jump(&insn)) {
			insn.off = (__s16)d;
		}
		lines[j] = buf->lines[i];
		insns[j++] = insn;
	}
	for (k = 0; k < nr_funcs; k++)
		func_off[k] = pos[func_off[k]];
	buf->insns = insns;
	buf->lines = lines;
	buf->cnt = n;
	insns = NULL;
	lines = NULL;
	err = 0;
out:
	free(insns);
	free(lines);
	free(target);
	free(pos);
	free(how);
	return err;
}
