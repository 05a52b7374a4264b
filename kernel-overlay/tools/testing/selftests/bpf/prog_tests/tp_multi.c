// SPDX-License-Identifier: GPL-2.0
/*
 * The tracepoint_multi link: one tracepoint program on many trace events,
 * with a cookie each, sharing the events with perf events, detached with
 * one grace period.
 */
#include <test_progs.h>
#include <fcntl.h>
#include <signal.h>
#include <time.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/perf_event.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include "tp_multi.skel.h"

#define MAX_COOKIE	8
#define COOKIE_OPENAT	1
#define COOKIE_SIGNAL	2
#define TRACEFS		"/sys/kernel/tracing"

static int tp_id(const char *sys, const char *name)
{
	char path[256];
	int id = -1;
	FILE *f;

	snprintf(path, sizeof(path), TRACEFS "/events/%s/%s/id", sys, name);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%d", &id) != 1)
		id = -1;
	fclose(f);
	return id;
}

static void do_getpid(int n)
{
	while (n--)
		syscall(SYS_getpid);
}

static void do_getppid(int n)
{
	while (n--)
		syscall(SYS_getppid);
}

static __u64 total_hits(struct tp_multi *skel)
{
	__u64 sum = 0;
	int i;

	for (i = 0; i < MAX_COOKIE; i++)
		sum += skel->bss->link_hits[i];
	return sum;
}

static void reset_hits(struct tp_multi *skel)
{
	memset(skel->bss->link_hits, 0, sizeof(skel->bss->link_hits));
	skel->bss->perf_hits = 0;
	skel->bss->link_sum = 0;
	skel->bss->perf_sum = 0;
}

static int link_create(int prog_fd, const __u32 *ids, __u32 cnt, const __u64 *cookies,
		       __u32 cookies_cnt, __u32 flags)
{
	LIBBPF_OPTS(bpf_link_create_opts, opts,
		    .tracepoint_multi.ids = ids,
		    .tracepoint_multi.cnt = cnt,
		    .tracepoint_multi.cookies = cookies,
		    .tracepoint_multi.cookies_cnt = cookies_cnt,
		    .tracepoint_multi.flags = flags);

	return bpf_link_create(prog_fd, 0, BPF_TRACE_TRACEPOINT_MULTI, &opts);
}

