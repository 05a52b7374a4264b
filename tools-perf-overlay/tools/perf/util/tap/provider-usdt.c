// SPDX-License-Identifier: GPL-2.0
/*
 * The USDT provider: usdt:/PATH:PROVIDER:NAME (bpftrace's spelling) and
 * sdt:/PATH:PROVIDER:NAME (ktap's), PROVIDER and NAME globs, PROVIDER
 * optional.  The probes are the file's SystemTap SDT notes
 * (.note.stapsdt), read with perf's get_sdt_note_list(), which also turns
 * each probe's address and semaphore into file offsets (undoing prelink)
 * as perf probe needs them.  Each probe site is a uprobe at that offset,
 * through a uprobe_multi link that also gives the kernel the semaphore
 * (its ref_ctr_offset): the kernel counts the semaphore up while the probe
 * is attached, in every process that maps the file, so the program's
 * "is anybody listening" checks see it.
 *
 * arg0..argN are the note's operands, as the assembler wrote them
 * ("-4@%eax 8@-16(%rbp) 4@$5"): the compiler reads them as fields of the
 * event (arg0 becomes field "arg0"), and usdt_field() tells where each
 * operand of each probe site is, from its string.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <bpf/bpf.h>
#include <libelf.h>
#include <bpf/libbpf.h>
#include <linux/kernel.h>
#include <linux/list.h>
#include "util/debug.h"
#include "util/string2.h"
#include "util/symbol.h"

#include "provider.h"
#include "regs.h"
#include "runtime-int.h"

#define USDT_MAX_ARGS	12	/* sys/sdt.h's limit */

static const char *usdt_target(const char *spec)
{
	if (!strncmp(spec, "usdt:", 5))
		return spec + 5;
	if (!strncmp(spec, "sdt:", 4))
		return spec + 4;
	return NULL;
}

static bool usdt_claims(const char *spec)
{
	return !!usdt_target(spec);
}

/*
 * PATH:PROVIDER:NAME or PATH:NAME, split in place: the last part is the
 * name, the one before it the provider if a ':' is left after the path.
 */
static int split_target(char *target, const char **path, const char **provider,
			const char **name)
{
	char *colon = strrchr(target, ':');

	if (!colon || !colon[1] || colon == target)
		return -1;
	*colon = 0;
	*name = colon + 1;
	*provider = "*";
	colon = strrchr(target, ':');
	if (colon && colon != target) {
		*colon = 0;
		*provider = colon + 1;
	}
	*path = target;
	return **path == '/' && **provider ? 0 : -1;
}

static unsigned long long note_addr(const struct sdt_note *note, int idx)
{
	return note->bit32 ? note->addr.a32[idx] : note->addr.a64[idx];
}

static int usdt_resolve(struct tap_events *evs, struct tap_object *obj,
			const struct tap_spec *spec, int prog)
{
	char *target = strdup(usdt_target(spec->text));
	const char *path, *provider, *name;
	struct sdt_note *note;
	LIST_HEAD(notes);
	struct stat st;
	__u64 retprobe;
	__u32 type;
	int err = -1, found = 0;

	if (!target) {
		tap_spec__error(obj, spec, "out of memory resolving");
		return -1;
	}
	if (split_target(target, &path, &provider, &name)) {
		tap_spec__error(obj, spec, "a USDT probe is usdt:/PATH:PROVIDER:NAME, not");
		goto out;
	}
	if (tap_probe__pmu("uprobe", &type, &retprobe)) {
		err = tap_spec__cannot_tell(evs, obj, spec, "this kernel has no uprobe PMU",
					    "this kernel has no uprobes (CONFIG_UPROBE_EVENTS) for");
		goto out;
	}
	if (stat(path, &st) || access(path, R_OK) || !S_ISREG(st.st_mode)) {
		tap_spec__error(obj, spec, "cannot open the file (an executable or library) of");
		goto out;
	}
	/* libelf works only once told its version (perf's symbol__init() does so) */
	elf_version(EV_CURRENT);
	err = get_sdt_note_list(&notes, path);
	if (err < 0) {
		tap_spec__error(obj, spec, err == -ENOENT ?
				"the file has no SDT probes (no .note.stapsdt section):" :
				"cannot read the SDT probes (not an ELF file?) of");
		err = -1;
		goto out;
	}
	err = -1;
	list_for_each_entry(note, &notes, note_list) {
		struct tap_event *ev;

		if (!strglobmatch(note->provider, provider) || !strglobmatch(note->name, name))
			continue;
		ev = tap_events__add(evs, &tap_provider_usdt, note->provider, note->name, prog);
		if (!ev)
			goto out;
		ev->path = strdup(path);
		ev->args = strdup(note->args ?: "");
		if (!ev->path || !ev->args)
			goto out;
		ev->offset = note_addr(note, SDT_NOTE_IDX_LOC);
		ev->ref_ctr = note_addr(note, SDT_NOTE_IDX_REFCTR);
		found++;
	}
	if (!found)
		tap_spec__error(obj, spec, "no SDT probe (.note.stapsdt) of the file matches");
	else
		err = 0;
out:
	cleanup_sdt_note_list(&notes);
	free(target);
	return err;
}

