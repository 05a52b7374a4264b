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
#include "util/debug.h"
#include <perf/cpumap.h>
#include "util/machine.h"
#include "util/map.h"
#include "util/symbol.h"
#include "util/trace-event.h"
#include <linux/err.h>

#include "output.h"
#include "provider.h"
#include "runtime-int.h"
#include "ktypes.h"
#include "track.h"
#include "unwind.h"
#include "usym.h"

#ifndef CAP_BPF
#define CAP_BPF 39
#endif

volatile sig_atomic_t tap_signals;

/* -C: perf's CPU list syntax ("0,2-3"); probes run only on those CPUs. */
static int set_cpus(struct runtime *rt, const char *list)
{
	struct perf_cpu cpu;
	__u32 one = 1;
	int idx, err;

	rt->cpus = perf_cpu_map__new(list);
	if (!rt->cpus || perf_cpu_map__is_empty(rt->cpus)) {
		pr_err("perf tap: -C: not a CPU list: '%s'\n", list);
		return -EINVAL;
	}
	perf_cpu_map__for_each_cpu(cpu, idx, rt->cpus) {
		__u32 key = (__u32)cpu.cpu;

		if (cpu.cpu < 0 || tap_output__fd(rt->out, cpu.cpu) < 0) {
			pr_err("perf tap: -C: CPU %d is not online\n", cpu.cpu);
			return -EINVAL;
		}
		err = bpf_map_update_elem(rt->map_fds[TAP_MAP_CPUS], &key, &one, BPF_ANY);
		if (err)
			return err;
	}
	return runtime__set_global(rt, TAP_G_CPUS, 1);
}

/* -p and the workload: probes run only for these processes. */
static int set_targets(struct runtime *rt)
{
	__u32 one = 1, key;
	int i, err;

	for (i = 0; i < rt->opts->nr_pids; i++) {
		key = (__u32)rt->opts->pids[i];
		err = bpf_map_update_elem(rt->map_fds[TAP_MAP_TARGETS], &key, &one, BPF_ANY);
		if (err)
			return err;
	}
	/* the command becomes one when it execs: watch_exec() */
	return runtime__set_global(rt, TAP_G_TARGET, 1);
}

/*
 * Where ppid and tap_follow find a task's tgid and parent: offsets in
 * struct task_struct from the kernel's BTF.  Without BTF they stay 0, the
 * programs then read nothing, and following children is said to be off.
 */
static int set_task_offsets(struct runtime *rt)
{
	int tgid = tap_ktypes__offset("task_struct", "tgid");
	int parent = tap_ktypes__offset("task_struct", "real_parent");
	int err;

	if (tgid <= 0 || parent <= 0) {
		if (rt->follow)
			pr_warning(
				"perf tap: warning: this kernel has no BTF for struct task_struct: children of the traced processes are not traced\n");
		if (rt->obj->uses_task)
			pr_warning(
				"perf tap: warning: this kernel has no BTF for struct task_struct: ppid is 0\n");
		return 0;
	}
	err = runtime__set_global(rt, TAP_G_TASK_TGID, (__u64)tgid);
	return err ?: runtime__set_global(rt, TAP_G_TASK_PARENT, (__u64)parent);
}

/* perf record's inheritance: children of the targets are traced from their fork on. */
static int follow_children(struct runtime *rt)
{
	int i;

	for (i = 0; i < rt->obj->nr_progs; i++) {
		if (rt->obj->progs[i].kind != TAP_PROG_FOLLOW)
			continue;
		rt->follow_link = bpf_raw_tracepoint_open("sched_process_fork", rt->progs[i].fd);
		if (rt->follow_link < 0) {
			pr_err("perf tap: cannot follow the children of the traced processes: %s\n",
			       strerror(errno));
			return -errno;
		}
	}
	return 0;
}

/*
 * The command is traced from its exec on, as perf record's enable_on_exec
 * does, not while it is still perf tap's child getting ready: tap_exec
 * puts it among the targets as it execs.  Where that program cannot be
 * attached, it is a target from the start.
 */
static int watch_exec(struct runtime *rt)
{
	__u32 one = 1, key = (__u32)rt->child;
	int i;

	for (i = 0; i < rt->obj->nr_progs; i++) {
		if (rt->obj->progs[i].kind != TAP_PROG_EXEC || rt->progs[i].fd < 0)
			continue;
		rt->exec_link = bpf_raw_tracepoint_open("sched_process_exec", rt->progs[i].fd);
		if (rt->exec_link >= 0)
			return 0;
		pr_debug("perf tap: sched_process_exec: %s: the command is traced before its exec\n",
			 strerror(errno));
	}
	return bpf_map_update_elem(rt->map_fds[TAP_MAP_TARGETS], &key, &one, BPF_ANY);
}

