// SPDX-License-Identifier: GPL-2.0
/*
 * Following processes' executable mappings for ustack() with perf's
 * side-band records (PERF_RECORD_MMAP2, FORK, COMM), read from one ring
 * per CPU like the output rings and handed to perf's machine.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <linux/perf_event.h>
#include <linux/zalloc.h>
#include <perf/mmap.h>

#include "util/debug.h"
#include "util/event.h"
#include "util/evlist.h"
#include "util/evsel.h"
#include "util/machine.h"
#include "util/mmap.h"
#include "util/sample.h"
#include "util/thread.h"
#include "usym.h"
#include "track.h"

/* 256 KiB a CPU: mappings, forks and execs are rare next to samples */
#define TAP_TRACK_PAGES	64

/* One report, copied out of its ring to be applied in time order. */
struct track_rec {
	u64 time;
	size_t off;
};

struct tap_track {
	struct evlist *evlist;
	struct evsel *evsel;
	struct machine *machine;
	u64 lost;
	struct track_rec *recs;
	size_t nr_recs, recs_alloc;
	char *buf;
	size_t buf_len, buf_alloc;
};

struct tap_track *tap_track__new(struct machine *machine)
{
	struct perf_event_attr attr = {
		.type		= PERF_TYPE_SOFTWARE,
		.config		= PERF_COUNT_SW_DUMMY,
		.size		= sizeof(attr),
		.mmap		= 1,	/* executable mappings only: no mmap_data */
		.mmap2		= 1,
		.comm		= 1,
		.comm_exec	= 1,
		.task		= 1,
		.sample_id_all	= 1,
		.sample_type	= PERF_SAMPLE_TIME,
		.use_clockid	= 1,
		.clockid	= CLOCK_MONOTONIC,
	};
	struct tap_track *t = zalloc(sizeof(*t));

	if (!t)
		goto out_err;
	t->machine = machine;
	t->evlist = evlist__new();
	if (!t->evlist)
		goto out_err;
	t->evsel = evsel__new(&attr);
	if (!t->evsel)
		goto out_err;
	evlist__add(t->evlist, t->evsel);
	/* no maps: every online CPU, any thread */
	if (evlist__open(t->evlist) < 0 || evlist__mmap(t->evlist, TAP_TRACK_PAGES) < 0)
		goto out_err;
	return t;

out_err:
	pr_err("perf tap: warning: cannot follow processes' mappings (%s): the user stacks of processes that exit before they are printed may show addresses only\n",
	       strerror(errno));
	tap_track__delete(t);
	return NULL;
}

static int track_rec__cmp(const void *a, const void *b)
{
	const struct track_rec *x = a, *y = b;

	if (x->time != y->time)
		return x->time < y->time ? -1 : 1;
	return x->off < y->off ? -1 : x->off > y->off;
}

/* Keep a copy of a report that matters, with its time. */
static int track_keep(struct tap_track *t, union perf_event *event)
{
	struct perf_sample sample;
	size_t size = event->header.size, off = t->buf_len;

	switch (event->header.type) {
	case PERF_RECORD_MMAP2:
	case PERF_RECORD_FORK:
	case PERF_RECORD_COMM:
		break;
	case PERF_RECORD_LOST:
		t->lost += event->lost.lost;
		return 0;
	default:
		return 0;
	}
	if (evsel__parse_sample(t->evsel, event, &sample))
		return 0;
	if (t->nr_recs == t->recs_alloc) {
		size_t n = t->recs_alloc ? t->recs_alloc * 2 : 256;
		struct track_rec *recs = realloc(t->recs, n * sizeof(*recs));

		if (!recs)
			return -ENOMEM;
		t->recs = recs;
		t->recs_alloc = n;
	}
	if (off + size > t->buf_alloc) {
		size_t n = t->buf_alloc ? t->buf_alloc : 64 * 1024;
		char *buf;

		while (n < off + size)
			n *= 2;
		buf = realloc(t->buf, n);
		if (!buf)
			return -ENOMEM;
		t->buf = buf;
		t->buf_alloc = n;
	}
	/* records are 8-byte multiples, so copies stay aligned */
	memcpy(t->buf + off, event, size);
	t->buf_len += size;
	t->recs[t->nr_recs++] = (struct track_rec){ sample.time, off };
	return 0;
}

/*
 * Exits are not passed on: an exited process's mappings must stay for the
 * stacks it left behind.  A new process with its pid forks afresh.
 */
static void track_apply(struct tap_track *t, union perf_event *event)
{
	struct perf_sample sample;
	struct thread *parent;

	if (evsel__parse_sample(t->evsel, event, &sample))
		return;
	/* a parent from before tracing began: its mappings are the child's */
	if (event->header.type == PERF_RECORD_FORK && event->fork.pid != event->fork.ppid) {
		parent = machine__find_thread(t->machine, event->fork.ppid, event->fork.ppid);
		if (!parent)
			tap_usym__read_proc(t->machine, (int)event->fork.ppid);
		thread__put(parent);
	}
	machine__process_event(t->machine, event, &sample);
}

void tap_track__drain(struct tap_track *t)
{
	size_t r;
	int i;

	if (!t)
		return;
	t->nr_recs = 0;
	t->buf_len = 0;
	for (i = 0; i < t->evlist->core.nr_mmaps; i++) {
		struct mmap *md = &t->evlist->mmap[i];
		union perf_event *event;

		if (perf_mmap__read_init(&md->core) < 0)
			continue;
		while ((event = perf_mmap__read_event(&md->core)) != NULL) {
			if (track_keep(t, event))
				t->lost++;
			perf_mmap__consume(&md->core);
		}
	}
	/* a fork before the child's mappings, whichever CPUs reported them */
	if (t->nr_recs > 1)
		qsort(t->recs, t->nr_recs, sizeof(*t->recs), track_rec__cmp);
	for (r = 0; r < t->nr_recs; r++)
		track_apply(t, (union perf_event *)(t->buf + t->recs[r].off));
	t->nr_recs = 0;
	t->buf_len = 0;
}

u64 tap_track__lost(struct tap_track *t)
{
	return t ? t->lost : 0;
}

void tap_track__delete(struct tap_track *t)
{
	if (!t)
		return;
	evlist__delete(t->evlist);
	free(t->recs);
	free(t->buf);
	free(t);
}
