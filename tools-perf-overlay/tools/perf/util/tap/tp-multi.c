// SPDX-License-Identifier: GPL-2.0
/*
 * The attach_group() of the tracepoint provider: the events that need a
 * perf tracepoint program (the tracepoint provider's in a block that reads
 * the record, the syscall provider's that have no syscall number) through
 * one tracepoint_multi link per program, on a kernel that has that link
 * (perf tap's patched 6.12: Documentation/kernel-link.md in the perf tap
 * tree).  The link runs the same program on the same records as one perf
 * event per tracepoint would, with the event's index as the cookie, but
 * detaches from all of them with one grace period instead of one each
 * (one perf event costs tens of milliseconds to close, so hundreds of them
 * take seconds to minutes).  Elsewhere the providers attach the events
 * one perf event each, as before, and the script's output is the same.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <linux/filter.h>

#include <bpf/bpf.h>
#include <traceevent/event-parse.h>
#include "util/debug.h"

#include "provider.h"
#include "runtime-int.h"
#include "tp-multi.h"

/* Why there is no link: set by tap_tp_multi__available(). */
static const char *tp_multi_missing;

/* The events of one program for one link, in event order. */
struct tp_multi_set {
	struct runtime *rt;
	int prog_fd;
	int *idx;		/* event indexes */
	__u32 *ids;		/* their tracefs ids */
	__u64 *cookies;		/* their indexes again: probename's cookie */
	int linked;		/* how many are in links so far */
};

/*
 * Does this kernel have the tracepoint_multi link?  Kernels without it
 * refuse the attach type for a tracepoint program (EINVAL) before they
 * look at anything else; the link itself reads the ids first, so ids it
 * cannot read (EFAULT), or no permission (EPERM), say that it is there.
 * PERF_TAP_TP_MULTI=0 in the environment says no, so that the fallback
 * can be tested and measured on the patched kernel too.
 */
bool tap_tp_multi__available(void)
{
	static const struct bpf_insn insns[] = {
		BPF_MOV64_IMM(BPF_REG_0, 0),
		BPF_EXIT_INSN(),
	};
	LIBBPF_OPTS(bpf_link_create_opts, opts,
		    .tracepoint_multi.ids = (const __u32 *)8,	/* unreadable */
		    .tracepoint_multi.cnt = 1);
	const char *env = getenv("PERF_TAP_TP_MULTI");
	static int have = -1;
	int prog, link;

	if (have >= 0)
		return have;
	have = 0;
	tp_multi_missing = "PERF_TAP_TP_MULTI=0";
	if (env && !strcmp(env, "0"))
		return false;
	tp_multi_missing = "no tracepoint_multi link in this kernel";
	prog = bpf_prog_load(BPF_PROG_TYPE_TRACEPOINT, "tap_probe", "GPL", insns, 2, NULL);
	if (prog < 0)
		return false;
	link = bpf_link_create(prog, 0, BPF_TRACE_TRACEPOINT_MULTI, &opts);
	have = link < 0 && (errno == EFAULT || errno == EPERM);
	if (link >= 0)
		close(link);
	close(prog);
	return have;
}

/* The event's tracefs id, from the format the tracepoint provider keeps. */
static int event_id(const struct tap_event *ev)
{
	struct tep_event *tp = tap_tp__format(ev->sys, ev->name);

	return tp ? tp->id : -1;
}

/*
 * An event the link refuses that is worth not asking for: x86's
 * irq_work_exit, which perf events may not sample either (a sample raises
 * an irq_work).  In a set of hundreds, asking would cost a split per level
 * and a link per split.  Its perf event fails as on a kernel without the
 * link, with the same warning.
 */
static bool link_refuses(const struct tap_event *ev)
{
	return !strcmp(ev->sys, "irq_vectors") && !strcmp(ev->name, "irq_work_exit");
}

/* Errors that would be the same for any part of the set: do not split. */
static bool refuses_all(int err)
{
	switch (err) {
	case EPERM: case EACCES: case EINVAL: case EBADF: case ENOMEM: case EFAULT:
	case EINTR:
		return true;
	default:
		return false;
	}
}

/*
 * Events [lo, hi) of @s in one link.  The kernel takes all of them or
 * none, so a set it refuses because of some events (ENOENT: an event gone
 * meanwhile, EOPNOTSUPP: not a tracepoint or syscall event, E2BIG: an
 * event that runs 64 programs already) is split in halves until each
 * refused event is alone.  Those are not grouped: their provider attaches
 * them as perf events, which say why they fail.
 */
