// SPDX-License-Identifier: GPL-2.0
/*
 * Attaching every probe and detaching it again.
 *
 * Trace blocks attach as raw tracepoints, one link per event with the
 * event index as cookie: raw tracepoint links detach without the grace
 * period per event that perf tracepoint events need.  syscalls:* events
 * are views of raw_syscalls:sys_enter/sys_exit, so a block matching any of
 * them attaches there once and dispatches on the syscall number.  Uprobes
 * go through uprobe_multi links, one per block, file and direction.
 * attach-check.c says what could not be attached.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <linux/perf_event.h>

#include <api/fs/tracing_path.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "perf-sys.h"
#include <linux/filter.h>

#include "attach-check.h"
#include "output.h"
#include "runtime-int.h"
#include "sema.h"
#include "tp-multi.h"

static int add_fd(int **fds, int *nr, int fd)
{
	int *n = realloc(*fds, (*nr + 1) * sizeof(**fds));

	if (!n)
		return -ENOMEM;
	*fds = n;
	n[(*nr)++] = fd;
	return 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int attach_raw(struct runtime *rt, int prog_fd, const char *tp, __u64 cookie)
{
	LIBBPF_OPTS(bpf_raw_tp_opts, ropts, .tp_name = tp, .cookie = cookie);
	int fd = bpf_raw_tracepoint_open_opts(prog_fd, &ropts);

	if (fd < 0)
		return -errno;
	return add_fd(&rt->links, &rt->nr_links, fd);
}

/* Open a perf event on @cpu (all tasks) and link @prog_fd to it. */
static int attach_perf_event(struct runtime *rt, struct perf_event_attr *attr, int cpu,
			     int prog_fd, __u64 cookie)
{
	LIBBPF_OPTS(bpf_link_create_opts, lopts, .perf_event.bpf_cookie = cookie);
	int pfd, link, *links;

	pfd = sys_perf_event_open(attr, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);
	if (pfd < 0)
		return -errno;
	links = realloc(rt->perf_links, (rt->nr_perf_fds + 1) * sizeof(*links));
	if (links)
		rt->perf_links = links;
	if (!links || add_fd(&rt->perf_fds, &rt->nr_perf_fds, pfd)) {
		close(pfd);
		return -ENOMEM;
	}
	/* the link to come: the event is closed after it */
	rt->perf_links[rt->nr_perf_fds - 1] = rt->nr_links;
	link = bpf_link_create(prog_fd, pfd, BPF_PERF_EVENT, &lopts);
	if (link < 0) {
		rt->perf_links[rt->nr_perf_fds - 1] = -1;
		return -errno;
	}
	if (add_fd(&rt->links, &rt->nr_links, link)) {
		close(link);
		rt->perf_links[rt->nr_perf_fds - 1] = -1;
		return -ENOMEM;
	}
	return 0;
}

/*
 * The slow path: a perf tracepoint event with the block loaded as a
 * tracepoint program.  For events raw tracepoints cannot reach, such as
 * syscalls:* views of syscalls this perf has no number for.  Closing one
 * costs the kernel a grace period, so only a few events should take it.
 */
static int attach_perf_tracepoint(struct runtime *rt, int idx)
{
	struct tap_event *ev = &rt->evs.ev[idx];
	struct tap_prog_def *prog = &rt->obj->progs[ev->prog];
	struct prog_state *ps = &rt->progs[ev->prog];
	struct perf_event_attr attr = {
		.type = PERF_TYPE_TRACEPOINT,
		.size = sizeof(attr),
		.sample_period = 1,
	};
	char path[256], *file;
	FILE *fp;
	int err;

	if (ps->tp_fd < 0) {
		ps->tp_fd = runtime__load_prog(rt, prog, BPF_PROG_TYPE_TRACEPOINT,
				      &prog->code[TAP_CODE_PERF_TP]);
		if (ps->tp_fd < 0)
			return ps->tp_fd;
	}
	snprintf(path, sizeof(path), "%s/%s/id", ev->sys, ev->name);
	file = get_events_file(path);
	fp = file ? fopen(file, "r") : NULL;
	put_events_file(file);
	if (!fp)
		return -ENOENT;
	err = fscanf(fp, "%llu", (unsigned long long *)&attr.config) == 1 ? 0 : -EINVAL;
	fclose(fp);
	if (err)
		return err;
	return attach_perf_event(rt, &attr, 0, ps->tp_fd, (__u64)idx);
}

