// SPDX-License-Identifier: GPL-2.0
/*
 * The tracepoint provider: SYS:EVENT globs over tracefs ("sched:*",
 * "*:*"), but for the syscalls:* events, which the syscall provider takes.
 * An event attaches as a raw tracepoint, which detaches at once, unless the
 * block reads the event's record (argstr) or the kernel has no raw
 * tracepoint by that name: then as a perf tracepoint event.
 *
 * It also keeps what tracefs says, for the syscall provider too: the
 * events each spec matches, found with one walk of tracefs per spec, and
 * each event's format, parsed once with perf's trace_event__tp_format().
 * Types, code variants, events and field offsets are all asked for
 * separately, but tracefs is read once.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/compiler.h>
#include <linux/err.h>
#include <linux/perf_event.h>
#include <linux/zalloc.h>

#include <api/fs/tracing_path.h>
#include <traceevent/event-parse.h>
#include "util/debug.h"
#include "util/hashmap.h"
#include "util/string2.h"
#include "util/trace-event.h"
#include "util/tracepoint.h"

#include <bpf/btf.h>

#include "ktypes.h"
#include "provider.h"
#include "runtime-int.h"
#include "tp-multi.h"

/* The events of one spec, in the order tracefs lists them; nr < 0: -errno. */
struct tp_match {
	char *spec;
	int nr;
	struct tap_tp_name *names;
	/* a glob over subsystems matched lock or preemptirq, left out */
	bool inner_left_out;
};

static struct tp_match *matches;
static int nr_matches;
/* "sys:name" -> its struct tep_event, NULL if it has no readable format */
static struct hashmap *formats;

bool tap_tp__is_spec(const char *spec)
{
	const char *colon = strchr(spec, ':');

	/* an event's name has no '/': usdt:/PATH:... is a file's probe */
	return colon && colon != spec && colon[1] && colon[1] != '/' && strncmp(spec, "probe:", 6);
}

static int add_name(struct tp_match *m, const char *sys, const char *name)
{
	struct tap_tp_name *n = realloc(m->names, (m->nr + 1) * sizeof(*n));

	if (!n)
		return -ENOMEM;
	m->names = n;
	n += m->nr;
	n->sys = strdup(sys);
	n->name = strdup(name);
	if (!n->sys || !n->name) {
		free(n->sys);
		free(n->name);
		return -ENOMEM;
	}
	m->nr++;
	return 0;
}

/*
 * The events of subsystem @sys that match @glob.  Not for_each_event():
 * it opens the id file of every event of the subsystem, this only those
 * of the events the glob matches.
 */
static int walk_subsystem(struct tp_match *m, const char *sys, const char *glob)
{
	char *path = get_events_file(sys);
	struct dirent *ed;
	DIR *dir;
	int err = 0;

	if (!path)
		return -ENOMEM;
	dir = opendir(path);
	while (dir && !err && (ed = readdir(dir))) {
		if (ed->d_type != DT_DIR || ed->d_name[0] == '.' ||
		    !strglobmatch(ed->d_name, glob) || tp_event_has_id(path, ed))
			continue;
		err = add_name(m, sys, ed->d_name);
	}
	if (dir)
		closedir(dir);
	put_events_file(path);
	return err;
}

bool tap_tp__can_read(void)
{
	char *events = get_tracing_file("events");
	bool ok = events && !access(events, R_OK | X_OK);
	int err = events ? errno : ENOENT;

	put_events_file(events);
	errno = ok ? 0 : err;
	return ok;
}

static bool inner_subsystem(const char *sys)
{
	return !strcmp(sys, "lock") || !strcmp(sys, "preemptirq");
}

