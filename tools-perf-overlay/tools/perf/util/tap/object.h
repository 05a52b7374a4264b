/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A compiled perf tap script ("tap object"): BPF programs, the maps they
 * use and the layouts of the records they emit.  The compiler builds it
 * from a script; the runtime loads, attaches and decodes it.
 */
#ifndef __TAP_OBJECT_H
#define __TAP_OBJECT_H

#include <stdbool.h>
#include <stdio.h>
#include <linux/bpf.h>

#include "ast.h"

/* Maps every script has, by index; tables follow from TAP_MAP_TABLE0. */
enum {
	TAP_MAP_GLOBALS,	/* array, 1 entry: fixed slots + global variables */
	TAP_MAP_EVENTS,		/* perf event array: the bpf-output event per CPU */
	TAP_MAP_SCRATCH,	/* per-CPU array, one entry per program */
	TAP_MAP_PROBENAMES,	/* array: event index -> name (str_size bytes) */
	TAP_MAP_SYSCALLS,	/* array: (cookie base + syscall nr) -> event index + 1 */
	TAP_MAP_STACKS,		/* stack trace map: stack() ids -> return addresses */
	TAP_MAP_FIELDS,		/* array: event * nr_fields + field -> struct tap_field */
	TAP_MAP_KSYMS,		/* array, 1 entry: kernel_v() symbol addresses */
	TAP_MAP_TABLE0,
	/*
	 * After the tables, if the script needs it: a read-only array, 1 entry,
	 * BPF_F_RDONLY_PROG and frozen: sprintf() formats for bpf_snprintf().
	 */
};

/*
 * Attach cookies: the event index, or for syscalls:* views attached at
 * raw_syscalls the flag plus a base into TAP_MAP_SYSCALLS.
 */
#define TAP_COOKIE_SYSCALL	(1ULL << 31)
#define TAP_SYSCALL_SLOTS	1024	/* syscall numbers per dispatch base */
#define TAP_STACK_DEPTH		127	/* frames kept per stack (PERF_MAX_STACK_DEPTH) */
/*
 * A stack value: a kernel stack id (negative: why there is none), or for
 * ustack() this flag, the process id << 32 and the stack id in the low 32
 * bits, so user space knows whose address space to name frames in.
 */
#define TAP_STACK_USER		(1ULL << 62)

/*
 * in_interrupt() reads the per-CPU preempt count through a BTF variable:
 * an ld_imm64 with BPF_PSEUDO_BTF_ID and this imm, patched at load with the
 * id of __preempt_count (or pcpu_hot, on kernels that keep it there), and
 * the load after bpf_this_cpu_ptr with this offset, patched with the
 * count's offset in that variable.
 */
#define TAP_RELOC_PREEMPT_VAR	(-1)
#define TAP_RELOC_PREEMPT_OFF	0x7ff0

/*
 * argstr in a record: u32 event index, u32 what follows (TAP_ARGSTR_*),
 * then pt_regs at a syscall, or the first bytes of the event's record.
 */
#define TAP_ARGSTR_NONE		0
#define TAP_ARGSTR_REGS		1
#define TAP_ARGSTR_RECORD	2
#define TAP_ARGSTR_DATA		256
#define TAP_ARGSTR_SIZE		(8 + TAP_ARGSTR_DATA)
#define TAP_PT_REGS_SIZE	168	/* sizeof(struct pt_regs) on x86_64 */

/* Where field arg.NAME is in one event, filled by the runtime from tracefs. */
enum tap_field_kind {
	TAP_FIELD_NONE,		/* the event has no such field: 0 or "" */
	TAP_FIELD_INT,		/* offset, size, is_signed in the record */
	TAP_FIELD_CHARS,	/* char NAME[size] in the record */
	TAP_FIELD_DATA_LOC,	/* __data_loc char[]: u32 (len << 16 | offset) */
	TAP_FIELD_REGS,		/* a syscall argument: offset into pt_regs */
};

struct tap_field {
	__u32 kind;
	__u32 offset;
	__u32 size;
	__u32 is_signed;
};

/* What a table key part or value holds, and its bytes in the map. */
struct tap_layout {
	enum tap_type_kind kind;	/* NUM, STR, STACK; a value may be AGG */
	unsigned int size;
};

struct tap_map_def {
	char name[16];
	unsigned int type, key_size, value_size, max_entries, flags;
	struct tap_sym *sym;		/* tables: the global it belongs to */
	/* tables: the key's parts in order (none: one element, key 0), and the value */
	int nr_keys;
	struct tap_layout keys[TAP_MAX_KEYS];
	struct tap_layout value;
	/* aggregations with lhist(): hist_nr buckets of hist_step from hist_min */
	long long hist_min, hist_max, hist_step;
	int hist_nr;			/* 0: log2 buckets */
	/* entry 0's value_size bytes, written before the map is frozen (rodata) */
	void *data;
};

/* A probe spec as written, where it was written: for messages. */
struct tap_spec {
	char *text;			/* "syscalls:sys_enter_*", "tick-1s", ... */
	int line, col;
};

enum tap_prog_kind {
	TAP_PROG_MAIN,		/* top-level code, run once before tracing */
	TAP_PROG_END,		/* trace_end, run once after */
	TAP_PROG_TRACE,		/* a trace block */
	TAP_PROG_TIMER,		/* tick-N / profile-N */
};

/*
 * A trace block is generated once per way it can be attached, because the
 * context differs: a raw tracepoint (arguments in the context), the same at
 * raw_syscalls for syscalls:* views (dispatch on the syscall number, the
 * syscall arguments in pt_regs), or a perf tracepoint event (the context is
 * the event's record).  Other programs only have TAP_CODE_RAW.
 */
