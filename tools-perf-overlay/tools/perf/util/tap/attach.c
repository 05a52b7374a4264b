// SPDX-License-Identifier: GPL-2.0
/*
 * Attaching, the parts that do not need the runtime's state: uprobes
 * through BPF uprobe_multi links, and what to say about events that could
 * not be attached.
 *
 * A uprobe_multi link (Linux 6.6+) takes a program, a file and a list of
 * offsets with a cookie each (the event index, for probename); the kernel
 * registers them in order and gives up at the first one it refuses,
 * undoing the others.  So a refused list is split in halves until each
 * refused function is alone: k refusals among n functions cost about
 * 2k log2(n/k) attempts, and leave that many links.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/filter.h>
#include <bpf/bpf.h>

#include "compiler.h"
#include "attach.h"

/* The uprobes of one block in one file, entries or returns. */
struct uprobe_group {
	const struct tap_events *evs;
	const struct tap_uprobe_ops *ops;
	int prog_fd;
	bool ret;
	int *idx;			/* event indexes */
	unsigned long *offsets;
	__u64 *cookies;
	int n;
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

static void attach_range(struct uprobe_group *g, int lo, int hi)
{
	LIBBPF_OPTS(bpf_link_create_opts, opts,
		    .uprobe_multi.path = g->evs->ev[g->idx[lo]].path,
		    .uprobe_multi.offsets = g->offsets + lo,
		    .uprobe_multi.cookies = g->cookies + lo,
		    .uprobe_multi.cnt = (__u32)(hi - lo),
		    .uprobe_multi.flags = g->ret ? BPF_F_UPROBE_MULTI_RETURN : 0);
	int fd, err, i, mid;

	fd = bpf_link_create(g->prog_fd, 0, BPF_TRACE_UPROBE_MULTI, &opts);
	err = fd < 0 ? errno : g->ops->add_link(g->ops->arg, fd);
	if (err < 0)
		err = -err;
	if (!err || hi - lo == 1 || refuses_all(err)) {
		for (i = lo; i < hi; i++)
			g->ops->result(g->ops->arg, g->idx[i], -err);
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
 * uprobe_multi links came with Linux 6.6.  Older kernels load a kprobe
 * program whatever its expected attach type, and refuse the link with
 * EINVAL; newer ones look at the path first, and "/" is no regular file.
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
	int prog, link;
	bool have;

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

int tap_uprobes__attach(const struct tap_events *evs, const struct tap_uprobe_ops *ops)
{
	struct uprobe_group g = { .evs = evs, .ops = ops };
	bool *done;
	int i, j, err = 0;

	for (i = 0; i < evs->nr && !evs->ev[i].path; i++)
		;
	if (i == evs->nr)
		return 0;
	if (!have_uprobe_multi())
		return -EOPNOTSUPP;
	done = calloc(evs->nr, sizeof(*done));
	g.idx = calloc(evs->nr, sizeof(*g.idx));
	g.offsets = calloc(evs->nr, sizeof(*g.offsets));
	g.cookies = calloc(evs->nr, sizeof(*g.cookies));
	if (!done || !g.idx || !g.offsets || !g.cookies) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < evs->nr; i++) {
		const struct tap_event *ev = &evs->ev[i];

		if (!ev->path || done[i])
			continue;
		g.prog_fd = ops->prog_fd(ops->arg, ev->prog);
		if (g.prog_fd < 0) {
			err = g.prog_fd;
			goto out;
		}
		g.ret = ev->kretprobe;
		g.n = 0;
		for (j = i; j < evs->nr; j++) {
			if (!evs->ev[j].path || done[j] || !same_group(ev, &evs->ev[j]))
				continue;
			done[j] = true;
			g.idx[g.n] = j;
			g.offsets[g.n] = (unsigned long)evs->ev[j].offset;
			g.cookies[g.n] = (__u64)j;
			g.n++;
		}
		attach_range(&g, 0, g.n);
	}
out:
	free(done);
	free(g.idx);
	free(g.offsets);
	free(g.cookies);
	return err;
}

/* "uprobe libc.so.6:malloc", "kprobe vfs_read" or "sched:sched_switch", and why it failed */
static const char *attach_failure(const struct tap_events *evs, const int *errs, int idx,
				  char *name, size_t size)
{
	const struct tap_event *ev = &evs->ev[idx];
	int err = -errs[idx];

	if (ev->path)
		snprintf(name, size, "uprobe %s:%s",
			 strrchr(ev->path, '/') ? strrchr(ev->path, '/') + 1 : ev->path, ev->name);
	else if (ev->kprobe)
		snprintf(name, size, "kprobe %s", ev->name);
	else
		snprintf(name, size, "%s:%s", ev->sys, ev->name);
	if (!strcmp(ev->sys, "ftrace") && !ev->path && !ev->kprobe)
		return "ftrace's own events cannot run BPF programs";
	return tap_attach_strerror(err, ev->path);
}

/*
 * An event that cannot be attached (a function the kernel will not probe,
 * in a glob over a library, say) is skipped and counted; -v names each.
 * A trace block none of whose events could be attached would never run:
 * that is an error, and the caller detaches everything.
 */
int tap_attach__check(struct tap_object *obj, const struct tap_events *evs, const int *errs,
		      bool verbose)
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
		if (!attached && first >= 0)
			empty = p;
	}
	for (i = 0; i < evs->nr; i++) {
		if (obj->progs[evs->ev[i].prog].kind == TAP_PROG_TRACE)
			total++;
		if (!errs[i])
			continue;
		failed++;
		if (verbose || (empty < 0 && failed <= 3)) {
			why = attach_failure(evs, errs, i, name, sizeof(name));
			fprintf(stderr, "perf tap: warning: cannot attach %s: %s\n", name, why);
		}
	}
	if (empty >= 0) {
		struct tap_node *block = obj->progs[empty].node;

		why = attach_failure(evs, errs, first, name, sizeof(name));
		fprintf(stderr, "%s:%d:%d: error: no event of this trace block could be attached "
			"(%s: %s)\n", obj->c->file, block->line, block->col, name, why);
		return -ENOENT;
	}
	if (failed > 3 && !verbose)
		fprintf(stderr, "perf tap: warning: %d of %d events could not be attached and are "
			"skipped (-v lists them)\n", failed, total);
	return 0;
}

const char *tap_attach_strerror(int err, bool uprobe)
{
	switch (err) {
	case TAP_ENOTSUPP:
		return uprobe ? "the kernel cannot place a uprobe on the function's first "
				"instruction (ENOTSUPP)" :
				"the kernel does not support this (ENOTSUPP)";
	case EOPNOTSUPP:
		return "the kernel does not support this (EOPNOTSUPP)";
	default:
		return strerror(err);
	}
}
