// SPDX-License-Identifier: GPL-2.0
/*
 * The table of built-ins.  Adding one: an entry here, its type rule in
 * sema.c if its type is not fixed, and its code in the generator.
 */
#include <string.h>

#include <linux/kernel.h>

#include "builtin.h"

#define VALUE(n, i, where, t) \
	{ .name = n, .id = i, .in = where, .type = TAP_BT_##t }
#define CALL(n, i, lo, hi, what, where, t) \
	{ .name = n, .id = i, .call = true, .min_args = lo, .max_args = hi, .args = what, \
	  .in = where, .type = TAP_BT_##t }

static const struct tap_builtin_def builtins[] = {
	VALUE("execname",	TAP_B_EXECNAME,		TAP_IN_ANY,	STR),
	VALUE("pid",		TAP_B_PID,		TAP_IN_ANY,	NUM),
	VALUE("ppid",		TAP_B_PPID,		TAP_IN_ANY,	NUM),
	VALUE("cpid",		TAP_B_CPID,		TAP_IN_ANY,	NUM),
	VALUE("tid",		TAP_B_TID,		TAP_IN_ANY,	NUM),
	VALUE("uid",		TAP_B_UID,		TAP_IN_ANY,	NUM),
	VALUE("cpu",		TAP_B_CPU,		TAP_IN_ANY,	NUM),
	VALUE("probename",	TAP_B_PROBENAME,	TAP_IN_PROBES,	STR),
	VALUE("arg0",		TAP_B_ARG0,		TAP_IN_TRACE,	NUM),
	VALUE("arg1",		TAP_B_ARG0 + 1,		TAP_IN_TRACE,	NUM),
	VALUE("arg2",		TAP_B_ARG0 + 2,		TAP_IN_TRACE,	NUM),
	VALUE("arg3",		TAP_B_ARG0 + 3,		TAP_IN_TRACE,	NUM),
	VALUE("arg4",		TAP_B_ARG0 + 4,		TAP_IN_TRACE,	NUM),
	VALUE("arg5",		TAP_B_ARG0 + 5,		TAP_IN_TRACE,	NUM),
	VALUE("arg6",		TAP_B_ARG0 + 6,		TAP_IN_TRACE,	NUM),
	VALUE("arg7",		TAP_B_ARG0 + 7,		TAP_IN_TRACE,	NUM),
	VALUE("arg8",		TAP_B_ARG0 + 8,		TAP_IN_TRACE,	NUM),
	VALUE("arg9",		TAP_B_ARG9,		TAP_IN_TRACE,	NUM),
	VALUE("$retval",	TAP_B_RETVAL,		TAP_IN_TRACE,	NUM),
	VALUE("argstr",		TAP_B_ARGSTR,		TAP_IN_TRACE,	RULE),
	CALL("print",		TAP_B_PRINT, 0, -1, NULL,	TAP_IN_ANY,	VOID),
	CALL("printf",		TAP_B_PRINTF, 1, -1, "a format string and its arguments",
	     TAP_IN_ANY, VOID),
	CALL("exit",		TAP_B_EXIT, 0, 0, "no arguments", TAP_IN_ANY,	VOID),
	CALL("print_hist",	TAP_B_PRINT_HIST, 1, 2, "a table name and an optional count",
	     TAP_IN_ANY, VOID),
	CALL("delete",		TAP_B_DELETE, 1, 1, "a table or a table element",
	     TAP_IN_ANY, VOID),
	CALL("len",		TAP_B_LEN, 1, 1, "one table name", TAP_IN_ANY, NUM),
	CALL("count",		TAP_B_COUNT, 1, 1, "one element of an aggregation: count(t[k])",
	     TAP_IN_ANY, NUM),
	CALL("sum",		TAP_B_SUM, 1, 1, "one element of an aggregation: sum(t[k])",
	     TAP_IN_ANY, NUM),
	CALL("avg",		TAP_B_AVG, 1, 1, "one element of an aggregation: avg(t[k])",
	     TAP_IN_ANY, NUM),
	CALL("min",		TAP_B_MIN, 1, 1, "one element of an aggregation: min(t[k])",
	     TAP_IN_ANY, NUM),
	CALL("max",		TAP_B_MAX, 1, 1, "one element of an aggregation: max(t[k])",
	     TAP_IN_ANY, NUM),
	CALL("kernel_string",	TAP_B_KERNEL_STRING, 1, 1, "one address", TAP_IN_ANY, STR),
	CALL("user_string",	TAP_B_USER_STRING, 1, 1, "one address", TAP_IN_ANY, STR),
	CALL("kernel_u64",	TAP_B_KERNEL_U64, 1, 1, "one address", TAP_IN_ANY, NUM),
	CALL("kernel_u32",	TAP_B_KERNEL_U32, 1, 1, "one address", TAP_IN_ANY, NUM),
	CALL("user_u64",	TAP_B_USER_U64, 1, 1, "one address", TAP_IN_ANY, NUM),
	CALL("user_u32",	TAP_B_USER_U32, 1, 1, "one address", TAP_IN_ANY, NUM),
	CALL("stack",		TAP_B_STACK, 0, 1, "an optional number of frames, 1 to 127",
	     TAP_IN_PROBES, STACK),
	CALL("ustack",		TAP_B_USTACK, 0, 1, "an optional number of frames, 1 to 127",
	     TAP_IN_PROBES, STACK),
	CALL("gettimeofday_ns",	TAP_B_TIME_NS, 0, 0, "no arguments", TAP_IN_ANY, NUM),
	CALL("gettimeofday_us",	TAP_B_TIME_US, 0, 0, "no arguments", TAP_IN_ANY, NUM),
	CALL("gettimeofday_ms",	TAP_B_TIME_MS, 0, 0, "no arguments", TAP_IN_ANY, NUM),
	CALL("gettimeofday_s",	TAP_B_TIME_S, 0, 0, "no arguments", TAP_IN_ANY, NUM),
	CALL("in_interrupt",	TAP_B_IN_INTERRUPT, 0, 0, "no arguments", TAP_IN_ANY, NUM),
	CALL("kernel_v",	TAP_B_KERNEL_V, 1, 1,
	     "a kernel symbol name as a string literal", TAP_IN_ANY, NUM),
	CALL("lhist",		TAP_B_LHIST, 4, 4,
	     "a value and constant bounds and step: t[k] <<< lhist(v, 0, 100, 10)",
	     TAP_IN_ANY, RULE),
	CALL("sprintf",		TAP_B_SPRINTF, 1, 13, "a format string and up to 12 values",
	     TAP_IN_ANY, STR),
	CALL("tostring",	TAP_B_TOSTRING, 1, 1, "one number", TAP_IN_ANY, STR),
	CALL("usym",		TAP_B_USYM, 1, 1, "one user address", TAP_IN_ANY, SYM),
	CALL("ksym",		TAP_B_KSYM, 1, 1, "one kernel address", TAP_IN_ANY, SYM),
	CALL("strftime",	TAP_B_STRFTIME, 2, 2,
	     "a format string literal and a wall-clock time in ns: strftime(\"%H:%M:%S\", gettimeofday_ns())",
	     TAP_IN_ANY, SYM),
	CALL("time",		TAP_B_TIME, 0, 1, "an optional format string literal",
	     TAP_IN_ANY, SYM),
	VALUE("curtask",	TAP_B_CURTASK,		TAP_IN_ANY,	RULE),
	CALL("ntop",		TAP_B_NTOP, 1, 2,
	     "a 4- or 16-byte array, or an address family and a byte array", TAP_IN_ANY, STR),
	CALL("hex",		TAP_B_HEX, 1, 1, "one byte array", TAP_IN_ANY, STR),
};

#define NR_BUILTINS (ARRAY_SIZE(builtins))

const struct tap_builtin_def *tap_builtin_find(const char *name, bool call)
{
	size_t i;

	for (i = 0; i < NR_BUILTINS; i++)
		if (builtins[i].call == call && !strcmp(builtins[i].name, name))
			return &builtins[i];
	return NULL;
}

const struct tap_builtin_def *tap_builtin_get(enum tap_builtin id)
{
	size_t i;

	for (i = 0; i < NR_BUILTINS; i++)
		if (builtins[i].id == id)
			return &builtins[i];
	return NULL;
}

bool tap_builtin_is_name(const char *name)
{
	return tap_builtin_find(name, false) || tap_builtin_find(name, true);
}

const char *tap_builtin_where(unsigned int in)
{
	if (in == TAP_IN_TRACE)
		return "trace probes";
	if (in == TAP_IN_PROBES)
		return "probes and timers";
	return "this block";
}

int tap_name_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j;
	int row[32], prev, cur;

	if (la >= 32 || lb >= 32 || (la > lb ? la - lb : lb - la) > 2)
		return 3;
	for (j = 0; j <= lb; j++)
		row[j] = (int)j;
	for (i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = (int)i;
		for (j = 1; j <= lb; j++) {
			cur = row[j];
			row[j] = prev + (a[i - 1] != b[j - 1]);
			if (row[j - 1] + 1 < row[j])
				row[j] = row[j - 1] + 1;
			if (cur + 1 < row[j])
				row[j] = cur + 1;
			prev = cur;
		}
	}
	return row[lb] < 3 ? row[lb] : 3;
}

/* Names other tracers use for what perf tap calls otherwise. */
static const struct {
	const char *other, *ours;
} synonyms[] = {
	{ "comm", "execname" },
	{ "nsecs", "gettimeofday_ns" },
	{ "retval", "$retval" },
	{ "kstack", "stack" },
	{ "tgid", "pid" },
	{ "str", "kernel_string" },
	{ "exit_group", "exit" },
	/* ktap's */
	{ "argname", "probename" },
	{ "argevent", "argstr" },
};

const char *tap_builtin_closest(const char *name, bool call)
{
	const char *best = NULL;
	int best_d = 3;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(synonyms); i++)
		if (!strcmp(synonyms[i].other, name))
			return synonyms[i].ours;
	if (strlen(name) < 3)
		return NULL;
	for (i = 0; i < NR_BUILTINS; i++) {
		int d;

		if (builtins[i].call != call)
			continue;
		d = tap_name_distance(name, builtins[i].name);
		if (d < best_d) {
			best_d = d;
			best = builtins[i].name;
		}
	}
	return best;
}
