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
	/* stack(): the stack trace map, and a kernel address to "sym+off" */
	int stacks_fd;
	const char *(*symbolize)(void *arg, u64 addr, char *buf, size_t size);
	const char *(*symbolize_user)(void *arg, int pid, u64 addr, char *buf, size_t size);
	void *symbolize_arg;
	/* argstr: the event's fields as perf script prints them */
	void (*format_event)(void *arg, int cpu, const void *data, FILE *fp);
	void *format_event_arg;
	int cpu;		/* of the record being printed */
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

/* Print any print_hist left without its end record, and free what @p holds. */
void tap_printer__exit(struct tap_printer *p);

/* A tap_output_cb: @arg is the struct tap_printer. */
int tap_print_record(void *arg, int cpu, u64 time, const void *data, u32 size);

#endif /* __TAP_FORMAT_H */
