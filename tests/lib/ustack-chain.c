// SPDX-License-Identifier: GPL-2.0
/*
 * ustack-dwarf.sh: call chains through code built without frame pointers
 * (-O2 -fomit-frame-pointer): main -> deep_a -> deep_b -> deep_c, which
 * spins, or sorts with a comparator that libc calls back, or deep_c under
 * 1 KiB frames of big_frames() that take more stack than a small copy;
 * "two N": N times deep_c through deep_a and deep_b, and through other_a
 * and other_b, whose frames are the same size; "wait N": N times deep_c
 * once a SIGUSR1 came, so a tracer started after it can be ready first.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

volatile unsigned long sink;
static volatile sig_atomic_t go;

static void on_usr1(int sig)
{
	go = sig;
}

__attribute__((noinline)) int cmp_leaf(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	sink++;
	return (x > y) - (x < y);
}

__attribute__((noinline)) unsigned long deep_c(unsigned long n, int sort)
{
	unsigned long i, s = 0;
	int v[16];

	if (sort) {
		for (i = 0; i < 16; i++)
			v[i] = (int)((i * 7) % 16);
		qsort(v, 16, sizeof(v[0]), cmp_leaf);
		return (unsigned long)v[n % 16];
	}
	for (i = 0; i < n; i++)
		s += i * sink;
	return s + 1;
}

__attribute__((noinline)) unsigned long deep_b(unsigned long n, int sort)
{
	return deep_c(n, sort) * 3 + sink;
}

__attribute__((noinline)) unsigned long deep_a(unsigned long n, int sort)
{
	return deep_b(n, sort) * 5 + sink;
}

/* deep_a and deep_b again: deep_c has the same SP on either path */
__attribute__((noinline)) unsigned long other_b(unsigned long n, int sort)
{
	return deep_c(n, sort) * 3 + sink;
}

__attribute__((noinline)) unsigned long other_a(unsigned long n, int sort)
{
	return other_b(n, sort) * 5 + sink;
}

/* 1 KiB of stack a call: @depth calls take more than a small copy holds */
__attribute__((noinline)) unsigned long big_frames(int depth)
{
	volatile char pad[1024];

	memset((char *)pad, depth, sizeof(pad));
	if (depth > 0)
		return big_frames(depth - 1) + pad[depth];
	return deep_c(1, 0) + pad[0];
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "spin";
	unsigned long n = argc > 2 ? strtoul(argv[2], NULL, 0) : 1;

	if (!strcmp(mode, "spin"))
		sink += deep_a(n, 0);
	else if (!strcmp(mode, "sort"))
		sink += deep_a(n, 1);
	else if (!strcmp(mode, "two"))
		while (n--)
			sink += deep_a(1, 0) + other_a(1, 0);
	else if (!strcmp(mode, "big"))
		sink += big_frames((int)n);
	else if (!strcmp(mode, "wait")) {
		sigset_t usr1, old;

		sigemptyset(&usr1);
		sigaddset(&usr1, SIGUSR1);
		sigprocmask(SIG_BLOCK, &usr1, &old);
		signal(SIGUSR1, on_usr1);
		while (!go)
			sigsuspend(&old);
		while (n--)
			sink += deep_a(1, 0);
	}
	return 0;
}
