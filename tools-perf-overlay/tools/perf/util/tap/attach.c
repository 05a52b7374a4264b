// SPDX-License-Identifier: GPL-2.0
/*
 * Attaching every probe and detaching it again.
 *
 * Trace blocks attach as raw tracepoints, one link per event with the
 * event index as cookie: raw tracepoint links detach without the grace
 * period per event that perf tracepoint events need.  syscalls:* events
 * are views of raw_syscalls:sys_enter/sys_exit, so a block matching any of
 * them attaches there once and dispatches on the syscall number.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/perf_event.h>

#include <api/fs/tracing_path.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "perf-sys.h"

#include "output.h"
#include "runtime-int.h"

static int add_fd(int **fds, int *nr, int fd)
{
	int *n = realloc(*fds, (*nr + 1) * sizeof(**fds));

	if (!n)
		return -ENOMEM;
	*fds = n;
	n[(*nr)++] = fd;
	return 0;
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
	int pfd, link;

	pfd = sys_perf_event_open(attr, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);
	if (pfd < 0)
		return -errno;
	if (add_fd(&rt->perf_fds, &rt->nr_perf_fds, pfd)) {
		close(pfd);
		return -ENOMEM;
	}
	link = bpf_link_create(prog_fd, pfd, BPF_PERF_EVENT, &lopts);
	if (link < 0)
		return -errno;
	if (add_fd(&rt->links, &rt->nr_links, link)) {
		close(link);
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

int runtime__attach_all(struct runtime *rt)
{
	int i, err, failed = 0;

	for (i = 0; i < rt->obj->nr_progs; i++) {
		struct prog_state *ps = &rt->progs[i];

		if (ps->enter_base >= 0) {
			err = attach_raw(rt, ps->sys_fd, "sys_enter",
					 TAP_COOKIE_SYSCALL | (__u64)ps->enter_base * TAP_SYSCALL_SLOTS);
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
	for (i = 0; i < rt->evs.nr; i++) {
		struct tap_event *ev = &rt->evs.ev[i];
		struct tap_prog_def *prog = &rt->obj->progs[ev->prog];

		if (prog->kind == TAP_PROG_TIMER) {
			err = attach_timer(rt, i, prog, rt->progs[ev->prog].fd);
			if (err) {
				fprintf(stderr, "perf tap: cannot start timer %s: %s\n", ev->name,
					strerror(-err));
				return err;
			}
			continue;
		}
		if (ev->syscall_nr >= 0)
			continue;
		if (ev->kprobe || ev->path) {
			err = attach_kprobe(rt, i);
			if (err) {
				fprintf(stderr, "perf tap: cannot attach a kprobe to %s: %s\n",
					ev->name, strerror(-err));
				return err;
			}
			continue;
		}
		/* argstr needs the event's record: only perf tracepoints have it */
		if (!strcmp(ev->sys, "syscalls") || prog->uses_argstr)
			err = attach_perf_tracepoint(rt, i);
		else
			err = attach_raw(rt, rt->progs[ev->prog].fd, ev->name, (__u64)i);
		if (err == -ENOENT && strcmp(ev->sys, "syscalls"))
			err = attach_perf_tracepoint(rt, i);
		if (err) {
			if (rt->opts->verbose || failed < 3)
				fprintf(stderr, "perf tap: warning: cannot attach to %s:%s: %s\n",
					ev->sys, ev->name, strerror(-err));
			failed++;
		}
	}
	if (failed > 3 && !rt->opts->verbose)
		fprintf(stderr, "perf tap: warning: %d events in all could not be attached "
			"(-v lists them)\n", failed);
	if (failed && failed == rt->evs.nr) {
		fprintf(stderr, "perf tap: no event could be attached\n");
		return -ENOENT;
	}
	return 0;
fail_sys:
	fprintf(stderr, "perf tap: cannot attach to raw_syscalls: %s\n", strerror(-err));
	return err;
}

void runtime__detach_all(struct runtime *rt)
{
	int i;

	for (i = 0; i < rt->nr_links; i++)
		close(rt->links[i]);
	rt->nr_links = 0;
	for (i = 0; i < rt->nr_perf_fds; i++)
		close(rt->perf_fds[i]);
	rt->nr_perf_fds = 0;
}

