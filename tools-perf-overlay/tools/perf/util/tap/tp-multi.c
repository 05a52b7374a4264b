// SPDX-License-Identifier: GPL-2.0
/*
 * The events that need a perf tracepoint program (argstr or fields on a
 * tracepoint outside syscalls:*, syscalls without a known number) through
 * one tracepoint_multi link per program, on a kernel that has that link
 * (perf tap's patched 6.12: Documentation/kernel-link.md in the perf tap
 * tree). The link runs the same program on the same records as one perf
 * event per tracepoint would, with the event's index as the cookie, but
 * detaches from all of them with one RCU grace period instead of one each.
 * Elsewhere the kernel refuses the attach type (EINVAL) and the caller
 * attaches the events one perf event each, as before.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/bpf.h>

#include <api/fs/tracing_path.h>
#include <bpf/bpf.h>

#include "runtime-int.h"
#include "tp-multi.h"

/* The kernel has no tracepoint_multi link: do not ask again. */
static bool tp_multi_missing;

static int event_id(const struct tap_event *ev)
{
	char path[256], *file;
	int id = -1;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s/id", ev->sys, ev->name);
	file = get_events_file(path);
	fp = file ? fopen(file, "r") : NULL;
	put_events_file(file);
	if (!fp)
		return -1;
	if (fscanf(fp, "%d", &id) != 1)
		id = -1;
	fclose(fp);
	return id;
}

static int add_link(struct runtime *rt, int fd)
{
	int *links = realloc(rt->links, (rt->nr_links + 1) * sizeof(*links));

	if (!links)
		return -ENOMEM;
	rt->links = links;
	rt->links[rt->nr_links++] = fd;
	return 0;
}

/*
 * The events of program @p marked in @linked, in one link. Those it could
 * not put in the link are unmarked, for the caller to attach one by one.
 */
static void attach_prog(struct runtime *rt, int p, bool *linked)
{
	struct tap_prog_def *prog = &rt->obj->progs[p];
	struct prog_state *ps = &rt->progs[p];
	__u64 *cookies = NULL;
	__u32 *ids = NULL;
	int i, j, n = 0, fd, err = -ENOMEM;

	ids = calloc(rt->evs.nr, sizeof(*ids));
	cookies = calloc(rt->evs.nr, sizeof(*cookies));
	if (!ids || !cookies)
		goto out;
	for (i = 0; i < rt->evs.nr; i++) {
		int id;

		if (!linked[i] || rt->evs.ev[i].prog != p)
			continue;
		id = event_id(&rt->evs.ev[i]);
		/* The same event twice: the second is the caller's to refuse. */
		for (j = 0; id >= 0 && j < n; j++)
			if (ids[j] == (__u32)id)
				id = -1;
		if (id < 0) {
			linked[i] = false;
			continue;
		}
		ids[n] = id;
		cookies[n++] = i;
	}
	if (!n) {
		err = 0;
		goto out;
	}
	if (ps->tp_fd < 0) {
		ps->tp_fd = runtime__load_prog(rt, prog, BPF_PROG_TYPE_TRACEPOINT,
					       &prog->code[TAP_CODE_PERF_TP]);
		if (ps->tp_fd < 0) {
			err = ps->tp_fd;
			goto out;
		}
	}
	{
		LIBBPF_OPTS(bpf_link_create_opts, opts,
			.tracepoint_multi.ids = ids,
			.tracepoint_multi.cnt = n,
			.tracepoint_multi.cookies = cookies,
			.tracepoint_multi.cookies_cnt = n,
		);

		fd = bpf_link_create(ps->tp_fd, 0, BPF_TRACE_TRACEPOINT_MULTI, &opts);
	}
	if (fd < 0) {
		err = fd;
		/* Not a patched kernel: the attach type is no tracepoint program's. */
		if (err == -EINVAL)
			tp_multi_missing = true;
		goto out;
	}
	err = add_link(rt, fd);
	if (err) {
		close(fd);
		goto out;
	}
	if (rt->opts->verbose)
		fprintf(stderr, "perf tap: attached %d events through one tracepoint_multi link\n",
			n);
out:
	if (err) {
		if (rt->opts->verbose)
			fprintf(stderr, "perf tap: %s; one perf event per tracepoint instead\n",
				tp_multi_missing ? "this kernel has no tracepoint_multi link" :
				strerror(-err));
		for (i = 0; i < rt->evs.nr; i++)
			if (rt->evs.ev[i].prog == p)
				linked[i] = false;
	}
	free(ids);
	free(cookies);
}

/*
 * @linked: in, the events that need a perf tracepoint program; out, those
 * now attached through a link. Returns how many those are.
 */
int tap_tp_multi__attach(struct runtime *rt, bool *linked)
{
	int i, p, n = 0;

	for (p = 0; p < rt->obj->nr_progs; p++) {
		if (tp_multi_missing) {
			for (i = 0; i < rt->evs.nr; i++)
				if (rt->evs.ev[i].prog == p)
					linked[i] = false;
			continue;
		}
		attach_prog(rt, p, linked);
	}
	for (i = 0; i < rt->evs.nr; i++)
		n += linked[i];
	return n;
}