/* A counting perf event on trace event @id, for this process. */
static int perf_tp_open(int id)
{
	struct perf_event_attr attr = {
		.type = PERF_TYPE_TRACEPOINT,
		.size = sizeof(attr),
		.config = id,
	};

	return syscall(__NR_perf_event_open, &attr, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
}

static __u64 perf_count(int fd)
{
	__u64 count = 0;

	if (read(fd, &count, sizeof(count)) != sizeof(count))
		return (__u64)-1;
	return count;
}

static void subtest_cookies(struct tp_multi *skel)
{
	int ids_in[3] = {
		tp_id("syscalls", "sys_exit_getpid"),
		tp_id("syscalls", "sys_enter_getpid"),
		tp_id("syscalls", "sys_enter_getppid"),
	};
	__u64 cookies_in[3] = { 2, 1, 3 };
	__u32 ids[3], info_ids[4] = {};
	__u64 info_cookies[4] = {};
	LIBBPF_OPTS(bpf_tracepoint_multi_opts, opts, .ids = ids, .cookies = cookies_in, .cnt = 3);
	struct bpf_link_info info = {};
	__u32 info_len = sizeof(info);
	struct bpf_link *link;
	char path[64], fdinfo[4096], line[128];
	int i, fd, n, err;

	for (i = 0; i < 3; i++) {
		if (!ASSERT_GT(ids_in[i], 0, "tracefs id"))
			return;
		ids[i] = ids_in[i];
	}

	reset_hits(skel);
	link = bpf_program__attach_tracepoint_multi(skel->progs.tp_multi_count, NULL, &opts);
	if (!ASSERT_OK_PTR(link, "attach_tracepoint_multi"))
		return;

	do_getpid(100);
	do_getppid(50);
	ASSERT_EQ(skel->bss->link_hits[1], 100, "sys_enter_getpid, cookie 1");
	ASSERT_EQ(skel->bss->link_hits[2], 100, "sys_exit_getpid, cookie 2");
	ASSERT_EQ(skel->bss->link_hits[3], 50, "sys_enter_getppid, cookie 3");
	ASSERT_EQ(total_hits(skel), 250, "no other cookie");

	/* Link info: the ids in ascending order, each with its cookie. */
	info.tracepoint_multi.ids = ptr_to_u64(info_ids);
	info.tracepoint_multi.cookies = ptr_to_u64(info_cookies);
	info.tracepoint_multi.count = 4;
	err = bpf_link_get_info_by_fd(bpf_link__fd(link), &info, &info_len);
	if (ASSERT_OK(err, "link info")) {
		ASSERT_EQ(info.type, BPF_LINK_TYPE_TRACEPOINT_MULTI, "link type");
		ASSERT_EQ(info.tracepoint_multi.count, 3, "count");
		ASSERT_LT(info_ids[0], info_ids[1], "ids ascending");
		ASSERT_LT(info_ids[1], info_ids[2], "ids ascending");
		for (i = 0; i < 3; i++) {
			n = 0;
			while (n < 3 && ids[n] != info_ids[i])
				n++;
			if (ASSERT_LT(n, 3, "id of the link"))
				ASSERT_EQ(info_cookies[i], cookies_in[n], "cookie of the id");
		}
	}
	/* Too small a buffer: ENOSPC. */
	memset(&info, 0, sizeof(info));
	info.tracepoint_multi.ids = ptr_to_u64(info_ids);
	info.tracepoint_multi.count = 2;
	err = bpf_link_get_info_by_fd(bpf_link__fd(link), &info, &info_len);
	ASSERT_EQ(err, -ENOSPC, "link info, 2 of 3 ids");

	/* fdinfo: the count, then id, cookie and name of each event. */
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", bpf_link__fd(link));
	fd = open(path, O_RDONLY);
	n = fd < 0 ? -1 : read(fd, fdinfo, sizeof(fdinfo) - 1);
	if (fd >= 0)
		close(fd);
	if (ASSERT_GT(n, 0, "read fdinfo")) {
		fdinfo[n] = '\0';
		ASSERT_HAS_SUBSTR(fdinfo, "link_type:\ttracepoint_multi\n", "fdinfo type");
		ASSERT_HAS_SUBSTR(fdinfo, "tp_cnt:\t3\n", "fdinfo count");
		snprintf(line, sizeof(line), "\n%d\t1\tsyscalls:sys_enter_getpid\n", ids_in[1]);
		ASSERT_HAS_SUBSTR(fdinfo, line, "fdinfo event");
	}

	/* Released: the program runs no more. */
	bpf_link__destroy(link);
	do_getpid(10);
	ASSERT_EQ(total_hits(skel), 250, "after release");
}

static void subtest_pattern(struct tp_multi *skel)
{
	LIBBPF_OPTS(bpf_tracepoint_multi_opts, opts);
	struct bpf_link *link;

	reset_hits(skel);
	link = bpf_program__attach_tracepoint_multi(skel->progs.tp_multi_count,
						    "syscalls:sys_*_getppid", NULL);
	if (!ASSERT_OK_PTR(link, "attach syscalls:sys_*_getppid"))
		return;
	do_getppid(20);
	do_getpid(20);
	ASSERT_EQ(skel->bss->link_hits[0], 40, "enter and exit of getppid");
	bpf_link__destroy(link);

	link = bpf_program__attach_tracepoint_multi(skel->progs.tp_multi_count, "nosuch:*", NULL);
	ASSERT_ERR_PTR(link, "nosuch:*");
	ASSERT_EQ(errno, ENOENT, "nosuch:* errno");
	link = bpf_program__attach_tracepoint_multi(skel->progs.tp_multi_count, "syscalls", NULL);
	ASSERT_ERR_PTR(link, "no colon");
	ASSERT_EQ(errno, EINVAL, "no colon errno");
	opts.cnt = 1;
	link = bpf_program__attach_tracepoint_multi(skel->progs.tp_multi_count, "syscalls:*",
						    &opts);
	ASSERT_ERR_PTR(link, "pattern and cnt");
	do_getppid(5);
	ASSERT_EQ(total_hits(skel), 40, "nothing attached");
}

static void sigusr1(int sig)
{
}

/* The link's program and a perf event's see the same records. */
static void subtest_record(struct tp_multi *skel)
{
	__u32 ids[2] = {
		tp_id("syscalls", "sys_enter_openat"),
		tp_id("signal", "signal_generate"),
	};
	__u64 cookies[2] = { COOKIE_OPENAT, COOKIE_SIGNAL };
	LIBBPF_OPTS(bpf_tracepoint_multi_opts, opts, .ids = ids, .cookies = cookies, .cnt = 2);
	LIBBPF_OPTS(bpf_tracepoint_opts, topts);
	struct bpf_link *link = NULL, *perf1 = NULL, *perf2 = NULL;
	int i, fd;

	if (!ASSERT_GT((int)ids[0], 0, "openat id") || !ASSERT_GT((int)ids[1], 0, "signal id"))
		return;
	signal(SIGUSR1, sigusr1);

	topts.bpf_cookie = COOKIE_OPENAT;
	perf1 = bpf_program__attach_tracepoint_opts(skel->progs.tp_multi_perf, "syscalls",
						    "sys_enter_openat", &topts);
	if (!ASSERT_OK_PTR(perf1, "perf event on sys_enter_openat"))
		goto out;
	topts.bpf_cookie = COOKIE_SIGNAL;
	perf2 = bpf_program__attach_tracepoint_opts(skel->progs.tp_multi_perf, "signal",
						    "signal_generate", &topts);
	if (!ASSERT_OK_PTR(perf2, "perf event on signal_generate"))
		goto out;
	link = bpf_program__attach_tracepoint_multi(skel->progs.tp_multi_record, NULL, &opts);
	if (!ASSERT_OK_PTR(link, "link"))
		goto out;
	/* Attaching the second perf event opened a tracefs file. */
	reset_hits(skel);

	for (i = 0; i < 25; i++) {
		fd = syscall(SYS_openat, AT_FDCWD, "/dev/null", O_RDONLY);
		if (fd >= 0)
			close(fd);
	}
	for (i = 0; i < 10; i++)
		kill(getpid(), SIGUSR1);

	ASSERT_EQ(skel->bss->link_hits[COOKIE_OPENAT], 25, "link: openat records");
	ASSERT_EQ(skel->bss->link_hits[COOKIE_SIGNAL], 10, "link: signal_generate records");
	ASSERT_EQ(skel->bss->perf_hits, 35, "perf events: records");
	ASSERT_NEQ(skel->bss->link_sum, 0, "link: record sum");
	ASSERT_EQ(skel->bss->link_sum, skel->bss->perf_sum, "same records");
out:
	bpf_link__destroy(link);
	bpf_link__destroy(perf2);
	bpf_link__destroy(perf1);
	signal(SIGUSR1, SIG_DFL);
}

/*
 * A perf event and the link on the same event keep each other's
 * registration: releasing either leaves the other counting. The link's
 * program filters the event's perf samples like any program on the event.
 */
static void subtest_perf_event(struct tp_multi *skel)
{
	__u32 id = tp_id("syscalls", "sys_enter_getpid");
	LIBBPF_OPTS(bpf_tracepoint_multi_opts, opts, .ids = &id, .cnt = 1);
	struct bpf_link *link = NULL;
	int pfd;

	if (!ASSERT_GT((int)id, 0, "tracefs id"))
		return;
	reset_hits(skel);
	pfd = perf_tp_open(id);
	if (!ASSERT_OK_FD(pfd, "perf_event_open"))
		return;

	link = bpf_program__attach_tracepoint_multi(skel->progs.tp_multi_count, NULL, &opts);
	if (!ASSERT_OK_PTR(link, "link"))
		goto out;
	do_getpid(30);
	ASSERT_EQ(perf_count(pfd), 30, "perf event with the link");
	ASSERT_EQ(skel->bss->link_hits[0], 30, "link with the perf event");

	bpf_link__destroy(link);
	do_getpid(20);
	ASSERT_EQ(perf_count(pfd), 50, "perf event after the link's release");

	link = bpf_program__attach_tracepoint_multi(skel->progs.tp_multi_count, NULL, &opts);
	if (!ASSERT_OK_PTR(link, "link again"))
		goto out;
	skel->data->verdict = 0;
	do_getpid(10);
	ASSERT_EQ(perf_count(pfd), 50, "perf samples dropped by the program's 0");
	skel->data->verdict = 1;
	close(pfd);
	pfd = -1;
	do_getpid(15);
	ASSERT_EQ(skel->bss->link_hits[0], 55, "link after the perf event's close");
out:
	bpf_link__destroy(link);
	if (pfd >= 0)
		close(pfd);
	skel->data->verdict = 1;
}

/* An id that no event has: one above the largest in tracefs. */
static int unused_id(void)
{
	char line[512];
	int id, max = 0;
	FILE *f;

	f = popen("cat " TRACEFS "/events/*/*/id", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		id = atoi(line);
		if (id > max)
			max = id;
	}
	pclose(f);
	return max + 1;
}

#define EXPECT_ERR(call, err, name)					\
	do {								\
		int __fd = (call);					\
		if (!ASSERT_EQ(__fd, -(err), name) && __fd >= 0)	\
			close(__fd);					\
	} while (0)

static void subtest_bad_input(struct tp_multi *skel)
{
	int getpid_id = tp_id("syscalls", "sys_enter_getpid");
	int getppid_id = tp_id("syscalls", "sys_enter_getppid");
	int function_id = tp_id("ftrace", "function");
	int irq_work_exit_id = tp_id("irq_vectors", "irq_work_exit");
	int prog = bpf_program__fd(skel->progs.tp_multi_count);
	__u32 ids[2], *many;
	__u64 cookies[2] = { 1, 2 };

	if (!ASSERT_GT(getpid_id, 0, "getpid id") || !ASSERT_GT(getppid_id, 0, "getppid id"))
		return;
	reset_hits(skel);
	ids[0] = getpid_id;
	ids[1] = getppid_id;

	EXPECT_ERR(link_create(prog, ids, 0, NULL, 0, 0), EINVAL, "no ids");
	EXPECT_ERR(link_create(prog, NULL, 2, NULL, 0, 0), EINVAL, "ids NULL");
	EXPECT_ERR(link_create(prog, ids, 2, NULL, 0, 1), EINVAL, "flags");
	EXPECT_ERR(link_create(prog, ids, 2, cookies, 1, 0), EINVAL, "1 cookie for 2 ids");
	EXPECT_ERR(link_create(prog, ids, 2, cookies, 3, 0), EINVAL, "3 cookies for 2 ids");
	EXPECT_ERR(link_create(prog, ids, 2, NULL, 2, 0), EINVAL, "cookies NULL, count 2");
	EXPECT_ERR(link_create(prog, ids, 2, cookies, 0, 0), EINVAL, "cookies, count 0");

	many = calloc(65536, sizeof(*many));
	if (ASSERT_OK_PTR(many, "calloc")) {
		EXPECT_ERR(link_create(prog, many, 65536, NULL, 0, 0), E2BIG, "65536 ids");
		free(many);
	}

	ids[1] = getpid_id;
	EXPECT_ERR(link_create(prog, ids, 2, NULL, 0, 0), EINVAL, "duplicate id");
	ids[1] = unused_id();
	EXPECT_ERR(link_create(prog, ids, 2, NULL, 0, 0), ENOENT, "unknown id");
	if (ASSERT_GT(function_id, 0, "ftrace/function id")) {
		ids[1] = function_id;
		EXPECT_ERR(link_create(prog, ids, 2, NULL, 0, 0), EOPNOTSUPP, "ftrace/function");
	}
	/* x86: perf refuses sampling it (a sample raises irq_work), the link refuses it */
	if (irq_work_exit_id > 0) {
		ids[1] = irq_work_exit_id;
		EXPECT_ERR(link_create(prog, ids, 2, NULL, 0, 0), EOPNOTSUPP, "irq_work_exit");
	}
	ids[1] = getppid_id;
	EXPECT_ERR(link_create(bpf_program__fd(skel->progs.tp_multi_kprobe), ids, 2, NULL, 0, 0),
		   EINVAL, "kprobe program");

	do_getpid(10);
	do_getppid(10);
	ASSERT_EQ(total_hits(skel), 0, "nothing attached");
}

/* A kprobe event exists, but its records are not a tracepoint program's. */
static void subtest_kprobe_event(struct tp_multi *skel)
{
	int prog = bpf_program__fd(skel->progs.tp_multi_count);
	__u32 ids[2];
	int fd, id;

	fd = open(TRACEFS "/kprobe_events", O_WRONLY | O_APPEND);
	if (fd < 0) {
		test__skip();
		return;
	}
	if (!ASSERT_GT(write(fd, "p:tp_multi_test do_sys_openat2\n", 31), 0, "add kprobe event"))
		goto out;
	id = tp_id("kprobes", "tp_multi_test");
	if (ASSERT_GT(id, 0, "kprobe event id")) {
		ids[0] = tp_id("syscalls", "sys_enter_getpid");
		ids[1] = id;
		reset_hits(skel);
		EXPECT_ERR(link_create(prog, ids, 2, NULL, 0, 0), EOPNOTSUPP, "kprobe event");
		do_getpid(10);
		ASSERT_EQ(total_hits(skel), 0, "nothing attached");
	}
	ASSERT_GT(write(fd, "-:tp_multi_test\n", 16), 0, "remove kprobe event");
out:
	close(fd);
}

/*
 * An event whose prog_array is full (BPF_TRACE_MAX_PROGS, 64) fails the
 * whole link with E2BIG; a program already on an event, with EEXIST.
 */
static void subtest_prog_array(struct tp_multi *skel)
{
	struct bpf_insn insns[] = {
		BPF_MOV64_IMM(BPF_REG_0, 1),
		BPF_EXIT_INSN(),
	};
	int prog = bpf_program__fd(skel->progs.tp_multi_count);
	int progs[64], links[64], i, n = 0;
	LIBBPF_OPTS(bpf_tracepoint_opts, topts);
	struct bpf_link *perf;
	__u32 ids[2];

	ids[0] = tp_id("syscalls", "sys_enter_getpid");
	ids[1] = tp_id("syscalls", "sys_enter_getppid");
	reset_hits(skel);
	for (i = 0; i < 64; i++) {
		progs[i] = bpf_prog_load(BPF_PROG_TYPE_TRACEPOINT, NULL, "GPL", insns, 2, NULL);
		links[i] = progs[i] < 0 ? -1 : link_create(progs[i], &ids[1], 1, NULL, 0, 0);
		if (!ASSERT_OK_FD(links[i], "one of 64 programs on getppid"))
			break;
		n++;
	}
	if (n == 64)
		EXPECT_ERR(link_create(prog, ids, 2, NULL, 0, 0), E2BIG, "65th program");
	for (i = 0; i < 64 && i <= n; i++) {
		if (links[i] >= 0)
			close(links[i]);
		if (progs[i] >= 0)
			close(progs[i]);
	}

	perf = bpf_program__attach_tracepoint_opts(skel->progs.tp_multi_count, "syscalls",
						   "sys_enter_getppid", &topts);
	if (ASSERT_OK_PTR(perf, "perf event")) {
		EXPECT_ERR(link_create(prog, ids, 2, NULL, 0, 0), EEXIST,
			   "program already on an event");
		do_getpid(10);
		ASSERT_EQ(total_hits(skel), 0, "nothing attached");
		bpf_link__destroy(perf);
	}
}

static int drop_caps(__u64 caps)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_capget, &hdr, data))
		return -errno;
	data[0].effective &= ~(__u32)caps;
	data[1].effective &= ~(__u32)(caps >> 32);
	if (syscall(SYS_capset, &hdr, data))
		return -errno;
	return 0;
}