/* A sysfs number of the kprobe or uprobe PMU: its type, or the retprobe bit. */
static int probe_pmu_value(const char *pmu, const char *file, const char *prefix)
{
	char path[256];
	int value = -1;
	FILE *fp;

	snprintf(path, sizeof(path), "/sys/bus/event_source/devices/%s/%s", pmu, file);
	fp = fopen(path, "r");
	if (!fp)
		return -1;
	if (prefix) {
		char buf[64];

		if (fgets(buf, sizeof(buf), fp) && !strncmp(buf, prefix, strlen(prefix)))
			value = atoi(buf + strlen(prefix));
	} else if (fscanf(fp, "%d", &value) != 1) {
		value = -1;
	}
	fclose(fp);
	return value;
}

/*
 * probe:FUNC through the kprobe PMU, probe:/PATH:SYM through the uprobe
 * PMU (both run kprobe programs on pt_regs): perf_event_open creates the probe
 * and closing the event removes it, so nothing is left in kprobe_events
 * whatever happens to perf.
 */
static int attach_kprobe(struct runtime *rt, int idx)
{
	struct tap_event *ev = &rt->evs.ev[idx];
	struct tap_prog_def *prog = &rt->obj->progs[ev->prog];
	struct prog_state *ps = &rt->progs[ev->prog];
	const char *pmu = ev->path ? "uprobe" : "kprobe";
	int type = probe_pmu_value(pmu, "type", NULL);
	int retbit = probe_pmu_value(pmu, "format/retprobe", "config:");
	struct perf_event_attr attr = {
		.size = sizeof(attr),
		.sample_period = 1,
	};

	if (type < 0 || (ev->kretprobe && retbit < 0))
		return -ENOENT;
	attr.type = (__u32)type;
	if (ev->path) {
		attr.config1 = (__u64)(unsigned long)ev->path;	/* uprobe_path */
		attr.config2 = ev->offset;			/* probe_offset */
	} else {
		attr.config1 = (__u64)(unsigned long)ev->name;	/* kprobe_func */
		attr.config2 = 0;				/* probe_offset */
	}
	if (ev->kretprobe)
		attr.config = 1ULL << retbit;
	if (ps->kprobe_fd < 0) {
		ps->kprobe_fd = runtime__load_prog(rt, prog, BPF_PROG_TYPE_KPROBE,
					  &prog->code[TAP_CODE_KPROBE]);
		if (ps->kprobe_fd < 0)
			return ps->kprobe_fd;
	}
	return attach_perf_event(rt, &attr, 0, ps->kprobe_fd, (__u64)idx);
}

/*
 * uprobe_multi links came with Linux 6.6.  Older kernels load a kprobe
 * program whatever its expected attach type, and refuse the link with
 * EINVAL; newer ones look at the path first, and "/" is no regular file,
 * so only where the link type exists does the link fail with EBADF.
 */
static bool have_uprobe_multi(void)
{
	static const struct bpf_insn insns[] = {
		BPF_MOV64_IMM(BPF_REG_0, 0),
		BPF_EXIT_INSN(),
	};
	LIBBPF_OPTS(bpf_prog_load_opts, lopts, .expected_attach_type = BPF_TRACE_UPROBE_MULTI);
	LIBBPF_OPTS(bpf_link_create_opts, opts, .uprobe_multi.path = "/",
		    .uprobe_multi.offsets = (unsigned long[]){ 0 }, .uprobe_multi.cnt = 1);
	static int have = -1;
	int prog, link;

	if (have >= 0)
		return have;
	have = 0;
	prog = bpf_prog_load(BPF_PROG_TYPE_KPROBE, "tap_probe", "GPL", insns, 2, &lopts);
	if (prog < 0)
		return false;
	link = bpf_link_create(prog, 0, BPF_TRACE_UPROBE_MULTI, &opts);
	have = link < 0 && errno == EBADF;
	if (link >= 0)
		close(link);
	close(prog);
	return have;
}

