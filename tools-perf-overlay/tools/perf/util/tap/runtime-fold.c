// SPDX-License-Identifier: GPL-2.0
/*
 * Tables keyed by --call-graph dwarf stacks, folded.  The BPF program
 * cannot know a snapshot's frames, so the value ustack() returns names the
 * snapshot and 't[ustack()] += 1' makes an element per sample.  Once user
 * space has unwound a snapshot (unwind.c), each element whose key holds
 * its value moves to the key of the first snapshot that unwound to the
 * same frames, merged into the element there as the table's updates would
 * have made it: counts and sums added, minimums and maximums kept,
 * buckets added; a table of numbers only ever added to adds; in any other
 * table the later element's value replaces the earlier, as the later
 * assignment would have.  So len(), pairs(), t[k], print_hist and
 * --table-size see one element per stack, as with frame pointers.
 *
 * Why here, with the bpf() syscalls, and not in a BPF program: the frames
 * exist only in user space, and a pass every 100 ms over the tables that
 * have stack keys costs a syscall or three per element moved.  The pass
 * runs after a drain of the rings, over values unwound in earlier drains
 * only (the probe that took a snapshot updates its element right after it
 * sends the snapshot), and once more after the probes have stopped, before
 * trace_end, over everything: the tables trace_end reads are folded fully.
 * While probes run, a probe's read or delete of an element being moved may
 * see it in both places or in neither for an instant; a probe's own
 * t[ustack()] always sees a new element of its own.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <linux/kernel.h>
#include <linux/zalloc.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "util/debug.h"
#include "runtime-int.h"
#include "unwind.h"

/* How often a running trace's tables are folded */
#define FOLD_INTERVAL_NS	(100 * 1000000ULL)

struct fold {
	struct tap_unwind *u;
	const struct tap_map_def *m;
	int fd;
	bool all;
	int copies;			/* per-CPU tables: the CPUs; else 1 */
	size_t stride;			/* bytes of one copy of a value */
	char *c, *n;			/* the element folded into, the one moved */
	char *ckey;
	unsigned long moved, failed;
};

/* Where key part @k starts in the table's key. */
static unsigned int key_off(const struct tap_map_def *m, int k)
{
	unsigned int off = 0;
	int i;

	for (i = 0; i < k; i++)
		off += m->keys[i].size;
	return off;
}

static bool has_stack_key(const struct tap_map_def *m)
{
	int k;

	for (k = 0; k < m->nr_keys; k++)
		if (m->keys[k].kind == TAP_T_STACK)
			return true;
	return false;
}

/*
 * The key element @key belongs under, into f->ckey: true if it is not
 * @key itself.  Every stack part is folded.
 */
static bool fold_key(struct fold *f, const char *key)
{
	bool moved = false;
	int k;

	memcpy(f->ckey, key, f->m->key_size);
	for (k = 0; k < f->m->nr_keys; k++) {
		unsigned int off = key_off(f->m, k);
		__u64 v, canon;

		if (f->m->keys[k].kind != TAP_T_STACK)
			continue;
		memcpy(&v, key + off, sizeof(v));
		if (!tap_unwind__canonical(f->u, v, f->all, &canon))
			continue;
		memcpy(f->ckey + off, &canon, sizeof(canon));
		moved = true;
	}
	return moved;
}

static __u64 get64(const char *p, unsigned int off)
{
	__u64 v;

	memcpy(&v, p + off, sizeof(v));
	return v;
}

static void put64(char *p, unsigned int off, __u64 v)
{
	memcpy(p + off, &v, sizeof(v));
}

/* An aggregation's copy @n into @c: count, sum, min, max, buckets. */
static void merge_agg(char *c, const char *n, unsigned int size)
{
	unsigned int off;

	if (!get64(n, TAP_AGG_COUNT))
		return;
	if (!get64(c, TAP_AGG_COUNT)) {
		memcpy(c, n, size);
		return;
	}
	put64(c, TAP_AGG_COUNT, get64(c, TAP_AGG_COUNT) + get64(n, TAP_AGG_COUNT));
	put64(c, TAP_AGG_SUM, get64(c, TAP_AGG_SUM) + get64(n, TAP_AGG_SUM));
	if ((__s64)get64(n, TAP_AGG_MIN) < (__s64)get64(c, TAP_AGG_MIN))
		put64(c, TAP_AGG_MIN, get64(n, TAP_AGG_MIN));
	if ((__s64)get64(n, TAP_AGG_MAX) > (__s64)get64(c, TAP_AGG_MAX))
		put64(c, TAP_AGG_MAX, get64(n, TAP_AGG_MAX));
	for (off = TAP_AGG_HIST; off + 8 <= size; off += 8)
		put64(c, off, get64(c, off) + get64(n, off));
}