static int walk(struct tp_match *m)
{
	char *sys_glob = strdup(m->spec), *ev_glob;
	struct dirent *sd;
	DIR *dir;
	int err = 0;

	if (!sys_glob)
		return -ENOMEM;
	ev_glob = strchr(sys_glob, ':');
	*ev_glob++ = 0;
	dir = tracing_events__opendir();
	if (!dir) {
		pr_err("perf tap: cannot read tracefs events (is tracefs mounted?)\n");
		free(sys_glob);
		return -ENOENT;
	}
	for_each_subsystem(dir, sd) {
		if (!strglobmatch(sd->d_name, sys_glob))
			continue;
		/* ftrace's own events (function, print, ...) take no BPF programs */
		if (strpbrk(sys_glob, "*?[") && !strcmp(sd->d_name, "ftrace"))
			continue;
		/*
		 * lock's and preemptirq's events fire inside every lock and
		 * interrupt-mask operation, those in BPF's own map code
		 * included (lock_release while the lock is still held). A
		 * program there that updates a hash map another program is
		 * updating on the same CPU deadlocks or corrupts it on
		 * kernels before 6.15 (Documentation/kernel-link.md), so
		 * they are traced only when their subsystem is named.
		 */
		if (strpbrk(sys_glob, "*?[") && inner_subsystem(sd->d_name)) {
			m->inner_left_out = true;
			continue;
		}
		err = walk_subsystem(m, sd->d_name, ev_glob);
		if (err)
			break;
	}
	closedir(dir);
	free(sys_glob);
	return err;
}

int tap_tp__match(const char *spec, const struct tap_tp_name **names)
{
	struct tp_match *m;
	int i, err;

	for (i = 0; i < nr_matches; i++)
		if (!strcmp(matches[i].spec, spec))
			break;
	if (i < nr_matches) {
		*names = matches[i].names;
		return matches[i].nr;
	}
	if (!tap_tp__is_spec(spec))
		return -EINVAL;
	m = realloc(matches, (nr_matches + 1) * sizeof(*m));
	if (!m)
		return -ENOMEM;
	matches = m;
	m += nr_matches;
	memset(m, 0, sizeof(*m));
	m->spec = strdup(spec);
	if (!m->spec)
		return -ENOMEM;
	nr_matches++;
	err = walk(m);
	if (err) {
		/* remembered too: the error is said once */
		for (i = 0; i < m->nr; i++) {
			free(m->names[i].sys);
			free(m->names[i].name);
		}
		zfree(&m->names);
		m->nr = err;
	}
	*names = m->names;
	return m->nr;
}

int tap_tp__resolve_match(struct tap_object *obj, const struct tap_spec *spec,
			  const struct tap_tp_name **names)
{
	int n = tap_tp__match(spec->text, names);

	if (n == -EINVAL)
		tap_spec__error(obj, spec, "a probe spec is SUBSYSTEM:EVENT, not");
	else if (n == 0)
		tap_spec__error(obj, spec, "no such event:");
	else if (n == -ENOMEM)
		pr_err("perf tap: out of memory\n");
	return n > 0 ? n : -1;
}

static size_t key_hash(long key, void *ctx __maybe_unused)
{
	return str_hash((const char *)key);
}

static bool key_equal(long key1, long key2, void *ctx __maybe_unused)
{
	return !strcmp((const char *)key1, (const char *)key2);
}

struct tep_event *tap_tp__format(const char *sys, const char *name)
{
	struct tep_event *tp;
	char key[512], *copy;

	if (!formats) {
		formats = hashmap__new(key_hash, key_equal, NULL);
		if (IS_ERR(formats)) {
			formats = NULL;
			return NULL;
		}
	}
	snprintf(key, sizeof(key), "%s:%s", sys, name);
	if (hashmap__find(formats, key, &tp))
		return tp;
	tp = trace_event__tp_format(sys, name);
	if (IS_ERR(tp))
		tp = NULL;
	/* without room to remember it, it is parsed again next time */
	copy = strdup(key);
	if (copy && hashmap__add(formats, copy, tp))
		free(copy);
	return tp;
}

/* trace_event_raw_* structs of the kernel's BTF: the records of its events. */
static int *raw_ids, nr_raw = -1;
static struct hashmap *raws;	/* "sys:name" -> the record's struct id, 0 if none */

