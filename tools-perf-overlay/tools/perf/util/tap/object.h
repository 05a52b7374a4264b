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
#include <linux/bits.h>
#include <linux/bpf.h>
#include <linux/compiler.h>

/*
 * What a value is, for the runtime's decoders: table keys and values,
 * record arguments.  The compiler's types (ast.h) use the same kinds.
 */
enum tap_type_kind {
	TAP_T_ANY,		/* not known yet: a type variable */
	TAP_T_NUM,
	TAP_T_STR,
	TAP_T_STACK,
	TAP_T_TABLE,
	TAP_T_AGG,
	TAP_T_VOID,
	TAP_T_RECORD,		/* argstr: an event record, formatted when printed */
	TAP_T_SYM,		/* usym(), ksym(), strftime(): named when printed (TAP_SYM_*) */
	TAP_T_KMEM,		/* kernel data (a struct, an array): only in the compiler */
};

#define TAP_MAX_KEYS 4

/* Fixed slots at the start of the globals map value; the script's globals follow. */
#define TAP_G_EXITED	0	/* set by exit(): every probe returns at once */
#define TAP_G_TARGET	8	/* 1: probes run only for the tgids in TAP_MAP_TARGETS */
#define TAP_G_DROPS	16	/* table updates lost because a table was full */
#define TAP_G_LOOPS	24	/* while loops stopped at --loop-max */
#define TAP_G_OUTFAIL	32	/* records bpf_perf_event_output refused */
#define TAP_G_NCPUS	40	/* possible CPUs, for folding per-CPU aggregations */
#define TAP_G_CLOCK	48	/* CLOCK_REALTIME - CLOCK_MONOTONIC at start, in ns */
#define TAP_G_CPUS	56	/* 1: probes run only on the CPUs in TAP_MAP_CPUS (-C) */
#define TAP_G_STACKLOST	64	/* stack() values lost to stack map hash collisions */
#define TAP_G_CPID	72	/* cpid: the command's pid, 0 without one */
/* offsetof(struct task_struct, tgid / real_parent) from the kernel's BTF, 0 if unknown */
#define TAP_G_TASK_TGID		80
#define TAP_G_TASK_PARENT	88
#define TAP_G_USTACK_SEQ	96	/* --call-graph dwarf: user stack snapshots taken */
#define TAP_G_FIRST	104

/* An aggregation element per CPU: count, sum, min, max, log2 histogram. */
#define TAP_AGG_COUNT	0
#define TAP_AGG_SUM	8
#define TAP_AGG_MIN	16
#define TAP_AGG_MAX	24
#define TAP_AGG_HIST	32
#define TAP_AGG_BUCKETS	64
#define TAP_AGG_SIZE	(TAP_AGG_HIST + 8 * TAP_AGG_BUCKETS)