/* The uprobes of one block in one file, entries or returns. */
struct uprobe_group {
	struct runtime *rt;
	int prog_fd;
	const char *path;
	bool ret;
	int *idx;			/* event indexes */
	unsigned long *offsets;
	__u64 *cookies;
};

/* Errors that say nothing about one function: splitting would only repeat them. */
static bool refuses_all(int err)
{
	switch (err) {
	case EPERM: case EACCES: case EBADF: case ENOMEM: case E2BIG: case EFAULT:
	case EOPNOTSUPP: case EINTR:
		return true;
	default:
		return false;
	}
}

/*
 * Attach events [lo, hi) of @g with one link.  The kernel registers the
 * offsets in order and gives up at the first one it refuses, undoing the
 * others.  So a refused range is split in halves until each refused
 * function is alone: k refusals among n functions cost about 2k log2(n/k)
 * attempts, and leave that many links.  Each event's result goes to
 * rt->attach_err; a signal leaves the rest unattached.
 */
static void attach_range(struct uprobe_group *g, int lo, int hi)
{
	LIBBPF_OPTS(bpf_link_create_opts, opts,
		    .uprobe_multi.path = g->path,
		    .uprobe_multi.offsets = g->offsets + lo,
		    .uprobe_multi.cookies = g->cookies + lo,
		    .uprobe_multi.cnt = (__u32)(hi - lo),
		    .uprobe_multi.flags = g->ret ? BPF_F_UPROBE_MULTI_RETURN : 0);
	int fd, err, i, mid;

	if (tap_signals)
		return;
	fd = bpf_link_create(g->prog_fd, 0, BPF_TRACE_UPROBE_MULTI, &opts);
	err = fd < 0 ? errno : 0;
	if (fd >= 0 && add_fd(&g->rt->links, &g->rt->nr_links, fd)) {
		close(fd);
		err = ENOMEM;
	}
	if (!err || hi - lo == 1 || refuses_all(err)) {
		for (i = lo; i < hi; i++)
			g->rt->attach_err[g->idx[i]] = -err;
		return;
	}
	mid = lo + (hi - lo) / 2;
	attach_range(g, lo, mid);
	attach_range(g, mid, hi);
}

static bool same_group(const struct tap_event *a, const struct tap_event *b)
{
	return a->prog == b->prog && a->kretprobe == b->kretprobe && !strcmp(a->path, b->path);
}

/*
 * probe:/PATH:SYM uprobes, one uprobe_multi link per block, file and
 * direction: one program for thousands of functions, attached and
 * detached with one grace period instead of two per function.  Returns 0,
 * -EOPNOTSUPP if this kernel has no uprobe_multi links (nothing is
 * attached then: they go one by one, as perf events), or -errno if a
 * program cannot be loaded.
 */
