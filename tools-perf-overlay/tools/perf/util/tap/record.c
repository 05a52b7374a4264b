// SPDX-License-Identifier: GPL-2.0
/*
 * perf tap record: a run of a script saved as a perf.data, written with
 * perf's own session and header code as perf record writes one.
 *
 * The file holds the attrs of the bpf-output event and of the traced
 * tracepoints (so the tracing data feature carries their formats, for
 * argstr on another machine), the kernel's maps, the records as
 * bpf-output samples in the order live mode prints them, PERF_RECORD_LOST
 * for records the rings could not take, and in the HEADER_TAP feature
 * (written at the end, as every feature) a struct tap_saved: the compiled
 * script, the events, the stack map as it stood and what the run lost.
 *
 * trace_end runs at the end of the recording as in live mode, and its
 * records, which print the tables as they stood, go to the file like any
 * other, so report prints them without a kernel.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <linux/err.h>
#include <linux/perf_event.h>
#include <linux/string.h>
#include <linux/time64.h>
#include <linux/zalloc.h>

#include <bpf/bpf.h>

#include "util/data.h"
#include "util/debug.h"
#include "util/dso.h"
#include "util/event.h"
#include "util/evlist.h"
#include "util/evsel.h"
#include "util/header.h"
#include "util/intlist.h"
#include "util/machine.h"
#include "util/map.h"
#include "util/maps.h"
#include "util/sample.h"
#include "util/session.h"
#include "util/strlist.h"
#include "util/synthetic-events.h"
#include "util/thread.h"
#include "util/tool.h"

#include "output.h"
#include "provider.h"
#include "record.h"
#include "saved.h"
#include "runtime-int.h"
#include "unwind.h"

/* In tap_record.ustacks, the stack id of a process with --call-graph dwarf stacks */
#define REC_DWARF_STACK	0xffffffffUL

/* The samples' layout when the rings' is perf tap's usual one (RAW, TIME, CPU). */
#define REC_SAMPLE_TYPE	(PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_IP | PERF_SAMPLE_TIME | \
			 PERF_SAMPLE_CPU | PERF_SAMPLE_RAW)

/* Records are gathered into writes of this size. */
#define REC_BUF_SIZE	(1024U * 1024)

struct tap_record {
	struct perf_data data;
	struct perf_tool tool;
	struct perf_session *session;
	struct evlist *evlist;		/* what the file describes, never opened */
	struct tap_sink sink;
	struct runtime *rt;
	__u64 id;			/* the bpf-output samples' PERF_SAMPLE_IDENTIFIER */
	u64 sample_type;
	char *buf;
	size_t len;
	u64 bytes;			/* written to the data section */
	u64 samples;
	u64 lost;			/* records lost, in PERF_RECORD_LOST written */
	int err;			/* the first write error */
	struct intlist *ustacks;	/* user stacks recorded: pid << 32 | stack id */
};

/* ---- writing the data section --------------------------------------- */

static int rec_flush(struct tap_record *rec)
{
	ssize_t n;

	if (!rec->len || rec->err)
		return rec->err;
	n = perf_data__write(&rec->data, rec->buf, rec->len);
	if (n < 0) {
		rec->err = -errno ?: -EIO;
		pr_err("perf tap: cannot write %s: %s\n", rec->data.path, strerror(-rec->err));
		return rec->err;
	}
	rec->bytes += rec->len;
	rec->len = 0;
	return 0;
}

/*
 * Room for an event of @size bytes in the buffer.  A full buffer ends a
 * round: what was written before it is sorted and handed on by tools that
 * order events, as after perf record's reads of all rings.
 */
static void *rec_reserve(struct tap_record *rec, size_t size)
{
	void *p;

	if (rec->len + size + sizeof(struct perf_event_header) > REC_BUF_SIZE) {
		struct perf_event_header *round = (void *)(rec->buf + rec->len);

		round->type = PERF_RECORD_FINISHED_ROUND;
		round->misc = 0;
		round->size = sizeof(*round);
		rec->len += sizeof(*round);
		if (rec_flush(rec))
			return NULL;
	}
	p = rec->buf + rec->len;
	rec->len += size;
	return p;
}

