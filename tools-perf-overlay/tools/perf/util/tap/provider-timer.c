// SPDX-License-Identifier: GPL-2.0
/*
 * The timer provider: tick-N blocks run on one CPU every N, profile-N
 * blocks on every CPU (of -C), each from a cpu-clock perf event per CPU
 * with the block as a perf event program.  The block is its own spec.
 */
#include <errno.h>
#include <string.h>
#include <linux/perf_event.h>
#include <perf/cpumap.h>

#include "util/debug.h"

#include "output.h"
#include "provider.h"
#include "runtime-int.h"

static bool timer_claims(const char *spec)
{
	return !strncmp(spec, "tick-", 5) || !strncmp(spec, "profile-", 8);
}

static int timer_resolve(struct tap_events *evs, struct tap_object *obj,
			 const struct tap_spec *spec, int prog)
{
	if (obj->progs[prog].kind != TAP_PROG_TIMER) {
		tap_spec__error(obj, spec, "a timer is a block of its own, not a trace spec:");
		return -1;
	}
	return tap_events__add(evs, &tap_provider_timer, "timer", spec->text, prog) ? 0 : -1;
}

static int start_timer(struct runtime *rt, int idx)
{
	struct tap_prog_def *prog = &rt->obj->progs[rt->evs.ev[idx].prog];
	struct perf_event_attr attr = {
		.type = PERF_TYPE_SOFTWARE,
		.size = sizeof(attr),
		.config = PERF_COUNT_SW_CPU_CLOCK,
		.sample_period = (__u64)prog->period_ns,
	};
	int ncpus = tap_output__nr_cpus(rt->out);
	int cpu, err, started = 0;
	struct perf_cpu pcpu;

	for (cpu = 0; cpu < ncpus && (prog->profile || !started); cpu++) {
		if (tap_output__fd(rt->out, cpu) < 0)
			continue;	/* offline */
		pcpu.cpu = cpu;
		if (rt->cpus && !perf_cpu_map__has(rt->cpus, pcpu))
			continue;	/* not chosen with -C */
		started++;
		err = runtime__attach_perf_event(rt, &attr, cpu, rt->progs[rt->evs.ev[idx].prog].fd,
						 (__u64)idx);
		if (err)
			return err;
	}
	return 0;
}

/* Every timer: one that cannot start is an error, not an event to skip. */
static int timer_attach_group(struct runtime *rt)
{
	int i, err;

	for (i = 0; i < rt->evs.nr; i++) {
		struct tap_event *ev = &rt->evs.ev[i];

		if (ev->provider != &tap_provider_timer)
			continue;
		err = start_timer(rt, i);
		if (err) {
			pr_err("perf tap: cannot start timer %s: %s\n", ev->name, strerror(-err));
			return err;
		}
		ev->grouped = true;
	}
	return 0;
}

static void timer_describe(const struct tap_event *ev, char *buf, size_t size)
{
	snprintf(buf, size, "%s", ev->name);
}

const struct tap_provider tap_provider_timer = {
	.name = "timer",
	.claims = timer_claims,
	.resolve = timer_resolve,
	.attach_group = timer_attach_group,
	.describe = timer_describe,
};
