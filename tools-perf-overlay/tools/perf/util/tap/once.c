// SPDX-License-Identifier: GPL-2.0
/*
 * Programs run once through BPF_PROG_TEST_RUN: the top-level code and
 * trace_end.  Their output must not depend on the size of the rings.
 *
 * Such a run cannot wait for perf tap to read a full ring: the program
 * runs to its end inside one system call, and a record that does not fit
 * is refused (and counted).  So the run is pinned to one CPU, given a
 * ring there big enough for the tables it may print, and if records were
 * refused all the same, the maps are put back as they were before the run
 * and it runs again with a ring as big as the output turned out to need.
 * Nothing from a run that lost records is printed.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <internal/lib.h>
#include <linux/kernel.h>

#include "util/debug.h"
#include "output.h"
#include "runtime-int.h"
#include "track.h"

/* Rings larger than this are not tried: output beyond it is counted lost. */
#define RUN_RING_MAX	(1024UL * 1024 * 1024)
/* A perf sample around a record: header, time, cpu, raw size and padding. */
#define SAMPLE_OVERHEAD	32
/* Runs with a bigger ring after the first, at most. */
#define RUN_RETRIES	3

/* One table's elements, to put back when the run is repeated. */
struct table_copy {
	int fd;
	size_t key_size, value_size;	/* value_size: the copies of every CPU */
	size_t nr, alloc;
	char *keys, *values;
};

struct state_copy {
	char *globals;
	struct table_copy *tables;
	int nr_tables;
	size_t entries;			/* in all tables */
};

static int table_save(struct table_copy *t)
{
	char *key = malloc(t->key_size), *next = malloc(t->key_size);
	bool first = true;
	int err = 0;

	while (key && next && !bpf_map_get_next_key(t->fd, first ? NULL : key, next)) {
		first = false;
		memcpy(key, next, t->key_size);
		if (t->nr == t->alloc) {
			size_t n = t->alloc ? t->alloc * 2 : 64;
			char *k = realloc(t->keys, n * t->key_size);
			char *v = k ? realloc(t->values, n * t->value_size) : NULL;

			if (k)
				t->keys = k;
			if (!v) {
				err = -ENOMEM;
				break;
			}
			t->values = v;
			t->alloc = n;
		}
		if (bpf_map_lookup_elem(t->fd, key, t->values + t->nr * t->value_size))
			continue;	/* gone meanwhile */
		memcpy(t->keys + t->nr * t->key_size, key, t->key_size);
		t->nr++;
	}
	if (!key || !next)
		err = -ENOMEM;
	free(key);
	free(next);
	return err;
}

/* The tables as they are: every key, then the saved elements back in. */
static int table_restore(struct table_copy *t)
{
	struct table_copy now = { .fd = t->fd, .key_size = t->key_size,
				  .value_size = t->value_size };
	size_t i;
	int err;

	err = table_save(&now);
	for (i = 0; !err && i < now.nr; i++)
		bpf_map_delete_elem(t->fd, now.keys + i * t->key_size);
	for (i = 0; !err && i < t->nr; i++)
		err = bpf_map_update_elem(t->fd, t->keys + i * t->key_size,
					  t->values + i * t->value_size, BPF_ANY) ? -errno : 0;
	free(now.keys);
	free(now.values);
	return err;
}

static void state_free(struct state_copy *st)
{
	int i;

	for (i = 0; i < st->nr_tables; i++) {
		free(st->tables[i].keys);
		free(st->tables[i].values);
	}
	free(st->tables);
	free(st->globals);
	memset(st, 0, sizeof(*st));
}

static int state_save(struct runtime *rt, struct state_copy *st)
{
	struct tap_object *obj = rt->obj;
	int ncpus = libbpf_num_possible_cpus(), i;
	__u32 key = 0;

	st->globals = malloc(obj->globals_size);
	st->tables = calloc(obj->nr_maps, sizeof(*st->tables));
	if (!st->globals || !st->tables || ncpus <= 0)
		return -ENOMEM;
	if (bpf_map_lookup_elem(rt->map_fds[TAP_MAP_GLOBALS], &key, st->globals))
		return -errno;
	for (i = TAP_MAP_TABLE0; i < obj->nr_maps; i++) {
		struct tap_map_def *m = &obj->maps[i];
		struct table_copy *t = &st->tables[st->nr_tables++];
		int err;

		t->fd = rt->map_fds[i];
		t->key_size = m->key_size;
		t->value_size = m->value_size;
		if (m->type == BPF_MAP_TYPE_PERCPU_HASH || (m->flags & TAP_MAP_F_PERCPU))
			t->value_size = roundup(m->value_size, 8) * (size_t)ncpus;
		err = table_save(t);
		if (err)
			return err;
		st->entries += t->nr;
	}
	return 0;
}

static int state_restore(struct runtime *rt, struct state_copy *st)
{
	__u32 key = 0;
	int i, err = 0;

	if (rt->globals)
		memcpy(rt->globals, st->globals, rt->obj->globals_size);
	else if (bpf_map_update_elem(rt->map_fds[TAP_MAP_GLOBALS], &key, st->globals, BPF_ANY))
		return -errno;
	for (i = 0; i < st->nr_tables && !err; i++)
		err = table_restore(&st->tables[i]);
	return err;
}