#define CAP(c) (1ULL << (c))

/* Without CAP_PERFMON, or without CAP_BPF: EPERM (in a child, which drops them). */
static void subtest_perm(struct tp_multi *skel)
{
	__u64 drops[2] = {
		CAP(CAP_PERFMON) | CAP(CAP_SYS_ADMIN),
		CAP(CAP_BPF) | CAP(CAP_SYS_ADMIN),
	};
	int prog = bpf_program__fd(skel->progs.tp_multi_count);
	__u32 id = tp_id("syscalls", "sys_enter_getpid");
	int i, status, fd;
	pid_t pid;

	reset_hits(skel);
	for (i = 0; i < 2; i++) {
		pid = fork();
		if (pid == 0) {
			if (drop_caps(drops[i]))
				_exit(2);
			fd = link_create(prog, &id, 1, NULL, 0, 0);
			_exit(fd == -EPERM ? 0 : 1);
		}
		if (!ASSERT_GT(pid, 0, "fork"))
			return;
		waitpid(pid, &status, 0);
		ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0,
			    i ? "EPERM without CAP_BPF" : "EPERM without CAP_PERFMON");
	}
	do_getpid(10);
	ASSERT_EQ(total_hits(skel), 0, "nothing attached");
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* The non-syscall tracepoints of a few systems the guest has. */
static int collect_ids(__u32 *ids, int max)
{
	static const char * const systems[] = { "sched", "irq", "signal", "task", "timer" };
	char cmd[256], line[64];
	unsigned int i;
	int n = 0;
	FILE *f;

	for (i = 0; i < ARRAY_SIZE(systems) && n < max; i++) {
		snprintf(cmd, sizeof(cmd), "cat " TRACEFS "/events/%s/*/id 2>/dev/null",
			 systems[i]);
		f = popen(cmd, "r");
		if (!f)
			continue;
		while (n < max && fgets(line, sizeof(line), f))
			ids[n++] = atoi(line);
		pclose(f);
	}
	return n;
}

