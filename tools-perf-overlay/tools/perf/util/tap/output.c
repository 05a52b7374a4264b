// SPDX-License-Identifier: GPL-2.0
/*
 * perf tap's output channel: per-CPU bpf-output events and their perf ring
 * buffers, read with perf's evlist/mmap machinery.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/kernel.h>
#include <linux/log2.h>
#include <linux/perf_event.h>
#include <linux/zalloc.h>
#include <internal/xyarray.h>
#include <perf/cpumap.h>
#include <perf/mmap.h>
#include <internal/lib.h>
#include <internal/mmap.h>

#include "util/debug.h"
#include "util/event.h"
#include "util/evlist.h"
#include "util/evsel.h"
#include "util/mmap.h"
#include "util/sample.h"
#include "util/target.h"
#include "output.h"

#define TAP_OUTPUT_MAX_BYTES	(1024U * 1024 * 1024)
#define TAP_OUTPUT_DEFAULT_BYTES	(4U * 1024 * 1024)
#define TAP_OUTPUT_TOTAL_BYTES	(64U * 1024 * 1024)
#define TAP_OUTPUT_MIN_BYTES	(128U * 1024)

/* One record read from a ring, its payload kept in tap_output::buf. */
struct tap_output_rec {
	u64	time;
	size_t	off;
	u32	size;
	int	cpu;
};

struct tap_output {
	struct evlist		*evlist;
	struct evsel		*evsel;
	u64			lost;
	/* The batch being drained. */
	struct tap_output_rec	*recs;
	size_t			nr_recs;
	size_t			recs_alloc;
	u8			*buf;
	size_t			buf_len;
	size_t			buf_alloc;
};

/*
 * -m's default: 4 MiB a CPU, which holds about 20 ms of records at four
 * million a second, time for a reader the scheduler kept waiting; where
 * more than 16 CPUs make that over 64 MiB in all, 64 MiB shared out, but
 * never less than 128 KiB a CPU (512 CPUs: 64 MiB).
 */
static unsigned int default_pages(void)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	size_t bytes = TAP_OUTPUT_TOTAL_BYTES / (size_t)(cpus > 0 ? cpus : 1);

	bytes = min_t(size_t, bytes, TAP_OUTPUT_DEFAULT_BYTES);
	bytes = max_t(size_t, bytes, TAP_OUTPUT_MIN_BYTES);
	return (unsigned int)rounddown_pow_of_two(bytes / page_size);
}

static struct tap_output *output__new(int cpu, unsigned int mmap_pages)
{
	struct perf_event_attr attr = {
		.type		= PERF_TYPE_SOFTWARE,
		.config		= PERF_COUNT_SW_BPF_OUTPUT,
		.size		= sizeof(attr),
		.sample_period	= 1,
		.sample_type	= PERF_SAMPLE_RAW | PERF_SAMPLE_TIME |
				  PERF_SAMPLE_CPU,
		/* Timestamps on bpf_ktime_get_ns()'s clock. */
		.use_clockid	= 1,
		.clockid	= CLOCK_MONOTONIC,
	};
	struct target target = { .system_wide = true, };
	struct tap_output *out;
	char msg[BUFSIZ], cpu_list[16];
	int err;

	/* libperf keeps the ring's mask in an int. */
	if (mmap_pages > TAP_OUTPUT_MAX_BYTES / page_size) {
		pr_err("perf tap: output rings of %u pages are too large (at most %u MB a CPU)\n",
		       mmap_pages, TAP_OUTPUT_MAX_BYTES >> 20);
		errno = EINVAL;
		return NULL;
	}
	if (mmap_pages == 0)
		mmap_pages = default_pages();
	else if (!is_power_of_2(mmap_pages))
		mmap_pages = roundup_pow_of_two(mmap_pages);
	/*
	 * Wake the reader when a ring is a quarter full, not at every record:
	 * each wakeup is an irq_work, a self-IPI (a VM exit in a guest), which
	 * at a million records a second cost the traced task more than the
	 * rest of the record.  The reader polls with a timeout for the rest
	 * (tap_output__poll()): records written to a quiet ring wait that long.
	 */
	attr.watermark = 1;
	attr.wakeup_watermark = (__u32)((evlist__mmap_size(mmap_pages) - page_size) / 4);