/*
 * A block that takes sched_process_exec through a perf event must see the
 * command's exec too.  The programs of the perf events on a trace event
 * run in the order they were attached, but all of them run where perf's
 * probe was registered, which is before tap_exec's raw tracepoint if
 * another perf user held the event first.  So tap_exec is attached to a
 * perf event of its own as well, before the block's, and runs first.
 */
int runtime__watch_exec_perf(struct runtime *rt)
{
	struct perf_event_attr attr = {
		.type = PERF_TYPE_TRACEPOINT,
		.size = sizeof(attr),
		.sample_period = 1,
	};
	struct tep_event *tp;
	int i;

	if (rt->exec_link < 0 || rt->exec_perf_done)
		return 0;
	rt->exec_perf_done = true;
	tp = tap_tp__format("sched", "sched_process_exec");
	if (!tp)
		return -ENOENT;
	attr.config = (__u64)tp->id;
	for (i = 0; i < rt->obj->nr_progs; i++) {
		struct tap_prog_def *prog = &rt->obj->progs[i];
		struct prog_state *ps = &rt->progs[i];

		if (prog->kind != TAP_PROG_EXEC)
			continue;
		if (ps->tp_fd < 0)
			ps->tp_fd = runtime__load_prog(rt, prog, BPF_PROG_TYPE_TRACEPOINT,
						       &prog->code[TAP_CODE_RAW]);
		if (ps->tp_fd < 0)
			return ps->tp_fd;
		return runtime__attach_perf_event(rt, &attr, 0, ps->tp_fd, 0);
	}
	return 0;
}

