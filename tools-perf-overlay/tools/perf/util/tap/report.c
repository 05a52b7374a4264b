// SPDX-License-Identifier: GPL-2.0
/*
 * perf tap report: the output of a perf tap record run, from its
 * perf.data alone.  The records are bpf-output samples, handed in file
 * order (the order live mode printed them in) to live mode's decoder;
 * argstr is formatted with the file's tracing data, kernel stacks with the
 * file's kernel maps and build-ids and the stack map saved at the end.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <linux/err.h>
#include <linux/perf_event.h>
#include <linux/zalloc.h>
#include <traceevent/event-parse.h>

#include "util/data.h"
#include "util/debug.h"
#include "util/event.h"
#include "util/evsel.h"
#include "util/header.h"
#include "util/machine.h"
#include "util/map.h"
#include "util/sample.h"
#include "util/session.h"
#include "util/symbol.h"
#include "util/tool.h"
#include "util/trace-event.h"

#include "format.h"
#include "report.h"
#include "saved.h"
#include "unwind.h"
#include "usym.h"

struct report {
	struct perf_tool tool;
	const char *path;
	struct perf_session *session;
	struct tap_saved saved;
	struct tap_printer printer;
	struct tep_event **formats;	/* per event, for argstr, on first use */
	u64 *rec;			/* the record being printed, 8-byte aligned */
	size_t rec_size;
};

static int report_sample(const struct perf_tool *tool, union perf_event *event __maybe_unused,
			 struct perf_sample *sample, struct evsel *evsel,
			 struct machine *machine __maybe_unused)
{
	struct report *r = container_of(tool, struct report, tool);

	/* the traced tracepoints are in the file for their formats: no samples */
	if (evsel->core.attr.type != PERF_TYPE_SOFTWARE ||
	    evsel->core.attr.config != PERF_COUNT_SW_BPF_OUTPUT || !sample->raw_data)
		return 0;
	/* the decoder reads records as the rings hand them over: aligned */
	if (sample->raw_size > r->rec_size) {
		size_t n = (sample->raw_size + 7) & ~7UL;
		u64 *p = realloc(r->rec, n);

		if (!p)
			return -ENOMEM;
		r->rec = p;
		r->rec_size = n;
	}
	memcpy(r->rec, sample->raw_data, sample->raw_size);
	return tap_print_record(&r->printer, (int)sample->cpu, sample->time, r->rec,
				sample->raw_size);
}

static int report_stack_ips(void *arg, __u32 id, __u64 *ips)
{
	struct report *r = arg;

	return tap_saved__stack(&r->saved, id, ips);
}

/* Frames named with the file's kernel maps, and its processes' maps. */
static const char *report_ksym(void *arg, u64 addr, char *buf, size_t size)
{
	struct report *r = arg;

	return tap_ksym__name(&r->session->machines.host, addr, buf, size);
}

static const char *report_usym(void *arg, int pid, u64 addr, char *buf, size_t size)
{
	struct report *r = arg;

	return tap_usym__name(&r->session->machines.host, pid, addr, buf, size);
}

/* The first pass, when stacks are printed: the maps only, which record wrote last. */
static int skip_sample(const struct perf_tool *tool __maybe_unused,
		       union perf_event *event __maybe_unused,
		       struct perf_sample *sample __maybe_unused,
		       struct evsel *evsel __maybe_unused,
		       struct machine *machine __maybe_unused)
{
	return 0;
}

/* argstr: the event's format from the file's tracing data. */
static void report_argstr(void *arg, int cpu, const void *data, FILE *fp)
{
	struct report *r = arg;
	struct tep_handle *tep = r->session->tevent.pevent;
	const struct tap_event *ev;
	__u32 idx;

	memcpy(&idx, data, sizeof(idx));
	if (idx >= (__u32)r->saved.nr_evs || !tep)
		return;
	ev = &r->saved.evs[idx];
	if (!r->formats)
		r->formats = calloc(r->saved.nr_evs, sizeof(*r->formats));
	if (!r->formats)
		return;
	if (!r->formats[idx])
		r->formats[idx] = tep_find_event_by_name(tep, ev->sys, ev->name);
	if (r->formats[idx])
		tap_format_argstr(ev, r->formats[idx], cpu, data, fp);
}

/*
 * The file before perf reads it: perf's own messages for a file that is
 * not one of its own are many lines, and some inputs are not files.
 */