static void find_raw_structs(const struct btf *btf)
{
	__u32 k, nr = btf__type_cnt(btf);
	int *ids;

	nr_raw = 0;
	for (k = 1; k < nr; k++) {
		const struct btf_type *t = btf__type_by_id(btf, k);

		if (!btf_is_struct(t) ||
		    strncmp(btf__name_by_offset(btf, t->name_off), "trace_event_raw_", 16))
			continue;
		ids = realloc(raw_ids, (nr_raw + 1) * sizeof(*ids));
		if (!ids)
			return;
		raw_ids = ids;
		raw_ids[nr_raw++] = (int)k;
	}
}

/* Do struct @id's members, after the common ones, lay out the fields of @tp? */
static bool raw_matches(const struct btf *btf, int id, struct tep_event *tp)
{
	const struct btf_type *t = btf__type_by_id(btf, id);
	struct tep_format_field *f;
	int nr_fields = 0, nr_members = 0, k;

	for (k = 0; k < btf_vlen(t); k++) {
		const char *m = btf__name_by_offset(btf, btf_members(t)[k].name_off);

		if (strcmp(m, "ent") && strcmp(m, "__data"))
			nr_members++;
	}
	for (f = tp->format.fields; f; f = f->next, nr_fields++) {
		for (k = 0; k < btf_vlen(t); k++) {
			const char *m = btf__name_by_offset(btf, btf_members(t)[k].name_off);

			if (btf_member_bit_offset(t, k) != (__u32)f->offset * 8)
				continue;
			if (!strcmp(m, f->name) || (!strncmp(m, "__data_loc_", 11) &&
						    !strcmp(m + 11, f->name)) ||
			    (!strncmp(m, "__rel_loc_", 10) && !strcmp(m + 10, f->name)))
				break;
		}
		if (k == btf_vlen(t))
			return false;
	}
	return nr_fields == nr_members;
}

/*
 * The kernel's BTF struct of event @sys:@name's record: struct
 * trace_event_raw_<name> for an event defined with TRACE_EVENT(); for one
 * of a class (DEFINE_EVENT) the record is named after the class, so the
 * trace_event_raw_* struct whose members are the event's fields at their
 * offsets.  0 if there is none (no BTF, a syscall event).
 */
static int raw_struct(const char *sys, const char *name)
{
	struct btf *btf = tap_ktypes__btf();
	struct tep_event *tp = tap_tp__format(sys, name);
	char key[512], *copy;
	long id = 0;
	int k;

	if (!btf || !tp)
		return 0;
	if (!raws) {
		raws = hashmap__new(key_hash, key_equal, NULL);
		if (IS_ERR(raws)) {
			raws = NULL;
			return 0;
		}
	}
	snprintf(key, sizeof(key), "%s:%s", sys, name);
	if (hashmap__find(raws, key, &id))
		return (int)id;
	snprintf(key, sizeof(key), "trace_event_raw_%s", name);
	id = btf__find_by_name_kind(btf, key, BTF_KIND_STRUCT);
	if (id > 0 && !raw_matches(btf, (int)id, tp))
		id = 0;
	if (nr_raw < 0 && id <= 0)
		find_raw_structs(btf);
	for (k = 0; id <= 0 && k < nr_raw; k++)
		if (raw_matches(btf, raw_ids[k], tp))
			id = raw_ids[k];
	if (id < 0)
		id = 0;
	snprintf(key, sizeof(key), "%s:%s", sys, name);
	copy = strdup(key);
	if (copy && hashmap__add(raws, copy, id))
		free(copy);
	return (int)id;
}

/* The BTF type of field @field in the record of @sys:@name; 0 if unknown. */
static int field_btf(const char *sys, const char *name, const char *field)
{
	int id = raw_struct(sys, name), k;
	const struct btf *btf = tap_ktypes__btf();
	const struct btf_type *t;

	if (!id)
		return 0;
	t = btf__type_by_id(btf, id);
	for (k = 0; k < btf_vlen(t); k++)
		if (!strcmp(btf__name_by_offset(btf, btf_members(t)[k].name_off), field))
			return (int)btf_members(t)[k].type;
	return 0;
}