static int rec_write(struct tap_record *rec, void *event, size_t size)
{
	void *p;

	if (size > REC_BUF_SIZE / 2) {
		/* a synthesized event this large is not expected; write it as it is */
		if (rec_flush(rec) || perf_data__write(&rec->data, event, size) < 0)
			return rec->err ?: -EIO;
		rec->bytes += size;
		return 0;
	}
	p = rec_reserve(rec, size);
	if (!p)
		return rec->err;
	memcpy(p, event, size);
	return 0;
}

static int process_synthesized(const struct perf_tool *tool, union perf_event *event,
			       struct perf_sample *sample __maybe_unused,
			       struct machine *machine __maybe_unused)
{
	struct tap_record *rec = container_of(tool, struct tap_record, tool);

	return rec_write(rec, event, event->header.size);
}

/* Records the rings lost since the last call, as a PERF_RECORD_LOST. */
static int rec_lost(struct tap_record *rec)
{
	struct runtime *rt = rec->rt;
	struct perf_record_lost ev = {
		.header = { .type = PERF_RECORD_LOST, .size = sizeof(ev) },
		.id = rec->id,
	};
	u64 lost = tap_output__lost(rt->out) - rt->lost_discarded + rt->lost_extra;

	if (lost <= rec->lost)
		return 0;
	ev.lost = lost - rec->lost;
	rec->lost = lost;
	return rec_write(rec, &ev, sizeof(ev));
}

/* A ustack() value: remember it, to save its process's maps at the end. */
static void rec_note_stack(struct tap_record *rec, const char *value)
{
	long long id;

	memcpy(&id, value, sizeof(id));
	/* --call-graph dwarf: every file the process mapped, the snapshot says no more */
	if (id > 0 && (id & TAP_STACK_DWARF)) {
		unsigned long pid = (unsigned long)((id >> 32) & TAP_STACK_PID_MASK);

		intlist__findnew(rec->ustacks, pid << 32 | REC_DWARF_STACK);
	} else if (id > 0 && (id & TAP_STACK_USER)) {
		intlist__findnew(rec->ustacks, (unsigned long)(id & (TAP_STACK_PID_MASK << 32 |
								     0xffffffffULL)));
	}
}

/*
 * A usym() value: its process's maps are saved as for a --call-graph dwarf
 * snapshot, every file it mapped (there are no frames to mark files hit).
 */
static void rec_note_sym(struct tap_record *rec, const char *value)
{
	__u32 pid, what;

	memcpy(&pid, value + 8, 4);
	memcpy(&what, value + 12, 4);
	if (what == TAP_SYM_USER)
		intlist__findnew(rec->ustacks, (unsigned long)pid << 32 | REC_DWARF_STACK);
}

/* The stack values in a record: print and printf arguments, table keys in print_hist. */
static void rec_note_stacks(struct tap_record *rec, const struct tap_rec_def *def,
			    const char *data)
{
	const struct tap_object *obj = rec->rt->obj;
	const struct tap_map_def *m;
	unsigned int off = TAP_REC_HDR;
	int i;

	if (def->kind == TAP_REC_USTACK) {
		rec_note_stack(rec, data + TAP_USTACK_VALUE);
		return;
	}
	if (def->kind == TAP_REC_PRINT || def->kind == TAP_REC_PRINTF) {
		for (i = 0; i < def->nargs; i++)
			if (def->args[i].kind == TAP_T_STACK)
				rec_note_stack(rec, data + def->args[i].offset);
			else if (def->args[i].kind == TAP_T_SYM)
				rec_note_sym(rec, data + def->args[i].offset);
		return;
	}
	if (def->kind != TAP_REC_HIST_ENTRY)
		return;
	m = &obj->maps[TAP_MAP_TABLE0 + def->map];
	for (i = 0; i < m->nr_keys && off + 8 <= def->size; i++) {
		if (m->keys[i].kind == TAP_T_STR) {
			off += m->keys[i].size;
			continue;
		}
		if (m->keys[i].kind == TAP_T_SYM) {
			rec_note_sym(rec, data + off);
			off += TAP_SYM_SIZE;
			continue;
		}
		if (m->keys[i].kind == TAP_T_STACK)
			rec_note_stack(rec, data + off);
		off += 8;
	}
}