static int check_file(const char *path)
{
	char magic[8];
	struct stat st;
	ssize_t n;
	int fd;

	if (stat(path, &st)) {
		pr_err("perf tap: cannot open %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (S_ISDIR(st.st_mode)) {
		pr_err("perf tap: %s is a directory, not a perf.data file\n", path);
		return -1;
	}
	fd = open(path, O_RDONLY);
	if (fd < 0) {
		pr_err("perf tap: cannot open %s: %s\n", path, strerror(errno));
		return -1;
	}
	n = read(fd, magic, sizeof(magic));
	close(fd);
	if (n != (ssize_t)sizeof(magic) || memcmp(magic, "PERFILE2", sizeof(magic))) {
		pr_err("perf tap: %s is not a perf.data file\n", path);
		return -1;
	}
	return 0;
}

/* What perf read of the file: complete, with perf tap's data in it. */
static int check_session(struct report *r)
{
	struct perf_header *h = &r->session->header;
	struct perf_env *env = &h->env;
	u64 file_size = r->session->data->file.size;
	__u32 version[2];
	int err;

	if (!h->data_size) {
		pr_err(
			"perf tap: %s is incomplete: the recording was stopped before it could finish the file\n",
			r->path);
		return -1;
	}
	if (h->data_offset + h->data_size > file_size || h->feat_offset > file_size) {
		pr_err("perf tap: %s is truncated: it ends at byte %llu of %llu\n", r->path,
		       (unsigned long long)file_size,
		       (unsigned long long)(h->data_offset + h->data_size));
		return -1;
	}
	if (!perf_header__has_feat(h, HEADER_TAP)) {
		pr_err("perf tap: %s has no perf tap data: it was not written by perf tap record\n",
		       r->path);
		return -1;
	}
	if (!env->tap.data) {
		pr_err("perf tap: %s is truncated: its perf tap data is missing\n", r->path);
		return -1;
	}
	err = tap_saved__decode(env->tap.data, env->tap.size, &r->saved, version);
	if (err == -EPROTONOSUPPORT) {
		pr_err(
			"perf tap: %s was written by another version of perf tap (data version %u.%u; this perf reads version %d.%d)\n",
			r->path, version[0], version[1],
			TAP_SAVED_VERSION, TAP_OBJECT_VERSION);
		return -1;
	}
	if (err) {
		pr_err("perf tap: the perf tap data in %s is damaged\n", r->path);
		return -1;
	}
	return 0;
}

int tap_report(const struct tap_report_opts *opts)
{
	struct report r = { .path = opts->input ?: "perf.data" };
	struct perf_data data = { .path = r.path, .mode = PERF_DATA_MODE_READ };
	int loud, err = -1;

	if (check_file(r.path))
		return 1;
	perf_tool__init(&r.tool, /*ordered_events=*/false);
	r.tool.sample = report_sample;
	r.tool.mmap = perf_event__process_mmap;
	r.tool.mmap2 = perf_event__process_mmap2;
	r.tool.comm = perf_event__process_comm;
	r.tool.fork = perf_event__process_fork;
	r.tool.exit = perf_event__process_exit;
	/* lost records are counted in the tap data, with those the BPF side saw */
	r.tool.no_warn = true;

	/* one sentence of our own for a file perf cannot read, not perf's many */
	loud = verbose;
	if (verbose <= 0)
		verbose = -1;
	r.session = perf_session__new(&data, &r.tool);
	verbose = loud;
	if (IS_ERR(r.session)) {
		pr_err("perf tap: cannot read %s: it is damaged or truncated\n", r.path);
		return 1;
	}
	if (check_session(&r))
		goto out;
	if (tap_usym__init())
		goto out;

	r.printer.obj = r.saved.obj;
	r.printer.fp = opts->output ?: stdout;
	r.printer.json = opts->json;
	r.printer.stacks_fd = -1;
	r.printer.stack_ips = report_stack_ips;
	r.printer.symbolize = report_ksym;
	r.printer.symbolize_user = report_usym;
	r.printer.symbolize_arg = &r;
	r.printer.format_event = report_argstr;
	r.printer.format_event_arg = &r;
	/* --call-graph dwarf: the snapshots are unwound now, with the file's maps */
	if (tap_unwind__wanted(r.saved.obj))
		r.printer.unwind = tap_unwind__new(&r.session->machines.host, /*live=*/false);

	/*
	 * The processes' maps are known in full only at the end of the run,
	 * so record writes them last: read them first, then the records.
	 */
	err = 0;
	if (r.saved.obj->uses_stacks) {
		r.tool.sample = skip_sample;
		err = perf_session__process_events(r.session);
		r.tool.sample = report_sample;
	}
	if (!err)
		err = perf_session__process_events(r.session);
	tap_printer__exit(&r.printer);
	fflush(r.printer.fp);
	if (err)
		pr_err("perf tap: cannot read the records in %s: it is damaged\n", r.path);
	else
		tap_print_losses(&r.saved.losses, &r.printer);
	symbol__exit();
out:
	perf_session__delete(r.session);
	tap_saved__exit(&r.saved);
	free(r.formats);
	free(r.rec);
	return err ? 1 : 0;
}
