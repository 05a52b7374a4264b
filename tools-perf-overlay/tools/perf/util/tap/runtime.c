// SPDX-License-Identifier: GPL-2.0
/*
 * Running a compiled script: the workload, the top-level program, the
 * output loop, trace_end, and an orderly teardown that leaves no program,
 * link or perf event behind.  Loading is in load.c, attaching in attach.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <linux/capability.h>
#include <linux/log2.h>
#include <linux/perf_event.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "util/cap.h"
#include <perf/cpumap.h>
#include "util/machine.h"
#include "util/map.h"
#include "util/symbol.h"
#include "util/trace-event.h"
#include <linux/err.h>

#include "output.h"
#include "runtime-int.h"
#include "sema.h"
#include "track.h"
#include "usym.h"

#ifndef CAP_BPF
#define CAP_BPF 39
#endif

volatile sig_atomic_t tap_signals;

/* -C: perf's CPU list syntax ("0,2-3") into a mask of online CPUs. */
static int parse_cpus(struct runtime *rt, const char *list)
{
	struct perf_cpu_map *map = perf_cpu_map__new(list);
	struct perf_cpu cpu;
	int idx;

	if (!map || perf_cpu_map__is_empty(map)) {
		fprintf(stderr, "perf tap: -C: not a CPU list: '%s'\n", list);
		perf_cpu_map__put(map);
		return -EINVAL;
	}
	perf_cpu_map__for_each_cpu(cpu, idx, map) {
		if (cpu.cpu < 0 || cpu.cpu >= 64 || tap_output__fd(rt->out, cpu.cpu) < 0) {
			fprintf(stderr, "perf tap: -C: CPU %d is not online (or above 63)\n",
				cpu.cpu);
			perf_cpu_map__put(map);
			return -EINVAL;
		}
		rt->cpu_mask |= 1ULL << cpu.cpu;
	}
	perf_cpu_map__put(map);
	return 0;
}

/* CLOCK_REALTIME - CLOCK_MONOTONIC now: gettimeofday_*() add it in BPF. */
static __u64 realtime_offset(void)
{
	struct timespec mono, real;

	clock_gettime(CLOCK_MONOTONIC, &mono);
	clock_gettime(CLOCK_REALTIME, &real);
	return (__u64)((real.tv_sec - mono.tv_sec) * 1000000000LL +
		       (real.tv_nsec - mono.tv_nsec));
}

/*
 * argstr: format the event with libtraceevent, exactly as perf script
 * prints a tracepoint's fields.  At raw_syscalls the record is rebuilt
 * from pt_regs: __syscall_nr, then the six arguments, or the return value
 * for a sys_exit event, as the syscalls:* events lay them out.
 */
static void format_event(void *arg, int cpu, const void *data, FILE *fp)
{
	/* offsetof(struct pt_regs, di, si, dx, r10, r8, r9) on x86_64 */
	static const int regs_off[] = { 112, 104, 96, 56, 72, 64 };
	struct runtime *rt = arg;
	const unsigned char *d = data;
	__u32 idx, kind;
	struct tap_event *ev;
	struct tep_event *tp;
	unsigned char rec[64];
	int i, size;

	memcpy(&idx, d, 4);
	memcpy(&kind, d + 4, 4);
	if (idx >= (__u32)rt->evs.nr || kind == TAP_ARGSTR_NONE)
		return;
	ev = &rt->evs.ev[idx];
	if (!rt->formats)
		rt->formats = calloc(rt->evs.nr, sizeof(*rt->formats));
	if (!rt->formats)
		return;
	if (!rt->formats[idx]) {
		tp = trace_event__tp_format(ev->sys, ev->name);
		if (IS_ERR_OR_NULL(tp))
			return;
		rt->formats[idx] = tp;
	}
	tp = rt->formats[idx];
	if (kind == TAP_ARGSTR_RECORD) {
		unsigned char full[TAP_ARGSTR_DATA];

		/*
		 * The kernel hands BPF the record with its first 8 bytes (the
		 * common fields) replaced by a pt_regs pointer: put the type back.
		 */
		memcpy(full, d + 8, sizeof(full));
		memset(full, 0, 8);
		memcpy(full, &(__u16){ (__u16)tp->id }, 2);
		event_format__fprintf(tp, cpu, full, sizeof(full), fp);
		return;
	}
	memset(rec, 0, sizeof(rec));
	memcpy(rec, &(__u16){ (__u16)tp->id }, 2);
	memcpy(rec + 8, &ev->syscall_nr, 4);
	if (ev->sys_exit) {
		memcpy(rec + 16, d + 8 + 80, 8);	/* ax */
		size = 24;
	} else {
		for (i = 0; i < 6; i++)
			memcpy(rec + 16 + 8 * i, d + 8 + regs_off[i], 8);
		size = 64;
	}
	event_format__fprintf(tp, cpu, rec, size, fp);
}

