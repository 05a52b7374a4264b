// SPDX-License-Identifier: GPL-2.0
/*
 * The perf tap compiler (util/tap/) on its own: scripts in, tap objects
 * (programs, maps, record layouts) or FILE:LINE:COL diagnostics out.  No
 * privileges and no kernel support needed: nothing is loaded.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/kernel.h>

#include "debug.h"
#include "tests.h"
#include "util/tap/object.h"

/*
 * Compile @text as "test.tap"; what the compiler prints on stderr (its
 * diagnostic) is kept in @diag.
 */
static struct tap_object *compile(const char *text, char *diag, size_t size)
{
	struct tap_compile_opts opts = { .file = "test.tap" };
	struct tap_object *obj;
	FILE *tmp = tmpfile();
	int saved = -1;
	size_t n;

	diag[0] = '\0';
	if (tmp) {
		fflush(stderr);
		saved = dup(STDERR_FILENO);
		if (saved < 0 || dup2(fileno(tmp), STDERR_FILENO) < 0) {
			fclose(tmp);
			tmp = NULL;
		}
	}
	obj = tap_compile(text, &opts);
	if (tmp) {
		fflush(stderr);
		dup2(saved, STDERR_FILENO);
		rewind(tmp);
		n = fread(diag, 1, size - 1, tmp);
		diag[n] = '\0';
		fclose(tmp);
	}
	if (saved >= 0)
		close(saved);
	if (!obj)
		pr_debug("%s", diag);
	return obj;
}

static const struct tap_prog_def *find_prog(const struct tap_object *obj,
					    enum tap_prog_kind kind)
{
	for (int i = 0; i < obj->nr_progs; i++) {
		if (obj->progs[i].kind == kind)
			return &obj->progs[i];
	}
	return NULL;
}

/* Generated variants of @prog that do not end in an exit instruction. */
static int bad_endings(const struct tap_prog_def *prog)
{
	int generated = 0, bad = 0;

	for (int v = 0; v < TAP_CODE_NR; v++) {
		const struct tap_code *code = &prog->code[v];

		if (!code->insns)
			continue;
		generated++;
		if (!code->cnt || code->insns[code->cnt - 1].code != (BPF_JMP | BPF_EXIT)) {
			pr_debug("%s: variant %d does not end in exit\n", prog->name, v);
			bad++;
		}
	}
	return generated ? bad : 1;
}

static int test__tap_programs(struct test_suite *test __maybe_unused,
			      int subtest __maybe_unused)
{
	static const char script[] =
		"var n = 0\n"
		"trace syscalls:sys_enter_getpid { n += 1 }\n"
		"tick-1s { print(n) }\n"
		"trace_end { printf(\"%d events\\n\", n) }\n";
	const struct tap_prog_def *main_prog, *trace, *timer, *end;
	bool print = false, printf_rec = false;
	struct tap_object *obj;
	char diag[1024];
	int ret = TEST_FAIL;

	obj = compile(script, diag, sizeof(diag));
	TEST_ASSERT_VAL("the script compiles", obj);
	if (diag[0]) {
		pr_debug("a diagnostic for a good script: %s\n", diag);
		goto out;
	}
	main_prog = find_prog(obj, TAP_PROG_MAIN);
	trace = find_prog(obj, TAP_PROG_TRACE);
	timer = find_prog(obj, TAP_PROG_TIMER);
	end = find_prog(obj, TAP_PROG_END);
	/* and the last two, which follow the traced processes */
	if (obj->nr_progs != 6 || !main_prog || !trace || !timer || !end ||
	    obj->progs[4].kind != TAP_PROG_FOLLOW || obj->progs[5].kind != TAP_PROG_EXEC) {
		pr_debug("%d programs, want main, trace, timer, end, follow and exec\n",
			 obj->nr_progs);
		goto out;
	}
	if (strcmp(trace->name, "tap_trace_2") || strcmp(timer->name, "tap_timer_3") ||
	    strcmp(end->name, "tap_end")) {
		pr_debug("names: %s %s %s\n", trace->name, timer->name, end->name);
		goto out;
	}
	if (trace->nr_specs != 1 || strcmp(trace->specs[0].text, "syscalls:sys_enter_getpid") ||
	    trace->specs[0].line != 2 || trace->specs[0].col != 7) {
		pr_debug("the trace block's probe spec is not syscalls:sys_enter_getpid at 2:7\n");
		goto out;
	}
	if (timer->period_ns != 1000000000LL || timer->profile) {
		pr_debug("tick-1s: period %lld ns, profile %d\n", timer->period_ns, timer->profile);
		goto out;
	}
	if (bad_endings(main_prog) || bad_endings(trace) || bad_endings(timer) ||
	    bad_endings(end))
		goto out;
	if (obj->nr_maps < TAP_MAP_TABLE0 ||
	    obj->maps[TAP_MAP_GLOBALS].type != BPF_MAP_TYPE_ARRAY ||
	    obj->maps[TAP_MAP_EVENTS].type != BPF_MAP_TYPE_PERF_EVENT_ARRAY) {
		pr_debug("the maps every script has are not there\n");
		goto out;
	}
	for (int i = 0; i < obj->nr_recs; i++) {
		const struct tap_rec_def *rec = &obj->recs[i];

		if (rec->kind == TAP_REC_PRINT && rec->nargs == 1 && rec->line == 3)
			print = true;
		if (rec->kind == TAP_REC_PRINTF && rec->line == 4 && rec->fmt &&
		    !strcmp(rec->fmt, "%d events\n"))
			printf_rec = true;
	}
	if (!print || !printf_rec) {
		pr_debug("records: print at line 3 %s, printf at line 4 %s\n",
			 print ? "found" : "missing", printf_rec ? "found" : "missing");
		goto out;
	}
	ret = TEST_OK;
out:
	tap_object__delete(obj);
	return ret;
}