/* A tap_output_cb: one record as a bpf-output sample. */
static int rec_sample(void *arg, int cpu, u64 time, const void *data, u32 size)
{
	struct tap_record *rec = arg;
	struct perf_sample sample = {
		.id = rec->id,
		.pid = -1,
		.tid = -1,
		.time = time,
		.cpu = (u32)cpu,
		.raw_size = size,
		.raw_data = (void *)data,
	};
	union perf_event *ev;
	size_t len;
	__u32 def;

	memcpy(&def, data, sizeof(def));
	if (size >= TAP_REC_HDR && def < (__u32)rec->rt->obj->nr_recs &&
	    rec->rt->obj->recs[def].size <= size) {
		/* exit() stops the run as in live mode */
		if (rec->rt->obj->recs[def].kind == TAP_REC_EXIT)
			rec->rt->printer.exited = true;
		if (rec->rt->obj->uses_stacks)
			rec_note_stacks(rec, &rec->rt->obj->recs[def], data);
		/* unwound now too, for the tables to fold; report unwinds them again */
		if (rec->rt->obj->recs[def].kind == TAP_REC_USTACK)
			tap_unwind__add(rec->rt->printer.unwind, data, size);
	}
	if (rec_lost(rec))
		return rec->err;
	if (rec->sample_type == REC_SAMPLE_TYPE) {
		/* the layout perf_event__synthesize_sample() writes, without its checks */
		u64 *p;

		len = sizeof(ev->header) + 4 * sizeof(u64) + PERF_ALIGN(4 + size, sizeof(u64));
		ev = rec_reserve(rec, len);
		if (!ev)
			return rec->err;
		p = (u64 *)ev->sample.array;
		p[0] = rec->id;			/* PERF_SAMPLE_IDENTIFIER */
		p[1] = 0;			/* PERF_SAMPLE_IP */
		p[2] = time;			/* PERF_SAMPLE_TIME */
		p[3] = (u32)cpu;		/* PERF_SAMPLE_CPU: cpu, res */
		*(u32 *)&p[4] = size;		/* PERF_SAMPLE_RAW */
		memcpy((char *)&p[4] + 4, data, size);
		memset((char *)&p[4] + 4 + size, 0, len - sizeof(ev->header) - 32 - 4 - size);
	} else {
		len = perf_event__sample_event_size(&sample, rec->sample_type, 0);
		ev = rec_reserve(rec, len);
		if (!ev)
			return rec->err;
		perf_event__synthesize_sample(ev, rec->sample_type, 0, &sample);
	}
	ev->header.type = PERF_RECORD_SAMPLE;
	ev->header.misc = PERF_RECORD_MISC_KERNEL;
	ev->header.size = (u16)len;
	if (!rec->samples++)
		rec->evlist->first_sample_time = time;
	rec->evlist->last_sample_time = time;
	return 0;
}

/* ---- the file's header -------------------------------------------------- */

/*
 * The attr event @ev is opened with, as far as a file can say it: a
 * tracepoint's id (its format goes to the file too), a timer's cpu-clock
 * and period, a probe's PMU and return-probe bit.  -1: nothing to say.
 */
static int event_attr(const struct runtime *rt, const struct tap_event *ev,
		      struct perf_event_attr *a)
{
	struct tep_event *tp;
	__u64 retprobe;
	__u32 type;

