// SPDX-License-Identifier: GPL-2.0
/*
 * The tap object as bytes, for perf tap record to save with a trace and
 * report to read back: everything the runtime uses, nothing of the
 * compiler.
 *
 * Layout (host byte order; a reader of the other order sees a version it
 * does not know and says so):
 *
 *	"TAPOBJ\0\0"  u32 version  u32 bytes-that-follow
 *	object scalars, file, text, field names, kernel_v() symbols,
 *	strftime() formats
 *	maps:     count, then each map's definition and table layout
 *	programs: count, then each program's scalars, specs and code
 *	records:  count, then each record layout
 *
 * Strings and arrays are a u32 length and then their bytes.  The reader
 * checks every length against what is left, so a damaged file is an
 * error, never a crash.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "object.h"

static const char magic[8] = "TAPOBJ";

static void put_layout(struct tap_wbuf *w, const struct tap_layout *l)
{
	tap_wbuf__put_u32(w, l->kind);
	tap_wbuf__put_u32(w, l->size);
}

static void put_code(struct tap_wbuf *w, const struct tap_code *code)
{
	tap_wbuf__put_u32(w, code->insns ? code->cnt : 0);
	if (!code->insns)
		return;
	tap_wbuf__put(w, code->insns, code->cnt * sizeof(*code->insns));
	tap_wbuf__put(w, code->lines, code->cnt * sizeof(*code->lines));
	tap_wbuf__put_u32(w, (__u32)code->nr_funcs);
	tap_wbuf__put(w, code->func_off, code->nr_funcs * sizeof(*code->func_off));
}

static void put_prog(struct tap_wbuf *w, const struct tap_prog_def *prog)
{
	int i;

	tap_wbuf__put_u32(w, prog->kind);
	tap_wbuf__put(w, prog->name, sizeof(prog->name));
	tap_wbuf__put_u32(w, prog->stack_size);
	tap_wbuf__put_u32(w, (__u32)prog->line);
	tap_wbuf__put_u32(w, (__u32)prog->col);
	tap_wbuf__put_u32(w, prog->uses_argstr);
	tap_wbuf__put_u64(w, (__u64)prog->period_ns);
	tap_wbuf__put_u32(w, prog->profile);
	tap_wbuf__put_u32(w, prog->optional);
	tap_wbuf__put_u32(w, (__u32)prog->nr_specs);
	for (i = 0; i < prog->nr_specs; i++) {
		tap_wbuf__put_str(w, prog->specs[i].text);
		tap_wbuf__put_u32(w, (__u32)prog->specs[i].line);
		tap_wbuf__put_u32(w, (__u32)prog->specs[i].col);
	}
	for (i = 0; i < TAP_CODE_NR; i++)
		put_code(w, &prog->code[i]);
}

static void put_map(struct tap_wbuf *w, const struct tap_map_def *m)
{
	int k;

	tap_wbuf__put(w, m->name, sizeof(m->name));
	tap_wbuf__put_u32(w, m->type);
	tap_wbuf__put_u32(w, m->key_size);
	tap_wbuf__put_u32(w, m->value_size);
	tap_wbuf__put_u32(w, m->max_entries);
	tap_wbuf__put_u32(w, m->flags);
	tap_wbuf__put_u32(w, (__u32)m->nr_keys);
	for (k = 0; k < m->nr_keys; k++)
		put_layout(w, &m->keys[k]);
	put_layout(w, &m->value);
	tap_wbuf__put_u32(w, (__u32)m->hist_nr);
	tap_wbuf__put_u64(w, (__u64)m->hist_min);
	tap_wbuf__put_u64(w, (__u64)m->hist_max);
	tap_wbuf__put_u64(w, (__u64)m->hist_step);
	tap_wbuf__put_bytes(w, m->data, m->value_size);
}

static void put_rec(struct tap_wbuf *w, const struct tap_rec_def *r)
{
	int a;

	tap_wbuf__put_u32(w, r->kind);
	tap_wbuf__put_bytes(w, r->fmt, (size_t)r->fmt_len);
	tap_wbuf__put_u32(w, (__u32)r->nargs);
	for (a = 0; a < r->nargs; a++) {
		tap_wbuf__put_u32(w, r->args[a].kind);
		tap_wbuf__put_u32(w, r->args[a].offset);
	}
	tap_wbuf__put_u32(w, r->size);
	tap_wbuf__put_u32(w, (__u32)r->map);
	tap_wbuf__put_u32(w, (__u32)r->line);
}

int tap_object__serialize(const struct tap_object *obj, void **data, size_t *size)
{
	struct tap_wbuf w = { 0 };
	int i;

	tap_wbuf__put(&w, magic, sizeof(magic));
	tap_wbuf__put_u32(&w, TAP_OBJECT_VERSION);
	tap_wbuf__put_u32(&w, 0);			/* the length, filled in below */
	tap_wbuf__put_str(&w, obj->file);
	tap_wbuf__put_bytes(&w, obj->text, obj->text_len);
	tap_wbuf__put_u32(&w, obj->str_size);
	tap_wbuf__put_u32(&w, obj->globals_size);
	tap_wbuf__put_u32(&w, obj->scratch_size);
	tap_wbuf__put_u32(&w, obj->table_entries);
	tap_wbuf__put_u32(&w, obj->loop_max);
	tap_wbuf__put_u32(&w, obj->uses_stacks);
	tap_wbuf__put_u32(&w, obj->uses_task);
	tap_wbuf__put_u32(&w, (__u32)obj->nr_fields);
	for (i = 0; i < obj->nr_fields; i++)
		tap_wbuf__put_str(&w, obj->fields[i]);
	tap_wbuf__put_u32(&w, (__u32)obj->nr_ksyms);
	for (i = 0; i < obj->nr_ksyms; i++)
		tap_wbuf__put_str(&w, obj->ksyms[i]);
	tap_wbuf__put_u32(&w, (__u32)obj->nr_timefmts);
	for (i = 0; i < obj->nr_timefmts; i++)
		tap_wbuf__put_str(&w, obj->timefmts[i]);
	tap_wbuf__put_u32(&w, (__u32)obj->nr_maps);
	for (i = 0; i < obj->nr_maps; i++)
		put_map(&w, &obj->maps[i]);
	tap_wbuf__put_u32(&w, (__u32)obj->nr_progs);
	for (i = 0; i < obj->nr_progs; i++)
		put_prog(&w, &obj->progs[i]);
	tap_wbuf__put_u32(&w, (__u32)obj->nr_recs);
	for (i = 0; i < obj->nr_recs; i++)
		put_rec(&w, &obj->recs[i]);
	if (w.err) {
		free(w.p);
		return w.err;
	}
	*(__u32 *)(w.p + sizeof(magic) + 4) = (__u32)(w.len - sizeof(magic) - 8);
	*data = w.p;
	*size = w.len;
	return 0;
}

