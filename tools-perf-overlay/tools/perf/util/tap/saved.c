// SPDX-License-Identifier: GPL-2.0
/*
 * The HEADER_TAP feature of a perf tap record file as bytes and back:
 * what report needs besides the samples (struct tap_saved).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "saved.h"

static int cmp_stack(const void *a, const void *b)
{
	const struct tap_saved_stack *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

void tap_saved__free_stacks(struct tap_saved_stack *stacks, int nr)
{
	for (int i = 0; i < nr; i++)
		free(stacks[i].ips);
	free(stacks);
}

void tap_saved__sort_stacks(struct tap_saved *s)
{
	qsort(s->stacks, s->nr_stacks, sizeof(*s->stacks), cmp_stack);
}

/* ---- the HEADER_TAP feature's bytes ------------------------------------ */

/*
 * Layout (host byte order, as the tap object's):
 *
 *	"TAPDATA\0"  u32 version  u32 bytes-that-follow
 *	u32 size, the tap object (tap_object__serialize())
 *	u32 count, then per event: sys, name, path (strings), u32 prog,
 *	    u32 syscall_nr, u32 flags (1 sys_exit, 4 kretprobe; 2 unused), u64 offset
 *	u32 count, then per stack: u32 id, u32 frames, u64 frames[]
 *	u32 count, then the struct tap_losses counters as u64s
 *
 * A string is a u32 length + 1 (0 for none) and its bytes.
 */
static const char saved_magic[8] = "TAPDATA";

/* SAVED_COUNTERS are written; a file of an earlier writer has the first 9 */
#define SAVED_COUNTERS		10
#define SAVED_COUNTERS_MIN	9

int tap_saved__encode(const struct tap_saved *s, void **data, size_t *size)
{
	const struct tap_losses *l = &s->losses;
	struct tap_wbuf b = { 0 };
	void *obj;
	size_t obj_size;
	int i, err;

	err = tap_object__serialize(s->obj, &obj, &obj_size);
	if (err)
		return err;
	tap_wbuf__put(&b, saved_magic, sizeof(saved_magic));
	tap_wbuf__put_u32(&b, TAP_SAVED_VERSION);
	tap_wbuf__put_u32(&b, 0);			/* the length, filled in below */
	tap_wbuf__put_u32(&b, (__u32)obj_size);
	tap_wbuf__put(&b, obj, obj_size);
	free(obj);
	tap_wbuf__put_u32(&b, (__u32)s->nr_evs);
	for (i = 0; i < s->nr_evs; i++) {
		const struct tap_event *ev = &s->evs[i];

		tap_wbuf__put_str(&b, ev->sys);
		tap_wbuf__put_str(&b, ev->name);
		tap_wbuf__put_str(&b, ev->path);
		tap_wbuf__put_u32(&b, (__u32)ev->prog);
		tap_wbuf__put_u32(&b, (__u32)ev->syscall_nr);
		tap_wbuf__put_u32(&b, (ev->sys_exit ? 1 : 0) | (ev->kretprobe ? 4 : 0));
		tap_wbuf__put_u64(&b, ev->offset);
	}
	tap_wbuf__put_u32(&b, (__u32)s->nr_stacks);
	for (i = 0; i < s->nr_stacks; i++) {
		tap_wbuf__put_u32(&b, s->stacks[i].id);
		tap_wbuf__put_u32(&b, s->stacks[i].nr);
		tap_wbuf__put(&b, s->stacks[i].ips, s->stacks[i].nr * sizeof(__u64));
	}
	tap_wbuf__put_u32(&b, SAVED_COUNTERS);
	tap_wbuf__put_u64(&b, l->records);
	tap_wbuf__put_u64(&b, l->drops);
	tap_wbuf__put_u64(&b, l->loops);
	tap_wbuf__put_u64(&b, l->stacks_collided);
	tap_wbuf__put_u64(&b, l->track);
	tap_wbuf__put_u64(&b, l->table_entries);
	tap_wbuf__put_u64(&b, l->loop_max);
	tap_wbuf__put_u64(&b, l->stack_entries);
	tap_wbuf__put_u64(&b, l->stack_buckets);
	tap_wbuf__put_u64(&b, l->nested);
	if (b.err) {
		free(b.p);
		return b.err;
	}
	*(__u32 *)(b.p + sizeof(saved_magic) + 4) = (__u32)(b.len - sizeof(saved_magic) - 8);
	*data = b.p;
	*size = b.len;
	return 0;
}

/* A string of its own, or NULL */
static char *get_str(struct tap_rbuf *b)
{
	size_t n;
	const char *p = tap_rbuf__get_bytes(b, &n);
	char *s;

	if (!p)
		return NULL;
	s = strndup(p, n);
	if (!s)
		b->err = -ENOMEM;
	return s;
}