	if (ev->provider == &tap_provider_tracepoint || ev->provider == &tap_provider_syscall) {
		tp = tap_tp__format(ev->sys, ev->name);
		if (!tp)
			return -1;	/* not in tracefs: no format to save either */
		a->type = PERF_TYPE_TRACEPOINT;
		a->config = (__u64)tp->id;
		return 0;
	}
	if (ev->provider == &tap_provider_timer) {
		a->type = PERF_TYPE_SOFTWARE;
		a->config = PERF_COUNT_SW_CPU_CLOCK;
		a->sample_period = (__u64)rt->obj->progs[ev->prog].period_ns;
		return 0;
	}
	if (tap_probe__pmu(ev->path ? "uprobe" : "kprobe", &type, &retprobe))
		return -1;
	a->type = type;
	a->config = ev->kretprobe ? retprobe : 0;
	return 0;
}

/*
 * The attrs the file describes: the bpf-output event with the samples,
 * then one per traced event (tracepoint, timer, probe), with the same
 * sample layout (perf wants one layout in a file with several events) and
 * no samples of their own.
 */
static int rec_evlist(struct tap_record *rec)
{
	struct runtime *rt = rec->rt;
	struct perf_event_attr attr = *tap_output__attr(rt->out);
	struct strlist *seen = strlist__new(NULL, NULL);
	struct evsel *evsel;
	int i, fd = -1;

	rec->evlist = evlist__new();
	if (!rec->evlist || !seen)
		goto nomem;
	/*
	 * The rings carry no IP (it would cost every record 8 bytes): the
	 * samples say 0, "no address", so that perf script's default fields,
	 * which include the symbol, still apply.
	 */
	attr.sample_type |= PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_IP;
	rec->sample_type = attr.sample_type;
	evsel = evsel__new(&attr);
	if (!evsel)
		goto nomem;
	evlist__add(rec->evlist, evsel);
	evsel->name = strdup("bpf-output");
	if (!evsel->name)
		goto nomem;
	/* the kernel's id of the bpf-output event, on the first CPU that has one */
	for (i = 0; i < tap_output__nr_cpus(rt->out) && fd < 0; i++)
		fd = tap_output__fd(rt->out, i);
	if (fd < 0 || ioctl(fd, PERF_EVENT_IOC_ID, &rec->id) < 0)
		rec->id = 1;
	if (perf_evsel__alloc_id(&evsel->core, 1, 1))
		goto nomem;
	evsel->core.id[0] = rec->id;
	evsel->core.ids = 1;

	for (i = 0; i < rt->evs.nr; i++) {
		const struct tap_event *ev = &rt->evs.ev[i];
		struct perf_event_attr ea = attr;
		char key[512];

		ev->provider->describe(ev, key, sizeof(key));
		if (strlist__has_entry(seen, key))
			continue;
		if (strlist__add(seen, key))
			goto nomem;
		if (event_attr(rt, ev, &ea))
			continue;
		evsel = evsel__new(&ea);
		if (!evsel)
			goto nomem;
		evsel->name = strdup(key);
		evlist__add(rec->evlist, evsel);
		if (!evsel->name)
			goto nomem;
	}
	strlist__delete(seen);
	return 0;
nomem:
	strlist__delete(seen);
	pr_err("perf tap: not enough memory to record\n");
	return -ENOMEM;
}

/* The features perf record writes, for what perf tap has. */
static void rec_features(struct tap_record *rec)
{
	struct perf_header *h = &rec->session->header;
	const struct perf_event_attr *attr = tap_output__attr(rec->rt->out);
	struct perf_env *env = &h->env;
	struct timespec res, mono;
	struct timeval tod;
	int feat;

	for (feat = HEADER_FIRST_FEATURE; feat < HEADER_LAST_FEATURE; feat++)
		perf_header__set_feat(h, feat);
	if (!have_tracepoints(&rec->evlist->core.entries))
		perf_header__clear_feat(h, HEADER_TRACING_DATA);
	perf_header__clear_feat(h, HEADER_BRANCH_STACK);
	perf_header__clear_feat(h, HEADER_AUXTRACE);
	perf_header__clear_feat(h, HEADER_STAT);
	perf_header__clear_feat(h, HEADER_DIR_FORMAT);
	perf_header__clear_feat(h, HEADER_COMPRESSED);
	perf_header__clear_feat(h, HEADER_GROUP_DESC);

	/* the samples' clock, as perf record -k saves it */
	if (!attr->use_clockid || clock_getres(attr->clockid, &res) ||
	    gettimeofday(&tod, NULL) || clock_gettime(attr->clockid, &mono)) {
		perf_header__clear_feat(h, HEADER_CLOCKID);
		perf_header__clear_feat(h, HEADER_CLOCK_DATA);
		return;
	}
	env->clock.clockid = attr->clockid;
	env->clock.clockid_res_ns = (u64)res.tv_sec * NSEC_PER_SEC + (u64)res.tv_nsec;
	env->clock.tod_ns = (u64)tod.tv_sec * NSEC_PER_SEC + (u64)tod.tv_usec * NSEC_PER_USEC;
	env->clock.clockid_ns = (u64)mono.tv_sec * NSEC_PER_SEC + (u64)mono.tv_nsec;
}