/* ---- reading ------------------------------------------------------------ */

/* Object-owned bytes of a string, NUL terminated; *@len its length. */
static char *get_bytes(struct tap_rbuf *r, size_t *len)
{
	size_t n;
	const char *p = tap_rbuf__get_bytes(r, &n);
	char *s;

	if (len)
		*len = n;
	if (!p)
		return NULL;
	s = tap_object__strndup(r->owner, p, n);
	if (!s)
		r->err = -ENOMEM;
	return s;
}

/* Zeroed room for @n items; code and records are freed with free(), the rest with the object. */
static void *alloc_array(struct tap_rbuf *r, size_t elem, unsigned int n, bool owned)
{
	void *p;

	if (r->err)
		return NULL;
	p = owned ? tap_object__alloc(r->owner, elem * n + 1) : calloc(1, elem * n + 1);
	if (!p)
		r->err = -ENOMEM;
	return p;
}

/* @n items of @elem bytes, copied from the input. */
static void *get_array(struct tap_rbuf *r, size_t elem, unsigned int n, bool owned)
{
	void *p;

	if (r->err || (size_t)(r->end - r->p) / elem < n) {
		r->err = -EINVAL;
		return NULL;
	}
	p = alloc_array(r, elem, n, owned);
	if (p)
		tap_rbuf__get(r, p, elem * n);
	return p;
}

static void get_layout(struct tap_rbuf *r, struct tap_layout *l)
{
	l->kind = tap_rbuf__get_u32(r);
	l->size = tap_rbuf__get_u32(r);
}

