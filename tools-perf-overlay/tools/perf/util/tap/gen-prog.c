// SPDX-License-Identifier: GPL-2.0
/*
 * Programs: a prologue in front of each body, callbacks appended, jumps
 * laid out; the maps every script has; tap_codegen().
 */
#include <stdlib.h>
#include <string.h>

#include "gen.h"
#include "jumps.h"

/* ---- programs ---------------------------------------------------------- */

static void prologue_exit_check(struct gen *g)
{
	ld_map_value(g, R1, TAP_MAP_GLOBALS, TAP_G_EXITED);
	LDX(BPF_DW, R0, R1, 0);
	jump_to_exit(g, JMP_IMM(BPF_JNE, R0, 0, 0));
}

/*
 * Jump to the exit unless map @map has an entry at the u32 key in R0 (a
 * CPU, a tgid): the filters of -C and -p, only when the globals slot
 * @flag is set, so that without them a probe pays one load.
 */
static void prologue_member(struct gen *g, unsigned int flag, int map, int helper,
			    int shift)
{
	unsigned int all;

	ld_map_value(g, R1, TAP_MAP_GLOBALS, flag);
	LDX(BPF_DW, R2, R1, 0);
	all = JMP_IMM(BPF_JEQ, R2, 0, 0);
	CALL(helper);
	if (shift)
		ALU64_IMM(BPF_RSH, R0, shift);
	gen_lookup_u32_or_exit(g, map);
	patch_here(g, all);
}

/* -C: only the chosen CPUs run trace probes. */
static void prologue_cpus(struct gen *g)
{
	prologue_member(g, TAP_G_CPUS, TAP_MAP_CPUS, BPF_FUNC_get_smp_processor_id, 0);
}

/* -p, -- cmd: only the target processes run trace probes (the tgid: pid_tgid >> 32). */
static void prologue_target(struct gen *g)
{
	prologue_member(g, TAP_G_TARGET, TAP_MAP_TARGETS, BPF_FUNC_get_current_pid_tgid, 32);
}

/*
 * A scratch area of its own for every program and variant: the variants
 * of a block are separate BPF programs of different types, whose runs the
 * kernel does not keep from nesting (a raw tracepoint program interrupted
 * on its CPU by a tracepoint or kprobe program of the same block), so a
 * shared area would be overwritten under the interrupted run.
 */
static void prologue_scratch(struct gen *g)
{
	ST_IMM(BPF_W, FP, SLOT_KEY, g->prog_idx * TAP_CODE_NR + (int)g->variant);
	ld_map(g, R1, TAP_MAP_SCRATCH);
	MOV_REG(R2, FP);
	ALU64_IMM(BPF_ADD, R2, SLOT_KEY);
	CALL(BPF_FUNC_map_lookup_elem);
	jump_to_exit(g, JMP_IMM(BPF_JEQ, R0, 0, 0));
	MOV_REG(R7, R0);
}

static void gen_reset(struct gen *g)
{
	g->insns = NULL;
	g->lines = NULL;
	g->joff = NULL;
	g->cnt = 0;
	g->cap = 0;
	g->depth = 0;
	g->col = 1;
	g->map_used = tap_alloc(g->c, g->obj->nr_maps * sizeof(*g->map_used));
	g->nr_used_maps = 0;
	g->stack = 0;
	g->max_stack = 0;
	g->scratch = SCRATCH_FIRST;
	g->max_scratch = SCRATCH_FIRST;
	g->uses_scratch = false;
	g->uses_event = false;
	g->to_exit = NULL;
	g->callbacks = NULL;
	g->cur_cb = NULL;
	g->cb_exits = NULL;
	g->dead = false;
	g->skip_go_on = false;
}

/*
 * Callbacks go after the program, each a BPF subprogram; the ld_imm64
 * that loads one gets its distance, and the loader gets their positions
 * (BTF func_info: callbacks need it).
 */