/* Maps every script has, by index; tables follow from TAP_MAP_TABLE0. */
enum {
	TAP_MAP_GLOBALS,	/* array, 1 entry: fixed slots + global variables */
	TAP_MAP_EVENTS,		/* perf event array: the bpf-output event per CPU */
	TAP_MAP_SCRATCH,	/* per-CPU array, one entry per program and variant */
	TAP_MAP_PROBENAMES,	/* array: event index -> name (str_size bytes) */
	TAP_MAP_SYSCALLS,	/* array: (cookie base + syscall nr) -> event index + 1 */
	TAP_MAP_STACKS,		/* stack trace map: stack() ids -> return addresses */
	TAP_MAP_FIELDS,		/* array: event * nr_fields + field -> struct tap_field */
	TAP_MAP_KSYMS,		/* array, 1 entry: kernel_v() symbol addresses */
	TAP_MAP_CPUS,		/* array: CPU -> 1 where trace probes run (-C) */
	TAP_MAP_TARGETS,	/* hash: tgid -> 1 for the processes traced (-p, -- cmd) */
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
#define TAP_COOKIE_SYSCALL	BIT_ULL(31)
#define TAP_SYSCALL_SLOTS	1024	/* syscall numbers per dispatch base */
#define TAP_MAX_TARGETS		1024	/* processes -p may name */
#define TAP_MAX_FOLLOWED	65536	/* ... and that are traced with their children */
#define TAP_STACK_DEPTH		127	/* frames kept per stack (PERF_MAX_STACK_DEPTH) */
/*
 * A stack value: a kernel stack id (negative: why there is none), or for
 * ustack() this flag, the process id << 32 and the stack id in the low 32
 * bits, so user space knows whose address space to name frames in.
 */
#define TAP_STACK_USER		BIT_ULL(62)
#define TAP_STACK_PID_MASK	0x3fffffULL	/* 22 bits: PID_MAX_LIMIT */
/*
 * stack(N), ustack(N): N, the frames to print, in bits 54..60 of a value
 * that holds a stack (0: all of them).  The kernel keeps the whole stack:
 * frames are cut when printed, after the tracing machinery's own frames
 * are left out, so N counts frames of the traced code.
 */
#define TAP_STACK_DEPTH_SHIFT	54
#define TAP_STACK_DEPTH_MASK	0x7f
/*
 * With --call-graph dwarf a ustack() value is TAP_STACK_USER, this flag, the
 * process id << 32 (TAP_STACK_PID_MASK) and in the low 31 bits the number
 * of the snapshot of registers and stack the program sent (TAP_REC_USTACK),
 * which user space unwinds.
 */
#define TAP_STACK_DWARF		BIT_ULL(61)
/* --call-graph dwarf,SIZE: perf's default SIZE, and what fits in scratch memory */
#define TAP_USTACK_DEFAULT	8192
#define TAP_USTACK_MAX		28672
/*
 * A snapshot record: the header, the stack value (u64), the thread id, the
 * bytes of stack copied and the bytes asked for (u32 each, then 4 spare),
 * the thread's user registers as struct pt_regs, then the stack from SP.
 */
#define TAP_USTACK_VALUE	8
#define TAP_USTACK_TID		16
#define TAP_USTACK_LEN		20
#define TAP_USTACK_SIZE		24
#define TAP_USTACK_REGS		32

/*
 * A value named only when it is printed, 16 bytes: the u64 value (an
 * address, wall-clock ns), a u32 (usym(): the process id, whose mappings
 * name the address; strftime(): the format's index in tap_object.timefmts)
 * and a u32 TAP_SYM_* saying which.
 */
#define TAP_SYM_SIZE	16
#define TAP_SYM_KERNEL	1
#define TAP_SYM_USER	2
#define TAP_SYM_TIME	3
#define TAP_TIME_FMT	"%H:%M:%S"	/* time() without a format */
/* A table key part that only holds execname: the comm, TASK_COMM_LEN bytes */
#define TAP_COMM_SIZE	16

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

/* Where field arg.NAME is in one event, filled by the runtime from tracefs. */
enum tap_field_kind {
	TAP_FIELD_NONE,		/* the event has no such field: 0 or "" */
	TAP_FIELD_INT,		/* offset, size, is_signed in the record */
	TAP_FIELD_CHARS,	/* char NAME[size] in the record */
	TAP_FIELD_DATA_LOC,	/* __data_loc char[]: u32 (len << 16 | offset) */
	TAP_FIELD_REGS,		/* a syscall argument: offset into pt_regs */
	/* USDT operands, read in a uprobe's pt_regs; size bytes, is_signed */
	TAP_FIELD_USDT_REG,	/* the register at offset */
	TAP_FIELD_USDT_MEM,	/* user memory at (s32)offset + the register at kind >> 8 */
	TAP_FIELD_USDT_CONST,	/* the constant (s32)offset */
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

/*
 * In tap_map_def.flags, not for the kernel: a table of numbers only ever
 * added to, kept per CPU (BPF_MAP_TYPE_PERCPU_HASH) and added up where it
 * is read, so that CPUs counting the same key do not take turns at it.
 */
#define TAP_MAP_F_PERCPU	BIT(31)
/*
 * A table of numbers only ever added to ('+=', '-='; never set): elements
 * perf tap merges (DWARF stacks, runtime-fold.c) add up, where the later
 * value replaces the earlier in other tables.
 */
#define TAP_MAP_F_ADDED		BIT(30)
#define TAP_MAP_F_TAP		(TAP_MAP_F_PERCPU | TAP_MAP_F_ADDED)

struct tap_map_def {
	char name[16];
	unsigned int type, key_size, value_size, max_entries, flags;
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
	TAP_PROG_FOLLOW,	/* raw tracepoint sched_process_fork: follows targets' children */
	TAP_PROG_EXEC,		/* raw tracepoint sched_process_exec: the command, from its exec */
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
	int line, col;			/* where the block starts (1:1 for main) */
	struct tap_spec *specs;		/* trace: its specs; timer: its name */
	int nr_specs;
	bool uses_argstr;		/* needs the event record: no raw tracepoints */
	long long period_ns;		/* timers */
	bool profile;			/* timers: every CPU, else one CPU */
	bool optional;			/* trace?: specs that match nothing are left out */
};

enum tap_rec_kind {
	TAP_REC_PRINT,		/* args separated by spaces, then a newline */
	TAP_REC_PRINTF,		/* fmt */
	TAP_REC_EXIT,
	TAP_REC_HIST_BEGIN,	/* map; args[0]: number of entries to show */
	TAP_REC_HIST_ENTRY,	/* map; key bytes at 8, then the 8-byte value */
	TAP_REC_HIST_END,
	TAP_REC_USTACK,		/* --call-graph dwarf: a user stack snapshot, see TAP_USTACK_* */
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
 * points into memory the object owns (freed by tap_object__delete()); the
 * compiler and its syntax tree are gone when tap_compile() returns.  Its
 * shape is versioned because perf tap record saves it with the trace.
 */
#define TAP_OBJECT_VERSION	3

struct tap_object {
	unsigned int version;		/* TAP_OBJECT_VERSION */
	char *file;			/* the script's name in messages */
	char *text;			/* the script, NUL terminated */
	size_t text_len;
	void *mem;			/* what the object owns: tap_object__alloc() */
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
	bool uses_task;			/* reads struct task_struct (ppid): offsets from BTF */
	const char **fields;		/* arg.NAME: the names, by field id */
	int nr_fields;
	const char **ksyms;		/* kernel_v(): symbol names, by index */
	int nr_ksyms;
	const char **timefmts;		/* strftime(), time(): formats, by index */
	int nr_timefmts;
};

/*
 * The compiler asks whoever knows the events (perf tap's event code) about
 * each trace block's specs.  Either hook may be NULL, as may the resolver.
 *
 * field_type: the type of field @name in every event the specs match:
 * TAP_T_NUM, TAP_T_STR, or -1 with a message in @why if some event lacks
 * it or the events disagree.  Without it fields are numbers.  *@btf: the
 * field's type in the kernel's BTF where every event gives the same, else 0.
 *
 * code_kinds: the code variants the block's events need, a mask of
 * 1 << TAP_CODE_*, given whether the block reads the event's record
 * (argstr).  Without it (or for 0) every variant is generated.
 */
struct tap_resolver {
	int (*field_type)(void *arg, const struct tap_spec *specs, int nr_specs,
			  const char *name, int *btf, char *why, size_t why_size);
	unsigned int (*code_kinds)(void *arg, const struct tap_spec *specs, int nr_specs,
				   bool uses_argstr);
	void *arg;
};

struct tap_compile_opts {
	const char *file;		/* name in diagnostics */
	size_t text_len;		/* bytes of text; 0: up to its first NUL */
	unsigned int str_size;		/* default 64 */
	unsigned int table_entries;	/* default 10240 */
	unsigned int loop_max;		/* default 1024 */
	unsigned int ustack_dwarf;	/* ustack(): bytes of stack to unwind, 0: frame pointers */
	FILE *dump_ast;			/* print the typed tree there */
	bool syntax_only;		/* stop after parsing (the tree has no types) */
	const struct tap_resolver *resolver;
};

/* Zeroed memory that lives as long as @obj; NULL if there is none. */
void *tap_object__alloc(struct tap_object *obj, size_t size);
char *tap_object__strndup(struct tap_object *obj, const char *s, size_t len);

/*
 * The object as bytes (object.c describes the layout), and back: a new
 * object, or -EINVAL for damaged input, -EPROTONOSUPPORT for another
 * version.
 */
int tap_object__serialize(const struct tap_object *obj, void **data, size_t *size);
int tap_object__deserialize(const void *data, size_t size, struct tap_object **objp);

/* "FILE:LINE:COL: error: ..." with the script's line and a caret, as the compiler says it. */
void tap_object__error(const struct tap_object *obj, int line, int col, const char *fmt, ...)
	__printf(4, 5);

/* Compile @text; NULL after printing a diagnostic to stderr. */
struct tap_object *tap_compile(const char *text, const struct tap_compile_opts *opts);
void tap_object__delete(struct tap_object *obj);
/* --dump-bpf: every program, one instruction a line, with its script line. */
void tap_object__dump_bpf(struct tap_object *obj, FILE *fp);

#endif /* __TAP_OBJECT_H */
