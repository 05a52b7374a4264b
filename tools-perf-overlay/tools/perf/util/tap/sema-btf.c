// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel data by type: values whose type comes from the running kernel's
 * BTF (/sys/kernel/btf/vmlinux, read with libbpf's btf API).
 *
 * A number may carry a BTF type: a pointer read from a member or a
 * field, curtask, a cast.  p->NAME and s.NAME read a member; x[i] an
 * element of a fixed array.  What a read gives depends on the member's
 * type: integers, enums and pointers are numbers, char arrays strings,
 * and structs, unions and other arrays are "kernel data" (TAP_T_KMEM),
 * whose value is their kernel address: they can only be read further
 * (a member, an element), or given to ntop(), hex() or kernel_string().
 * sema works out each read (struct tap_kread) so that the generator only
 * emits it: every offset is the running kernel's.
 */
#include <string.h>

#include <bpf/btf.h>
#include <linux/btf.h>

#include "ktypes.h"
#include "lex.h"
#include "sema-int.h"

static struct btf *need_btf(struct sema *s, const struct tap_node *at, const char *what)
{
	struct btf *btf = tap_ktypes__btf();

	if (!btf)
		tap_error(s->c, at->line, at->col,
			  "%s needs the kernel's types, but this kernel has no BTF (/sys/kernel/btf/vmlinux, CONFIG_DEBUG_INFO_BTF)",
			  what);
	return btf;
}

/* Skip typedefs and qualifiers; *@user: a __user type tag was among them. */
static const struct btf_type *skip(const struct btf *btf, int id, int *out_id, bool *user)
{
	const struct btf_type *t = btf__type_by_id(btf, id);

	while (t && (btf_is_mod(t) || btf_is_typedef(t))) {
		if (user && btf_is_type_tag(t) &&
		    !strcmp(btf__name_by_offset(btf, t->name_off), "user"))
			*user = true;
		id = (int)t->type;
		t = btf__type_by_id(btf, id);
	}
	if (out_id)
		*out_id = id;
	return t;
}

/*
 * "struct sock *", "char [16]", "u32": type @id for messages.  A negative
 * id is a pointer to struct -@id (what curtask and casts are).
 */
static void type_name(const struct btf *btf, int id, char *buf, size_t size)
{
	const struct btf_type *t;
	const char *name;
	size_t len;

	if (id < 0) {
		type_name(btf, -id, buf, size);
		len = strlen(buf);
		snprintf(buf + len, size - len, " *");
		return;
	}
	t = btf__type_by_id(btf, id);
	if (!id || !t) {
		snprintf(buf, size, "void");
		return;
	}
	name = btf__name_by_offset(btf, t->name_off);
	if (!name || !*name)
		name = "(anonymous)";
	switch (btf_kind(t)) {
	case BTF_KIND_STRUCT:
		snprintf(buf, size, "struct %s", name);
		return;
	case BTF_KIND_UNION:
		snprintf(buf, size, "union %s", name);
		return;
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		snprintf(buf, size, "enum %s", name);
		return;
	case BTF_KIND_PTR:
		type_name(btf, (int)t->type, buf, size);
		len = strlen(buf);
		snprintf(buf + len, size - len, " *");
		return;
	case BTF_KIND_CONST:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_TYPE_TAG:
		type_name(btf, (int)t->type, buf, size);
		return;
	case BTF_KIND_ARRAY:
		type_name(btf, (int)btf_array(t)->type, buf, size);
		len = strlen(buf);
		snprintf(buf + len, size - len, " [%u]", btf_array(t)->nelems);
		return;
	case BTF_KIND_FUNC_PROTO:
		snprintf(buf, size, "a function");
		return;
	default:
		snprintf(buf, size, "%s", name);
		return;
	}
}

static const char *tname(struct sema *s, int id)
{
	char *buf = tap_alloc(s->c, 128);

	type_name(tap_ktypes__btf(), id, buf, 128);
	return buf;
}

/* @t is of kernel type @id, named for --dump-ast too. */
static void set_btf(struct sema *s, struct tap_type *t, int id)
{
	t->btf = id;
	t->ktype = tname(s, id);
}

const char *sema_btf_type_name(struct sema *s, int id)
{
	return tap_ktypes__btf() ? tname(s, id) : "a kernel type";
}

/* The struct or union number type @id points to: its id, or 0. */
static int pointee(const struct btf *btf, int id, bool *user)
{
	const struct btf_type *t;
	int sid;

	if (id < 0)
		return -id;
	t = skip(btf, id, NULL, user);
	if (!t || !btf_is_ptr(t))
		return 0;
	t = skip(btf, (int)t->type, &sid, user);
	return t && btf_is_composite(t) ? sid : 0;
}

bool sema_btf_same(int a, int b)
{
	const struct btf *btf = tap_ktypes__btf();

	return a == b || (btf && pointee(btf, a, NULL) &&
			  pointee(btf, a, NULL) == pointee(btf, b, NULL));
}

struct tap_type *sema_btf_kmem(struct sema *s, const struct tap_node *at, int id)
{
	struct tap_type *t = sema_type_new(s, TAP_T_KMEM, at);

	set_btf(s, t, id);
	return t;
}

/*
 * The value a read of type @id gives, and how to read it into @kr: a
 * number (integers, enums, pointers), a string (arrays of char) or kernel
 * data (structs, unions, other arrays).  @what names the read in errors.
 */
static struct tap_type *read_type(struct sema *s, const struct tap_node *at, int id,
				  struct tap_kread *kr, const char *what)
{
	const struct btf *btf = tap_ktypes__btf();
	const struct btf_type *t = skip(btf, id, NULL, NULL);
	struct tap_type *v;
	bool is_char;

	if (!t)
		tap_error(s->c, at->line, at->col, "%s has no type in the kernel's BTF", what);
	switch (btf_kind(t)) {
	case BTF_KIND_INT:
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		kr->is_signed = btf_is_int(t) ? btf_int_encoding(t) & BTF_INT_SIGNED : btf_kflag(t);
		if (t->size != 1 && t->size != 2 && t->size != 4 && t->size != 8)
			tap_error(s->c, at->line, at->col,
				  "%s is %s of %u bytes; perf tap reads integers of 1, 2, 4 or 8",
				  what, tname(s, id), t->size);
		kr->size = t->size;
		return sema_type_new(s, TAP_T_NUM, at);
	case BTF_KIND_PTR:
		kr->size = 8;
		v = sema_type_new(s, TAP_T_NUM, at);
		set_btf(s, v, id);
		return v;
	case BTF_KIND_ARRAY:
		if (!tap_ktypes__is_byte(btf, (int)btf_array(t)->type, &is_char) && is_char) {
			/* the array stays known, for its chars: comm[0] */
			kr->size = btf_array(t)->nelems;
			v = sema_type_new(s, TAP_T_STR, at);
			set_btf(s, v, id);
			return v;
		}
		return sema_btf_kmem(s, at, id);
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		return sema_btf_kmem(s, at, id);
	default:
		tap_error(s->c, at->line, at->col, "%s is %s, which perf tap cannot read", what,
			  tname(s, id));
	}
}

/*
 * Member @name of struct or union @sid, also inside anonymous members:
 * its type id, bit offset and bitfield size; -1 if there is none.
 */
static int find_member(const struct btf *btf, int sid, const char *name, unsigned int *bit_off,
		       unsigned int *bit_size)
{
	const struct btf_type *t = btf__type_by_id(btf, sid);
	const struct btf_member *m = btf_members(t);
	int k, id;

	for (k = 0; k < btf_vlen(t); k++, m++) {
		const char *mname = btf__name_by_offset(btf, m->name_off);
		const struct btf_type *mt;
		int mid;

		if (mname && *mname) {
			if (strcmp(mname, name))
				continue;
			*bit_off = btf_member_bit_offset(t, k);
			*bit_size = btf_member_bitfield_size(t, k);
			return (int)m->type;
		}
		mt = skip(btf, (int)m->type, &mid, NULL);
		if (!mt || !btf_is_composite(mt))
			continue;
		id = find_member(btf, mid, name, bit_off, bit_size);
		if (id >= 0) {
			*bit_off += btf_member_bit_offset(t, k);
			return id;
		}
	}
	return -1;
}

/* The member of @sid whose name is closest to @name, for "did you mean". */
static void closest_member(const struct btf *btf, int sid, const char *name, const char **best,
			   int *best_d)
{
	const struct btf_type *t = btf__type_by_id(btf, sid);
	const struct btf_member *m = btf_members(t);
	int k, mid;

	for (k = 0; k < btf_vlen(t); k++, m++) {
		const char *mname = btf__name_by_offset(btf, m->name_off);
		const struct btf_type *mt;
		int d;

		if (mname && *mname) {
			d = tap_name_distance(name, mname);
			if (d < *best_d) {
				*best_d = d;
				*best = mname;
			}
			continue;
		}
		mt = skip(btf, (int)m->type, &mid, NULL);
		if (mt && btf_is_composite(mt))
			closest_member(btf, mid, name, best, best_d);
	}
}

/* The struct or union that p->NAME or s.NAME reads a member of: its id. */
static int member_base(struct sema *s, struct tap_node *n, const struct btf *btf)
{
	struct tap_type *bt;
	const struct btf_type *t;
	bool user = false;
	int sid;

	s->kmem_ok = true;
	bt = tap_type_resolve(sema_expr(s, n->a));
	if (n->op == TK_ARROW) {
		if (bt->kind == TAP_T_KMEM)
			tap_error(s->c, n->line, n->col,
				  "'->' reads through a pointer, but this is %s: write '.%s'",
				  tname(s, bt->btf), n->name);
		if (bt->kind != TAP_T_NUM && bt->kind != TAP_T_ANY)
			tap_error(s->c, n->line, n->col,
				  "'->' needs a pointer to a kernel struct, not %s",
				  sema_a_type(bt));
		if (bt->kind != TAP_T_NUM || !bt->btf)
			tap_error(s->c, n->line, n->col,
				  "'->' needs a pointer to a kernel struct, and this number has no kernel type: cast it, (struct NAME *)x");
		sid = pointee(btf, bt->btf, &user);
		if (!sid)
			tap_error(s->c, n->line, n->col,
				  "'->' needs a pointer to a struct or union, not %s",
				  tname(s, bt->btf));
		if (user)
			tap_error(s->c, n->line, n->col,
				  "%s points to user memory (__user): it cannot be read as kernel data",
				  tname(s, bt->btf));
		return sid;
	}
	if (bt->kind == TAP_T_NUM && bt->btf && pointee(btf, bt->btf, NULL))
		tap_error(s->c, n->line, n->col,
			  "this is a pointer, %s: write '->%s'", tname(s, bt->btf), n->name);
	if (bt->kind != TAP_T_KMEM)
		tap_error(s->c, n->line, n->col, "'.%s': %s has no members", n->name,
			  sema_a_type(bt));
	t = skip(btf, bt->btf, &sid, NULL);
	if (!t || !btf_is_composite(t))
		tap_error(s->c, n->line, n->col, "'.%s': %s has no members", n->name,
			  tname(s, bt->btf));
	return sid;
}

struct tap_type *sema_member(struct sema *s, struct tap_node *n)
{
	const struct btf *btf = need_btf(s, n, n->op == TK_ARROW ? "'->'" : "'.'");
	struct tap_kread *kr = tap_alloc(s->c, sizeof(*kr));
	unsigned int bit_off = 0, bit_size = 0;
	char what[160];
	int sid = member_base(s, n, btf), id;

	id = find_member(btf, sid, n->name, &bit_off, &bit_size);
	if (id < 0) {
		const char *best = NULL;
		int best_d = 3;

		closest_member(btf, sid, n->name, &best, &best_d);
		if (best)
			tap_error(s->c, n->line, n->col,
				  "%s has no member '%s' (did you mean '%s'?)", tname(s, sid),
				  n->name, best);
		tap_error(s->c, n->line, n->col, "%s has no member '%s'", tname(s, sid), n->name);
	}
	n->kread = kr;
	kr->deref = n->op == TK_ARROW;
	kr->off = bit_off / 8;
	if (bit_size) {
		kr->bit_off = bit_off % 8;
		kr->bit_size = bit_size;
	} else if (bit_off % 8) {
		tap_error(s->c, n->line, n->col, "member '%s' of %s does not start at a byte",
			  n->name, tname(s, sid));
	}
	snprintf(what, sizeof(what), "member '%s' of %s", n->name, tname(s, sid));
	n->type = read_type(s, n, id, kr, what);
	if (bit_size) {
		if (tap_type_resolve(n->type)->kind != TAP_T_NUM || bit_size > 56)
			tap_error(s->c, n->line, n->col, "the bitfield %s cannot be read", what);
		kr->size = (kr->bit_off + bit_size + 7) / 8;
	}
	return n->type;
}

bool sema_is_elem(const struct tap_node *n)
{
	/* p->a[i], arg.saddr[0], a[i][j]: not an element of a (named) table */
	return n->kind == TAP_N_INDEX &&
	       (n->a->kind == TAP_N_MEMBER || n->a->kind == TAP_N_FIELD ||
		(n->a->kind == TAP_N_INDEX && n->a->a->kind != TAP_N_NAME));
}

void sema_table_only(struct sema *s, const struct tap_node *n, const char *what)
{
	if (sema_is_elem(n))
		tap_error(s->c, n->line, n->col,
			  "%s table elements; this is an element of kernel data, which scripts only read",
			  what);
}

/* x[i] of kernel data: an element of a fixed array. */
struct tap_type *sema_elem(struct sema *s, struct tap_node *n)
{
	const struct btf *btf = need_btf(s, n, "an array element");
	struct tap_kread *kr = tap_alloc(s->c, sizeof(*kr));
	const struct btf_type *t;
	struct tap_type *bt;
	__s64 size;
	char what[160];
	int id;

	s->kmem_ok = true;
	bt = tap_type_resolve(sema_expr(s, n->a));
	/* kernel data, or a char array, which reads as a string otherwise */
	t = bt->btf && (bt->kind == TAP_T_KMEM || bt->kind == TAP_T_STR) ?
	    skip(btf, bt->btf, NULL, NULL) : NULL;
	if (!t || !btf_is_array(t))
		tap_error(s->c, n->line, n->col,
			  "only tables and arrays of kernel data can be indexed, not %s",
			  bt->kind == TAP_T_KMEM ? tname(s, bt->btf) : sema_a_type(bt));
	if (n->list->next)
		tap_error(s->c, n->list->next->line, n->list->next->col,
			  "an array takes one index");
	sema_need(s, n->list, sema_expr(s, n->list), TAP_T_NUM);
	id = (int)btf_array(t)->type;
	size = btf__resolve_size(btf, id);
	if (size <= 0)
		tap_error(s->c, n->line, n->col, "the elements of %s have no size",
			  tname(s, bt->btf));
	kr->elem_size = (unsigned int)size;
	kr->nelems = btf_array(t)->nelems;
	if (n->list->kind == TAP_N_NUM && kr->nelems &&
	    (n->list->num < 0 || n->list->num >= kr->nelems))
		tap_error(s->c, n->list->line, n->list->col,
			  "index %lld is outside %s (%u elements)", n->list->num,
			  tname(s, bt->btf), kr->nelems);
	n->kread = kr;
	snprintf(what, sizeof(what), "an element of %s", tname(s, bt->btf));
	return read_type(s, n, id, kr, what);
}

/*
 * Is @n an argument of a system call (arg0..arg5, arg.NAME in a block of
 * syscalls:* events only)?  Their pointers are the user's: __user in the
 * kernel's source, though BTF built by gcc does not say so.
 */
static bool user_arg(struct sema *s, const struct tap_node *n)
{
	int i;

	if (!s->trace || !s->nr_specs ||
	    !(n->kind == TAP_N_FIELD || (n->kind == TAP_N_NAME && n->builtin >= TAP_B_ARG0 &&
					  n->builtin <= TAP_B_ARG9)))
		return false;
	for (i = 0; i < s->nr_specs; i++)
		if (strncmp(s->specs[i].text, "syscalls:", 9))
			return false;
	return true;
}

/* (struct NAME *)x: a number becomes a pointer to a kernel struct. */
struct tap_type *sema_cast(struct sema *s, struct tap_node *n)
{
	const struct btf *btf = need_btf(s, n, "a cast");
	const char *kw = n->num ? "union" : "struct";
	struct tap_type *t;
	int id;

	id = btf__find_by_name_kind(btf, n->name, n->num ? BTF_KIND_UNION : BTF_KIND_STRUCT);
	if (id <= 0) {
		const char *best = NULL;
		int best_d = 3;
		__u32 k, nr = btf__type_cnt(btf);

		for (k = 1; k < nr; k++) {
			const struct btf_type *c = btf__type_by_id(btf, k);
			const char *name;
			int d;

			if (btf_kind(c) != (n->num ? BTF_KIND_UNION : BTF_KIND_STRUCT))
				continue;
			name = btf__name_by_offset(btf, c->name_off);
			d = tap_name_distance(n->name, name);
			if (d < best_d) {
				best_d = d;
				best = name;
			}
		}
		if (best)
			tap_error(s->c, n->line, n->col,
				  "the kernel's BTF has no %s %s (did you mean '%s %s'?)", kw,
				  n->name, kw, best);
		tap_error(s->c, n->line, n->col, "the kernel's BTF has no %s %s", kw, n->name);
	}
	sema_need(s, n->a, sema_expr(s, n->a), TAP_T_NUM);
	if (user_arg(s, n->a))
		tap_error(s->c, n->a->line, n->a->col,
			  "a system call's pointer arguments point to user memory, which cannot be read as kernel data (user_string() and user_u64() read it)");
	t = sema_type_new(s, TAP_T_NUM, n);
	set_btf(s, t, -id);
	return t;
}

/* curtask: the current task, a struct task_struct *. */
struct tap_type *sema_curtask(struct sema *s, struct tap_node *n)
{
	const struct btf *btf = need_btf(s, n, "curtask");
	int id = btf__find_by_name_kind(btf, "task_struct", BTF_KIND_STRUCT);
	struct tap_type *t;

	if (id <= 0)
		tap_error(s->c, n->line, n->col, "the kernel's BTF has no struct task_struct");
	t = sema_type_new(s, TAP_T_NUM, n);
	set_btf(s, t, -id);
	return t;
}

/*
 * $retval: in a block of kretprobes whose functions return the same
 * pointer type (the resolver knows it as field "$retval"), a pointer of
 * that type; else a plain number.
 */
struct tap_type *sema_retval(struct sema *s, struct tap_node *n)
{
	const struct tap_resolver *r = s->c->resolver;
	const struct btf *btf = tap_ktypes__btf();
	const struct btf_type *t;
	struct tap_type *v = sema_type_new(s, TAP_T_NUM, n);
	char why[256];
	int id = 0;

	if (!s->trace || !r || !r->field_type || !btf ||
	    r->field_type(r->arg, s->specs, s->nr_specs, "$retval", &id, why, sizeof(why)) < 0)
		return v;
	t = id > 0 ? skip(btf, id, NULL, NULL) : NULL;
	if (t && btf_is_ptr(t))
		set_btf(s, v, id);
	return v;
}

/*
 * arg.NAME whose type the kernel's BTF gives (@id): a typed pointer, or a
 * byte array; otherwise what the event's format says (@kind).
 */
struct tap_type *sema_btf_field(struct sema *s, struct tap_node *n, int id,
				enum tap_type_kind kind)
{
	const struct btf *btf = tap_ktypes__btf();
	const struct btf_type *t = btf ? skip(btf, id, NULL, NULL) : NULL;
	struct tap_type *v;

	if (t && btf_is_ptr(t)) {
		v = sema_type_new(s, TAP_T_NUM, n);
		set_btf(s, v, id);
		return v;
	}
	if (t && btf_is_array(t)) {
		bool is_char;

		if (tap_ktypes__is_byte(btf, (int)btf_array(t)->type, &is_char) || !is_char)
			return sema_btf_kmem(s, n, id);
		return sema_type_new(s, TAP_T_STR, n);
	}
	return sema_type_new(s, kind, n);
}

/* Bytes of kernel data @t, 0 if it has no size. */
static unsigned int kmem_size(const struct tap_type *t)
{
	__s64 size = btf__resolve_size(tap_ktypes__btf(), t->btf);

	return size > 0 ? (unsigned int)size : 0;
}

unsigned int sema_kmem_size(const struct tap_type *t)
{
	return kmem_size(tap_type_resolve((struct tap_type *)t));
}

/*
 * ntop(x), ntop(af, x): an IPv4 or IPv6 address as text.  x is 4 or 16
 * bytes of kernel data (a byte array, struct in6_addr), or a number
 * holding an IPv4 address as it was in memory (a __be32).
 */
void sema_ntop(struct sema *s, struct tap_node *n)
{
	struct tap_node *x = n->list->next ? n->list->next : n->list;
	struct tap_type *t;
	unsigned int size;

	if (n->list->next)
		sema_need(s, n->list, sema_expr(s, n->list), TAP_T_NUM);
	s->kmem_ok = true;
	t = tap_type_resolve(sema_expr(s, x));
	s->out->uses_rodata = true;
	if (t->kind == TAP_T_NUM || t->kind == TAP_T_ANY) {
		sema_need(s, x, t, TAP_T_NUM);
		return;
	}
	size = t->kind == TAP_T_KMEM ? kmem_size(t) : 0;
	if (size != 4 && size != 16)
		tap_error(s->c, x->line, x->col,
			  "ntop() takes an IPv4 or IPv6 address: 4 or 16 bytes of kernel data or a number, not %s",
			  t->kind == TAP_T_KMEM ? tname(s, t->btf) : sema_a_type(t));
}

/* hex(x): the bytes of kernel data x as hexadecimal digits. */
void sema_hex(struct sema *s, struct tap_node *n)
{
	struct tap_type *t;

	s->kmem_ok = true;
	t = tap_type_resolve(sema_expr(s, n->list));
	if ((t->kind != TAP_T_KMEM && !(t->kind == TAP_T_STR && t->btf)) || !kmem_size(t))
		tap_error(s->c, n->list->line, n->list->col,
			  "hex() takes a byte array or other kernel data, not %s", sema_a_type(t));
}

void __noreturn sema_kmem_error(struct sema *s, const struct tap_node *n, struct tap_type *t)
{
	tap_error(s->c, n->line, n->col,
		  "this is kernel data, %s: read a member ('.NAME') or an element ([i]), or pass it to ntop(), hex() or kernel_string()",
		  sema_btf_type_name(s, t->btf));
}