/* -l -v: whether scripts see field @field of @sys:@name as a byte array (its BTF type) */
bool tap_tp__field_is_bytes(const char *sys, const char *name, const char *field)
{
	const struct btf *btf = tap_ktypes__btf();
	int id = btf ? field_btf(sys, name, field) : 0;
	const struct btf_type *t = id ? btf__type_by_id(btf, id) : NULL;
	bool is_char;

	return t && btf_is_array(t) && tap_ktypes__is_byte(btf, (int)btf_array(t)->type, &is_char);
}

static int check_field(struct tap_field_check *fc, const char *sys, const char *name)
{
	struct tep_event *tp = tap_tp__format(sys, name);
	struct tep_format_field *f = tp ? tep_find_field(tp, fc->name) : NULL;
	int type = TAP_T_NUM, btf;

	if (!f) {
		snprintf(fc->why, fc->why_size, "event %s:%s has no field '%s'", sys, name,
			 fc->name);
		return -1;
	}
	/* the record's struct in the kernel's BTF types it: a pointer, a byte array */
	btf = field_btf(sys, name, fc->name);
	if (f->flags & TEP_FIELD_IS_STRING) {
		type = TAP_T_STR;
	} else if ((f->flags & TEP_FIELD_IS_ARRAY) && !btf) {
		snprintf(fc->why, fc->why_size, "field '%s' of %s:%s is an array", fc->name, sys,
			 name);
		return -1;
	}
	if (fc->btf < 0)
		fc->btf = btf;
	else if (fc->btf != btf)
		fc->btf = 0;
	if (fc->type >= 0 && fc->type != type) {
		snprintf(fc->why, fc->why_size,
			 "field '%s' is a string in some of these events, a number in others",
			 fc->name);
		return -1;
	}
	fc->type = type;
	return 0;
}

void tap_tp__record_field(const struct tap_event *ev, const char *name, struct tap_field *f)
{
	struct tep_event *tp = tap_tp__format(ev->sys, ev->name);
	struct tep_format_field *tf = tp ? tep_find_field(tp, name) : NULL;

	if (!tf)
		return;
	f->offset = (__u32)tf->offset;
	f->size = (__u32)tf->size;
	f->is_signed = !!(tf->flags & TEP_FIELD_IS_SIGNED);
	if (tf->flags & TEP_FIELD_IS_DYNAMIC)
		f->kind = TAP_FIELD_DATA_LOC;
	else if (tf->flags & (TEP_FIELD_IS_STRING | TEP_FIELD_IS_ARRAY))
		f->kind = TAP_FIELD_CHARS;
	else if (tf->size <= 8)
		f->kind = TAP_FIELD_INT;
}

void tap_tp__describe(const struct tap_event *ev, char *buf, size_t size)
{
	snprintf(buf, size, "%s:%s", ev->sys, ev->name);
}

/*
 * The slow path: a perf tracepoint event with the block loaded as a
 * tracepoint program, for the events whose record the block reads and
 * those raw tracepoints cannot reach.  Closing one costs the kernel a
 * grace period, so only a few events should take it.
 */
int tap_tp__attach_perf(struct runtime *rt, int idx)
{
	struct tap_event *ev = &rt->evs.ev[idx];
	struct tap_prog_def *prog = &rt->obj->progs[ev->prog];
	struct prog_state *ps = &rt->progs[ev->prog];
	struct tep_event *tp = tap_tp__format(ev->sys, ev->name);
	struct perf_event_attr attr = {
		.type = PERF_TYPE_TRACEPOINT,
		.size = sizeof(attr),
		.sample_period = 1,
	};

	if (!tp)
		return -ENOENT;
	attr.config = (__u64)tp->id;
	if (!strcmp(ev->sys, "sched") && !strcmp(ev->name, "sched_process_exec")) {
		int err = runtime__watch_exec_perf(rt);

		if (err)
			return err;
	}
	if (ps->tp_fd < 0) {
		ps->tp_fd = runtime__load_prog(rt, prog, BPF_PROG_TYPE_TRACEPOINT,
					       &prog->code[TAP_CODE_PERF_TP]);
		if (ps->tp_fd < 0)
			return ps->tp_fd;
	}
	return runtime__attach_perf_event(rt, &attr, 0, ps->tp_fd, (__u64)idx);
}

