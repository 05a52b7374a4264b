/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small stand-in for tools/testing/selftests/bpf/test_progs.h, so that one
 * prog_tests/ file of the kernel tree builds on its own, against perf's
 * libbpf and the skeleton of its progs/ file, and runs in the test VM
 * (Documentation/kernel-link.md): the whole selftests suite needs a newer
 * clang than Debian 12's clang-14. Only what the tests here use: the
 * subtest calls and the ASSERT_* checks, which print a line for each
 * failure, keep errno and give the check's result.
 */
#ifndef TAP_TEST_PROGS_H
#define TAP_TEST_PROGS_H

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/types.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

static inline __u64 ptr_to_u64(const void *ptr)
{
	return (__u64)(unsigned long)ptr;
}

bool test__start_subtest(const char *name);
void test__skip(void);
void test__fail(void);
void test__report(const char *func, int line, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Evaluate @ok; on failure report the message. Keeps errno. */
#define TAP_CHECK(ok, name, fmt, ...) ({				\
	int ___errno = errno;						\
	bool ___ok = (ok);						\
	if (!___ok)							\
		test__report(__func__, __LINE__, name, fmt, ##__VA_ARGS__); \
	errno = ___errno;						\
	___ok;								\
})

#define TAP_CMP(actual, expected, op, name) ({				\
	long long ___a = (long long)(actual);				\
	long long ___e = (long long)(expected);				\
	TAP_CHECK(___a op ___e, name, "%lld " #op " %lld is false", ___a, ___e); \
})

#define ASSERT_EQ(a, e, name)	TAP_CMP(a, e, ==, name)
#define ASSERT_NEQ(a, e, name)	TAP_CMP(a, e, !=, name)
#define ASSERT_LT(a, e, name)	TAP_CMP(a, e, <, name)
#define ASSERT_LE(a, e, name)	TAP_CMP(a, e, <=, name)
#define ASSERT_GT(a, e, name)	TAP_CMP(a, e, >, name)
#define ASSERT_GE(a, e, name)	TAP_CMP(a, e, >=, name)
#define ASSERT_TRUE(a, name)	TAP_CHECK(!!(a), name, "false")
#define ASSERT_FALSE(a, name)	TAP_CHECK(!(a), name, "true")
#define ASSERT_OK(res, name)	TAP_CMP(res, 0, ==, name)
#define ASSERT_ERR(res, name)	TAP_CMP(res, 0, <, name)
#define ASSERT_OK_FD(fd, name)	TAP_CHECK((fd) >= 0, name, "fd %d, errno %d", (int)(fd), errno)

#define ASSERT_OK_PTR(ptr, name) ({					\
	const void *___p = (ptr);					\
	TAP_CHECK(___p && !libbpf_get_error(___p), name, "NULL, errno %d", errno); \
})

#define ASSERT_ERR_PTR(ptr, name) ({					\
	const void *___p = (ptr);					\
	TAP_CHECK(!___p || libbpf_get_error(___p), name, "unexpected pointer %p", ___p); \
})

#define ASSERT_HAS_SUBSTR(str, sub, name) ({				\
	const char *___s = (str), *___sub = (sub);			\
	TAP_CHECK(strstr(___s, ___sub), name, "'%s' not in '%s'", ___sub, ___s); \
})

#endif
