/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __TAP_RECORD_H
#define __TAP_RECORD_H

#include <stddef.h>
#include <linux/types.h>

#include "event.h"
#include "format.h"
#include "object.h"
#include "runtime.h"

/*
 * perf tap record: a run's records as the samples of the bpf-output event
 * in a perf.data written with perf's session and header code, and in its
 * HEADER_TAP feature what report needs to decode them (struct tap_saved).
 */
struct tap_record;

/* A recording into @path (perf.data.old keeps the file there); NULL if out of memory. */
struct tap_record *tap_record__new(const char *path);
/* What tap_run() needs to send the records to @rec (valid as long as @rec). */
const struct tap_sink *tap_record__sink(struct tap_record *rec);
void tap_record__delete(struct tap_record *rec);

/* A kernel stack as the stack map held it at the end of the run. */
struct tap_saved_stack {
	__u32 id;
	__u32 nr;
	__u64 *ips;
};

/*
 * The HEADER_TAP feature's content: the compiled script, the events it
 * was attached to (event index = the first u32 of an argstr), the kernel
 * stacks, and what the run lost.
 */
struct tap_saved {
	struct tap_object *obj;
	struct tap_event *evs;
	int nr_evs;
	struct tap_saved_stack *stacks;	/* sorted by id */
	int nr_stacks;
	struct tap_losses losses;
};

/* The version of the layout; a file of another version is refused. */
#define TAP_SAVED_VERSION	1

/* As bytes; 0 or -ENOMEM. */
int tap_saved__encode(const struct tap_saved *s, void **data, size_t *size);
/*
 * Back from bytes: 0, -EINVAL for damaged data, -EPROTONOSUPPORT for
 * another version of the layout or of the tap object in it (@version[0]
 * and [1]: the versions found, 0 where it did not get that far).
 */
int tap_saved__decode(const void *data, size_t size, struct tap_saved *s, __u32 version[2]);
void tap_saved__exit(struct tap_saved *s);
/* Frames of stack @id into @ips (TAP_STACK_DEPTH of them, zero-ended); -ENOENT if unknown. */
int tap_saved__stack(const struct tap_saved *s, __u32 id, __u64 *ips);

#endif /* __TAP_RECORD_H */
