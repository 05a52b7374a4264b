// SPDX-License-Identifier: GPL-2.0
/*
 * The 'tap' workload: an exact, known number of system calls and function
 * calls, so that perf tap tests can compare counts with fixed numbers.
 *
 *   perf test -w tap CMD [ARGS] [CMD [ARGS] ...]
 *
 * Commands run in order:
 *   getpid N          N getpid system calls (C libraries stopped caching
 *                     the pid years ago: glibc 2.25)
 *   open PATH N       N times openat(PATH, O_RDONLY) + close
 *   read SIZE N       open /dev/zero once, N read()s of SIZE bytes, close
 *   threads T N       start T threads; each makes N raw getpid calls
 *   sleep MS          sleep MS milliseconds
 *   pause             wait for SIGUSR1 (caught and blocked from the start,
 *                     so that an early one is not lost: a test waits for
 *                     the handler in /proc/PID/status SigCgt, then sends it)
 *   call N            call workload_marker() N times, a uprobe target that
 *                     makes no system call
 *   exit CODE         exit now with status CODE
 *
 * The whole command line is checked before any work starts and nothing
 * else (no output, no file access) happens around the work, so the only
 * system calls the commands make are the ones asked for.  An error prints
 * a message and exits with status 2.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/compiler.h>
#include <linux/kernel.h>
#include "../tests.h"

/* A uprobe target: not inlined, and the asm keeps the calls. */
noinline void workload_marker(long i);

static __noreturn void print_usage(void)
{
	fprintf(stderr,
		"usage: perf test -w tap CMD [ARGS] [CMD [ARGS] ...]\n"
		"  getpid N | open PATH N | read SIZE N | threads T N\n"
		"  sleep MS | pause | call N | exit CODE\n");
	exit(2);
}

static __noreturn void die(const char *what, const char *arg)
{
	fprintf(stderr, "tap workload: %s: %s: %s\n", what, arg, strerror(errno));
	exit(2);
}

static long parse_count(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 0) {
		fprintf(stderr, "tap workload: not a non-negative number: '%s'\n", s);
		exit(2);
	}
	return v;
}

static void do_getpid(long n)
{
	for (long i = 0; i < n; i++)
		getpid();
}

static void do_open(const char *path, long n)
{
	for (long i = 0; i < n; i++) {
		int fd = openat(AT_FDCWD, path, O_RDONLY);

		if (fd < 0)
			die("open", path);
		close(fd);
	}
}

static void do_read(long size, long n)
{
	char *buf = malloc(size ? size : 1);
	int fd;

	if (!buf)
		die("malloc", "read buffer");
	fd = openat(AT_FDCWD, "/dev/zero", O_RDONLY);
	if (fd < 0)
		die("open", "/dev/zero");
	for (long i = 0; i < n; i++) {
		if (read(fd, buf, size) < 0)
			die("read", "/dev/zero");
	}
	close(fd);
	free(buf);
}

static pthread_barrier_t start_line;

static void *thread_body(void *arg)
{
	long n = (long)arg;

	pthread_barrier_wait(&start_line);
	do_getpid(n);
	return NULL;
}

static void do_threads(long t, long n)
{
	pthread_t *tids = calloc(t ? t : 1, sizeof(*tids));
	int err;

	if (!tids)
		die("malloc", "thread ids");
	/* Every thread exists before any starts: creation stays apart from the work. */
	err = pthread_barrier_init(&start_line, NULL, (unsigned int)t + 1);
	if (err) {
		errno = err;
		die("pthread_barrier_init", "threads");
	}
	for (long i = 0; i < t; i++) {
		err = pthread_create(&tids[i], NULL, thread_body, (void *)n);
		if (err) {
			errno = err;
			die("pthread_create", "threads");
		}
	}
	pthread_barrier_wait(&start_line);
	for (long i = 0; i < t; i++)
		pthread_join(tids[i], NULL);
	pthread_barrier_destroy(&start_line);
	free(tids);
}

static void do_sleep(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static volatile sig_atomic_t got_usr1;

static void on_usr1(int sig __maybe_unused)
{
	got_usr1 = 1;
}

/*
 * SIGUSR1 has a handler (shown as caught in /proc/PID/status, so a test
 * knows when it may send it) and stays blocked except inside sigsuspend(),
 * so a signal sent early stays pending instead of being lost.
 */
static void do_pause(const sigset_t *waitmask)
{
	while (!got_usr1)
		sigsuspend(waitmask);
	got_usr1 = 0;
}

noinline void workload_marker(long i)
{
	asm volatile("" : : "r"(i) : "memory");
}

static void do_call(long n)
{
	for (long i = 0; i < n; i++)
		workload_marker(i);
}

/* The number of arguments a command takes; -1 for an unknown command. */
static int arity(const char *cmd)
{
	static const struct {
		const char *name;
		int args;
	} cmds[] = {
		{ "getpid", 1 }, { "open", 2 }, { "read", 2 }, { "threads", 2 },
		{ "sleep", 1 }, { "pause", 0 }, { "call", 1 }, { "exit", 1 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cmds); i++) {
		if (!strcmp(cmd, cmds[i].name))
			return cmds[i].args;
	}
	return -1;
}

/* Check the whole command line; true if it has a pause. */
static bool check_commands(int argc, const char **argv)
{
	bool pause = false;

	if (argc < 1)
		print_usage();
	for (int i = 0; i < argc; ) {
		int n = arity(argv[i]);

		if (n < 0) {
			fprintf(stderr, "tap workload: unknown command '%s'\n", argv[i]);
			print_usage();
		}
		if (i + n >= argc) {
			fprintf(stderr, "tap workload: '%s' needs %d argument(s)\n", argv[i], n);
			print_usage();
		}
		if (!strcmp(argv[i], "pause"))
			pause = true;
		/* "open" takes a path, then a number */
		for (int k = !strcmp(argv[i], "open") ? 2 : 1; k <= n; k++)
			parse_count(argv[i + k]);
		i += n + 1;
	}
	return pause;
}

static int tap(int argc, const char **argv)
{
	sigset_t usr1, waitmask;

	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigemptyset(&waitmask);
	if (check_commands(argc, argv)) {
		struct sigaction sa = { .sa_handler = on_usr1 };

		if (sigprocmask(SIG_BLOCK, &usr1, &waitmask))
			die("sigprocmask", "SIGUSR1");
		sigdelset(&waitmask, SIGUSR1);
		if (sigaction(SIGUSR1, &sa, NULL))
			die("sigaction", "SIGUSR1");
	}

	for (int i = 0; i < argc; ) {
		const char *cmd = argv[i];

		if (!strcmp(cmd, "getpid"))
			do_getpid(parse_count(argv[i + 1]));
		else if (!strcmp(cmd, "open"))
			do_open(argv[i + 1], parse_count(argv[i + 2]));
		else if (!strcmp(cmd, "read"))
			do_read(parse_count(argv[i + 1]), parse_count(argv[i + 2]));
		else if (!strcmp(cmd, "threads"))
			do_threads(parse_count(argv[i + 1]), parse_count(argv[i + 2]));
		else if (!strcmp(cmd, "sleep"))
			do_sleep(parse_count(argv[i + 1]));
		else if (!strcmp(cmd, "pause"))
			do_pause(&waitmask);
		else if (!strcmp(cmd, "call"))
			do_call(parse_count(argv[i + 1]));
		else if (!strcmp(cmd, "exit"))
			exit((int)parse_count(argv[i + 1]));
		i += arity(cmd) + 1;
	}
	return 0;
}

DEFINE_WORKLOAD(tap);
