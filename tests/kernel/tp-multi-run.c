// SPDX-License-Identifier: GPL-2.0
/*
 * Drive the tracepoint_multi link from the vm tier's shell cases and the
 * benchmark (Documentation/kernel-link.md), with the counting program of
 * the selftest (progs/tp_multi.c, tp_multi_count).
 *
 *   tp-multi-run [-n] PATTERN... -- CMD [ARG...]
 *	Attach one link to the events of the patterns (SYSTEM:EVENT globs, as
 *	bpf_program__attach_tracepoint_multi() takes them: a glob matches the
 *	ftrace system only when it is "ftrace", irq_vectors:irq_work_exit
 *	only when named), pattern i with
 *	cookie i + 1, run CMD, and print for each pattern its number of events
 *	and how often the events fired in CMD: "PATTERN EVENTS HITS". With -n,
 *	the program returns 0, dropping the events' perf samples.
 *
 *   tp-multi-run -w PATTERN...
 *	Attach, print "attached EVENTS link ID", then hold the link until
 *	stdin ends; then release it.
 *
 *   tp-multi-run -b PATTERN
 *	Print the time to attach and release one link to the events, and to
 *	open (with the program) and close one perf event per event:
 *	"link EVENTS ATTACH_MS RELEASE_MS" and "perf EVENTS OPEN_MS CLOSE_MS".
 *
 *   tp-multi-run -l COUNT PATTERN
 *	Attach and release a link COUNT times (a stress loop).
 *
 * Exits 0, or 1 with a message.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/perf_event.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "tp_multi.skel.h"

#define MAX_COOKIE	8
#define TRACEFS		"/sys/kernel/tracing"

static struct tp_multi *skel;

static void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "tp-multi-run: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(1);
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Whether a tracefs name matches a glob of * and ?. */
static int glob(const char *s, const char *p)
{
	for (; *p; p++, s++) {
		if (*p == '*') {
			for (;; s++) {
				if (glob(s, p + 1))
					return 1;
				if (!*s)
					return 0;
			}
		}
		if (!*s || (*p != '?' && *p != *s))
			return 0;
	}
	return !*s;
}

struct ids {
	__u32 *id;
	__u64 *cookie;
	size_t cnt, cap;
};

static void add_id(struct ids *ids, __u32 id, __u64 cookie)
{
	if (ids->cnt == ids->cap) {
		ids->cap = ids->cap * 2 + 256;
		ids->id = realloc(ids->id, ids->cap * sizeof(*ids->id));
		ids->cookie = realloc(ids->cookie, ids->cap * sizeof(*ids->cookie));
		if (!ids->id || !ids->cookie)
			die("out of memory");
	}
	ids->id[ids->cnt] = id;
	ids->cookie[ids->cnt++] = cookie;
}

/* Add the ids of the events that match SYSTEM:EVENT, with @cookie. */
static size_t add_pattern(struct ids *ids, const char *pattern, __u64 cookie)
{
	char sys_pat[256], entry[512], path[1024];
	const char *ev_pat = strchr(pattern, ':');
	size_t before = ids->cnt;
	char *ev, *end;
	FILE *f, *idf;
	int id;

	if (!ev_pat || ev_pat - pattern >= (long)sizeof(sys_pat))
		die("%s: not SYSTEM:EVENT", pattern);
	memcpy(sys_pat, pattern, ev_pat - pattern);
	sys_pat[ev_pat - pattern] = '\0';
	ev_pat++;

	/* "SYSTEM/EVENT/" lines, in a stable order */
	f = popen("cd " TRACEFS "/events && ls -d */*/", "r");
	if (!f)
		die("cannot list %s/events", TRACEFS);
	while (fgets(entry, sizeof(entry), f)) {
		ev = strchr(entry, '/');
		if (!ev)
			continue;
		*ev++ = '\0';
		end = strchr(ev, '/');
		if (end)
			*end = '\0';
		if (!glob(entry, sys_pat) || !glob(ev, ev_pat))
			continue;
		/* ftrace's own events are no tracepoints: only when named. */
		if (!strcmp(entry, "ftrace") && strcmp(sys_pat, "ftrace"))
			continue;
		/* Nor irq_work_exit, which the link refuses (as libbpf's globs do). */
		if (!strcmp(entry, "irq_vectors") && !strcmp(ev, "irq_work_exit") &&
		    strcmp(ev_pat, "irq_work_exit"))
			continue;
		snprintf(path, sizeof(path), TRACEFS "/events/%s/%s/id", entry, ev);
		idf = fopen(path, "r");
		if (!idf)
			continue;
		if (fscanf(idf, "%d", &id) == 1)
			add_id(ids, id, cookie);
		fclose(idf);
	}
	pclose(f);
	return ids->cnt - before;
}

static int link_create(const struct ids *ids)
{
	LIBBPF_OPTS(bpf_link_create_opts, opts,
		.tracepoint_multi.ids = ids->id,
		.tracepoint_multi.cnt = ids->cnt,
		.tracepoint_multi.cookies = ids->cookie,
		.tracepoint_multi.cookies_cnt = ids->cnt,
	);

	return bpf_link_create(bpf_program__fd(skel->progs.tp_multi_count), 0,
			       BPF_TRACE_TRACEPOINT_MULTI, &opts);
}