/* The largest sample a record of this script makes in a ring. */
static size_t max_sample(struct tap_object *obj)
{
	size_t max = 0;
	int i;

	for (i = 0; i < obj->nr_recs; i++)
		if (obj->recs[i].size > max)
			max = obj->recs[i].size;
	return roundup(max, 8) + SAMPLE_OVERHEAD;
}

/* A run's records: printed, or, from a run that lost some, only measured. */
struct run_output {
	struct runtime *rt;
	int cpu;		/* the run's CPU: its records are the run's */
	bool discard;
	size_t bytes;		/* of the run's records seen */
};

static int run_record(void *arg, int cpu, u64 time, const void *data, u32 size)
{
	struct run_output *ro = arg;

	if (ro->discard && cpu == ro->cpu) {
		ro->bytes += roundup(size, 8) + SAMPLE_OVERHEAD;
		return 0;
	}
	return ro->rt->emit(ro->rt->emit_arg, cpu, time, data, size);
}

static int set_output(struct runtime *rt, int cpu, int fd)
{
	__u32 key = (__u32)cpu;

	return bpf_map_update_elem(rt->map_fds[TAP_MAP_EVENTS], &key, &fd, BPF_ANY);
}

static int test_run(struct runtime *rt, int prog)
{
	LIBBPF_OPTS(bpf_test_run_opts, topts);
	__u64 ctx[2] = { 0, 0 };

	topts.ctx_in = ctx;
	topts.ctx_size_in = sizeof(ctx);
	if (bpf_prog_test_run_opts(rt->progs[prog].fd, &topts)) {
		pr_err("perf tap: cannot run %s: %s\n", rt->obj->progs[prog].name,
		       strerror(errno));
		return -errno;
	}
	return 0;
}

/*
 * Run @prog once, at most RUN_RETRIES + 1 times until none of its records
 * was refused, with a ring of its own on its CPU when the regular one is
 * too small for what it may print.
 */
static int run_pinned(struct runtime *rt, int prog, int cpu)
{
	struct run_output ro = { .rt = rt, .cpu = cpu };
	struct state_copy st = { 0 };
	size_t need, sample = max_sample(rt->obj);
	struct tap_output *own = NULL, *out;
	bool saved, own_failed = false;
	int attempt, err = 0;

	/* what may be printed: every table element once, and a bit */
	saved = !state_save(rt, &st);
	need = (st.entries + 1024) * sample;
	for (attempt = 0; ; attempt++) {
		__u64 refused = runtime__get_global(rt, TAP_G_OUTFAIL), lost;

		out = rt->out;
		if (need > tap_output__ring_bytes(rt->out) && !own_failed) {
			size_t pages = roundup(need, page_size) / page_size;

			pages = min(pages, RUN_RING_MAX / page_size);
			own = tap_output__new_cpu(cpu, (unsigned int)pages);
			if (own && !set_output(rt, cpu, tap_output__fd(own, cpu))) {
				out = own;
			} else {
				tap_output__delete(own);
				own = NULL;
				own_failed = true;
			}
		}
		lost = tap_output__lost(out);
		err = test_run(rt, prog);
		if (err)
			break;
		refused = runtime__get_global(rt, TAP_G_OUTFAIL) - refused;
		ro.discard = refused && saved && attempt < RUN_RETRIES && !own_failed &&
			     (!own || tap_output__ring_bytes(own) < RUN_RING_MAX);
		ro.bytes = 0;
		tap_output__drain(out, run_record, &ro);
		if (!ro.discard) {
			if (own)
				rt->lost_extra += tap_output__lost(own);
			break;
		}
		/* not one record of this run is printed: run it again, all of it */
		if (!own)
			rt->lost_discarded += tap_output__lost(out) - lost;
		need = (ro.bytes + refused * sample) * 2;
		if (own) {
			set_output(rt, cpu, tap_output__fd(rt->out, cpu));
			tap_output__delete(own);
			own = NULL;
		}
		err = state_restore(rt, &st);
		if (err) {
			pr_err("perf tap: cannot run %s again: %s\n",
			       rt->obj->progs[prog].name, strerror(-err));
			break;
		}
	}
	if (own) {
		set_output(rt, cpu, tap_output__fd(rt->out, cpu));
		tap_output__delete(own);
	}
	state_free(&st);
	fflush(rt->printer.fp);
	return err;
}

int runtime__run_once(struct runtime *rt, int prog)
{
	cpu_set_t old, one;
	int cpu, err;

	/* what came before prints before; mappings first, for ustack() */
	tap_track__drain(rt->track);
	tap_output__drain(rt->out, rt->emit, rt->emit_arg);
	cpu = sched_getcpu();
	if (cpu < 0 || tap_output__fd(rt->out, cpu) < 0 ||
	    sched_getaffinity(0, sizeof(old), &old))
		cpu = -1;
	CPU_ZERO(&one);
	if (cpu >= 0)
		CPU_SET(cpu, &one);
	if (cpu < 0 || sched_setaffinity(0, sizeof(one), &one)) {
		/* not pinned: the output goes where the run happens to be */
		err = test_run(rt, prog);
		tap_output__drain(rt->out, rt->emit, rt->emit_arg);
		fflush(rt->printer.fp);
		return err;
	}
	err = run_pinned(rt, prog, cpu);
	sched_setaffinity(0, sizeof(old), &old);
	return err;
}
