// SPDX-License-Identifier: GPL-2.0
/*
 * --dump-bpf: a small BPF disassembler that prints each instruction next
 * to the script line that produced it.
 */
#include <stdio.h>

#include "object.h"

static const char *alu_name(int op)
{
	switch (op) {
	case BPF_ADD: return "+=";
	case BPF_SUB: return "-=";
	case BPF_MUL: return "*=";
	case BPF_DIV: return "/=";
	case BPF_OR: return "|=";
	case BPF_AND: return "&=";
	case BPF_LSH: return "<<=";
	case BPF_RSH: return ">>=";
	case BPF_MOD: return "%=";
	case BPF_XOR: return "^=";
	case BPF_MOV: return "=";
	case BPF_ARSH: return "s>>=";
	default: return "?=";
	}
}

static const char *jmp_name(int op)
{
	switch (op) {
	case BPF_JEQ: return "==";
	case BPF_JGT: return ">";
	case BPF_JGE: return ">=";
	case BPF_JSET: return "&";
	case BPF_JNE: return "!=";
	case BPF_JSGT: return "s>";
	case BPF_JSGE: return "s>=";
	case BPF_JLT: return "<";
	case BPF_JLE: return "<=";
	case BPF_JSLT: return "s<";
	case BPF_JSLE: return "s<=";
	default: return "?";
	}
}

static const char *size_name(int size)
{
	switch (size) {
	case BPF_B: return "u8";
	case BPF_H: return "u16";
	case BPF_W: return "u32";
	default: return "u64";
	}
}

static const char *helper_name(int id)
{
	switch (id) {
	case BPF_FUNC_map_lookup_elem: return "map_lookup_elem";
	case BPF_FUNC_map_update_elem: return "map_update_elem";
	case BPF_FUNC_map_delete_elem: return "map_delete_elem";
	case BPF_FUNC_probe_read_kernel: return "probe_read_kernel";
	case BPF_FUNC_get_current_pid_tgid: return "get_current_pid_tgid";
	case BPF_FUNC_get_current_uid_gid: return "get_current_uid_gid";
	case BPF_FUNC_get_current_comm: return "get_current_comm";
	case BPF_FUNC_get_smp_processor_id: return "get_smp_processor_id";
	case BPF_FUNC_perf_event_output: return "perf_event_output";
	case BPF_FUNC_get_attach_cookie: return "get_attach_cookie";
	case BPF_FUNC_for_each_map_elem: return "for_each_map_elem";
	case BPF_FUNC_get_stackid: return "get_stackid";
	case BPF_FUNC_loop: return "loop";
	case BPF_FUNC_this_cpu_ptr: return "this_cpu_ptr";
	case BPF_FUNC_ktime_get_ns: return "ktime_get_ns";
	case BPF_FUNC_map_lookup_percpu_elem: return "map_lookup_percpu_elem";
	case BPF_FUNC_probe_read_user_str: return "probe_read_user_str";
	case BPF_FUNC_probe_read_kernel_str: return "probe_read_kernel_str";
	default: return "helper";
	}
}