/* arg0..arg11 are numbers; a USDT probe has no other fields. */
static int usdt_field_type(const char *spec __maybe_unused, struct tap_field_check *fc)
{
	char *end;
	long i;

	if (!strncmp(fc->name, "arg", 3)) {
		i = strtol(fc->name + 3, &end, 10);
		if (!*end && end != fc->name + 3 && i >= 0 && i < USDT_MAX_ARGS)
			return fc->type = TAP_T_NUM, 0;
	}
	snprintf(fc->why, fc->why_size,
		 "USDT probes have no named fields: use arg0..arg9 (arg.arg10, arg.arg11)");
	return -1;
}

/* x86-64 register names as the assembler writes operands, and their pt_regs slots. */
static int reg_offset(const char *name, size_t len)
{
	static const struct {
		const char *names[4];	/* 64, 32, 16, 8 bits */
		int off;
	} regs[] = {
		{ { "rax", "eax", "ax", "al" }, offsetof(struct pt_regs, rax) },
		{ { "rbx", "ebx", "bx", "bl" }, offsetof(struct pt_regs, rbx) },
		{ { "rcx", "ecx", "cx", "cl" }, offsetof(struct pt_regs, rcx) },
		{ { "rdx", "edx", "dx", "dl" }, offsetof(struct pt_regs, rdx) },
		{ { "rsi", "esi", "si", "sil" }, offsetof(struct pt_regs, rsi) },
		{ { "rdi", "edi", "di", "dil" }, offsetof(struct pt_regs, rdi) },
		{ { "rbp", "ebp", "bp", "bpl" }, offsetof(struct pt_regs, rbp) },
		{ { "rsp", "esp", "sp", "spl" }, offsetof(struct pt_regs, rsp) },
		{ { "r8", "r8d", "r8w", "r8b" }, offsetof(struct pt_regs, r8) },
		{ { "r9", "r9d", "r9w", "r9b" }, offsetof(struct pt_regs, r9) },
		{ { "r10", "r10d", "r10w", "r10b" }, offsetof(struct pt_regs, r10) },
		{ { "r11", "r11d", "r11w", "r11b" }, offsetof(struct pt_regs, r11) },
		{ { "r12", "r12d", "r12w", "r12b" }, offsetof(struct pt_regs, r12) },
		{ { "r13", "r13d", "r13w", "r13b" }, offsetof(struct pt_regs, r13) },
		{ { "r14", "r14d", "r14w", "r14b" }, offsetof(struct pt_regs, r14) },
		{ { "r15", "r15d", "r15w", "r15b" }, offsetof(struct pt_regs, r15) },
	};
	size_t r, k;

	for (r = 0; r < ARRAY_SIZE(regs); r++)
		for (k = 0; k < 4; k++)
			if (strlen(regs[r].names[k]) == len &&
			    !strncmp(regs[r].names[k], name, len))
				return regs[r].off;
	return -1;
}

/*
 * One operand, "[-]SIZE@LOCATION": %REG, $CONSTANT, DISP(%REG) or (%REG).
 * 0 and @f filled in, or -1 for what perf tap cannot read (an indexed or
 * %rip-relative address, a size that is not 1, 2, 4 or 8).
 */