static int attach_uprobes(struct runtime *rt)
{
	struct uprobe_group g = { .rt = rt };
	bool *done;
	int i, j, n, err = 0;

	for (i = 0; i < rt->evs.nr && !rt->evs.ev[i].path; i++)
		;
	if (i == rt->evs.nr)
		return 0;
	if (!have_uprobe_multi())
		return -EOPNOTSUPP;
	done = calloc(rt->evs.nr, sizeof(*done));
	g.idx = calloc(rt->evs.nr, sizeof(*g.idx));
	g.offsets = calloc(rt->evs.nr, sizeof(*g.offsets));
	g.cookies = calloc(rt->evs.nr, sizeof(*g.cookies));
	if (!done || !g.idx || !g.offsets || !g.cookies) {
		fprintf(stderr, "perf tap: cannot attach uprobes: out of memory\n");
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < rt->evs.nr && !tap_signals; i++) {
		const struct tap_event *ev = &rt->evs.ev[i];
		struct tap_prog_def *prog = &rt->obj->progs[ev->prog];
		struct prog_state *ps = &rt->progs[ev->prog];

		if (!ev->path || done[i])
			continue;
		if (ps->umulti_fd < 0) {
			ps->umulti_fd = runtime__load_prog_as(rt, prog, BPF_PROG_TYPE_KPROBE,
							      BPF_TRACE_UPROBE_MULTI,
							      &prog->code[TAP_CODE_KPROBE]);
			if (ps->umulti_fd < 0) {
				err = ps->umulti_fd;
				goto out;
			}
		}
		for (n = 0, j = i; j < rt->evs.nr; j++) {
			if (!rt->evs.ev[j].path || done[j] || !same_group(ev, &rt->evs.ev[j]))
				continue;
			done[j] = true;
			g.idx[n] = j;
			g.offsets[n] = (unsigned long)rt->evs.ev[j].offset;
			g.cookies[n] = (__u64)j;
			n++;
		}
		g.prog_fd = ps->umulti_fd;
		g.path = ev->path;
		g.ret = ev->kretprobe;
		attach_range(&g, 0, n);
	}
out:
	free(done);
	free(g.idx);
	free(g.offsets);
	free(g.cookies);
	return err;
}

static int attach_timer(struct runtime *rt, int idx, struct tap_prog_def *prog, int prog_fd)
{
	struct perf_event_attr attr = {
		.type = PERF_TYPE_SOFTWARE,
		.size = sizeof(attr),
		.config = PERF_COUNT_SW_CPU_CLOCK,
		.sample_period = (__u64)prog->period_ns,
		.disabled = 0,
	};
	int ncpus = tap_output__nr_cpus(rt->out);
	int cpu, err, started = 0;

	for (cpu = 0; cpu < ncpus && (prog->profile || !started); cpu++) {
		if (tap_output__fd(rt->out, cpu) < 0)
			continue;	/* offline */
		if (rt->cpu_mask && (cpu >= 64 || !(rt->cpu_mask & (1ULL << cpu))))
			continue;	/* not chosen with -C */
		started++;
		err = attach_perf_event(rt, &attr, cpu, prog_fd, (__u64)idx);
		if (err)
			return err;
	}
	return 0;
}

/* Is event @i attached on its own (not at raw_syscalls, not in a uprobe_multi link)? */
static bool attached_alone(struct runtime *rt, int i, bool multi)
{
	const struct tap_event *ev = &rt->evs.ev[i];

	if (rt->obj->progs[ev->prog].kind == TAP_PROG_TIMER)
		return true;
	return ev->syscall_nr < 0 && !(ev->path && multi);
}

/* An event for attach_perf_tracepoint(), unless a tracepoint_multi link takes it. */
static bool needs_perf_tp(struct runtime *rt, int i, bool multi)
{
	const struct tap_event *ev = &rt->evs.ev[i];
	const struct tap_prog_def *prog = &rt->obj->progs[ev->prog];

	return attached_alone(rt, i, multi) && prog->kind != TAP_PROG_TIMER && !ev->kprobe &&
	       !ev->path && (!strcmp(ev->sys, "syscalls") || prog->uses_argstr);
}

/*
 * Attach every event.  Opening a uprobe or kprobe event can take long (the
 * kernel plants the probe in every process that maps the file), so a
 * signal stops attaching at once, and a long attach says what it is doing.
 * An event the kernel refuses is skipped (tap_attach__check says which);
 * a trace block left with no event is an error.
 */
