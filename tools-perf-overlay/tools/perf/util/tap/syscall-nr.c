// SPDX-License-Identifier: GPL-2.0
/*
 * The syscall numbers of the running kernel, for the syscalls:* events.
 *
 * perf's syscall table is the one perf was built with: a newer kernel's
 * syscalls are missing from it, and their events would each need a perf
 * tracepoint (tens of milliseconds to close, each) instead of going
 * through the two raw_syscalls links.  The kernel knows every number: each
 * syscalls:* event's trace_event_call points to the syscall's
 * syscall_metadata, whose syscall_nr it fills at boot.  Those structures
 * are data, which /proc/kallsyms lists only on CONFIG_KALLSYMS_ALL kernels,
 * so a small BPF program finds them another way: from a tracefs file of one
 * syscall event that perf tap holds open (current task, file table, the
 * file's inode, whose i_private is the event's trace_event_file), and from
 * there along the list of all trace events.  It runs through
 * BPF_PROG_TEST_RUN, a few dozen events per run, and writes the name and
 * number of every syscall event it meets; the layouts come from the
 * kernel's BTF.  When any of that is missing (no BTF, no permission, a
 * layout that does not check out), perf's table answers as before.
 * PERF_TAP_KERNEL_SYSCALL_NR=0 in the environment asks the table alone, so
 * that the fallback can be tested and measured on any kernel.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <linux/filter.h>
#include <linux/kernel.h>

#include <api/fs/tracing_path.h>
#include <bpf/bpf.h>
#include "util/debug.h"

#include "ktypes.h"
#include "provider.h"

#define NAME_SIZE	64		/* "sys_enter_" and the longest syscall name fit */
#define MAX_ENTRIES	2048		/* x86_64 has about 370 syscalls, two events each */
#define NODES_PER_RUN	32		/* trace events one run visits */
#define MAX_NODES	65536		/* more trace events than that: something is wrong */

/* The program's map value: where the walk is, then what it found. */
struct walk_state {
	__u64 cursor;		/* trace_event_call to visit next; 0 before the first run */
	__u64 stop;		/* the one the walk began at */
	__u64 enter_class;	/* the trace_event_class of syscall entries */
	__u64 exit_class;	/* and exits */
	__u32 nr;		/* entries written */
	__u32 pad;
};

struct walk_entry {
	char name[NAME_SIZE];	/* the event's name: sys_enter_NAME, sys_exit_NAME */
	__s32 nr;		/* the syscall's number */
	__u32 pad;
};

#define ENTRIES_OFF	sizeof(struct walk_state)
#define VALUE_SIZE	(ENTRIES_OFF + MAX_ENTRIES * sizeof(struct walk_entry))

/* The program's return value through BPF_PROG_TEST_RUN. */
enum { WALK_MORE, WALK_DONE, WALK_FAILED };

/* Kernel offsets the program needs, from BTF. */
enum {
	OFF_TASK_FILES, OFF_FILES_FDT, OFF_FDTABLE_FD, OFF_FILE_INODE, OFF_INODE_PRIVATE,
	OFF_EFILE_CALL, OFF_CALL_LIST, OFF_CALL_CLASS, OFF_CALL_NAME, OFF_CALL_DATA,
	OFF_META_NR, OFF_META_EXIT, NR_OFFS,
};

static const struct {
	const char *type, *member;
} kernel_members[NR_OFFS] = {
	[OFF_TASK_FILES]	= { "task_struct", "files" },
	[OFF_FILES_FDT]		= { "files_struct", "fdt" },
	[OFF_FDTABLE_FD]	= { "fdtable", "fd" },
	[OFF_FILE_INODE]	= { "file", "f_inode" },
	[OFF_INODE_PRIVATE]	= { "inode", "i_private" },
	[OFF_EFILE_CALL]	= { "trace_event_file", "event_call" },
	[OFF_CALL_LIST]		= { "trace_event_call", "list" },
	[OFF_CALL_CLASS]	= { "trace_event_call", "class" },
	[OFF_CALL_NAME]		= { "trace_event_call", "name" },
	[OFF_CALL_DATA]		= { "trace_event_call", "data" },
	[OFF_META_NR]		= { "syscall_metadata", "syscall_nr" },
	[OFF_META_EXIT]		= { "syscall_metadata", "exit_event" },
};