/* -p: whether any of the processes is still there. */
static bool targets_alive(struct runtime *rt)
{
	int i;

	for (i = 0; i < rt->opts->nr_pids; i++)
		if (!kill(rt->opts->pids[i], 0) || errno != ESRCH)
			return true;
	return false;
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

/* argstr: the event's format (parsed once, by the tracepoint provider), for tap_format_argstr(). */
static void format_event(void *arg, int cpu, const void *data, FILE *fp)
{
	struct runtime *rt = arg;
	struct tep_event *tp;
	__u32 idx;

	memcpy(&idx, data, 4);
	if (idx >= (__u32)rt->evs.nr)
		return;
	tp = tap_events__format(&rt->evs.ev[idx]);
	if (tp)
		tap_format_argstr(&rt->evs.ev[idx], tp, cpu, data, fp);
}

/* perf's host machine, for stack() and ustack() names, made on first use */
static struct machine *runtime__machine(struct runtime *rt)
{
	if (!rt->machine)
		rt->machine = tap_usym__host_machine();
	return rt->machine;
}

static const char *symbolize_user(void *arg, int pid, u64 addr, char *buf, size_t size)
{
	struct runtime *rt = arg;

	return tap_usym__name_live(runtime__machine(rt), pid, addr, buf, size);
}

/* "function+0xoff" for a kernel address, with perf's kernel symbol maps. */
static const char *symbolize_kernel(void *arg, u64 addr, char *buf, size_t size)
{
	struct runtime *rt = arg;

	return tap_ksym__name_live(runtime__machine(rt), addr, buf, size);
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
	/* killed before it could start: no SIGPIPE for perf tap, trace_end still runs */
	signal(SIGPIPE, SIG_IGN);
	if (write(rt->go_pipe, "g", 1) != 1 && errno != EPIPE)
		pr_err("perf tap: cannot start the workload\n");
	signal(SIGPIPE, SIG_DFL);
	close(rt->go_pipe);
	rt->go_pipe = -1;
	if (read(rt->exec_pipe, &err, 1) == 1) {
		pr_err("perf tap: cannot run '%s': %s\n", rt->opts->argv[0],
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

bool runtime__targets_gone(struct runtime *rt)
{
	if (rt->child > 0) {
		reap_workload(rt, false);
		return rt->child_done;
	}
	return rt->opts->nr_pids && !targets_alive(rt);
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
	n = tap_output__drain(rt->out, rt->emit, rt->emit_arg);
	runtime__fold_stacks(rt, false);

	fflush(rt->printer.fp);
	return n;
}

/* How long a record written to a quiet output ring may wait to be printed */
#define TAP_OUTPUT_LATENCY_MS	20

static void trace_loop(struct runtime *rt)
{
	/* a script without probes or timers is done after its top-level code */
	if (!rt->evs.nr && rt->child <= 0)
		return;
	while (!tap_signals && !rt->printer.exited) {
		/*
		 * A ring wakes perf tap only once a quarter full: look every
		 * 20 ms for the records of a quiet one (every 100 ms when
		 * recording, where nobody reads along).
		 */
		tap_output__poll(rt->out, rt->opts->sink ? 100 : TAP_OUTPUT_LATENCY_MS);
		drain(rt);
		/*
		 * Without the kernel's reports, keep the targets' mappings for
		 * ustack() from /proc: they may exit before they print.
		 */
		if (rt->obj->uses_stacks && !rt->track && runtime__machine(rt)) {
			for (int i = 0; i < rt->opts->nr_pids; i++)
				tap_usym__read_proc(rt->machine, rt->opts->pids[i]);
			if (rt->child > 0)
				tap_usym__read_proc(rt->machine, rt->child);
		}
		if (rt->child > 0) {
			reap_workload(rt, false);
			if (rt->child_done)
				break;
		} else if (rt->opts->nr_pids && !targets_alive(rt)) {
			break;
		}
	}
}

/*
 * The runs the kernel skipped because a BPF program was running on the
 * CPU already: a raw tracepoint program does not run inside itself, and a
 * tracepoint, kprobe or perf event program does not run inside any of
 * those (an interrupt's events while one runs, or while a bpf() syscall
 * has a map locked).  The kernel counts them per program.
 */
static __u64 recursion_misses(struct runtime *rt)
{
	__u64 n = 0;
	int i, j;

	for (i = 0; rt->progs && i < rt->obj->nr_progs; i++) {
		const struct prog_state *ps = &rt->progs[i];
		int fds[] = { ps->fd, ps->sys_fd, ps->tp_fd, ps->kprobe_fd, ps->umulti_fd };

		for (j = 0; j < (int)ARRAY_SIZE(fds); j++) {
			struct bpf_prog_info info = { 0 };
			__u32 len = sizeof(info);

			if (fds[j] >= 0 && !bpf_prog_get_info_by_fd(fds[j], &info, &len))
				n += info.recursion_misses;
		}
	}
	return n;
}

void runtime__losses(struct runtime *rt, struct tap_losses *l)
{
	__u64 refused = runtime__get_global(rt, TAP_G_OUTFAIL);

	memset(l, 0, sizeof(*l));
	l->records = tap_output__lost(rt->out) - rt->lost_discarded + rt->lost_extra;
	/* the kernel counts a full ring both ways; report the larger */
	if (refused > l->records)
		l->records = refused;
	l->drops = runtime__get_global(rt, TAP_G_DROPS);
	l->loops = runtime__get_global(rt, TAP_G_LOOPS);
	/* counted in BPF: every sample, not only the values printed */
	l->stacks_collided = runtime__get_global(rt, TAP_G_STACKLOST);
	l->track = tap_track__lost(rt->track);
	l->nested = recursion_misses(rt);
	l->table_entries = rt->obj->table_entries;
	l->loop_max = rt->obj->loop_max;
	l->stack_entries = TAP_STACK_MAP_ENTRIES;
	l->stack_buckets = (__u32)roundup_pow_of_two(TAP_STACK_MAP_ENTRIES);
}

static void report_losses(struct runtime *rt)
{
	struct tap_losses l;

	runtime__losses(rt, &l);
	tap_print_losses(&l, &rt->printer);
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
	tap_printer__exit(&rt->printer);
	tap_track__delete(rt->track);
	perf_cpu_map__put(rt->cpus);
	if (rt->follow_link >= 0)
		close(rt->follow_link);
	if (rt->exec_link >= 0)
		close(rt->exec_link);
	tap_ktypes__exit();
	tap_syscall__kernel_nr_exit();
	if (rt->machine) {
		machine__delete(rt->machine);
		symbol__exit();
	}
}

int tap_run(struct tap_object *obj, const struct tap_run_opts *opts)
{
	struct runtime rt = { .obj = obj, .opts = opts, .go_pipe = -1, .exec_pipe = -1,
			      .follow_link = -1, .exec_link = -1 };
	struct sigaction sa = { .sa_handler = on_signal };
	int err = -1, end, stop_signals;

	rt.printer.obj = obj;
	rt.printer.fp = opts->output ?: stdout;
	/*
	 * Into a file or a pipe, write in large blocks: every drain flushes,
	 * so nothing waits longer than that.  A terminal stays line-buffered.
	 */
	if (!isatty(fileno(rt.printer.fp)))
		setvbuf(rt.printer.fp, NULL, _IOFBF, 1 << 16);
	rt.printer.json = opts->json;
	rt.emit = tap_print_record;
	rt.emit_arg = &rt.printer;
	if (opts->sink) {
		rt.emit = opts->sink->sample;
		rt.emit_arg = opts->sink->arg;
	}
	rt.printer.symbolize = symbolize_kernel;
	rt.printer.symbolize_user = symbolize_user;
	rt.printer.symbolize_arg = &rt;
	rt.printer.format_event = format_event;
	rt.printer.format_event_arg = &rt;
	if (!may_trace()) {
		pr_err(
			"perf tap: permission denied: tracing with BPF needs root, or the CAP_BPF and CAP_PERFMON capabilities\n");
		goto out;
	}
	if (tap_events__resolve(&rt.evs, obj, opts->verbose))
		goto out;
	rt.follow = ((opts->argv && opts->argv[0]) || opts->nr_pids) && !opts->no_inherit;
	rt.progs = calloc(obj->nr_progs, sizeof(*rt.progs));
	if (!rt.progs)
		goto out;
	runtime__plan_progs(&rt);
	rt.out = tap_output__new(opts->mmap_pages);
	if (!rt.out)
		goto out;
	/* from now on, so ustack() frames of processes that exit keep their names */
	if (obj->uses_stacks && runtime__machine(&rt))
		rt.track = tap_track__new(rt.machine);
	if (tap_unwind__wanted(obj) && rt.machine)
		rt.printer.unwind = tap_unwind__new(rt.machine, /*live=*/true);
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
			pr_err("perf tap: cannot start the workload: %s\n",
			       strerror(-err));
			goto out;
		}
	}
	err = runtime__set_global(&rt, TAP_G_NCPUS, (__u64)libbpf_num_possible_cpus());
	if (!err)
		err = runtime__set_global(&rt, TAP_G_CLOCK, realtime_offset());
	if (!err && opts->cpus)
		err = set_cpus(&rt, opts->cpus);
	if (!err && (rt.child > 0 || opts->nr_pids))
		err = set_targets(&rt);
	if (!err && (rt.follow || obj->uses_task))
		err = set_task_offsets(&rt);
	if (!err && rt.child > 0)
		err = runtime__set_global(&rt, TAP_G_CPID, (__u64)rt.child);
	if (err)
		goto out;

	if (opts->sink) {
		err = opts->sink->start(opts->sink->arg, &rt);
		if (err)
			goto out;
		rt.sink_started = true;
	}
	/* top-level code runs before any probe is attached */
	err = runtime__run_once(&rt, 0);
	if (err)
		goto out;
	if (!rt.printer.exited && !tap_signals) {
		/*
		 * Before the probes: at the command's exec, the tracepoint runs
		 * its programs in the order they were attached, and a probe on
		 * sched_process_exec must see the command as a target already.
		 */
		if (rt.child > 0)
			err = watch_exec(&rt);
		if (!err)
			err = runtime__attach_all(&rt);
		/* last, so that a link of perf tap's says its probes are attached */
		if (!err && rt.follow)
			err = follow_children(&rt);
		if (err)
			goto out;
		/* a signal while attaching: stop without running the command */
		if (tap_signals)
			rt.hurry = true;
		if (!rt.hurry) {
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
	runtime__fold_stacks(&rt, true);
	/* every trace_end runs, in order, even after exit(): only probes stop */
	for (end = 0; end < obj->nr_progs; end++) {
		if (obj->progs[end].kind != TAP_PROG_END)
			continue;
		err = runtime__run_once(&rt, end);
		if (err)
			goto out;
	}
	tap_printer__exit(&rt.printer);
	if (rt.sink_started) {
		rt.sink_started = false;
		err = opts->sink->finish(opts->sink->arg, &rt);
		if (err)
			goto out;
	}
	report_losses(&rt);
	fflush(rt.printer.fp);
	end_workload(&rt);
	runtime__detach_all(&rt, stop_signals);
	err = 0;
out:
	/* a failed run keeps what it recorded */
	if (rt.sink_started && opts->sink->finish(opts->sink->arg, &rt))
		err = -1;
	cleanup(&rt);
	return err ? 1 : 0;
}