	out = zalloc(sizeof(*out));
	if (!out)
		goto out_nomem;

	out->evlist = evlist__new();
	if (!out->evlist)
		goto out_nomem;

	out->evsel = evsel__new(&attr);
	if (!out->evsel)
		goto out_nomem;
	evlist__add(out->evlist, out->evsel);

	if (cpu >= 0) {
		snprintf(cpu_list, sizeof(cpu_list), "%d", cpu);
		target.cpu_list = cpu_list;
		target.uid = UINT_MAX;	/* no user filter */
		if (evlist__create_maps(out->evlist, &target) < 0)
			goto out_nomem;
	}
	/* Without maps: every online CPU, any thread. */
	err = evlist__open(out->evlist);
	if (err < 0) {
		err = errno;
		evsel__open_strerror(out->evsel, &target, err, msg, sizeof(msg));
		pr_err("perf tap: cannot open the bpf-output event: %s\n", msg);
		goto out_err;
	}

	/* tap_output__sample() reads this layout and no other */
	if (out->evsel->core.attr.sample_type != attr.sample_type) {
		pr_err("perf tap: the bpf-output event's sample type changed to %#llx\n",
		       (unsigned long long)out->evsel->core.attr.sample_type);
		err = EINVAL;
		goto out_err;
	}
	if (evlist__mmap(out->evlist, mmap_pages) < 0) {
		err = errno;
		evlist__strerror_mmap(out->evlist, err, msg, sizeof(msg));
		pr_err("perf tap: cannot mmap the bpf-output rings: %s\n", msg);
		goto out_err;
	}
	return out;

out_nomem:
	err = ENOMEM;
	pr_err("perf tap: not enough memory for the output rings\n");
out_err:
	tap_output__delete(out);
	errno = err;
	return NULL;
}

struct tap_output *tap_output__new(unsigned int mmap_pages)
{
	return output__new(-1, mmap_pages);
}

struct tap_output *tap_output__new_cpu(int cpu, unsigned int mmap_pages)
{
	return output__new(cpu, mmap_pages);
}

const struct perf_event_attr *tap_output__attr(struct tap_output *out)
{
	return &out->evsel->core.attr;
}

size_t tap_output__ring_bytes(struct tap_output *out)
{
	if (!out->evlist->core.nr_mmaps)
		return 0;
	return perf_mmap__mmap_len(&out->evlist->mmap[0].core) - page_size;
}

int tap_output__nr_cpus(struct tap_output *out)
{
	return perf_cpu_map__max(out->evsel->core.cpus).cpu + 1;
}

int tap_output__fd(struct tap_output *out, int cpu)
{
	struct perf_evsel *evsel = &out->evsel->core;
	int idx;

	if (cpu < 0)
		return -1;
	idx = perf_cpu_map__idx(evsel->cpus, (struct perf_cpu){ .cpu = cpu });
	if (idx < 0 || !evsel->fd)
		return -1;
	return *(int *)xyarray__entry(evsel->fd, idx, 0);
}

int tap_output__poll(struct tap_output *out, int timeout_ms)
{
	int ret = evlist__poll(out->evlist, timeout_ms);

	if (ret < 0)
		return errno == EINTR ? 0 : -errno;
	return ret;
}

u64 tap_output__lost(struct tap_output *out)
{
	return out->lost;
}

/* Copy a record's payload into the batch, 8-byte aligned. */
static int tap_output__add(struct tap_output *out, u64 time, u32 cpu, const void *data, u32 size)
{
	size_t off = PERF_ALIGN(out->buf_len, sizeof(u64));
	struct tap_output_rec *rec;

	if (out->nr_recs == out->recs_alloc) {
		size_t n = out->recs_alloc ? out->recs_alloc * 2 : 256;

		rec = realloc(out->recs, n * sizeof(*rec));
		if (!rec)
			return -ENOMEM;
		out->recs = rec;
		out->recs_alloc = n;
	}
	if (off + size > out->buf_alloc) {
		size_t n = out->buf_alloc ? out->buf_alloc : 64 * 1024;
		u8 *buf;

		while (n < off + size)
			n *= 2;
		buf = realloc(out->buf, n);
		if (!buf)
			return -ENOMEM;
		out->buf = buf;
		out->buf_alloc = n;
	}

	memcpy(out->buf + off, data, size);
	out->buf_len = off + size;

	rec = &out->recs[out->nr_recs++];
	rec->time = time;
	rec->off = off;
	rec->size = size;
	rec->cpu = (int)cpu;
	return 0;
}