enum tap_code_kind {
	TAP_CODE_RAW,
	TAP_CODE_SYSCALL,
	TAP_CODE_PERF_TP,
	TAP_CODE_KPROBE,	/* kprobes and kretprobes: the context is pt_regs */
	TAP_CODE_NR,
};

struct tap_code {
	struct bpf_insn *insns;		/* NULL: not generated */
	unsigned int cnt;
	int *lines;			/* script line of each instruction */
	/* where each BPF function starts: [0] the program, then its callbacks */
	unsigned int *func_off;
	int nr_funcs;
};

struct tap_prog_def {
	enum tap_prog_kind kind;
	char name[16];
	struct tap_code code[TAP_CODE_NR];
	unsigned int stack_size;
	struct tap_node *node;		/* the block it came from (NULL for main) */
	int line, col;			/* where the block starts (1:1 for main) */
	struct tap_spec *specs;		/* trace: its specs; timer: its name */
	int nr_specs;
	bool uses_argstr;		/* needs the event record: no raw tracepoints */
	long long period_ns;		/* timers */
	bool profile;			/* timers: every CPU, else one CPU */
};

enum tap_rec_kind {
	TAP_REC_PRINT,		/* args separated by spaces, then a newline */
	TAP_REC_PRINTF,		/* fmt */
	TAP_REC_EXIT,
	TAP_REC_HIST_BEGIN,	/* map; args[0]: number of entries to show */
	TAP_REC_HIST_ENTRY,	/* map; key bytes at 8, then the 8-byte value */
	TAP_REC_HIST_END,
};

#define TAP_MAX_ARGS 16

struct tap_rec_arg {
	enum tap_type_kind kind;	/* NUM or STR */
	unsigned int offset;
};

/* Every record starts with a u32 index into tap_object.recs and 4 spare bytes. */
#define TAP_REC_HDR 8

struct tap_rec_def {
	enum tap_rec_kind kind;
	const char *fmt;		/* PRINTF: the format, NUL terminated */
	int fmt_len;
	int nargs;
	struct tap_rec_arg args[TAP_MAX_ARGS];
	unsigned int size;
	int map;			/* HIST_*: table map index */
	int line;			/* script line of the call */
};

/*
 * The object is plain data the compiler leaves behind: every pointer in it
 * points into memory the object owns (freed by tap_object__delete()),
 * apart from the compiler state below, which goes once the runtime no
 * longer reads it.  Its shape is versioned because perf tap record saves
 * it with the trace.
 */
#define TAP_OBJECT_VERSION	1

struct tap_object {
	unsigned int version;		/* TAP_OBJECT_VERSION */
	char *file;			/* the script's name in messages */
	char *text;			/* the script, NUL terminated */
	size_t text_len;
	void *mem;			/* what the object owns: tap_object__alloc() */
	struct tap_compiler *c;
	struct tap_node *ast;
	struct tap_map_def *maps;
	int nr_maps;
	struct tap_prog_def *progs;
	int nr_progs;
	struct tap_rec_def *recs;
	int nr_recs;
	unsigned int str_size;
	unsigned int globals_size;
	unsigned int scratch_size;
	unsigned int table_entries;
	unsigned int loop_max;
	bool uses_stacks;
	const char **fields;		/* arg.NAME: the names, by field id */
	int nr_fields;
	const char **ksyms;		/* kernel_v(): symbol names, by index */
	int nr_ksyms;
};

/*
 * The type of field @name of the events a trace block's specs match:
 * TAP_T_NUM, TAP_T_STR, or -1 with a message if some event lacks it or the
 * events disagree.  Without a resolver (no tracefs) fields are numbers.
 */
typedef int (*tap_field_type_fn)(void *arg, const struct tap_node *trace, const char *name,
				 char *why, size_t why_size);

struct tap_compile_opts {
	const char *file;		/* name in diagnostics */
	size_t text_len;		/* bytes of text; 0: up to its first NUL */
	unsigned int str_size;		/* default 64 */
	unsigned int table_entries;	/* default 10240 */
	unsigned int loop_max;		/* default 1024 */
	bool dump_ast;			/* print the typed tree to stdout */
	bool syntax_only;		/* stop after parsing (the tree has no types) */
	tap_field_type_fn field_type;
	void *field_type_arg;
};

/* Zeroed memory that lives as long as @obj; NULL if there is none. */
void *tap_object__alloc(struct tap_object *obj, size_t size);
char *tap_object__strndup(struct tap_object *obj, const char *s, size_t len);

/*
 * The object as bytes (object.c describes the layout), and back: a new
 * object, or -EINVAL for damaged input, -EPROTONOSUPPORT for another
 * version.  The copy has no compiler state: prog->node and map->sym are NULL.
 */
int tap_object__serialize(const struct tap_object *obj, void **data, size_t *size);
int tap_object__deserialize(const void *data, size_t size, struct tap_object **objp);

/* "FILE:LINE:COL: error: ..." with the script's line and a caret, as the compiler says it. */
void tap_object__error(const struct tap_object *obj, int line, int col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Compile @text; NULL after printing a diagnostic to stderr. */
struct tap_object *tap_compile(const char *text, const struct tap_compile_opts *opts);
void tap_object__delete(struct tap_object *obj);
/* --dump-bpf: every program, one instruction a line, with its script line. */
void tap_object__dump_bpf(struct tap_object *obj, FILE *fp);

#endif /* __TAP_OBJECT_H */
