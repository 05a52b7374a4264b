/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __TAP_TRACK_H
#define __TAP_TRACK_H

#include <linux/types.h>

struct machine;
struct tap_track;

/*
 * Follow every process's executable mappings while tracing, so that the
 * user stacks of processes that have exited still get names when they are
 * printed (at trace_end, say): a dummy software event on every CPU with
 * mmap, comm and fork reports, as perf record's tracking event, whose
 * records go to perf's @machine.  NULL with a message if the event cannot
 * be opened.
 */
struct tap_track *tap_track__new(struct machine *machine);

/* Hand what the kernel reported so far to the machine, in time order. */
void tap_track__drain(struct tap_track *t);

/* Reports the kernel could not put into a full ring, so far. */
u64 tap_track__lost(struct tap_track *t);

void tap_track__delete(struct tap_track *t);

#endif /* __TAP_TRACK_H */