int runtime__attach_all(struct runtime *rt)
{
	double start = now_s(), loop_start, spent;
	int i, err, multi, left = 0, tried = 0, failed = 0;
	bool told = false, *linked;

	rt->attach_err = calloc(rt->evs.nr ?: 1, sizeof(*rt->attach_err));
	if (!rt->attach_err) {
		fprintf(stderr, "perf tap: cannot attach: out of memory\n");
		return -ENOMEM;
	}
	for (i = 0; i < rt->obj->nr_progs; i++) {
		struct prog_state *ps = &rt->progs[i];

		if (ps->enter_base >= 0) {
			err = attach_raw(rt, ps->sys_fd, "sys_enter", TAP_COOKIE_SYSCALL |
					 (__u64)ps->enter_base * TAP_SYSCALL_SLOTS);
			if (err)
				goto fail_sys;
		}
		if (ps->exit_base >= 0) {
			err = attach_raw(rt, ps->sys_fd, "sys_exit",
					 TAP_COOKIE_SYSCALL | (1ULL << 30) |
					 (__u64)ps->exit_base * TAP_SYSCALL_SLOTS);
			if (err)
				goto fail_sys;
		}
	}
	/* uprobes: a few uprobe_multi links, else one perf event each below */
	multi = attach_uprobes(rt);
	if (multi && multi != -EOPNOTSUPP)
		return multi;
	/* perf tracepoint events: through tracepoint_multi links where the kernel has them */
	linked = calloc(rt->evs.nr ?: 1, sizeof(*linked));
	if (linked) {
		for (i = 0; i < rt->evs.nr; i++)
			linked[i] = needs_perf_tp(rt, i, !multi);
		tap_tp_multi__attach(rt, linked);
	}
	for (i = 0; i < rt->evs.nr; i++)
		left += attached_alone(rt, i, !multi) && !(linked && linked[i]);
	loop_start = now_s();
	for (i = 0; i < rt->evs.nr && !tap_signals; i++) {
		struct tap_event *ev = &rt->evs.ev[i];
		struct tap_prog_def *prog = &rt->obj->progs[ev->prog];

		if (!attached_alone(rt, i, !multi) || (linked && linked[i]))
			continue;
		spent = now_s() - loop_start;
		if (!told && tried > 0 && spent > 0.5 && spent / tried * left >= 1.5) {
			fprintf(stderr, "perf tap: attaching %d more events (~%.0f s; Ctrl-C "
				"stops)...\n", left, spent / tried * left);
			told = true;
		}
		tried++;
		left--;
		if (prog->kind == TAP_PROG_TIMER) {
			err = attach_timer(rt, i, prog, rt->progs[ev->prog].fd);
			if (err) {
				fprintf(stderr, "perf tap: cannot start timer %s: %s\n", ev->name,
					strerror(-err));
				free(linked);
				return err;
			}
			continue;
		}
		if (ev->kprobe || ev->path) {
			/* a glob may match a few functions that cannot be probed */
			err = attach_kprobe(rt, i);
		} else if (!strcmp(ev->sys, "syscalls") || prog->uses_argstr) {
			/* argstr needs the event's record: only perf tracepoints have it */
			err = attach_perf_tracepoint(rt, i);
		} else {
			err = attach_raw(rt, rt->progs[ev->prog].fd, ev->name, (__u64)i);
			if (err == -ENOENT && strcmp(ev->sys, "syscalls"))
				err = attach_perf_tracepoint(rt, i);
		}
		rt->attach_err[i] = err;
	}
	free(linked);
	/* a signal: what is not attached need not be, nothing will run */
	if (tap_signals)
		return 0;
	err = tap_attach__check(rt->obj, &rt->evs, rt->attach_err, rt->opts->verbose);
	if (err || !rt->opts->verbose)
		return err;
	for (i = 0; i < rt->evs.nr; i++)
		failed += !!rt->attach_err[i];
	fprintf(stderr, "perf tap: attached %d events in %.2f s\n", rt->evs.nr - failed,
		now_s() - start);
	return 0;
fail_sys:
	fprintf(stderr, "perf tap: cannot attach to raw_syscalls: %s\n", strerror(-err));
	return err;
}


/*
 * Stop every probe at once, without detaching anything: every trace and
 * timer program returns at its start once the exited slot is set, as
 * after exit().  Without the mapped globals (kernels before 5.5), close
 * the links instead.
 */
