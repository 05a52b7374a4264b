// SPDX-License-Identifier: GPL-2.0
/*
 * What to say about the events that could not be attached: each is
 * skipped with a warning that names it and the kernel's reason in words,
 * and a trace block left with no event at all is an error at the block.
 * No runtime state is needed here: only the events and their errors.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "util/debug.h"

#include "attach-check.h"
#include "provider.h"

/* "uprobe libc.so.6:malloc", "kprobe vfs_read" or "sched:sched_switch", and why it failed */
static const char *attach_failure(const struct tap_events *evs, const int *errs, int idx,
				  char *name, size_t size)
{
	const struct tap_event *ev = &evs->ev[idx];

	ev->provider->describe(ev, name, size);
	if (ev->provider == &tap_provider_tracepoint && !strcmp(ev->sys, "ftrace"))
		return "ftrace's own events cannot run BPF programs";
	return tap_attach_strerror(-errs[idx], ev->provider == &tap_provider_uprobe);
}

/*
 * An event that cannot be attached (a function the kernel will not probe,
 * in a glob over a library, say) is skipped and counted; -v names each.
 * A trace block none of whose events could be attached would never run:
 * that is an error, and the caller detaches everything.
 */
int tap_attach__check(struct tap_object *obj, const struct tap_events *evs, const int *errs,
		      bool list_all)
{
	int i, p, failed = 0, total = 0, empty = -1, first = -1;
	char name[512];
	const char *why;

	for (p = 0; p < obj->nr_progs && empty < 0; p++) {
		int attached = 0;

		if (obj->progs[p].kind != TAP_PROG_TRACE)
			continue;
		first = -1;
		for (i = 0; i < evs->nr; i++) {
			if (evs->ev[i].prog != p)
				continue;
			if (!errs[i])
				attached++;
			else if (first < 0)
				first = i;
		}
		if (attached || first < 0)
			continue;
		if (!obj->progs[p].optional) {
			empty = p;
			continue;
		}
		why = attach_failure(evs, errs, first, name, sizeof(name));
		pr_info(
			"%s:%d:%d: note: no event of this trace? block could be attached (%s: %s): it stays unattached\n",
			obj->file, obj->progs[p].line, obj->progs[p].col,
			name, why);
	}
	for (i = 0; i < evs->nr; i++) {
		if (obj->progs[evs->ev[i].prog].kind == TAP_PROG_TRACE)
			total++;
		if (!errs[i])
			continue;
		failed++;
		if (list_all || (empty < 0 && failed <= 3)) {
			why = attach_failure(evs, errs, i, name, sizeof(name));
			pr_warning("perf tap: warning: cannot attach %s: %s\n", name, why);
		}
	}
	if (empty >= 0) {
		const struct tap_prog_def *block = &obj->progs[empty];

		why = attach_failure(evs, errs, first, name, sizeof(name));
		tap_object__error(obj, block->line, block->col,
				  "no event of this trace block could be attached (%s: %s)",
				  name, why);
		return -ENOENT;
	}
	if (failed > 3 && !list_all)
		pr_warning(
			"perf tap: warning: %d of %d events could not be attached and are skipped (-v lists them)\n",
			failed, total);
	return 0;
}

/* ENOTSUPP from a uprobe means the instruction, not the kernel */
static const char *const enotsupp_why[] = {
	"the kernel does not support this (ENOTSUPP)",
	"the kernel cannot place a uprobe on the function's first instruction (ENOTSUPP)",
};

const char *tap_attach_strerror(int err, bool uprobe)
{
	switch (err) {
	case TAP_ENOTSUPP:
		return enotsupp_why[uprobe];
	case EOPNOTSUPP:
		return "the kernel does not support this (EOPNOTSUPP)";
	default:
		return strerror(err);
	}
}