static void get_events(struct tap_rbuf *b, struct tap_saved *s)
{
	__u32 n = tap_rbuf__get_count(b, 28, UINT32_MAX), i;

	s->evs = calloc(n + 1, sizeof(*s->evs));
	if (!s->evs) {
		b->err = -ENOMEM;
		return;
	}
	for (i = 0; i < n && !b->err; i++) {
		struct tap_event *ev = &s->evs[i];
		__u32 flags;

		s->nr_evs++;
		ev->sys = get_str(b);
		ev->name = get_str(b);
		ev->path = get_str(b);
		ev->prog = (int)tap_rbuf__get_u32(b);
		ev->syscall_nr = (int)tap_rbuf__get_u32(b);
		flags = tap_rbuf__get_u32(b);
		ev->sys_exit = flags & 1;
		ev->kretprobe = flags & 4;
		ev->offset = tap_rbuf__get_u64(b);
		if (!b->err && (!ev->sys || !ev->name || ev->prog < 0 ||
				ev->prog >= s->obj->nr_progs))
			b->err = -EINVAL;
	}
}

static void get_stacks(struct tap_rbuf *b, struct tap_saved *s)
{
	__u32 n = tap_rbuf__get_count(b, 8, UINT32_MAX), i;

	s->stacks = calloc(n + 1, sizeof(*s->stacks));
	if (!s->stacks) {
		b->err = -ENOMEM;
		return;
	}
	for (i = 0; i < n && !b->err; i++) {
		struct tap_saved_stack *st = &s->stacks[i];

		st->id = tap_rbuf__get_u32(b);
		st->nr = tap_rbuf__get_count(b, sizeof(__u64), UINT32_MAX);
		if (st->nr > TAP_STACK_DEPTH || (i && st->id <= st[-1].id)) {
			b->err = -EINVAL;
			break;
		}
		st->ips = malloc(st->nr * sizeof(__u64) + 1);
		if (!st->ips) {
			b->err = -ENOMEM;
			break;
		}
		s->nr_stacks++;
		tap_rbuf__get(b, st->ips, st->nr * sizeof(__u64));
	}
}

int tap_saved__decode(const void *data, size_t size, struct tap_saved *s, __u32 version[2])
{
	struct tap_rbuf b = { .p = data, .end = (const char *)data + size };
	struct tap_losses *l = &s->losses;
	char magic[sizeof(saved_magic)];
	__u32 len, obj_size, n;

	memset(s, 0, sizeof(*s));
	version[0] = 0;
	version[1] = 0;
	tap_rbuf__get(&b, magic, sizeof(magic));
	version[0] = tap_rbuf__get_u32(&b);
	len = tap_rbuf__get_u32(&b);
	if (b.err || memcmp(magic, saved_magic, sizeof(magic)) || len != (size_t)(b.end - b.p))
		return -EINVAL;
	if (version[0] != TAP_SAVED_VERSION)
		return -EPROTONOSUPPORT;
	obj_size = tap_rbuf__get_count(&b, 1, UINT32_MAX);
	if (b.err)
		return b.err;
	/* the object's own version, after its 8-byte magic */
	if (obj_size >= 12)
		memcpy(&version[1], b.p + 8, sizeof(version[1]));
	b.err = tap_object__deserialize(b.p, obj_size, &s->obj);
	if (b.err)
		return b.err;
	b.p += obj_size;
	get_events(&b, s);
	get_stacks(&b, s);
	/* counters a later writer adds to this version are skipped */
	n = tap_rbuf__get_count(&b, sizeof(__u64), UINT32_MAX);
	if (!b.err && n < SAVED_COUNTERS_MIN)
		b.err = -EINVAL;
	l->records = tap_rbuf__get_u64(&b);
	l->drops = tap_rbuf__get_u64(&b);
	l->loops = tap_rbuf__get_u64(&b);
	l->stacks_collided = tap_rbuf__get_u64(&b);
	l->track = tap_rbuf__get_u64(&b);
	l->table_entries = (__u32)tap_rbuf__get_u64(&b);
	l->loop_max = (__u32)tap_rbuf__get_u64(&b);
	l->stack_entries = (__u32)tap_rbuf__get_u64(&b);
	l->stack_buckets = (__u32)tap_rbuf__get_u64(&b);
	if (n > SAVED_COUNTERS_MIN)
		l->nested = tap_rbuf__get_u64(&b);
	if (b.err) {
		tap_saved__exit(s);
		return b.err;
	}
	return 0;
}

void tap_saved__exit(struct tap_saved *s)
{
	int i;

	for (i = 0; i < s->nr_evs; i++) {
		free(s->evs[i].sys);
		free(s->evs[i].name);
		free(s->evs[i].path);
	}
	free(s->evs);
	tap_saved__free_stacks(s->stacks, s->nr_stacks);
	tap_object__delete(s->obj);
	memset(s, 0, sizeof(*s));
}

int tap_saved__stack(const struct tap_saved *s, __u32 id, __u64 *ips)
{
	struct tap_saved_stack key = { .id = id };
	const struct tap_saved_stack *st;

	st = bsearch(&key, s->stacks, s->nr_stacks, sizeof(*st), cmp_stack);
	if (!st)
		return -ENOENT;
	memset(ips, 0, TAP_STACK_DEPTH * sizeof(*ips));
	memcpy(ips, st->ips, st->nr * sizeof(*ips));
	return 0;
}