/*
 * A sample of our own attr (PERF_SAMPLE_TIME | CPU | RAW, nothing else):
 * u64 time; u32 cpu, res; u32 size; u8 data[size].  Read in place rather
 * than with evsel__parse_sample(), whose generic walk was a fifth of the
 * reader's time per record at a million records a second.
 */
struct tap_output_sample {
	struct perf_event_header header;
	u64 time;
	u32 cpu, res;
	u32 size;
	u8 data[];
};

static int tap_output__sample(struct tap_output *out, union perf_event *event)
{
	const struct tap_output_sample *s = (const void *)event;
	size_t head = offsetof(struct tap_output_sample, data);

	if (event->header.size < head || s->size > event->header.size - head) {
		pr_debug("perf tap: bad bpf-output sample of %u bytes\n", event->header.size);
		out->lost++;
		return 0;
	}
	if (tap_output__add(out, s->time, s->cpu, s->data, s->size)) {
		out->lost++;
		return -ENOMEM;
	}
	return 0;
}

static int tap_output__event(struct tap_output *out, union perf_event *event)
{
	switch (event->header.type) {
	case PERF_RECORD_SAMPLE:
		return tap_output__sample(out, event);
	case PERF_RECORD_LOST:
		out->lost += event->lost.lost;
		return 0;
	case PERF_RECORD_LOST_SAMPLES:
		out->lost += event->lost_samples.lost;
		return 0;
	default:
		return 0;
	}
}

static int tap_output_rec__cmp(const void *a, const void *b)
{
	const struct tap_output_rec *ra = a, *rb = b;

	if (ra->time != rb->time)
		return ra->time < rb->time ? -1 : 1;
	/* Stable: payloads were appended in reading order. */
	if (ra->off != rb->off)
		return ra->off < rb->off ? -1 : 1;
	return 0;
}

int tap_output__drain(struct tap_output *out, tap_output_cb cb, void *arg)
{
	struct evlist *evlist = out->evlist;
	int i, err = 0, ret = 0;
	size_t r;

	out->nr_recs = 0;
	out->buf_len = 0;

	for (i = 0; i < evlist->core.nr_mmaps; i++) {
		struct mmap *md = &evlist->mmap[i];
		union perf_event *event;

		if (perf_mmap__read_init(&md->core) < 0)
			continue;	/* empty */

		while ((event = perf_mmap__read_event(&md->core)) != NULL) {
			/* On error, keep consuming: the ring must not stall. */
			if (err == 0)
				err = tap_output__event(out, event);
			else if (event->header.type == PERF_RECORD_SAMPLE)
				out->lost++;
			perf_mmap__consume(&md->core);
		}
		/*
		 * No perf_mmap__read_done(): it moves the read position to the
		 * head of the ring as it is now, which skips a record the
		 * kernel wrote after the last read_event.  read_event and
		 * consume have already moved it exactly past what was read.
		 */
	}

	/* Often in order already: all from one CPU, or one ring after another. */
	for (r = 1; r < out->nr_recs; r++)
		if (tap_output_rec__cmp(&out->recs[r - 1], &out->recs[r]) > 0)
			break;
	if (r < out->nr_recs)
		qsort(out->recs, out->nr_recs, sizeof(*out->recs),
		      tap_output_rec__cmp);

	for (r = 0; r < out->nr_recs; r++) {
		struct tap_output_rec *rec = &out->recs[r];

		ret = cb(arg, rec->cpu, rec->time, out->buf + rec->off,
			 rec->size);
		if (ret)
			break;
	}

	if (ret == 0)
		ret = r;
	out->nr_recs = 0;
	out->buf_len = 0;
	/* Records that fitted were still delivered; report the failure. */
	return err ? err : ret;
}

void tap_output__delete(struct tap_output *out)
{
	if (!out)
		return;
	/* Unmaps, closes and frees the evsel too. */
	evlist__delete(out->evlist);
	free(out->recs);
	free(out->buf);
	free(out);
}