/* Jumps to labels, resolved when the program is complete. */
enum { L_FAIL, L_DONE, L_OUT, NR_FIXED_LABELS };

struct emit {
	struct bpf_insn *insn;
	int nr, max;
	int *label;		/* instruction index of each label */
	int nr_labels;
	struct { int insn, label; } *fixup;
	int nr_fixups;
	int off[NR_OFFS];
};

static void put(struct emit *e, struct bpf_insn insn)
{
	if (e->nr < e->max)
		e->insn[e->nr] = insn;
	e->nr++;
}

/* BPF_LD_MAP_FD, which is two instructions */
static void ld_map_fd(struct emit *e, int dst, int map_fd)
{
	struct bpf_insn lo = { .code = BPF_LD | BPF_DW | BPF_IMM, .dst_reg = dst,
			       .src_reg = BPF_PSEUDO_MAP_FD, .imm = map_fd };

	put(e, lo);
	put(e, (struct bpf_insn){ 0 });		/* the upper half of the 64-bit load */
}

/* A conditional (or, with BPF_JA, plain) jump to @label. */
static void jump(struct emit *e, struct bpf_insn insn, int label)
{
	if (e->nr < e->max) {
		e->fixup[e->nr_fixups].insn = e->nr;
		e->fixup[e->nr_fixups++].label = label;
	}
	put(e, insn);
}

static void here(struct emit *e, int label)
{
	e->label[label] = e->nr;
}

/* @dst = the u64 at kernel address @src + @off; to L_FAIL if unreadable. */
static void read_u64(struct emit *e, int dst, int src, int off)
{
	put(e, BPF_MOV64_REG(BPF_REG_3, src));
	put(e, BPF_ALU64_IMM(BPF_ADD, BPF_REG_3, off));
	put(e, BPF_MOV64_REG(BPF_REG_1, BPF_REG_10));
	put(e, BPF_ALU64_IMM(BPF_ADD, BPF_REG_1, -8));
	put(e, BPF_MOV64_IMM(BPF_REG_2, 8));
	put(e, BPF_EMIT_CALL(BPF_FUNC_probe_read_kernel));
	jump(e, BPF_JMP_IMM(BPF_JNE, BPF_REG_0, 0, 0), L_FAIL);
	put(e, BPF_LDX_MEM(BPF_DW, dst, BPF_REG_10, -8));
}

#define STATE(member)	((short)offsetof(struct walk_state, member))

/*
 * The first run: the trace_event_call of the tracefs file at descriptor
 * @fd of the current task, and the classes of syscall entries and exits
 * (its own, and that of its exit event: the file is a sys_enter_ event's).
 * r6: the map value, r7: the event.
 */
static void emit_anchor(struct emit *e, int fd)
{
	static const int chain[] = { OFF_TASK_FILES, OFF_FILES_FDT, OFF_FDTABLE_FD, -1,
				     OFF_FILE_INODE, OFF_INODE_PRIVATE, OFF_EFILE_CALL };
	size_t i;

	put(e, BPF_EMIT_CALL(BPF_FUNC_get_current_task));
	put(e, BPF_MOV64_REG(BPF_REG_7, BPF_REG_0));
	for (i = 0; i < ARRAY_SIZE(chain); i++)
		read_u64(e, BPF_REG_7, BPF_REG_7, chain[i] < 0 ? fd * 8 : e->off[chain[i]]);
	put(e, BPF_STX_MEM(BPF_DW, BPF_REG_6, BPF_REG_7, STATE(stop)));
	read_u64(e, BPF_REG_8, BPF_REG_7, e->off[OFF_CALL_CLASS]);
	put(e, BPF_STX_MEM(BPF_DW, BPF_REG_6, BPF_REG_8, STATE(enter_class)));
	read_u64(e, BPF_REG_8, BPF_REG_7, e->off[OFF_CALL_DATA]);
	read_u64(e, BPF_REG_8, BPF_REG_8, e->off[OFF_META_EXIT]);
	read_u64(e, BPF_REG_8, BPF_REG_8, e->off[OFF_CALL_CLASS]);
	put(e, BPF_STX_MEM(BPF_DW, BPF_REG_6, BPF_REG_8, STATE(exit_class)));
}