/* Table and aggregation types come from use; the map layouts follow them. */
static int test__tap_tables(struct test_suite *test __maybe_unused,
			    int subtest __maybe_unused)
{
	static const char script[] =
		"var t = {}\n"
		"var sizes = {}\n"
		"trace sched:sched_switch { t[execname, cpu] += 1; sizes[pid] <<< 4096 }\n"
		"trace_end { print_hist(t); print_hist(sizes) }\n";
	const struct tap_map_def *t = NULL, *sizes = NULL;
	struct tap_object *obj;
	char diag[1024];
	int ret = TEST_FAIL;

	obj = compile(script, diag, sizeof(diag));
	TEST_ASSERT_VAL("the script compiles", obj);
	for (int i = TAP_MAP_TABLE0; i < obj->nr_maps; i++) {
		if (obj->maps[i].nr_keys == 2)
			t = &obj->maps[i];
		else if (obj->maps[i].nr_keys == 1)
			sizes = &obj->maps[i];
	}
	if (!t || !sizes) {
		pr_debug("%d maps, want a table with two keys and one with one\n", obj->nr_maps);
		goto out;
	}
	/* a string key that is only ever execname: a comm's 16 bytes */
	if (t->keys[0].kind != TAP_T_STR || t->keys[0].size != TAP_COMM_SIZE ||
	    t->keys[1].kind != TAP_T_NUM || t->keys[1].size != 8 ||
	    t->key_size != TAP_COMM_SIZE + 8 || t->value.kind != TAP_T_NUM) {
		pr_debug("t: want keys (execname's 16 bytes, number) and a number value\n");
		goto out;
	}
	if (sizes->keys[0].kind != TAP_T_NUM || sizes->value.kind != TAP_T_AGG) {
		pr_debug("sizes: want a number key and an aggregation value\n");
		goto out;
	}
	ret = TEST_OK;
out:
	tap_object__delete(obj);
	return ret;
}

