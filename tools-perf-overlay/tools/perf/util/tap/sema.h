/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __TAP_SEMA_H
#define __TAP_SEMA_H

#include "ast.h"

/* The result of semantic analysis: symbols with types, storage laid out. */
struct tap_sema {
	struct tap_sym *globals;	/* in declaration order */
	int globals_size;		/* bytes of the globals map value */
	int ntables;			/* tables, numbered from 0 in sym->map */
	bool uses_rodata;		/* sprintf(), tostring(): formats in a read-only map */
	struct tap_sym **tables;
};

/* Fixed slots at the start of the globals map value. */
#define TAP_G_EXITED	0	/* set by exit(): every probe returns at once */
#define TAP_G_TARGET	8	/* tgid that probes are restricted to, 0 for all */
#define TAP_G_DROPS	16	/* table updates lost because a table was full */
#define TAP_G_LOOPS	24	/* while loops stopped at --loop-max */
#define TAP_G_OUTFAIL	32	/* records bpf_perf_event_output refused */
#define TAP_G_NCPUS	40	/* possible CPUs, for folding per-CPU aggregations */
#define TAP_G_CLOCK	48	/* CLOCK_REALTIME - CLOCK_MONOTONIC at start, in ns */
#define TAP_G_CPUS	56	/* -C: mask of the CPUs probes run on, 0 for all */
#define TAP_G_STACKLOST	64	/* stack() values lost to stack map hash collisions */
#define TAP_G_FIRST	72

/* An aggregation element per CPU: count, sum, min, max, log2 histogram. */
#define TAP_AGG_COUNT	0
#define TAP_AGG_SUM	8
#define TAP_AGG_MIN	16
#define TAP_AGG_MAX	24
#define TAP_AGG_HIST	32
#define TAP_AGG_BUCKETS	64
#define TAP_AGG_SIZE	(TAP_AGG_HIST + 8 * TAP_AGG_BUCKETS)

void tap_sema(struct tap_compiler *c, struct tap_node *items, struct tap_sema *out);

#endif /* __TAP_SEMA_H */