static const char *symbolize_user(void *arg, int pid, u64 addr, char *buf, size_t size)
{
	struct runtime *rt = arg;

	if (!rt->usyms)
		rt->usyms = tap_usyms__new();
	if (!rt->usyms) {
		snprintf(buf, size, "0x%llx", (unsigned long long)addr);
		return buf;
	}
	return tap_usyms__name(rt->usyms, pid, addr, buf, size);
}

/* "function+0xoff" for a kernel address, with perf's kernel symbol maps. */
static const char *symbolize_kernel(void *arg, u64 addr, char *buf, size_t size)
{
	struct runtime *rt = arg;
	struct map *map = NULL;
	struct symbol *sym = NULL;

	if (!rt->machine) {
		symbol__init(NULL);
		rt->machine = machine__new_host();
	}
	if (rt->machine)
		sym = machine__find_kernel_symbol(rt->machine, addr, &map);
	if (!sym)
		snprintf(buf, size, "0x%llx", (unsigned long long)addr);
	else
		snprintf(buf, size, "%s+0x%llx", sym->name,
			 (unsigned long long)(map__map_ip(map, addr) - sym->start));
	return buf;
}

/* Loading tracing programs needs CAP_SYS_ADMIN, or CAP_BPF with CAP_PERFMON. */
static bool may_trace(void)
{
	bool used_root;

	if (perf_cap__capable(CAP_SYS_ADMIN, &used_root))
		return true;
	return perf_cap__capable(CAP_BPF, &used_root) &&
	       perf_cap__capable(CAP_PERFMON, &used_root);
}

static void on_signal(int sig)
{
	(void)sig;
	tap_signals++;
}

/* ---- the workload ------------------------------------------------------ */

/*
 * Fork the command stopped before exec, so its pid can be the target
 * first.  Like evlist__prepare_workload(), but the command also dies with
 * perf tap when perf tap is killed (PR_SET_PDEATHSIG): perf's helper has
 * no place for that, and a workload that outlives its tracer is never
 * wanted.  An exec failure comes back through a close-on-exec pipe.
 */
static int prepare_workload(struct runtime *rt)
{
	pid_t parent = getpid();
	int go[2], failed[2];

	if (pipe(go) < 0)
		return -errno;
	/* closed by a successful exec; carries errno if exec fails */
	if (pipe2(failed, O_CLOEXEC) < 0) {
		close(go[0]);
		close(go[1]);
		return -errno;
	}
	fflush(NULL);
	rt->child = fork();
	if (rt->child < 0) {
		close(go[0]);
		close(go[1]);
		close(failed[0]);
		close(failed[1]);
		return -errno;
	}
	if (!rt->child) {
		char c;

		/* SIGKILL: a command that handles SIGTERM must not stay either */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != parent)
			_exit(127);
		close(go[1]);
		close(failed[0]);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		prctl(PR_SET_NAME, "perf-exec");
		/* perf tap closes the pipe without a byte to cancel the command */
		if (read(go[0], &c, 1) != 1)
			_exit(127);
		execvp(rt->opts->argv[0], (char *const *)rt->opts->argv);
		c = (char)errno;
		if (write(failed[1], &c, 1) != 1)
			_exit(127);
		_exit(127);
	}
	close(go[0]);
	close(failed[1]);
	rt->go_pipe = go[1];
	rt->exec_pipe = failed[0];
	return 0;
}