static bool mine(const struct tap_tp_name *n)
{
	return !tap_syscall__owns(n->sys);
}

/* Whether the glob @spec left out lock:* and preemptirq:*. */
static bool inner_left_out(const char *spec)
{
	int i;

	for (i = 0; i < nr_matches; i++)
		if (!strcmp(matches[i].spec, spec))
			return matches[i].inner_left_out;
	return false;
}

static int tp_resolve(struct tap_events *evs, struct tap_object *obj,
		      const struct tap_spec *spec, int prog)
{
	const struct tap_tp_name *names;
	int i, n = tap_tp__resolve_match(obj, spec, &names);

	if (n > 0 && evs->verbose && inner_left_out(spec->text))
		pr_info(
			"perf tap: %s:%d:%d: '%s' leaves out lock:* and preemptirq:*, whose events fire inside BPF's map code; name them to trace them\n",
			obj->file, spec->line, spec->col, spec->text);

	for (i = 0; i < n; i++)
		if (mine(&names[i]) &&
		    !tap_events__add(evs, &tap_provider_tracepoint, names[i].sys, names[i].name,
				     prog))
			return -1;
	return n < 0 ? -1 : 0;
}

static int tp_code_kinds(const char *spec, bool uses_argstr)
{
	const struct tap_tp_name *names;
	int i, n = tap_tp__match(spec, &names);

	for (i = 0; i < n; i++) {
		if (!mine(&names[i]))
			continue;
		/* as tp_attach() attaches them */
		if (uses_argstr)
			return 1 << TAP_CODE_PERF_TP;
		return 1 << TAP_CODE_RAW | 1 << TAP_CODE_PERF_TP;
	}
	return n < 0 ? n : 0;
}

int tap_tp__field_type(const char *spec, struct tap_field_check *fc, bool syscalls)
{
	const struct tap_tp_name *names;
	int i, n = tap_tp__match(spec, &names);

	if (n < 0) {
		snprintf(fc->why, fc->why_size, "cannot read the events of '%s'", spec);
		return -1;
	}
	for (i = 0; i < n; i++)
		if (tap_syscall__owns(names[i].sys) == syscalls &&
		    check_field(fc, names[i].sys, names[i].name))
			return -1;
	return 0;
}

static int tp_field_type(const char *spec, struct tap_field_check *fc)
{
	return tap_tp__field_type(spec, fc, false);
}

static void tp_field(const struct tap_event *ev, const char *name, struct tap_field *f)
{
	tap_tp__record_field(ev, name, f);
}

static int tp_attach(struct runtime *rt, int idx)
{
	struct tap_event *ev = &rt->evs.ev[idx];
	int err;

	/* argstr needs the event's record: only perf tracepoints have it */
	if (rt->obj->progs[ev->prog].uses_argstr)
		return tap_tp__attach_perf(rt, idx);
	err = runtime__attach_raw(rt, rt->progs[ev->prog].fd, ev->name, (__u64)idx);
	/* an event with no tracepoint of its own name (one of a class's events) */
	if (err == -ENOENT)
		err = tap_tp__attach_perf(rt, idx);
	return err;
}

/*
 * The events that need the record go together where the kernel has the
 * tracepoint_multi link (tp-multi.c); the rest one at a time.
 */
const struct tap_provider tap_provider_tracepoint = {
	.name = "tracepoint",
	.claims = tap_tp__is_spec,
	.resolve = tp_resolve,
	.code_kinds = tp_code_kinds,
	.field_type = tp_field_type,
	.field = tp_field,
	.attach_group = tap_tp_multi__attach,
	.attach = tp_attach,
	.describe = tap_tp__describe,
};