static unsigned int *append_callbacks(struct gen *g, unsigned int body_start, int *nr_funcs)
{
	unsigned int *offs, nr = 1, i;
	struct callback *cb;

	for (cb = g->callbacks; cb; cb = cb->next) {
		cb->start = g->cnt;
		for (i = 0; i < cb->cnt; i++) {
			g->line = cb->lines[i];
			gen_emit(g, cb->insns[i].code, cb->insns[i].dst_reg, cb->insns[i].src_reg,
				 cb->insns[i].off, cb->insns[i].imm);
			g->joff[g->cnt - 1] = cb->joff[i];
		}
		nr++;
	}
	offs = tap_alloc(g->c, nr * sizeof(*offs));
	nr = 1;
	for (cb = g->callbacks; cb; cb = cb->next) {
		unsigned int ld = (cb->owner ? cb->owner->start : body_start) + cb->ld;

		g->insns[ld].imm = (__s32)(cb->start - ld - 1);
		offs[nr++] = cb->start;
	}
	*nr_funcs = (int)nr;
	return offs;
}

/* Lay out the jumps and hand the code over to the object (malloc'ed). */
static void finish_code(struct gen *g, struct tap_code *code, unsigned int *offs, int nr_funcs)
{
	struct tap_code_buf buf = { g->insns, g->lines, g->joff, g->cnt };
	unsigned int i;

	for (i = 0; i < g->cnt; i++)
		if (g->lines[i] < 1)
			g->lines[i] = 1;
	code->func_off = malloc(nr_funcs * sizeof(*offs));
	if (!code->func_off || tap_jumps_resolve(&buf, offs, nr_funcs)) {
		free(code->func_off);
		code->func_off = NULL;
		tap_error(g->c, g->line, 1, "out of memory");
	}
	memcpy(code->func_off, offs, nr_funcs * sizeof(*offs));
	code->nr_funcs = nr_funcs;
	code->insns = buf.insns;
	code->lines = buf.lines;
	code->cnt = buf.cnt;
	if (code->cnt > MAX_INSNS)
		gen_too_large(g);
}

static void code_free(struct tap_code *code)
{
	free(code->insns);
	free(code->lines);
	free(code->func_off);
	memset(code, 0, sizeof(*code));
}

/*
 * Generate the body first, then put the prologue it needs in front.  Jump
 * distances are relative, so they survive the move; jumps to the exit
 * label are resolved last.
 */