static void link_range(struct tp_multi_set *s, int lo, int hi)
{
	LIBBPF_OPTS(bpf_link_create_opts, opts,
		    .tracepoint_multi.ids = s->ids + lo,
		    .tracepoint_multi.cookies = s->cookies + lo,
		    .tracepoint_multi.cnt = (__u32)(hi - lo),
		    .tracepoint_multi.cookies_cnt = (__u32)(hi - lo));
	int fd, err, i, mid;

	if (tap_signals)
		return;
	fd = bpf_link_create(s->prog_fd, 0, BPF_TRACE_TRACEPOINT_MULTI, &opts);
	err = fd < 0 ? errno : 0;
	if (fd >= 0 && runtime__add_link(s->rt, fd)) {
		close(fd);
		err = ENOMEM;
	}
	if (!err) {
		for (i = lo; i < hi; i++)
			s->rt->evs.ev[s->idx[i]].grouped = true;
		s->linked += hi - lo;
		return;
	}
	pr_debug("perf tap: tracepoint_multi link of %d events: %s\n", hi - lo, strerror(err));
	if (hi - lo == 1 || refuses_all(err))
		return;
	mid = lo + (hi - lo) / 2;
	link_range(s, lo, mid);
	link_range(s, mid, hi);
}

/*
 * Does event @i need a perf tracepoint program, and is it not attached
 * yet?  The syscall provider's attach_group() has run: what it attached at
 * raw_syscalls is grouped.  An event of a block that does not read the
 * record and has no raw tracepoint of its name also ends up a perf event,
 * but only its provider finds that out, by trying.
 */
static bool needs_record(struct runtime *rt, int i)
{
	const struct tap_event *ev = &rt->evs.ev[i];

	if (ev->grouped || link_refuses(ev))
		return false;
	if (ev->provider == &tap_provider_syscall)
		return ev->syscall_nr < 0;
	return ev->provider == &tap_provider_tracepoint &&
	       rt->obj->progs[ev->prog].uses_argstr;
}

/*
 * Program @p's events that need the record, in as few links as the kernel
 * takes.  Returns how many it wanted; s.linked says how many are linked.
 * Out of memory, none are, and their providers attach them one by one.
 */
static int attach_prog(struct runtime *rt, int p, int *linked)
{
	struct tap_prog_def *prog = &rt->obj->progs[p];
	struct prog_state *ps = &rt->progs[p];
	struct tp_multi_set s = { .rt = rt };
	int i, j, n = 0;

	s.idx = calloc(rt->evs.nr, sizeof(*s.idx));
	s.ids = calloc(rt->evs.nr, sizeof(*s.ids));
	s.cookies = calloc(rt->evs.nr, sizeof(*s.cookies));
	if (!s.idx || !s.ids || !s.cookies)
		goto out;
	for (i = 0; i < rt->evs.nr; i++) {
		int id;

		if (rt->evs.ev[i].prog != p || !needs_record(rt, i))
			continue;
		id = event_id(&rt->evs.ev[i]);
		/* an event given twice: its second perf event says so */
		for (j = 0; id >= 0 && j < n; j++)
			if (s.ids[j] == (__u32)id)
				id = -1;
		if (id < 0)
			continue;
		s.idx[n] = i;
		s.ids[n] = (__u32)id;
		s.cookies[n++] = (__u64)i;
	}
	if (!n)
		goto out;
	if (ps->tp_fd < 0) {
		ps->tp_fd = runtime__load_prog(rt, prog, BPF_PROG_TYPE_TRACEPOINT,
					       &prog->code[TAP_CODE_PERF_TP]);
		if (ps->tp_fd < 0) {
			/* said once: the events fail with the error, as perf events would */
			for (i = 0; i < n; i++) {
				rt->attach_err[s.idx[i]] = ps->tp_fd;
				rt->evs.ev[s.idx[i]].grouped = true;
			}
			goto out;
		}
	}
	s.prog_fd = ps->tp_fd;
	link_range(&s, 0, n);
out:
	free(s.idx);
	free(s.ids);
	free(s.cookies);
	*linked += s.linked;
	return n;
}

int tap_tp_multi__attach(struct runtime *rt)
{
	int i, p, n = 0, links = rt->nr_links, linked = 0;

	for (i = 0; i < rt->evs.nr; i++)
		n += needs_record(rt, i);
	if (!n)
		return 0;
	if (!tap_tp_multi__available()) {
		if (rt->opts->verbose)
			pr_info("perf tap: %s: one perf event for each of %d tracepoints\n",
				tp_multi_missing, n);
		return 0;
	}
	for (n = 0, p = 0; p < rt->obj->nr_progs && !tap_signals; p++)
		n += attach_prog(rt, p, &linked);
	if (rt->opts->verbose)
		pr_info("perf tap: %d tracepoint_multi links hold %d of %d events\n",
			rt->nr_links - links, linked, n);
	return 0;
}