/*
 * One event of the walk, r7: if it is a syscall event, its name and
 * number go to the next entry; then r7 and the cursor move on to the next
 * event, and the walk is done if that is where it began.
 */
static void emit_node(struct emit *e)
{
	int match = e->nr_labels++, next = e->nr_labels++;

	read_u64(e, BPF_REG_8, BPF_REG_7, e->off[OFF_CALL_CLASS]);
	put(e, BPF_LDX_MEM(BPF_DW, BPF_REG_1, BPF_REG_6, STATE(enter_class)));
	jump(e, BPF_JMP_REG(BPF_JEQ, BPF_REG_8, BPF_REG_1, 0), match);
	put(e, BPF_LDX_MEM(BPF_DW, BPF_REG_1, BPF_REG_6, STATE(exit_class)));
	jump(e, BPF_JMP_REG(BPF_JNE, BPF_REG_8, BPF_REG_1, 0), next);
	here(e, match);
	/* r9: the entry, bounded for the verifier */
	put(e, BPF_LDX_MEM(BPF_W, BPF_REG_9, BPF_REG_6, STATE(nr)));
	jump(e, BPF_JMP_IMM(BPF_JGE, BPF_REG_9, MAX_ENTRIES, 0), L_FAIL);
	put(e, BPF_ALU64_IMM(BPF_MUL, BPF_REG_9, sizeof(struct walk_entry)));
	put(e, BPF_ALU64_REG(BPF_ADD, BPF_REG_9, BPF_REG_6));
	put(e, BPF_ALU64_IMM(BPF_ADD, BPF_REG_9, ENTRIES_OFF));
	read_u64(e, BPF_REG_3, BPF_REG_7, e->off[OFF_CALL_NAME]);
	put(e, BPF_MOV64_REG(BPF_REG_1, BPF_REG_9));
	put(e, BPF_MOV64_IMM(BPF_REG_2, NAME_SIZE));
	put(e, BPF_EMIT_CALL(BPF_FUNC_probe_read_kernel_str));
	jump(e, BPF_JMP_IMM(BPF_JSLE, BPF_REG_0, 0, 0), L_FAIL);
	read_u64(e, BPF_REG_3, BPF_REG_7, e->off[OFF_CALL_DATA]);
	put(e, BPF_ALU64_IMM(BPF_ADD, BPF_REG_3, e->off[OFF_META_NR]));
	put(e, BPF_MOV64_REG(BPF_REG_1, BPF_REG_9));
	put(e, BPF_ALU64_IMM(BPF_ADD, BPF_REG_1, offsetof(struct walk_entry, nr)));
	put(e, BPF_MOV64_IMM(BPF_REG_2, 4));
	put(e, BPF_EMIT_CALL(BPF_FUNC_probe_read_kernel));
	jump(e, BPF_JMP_IMM(BPF_JNE, BPF_REG_0, 0, 0), L_FAIL);
	put(e, BPF_LDX_MEM(BPF_W, BPF_REG_1, BPF_REG_6, STATE(nr)));
	put(e, BPF_ALU64_IMM(BPF_ADD, BPF_REG_1, 1));
	put(e, BPF_STX_MEM(BPF_W, BPF_REG_6, BPF_REG_1, STATE(nr)));
	here(e, next);
	/* list.next points to the next event's list member */
	read_u64(e, BPF_REG_7, BPF_REG_7, e->off[OFF_CALL_LIST]);
	put(e, BPF_ALU64_IMM(BPF_ADD, BPF_REG_7, -e->off[OFF_CALL_LIST]));
	put(e, BPF_STX_MEM(BPF_DW, BPF_REG_6, BPF_REG_7, STATE(cursor)));
	put(e, BPF_LDX_MEM(BPF_DW, BPF_REG_1, BPF_REG_6, STATE(stop)));
	jump(e, BPF_JMP_REG(BPF_JEQ, BPF_REG_7, BPF_REG_1, 0), L_DONE);
}

