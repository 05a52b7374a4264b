// SPDX-License-Identifier: GPL-2.0
/*
 * Runs one selftest of the BPF selftests' prog_tests/ with the stand-in
 * test_progs.h (see there): TEST names the test function, test_TEST().
 *
 *   tp_multi [SUBTEST...]
 *
 * runs the subtests whose names are given (all without any), prints a
 * line per subtest, "#N/NAME OK", "SKIP" or "FAIL", after the failed
 * checks' lines, and exits with 0 if none failed, 1 if one did, 77 if all
 * were skipped.
 */
#include <stdarg.h>
#include "test_progs.h"

#define STR2(x) #x
#define STR(x) STR2(x)
#define TEST_FUNC2(t) test_##t
#define TEST_FUNC(t) TEST_FUNC2(t)

void TEST_FUNC(TEST)(void);

static char **filters;
static int nfilters;
static const char *current;
static int number, failed, skipped, passed;
static bool sub_failed, sub_skipped;

static int print_libbpf(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (level == LIBBPF_DEBUG)
		return 0;
	return vfprintf(stdout, fmt, args);
}

static void end_subtest(void)
{
	if (!current)
		return;
	if (sub_failed)
		failed++;
	else if (sub_skipped)
		skipped++;
	else
		passed++;
	printf("#%d/%s %s\n", number, current,
	       sub_failed ? "FAIL" : sub_skipped ? "SKIP" : "OK");
	fflush(stdout);
	current = NULL;
}

bool test__start_subtest(const char *name)
{
	int i;

	end_subtest();
	if (nfilters) {
		for (i = 0; i < nfilters && strcmp(filters[i], name); i++)
			;
		if (i == nfilters)
			return false;
	}
	number++;
	current = name;
	sub_failed = sub_skipped = false;
	return true;
}

void test__skip(void)
{
	sub_skipped = true;
}

void test__fail(void)
{
	sub_failed = true;
	/* A failure outside any subtest. */
	if (!current)
		failed++;
}

void test__report(const char *func, int line, const char *name, const char *fmt, ...)
{
	va_list ap;

	test__fail();
	printf("%s:%d: FAIL %s: ", func, line, name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	libbpf_set_print(print_libbpf);
	filters = argv + 1;
	nfilters = argc - 1;
	TEST_FUNC(TEST)();
	end_subtest();
	printf("%s: %d passed, %d failed, %d skipped\n", STR(TEST), passed, failed, skipped);
	if (failed)
		return 1;
	return passed ? 0 : 77;
}
