/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The language's built-in names and functions: one table entry each, so
 * that what is said of a built-in (its name, how it is called, where it
 * has a value, the type of its value) is said once.  sema resolves a name
 * to its entry and records it on the node; codegen dispatches on that.
 */
#ifndef __TAP_BUILTIN_H
#define __TAP_BUILTIN_H

#include <stdbool.h>

#include <linux/bits.h>

enum tap_builtin {
	TAP_B_NONE,
	/* values */
	TAP_B_EXECNAME, TAP_B_PID, TAP_B_PPID, TAP_B_CPID, TAP_B_TID, TAP_B_UID, TAP_B_CPU,
	TAP_B_PROBENAME,
	TAP_B_ARG0, TAP_B_ARG9 = TAP_B_ARG0 + 9, TAP_B_RETVAL, TAP_B_ARGSTR,
	/* functions */
	TAP_B_PRINT, TAP_B_PRINTF, TAP_B_EXIT, TAP_B_PRINT_HIST, TAP_B_DELETE, TAP_B_LEN,
	/* of an aggregation element, folded across CPUs */
	TAP_B_COUNT, TAP_B_SUM, TAP_B_AVG, TAP_B_MIN, TAP_B_MAX,
	/* strings from memory */
	TAP_B_KERNEL_STRING, TAP_B_USER_STRING,
	/* numbers from memory: 8 or 4 bytes, kernel or user */
	TAP_B_KERNEL_U64, TAP_B_KERNEL_U32, TAP_B_USER_U64, TAP_B_USER_U32,
	/* stacks */
	TAP_B_STACK, TAP_B_USTACK,
	/* wall-clock time */
	TAP_B_TIME_NS, TAP_B_TIME_US, TAP_B_TIME_MS, TAP_B_TIME_S,
	/* kernel state */
	TAP_B_IN_INTERRUPT, TAP_B_KERNEL_V,
	/* a linear histogram, on the right of '<<<' */
	TAP_B_LHIST,
	/* numbers to strings */
	TAP_B_SPRINTF, TAP_B_TOSTRING,
	/* named when printed (TAP_T_SYM): an address as a symbol, a time as text */
	TAP_B_USYM, TAP_B_KSYM, TAP_B_STRFTIME, TAP_B_TIME,
	/* kernel data (sema-btf.c): the current task, byte arrays */
	TAP_B_CURTASK, TAP_B_NTOP, TAP_B_HEX,
	TAP_B_NR,
};

/* Kinds of block a built-in has a value in (a function body: where it is called). */
#define TAP_IN_MAIN	BIT(0)	/* top-level code */
#define TAP_IN_END	BIT(1)	/* trace_end */
#define TAP_IN_TRACE	BIT(2)	/* trace blocks */
#define TAP_IN_TIMER	BIT(3)	/* tick-N, profile-N */
#define TAP_IN_PROBES	(TAP_IN_TRACE | TAP_IN_TIMER)
#define TAP_IN_ANY	(TAP_IN_MAIN | TAP_IN_END | TAP_IN_PROBES)

/* The type of a built-in's value, where it is fixed (else sema's rule says). */
enum tap_builtin_type {
	TAP_BT_RULE,		/* decided by a rule of its own in sema */
	TAP_BT_NUM,
	TAP_BT_STR,
	TAP_BT_STACK,
	TAP_BT_VOID,
	TAP_BT_SYM,
};

struct tap_builtin_def {
	const char *name;
	enum tap_builtin id;
	bool call;			/* NAME(...) rather than a plain NAME */
	signed char min_args;		/* calls */
	signed char max_args;		/* calls; -1: any number */
	const char *args;		/* calls: "takes ..." in an arity error */
	unsigned int in;		/* TAP_IN_*: where it has a value */
	enum tap_builtin_type type;
};

/* The entry for @name used as a value (@call false) or called; NULL if none. */
const struct tap_builtin_def *tap_builtin_find(const char *name, bool call);
/* The entry of @id. */
const struct tap_builtin_def *tap_builtin_get(enum tap_builtin id);
/* Whether @name is built in, either way. */
bool tap_builtin_is_name(const char *name);
/* The built-in name closest to a misspelled @name, or NULL if none is close. */
const char *tap_builtin_closest(const char *name, bool call);
/* Edit distance between @a and @b if it is at most 2, else 3: for "did you mean". */
int tap_name_distance(const char *a, const char *b);
/* "trace probes", "probes and timers": the kinds of block in @in, for messages. */
const char *tap_builtin_where(unsigned int in);

#endif /* __TAP_BUILTIN_H */