static int emit_program(struct emit *e, int map_fd, int fd)
{
	int i, walk;

	e->max = 4096;
	e->insn = calloc(e->max, sizeof(*e->insn));
	e->fixup = calloc(e->max, sizeof(*e->fixup));
	e->label = calloc(NR_FIXED_LABELS + 2 * NODES_PER_RUN + 1, sizeof(*e->label));
	if (!e->insn || !e->fixup || !e->label)
		return -ENOMEM;
	e->nr_labels = NR_FIXED_LABELS;
	walk = e->nr_labels++;

	/* r6 = the map's one value */
	put(e, BPF_ST_MEM(BPF_W, BPF_REG_10, -4, 0));
	ld_map_fd(e, BPF_REG_1, map_fd);
	put(e, BPF_MOV64_REG(BPF_REG_2, BPF_REG_10));
	put(e, BPF_ALU64_IMM(BPF_ADD, BPF_REG_2, -4));
	put(e, BPF_EMIT_CALL(BPF_FUNC_map_lookup_elem));
	jump(e, BPF_JMP_IMM(BPF_JEQ, BPF_REG_0, 0, 0), L_FAIL);
	put(e, BPF_MOV64_REG(BPF_REG_6, BPF_REG_0));
	put(e, BPF_LDX_MEM(BPF_DW, BPF_REG_7, BPF_REG_6, STATE(cursor)));
	jump(e, BPF_JMP_IMM(BPF_JNE, BPF_REG_7, 0, 0), walk);
	emit_anchor(e, fd);
	here(e, walk);
	for (i = 0; i < NODES_PER_RUN; i++)
		emit_node(e);
	put(e, BPF_MOV64_IMM(BPF_REG_0, WALK_MORE));
	jump(e, BPF_JMP_IMM(BPF_JA, 0, 0, 0), L_OUT);
	here(e, L_DONE);
	put(e, BPF_MOV64_IMM(BPF_REG_0, WALK_DONE));
	jump(e, BPF_JMP_IMM(BPF_JA, 0, 0, 0), L_OUT);
	here(e, L_FAIL);
	put(e, BPF_MOV64_IMM(BPF_REG_0, WALK_FAILED));
	here(e, L_OUT);
	put(e, BPF_EXIT_INSN());
	if (e->nr > e->max)
		return -E2BIG;
	for (i = 0; i < e->nr_fixups; i++)
		e->insn[e->fixup[i].insn].off = (short)(e->label[e->fixup[i].label] -
							 e->fixup[i].insn - 1);
	return 0;
}

/* What the kernel said, sorted by name, in the map value read; or why it said nothing. */
static char *known_value;
static struct walk_entry *known;
static int nr_known;
static const char *unknown_why;
static bool tried;

static int entry_cmp(const void *a, const void *b)
{
	return strcmp(((const struct walk_entry *)a)->name, ((const struct walk_entry *)b)->name);
}