static int start_workload(struct runtime *rt)
{
	char err;

	if (rt->go_pipe < 0)
		return 0;
	if (write(rt->go_pipe, "g", 1) != 1)
		fprintf(stderr, "perf tap: cannot start the workload\n");
	close(rt->go_pipe);
	rt->go_pipe = -1;
	if (read(rt->exec_pipe, &err, 1) == 1) {
		fprintf(stderr, "perf tap: cannot run '%s': %s\n", rt->opts->argv[0],
			strerror(err));
		return -ENOENT;
	}
	return 0;
}

static void reap_workload(struct runtime *rt, bool wait)
{
	if (rt->child <= 0 || rt->child_done)
		return;
	if (waitpid(rt->child, &rt->child_status, wait ? 0 : WNOHANG) == rt->child)
		rt->child_done = true;
}

/*
 * End the command if it still runs: SIGTERM, and SIGKILL if it is still
 * there after a second or at another signal to perf tap.
 */
static void end_workload(struct runtime *rt)
{
	int signals = tap_signals, i;

	if (rt->go_pipe >= 0) {
		/* never started: the closed pipe makes it exit */
		close(rt->go_pipe);
		rt->go_pipe = -1;
	} else if (rt->child > 0 && !rt->child_done) {
		kill(rt->child, SIGTERM);
	}
	for (i = 0; i < 100 && tap_signals == signals; i++) {
		reap_workload(rt, false);
		if (rt->child <= 0 || rt->child_done)
			return;
		usleep(10000);
	}
	if (rt->child > 0 && !rt->child_done)
		kill(rt->child, SIGKILL);
	reap_workload(rt, true);
}

/* ---- running ----------------------------------------------------------- */

static int drain(struct runtime *rt)
{
	int n;

	/* mappings first: the records may name code mapped just before */
	tap_track__drain(rt->track);
	n = tap_output__drain(rt->out, tap_print_record, &rt->printer);

	fflush(rt->printer.fp);
	return n;
}

static void trace_loop(struct runtime *rt)
{
	/* a script without probes or timers is done after its top-level code */
	if (!rt->evs.nr && rt->child <= 0)
		return;
	while (!tap_signals && !rt->printer.exited) {
		tap_output__poll(rt->out, 100);
		drain(rt);
		/* keep the target's mappings for ustack(): it may exit before they print */
		if (rt->obj->uses_stacks && (rt->child > 0 || rt->opts->pid > 0)) {
			if (!rt->usyms)
				rt->usyms = tap_usyms__new();
			if (rt->usyms)
				tap_usyms__snapshot(rt->usyms, rt->child > 0 ? rt->child :
						    rt->opts->pid);
		}
		if (rt->child > 0) {
			reap_workload(rt, false);
			if (rt->child_done)
				break;
		} else if (rt->opts->pid > 0 && kill(rt->opts->pid, 0) && errno == ESRCH) {
			break;
		}
	}
}

/*
 * stack() values that hold no stack.  Without BPF_F_REUSE_STACKID (which
 * would hand the id of a stored stack to a new one, so that table keys
 * taken earlier print the wrong frames) a stack whose hash bucket holds
 * another stack is not kept: bpf_get_stackid() returns -EEXIST.
 */
