// SPDX-License-Identifier: GPL-2.0
/*
 * workload: make an exact, known number of system calls, so that a perf tap
 * test can count events and compare with a fixed number.
 *
 *   workload CMD [ARGS] [CMD [ARGS] ...]
 *
 * Commands run in order:
 *   getpid N          N raw getpid system calls (syscall(SYS_getpid): no libc cache)
 *   open PATH N       N times openat(PATH, O_RDONLY) + close
 *   read SIZE N       open /dev/zero once, then N read()s of SIZE bytes, then close
 *   threads T N       start T threads; each does N raw getpid calls
 *   sleep MS          sleep MS milliseconds
 *   pause             wait for SIGUSR1 (caught and blocked from startup, so an
 *                     early one is not lost; a test waits for the handler to
 *                     show in /proc/PID/status SigCgt before sending it)
 *   call N            call the non-inlined function workload_marker() N times
 *                     (a stable uprobe target; makes no system call)
 *   exit CODE         exit now with status CODE
 *
 * The whole command line is checked before any work starts, and nothing else
 * (no output, no file access) happens around the work, so the only traced
 * system calls are the ones asked for. An error prints a message and exits 2.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static void usage(void)
{
	fprintf(stderr,
		"usage: workload CMD [ARGS] [CMD [ARGS] ...]\n"
		"  getpid N | open PATH N | read SIZE N | threads T N\n"
		"  sleep MS | pause | call N | exit CODE\n");
	exit(2);
}

static void die(const char *what, const char *arg)
{
	fprintf(stderr, "workload: %s: %s: %s\n", what, arg, strerror(errno));
	exit(2);
}

static long number(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 0) {
		fprintf(stderr, "workload: not a non-negative number: '%s'\n", s);
		exit(2);
	}
	return v;
}

static void do_getpid(long n)
{
	for (long i = 0; i < n; i++)
		syscall(SYS_getpid);
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
	/* All threads exist before any starts counting: creation stays apart from the work. */
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

static void on_usr1(int sig)
{
	(void)sig;
	got_usr1 = 1;
}

/*
 * SIGUSR1 has a handler (visible as "caught" in /proc/PID/status, so a test
 * knows when it is safe to send it) and stays blocked except inside
 * sigsuspend(), so a signal sent early is kept pending, never lost.
 */
static void do_pause(const sigset_t *waitmask)
{
	while (!got_usr1)
		sigsuspend(waitmask);
	got_usr1 = 0;
}

/* noinline + an empty asm with a memory clobber: the calls cannot be folded away. */
__attribute__((noinline)) void workload_marker(long i)
{
	__asm__ volatile("" : : "r"(i) : "memory");
}

static void do_call(long n)
{
	for (long i = 0; i < n; i++)
		workload_marker(i);
}

/* Number of arguments each command takes; -1 for an unknown command. */
static int arity(const char *cmd)
{
	static const struct { const char *name; int args; } cmds[] = {
		{ "getpid", 1 }, { "open", 2 }, { "read", 2 }, { "threads", 2 },
		{ "sleep", 1 }, { "pause", 0 }, { "call", 1 }, { "exit", 1 },
	};

	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (!strcmp(cmd, cmds[i].name))
			return cmds[i].args;
	}
	return -1;
}

int main(int argc, char **argv)
{
	sigset_t usr1, waitmask;
	int need_pause = 0;
	int i;

	if (argc < 2)
		usage();

	/* Check everything first, so a typo fails before any event is made. */
	for (i = 1; i < argc; ) {
		int n = arity(argv[i]);

		if (n < 0) {
			fprintf(stderr, "workload: unknown command '%s'\n", argv[i]);
			usage();
		}
		if (i + n >= argc) {
			fprintf(stderr, "workload: '%s' needs %d argument(s)\n", argv[i], n);
			usage();
		}
		if (!strcmp(argv[i], "pause"))
			need_pause = 1;
		/* Numbers are checked here too; "open" takes a path first. */
		for (int k = !strcmp(argv[i], "open") ? 2 : 1; k <= n; k++)
			number(argv[i + k]);
		i += n + 1;
	}

	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigemptyset(&waitmask);
	if (need_pause) {
		struct sigaction sa = { .sa_handler = on_usr1 };

		if (sigprocmask(SIG_BLOCK, &usr1, &waitmask))
			die("sigprocmask", "SIGUSR1");
		sigdelset(&waitmask, SIGUSR1);
		if (sigaction(SIGUSR1, &sa, NULL))
			die("sigaction", "SIGUSR1");
	}

	for (i = 1; i < argc; ) {
		const char *cmd = argv[i];
		int n = arity(cmd);

		if (!strcmp(cmd, "getpid"))
			do_getpid(number(argv[i + 1]));
		else if (!strcmp(cmd, "open"))
			do_open(argv[i + 1], number(argv[i + 2]));
		else if (!strcmp(cmd, "read"))
			do_read(number(argv[i + 1]), number(argv[i + 2]));
		else if (!strcmp(cmd, "threads"))
			do_threads(number(argv[i + 1]), number(argv[i + 2]));
		else if (!strcmp(cmd, "sleep"))
			do_sleep(number(argv[i + 1]));
		else if (!strcmp(cmd, "pause"))
			do_pause(&waitmask);
		else if (!strcmp(cmd, "call"))
			do_call(number(argv[i + 1]));
		else if (!strcmp(cmd, "exit"))
			exit((int)number(argv[i + 1]));
		i += n + 1;
	}
	return 0;
}