static int rec_start(void *arg, struct runtime *rt)
{
	struct tap_record *rec = arg;
	struct perf_event_header init = {
		.type = PERF_RECORD_FINISHED_INIT,
		.size = sizeof(init),
	};
	struct perf_session *session;
	struct machine *machine;
	int err;

	rec->rt = rt;
	perf_tool__init(&rec->tool, /*ordered_events=*/false);
	err = rec_evlist(rec);
	if (err)
		return err;
	session = perf_session__new(&rec->data, &rec->tool);
	if (IS_ERR(session)) {
		pr_err("perf tap: cannot create %s: %s\n", rec->data.path,
		       strerror(-(int)PTR_ERR(session)));
		return (int)PTR_ERR(session);
	}
	rec->session = session;
	session->evlist = rec->evlist;
	perf_session__set_id_hdr_size(session);
	rec_features(rec);
	err = perf_session__write_header(session, rec->evlist, perf_data__fd(&rec->data), false);
	if (err < 0) {
		pr_err("perf tap: cannot write %s: %s\n", rec->data.path, strerror(errno));
		return err;
	}
	/* the kernel's maps, for kernel stacks (the build-ids follow at the end) */
	machine = &session->machines.host;
	if (perf_event__synthesize_kernel_mmap(&rec->tool, process_synthesized, machine) < 0)
		pr_debug("perf tap: no kernel map in %s: kernel stacks may show addresses\n",
			 rec->data.path);
	if (perf_event__synthesize_modules(&rec->tool, process_synthesized, machine) < 0)
		pr_debug("perf tap: no kernel module maps in %s\n", rec->data.path);
	rec_write(rec, &init, sizeof(init));
	return rec->err;
}

/* ---- the end: the stack map, the tap section, the header again -------- */

/*
 * Every stack the stack map holds (ids are never reused: no
 * BPF_F_REUSE_STACKID), and the DSOs the kernel ones touch marked hit,
 * so that their build-ids go to the file.
 */
static int rec_stacks(struct tap_record *rec, struct tap_saved *s)
{
	struct runtime *rt = rec->rt;
	struct machine *machine = &rec->session->machines.host;
	int fd = rt->map_fds ? rt->map_fds[TAP_MAP_STACKS] : -1;
	__u64 ips[TAP_STACK_DEPTH];
	__u32 key, next;
	int alloc = 0;
	bool first = true;

	if (fd < 0 || !rt->obj->uses_stacks)
		return 0;
	while (!bpf_map_get_next_key(fd, first ? NULL : &key, &next)) {
		struct tap_saved_stack *st;
		__u32 n;

		first = false;
		key = next;
		memset(ips, 0, sizeof(ips));
		if (bpf_map_lookup_elem(fd, &key, ips))
			continue;
		for (n = 0; n < TAP_STACK_DEPTH && ips[n]; n++) {
			struct map *map;

			if (!machine__kernel_ip(machine, ips[n]))
				continue;
			map = maps__find(machine__kernel_maps(machine), ips[n]);
			if (map)
				dso__set_hit(map__dso(map));
			map__put(map);
		}
		if (s->nr_stacks == alloc) {
			alloc = alloc ? alloc * 2 : 64;
			st = realloc(s->stacks, alloc * sizeof(*st));
			if (!st)
				return -ENOMEM;
			s->stacks = st;
		}
		st = &s->stacks[s->nr_stacks];
		st->id = key;
		st->nr = n;
		st->ips = malloc(n * sizeof(*ips) + 1);
		if (!st->ips)
			return -ENOMEM;
		memcpy(st->ips, ips, n * sizeof(*ips));
		s->nr_stacks++;
	}
	tap_saved__sort_stacks(s);
	return 0;
}