void runtime__stop_probes(struct runtime *rt)
{
	int i;

	if (rt->globals) {
		runtime__set_global(rt, TAP_G_EXITED, 1);
		return;
	}
	for (i = 0; i < rt->nr_links; i++)
		close(rt->links[i]);
	rt->nr_links = 0;
	for (i = 0; i < rt->nr_perf_fds; i++)
		rt->perf_links[i] = -1;
}

/*
 * Closing what attach made.  A raw tracepoint link goes at once.  A perf
 * event with a program costs the kernel two grace periods (about 30 and
 * 40 ms on 6.18): one when its link lets go of the program (under
 * bpf_event_mutex), one when the event itself goes (under event_mutex).
 * Each mutex serializes its kind, so more threads per kind gain nothing
 * (measured: 100 events take 4.4 s from one thread, 4.6 s from 16 or
 * 100), but the two kinds overlap: one thread closes the links while
 * another closes each event whose link has gone.
 */
struct closing {
	struct runtime *rt;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int links_done;		/* rt->links[0, links_done) are closed */
	int events_done;	/* rt->perf_fds[0, events_done) are closed */
	double first_event;	/* when the first event was closed */
	bool stop;		/* leave the rest */
	bool finished;		/* the event thread is done */
};

static void *close_events_thread(void *arg)
{
	struct closing *c = arg;
	struct runtime *rt = c->rt;
	int j;

	for (j = c->events_done; j < rt->nr_perf_fds; j++) {
		pthread_mutex_lock(&c->lock);
		while (!c->stop && rt->perf_links[j] >= c->links_done)
			pthread_cond_wait(&c->cond, &c->lock);
		pthread_mutex_unlock(&c->lock);
		if (c->stop)
			break;
		close(rt->perf_fds[j]);
		pthread_mutex_lock(&c->lock);
		if (!c->first_event)
			c->first_event = now_s();
		c->events_done = j + 1;
		pthread_cond_broadcast(&c->cond);
		pthread_mutex_unlock(&c->lock);
	}
	pthread_mutex_lock(&c->lock);
	c->finished = true;
	pthread_cond_broadcast(&c->cond);
	pthread_mutex_unlock(&c->lock);
	return NULL;
}

/* Is a signal asking to stop waiting?  Never in the background closer. */
static bool interrupted(int stop_signals)
{
	return stop_signals >= 0 && tap_signals > stop_signals;
}

/*
 * Once the rest will take more than a second, say what is going on.  The
 * slower kind sets the pace: events once a few have gone, else links.
 * The estimate is rough: the kernel's grace periods are longer when the
 * machine is busy.
 */
static void tell_progress(struct closing *c, double start, bool *told)
{
	struct runtime *rt = c->rt;
	int events_left = rt->nr_perf_fds - c->events_done;
	int links_left = rt->nr_links - c->links_done;
	double spent = now_s() - start, rest;

	/* the pace of the first few is no guide: wait for 8 or 2 s */
	if (*told || (!events_left && !links_left) ||
	    (spent < 2 && c->events_done < 8 && (events_left || c->links_done < 8)))
		return;
	/* the first event waits for its link: the pace is from then on */
	if (events_left && c->events_done > 1)
		rest = (now_s() - c->first_event) / (c->events_done - 1) * events_left;
	else if (!events_left && links_left && c->links_done)
		rest = spent / c->links_done * links_left;
	else
		rest = spent * 2;	/* not one gone yet */
	if (rest < 1.5)
		return;
	fprintf(stderr, "perf tap: detaching %d events (~%.0f s)... Ctrl-C finishes it in "
		"the background\n", events_left ? events_left : links_left, rest);
	*told = true;
}

/*
 * Close links and events from where @c says on, until done or, unless
 * @stop_signals is negative, a signal beyond @stop_signals comes.
 */
