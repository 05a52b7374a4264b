// SPDX-License-Identifier: GPL-2.0
/*
 * stack-paths DEPTH: calls leaf(n) for every n below 2^DEPTH, each time
 * through its own call path: bit d of n chooses whether level d calls a()
 * or b().  So a uprobe on leaf sees 2^DEPTH distinct user stacks.  Built
 * by the stack cases with -O0 and frame pointers, so the kernel can walk
 * the stacks and no call becomes a jump.
 */
#include <stdlib.h>

__attribute__((noinline)) void leaf(int n)
{
	__asm__ volatile("" : : "r"(n) : "memory");
}

__attribute__((noinline)) void b(int d, int n);

__attribute__((noinline)) void a(int d, int n)
{
	if (!d)
		leaf(n);
	else if ((n >> (d - 1)) & 1)
		b(d - 1, n);
	else
		a(d - 1, n);
	__asm__ volatile("" : : : "memory");
}

__attribute__((noinline)) void b(int d, int n)
{
	if (!d)
		leaf(n);
	else if ((n >> (d - 1)) & 1)
		b(d - 1, n);
	else
		a(d - 1, n);
	__asm__ volatile("" : : : "memory");
}

int main(int argc, char **argv)
{
	int depth = argc > 1 ? atoi(argv[1]) : 3, n;

	if (depth < 0 || depth > 20)
		return 2;
	for (n = 0; n < 1 << depth; n++)
		a(depth, n);
	return 0;
}
