/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __TAP_UNWIND_H
#define __TAP_UNWIND_H

#include <stdbool.h>
#include <linux/types.h>

struct machine;
struct tap_object;
struct tap_unwind;

/* @obj's programs send stack snapshots: it was compiled with --call-graph dwarf. */
bool tap_unwind__wanted(const struct tap_object *obj);

/*
 * ustack() with --call-graph dwarf: the snapshots of user registers and
 * stack the BPF programs send (TAP_REC_USTACK records) are unwound as they
 * arrive, with perf's unwind__get_entries() (libdw and the mapped files'
 * CFI) against the threads and maps of @machine: live, the host's (the
 * kernel's mapping reports, /proc); in report, the perf.data file's.  The
 * frames are kept under the stack value the program returned, which is
 * what tables and records hold; equal chains of frames are kept once,
 * under the first value that unwound to them, which tables are folded to.
 */
struct tap_unwind *tap_unwind__new(struct machine *machine, bool live);
void tap_unwind__delete(struct tap_unwind *u);

/* A TAP_REC_USTACK record of @size bytes: unwind it.  -1 if it is damaged. */
int tap_unwind__add(struct tap_unwind *u, const void *rec, __u32 size);

/* What is known of a stack value's snapshot. */
enum tap_unwind_state {
	TAP_UNWIND_OK,
	TAP_UNWIND_TRUNCATED,	/* frames went on above the bytes of stack copied */
	TAP_UNWIND_NO_STACK,	/* a kernel thread: no user registers */
	TAP_UNWIND_NO_MAPS,	/* the process's mappings are not known: the IP only */
	TAP_UNWIND_LOST,	/* no snapshot arrived for the value */
};

/*
 * The frames of stack value @id, innermost first: *@ips (owned by @u) and
 * *@nr; *@copied, the bytes of stack the snapshot held.
 */
enum tap_unwind_state tap_unwind__frames(struct tap_unwind *u, __u64 id, const __u64 **ips,
					 int *nr, __u32 *copied);

/*
 * Tables keyed by DWARF stacks fold elements whose snapshots unwound to
 * the same frames into one (runtime-fold.c does it to the maps):
 * *@canon, the value the element of stack value @value belongs under, if
 * it is not @value itself.  false: keep the element where it is, also
 * while @value's snapshot is not unwound, or was unwound since the last
 * tap_unwind__fold_done() (the probe that took it may be about to update
 * the element).  @all, at the end, when the probes have stopped: every
 * value unwound so far, and values whose snapshot never came fold into
 * one per process.
 */
bool tap_unwind__canonical(struct tap_unwind *u, __u64 value, bool all, __u64 *canon);
/* Values were unwound before the last pass that no pass folded yet. */
bool tap_unwind__fold_due(struct tap_unwind *u);
/* A fold pass is over (@walked: it looked at the tables); what came since is no longer new. */
void tap_unwind__fold_done(struct tap_unwind *u, bool walked);

#endif /* __TAP_UNWIND_H */