static int parse_operand(const char *op, struct tap_field *f)
{
	const char *at = strchr(op, '@'), *p, *close;
	long long size, disp = 0;
	char *end;
	int off;

	if (!at)
		return -1;
	size = strtoll(op, &end, 10);
	if (end != at)
		return -1;
	f->is_signed = size < 0;
	f->size = (__u32)(size < 0 ? -size : size);
	if (f->size != 1 && f->size != 2 && f->size != 4 && f->size != 8)
		return -1;
	p = at + 1;
	if (*p == '$') {
		disp = strtoll(p + 1, &end, 0);
		if (end == p + 1 || disp < INT32_MIN || disp > UINT32_MAX)
			return -1;
		f->kind = TAP_FIELD_USDT_CONST;
		f->offset = (__u32)disp;
		return 0;
	}
	if (*p == '%') {
		off = reg_offset(p + 1, strlen(p + 1));
		if (off < 0)
			return -1;
		f->kind = TAP_FIELD_USDT_REG;
		f->offset = (__u32)off;
		return 0;
	}
	if (*p != '(') {
		disp = strtoll(p, &end, 0);
		if (end == p || *end != '(' || disp < INT32_MIN || disp > INT32_MAX)
			return -1;
		p = end;
	}
	close = strchr(p, ')');
	if (p[1] != '%' || !close || close[1] || strchr(p, ','))
		return -1;
	off = reg_offset(p + 2, (size_t)(close - p - 2));
	if (off < 0)
		return -1;
	f->kind = TAP_FIELD_USDT_MEM | (__u32)off << 8;
	f->offset = (__u32)(int)disp;
	return 0;
}

/* Field argN of event @ev: its N-th operand; none if it has fewer or one unreadable. */
static void usdt_field(const struct tap_event *ev, const char *name, struct tap_field *f)
{
	char *args, *op, *save = NULL;
	long i, want;

	memset(f, 0, sizeof(*f));
	if (strncmp(name, "arg", 3) || !ev->args)
		return;
	want = strtol(name + 3, NULL, 10);
	args = strdup(ev->args);
	for (i = 0, op = args ? strtok_r(args, " ", &save) : NULL; op;
	     i++, op = strtok_r(NULL, " ", &save)) {
		if (i < want)
			continue;
		if (parse_operand(op, f)) {
			pr_warning("perf tap: warning: %s:%s: %s is '%s', which perf tap cannot read: it reads 0\n",
				   ev->sys, ev->name, name, op);
			memset(f, 0, sizeof(*f));
		}
		break;
	}
	free(args);
}

/* One probe site: a uprobe_multi link of its own, with the semaphore. */
static int usdt_attach(struct runtime *rt, int idx)
{
	struct tap_event *ev = &rt->evs.ev[idx];
	struct tap_prog_def *prog = &rt->obj->progs[ev->prog];
	struct prog_state *ps = &rt->progs[ev->prog];
	unsigned long offset = (unsigned long)ev->offset, ref_ctr = (unsigned long)ev->ref_ctr;
	__u64 cookie = (__u64)idx;

	LIBBPF_OPTS(bpf_link_create_opts, opts,
		    .uprobe_multi.path = ev->path,
		    .uprobe_multi.offsets = &offset,
		    .uprobe_multi.ref_ctr_offsets = &ref_ctr,
		    .uprobe_multi.cookies = &cookie,
		    .uprobe_multi.cnt = 1);
	int fd;

	if (ps->umulti_fd < 0) {
		ps->umulti_fd = runtime__load_prog_as(rt, prog, BPF_PROG_TYPE_KPROBE,
						      BPF_TRACE_UPROBE_MULTI,
						      &prog->code[TAP_CODE_KPROBE]);
		if (ps->umulti_fd < 0)
			return ps->umulti_fd;
	}
	fd = bpf_link_create(ps->umulti_fd, 0, BPF_TRACE_UPROBE_MULTI, &opts);
	if (fd < 0)
		return -errno;
	if (runtime__add_link(rt, fd)) {
		close(fd);
		return -ENOMEM;
	}
	return 0;
}

/* "usdt libfoo.so:provider:name" */
static void usdt_describe(const struct tap_event *ev, char *buf, size_t size)
{
	const char *slash = strrchr(ev->path, '/');

	snprintf(buf, size, "usdt %s:%s:%s", slash ? slash + 1 : ev->path, ev->sys, ev->name);
}

const struct tap_provider tap_provider_usdt = {
	.name = "usdt",
	.claims = usdt_claims,
	.resolve = usdt_resolve,
	.code_kinds = tap_probe__code_kinds,
	.field_type = usdt_field_type,
	.field = usdt_field,
	.attach = usdt_attach,
	.describe = usdt_describe,
};
