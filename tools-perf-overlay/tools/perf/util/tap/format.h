/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __TAP_FORMAT_H
#define __TAP_FORMAT_H

#include <stdbool.h>
#include <stdio.h>
#include <linux/types.h>

#include "object.h"

struct tap_hist_entry {
	char *key;		/* the keys that are not stacks, ", " between them */
	char *frames;		/* the frames of the stacks in the key, or NULL */
	long long value;
	long long *agg;		/* aggregations: count, sum, min, max, buckets */
	char *raw;		/* --json: the key's bytes, for its typed parts */
};

/* A print_hist being received on one CPU. */
struct tap_hist {
	int cpu;
	long long limit;
	const struct tap_map_def *map;	/* the table being printed */
	struct tap_hist_entry *ents;
	size_t nr;
};

/* Decodes the records BPF programs emit, and prints them. */
struct tap_printer {
	struct tap_object *obj;
	FILE *fp;
	struct tap_hist *hists;	/* print_hist in progress, per CPU */
	int nr_hists;
	/*
	 * stack(): the stack trace map, or where stack_ips() finds the frames
	 * (report: in the file), and a kernel address to "sym+off"
	 */
	int stacks_fd;
	int (*stack_ips)(void *arg, __u32 id, __u64 *ips);
	const char *(*symbolize)(void *arg, u64 addr, char *buf, size_t size);
	const char *(*symbolize_user)(void *arg, int pid, u64 addr, char *buf, size_t size);
	void *symbolize_arg;
	struct tap_unwind *unwind;	/* --call-graph dwarf: the unwound snapshots */
	/* argstr: the event's fields as perf script prints them */
	void (*format_event)(void *arg, int cpu, const void *data, FILE *fp);
	void *format_event_arg;
	int cpu;		/* of the record being printed */
	u64 time;		/* ... and its time stamp */
	bool json;		/* one JSON object a record */
	bool exited;		/* an exit() record was seen */
	u64 bad;		/* records that did not decode */
	/* stack values printed without frames, by why bpf_get_stackid() kept none */
	u64 stacks_collided;	/* -EEXIST: another stack had its hash bucket */
	u64 stacks_full;	/* -ENOMEM: no free element left in the map */
	u64 stacks_other;
};

/*
 * The frames of stack value @id, one "\tsym+off" line each without a final
 * newline, in a new string; a stack bpf_get_stackid() could not keep is
 * one line saying why (and counted in the printer).
 */
char *tap_format_stack(struct tap_printer *p, long long id);

/*
 * A TAP_T_SYM value (TAP_SYM_SIZE bytes at @value) as text in @buf: an
 * address as "function+0xoff" (a user one with its file, as ustack()
 * frames), a time formatted with its strftime() format.  Returns @buf.
 */
const char *tap_format_sym(struct tap_printer *p, const void *value, char *buf, size_t size);

/* What a run lost: counted live, saved by perf tap record for report. */
struct tap_losses {
	__u64 records;		/* output records: the rings were full */
	__u64 drops;		/* table updates: a table was full */
	__u64 loops;		/* loops stopped after loop_max iterations */
	__u64 stacks_collided;	/* stacks lost to hash collisions in the stack map */
	__u64 track;		/* reports of processes' mappings */
	__u64 nested;		/* probe runs the kernel skipped (bpf_prog_info.recursion_misses) */
	__u32 table_entries, loop_max, stack_entries, stack_buckets;
};

/* Warnings on stderr for what was lost, in the run and in the printer @p. */
void tap_print_losses(const struct tap_losses *l, const struct tap_printer *p);

/* Print any print_hist left without its end record, and free what @p holds. */
void tap_printer__exit(struct tap_printer *p);

/* A print or printf record as text, to p->fp. */
void tap_format_text(struct tap_printer *p, const struct tap_rec_def *def, const char *rec);

/* Bucket @b of an aggregation's histogram: *@lo, *@hi; returns 1: lo only, 2: hi only, 3: both. */
int tap_bucket_bounds(const struct tap_map_def *m, int b, long long *lo, long long *hi);

/*
 * json.c, --json: one object a line for each record; hists come merged
 * and sorted, @incomplete when their end record was lost.
 */
void tap_json_text(struct tap_printer *p, const struct tap_rec_def *def, const char *rec);
void tap_json_exit(struct tap_printer *p);
void tap_json_hist(struct tap_printer *p, struct tap_hist *h, const struct tap_map_def *m,
		   bool incomplete);
struct tap_losses;
void tap_json_losses(const struct tap_printer *p, const struct tap_losses *l);

/* A tap_output_cb: @arg is the struct tap_printer. */
int tap_print_record(void *arg, int cpu, u64 time, const void *data, u32 size);

struct tap_event;
struct tep_event;

/*
 * argstr: the event record in @data (TAP_ARGSTR_*) as perf script prints
 * a tracepoint's fields, with @ev's format @tp (from tracefs live, from
 * the tracing data in report).
 */
void tap_format_argstr(const struct tap_event *ev, struct tep_event *tp, int cpu,
		       const void *data, FILE *fp);

#endif /* __TAP_FORMAT_H */