/* The value f->n into f->c, copy by copy. */
static void merge(struct fold *f)
{
	const struct tap_map_def *m = f->m;
	int i;

	for (i = 0; i < f->copies; i++) {
		char *c = f->c + i * f->stride;
		const char *n = f->n + i * f->stride;

		if (m->type == BPF_MAP_TYPE_PERCPU_HASH)
			merge_agg(c, n, m->value_size);
		else if (m->flags & (TAP_MAP_F_PERCPU | TAP_MAP_F_ADDED))
			put64(c, 0, get64(c, 0) + get64(n, 0));
		else
			memcpy(c, n, m->value_size);
	}
}

/* Move the element of @key to f->ckey, merged into what is there. */
static void fold_one(struct fold *f, const char *key)
{
	if (bpf_map_lookup_elem(f->fd, key, f->n))
		return;		/* deleted by the script, or moved already */
	if (!bpf_map_lookup_elem(f->fd, f->ckey, f->c)) {
		merge(f);
		if (bpf_map_update_elem(f->fd, f->ckey, f->c, BPF_EXIST))
			goto failed;
		bpf_map_delete_elem(f->fd, key);
		f->moved++;
		return;
	}
	/* nothing there: the element moves; its own slot makes room in a full table */
	bpf_map_delete_elem(f->fd, key);
	if (!bpf_map_update_elem(f->fd, f->ckey, f->n, BPF_NOEXIST)) {
		f->moved++;
		return;
	}
	/* a probe took the slot: put the element back where it was */
	bpf_map_update_elem(f->fd, key, f->n, BPF_NOEXIST);
failed:
	f->failed++;
}

/* Snapshot numbers grow with time: keys in that order, so the later value replaces */
struct order {
	__u64 seq;
	size_t idx;
};

static int cmp_order(const void *a, const void *b)
{
	const struct order *x = a, *y = b;

	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static __u64 key_seq(const struct tap_map_def *m, const char *key)
{
	int k;

	for (k = 0; k < m->nr_keys; k++)
		if (m->keys[k].kind == TAP_T_STACK)
			return get64(key, key_off(m, k)) & 0x7fffffff;
	return 0;
}

static int fold_table(struct runtime *rt, struct fold *f, int map)
{
	const struct tap_map_def *m = &rt->obj->maps[map];
	size_t ksize = m->key_size, nr = 0, i;
	char *keys = NULL, *prev = NULL;
	struct order *order = NULL;
	int err = -ENOMEM;

	f->m = m;
	f->fd = rt->map_fds[map];
	f->copies = 1;
	f->stride = m->value_size;
	if (m->type == BPF_MAP_TYPE_PERCPU_HASH || (m->flags & TAP_MAP_F_PERCPU)) {
		f->copies = libbpf_num_possible_cpus();
		f->stride = roundup(m->value_size, 8);
	}
	if (f->copies <= 0)
		return -EINVAL;
	f->c = malloc(f->stride * f->copies);
	f->n = malloc(f->stride * f->copies);
	f->ckey = malloc(ksize);
	/* the keys first: moving elements while walking the map would restart the walk */
	keys = malloc(ksize * (m->max_entries ?: 1));
	order = calloc(m->max_entries ?: 1, sizeof(*order));
	if (!f->c || !f->n || !f->ckey || !keys || !order)
		goto out;
	while (nr < m->max_entries && !bpf_map_get_next_key(f->fd, prev, keys + nr * ksize)) {
		prev = keys + nr * ksize;
		order[nr].seq = key_seq(m, prev);
		order[nr].idx = nr;
		nr++;
	}
	qsort(order, nr, sizeof(*order), cmp_order);
	for (i = 0; i < nr; i++) {
		const char *key = keys + order[i].idx * ksize;

		if (fold_key(f, key))
			fold_one(f, key);
	}
	err = 0;
out:
	zfree(&f->c);
	zfree(&f->n);
	zfree(&f->ckey);
	free(keys);
	free(order);
	return err;
}

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + (__u64)ts.tv_nsec;
}

void runtime__fold_stacks(struct runtime *rt, bool all)
{
	struct fold f = { .u = rt->printer.unwind, .all = all };
	bool walk;
	int i;

	if (!f.u)
		return;
	walk = all || (tap_unwind__fold_due(f.u) && now_ns() - rt->fold_ns >= FOLD_INTERVAL_NS);
	for (i = TAP_MAP_TABLE0; walk && i < rt->obj->nr_maps; i++) {
		if (rt->map_fds[i] < 0 || !has_stack_key(&rt->obj->maps[i]))
			continue;
		if (fold_table(rt, &f, i))
			pr_debug("perf tap: cannot fold table %s: out of memory\n",
				 rt->obj->maps[i].name);
	}
	if (walk)
		rt->fold_ns = now_ns();
	if (f.moved || f.failed)
		pr_debug("perf tap: %lu table elements of DWARF stacks folded, %lu not (a probe raced)\n",
			 f.moved, f.failed);
	tap_unwind__fold_done(f.u, walk);
}