static int link_id(int fd)
{
	struct bpf_link_info info = {};
	__u32 len = sizeof(info);

	if (bpf_link_get_info_by_fd(fd, &info, &len))
		return -1;
	return info.id;
}

static int perf_open(__u32 id)
{
	struct perf_event_attr attr = {
		.type = PERF_TYPE_TRACEPOINT,
		.size = sizeof(attr),
		.config = id,
	};

	return syscall(__NR_perf_event_open, &attr, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);
}

static int bench(const struct ids *ids)
{
	int prog = bpf_program__fd(skel->progs.tp_multi_count);
	double t0, attach, release;
	struct rlimit rl;
	size_t i;
	int fd, *fds;

	t0 = now_ms();
	fd = link_create(ids);
	attach = now_ms() - t0;
	if (fd < 0)
		die("link: %s", strerror(-fd));
	t0 = now_ms();
	close(fd);
	release = now_ms() - t0;
	printf("link %zu %.1f %.1f\n", ids->cnt, attach, release);

	fds = calloc(ids->cnt, sizeof(*fds));
	if (!fds)
		die("out of memory");
	/* One descriptor per event: more than the usual 1024. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < ids->cnt + 64) {
		rl.rlim_cur = ids->cnt + 64;
		if (rl.rlim_max < rl.rlim_cur)
			rl.rlim_max = rl.rlim_cur;
		if (setrlimit(RLIMIT_NOFILE, &rl))
			die("cannot allow %zu open files: %s", ids->cnt + 64, strerror(errno));
	}
	t0 = now_ms();
	for (i = 0; i < ids->cnt; i++) {
		fds[i] = perf_open(ids->id[i]);
		if (fds[i] < 0 || ioctl(fds[i], PERF_EVENT_IOC_SET_BPF, prog))
			die("perf event %u: %s", ids->id[i], strerror(errno));
	}
	attach = now_ms() - t0;
	t0 = now_ms();
	for (i = 0; i < ids->cnt; i++)
		close(fds[i]);
	release = now_ms() - t0;
	printf("perf %zu %.1f %.1f\n", ids->cnt, attach, release);
	free(fds);
	return 0;
}

static int run(const struct ids *ids, char **patterns, size_t *counts, int npat, char **cmd)
{
	int go[2], fd, status, i;
	char c = 0;
	pid_t pid;

	if (pipe(go))
		die("pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (pid == 0) {
		close(go[1]);
		/* Not before the link is there. */
		if (read(go[0], &c, 1) != 1)
			_exit(126);
		execvp(cmd[0], cmd);
		fprintf(stderr, "tp-multi-run: %s: %s\n", cmd[0], strerror(errno));
		_exit(127);
	}
	close(go[0]);
	skel->bss->target_pid = pid;
	fd = link_create(ids);
	if (fd < 0) {
		kill(pid, SIGKILL);
		die("link: %s", strerror(-fd));
	}
	if (write(go[1], &c, 1) != 1)
		die("cannot start %s", cmd[0]);
	close(go[1]);
	if (waitpid(pid, &status, 0) < 0)
		die("waitpid: %s", strerror(errno));
	close(fd);
	for (i = 0; i < npat; i++)
		printf("%s %zu %llu\n", patterns[i], counts[i],
		       (unsigned long long)skel->bss->link_hits[i + 1 < MAX_COOKIE ? i + 1 : MAX_COOKIE - 1]);
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		die("%s failed", cmd[0]);
	return 0;
}

int main(int argc, char **argv)
{
	int opt, mode = 'r', loops = 0, npat = 0, fd, i;
	struct ids ids = {};
	char **cmd = NULL;
	size_t counts[64];
	char buf[256];

	while ((opt = getopt(argc, argv, "+nwbl:")) != -1) {
		switch (opt) {
		case 'n':
		case 'w':
		case 'b':
			mode = opt;
			break;
		case 'l':
			mode = 'l';
			loops = atoi(optarg);
			break;
		default:
			return 2;
		}
	}
	for (i = optind; i < argc; i++) {
		if (!strcmp(argv[i], "--")) {
			cmd = argv + i + 1;
			break;
		}
		if (npat == 64)
			die("too many patterns");
		counts[npat] = add_pattern(&ids, argv[i], npat + 1);
		if (!counts[npat])
			die("%s: no such events", argv[i]);
		npat++;
	}
	if (!npat)
		die("no patterns");

	skel = tp_multi__open_and_load();
	if (!skel)
		die("cannot load the program: %s", strerror(errno));
	if (mode == 'n')
		skel->data->verdict = 0;

	switch (mode) {
	case 'r':
	case 'n':
		if (!cmd || !*cmd)
			die("no command");
		return run(&ids, argv + optind, counts, npat, cmd);
	case 'b':
		return bench(&ids);
	case 'w':
		fd = link_create(&ids);
		if (fd < 0)
			die("link: %s", strerror(-fd));
		printf("attached %zu link %d\n", ids.cnt, link_id(fd));
		fflush(stdout);
		while (read(0, buf, sizeof(buf)) > 0)
			;
		close(fd);
		return 0;
	case 'l':
		for (i = 0; i < loops; i++) {
			fd = link_create(&ids);
			if (fd < 0)
				die("link %d of %d: %s", i + 1, loops, strerror(-fd));
			close(fd);
		}
		printf("%d links of %zu events\n", loops, ids.cnt);
		return 0;
	}
	return 2;
}
