// SPDX-License-Identifier: GPL-2.0
/*
 * The HEADER_TAP feature of a perf tap record file as bytes and back:
 * what report needs besides the samples (struct tap_saved).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

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

#define SAVED_COUNTERS	9

struct obuf {
	char *p;
	size_t len, cap;
	int err;
};

static void put(struct obuf *b, const void *data, size_t size)
{
	if (b->err)
		return;
	if (b->len + size > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		char *p;

		while (cap < b->len + size)
			cap *= 2;
		p = realloc(b->p, cap);
		if (!p) {
			b->err = -ENOMEM;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, data, size);
	b->len += size;
}

static void put_u32(struct obuf *b, __u32 v)
{
	put(b, &v, sizeof(v));
}

static void put_u64(struct obuf *b, __u64 v)
{
	put(b, &v, sizeof(v));
}

static void put_str(struct obuf *b, const char *s)
{
	put_u32(b, s ? (__u32)strlen(s) + 1 : 0);
	if (s)
		put(b, s, strlen(s));
}

int tap_saved__encode(const struct tap_saved *s, void **data, size_t *size)
{
	const struct tap_losses *l = &s->losses;
	struct obuf b = { 0 };
	void *obj;
	size_t obj_size;
	int i, err;

	err = tap_object__serialize(s->obj, &obj, &obj_size);
	if (err)
		return err;
	put(&b, saved_magic, sizeof(saved_magic));
	put_u32(&b, TAP_SAVED_VERSION);
	put_u32(&b, 0);			/* the length, filled in below */
	put_u32(&b, (__u32)obj_size);
	put(&b, obj, obj_size);
	free(obj);
	put_u32(&b, (__u32)s->nr_evs);
	for (i = 0; i < s->nr_evs; i++) {
		const struct tap_event *ev = &s->evs[i];

		put_str(&b, ev->sys);
		put_str(&b, ev->name);
		put_str(&b, ev->path);
		put_u32(&b, (__u32)ev->prog);
		put_u32(&b, (__u32)ev->syscall_nr);
		put_u32(&b, (ev->sys_exit ? 1 : 0) | (ev->kretprobe ? 4 : 0));
		put_u64(&b, ev->offset);
	}
	put_u32(&b, (__u32)s->nr_stacks);
	for (i = 0; i < s->nr_stacks; i++) {
		put_u32(&b, s->stacks[i].id);
		put_u32(&b, s->stacks[i].nr);
		put(&b, s->stacks[i].ips, s->stacks[i].nr * sizeof(__u64));
	}
	put_u32(&b, SAVED_COUNTERS);
	put_u64(&b, l->records);
	put_u64(&b, l->drops);
	put_u64(&b, l->loops);
	put_u64(&b, l->stacks_collided);
	put_u64(&b, l->track);
	put_u64(&b, l->table_entries);
	put_u64(&b, l->loop_max);
	put_u64(&b, l->stack_entries);
	put_u64(&b, l->stack_buckets);
	if (b.err) {
		free(b.p);
		return b.err;
	}
	*(__u32 *)(b.p + sizeof(saved_magic) + 4) = (__u32)(b.len - sizeof(saved_magic) - 8);
	*data = b.p;
	*size = b.len;
	return 0;
}

struct ibuf {
	const char *p, *end;
	int err;
};

static void get(struct ibuf *b, void *out, size_t size)
{
	if (b->err || (size_t)(b->end - b->p) < size) {
		b->err = -EINVAL;
		memset(out, 0, size);
		return;
	}
	memcpy(out, b->p, size);
	b->p += size;
}

static __u32 get_u32(struct ibuf *b)
{
	__u32 v;

	get(b, &v, sizeof(v));
	return v;
}

static __u64 get_u64(struct ibuf *b)
{
	__u64 v;

	get(b, &v, sizeof(v));
	return v;
}

/* A count of items of at least @min_size bytes: no more than the bytes left hold. */
static __u32 get_count(struct ibuf *b, size_t min_size)
{
	__u32 n = get_u32(b);

	if (!b->err && (size_t)(b->end - b->p) / min_size < n)
		b->err = -EINVAL;
	return b->err ? 0 : n;
}

static char *get_str(struct ibuf *b)
{
	__u32 n = get_u32(b);
	char *s;

	if (b->err || !n)
		return NULL;
	if ((size_t)(b->end - b->p) < n - 1) {
		b->err = -EINVAL;
		return NULL;
	}
	s = strndup(b->p, n - 1);
	if (!s)
		b->err = -ENOMEM;
	b->p += n - 1;
	return s;
}

static void get_events(struct ibuf *b, struct tap_saved *s)
{
	__u32 n = get_count(b, 28), i;

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
		ev->prog = (int)get_u32(b);
		ev->syscall_nr = (int)get_u32(b);
		flags = get_u32(b);
		ev->sys_exit = flags & 1;
		ev->kretprobe = flags & 4;
		ev->offset = get_u64(b);
		if (!b->err && (!ev->sys || !ev->name || ev->prog < 0 ||
				ev->prog >= s->obj->nr_progs))
			b->err = -EINVAL;
	}
}

static void get_stacks(struct ibuf *b, struct tap_saved *s)
{
	__u32 n = get_count(b, 8), i;

	s->stacks = calloc(n + 1, sizeof(*s->stacks));
	if (!s->stacks) {
		b->err = -ENOMEM;
		return;
	}
	for (i = 0; i < n && !b->err; i++) {
		struct tap_saved_stack *st = &s->stacks[i];

		st->id = get_u32(b);
		st->nr = get_count(b, sizeof(__u64));
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
		get(b, st->ips, st->nr * sizeof(__u64));
	}
}

int tap_saved__decode(const void *data, size_t size, struct tap_saved *s, __u32 version[2])
{
	struct ibuf b = { .p = data, .end = (const char *)data + size };
	struct tap_losses *l = &s->losses;
	char magic[sizeof(saved_magic)];
	__u32 len, obj_size, n;

	memset(s, 0, sizeof(*s));
	version[0] = 0;
	version[1] = 0;
	get(&b, magic, sizeof(magic));
	version[0] = get_u32(&b);
	len = get_u32(&b);
	if (b.err || memcmp(magic, saved_magic, sizeof(magic)) || len != (size_t)(b.end - b.p))
		return -EINVAL;
	if (version[0] != TAP_SAVED_VERSION)
		return -EPROTONOSUPPORT;
	obj_size = get_count(&b, 1);
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
	n = get_count(&b, sizeof(__u64));
	if (!b.err && n < SAVED_COUNTERS)
		b.err = -EINVAL;
	l->records = get_u64(&b);
	l->drops = get_u64(&b);
	l->loops = get_u64(&b);
	l->stacks_collided = get_u64(&b);
	l->track = get_u64(&b);
	l->table_entries = (__u32)get_u64(&b);
	l->loop_max = (__u32)get_u64(&b);
	l->stack_entries = (__u32)get_u64(&b);
	l->stack_buckets = (__u32)get_u64(&b);
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