static void get_code(struct tap_rbuf *r, struct tap_code *code)
{
	unsigned int cnt = (unsigned int)tap_rbuf__get_count(r, sizeof(struct bpf_insn), 1U << 24);

	if (!cnt)
		return;
	code->cnt = cnt;
	code->insns = get_array(r, sizeof(*code->insns), cnt, false);
	code->lines = get_array(r, sizeof(*code->lines), cnt, false);
	code->nr_funcs = tap_rbuf__get_count(r, sizeof(*code->func_off), cnt);
	code->func_off = get_array(r, sizeof(*code->func_off), (unsigned int)code->nr_funcs,
				   false);
	for (int i = 0; !r->err && i < code->nr_funcs; i++)
		if (code->func_off[i] >= cnt)
			r->err = -EINVAL;
}

static void get_prog(struct tap_rbuf *r, struct tap_prog_def *prog)
{
	int i;

	prog->kind = tap_rbuf__get_u32(r);
	tap_rbuf__get(r, prog->name, sizeof(prog->name));
	prog->name[sizeof(prog->name) - 1] = 0;
	prog->stack_size = tap_rbuf__get_u32(r);
	prog->line = (int)tap_rbuf__get_u32(r);
	prog->col = (int)tap_rbuf__get_u32(r);
	prog->uses_argstr = tap_rbuf__get_u32(r);
	tap_rbuf__get(r, &prog->period_ns, sizeof(prog->period_ns));
	prog->profile = tap_rbuf__get_u32(r);
	prog->optional = tap_rbuf__get_u32(r);
	prog->nr_specs = tap_rbuf__get_count(r, 12, 1U << 20);
	prog->specs = alloc_array(r, sizeof(*prog->specs), (unsigned int)prog->nr_specs, true);
	for (i = 0; !r->err && i < prog->nr_specs; i++) {
		prog->specs[i].text = get_bytes(r, NULL);
		prog->specs[i].line = (int)tap_rbuf__get_u32(r);
		prog->specs[i].col = (int)tap_rbuf__get_u32(r);
	}
	for (i = 0; !r->err && i < TAP_CODE_NR; i++)
		get_code(r, &prog->code[i]);
}

static void get_map(struct tap_rbuf *r, struct tap_map_def *m)
{
	size_t len;
	int k;

	tap_rbuf__get(r, m->name, sizeof(m->name));
	m->name[sizeof(m->name) - 1] = 0;
	m->type = tap_rbuf__get_u32(r);
	m->key_size = tap_rbuf__get_u32(r);
	m->value_size = tap_rbuf__get_u32(r);
	m->max_entries = tap_rbuf__get_u32(r);
	m->flags = tap_rbuf__get_u32(r);
	m->nr_keys = tap_rbuf__get_count(r, 8, TAP_MAX_KEYS);
	for (k = 0; k < m->nr_keys; k++)
		get_layout(r, &m->keys[k]);
	get_layout(r, &m->value);
	m->hist_nr = (int)tap_rbuf__get_u32(r);
	tap_rbuf__get(r, &m->hist_min, sizeof(m->hist_min));
	tap_rbuf__get(r, &m->hist_max, sizeof(m->hist_max));
	tap_rbuf__get(r, &m->hist_step, sizeof(m->hist_step));
	m->data = get_bytes(r, &len);
	if (m->data && len != m->value_size)
		r->err = -EINVAL;
	/* the runtime relies on these to lay out buckets */
	if (m->hist_nr < 0 || m->hist_nr > TAP_AGG_BUCKETS - 2 ||
	    (m->hist_nr && (m->hist_step <= 0 || m->hist_min >= m->hist_max)))
		r->err = -EINVAL;
}

static void get_rec(struct tap_rbuf *r, struct tap_rec_def *rec)
{
	size_t len;
	int a;

	rec->kind = tap_rbuf__get_u32(r);
	rec->fmt = get_bytes(r, &len);
	rec->fmt_len = (int)len;
	rec->nargs = tap_rbuf__get_count(r, 8, TAP_MAX_ARGS);
	for (a = 0; a < rec->nargs; a++) {
		rec->args[a].kind = tap_rbuf__get_u32(r);
		rec->args[a].offset = tap_rbuf__get_u32(r);
	}
	rec->size = tap_rbuf__get_u32(r);
	rec->map = (int)tap_rbuf__get_u32(r);
	rec->line = (int)tap_rbuf__get_u32(r);
}

