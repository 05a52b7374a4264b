/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The runtime's private state, shared by runtime.c (running), load.c (maps
 * and programs into the kernel) and attach.c (probes on and off).
 */
#ifndef __TAP_RUNTIME_INT_H
#define __TAP_RUNTIME_INT_H

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>
#include <linux/types.h>
#include <linux/bpf.h>

struct perf_cpu_map;

#include "event.h"
#include "format.h"
#include "object.h"
#include "runtime.h"

struct prog_state {
	int fd;			/* plain variant */
	int sys_fd;		/* syscalls:* variant */
	int tp_fd;		/* plain variant as a perf tracepoint program, on demand */
	int kprobe_fd;		/* as a kprobe program, for probe:FUNC events */
	int umulti_fd;		/* as a kprobe program for uprobe_multi links */
	int enter_base, exit_base;	/* dispatch bases in TAP_MAP_SYSCALLS, -1 if none */
};

struct runtime {
	struct tap_object *obj;
	const struct tap_run_opts *opts;
	struct tap_events evs;
	int *map_fds;
	struct prog_state *progs;
	int *links;		/* -1 where closed already */
	int nr_links;
	int nr_raw_links;	/* of them, raw tracepoint links */
	int *perf_fds;
	int *perf_links;	/* per perf event: the index of its link, -1 if none */
	int nr_perf_fds;
	int *attach_err;	/* per event: 0 attached, else -errno */
	int nr_bases;
	struct tap_output *out;
	struct tap_printer printer;
	tap_output_cb emit;		/* where records go: the printer, or a sink */
	void *emit_arg;
	bool sink_started;
	pid_t child;
	int go_pipe;
	int exec_pipe;
	int child_status;
	bool child_done;
	struct machine *machine;	/* stack() and ustack() names, made on first use */
	struct perf_cpu_map *cpus;	/* -C, NULL for every CPU */
	bool follow;			/* targets' children become targets (tap_follow) */
	int follow_link;
	int exec_link;			/* tap_exec: the command is a target from its exec */
	bool exec_perf_done;		/* runtime__watch_exec_perf() was called */
	struct tap_track *track;	/* the mappings of processes, for ustack() */
	__u64 lost_discarded;		/* lost records of runs repeated (once.c) */
	__u64 lost_extra;		/* lost records in rings of their own (once.c) */
	char *globals;			/* the globals map, mmapped; NULL if it cannot be */
	size_t globals_len;
	bool hurry;			/* stopped while attaching: detach in the background */
	__u64 fold_ns;			/* when tables of DWARF stacks were last folded */
};

/* stack(): stacks kept; the kernel rounds the buckets up to 16384 */
#define TAP_STACK_MAP_ENTRIES	8193

/* SIGINT, SIGTERM and SIGHUP received so far: the first one stops tracing. */
extern volatile sig_atomic_t tap_signals;

/* load.c */
int runtime__create_maps(struct runtime *rt);
int runtime__fill_maps(struct runtime *rt);
int runtime__set_global(struct runtime *rt, unsigned int offset, __u64 value);
__u64 runtime__get_global(struct runtime *rt, unsigned int offset);
void runtime__plan_progs(struct runtime *rt);
int runtime__load_progs(struct runtime *rt);
int runtime__load_prog(struct runtime *rt, struct tap_prog_def *prog, enum bpf_prog_type type,
		       const struct tap_code *code);
int runtime__load_prog_as(struct runtime *rt, struct tap_prog_def *prog, enum bpf_prog_type type,
			  enum bpf_attach_type attach_type, const struct tap_code *code);

/* runtime.c: what the run lost so far */
void runtime__losses(struct runtime *rt, struct tap_losses *l);
int runtime__watch_exec_perf(struct runtime *rt);
/* runtime.c: the command or every -p process has ended (checked while attaching) */
bool runtime__targets_gone(struct runtime *rt);

/*
 * runtime-fold.c: fold the elements of tables keyed by --call-graph dwarf
 * stacks whose snapshots unwound to the same frames (every 100 ms; @all:
 * at the end, everything)
 */
void runtime__fold_stacks(struct runtime *rt, bool all);

/* once.c: run top-level code or trace_end, with all of its output */
int runtime__run_once(struct runtime *rt, int prog);

/* attach.c */
int runtime__attach_all(struct runtime *rt);
void runtime__stop_probes(struct runtime *rt);
void runtime__detach_all(struct runtime *rt, int stop_signals);

#endif /* __TAP_RUNTIME_INT_H */
