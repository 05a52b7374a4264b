// SPDX-License-Identifier: GPL-2.0
/*
 * workload: perf's 'tap' test workload (perf test -w tap, in
 * tools-perf-overlay/tools/perf/tests/workloads/tap.c) as a program of its
 * own, for tests/run and make bench.  Built statically where possible, it
 * makes no system call before main(), so a traced run of it shows only
 * the calls its commands ask for.
 *
 *   workload CMD [ARGS] [CMD [ARGS] ...]     (the commands: see tap.c)
 *
 * Build it as tests/run does: with -I for tools/include and for
 * tools/perf/tests/workloads of the prepared tree (tap.c includes
 * "../tests.h" from there).
 */
#include "../tools-perf-overlay/tools/perf/tests/workloads/tap.c"

int main(int argc, char **argv)
{
	return workload__tap.func(argc - 1, (const char **)argv + 1);
}