/* Write @event to the file and give it to the session's machine (for build-ids). */
static int rec_event(struct tap_record *rec, union perf_event *event)
{
	struct perf_sample sample = { .pid = -1, .tid = -1 };

	if (rec_write(rec, event, event->header.size))
		return rec->err;
	perf_event__process(&rec->tool, event, &sample, &rec->session->machines.host);
	return 0;
}

struct map_event {
	struct tap_record *rec;
	int pid;
	struct perf_record_mmap2 ev;
};

/* One executable mapping of a process, as the kernel reported it or /proc showed it. */
static int rec_map(struct map *map, void *arg)
{
	struct map_event *me = arg;
	struct perf_record_mmap2 *ev = &me->ev;
	const char *name = dso__long_name(map__dso(map));
	size_t len = strlen(name) + 1;

	if (len > sizeof(ev->filename))
		return 0;
	memset(ev, 0, sizeof(*ev));
	ev->header.type = PERF_RECORD_MMAP2;
	ev->header.misc = PERF_RECORD_MISC_USER;
	ev->header.size = (u16)(offsetof(struct perf_record_mmap2, filename) +
				PERF_ALIGN(len, sizeof(u64)));
	ev->pid = (u32)me->pid;
	ev->tid = (u32)me->pid;
	ev->start = map__start(map);
	ev->len = map__end(map) - map__start(map);
	ev->pgoff = map__pgoff(map);
	ev->prot = map__prot(map) ?: PROT_READ | PROT_EXEC;
	ev->flags = map__flags(map);
	memcpy(ev->filename, name, len);
	return rec_event(me->rec, (union perf_event *)ev);
}

/*
 * The build-ids of the files the user stacks went through go to the file:
 * their frames, looked up in the session's machine, which has the maps
 * rec_user_maps() wrote.
 */
/* A dwarf stack may go through any file its process mapped. */
static int rec_hit_map(struct map *map, void *arg __maybe_unused)
{
	dso__set_hit(map__dso(map));
	return 0;
}

static void rec_user_hits(struct tap_record *rec, const struct tap_saved *s)
{
	struct machine *machine = &rec->session->machines.host;
	struct int_node *node;
	__u64 ips[TAP_STACK_DEPTH];

	intlist__for_each_entry(node, rec->ustacks) {
		pid_t pid = (pid_t)(node->i >> 32);
		struct thread *thread;
		int i;

		if ((node->i & REC_DWARF_STACK) == REC_DWARF_STACK) {
			thread = machine__find_thread(machine, pid, pid);
			if (thread)
				maps__for_each_map(thread__maps(thread), rec_hit_map, NULL);
			thread__put(thread);
			continue;
		}
		if (tap_saved__stack(s, (__u32)node->i, ips))
			continue;
		thread = machine__find_thread(machine, pid, pid);
		for (i = 0; thread && i < TAP_STACK_DEPTH && ips[i]; i++) {
			struct map *map = maps__find(thread__maps(thread), ips[i]);

			if (map)
				dso__set_hit(map__dso(map));
			map__put(map);
		}
		thread__put(thread);
	}
}

/*
 * The command names and mappings of the processes whose user stacks were
 * recorded, as the run knew them at the end (from the kernel's reports
 * and /proc), as perf record would have synthesized them: report names
 * the frames with them.  Processes that have exited are known too.
 */
