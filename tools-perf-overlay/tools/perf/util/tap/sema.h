/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __TAP_SEMA_H
#define __TAP_SEMA_H

#include "ast.h"

enum tap_builtin {
	TAP_B_NONE,
	/* values */
	TAP_B_EXECNAME, TAP_B_PID, TAP_B_TID, TAP_B_UID, TAP_B_CPU, TAP_B_PROBENAME,
	TAP_B_ARG0, TAP_B_ARG9 = TAP_B_ARG0 + 9, TAP_B_RETVAL, TAP_B_ARGSTR,
	/* functions */
	TAP_B_PRINT, TAP_B_PRINTF, TAP_B_EXIT, TAP_B_PRINT_HIST, TAP_B_DELETE, TAP_B_LEN,
	/* of an aggregation element, folded across CPUs */
	TAP_B_COUNT, TAP_B_SUM, TAP_B_AVG, TAP_B_MIN, TAP_B_MAX,
	/* strings from memory */
	TAP_B_KERNEL_STRING, TAP_B_USER_STRING,
	/* stacks */
	TAP_B_STACK, TAP_B_USTACK,
	/* wall-clock time */
	TAP_B_TIME_NS, TAP_B_TIME_US, TAP_B_TIME_MS, TAP_B_TIME_S,
	/* kernel state */
	TAP_B_IN_INTERRUPT, TAP_B_KERNEL_V,
};

/* The result of semantic analysis: symbols with types, storage laid out. */
struct tap_sema {
	struct tap_sym *globals;	/* in declaration order */
	int globals_size;		/* bytes of the globals map value */
	int ntables;			/* tables, numbered from 0 in sym->map */
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
#define TAP_G_FIRST	64

/* An aggregation element per CPU: count, sum, min, max, log2 histogram. */
#define TAP_AGG_COUNT	0
#define TAP_AGG_SUM	8
#define TAP_AGG_MIN	16
#define TAP_AGG_MAX	24
#define TAP_AGG_HIST	32
#define TAP_AGG_BUCKETS	64
#define TAP_AGG_SIZE	(TAP_AGG_HIST + 8 * TAP_AGG_BUCKETS)

void tap_sema(struct tap_compiler *c, struct tap_node *items, struct tap_sema *out);
/* What a value-name or call-name means as a built-in (TAP_B_NONE if not). */
enum tap_builtin tap_builtin_lookup(const char *name, bool call);

#endif /* __TAP_SEMA_H */