static void report_lost_stacks(struct runtime *rt)
{
	/* counted in BPF: every sample, not only the values printed */
	unsigned long long collided = runtime__get_global(rt, TAP_G_STACKLOST);

	if (collided)
		fprintf(stderr, "perf tap: warning: %llu stacks were lost to hash collisions in the "
			"stack map (%u buckets)\n", collided,
			(unsigned int)roundup_pow_of_two(TAP_STACK_MAP_ENTRIES));
	if (rt->printer.stacks_full)
		fprintf(stderr, "perf tap: warning: %llu of the stack values printed were lost "
			"because the stack map was full (%u stacks)\n",
			(unsigned long long)rt->printer.stacks_full, TAP_STACK_MAP_ENTRIES);
	if (tap_track__lost(rt->track))
		fprintf(stderr, "perf tap: warning: %llu reports of processes' mappings were lost: "
			"some user stack frames may show addresses only\n",
			(unsigned long long)tap_track__lost(rt->track));
	if (rt->printer.stacks_other)
		fprintf(stderr, "perf tap: warning: %llu of the stack values printed hold no "
			"stack (shown as [stack lost: ...])\n",
			(unsigned long long)rt->printer.stacks_other);
}

static void report_losses(struct runtime *rt)
{
	__u64 lost = tap_output__lost(rt->out) - rt->lost_discarded + rt->lost_extra;
	__u64 refused = runtime__get_global(rt, TAP_G_OUTFAIL);
	__u64 drops = runtime__get_global(rt, TAP_G_DROPS);
	__u64 loops = runtime__get_global(rt, TAP_G_LOOPS);

	/* the kernel counts a full ring both ways; report the larger */
	if (refused > lost)
		lost = refused;
	if (lost)
		fprintf(stderr, "perf tap: warning: %llu output records lost (the rings were "
			"full; try a larger -m)\n", (unsigned long long)lost);
	if (drops)
		fprintf(stderr, "perf tap: warning: %llu table updates lost (a table was "
			"full at %u entries)\n", (unsigned long long)drops,
			rt->obj->table_entries);
	if (loops)
		fprintf(stderr, "perf tap: warning: loops were stopped %llu times after "
			"%u iterations (--loop-max)\n", (unsigned long long)loops,
			rt->obj->loop_max);
	if (rt->printer.bad)
		fprintf(stderr, "perf tap: warning: %llu records could not be decoded\n",
			(unsigned long long)rt->printer.bad);
	report_lost_stacks(rt);
}

static void cleanup(struct runtime *rt)
{
	int i;

	runtime__detach_all(rt, tap_signals);
	if (rt->progs) {
		for (i = 0; i < rt->obj->nr_progs; i++) {
			if (rt->progs[i].fd >= 0)
				close(rt->progs[i].fd);
			if (rt->progs[i].sys_fd >= 0)
				close(rt->progs[i].sys_fd);
			if (rt->progs[i].tp_fd >= 0)
				close(rt->progs[i].tp_fd);
			if (rt->progs[i].kprobe_fd >= 0)
				close(rt->progs[i].kprobe_fd);
			if (rt->progs[i].umulti_fd >= 0)
				close(rt->progs[i].umulti_fd);
		}
	}
	if (rt->map_fds) {
		for (i = 0; i < rt->obj->nr_maps; i++)
			if (rt->map_fds[i] >= 0)
				close(rt->map_fds[i]);
	}
	end_workload(rt);
	if (rt->exec_pipe >= 0)
		close(rt->exec_pipe);
	if (rt->globals)
		munmap(rt->globals, rt->globals_len);
	tap_output__delete(rt->out);
	tap_events__exit(&rt->evs);
	free(rt->map_fds);
	free(rt->progs);
	free(rt->links);
	free(rt->perf_fds);
	free(rt->perf_links);
	free(rt->attach_err);
	free(rt->formats);
	tap_printer__exit(&rt->printer);
	tap_track__delete(rt->track);
	tap_usyms__delete(rt->usyms);
	if (rt->machine) {
		machine__delete(rt->machine);
		symbol__exit();
	}
}