static void close_from(struct closing *c, int stop_signals)
{
	struct runtime *rt = c->rt;
	double start = now_s();
	bool told = stop_signals < 0;
	sigset_t all, old;
	pthread_t th;
	bool threaded;
	int i;

	/* signals are for the main thread, which watches them */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	threaded = !pthread_create(&th, NULL, close_events_thread, c);
	pthread_sigmask(SIG_SETMASK, &old, NULL);

	for (i = c->links_done; i < rt->nr_links && !interrupted(stop_signals); i++) {
		close(rt->links[i]);
		pthread_mutex_lock(&c->lock);
		c->links_done = i + 1;
		pthread_cond_broadcast(&c->cond);
		pthread_mutex_unlock(&c->lock);
		tell_progress(c, start, &told);
	}
	if (!threaded) {
		for (i = c->events_done; i < rt->nr_perf_fds && !interrupted(stop_signals) &&
		     c->links_done == rt->nr_links; i++) {
			close(rt->perf_fds[i]);
			c->events_done = i + 1;
			tell_progress(c, start, &told);
		}
		return;
	}
	pthread_mutex_lock(&c->lock);
	while (!c->finished && !interrupted(stop_signals)) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 100 * 1000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&c->cond, &c->lock, &ts);
		tell_progress(c, start, &told);
	}
	c->stop = true;
	pthread_cond_broadcast(&c->cond);
	pthread_mutex_unlock(&c->lock);
	pthread_join(th, NULL);
}

/*
 * Leave what is not closed yet to a child process, so that perf tap can
 * exit now.  The child holds nothing else: no program or map, and not the
 * output streams, so that a reader of perf tap's output sees it end.
 * Returns false if there is no child.
 */
static bool close_in_background(struct closing *c)
{
	struct runtime *rt = c->rt;
	int i, fd, devnull;
	struct dirent *d;
	DIR *dir;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return false;
	if (pid > 0) {
		fprintf(stderr, "perf tap: process %d closes the other %d events in the "
			"background\n", pid, rt->nr_perf_fds - c->events_done);
		for (i = c->links_done; i < rt->nr_links; i++)
			close(rt->links[i]);
		for (i = c->events_done; i < rt->nr_perf_fds; i++)
			close(rt->perf_fds[i]);
		return true;
	}
	prctl(PR_SET_NAME, "perf-tap-close");
	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	devnull = open("/dev/null", O_RDWR);
	for (fd = 0; fd < 3 && devnull >= 0; fd++)
		dup2(devnull, fd);
	dir = opendir("/proc/self/fd");
	while (dir && (d = readdir(dir))) {
		bool keep = false;

		fd = atoi(d->d_name);
		if (d->d_name[0] == '.' || fd < 3 || fd == dirfd(dir))
			continue;
		for (i = c->links_done; i < rt->nr_links && !keep; i++)
			keep = rt->links[i] == fd;
		for (i = c->events_done; i < rt->nr_perf_fds && !keep; i++)
			keep = rt->perf_fds[i] == fd;
		if (!keep)
			close(fd);
	}
	if (dir)
		closedir(dir);
	c->stop = c->finished = false;
	close_from(c, -1);
	_exit(0);
}

/*
 * Detach everything.  When that takes more than a second, say so; a
 * signal beyond the @stop_signals that stopped tracing leaves the rest
 * to a background process.
 */
void runtime__detach_all(struct runtime *rt, int stop_signals)
{
	struct closing c = {
		.rt = rt,
		.lock = PTHREAD_MUTEX_INITIALIZER,
		.cond = PTHREAD_COND_INITIALIZER,
	};
	double start = now_s();

	if (!rt->nr_links && !rt->nr_perf_fds)
		return;
	close_from(&c, stop_signals);
	if (c.links_done < rt->nr_links || c.events_done < rt->nr_perf_fds) {
		if (!close_in_background(&c)) {
			/* no process to leave them to: finish here */
			c.stop = c.finished = false;
			close_from(&c, -1);
		}
	} else if (rt->opts->verbose) {
		fprintf(stderr, "perf tap: detached %d links and %d perf events in %.2f s\n",
			rt->nr_links, rt->nr_perf_fds, now_s() - start);
	}
	rt->nr_links = 0;
	rt->nr_perf_fds = 0;
}