/* Mistakes are reported at their line and column, and no object is made. */
static int test__tap_errors(struct test_suite *test __maybe_unused,
			    int subtest __maybe_unused)
{
	static const struct {
		const char *script;
		const char *where;	/* "test.tap:LINE:COL: error: " */
		const char *says;
	} cases[] = {
		{ "var = 5", "test.tap:1:5: error: ", "variable name" },
		{ "var n = 0\ntrace_end { n += \"x\" }", "test.tap:2:18: error: ", "string" },
		{ "trace_end { printf(\"%d %d\\n\", 1) }", "test.tap:1:13: error: ",
		  "too few arguments" },
		{ "trace_end { break }", "test.tap:1:13: error: ", "outside a loop" },
		{ "trace_end { prnt(1) }", "test.tap:1:13: error: ", "did you mean 'print'" },
		{ "tick-1us { }", "test.tap:1:1: error: ", "10us" },
		{ "function f(a) { return f(a) }\ntrace_end { print(f(1)) }",
		  "test.tap:1:24: error: ", "recursion" },
		{ "var t = {}\ntrace_end { t[1] = 1; t[\"a\"] = 2 }", "test.tap:2:25: error: ",
		  "at 2:15" },
		{ "trace_end { print(\"unterminated) }", "test.tap:1:19: error: ",
		  "unterminated string" },
	};
	char diag[2048];

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct tap_object *obj = compile(cases[i].script, diag, sizeof(diag));
		const char *caret = strchr(diag, '\n');

		if (obj) {
			pr_debug("compiled, but should not have: %s\n", cases[i].script);
			tap_object__delete(obj);
			return TEST_FAIL;
		}
		if (strncmp(diag, cases[i].where, strlen(cases[i].where)) ||
		    !strstr(diag, cases[i].says)) {
			pr_debug("want '%s...%s', got: %s\n", cases[i].where, cases[i].says, diag);
			return TEST_FAIL;
		}
		/* then the script line and a caret under the column */
		caret = caret ? strchr(caret + 1, '\n') : NULL;
		if (!caret || !strchr(caret, '^')) {
			pr_debug("no caret line in: %s\n", diag);
			return TEST_FAIL;
		}
	}
	return TEST_OK;
}

/* Deep nesting is an error, not a stack overflow. */
static int test__tap_limits(struct test_suite *test __maybe_unused,
			    int subtest __maybe_unused)
{
	const int depth = 100000;
	struct tap_object *obj;
	char *script, *p, diag[1024];

	script = malloc(2 * depth + 64);
	TEST_ASSERT_VAL("memory", script);
	p = script + sprintf(script, "trace_end { print(");
	memset(p, '(', depth);
	p += depth;
	*p++ = '1';
	memset(p, ')', depth);
	p += depth;
	memcpy(p, ") }", 4);
	obj = compile(script, diag, sizeof(diag));
	free(script);
	if (obj) {
		tap_object__delete(obj);
		pr_debug("%d nested parentheses compiled\n", depth);
		return TEST_FAIL;
	}
	TEST_ASSERT_VAL("a diagnostic at line 1", !strncmp(diag, "test.tap:1:", 11));
	TEST_ASSERT_VAL("says it is nested too deep", strstr(diag, "nested"));
	return TEST_OK;
}

static int test__tap_timers(struct test_suite *test __maybe_unused,
			    int subtest __maybe_unused)
{
	struct tap_object *obj;
	const struct tap_prog_def *prog;
	char diag[1024];
	int ret = TEST_OK;

	obj = compile("profile-99hz { n += 1 }", diag, sizeof(diag));
	TEST_ASSERT_VAL("profile-99hz compiles", obj);
	prog = find_prog(obj, TAP_PROG_TIMER);
	if (!prog || !prog->profile || prog->period_ns != 1000000000LL / 99) {
		pr_debug("profile-99hz: want a profile timer of %lld ns\n", 1000000000LL / 99);
		ret = TEST_FAIL;
	}
	tap_object__delete(obj);
	return ret;
}

/* Each case says "tap": perf test matches a filter against them too. */
static struct test_case tap_compiler_tests[] = {
	TEST_CASE("Compile a tap script to programs, maps and records", tap_programs),
	TEST_CASE("Infer tap table types from use", tap_tables),
	TEST_CASE("Report tap script errors at their line and column", tap_errors),
	TEST_CASE("Refuse deeply nested tap scripts", tap_limits),
	TEST_CASE("Compile tap timers", tap_timers),
	{ .name = NULL, }
};

struct test_suite suite__tap_compiler = {
	.desc = "perf tap compiler",
	.test_cases = tap_compiler_tests,
};