/* Run the program until it has been round the list: 0, or why not. */
static const char *walk(int prog_fd, int map_fd, const char *anchor, char *value)
{
	LIBBPF_OPTS(bpf_test_run_opts, topts);
	struct walk_state *st = (struct walk_state *)value;
	__u32 key = 0;
	int run, i;

	for (run = 0; run < MAX_NODES / NODES_PER_RUN; run++) {
		if (bpf_prog_test_run_opts(prog_fd, &topts))
			return "BPF_PROG_TEST_RUN failed";
		if (topts.retval != WALK_MORE)
			break;
	}
	if (topts.retval != WALK_DONE)
		return "the kernel's list of trace events could not be followed";
	if (bpf_map_lookup_elem(map_fd, &key, value))
		return "its map could not be read";
	known = (struct walk_entry *)(value + ENTRIES_OFF);
	nr_known = (int)st->nr;
	for (i = 0; i < nr_known; i++)
		known[i].name[NAME_SIZE - 1] = '\0';
	/* the walk began at the anchor: a layout taken wrongly shows there first */
	if (!nr_known || strcmp(known[0].name, anchor))
		return "the kernel's trace events are not laid out as its BTF says";
	qsort(known, nr_known, sizeof(*known), entry_cmp);
	return NULL;
}

/* Read the numbers, holding open the format file of syscalls:@anchor. */
static const char *read_numbers(const char *anchor)
{
	const char *env = getenv("PERF_TAP_KERNEL_SYSCALL_NR");
	struct emit e = { 0 };
	char *name, *path, *value = NULL;
	const char *why = "out of memory";
	int i, fd = -1, map_fd = -1, prog_fd = -1;

	if (env && !strcmp(env, "0"))
		return "PERF_TAP_KERNEL_SYSCALL_NR=0";

	for (i = 0; i < NR_OFFS; i++) {
		e.off[i] = tap_ktypes__offset(kernel_members[i].type, kernel_members[i].member);
		if (e.off[i] < 0)
			return tap_ktypes__btf() ? "its BTF lacks a type" : "it has no BTF";
	}
	if (asprintf(&name, "syscalls/%s/format", anchor) < 0)
		return why;
	path = get_events_file(name);
	free(name);
	if (!path)
		return why;
	fd = open(path, O_RDONLY);
	put_events_file(path);
	if (fd < 0) {
		why = "tracefs cannot be read";
		goto out;
	}
	map_fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "tap_syscall_nr", 4, VALUE_SIZE, 1, NULL);
	if (map_fd < 0) {
		why = "no BPF map";
		goto out;
	}
	if (emit_program(&e, map_fd, fd))
		goto out;
	prog_fd = bpf_prog_load(BPF_PROG_TYPE_RAW_TRACEPOINT, "tap_syscall_nr", "GPL", e.insn,
				(size_t)e.nr, NULL);
	if (prog_fd < 0) {
		why = "the kernel refuses the program that reads them";
		goto out;
	}
	value = calloc(1, VALUE_SIZE);
	if (value)
		why = walk(prog_fd, map_fd, anchor, value);
out:
	if (why) {
		free(value);
		known = NULL;
		nr_known = 0;
	} else {
		known_value = value;
	}
	if (prog_fd >= 0)
		close(prog_fd);
	if (map_fd >= 0)
		close(map_fd);
	if (fd >= 0)
		close(fd);
	free(e.insn);
	free(e.fixup);
	free(e.label);
	return why;
}

int tap_syscall__kernel_nr(const char *event)
{
	struct walk_entry key, *found;

	if (!tried) {
		char anchor[NAME_SIZE];

		tried = true;
		/* the program begins at a sys_enter_ event: every syscall has one */
		snprintf(anchor, sizeof(anchor), "sys_enter_%s",
			 strncmp(event, "sys_exit_", 9) ? event + 10 : event + 9);
		unknown_why = read_numbers(anchor);
		if (unknown_why)
			pr_debug("perf tap: the running kernel's syscall numbers: %s\n",
				 unknown_why);
	}
	if (strlen(event) >= NAME_SIZE)
		return -1;
	memcpy(key.name, event, strlen(event) + 1);
	found = bsearch(&key, known, nr_known, sizeof(*known), entry_cmp);
	return found ? found->nr : -1;
}

const char *tap_syscall__kernel_nr_missing(void)
{
	return unknown_why;
}

void tap_syscall__kernel_nr_exit(void)
{
	free(known_value);
	known_value = NULL;
	known = NULL;
	nr_known = 0;
	tried = false;
	unknown_why = NULL;
}