static void gen_program(struct gen *g, struct tap_prog_def *prog, struct tap_node *body_items,
			bool top_level, enum tap_code_kind variant)
{
	bool syscalls = variant == TAP_CODE_SYSCALL;
	struct tap_code *code = &prog->code[variant];
	struct tap_code_buf body;
	unsigned int pro_cnt, *offs;
	struct fixup *body_exits, *f;
	struct tap_node *n;
	int nr_funcs;

	gen_reset(g);
	g->variant = variant;
	g->prog = prog;
	g->line = prog->line;
	if (prog->kind == TAP_PROG_FOLLOW) {
		gen_follow_body(g);
	} else if (prog->kind == TAP_PROG_EXEC) {
		gen_exec_body(g);
	} else if (top_level) {
		for (n = body_items; n && !g->dead; n = n->next)
			if (n->kind != TAP_N_FUNC && n->kind != TAP_N_TRACE &&
			    n->kind != TAP_N_TRACE_END && n->kind != TAP_N_TIMER)
				gen_stmt(g, n);
	} else {
		if ((prog->kind == TAP_PROG_TRACE || prog->kind == TAP_PROG_TIMER) &&
		    g->block->a) {
			/* /filter/: the body runs only where it is non-zero */
			g->line = g->block->a->line;
			gen_num(g, g->block->a);
			jump_to_exit(g, JMP_IMM(BPF_JEQ, R0, 0, 0));
			g->scratch = SCRATCH_FIRST;
			g->stack = 0;
		}
		gen_block(g, body_items);
	}
	body = (struct tap_code_buf){ g->insns, g->lines, g->joff, g->cnt };
	body_exits = g->to_exit;

	g->insns = NULL;
	g->lines = NULL;
	g->joff = NULL;
	g->cnt = 0;
	g->cap = 0;
	g->to_exit = NULL;
	g->line = prog->line;
	MOV_REG(R6, BPF_REG_1);
	if (prog->kind == TAP_PROG_TRACE || prog->kind == TAP_PROG_TIMER)
		prologue_exit_check(g);
	if (prog->kind == TAP_PROG_TRACE) {
		prologue_cpus(g);
		prologue_target(g);
	}
	/* a profile timer samples what runs: the target's, if there is one */
	if (prog->kind == TAP_PROG_TIMER && prog->profile)
		prologue_target(g);
	if (prog->kind == TAP_PROG_TRACE || (prog->kind == TAP_PROG_TIMER && g->uses_event))
		prologue_event(g, syscalls);
	if (g->uses_scratch)
		prologue_scratch(g);
	if (g->uses_event && (prog->kind == TAP_PROG_TRACE || prog->kind == TAP_PROG_TIMER)) {
		LDX(BPF_DW, R0, FP, SLOT_EVENT);
		STX(BPF_DW, R7, SCRATCH_EVENT, R0);
	} else if (g->uses_event) {
		ST_IMM(BPF_DW, R7, SCRATCH_EVENT, -1);	/* no event: probename is "" */
	}
	pro_cnt = g->cnt;

	/* the body after the prologue: gen_emit() grows the buffers as needed */
	for (unsigned int i = 0; i < body.cnt; i++) {
		g->line = body.lines[i];
		gen_emit(g, body.insns[i].code, body.insns[i].dst_reg, body.insns[i].src_reg,
			 body.insns[i].off, body.insns[i].imm);
		g->joff[g->cnt - 1] = body.joff[i];
	}
	for (f = body_exits; f; f = f->next)
		f->insn += pro_cnt;
	for (f = body_exits; f && f->next; f = f->next)
		;
	if (f)
		f->next = g->to_exit;
	else
		body_exits = g->to_exit;

	g->line = prog->line;
	for (f = body_exits; f; f = f->next)
		patch_here(g, f->insn);
	MOV_IMM(R0, 0);
	gen_emit(g, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	offs = append_callbacks(g, pro_cnt, &nr_funcs);
	finish_code(g, code, offs, nr_funcs);
	if (variant == TAP_CODE_RAW)
		prog->stack_size = (unsigned int)(g->max_stack - SLOT_FIRST);
}

static void add_map(struct tap_object *obj, int idx, const char *name, unsigned int type,
		    unsigned int key_size, unsigned int value_size, unsigned int max_entries)
{
	struct tap_map_def *m = &obj->maps[idx];

	snprintf(m->name, sizeof(m->name), "%s", name);
	m->type = type;
	m->key_size = key_size;
	m->value_size = value_size;
	m->max_entries = max_entries;
}

static void table_layout(struct gen *g, struct tap_map_def *m, struct tap_sym *sym);

/* Bytes of key part @k of table @sym in its map: execname-only parts are a comm's. */
static unsigned int key_part_size(struct gen *g, struct tap_sym *sym, int k)
{
	if (sym->comm_keys & (1U << k))
		return TAP_COMM_SIZE;
	return value_size(g, tap_type_resolve(sym->type)->key[k]);
}

static void define_maps(struct gen *g)
{
	struct tap_object *obj = g->obj;
	struct tap_sema *sema = g->sema;
	int i;

	obj->nr_maps = TAP_MAP_TABLE0 + sema->ntables + sema->uses_rodata;
	obj->maps = gen_obj_alloc(g, obj->nr_maps * sizeof(*obj->maps));
	obj->globals_size = (unsigned int)sema->globals_size;
	add_map(obj, TAP_MAP_GLOBALS, "tap_globals", BPF_MAP_TYPE_ARRAY, 4,
		obj->globals_size, 1);
	/* sizes the runtime knows better are set there: CPUs, events, scratch */
	add_map(obj, TAP_MAP_EVENTS, "tap_events", BPF_MAP_TYPE_PERF_EVENT_ARRAY, 4, 4, 0);
	add_map(obj, TAP_MAP_SCRATCH, "tap_scratch", BPF_MAP_TYPE_PERCPU_ARRAY, 4, 0, 0);
	add_map(obj, TAP_MAP_PROBENAMES, "tap_probenames", BPF_MAP_TYPE_ARRAY, 4,
		obj->str_size, 0);
	add_map(obj, TAP_MAP_SYSCALLS, "tap_syscalls", BPF_MAP_TYPE_ARRAY, 4, 4, 0);
	/* sized by the runtime: a small map unless stack() is used */
	add_map(obj, TAP_MAP_STACKS, "tap_stacks", BPF_MAP_TYPE_STACK_TRACE, 4,
		8 * TAP_STACK_DEPTH, 0);
	add_map(obj, TAP_MAP_FIELDS, "tap_fields", BPF_MAP_TYPE_ARRAY, 4,
		sizeof(struct tap_field), 0);
	/* value size set once sema has counted kernel_v() symbols: below */
	add_map(obj, TAP_MAP_KSYMS, "tap_ksyms", BPF_MAP_TYPE_ARRAY, 4, 8, 1);
	/* -C and -p: as many CPUs as there are, and a few processes */
	add_map(obj, TAP_MAP_CPUS, "tap_cpus", BPF_MAP_TYPE_ARRAY, 4, 4, 0);
	/* the targets grow as they fork: allocated as they come, not up front */
	add_map(obj, TAP_MAP_TARGETS, "tap_targets", BPF_MAP_TYPE_HASH, 4, 4, TAP_MAX_FOLLOWED);
	obj->maps[TAP_MAP_TARGETS].flags = BPF_F_NO_PREALLOC;
	for (i = 0; i < sema->ntables; i++) {
		struct tap_sym *sym = sema->tables[i];
		struct tap_type *t = tap_type_resolve(sym->type);
		unsigned int key_size = 0;
		int k;

		for (k = 0; k < t->nkeys; k++)
			key_size += key_part_size(g, sym, k);
		/* an aggregation without keys: one element, key 0 */
		if (!key_size)
			key_size = 8;
		/* aggregations are per CPU: no contention, folded when read */
		add_map(obj, TAP_MAP_TABLE0 + i, sym->name,
			tap_type_resolve(t->val)->kind == TAP_T_AGG ?
			BPF_MAP_TYPE_PERCPU_HASH : BPF_MAP_TYPE_HASH, key_size,
			value_size(g, t->val), obj->table_entries);
		table_layout(g, &obj->maps[TAP_MAP_TABLE0 + i], sym);
		obj->maps[TAP_MAP_TABLE0 + i].hist_nr = sym->hist_nr;
		obj->maps[TAP_MAP_TABLE0 + i].hist_min = sym->hist_min;
		obj->maps[TAP_MAP_TABLE0 + i].hist_max = sym->hist_max;
		obj->maps[TAP_MAP_TABLE0 + i].hist_step = sym->hist_step;
	}
	/* its size and contents once the programs are generated */
	if (sema->uses_rodata)
		add_map(obj, TAP_MAP_TABLE0 + sema->ntables, "tap_rodata", BPF_MAP_TYPE_ARRAY, 4,
			8, 1);
}

/* The read-only map's contents: the strings gen_rodata() collected. */
static void finish_rodata(struct gen *g)
{
	struct tap_map_def *m;

	if (!g->sema->uses_rodata)
		return;
	m = &g->obj->maps[TAP_MAP_TABLE0 + g->sema->ntables];
	m->value_size = (g->rodata_len + 7) & ~7U;
	m->flags = BPF_F_RDONLY_PROG;
	m->data = gen_obj_alloc(g, m->value_size);
	memcpy(m->data, g->rodata, g->rodata_len);
}

/* Offset of a copy of @len bytes of @s (and a NUL) in the read-only map. */
unsigned int gen_rodata(struct gen *g, const char *s, size_t len)
{
	unsigned int off = g->rodata_len;
	char *p;

	if (len > 65536 || g->rodata_len + len + 1 > 65536)
		tap_error(g->c, g->line, g->col, "too many sprintf() formats");
	p = tap_alloc(g->c, g->rodata_len + len + 1);
	if (off)
		memcpy(p, g->rodata, off);
	memcpy(p + off, s, len);
	p[off + len] = 0;
	g->rodata = p;
	g->rodata_len += (unsigned int)len + 1;
	return off;
}

/* A table's key parts and value as plain data, for user space to read it. */
static void table_layout(struct gen *g, struct tap_map_def *m, struct tap_sym *sym)
{
	struct tap_type *t = tap_type_resolve(sym->type);
	int k;

	m->nr_keys = t->nkeys;
	for (k = 0; k < t->nkeys; k++) {
		m->keys[k].kind = tap_type_resolve(t->key[k])->kind;
		m->keys[k].size = key_part_size(g, sym, k);
	}
	m->value.kind = tap_type_resolve(t->val)->kind;
	m->value.size = value_size(g, t->val);
}

/* A block's probe specs (a timer's name) as plain data, for the runtime. */
static void prog_specs(struct gen *g, struct tap_prog_def *prog, struct tap_node *n)
{
	struct tap_spec *specs;
	int i, nr;

	prog->line = n->line;
	prog->col = n->col;
	if (n->kind != TAP_N_TRACE && n->kind != TAP_N_TIMER)
		return;
	specs = tap_block_specs(g->c, n, &nr);
	prog->specs = gen_obj_alloc(g, nr * sizeof(*prog->specs));
	prog->nr_specs = nr;
	for (i = 0; i < nr; i++)
		prog->specs[i] = (struct tap_spec){ gen_obj_strdup(g, specs[i].text),
						    specs[i].line, specs[i].col };
}

/*
 * A trace block's code for each way its events are attached (see enum
 * tap_code_kind).  The raw tracepoint variant comes first: generating it
 * tells whether the block reads the event's record, which the resolver
 * needs to say which variants the events take.
 */
static void trace_variants(struct gen *g, struct tap_prog_def *prog, struct tap_node *n)
{
	const struct tap_resolver *r = g->c->resolver;
	unsigned int kinds = 0;
	int v;

	gen_program(g, prog, n->b, false, TAP_CODE_RAW);
	if (r && r->code_kinds)
		kinds = r->code_kinds(r->arg, prog->specs, prog->nr_specs, prog->uses_argstr);
	if (!kinds)
		kinds = (1U << TAP_CODE_NR) - 1;
	for (v = TAP_CODE_RAW + 1; v < TAP_CODE_NR; v++)
		if (kinds & (1U << v))
			gen_program(g, prog, n->b, false, (enum tap_code_kind)v);
	if (!(kinds & (1U << TAP_CODE_RAW)))
		code_free(&prog->code[TAP_CODE_RAW]);
}

/* Names the runtime needs after the compiler is gone: copied into the object. */
static void own_names(struct gen *g)
{
	struct tap_object *obj = g->obj;
	const char **names;
	int i;

	names = gen_obj_alloc(g, (obj->nr_fields + 1) * sizeof(*names));
	for (i = 0; i < obj->nr_fields; i++)
		names[i] = gen_obj_strdup(g, obj->fields[i]);
	obj->fields = names;
	names = gen_obj_alloc(g, (obj->nr_ksyms + 1) * sizeof(*names));
	for (i = 0; i < obj->nr_ksyms; i++)
		names[i] = gen_obj_strdup(g, obj->ksyms[i]);
	obj->ksyms = names;
	names = gen_obj_alloc(g, (obj->nr_timefmts + 1) * sizeof(*names));
	for (i = 0; i < obj->nr_timefmts; i++)
		names[i] = gen_obj_strdup(g, obj->timefmts[i]);
	obj->timefmts = names;
}

/* A program of perf tap's own, not of the script: it follows the targets. */
static void support_prog(struct gen *g, int idx, enum tap_prog_kind kind, const char *name)
{
	struct tap_prog_def *prog = &g->obj->progs[idx];

	prog->kind = kind;
	prog->line = 1;
	prog->col = 1;
	snprintf(prog->name, sizeof(prog->name), "%s", name);
	g->prog_idx = idx;
	g->block = NULL;
	gen_program(g, prog, NULL, false, TAP_CODE_RAW);
}

void tap_codegen(struct tap_compiler *c, struct tap_node *items, struct tap_sema *sema,
		 struct tap_object *obj)
{
	struct gen g = { .c = c, .obj = obj, .sema = sema, .loop_max = obj->loop_max };
	struct tap_prog_def *prog;
	struct tap_node *n;
	int nprogs = 1, i = 0;

	define_maps(&g);
	gen_percpu_tables(&g, items);
	if (obj->nr_ksyms)
		obj->maps[TAP_MAP_KSYMS].value_size = 8 * (unsigned int)obj->nr_ksyms;
	for (n = items; n; n = n->next)
		if (n->kind == TAP_N_TRACE || n->kind == TAP_N_TRACE_END || n->kind == TAP_N_TIMER)
			nprogs++;
	nprogs += 2;	/* the last: tap_follow and tap_exec */
	obj->progs = gen_obj_alloc(&g, nprogs * sizeof(*obj->progs));
	obj->nr_progs = nprogs;

	/* program 0: top-level code */
	obj->progs[0].kind = TAP_PROG_MAIN;
	obj->progs[0].line = 1;
	obj->progs[0].col = 1;
	snprintf(obj->progs[0].name, sizeof(obj->progs[0].name), "tap_main");
	g.prog_idx = 0;
	g.block = NULL;
	gen_program(&g, &obj->progs[0], items, true, TAP_CODE_RAW);
	obj->scratch_size = g.max_scratch;

	for (n = items; n; n = n->next) {
		if (n->kind != TAP_N_TRACE && n->kind != TAP_N_TRACE_END &&
		    n->kind != TAP_N_TIMER)
			continue;
		prog = &obj->progs[++i];
		prog_specs(&g, prog, n);
		switch (n->kind) {
		case TAP_N_TRACE:
			prog->kind = TAP_PROG_TRACE;
			prog->optional = n->num;
			snprintf(prog->name, sizeof(prog->name), "tap_trace_%d", n->line);
			break;
		case TAP_N_TIMER:
			prog->kind = TAP_PROG_TIMER;
			prog->period_ns = n->num;
			prog->profile = !strncmp(n->name, "profile", 7);
			snprintf(prog->name, sizeof(prog->name), "tap_timer_%d", n->line);
			break;
		default:
			prog->kind = TAP_PROG_END;
			snprintf(prog->name, sizeof(prog->name), "tap_end");
			break;
		}
		g.prog_idx = i;
		g.block = n;
		if (prog->kind == TAP_PROG_TRACE)
			trace_variants(&g, prog, n);
		else
			gen_program(&g, prog, n->b, false, TAP_CODE_RAW);
		if (g.max_scratch > obj->scratch_size)
			obj->scratch_size = g.max_scratch;
	}
	/* loaded and attached only with -p or a command, and unless --no-inherit */
	support_prog(&g, ++i, TAP_PROG_FOLLOW, "tap_follow");
	/* loaded and attached only with a command */
	support_prog(&g, ++i, TAP_PROG_EXEC, "tap_exec");
	if (!obj->scratch_size)
		obj->scratch_size = 8;
	finish_rodata(&g);
	own_names(&g);
}