static int rec_user_maps(struct tap_record *rec)
{
	struct machine *live = rec->rt->machine;
	struct map_event *me;
	struct int_node *node;
	pid_t last = -1;
	int err = 0;

	if (!live || !intlist__nr_entries(rec->ustacks))
		return 0;
	me = zalloc(sizeof(*me));
	if (!me)
		return -ENOMEM;
	me->rec = rec;
	/* in key order: the stacks of one process one after another */
	intlist__for_each_entry(node, rec->ustacks) {
		pid_t pid = (pid_t)(node->i >> 32);
		struct thread *thread;
		struct perf_record_comm comm = {
			.header = { .type = PERF_RECORD_COMM, .size = sizeof(comm) },
			.pid = (u32)pid,
			.tid = (u32)pid,
		};

		if (pid == last)
			continue;
		last = pid;
		thread = machine__find_thread(live, pid, pid);
		if (!thread)
			continue;
		strlcpy(comm.comm, thread__comm_str(thread) ?: "", sizeof(comm.comm));
		me->pid = pid;
		err = rec_event(rec, (union perf_event *)&comm);
		if (!err)
			err = maps__for_each_map(thread__maps(thread), rec_map, me);
		thread__put(thread);
		if (err)
			break;
	}
	free(me);
	return err;
}

static int rec_finish(void *arg, struct runtime *rt)
{
	struct tap_record *rec = arg;
	struct perf_event_header round = {
		.type = PERF_RECORD_FINISHED_ROUND,
		.size = sizeof(round),
	};
	struct perf_session *session = rec->session;
	struct perf_env *env = &session->header.env;
	struct tap_saved s = {
		.obj = rt->obj,
		.evs = rt->evs.ev,
		.nr_evs = rt->evs.nr,
	};
	void *data;
	size_t size;
	int fd = perf_data__fd(&rec->data), err;

	rec_lost(rec);
	runtime__losses(rt, &s.losses);
	err = rec_user_maps(rec);
	if (err)
		return rec->err ?: err;
	err = rec_stacks(rec, &s);
	if (!err) {
		rec_user_hits(rec, &s);
		err = tap_saved__encode(&s, &data, &size);
	}
	tap_saved__free_stacks(s.stacks, s.nr_stacks);
	if (err) {
		pr_err("perf tap: not enough memory to finish %s\n", rec->data.path);
		return err;
	}
	free(env->tap.data);
	env->tap.data = data;
	env->tap.size = size;
	if (rec_write(rec, &round, sizeof(round)) || rec_flush(rec))
		return rec->err;
	session->header.data_size += rec->bytes;
	rec->data.file.size = lseek(fd, 0, SEEK_CUR);
	err = perf_session__write_header(session, rec->evlist, fd, true);
	if (err < 0) {
		pr_err("perf tap: cannot write the header of %s\n", rec->data.path);
		return err;
	}
	if (verbose >= 0)
		pr_info("perf tap: %llu record%s (%.3f MB) written to %s\n",
			(unsigned long long)rec->samples, rec->samples == 1 ? "" : "s",
			(double)rec->bytes / (1 << 20), rec->data.path);
	return 0;
}

struct tap_record *tap_record__new(const char *path)
{
	struct tap_record *rec = zalloc(sizeof(*rec));

	if (!rec)
		return NULL;
	rec->buf = malloc(REC_BUF_SIZE);
	rec->ustacks = intlist__new(NULL);
	if (!rec->buf || !rec->ustacks) {
		intlist__delete(rec->ustacks);
		free(rec->buf);
		free(rec);
		return NULL;
	}
	rec->data.path = path;
	rec->data.mode = PERF_DATA_MODE_WRITE;
	rec->sink.start = rec_start;
	rec->sink.sample = rec_sample;
	rec->sink.finish = rec_finish;
	rec->sink.arg = rec;
	return rec;
}

const struct tap_sink *tap_record__sink(struct tap_record *rec)
{
	return &rec->sink;
}

void tap_record__delete(struct tap_record *rec)
{
	if (!rec)
		return;
	/* closes the file; the evlist is ours in write mode */
	if (rec->session)
		perf_session__delete(rec->session);
	evlist__delete(rec->evlist);
	intlist__delete(rec->ustacks);
	free(rec->buf);
	free(rec);
}