static const char **get_names(struct tap_rbuf *r, int *nr)
{
	const char **names;
	int i;

	*nr = tap_rbuf__get_count(r, 4, 1U << 20);
	names = alloc_array(r, sizeof(*names), (unsigned int)*nr, true);
	for (i = 0; !r->err && i < *nr; i++)
		names[i] = get_bytes(r, NULL);
	return names;
}

/* Indexes the runtime trusts: map references in records. */
static int check_refs(const struct tap_object *obj)
{
	int i;

	for (i = 0; i < obj->nr_recs; i++) {
		const struct tap_rec_def *rec = &obj->recs[i];

		if (rec->kind >= TAP_REC_HIST_BEGIN && rec->kind <= TAP_REC_HIST_END &&
		    (rec->map < 0 || TAP_MAP_TABLE0 + rec->map >= obj->nr_maps))
			return -EINVAL;
		if (rec->kind == TAP_REC_PRINTF && !rec->fmt)
			return -EINVAL;
	}
	return 0;
}

int tap_object__deserialize(const void *data, size_t size, struct tap_object **objp)
{
	struct tap_object *obj = calloc(1, sizeof(*obj));
	struct tap_rbuf r = { .p = data, .end = (const char *)data + size, .owner = obj };
	char m[sizeof(magic)];
	__u32 version, len;
	int i;

	if (!obj)
		return -ENOMEM;
	tap_rbuf__get(&r, m, sizeof(m));
	version = tap_rbuf__get_u32(&r);
	len = tap_rbuf__get_u32(&r);
	if (r.err || memcmp(m, magic, sizeof(m)) || len != (size_t)(r.end - r.p)) {
		r.err = -EINVAL;
		goto out;
	}
	if (version != TAP_OBJECT_VERSION) {
		r.err = -EPROTONOSUPPORT;
		goto out;
	}
	obj->version = version;
	obj->file = get_bytes(&r, NULL);
	obj->text = get_bytes(&r, &obj->text_len);
	obj->str_size = tap_rbuf__get_u32(&r);
	obj->globals_size = tap_rbuf__get_u32(&r);
	obj->scratch_size = tap_rbuf__get_u32(&r);
	obj->table_entries = tap_rbuf__get_u32(&r);
	obj->loop_max = tap_rbuf__get_u32(&r);
	obj->uses_stacks = tap_rbuf__get_u32(&r);
	obj->uses_task = tap_rbuf__get_u32(&r);
	obj->fields = get_names(&r, &obj->nr_fields);
	obj->ksyms = get_names(&r, &obj->nr_ksyms);
	obj->timefmts = get_names(&r, &obj->nr_timefmts);
	obj->nr_maps = tap_rbuf__get_count(&r, sizeof(((struct tap_map_def *)0)->name), 1U << 16);
	obj->maps = alloc_array(&r, sizeof(*obj->maps), (unsigned int)obj->nr_maps, true);
	for (i = 0; !r.err && i < obj->nr_maps; i++)
		get_map(&r, &obj->maps[i]);
	i = tap_rbuf__get_count(&r, 16, 1U << 16);
	obj->progs = alloc_array(&r, sizeof(*obj->progs), (unsigned int)i, true);
	obj->nr_progs = obj->progs ? i : 0;	/* tap_object__delete() walks them */
	for (i = 0; !r.err && i < obj->nr_progs; i++)
		get_prog(&r, &obj->progs[i]);
	obj->nr_recs = tap_rbuf__get_count(&r, 8, 1U << 20);
	obj->recs = alloc_array(&r, sizeof(*obj->recs), (unsigned int)obj->nr_recs, false);
	for (i = 0; !r.err && i < obj->nr_recs; i++)
		get_rec(&r, &obj->recs[i]);
	if (!r.err && (r.p != r.end || !obj->file || !obj->text))
		r.err = -EINVAL;
	if (!r.err)
		r.err = check_refs(obj);
out:
	if (r.err) {
		tap_object__delete(obj);
		return r.err;
	}
	*objp = obj;
	return 0;
}
