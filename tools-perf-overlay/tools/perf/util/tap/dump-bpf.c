// SPDX-License-Identifier: GPL-2.0
/*
 * --dump-bpf: each program's instructions as the kernel's own
 * disassembler prints them (kernel/bpf/disasm.c, which bpftool uses
 * too), under the script line that produced them.  The callbacks name
 * what only the object knows: maps, map values and callbacks.
 */
#include <stdarg.h>
#include <stdio.h>

#include "kernel/bpf/disasm.h"	/* the kernel tree's, not perf's util/disasm.h */
#include "object.h"

struct dump {
	FILE *fp;
	const struct tap_object *obj;
	char buf[128];
};

/* A string of the read-only map, as a C literal (cut to fit). */
static void quote(char *buf, size_t size, const char *s, size_t max)
{
	size_t n = 0, i;

	buf[n++] = '"';
	for (i = 0; i < max && s[i] && n + 6 < size; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch == '"' || ch == '\\')
			n += (size_t)snprintf(buf + n, size - n, "\\%c", ch);
		else if (ch == '\n')
			n += (size_t)snprintf(buf + n, size - n, "\\n");
		else if (ch < 32 || ch > 126)
			n += (size_t)snprintf(buf + n, size - n, "\\x%02x", ch);
		else
			buf[n++] = (char)ch;
	}
	buf[n++] = '"';
	buf[n] = 0;
}

static void __printf(2, 3) dump_print(void *private_data, const char *fmt, ...)
{
	struct dump *d = private_data;
	va_list ap;

	va_start(ap, fmt);
	vfprintf(d->fp, fmt, ap);
	va_end(ap);
}

/* ld_imm64 operands: map references hold the map's index until load. */
static const char *dump_imm(void *private_data, const struct bpf_insn *insn, __u64 full_imm)
{
	struct dump *d = private_data;
	const struct tap_object *obj = d->obj;

	switch (insn->src_reg) {
	case BPF_PSEUDO_MAP_FD:
		if (insn->imm >= 0 && insn->imm < obj->nr_maps) {
			snprintf(d->buf, sizeof(d->buf), "map[%s]", obj->maps[insn->imm].name);
			return d->buf;
		}
		break;
	case BPF_PSEUDO_MAP_VALUE:
		if (insn->imm >= 0 && insn->imm < obj->nr_maps) {
			const struct tap_map_def *m = &obj->maps[insn->imm];
			char s[64];

			if (m->data && insn[1].imm >= 0 && (__u32)insn[1].imm < m->value_size) {
				quote(s, sizeof(s), (const char *)m->data + insn[1].imm,
				      m->value_size - (__u32)insn[1].imm);
				snprintf(d->buf, sizeof(d->buf), "&map[%s][%d] %s", m->name,
					 insn[1].imm, s);
				return d->buf;
			}
			snprintf(d->buf, sizeof(d->buf), "&map[%s][%d]", m->name, insn[1].imm);
			return d->buf;
		}
		break;
	case BPF_PSEUDO_FUNC:
		snprintf(d->buf, sizeof(d->buf), "callback %+d", insn->imm);
		return d->buf;
	default:
		break;
	}
	snprintf(d->buf, sizeof(d->buf), "%#llx", (unsigned long long)full_imm);
	return d->buf;
}

static void dump_insns(struct dump *d, const struct tap_code *code)
{
	const struct bpf_insn_cbs cbs = {
		.cb_print = dump_print,
		.cb_imm = dump_imm,
		.private_data = d,
	};
	unsigned int i;
	int last = -1;

	for (i = 0; i < code->cnt; i++) {
		const struct bpf_insn *insn = &code->insns[i];

		if (code->lines[i] != last)
			fprintf(d->fp, "; line %d\n", code->lines[i]);
		last = code->lines[i];
		fprintf(d->fp, "%5u: ", i);
		print_bpf_insn(&cbs, insn, true);
		/* the second half of an ld_imm64 is printed with the first */
		if (insn->code == (BPF_LD | BPF_DW | BPF_IMM))
			i++;
	}
}

void tap_object__dump_bpf(struct tap_object *obj, FILE *fp)
{
	static const char * const how[] = {
		[TAP_CODE_RAW] = "",
		[TAP_CODE_SYSCALL] = " (syscalls:* at raw_syscalls)",
		[TAP_CODE_PERF_TP] = " (as a perf tracepoint program)",
		[TAP_CODE_KPROBE] = " (as a kprobe program)",
	};
	struct dump d = { .fp = fp, .obj = obj };
	int i, v;

	/* what the code does not show: linear histograms */
	for (i = 0; i < obj->nr_maps; i++)
		if (obj->maps[i].hist_nr)
			fprintf(fp,
				"map %s: lhist(v, %lld, %lld, %lld), %d buckets and two for the values outside\n\n",
				obj->maps[i].name, obj->maps[i].hist_min, obj->maps[i].hist_max,
				obj->maps[i].hist_step, obj->maps[i].hist_nr);
	/* and keys parts sized for execname only, not --str-size */
	for (i = 0; i < obj->nr_maps; i++)
		for (v = 0; v < obj->maps[i].nr_keys; v++)
			if (obj->maps[i].keys[v].kind == TAP_T_STR &&
			    obj->maps[i].keys[v].size < obj->str_size)
				fprintf(fp, "map %s: key %d is execname, %u bytes of %u\n\n",
					obj->maps[i].name, v + 1, obj->maps[i].keys[v].size,
					obj->maps[i].key_size);

	for (i = 0; i < obj->nr_progs; i++) {
		struct tap_prog_def *prog = &obj->progs[i];

		for (v = 0; v < TAP_CODE_NR; v++) {
			struct tap_code *code = &prog->code[v];

			if (!code->insns)
				continue;
			fprintf(fp, "%s%s: %u instructions, %u bytes of stack\n", prog->name,
				how[v], code->cnt, prog->stack_size);
			dump_insns(&d, code);
		}
		fputc('\n', fp);
	}
}