/* Print one instruction; returns how many slots it used (ld_imm64: 2). */
static int print_insn(FILE *fp, const struct bpf_insn *insn, const struct tap_object *obj)
{
	int cls = BPF_CLASS(insn->code), op = BPF_OP(insn->code);
	const char *w = cls == BPF_ALU ? "w" : "r";

	switch (cls) {
	case BPF_ALU:
	case BPF_ALU64:
		if (op == BPF_NEG) {
			fprintf(fp, "%s%d = -%s%d", w, insn->dst_reg, w, insn->dst_reg);
		} else if (BPF_SRC(insn->code) == BPF_X) {
			fprintf(fp, "%s%d %s%s %s%d", w, insn->dst_reg,
				insn->off == 1 ? "s" : "", alu_name(op), w, insn->src_reg);
		} else {
			fprintf(fp, "%s%d %s %d", w, insn->dst_reg, alu_name(op), insn->imm);
		}
		return 1;
	case BPF_LDX:
		fprintf(fp, "r%d = *(%s *)(r%d %+d)", insn->dst_reg,
			size_name(BPF_SIZE(insn->code)), insn->src_reg, insn->off);
		return 1;
	case BPF_ST:
		fprintf(fp, "*(%s *)(r%d %+d) = %d", size_name(BPF_SIZE(insn->code)),
			insn->dst_reg, insn->off, insn->imm);
		return 1;
	case BPF_STX:
		if (BPF_MODE(insn->code) == BPF_ATOMIC)
			fprintf(fp, "lock *(%s *)(r%d %+d) += r%d",
				size_name(BPF_SIZE(insn->code)), insn->dst_reg, insn->off,
				insn->src_reg);
		else
			fprintf(fp, "*(%s *)(r%d %+d) = r%d", size_name(BPF_SIZE(insn->code)),
				insn->dst_reg, insn->off, insn->src_reg);
		return 1;
	case BPF_LD:
		if (insn->src_reg == BPF_PSEUDO_MAP_FD)
			fprintf(fp, "r%d = map[%s]", insn->dst_reg, obj->maps[insn->imm].name);
		else if (insn->src_reg == BPF_PSEUDO_FUNC)
			fprintf(fp, "r%d = callback %+d", insn->dst_reg, insn->imm);
		else if (insn->src_reg == BPF_PSEUDO_MAP_VALUE)
			fprintf(fp, "r%d = &map[%s][%d]", insn->dst_reg,
				obj->maps[insn->imm].name, insn[1].imm);
		else
			fprintf(fp, "r%d = %#llx", insn->dst_reg,
				(unsigned long long)(__u32)insn->imm |
				((unsigned long long)(__u32)insn[1].imm << 32));
		return 2;
	case BPF_JMP:
		if (op == BPF_EXIT)
			fprintf(fp, "exit");
		else if (op == BPF_CALL)
			fprintf(fp, "call %s", helper_name(insn->imm));
		else if (op == BPF_JA)
			fprintf(fp, "goto %+d", insn->off);
		else if (BPF_SRC(insn->code) == BPF_X)
			fprintf(fp, "if r%d %s r%d goto %+d", insn->dst_reg, jmp_name(op),
				insn->src_reg, insn->off);
		else
			fprintf(fp, "if r%d %s %d goto %+d", insn->dst_reg, jmp_name(op),
				insn->imm, insn->off);
		return 1;
	case BPF_JMP32:
		/* only the long goto is generated (jumps.c) */
		if (op == BPF_JA)
			fprintf(fp, "gotol %+d", insn->imm);
		else
			fprintf(fp, "(code %#x)", insn->code);
		return 1;
	default:
		fprintf(fp, "(code %#x)", insn->code);
		return 1;
	}
}

static void dump_insns(FILE *fp, const struct tap_object *obj, const struct bpf_insn *insns,
		       const int *lines, unsigned int cnt)
{
	unsigned int i = 0;
	int last = -1;

	while (i < cnt) {
		int n;

		if (lines[i] != last)
			fprintf(fp, "; line %d\n", lines[i]);
		last = lines[i];
		fprintf(fp, "%5u: ", i);
		n = print_insn(fp, &insns[i], obj);
		fputc('\n', fp);
		i += n;
	}
}

void tap_object__dump_bpf(struct tap_object *obj, FILE *fp)
{
	int i;

	for (i = 0; i < obj->nr_progs; i++) {
		struct tap_prog_def *prog = &obj->progs[i];

		static const char * const how[] = {
			[TAP_CODE_RAW] = "",
			[TAP_CODE_SYSCALL] = " (syscalls:* at raw_syscalls)",
			[TAP_CODE_PERF_TP] = " (as a perf tracepoint program)",
			[TAP_CODE_KPROBE] = " (as a kprobe program)",
		};

		for (int v = 0; v < TAP_CODE_NR; v++) {
			struct tap_code *code = &prog->code[v];

			if (!code->insns)
				continue;
			fprintf(fp, "%s%s: %u instructions, %u bytes of stack\n", prog->name,
				how[v], code->cnt, prog->stack_size);
			dump_insns(fp, obj, code->insns, code->lines, code->cnt);
		}
		fputc('\n', fp);
	}
}
