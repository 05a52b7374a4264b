/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __TAP_SAVED_H
#define __TAP_SAVED_H

#include <stddef.h>
#include <linux/types.h>

#include "event.h"
#include "format.h"
#include "object.h"

/* A stack as the stack map held it at the end of the run. */
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
/* Stacks in the order tap_saved__stack() needs, and freed. */
void tap_saved__sort_stacks(struct tap_saved *s);
void tap_saved__free_stacks(struct tap_saved_stack *stacks, int nr);
/* Frames of stack @id into @ips (TAP_STACK_DEPTH of them, zero-ended); -ENOENT if unknown. */
int tap_saved__stack(const struct tap_saved *s, __u32 id, __u64 *ips);

#endif /* __TAP_SAVED_H */