int tap_run(struct tap_object *obj, const struct tap_run_opts *opts)
{
	struct runtime rt = { .obj = obj, .opts = opts, .go_pipe = -1, .exec_pipe = -1 };
	struct sigaction sa = { .sa_handler = on_signal };
	int err = -1, end, stop_signals;

	rt.printer.obj = obj;
	rt.printer.fp = stdout;
	rt.printer.symbolize = symbolize_kernel;
	rt.printer.symbolize_user = symbolize_user;
	rt.printer.symbolize_arg = &rt;
	rt.printer.format_event = format_event;
	rt.printer.format_event_arg = &rt;
	if (!may_trace()) {
		fprintf(stderr, "perf tap: permission denied: tracing with BPF needs root, or "
			"the CAP_BPF and CAP_PERFMON capabilities\n");
		goto out;
	}
	if (tap_events__resolve(&rt.evs, obj, opts->verbose))
		goto out;
	rt.progs = calloc(obj->nr_progs, sizeof(*rt.progs));
	if (!rt.progs)
		goto out;
	runtime__plan_progs(&rt);
	rt.out = tap_output__new(opts->mmap_pages);
	if (!rt.out)
		goto out;
	/* from now on, so ustack() frames of processes that exit keep their names */
	if (obj->uses_stacks) {
		rt.usyms = tap_usyms__new();
		rt.track = rt.usyms ? tap_track__new(rt.usyms) : NULL;
	}
	err = runtime__create_maps(&rt);
	if (err)
		goto out;
	rt.printer.stacks_fd = rt.map_fds[TAP_MAP_STACKS];
	err = runtime__fill_maps(&rt);
	if (err)
		goto out;
	err = runtime__load_progs(&rt);
	if (err || opts->verify_only)
		goto out;

	/* a closed terminal stops tracing like Ctrl-C: trace_end still runs */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	if (opts->argv && opts->argv[0]) {
		err = prepare_workload(&rt);
		if (err) {
			fprintf(stderr, "perf tap: cannot start the workload: %s\n",
				strerror(-err));
			goto out;
		}
	}
	err = runtime__set_global(&rt, TAP_G_NCPUS, (__u64)libbpf_num_possible_cpus());
	if (!err)
		err = runtime__set_global(&rt, TAP_G_CLOCK, realtime_offset());
	if (!err && opts->cpus) {
		err = parse_cpus(&rt, opts->cpus);
		if (!err)
			err = runtime__set_global(&rt, TAP_G_CPUS, rt.cpu_mask);
	}
	if (err)
		goto out;
	if (rt.child > 0 || opts->pid > 0) {
		pid_t target = rt.child > 0 ? rt.child : opts->pid;

		err = runtime__set_global(&rt, TAP_G_TARGET, (__u64)target);
		if (err)
			goto out;
	}

	/* top-level code runs before any probe is attached */
	err = runtime__run_once(&rt, 0);
	if (err)
		goto out;
	if (!rt.printer.exited && !tap_signals) {
		err = runtime__attach_all(&rt);
		if (err)
			goto out;
		/* a signal while attaching: stop without running the command */
		if (!tap_signals) {
			err = start_workload(&rt);
			if (err)
				goto out;
			trace_loop(&rt);
		}
	}
	/* closing perf events may take long: stop them all first, close them last */
	stop_signals = tap_signals;
	runtime__stop_probes(&rt);
	drain(&rt);
	/* every trace_end runs, in order, even after exit(): only probes stop */
	for (end = 0; end < obj->nr_progs; end++) {
		if (obj->progs[end].kind != TAP_PROG_END)
			continue;
		err = runtime__run_once(&rt, end);
		if (err)
			goto out;
	}
	tap_printer__exit(&rt.printer);
	report_losses(&rt);
	fflush(stdout);
	end_workload(&rt);
	runtime__detach_all(&rt, stop_signals);
	err = 0;
out:
	cleanup(&rt);
	return err ? 1 : 0;
}