/*
 * Releasing a link of N events waits for one grace period; closing N perf
 * events with a program waits for N. Both on tracepoints no one else uses,
 * so that each close is the last reference.
 */
static void subtest_release_time(struct tp_multi *skel)
{
	int prog = bpf_program__fd(skel->progs.tp_multi_count);
	double t0, link_attach, link_release, perf_attach, perf_release;
	__u32 ids[64];
	int fds[64], i, n, fd;

	n = collect_ids(ids, ARRAY_SIZE(ids));
	if (!ASSERT_GE(n, 32, "tracepoints"))
		return;

	t0 = now_ms();
	fd = link_create(prog, ids, n, NULL, 0, 0);
	link_attach = now_ms() - t0;
	if (!ASSERT_OK_FD(fd, "link"))
		return;
	t0 = now_ms();
	close(fd);
	link_release = now_ms() - t0;

	t0 = now_ms();
	for (i = 0; i < n; i++) {
		fds[i] = perf_tp_open(ids[i]);
		if (fds[i] >= 0 && ioctl(fds[i], PERF_EVENT_IOC_SET_BPF, prog)) {
			close(fds[i]);
			fds[i] = -1;
		}
		if (!ASSERT_OK_FD(fds[i], "perf event with the program"))
			break;
	}
	perf_attach = now_ms() - t0;
	n = i;
	t0 = now_ms();
	for (i = 0; i < n; i++)
		close(fds[i]);
	perf_release = now_ms() - t0;

	printf("%s: %d tracepoints: link attach %.1f ms, release %.1f ms; "
	       "perf events attach %.1f ms, close %.1f ms\n",
	       __func__, n, link_attach, link_release, perf_attach, perf_release);
	/* n grace periods against one, with a wide margin for a noisy machine. */
	ASSERT_LT(link_release * 8, perf_release, "link release 8 times faster");
}

void test_tp_multi(void)
{
	struct tp_multi *skel;

	skel = tp_multi__open_and_load();
	if (!ASSERT_OK_PTR(skel, "tp_multi__open_and_load"))
		return;
	skel->bss->target_pid = getpid();

	if (test__start_subtest("cookies"))
		subtest_cookies(skel);
	if (test__start_subtest("pattern"))
		subtest_pattern(skel);
	if (test__start_subtest("record"))
		subtest_record(skel);
	if (test__start_subtest("perf_event"))
		subtest_perf_event(skel);
	if (test__start_subtest("bad_input"))
		subtest_bad_input(skel);
	if (test__start_subtest("kprobe_event"))
		subtest_kprobe_event(skel);
	if (test__start_subtest("prog_array"))
		subtest_prog_array(skel);
	if (test__start_subtest("perm"))
		subtest_perm(skel);
	if (test__start_subtest("release_time"))
		subtest_release_time(skel);

	tp_multi__destroy(skel);
}
