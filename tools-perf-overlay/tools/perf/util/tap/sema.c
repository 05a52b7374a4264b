// SPDX-License-Identifier: GPL-2.0
/*
 * Semantic analysis: resolve names to symbols, infer static types by
 * unification, check where each construct may appear, and lay out storage
 * for globals and tables.
 *
 * Scripts never spell types.  A name assigned without 'var' is a global
 * that starts at 0 (or as an empty table when indexed), as in awk; 'var'
 * inside a block declares a local.  Every use of a name adds a constraint;
 * the first conflicting use is reported together with the place that fixed
 * the type first.
 */
#include <string.h>

#include "lex.h"
#include "object.h"
#include "sema-int.h"

struct tap_type *sema_type_new(struct sema *s, enum tap_type_kind kind,
			       const struct tap_node *at)
{
	struct tap_type *t = tap_alloc(s->c, sizeof(*t));

	t->kind = kind;
	t->nkeys = -1;
	if (at) {
		t->line = at->line;
		t->col = at->col;
	}
	return t;
}

const char *sema_a_type(struct tap_type *t)
{
	switch (tap_type_resolve(t)->kind) {
	case TAP_T_NUM:   return "a number";
	case TAP_T_STR:   return "a string";
	case TAP_T_STACK: return "a stack";
	case TAP_T_TABLE: return "a table";
	case TAP_T_AGG:   return "an aggregation";
	case TAP_T_VOID:  return "nothing (no value)";
	case TAP_T_SYM:   return "a symbol or time (printed only)";
	case TAP_T_KMEM:  return "kernel data";
	default:          return "unknown";
	}
}

static const char *describe(struct sema *s, const struct tap_node *n)
{
	char *buf = tap_alloc(s->c, 160);

	switch (n->kind) {
	case TAP_N_NAME:
	case TAP_N_VAR:
		snprintf(buf, 160, "'%s'", n->name);
		break;
	case TAP_N_INDEX:
		if (n->a->kind == TAP_N_NAME && !n->list)
			snprintf(buf, 160, "'%s'", n->a->name);
		else if (n->a->kind == TAP_N_NAME)
			snprintf(buf, 160, "'%s[...]'", n->a->name);
		else
			snprintf(buf, 160, "this element");
		break;
	case TAP_N_CALL:
		snprintf(buf, 160, "'%s(...)'", n->name);
		break;
	default:
		snprintf(buf, 160, "this expression");
		break;
	}
	return buf;
}

/*
 * Make @a and @b the same type.  @at is the use being checked: it is where
 * a conflict is reported, and where a type variable becomes concrete.
 */
void sema_unify_at(struct sema *s, const struct tap_node *at, struct tap_type *a,
		   struct tap_type *b)
{
	int i;

	a = tap_type_resolve(a);
	b = tap_type_resolve(b);
	if (a == b)
		return;
	if (b->kind == TAP_T_ANY) {
		b->link = a;
		return;
	}
	if (a->kind == TAP_T_ANY) {
		/* a takes b's shape and remembers this use as its origin */
		*a = *b;
		a->link = NULL;
		a->line = at->line;
		a->col = at->col;
		b->link = a;
		return;
	}
	if (a->kind != b->kind)
		tap_error(s->c, at->line, at->col, "%s is %s here, but %s at %d:%d",
			  describe(s, at), sema_a_type(b), sema_a_type(a), a->line, a->col);
	if (a->kind == TAP_T_NUM && a->btf != b->btf && a->btf && b->btf &&
	    !sema_btf_same(a->btf, b->btf))
		tap_error(s->c, at->line, at->col, "%s is %s here, but %s at %d:%d",
			  describe(s, at), sema_btf_type_name(s, b->btf),
			  sema_btf_type_name(s, a->btf), a->line, a->col);
	if (a->kind == TAP_T_NUM && !a->btf) {
		/* a number that a pointer is stored in is one */
		a->btf = b->btf;
		a->ktype = b->ktype;
	}
	if (a->kind != TAP_T_TABLE) {
		b->link = a;
		return;
	}
	if (a->nkeys < 0) {
		a->nkeys = b->nkeys;
		memcpy(a->key, b->key, sizeof(a->key));
	} else if (b->nkeys >= 0 && a->nkeys != b->nkeys && (!a->nkeys || !b->nkeys)) {
		tap_error(s->c, at->line, at->col,
			  "%s is used with %d key%s here, but with %d at %d:%d (an aggregation without keys is 'x <<< v')",
			  describe(s, at), b->nkeys,
			  b->nkeys == 1 ? "" : "s", a->nkeys, a->line, a->col);
	} else if (b->nkeys >= 0 && a->nkeys != b->nkeys) {
		tap_error(s->c, at->line, at->col,
			  "%s is indexed with %d key%s here, but with %d at %d:%d",
			  describe(s, at), b->nkeys, b->nkeys == 1 ? "" : "s", a->nkeys,
			  a->line, a->col);
	} else {
		for (i = 0; i < a->nkeys && b->nkeys >= 0; i++)
			sema_unify_at(s, at, a->key[i], b->key[i]);
	}
	if (!a->val)
		a->val = b->val;
	else if (b->val)
		sema_unify_at(s, at, a->val, b->val);
	b->link = a;
}

/* The context needs @kind at @at: say so if @t is something else. */
void sema_need(struct sema *s, const struct tap_node *at, struct tap_type *t,
	       enum tap_type_kind kind)
{
	struct tap_type *want = sema_type_new(s, kind, at), *have = tap_type_resolve(t);

	if (have->kind != TAP_T_ANY && have->kind != kind) {
		if (have->line == at->line && have->col == at->col)
			tap_error(s->c, at->line, at->col, "%s is %s, but %s is needed here",
				  describe(s, at), sema_a_type(have), sema_a_type(want));
		tap_error(s->c, at->line, at->col, "%s is %s (since %d:%d), but %s is needed here",
			  describe(s, at), sema_a_type(have), have->line, have->col,
			  sema_a_type(want));
	}
	sema_unify_at(s, at, t, want);
}

struct tap_sym *sema_sym_new(struct sema *s, const char *name, enum tap_sym_kind kind,
			     const struct tap_node *at)
{
	struct tap_sym *sym = tap_alloc(s->c, sizeof(*sym));

	sym->name = name;
	sym->kind = kind;
	sym->line = at->line;
	sym->col = at->col;
	sym->map = -1;
	sym->type = sema_type_new(s, TAP_T_ANY, NULL);
	sym->type->line = at->line;
	sym->type->col = at->col;
	return sym;
}

struct tap_sym *sema_find_global(struct sema *s, const char *name)
{
	struct tap_sym *sym;

	for (sym = s->globals; sym; sym = sym->next)
		if (!strcmp(sym->name, name))
			return sym;
	return NULL;
}

struct tap_sym *sema_add_global(struct sema *s, const char *name, const struct tap_node *at)
{
	struct tap_sym *sym = sema_sym_new(s, name, TAP_SYM_GLOBAL, at);

	*s->globals_tail = sym;
	s->globals_tail = &sym->next;
	return sym;
}

struct tap_sym *sema_find_local(struct sema *s, const char *name)
{
	struct scope *sc;
	struct tap_sym *sym;

	for (sc = s->scope; sc; sc = sc->up)
		for (sym = sc->syms; sym; sym = sym->next)
			if (!strcmp(sym->name, name))
				return sym;
	return NULL;
}

/* The symbol a name refers to; globals spring into being on first use. */
static struct tap_sym *resolve_name(struct sema *s, struct tap_node *n)
{
	struct tap_sym *sym = sema_find_local(s, n->name);

	if (sym)
		return sym;
	sym = sema_find_global(s, n->name);
	if (sym)
		return sym;
	if (n->name[0] == '$')
		tap_error(s->c, n->line, n->col,
			  "unknown name '%s': $retval is the only name that starts with '$'",
			  n->name);
	return sema_add_global(s, n->name, n);
}

/* The kinds of block the one being checked stands for, as TAP_IN_* bits. */
static unsigned int ctx_in(struct sema *s)
{
	switch (s->ctx) {
	case CTX_MAIN:	return TAP_IN_MAIN;
	case CTX_END:	return TAP_IN_END;
	case CTX_TRACE:	return TAP_IN_TRACE;
	case CTX_TIMER:	return TAP_IN_TIMER;
	default:	return TAP_IN_ANY;	/* a function: checked where it is inlined */
	}
}

struct tap_type *sema_builtin_type(struct sema *s, struct tap_node *n,
				   const struct tap_builtin_def *b)
{
	switch (b->type) {
	case TAP_BT_STR:	return sema_type_new(s, TAP_T_STR, n);
	case TAP_BT_STACK:	return sema_type_new(s, TAP_T_STACK, n);
	case TAP_BT_VOID:	return sema_type_new(s, TAP_T_VOID, n);
	case TAP_BT_SYM:	return sema_type_new(s, TAP_T_SYM, n);
	default:		return sema_type_new(s, TAP_T_NUM, n);
	}
}

/* What every built-in is checked for: being called right, and where. */
void sema_builtin_check(struct sema *s, struct tap_node *n, const struct tap_builtin_def *b)
{
	int nargs = tap_list_len(n->list);

	n->builtin = b->id;
	if (b->call && (nargs < b->min_args || (b->max_args >= 0 && nargs > b->max_args)))
		tap_error(s->c, n->line, n->col, "%s() takes %s", b->name, b->args);
	if (!(ctx_in(s) & b->in))
		tap_error(s->c, n->line, n->col, b->call ? "%s() has no value outside %s" :
			  "'%s' has no value outside %s", b->name, tap_builtin_where(b->in));
}

static struct tap_type *field(struct sema *s, struct tap_node *n);

/*
 * A USDT probe's arguments are where its note's operands say, which
 * differs from one probe site to the next: arg0..arg9 of a block of USDT
 * probes are read as the events' fields "arg0".."arg9".
 */
static bool usdt_args(struct sema *s, struct tap_node *n)
{
	int i, usdt = 0;

	if (s->ctx != CTX_TRACE || !s->trace)
		return false;
	for (i = 0; i < s->nr_specs; i++)
		usdt += !strncmp(s->specs[i].text, "usdt:", 5) ||
			!strncmp(s->specs[i].text, "sdt:", 4);
	if (usdt && usdt != s->nr_specs)
		tap_error(s->c, n->line, n->col,
			  "'%s' of a block with USDT probes and other probes: give the USDT probes a block of their own",
			  n->name);
	return usdt;
}

struct tap_type *sema_builtin_value(struct sema *s, struct tap_node *n,
				    const struct tap_builtin_def *b)
{
	if (b->id >= TAP_B_ARG0 && b->id <= TAP_B_ARG9 && usdt_args(s, n)) {
		n->kind = TAP_N_FIELD;
		return field(s, n);
	}
	sema_builtin_check(s, n, b);
	if (b->id == TAP_B_CURTASK)
		return sema_curtask(s, n);
	if (b->id == TAP_B_RETVAL)
		return sema_retval(s, n);
	if (b->id == TAP_B_ARGSTR) {
		if (!s->record_ok)
			tap_error(s->c, n->line, n->col,
				  "'argstr' can only be printed: print(argstr) or printf(\"%%s\", argstr)");
		return sema_type_new(s, TAP_T_RECORD, n);
	}
	return sema_builtin_type(s, n, b);
}

/* arg.NAME: numbered by name across the script; typed from tracefs. */
static struct tap_type *field(struct sema *s, struct tap_node *n)
{
	struct tap_object *obj = s->c->obj;
	enum tap_type_kind kind = TAP_T_NUM;
	char why[256] = "";
	int i, btf = 0;

	if (s->ctx == CTX_MAIN || s->ctx == CTX_END || s->ctx == CTX_TIMER)
		tap_error(s->c, n->line, n->col, "'arg.%s' has no value outside trace probes",
			  n->name);
	if (s->trace && s->c->resolver && s->c->resolver->field_type) {
		const struct tap_resolver *r = s->c->resolver;
		int k = r->field_type(r->arg, s->specs, s->nr_specs, n->name, &btf, why,
				      sizeof(why));

		if (k < 0)
			tap_error(s->c, n->line, n->col, "%s", why);
		kind = (enum tap_type_kind)k;
	}
	for (i = 0; i < obj->nr_fields; i++)
		if (!strcmp(obj->fields[i], n->name))
			break;
	if (i == obj->nr_fields) {
		const char **f = tap_alloc(s->c, (i + 1) * sizeof(*f));

		if (i)
			memcpy(f, obj->fields, i * sizeof(*f));
		f[i] = n->name;
		obj->fields = f;
		obj->nr_fields++;
	}
	n->num = i;
	if (btf > 0)
		return sema_btf_field(s, n, btf, kind);
	return sema_type_new(s, kind, n);
}

static struct tap_type *index_expr(struct sema *s, struct tap_node *n)
{
	struct tap_type *want, *t;
	struct tap_node *k;
	int i = 0;

	if (n->a->kind != TAP_N_NAME)
		tap_error(s->c, n->a->line, n->a->col, "only a named table can be indexed");
	t = sema_expr(s, n->a);
	want = sema_type_new(s, TAP_T_TABLE, n);
	want->nkeys = tap_list_len(n->list);
	want->val = sema_type_new(s, TAP_T_ANY, n);
	for (k = n->list; k; k = k->next, i++) {
		struct tap_type *kt, *have;
		enum tap_type_kind kind;

		s->sym_ok = true;
		kt = sema_expr(s, k);
		s->sym_ok = false;
		have = tap_type_resolve(t);
		kind = tap_type_resolve(kt)->kind;

		/* a key conflict names the key, not the element */
		if (have->kind == TAP_T_TABLE && have->nkeys > i &&
		    tap_type_resolve(have->key[i])->kind != TAP_T_ANY && kind != TAP_T_ANY &&
		    tap_type_resolve(have->key[i])->kind != kind)
			tap_error(s->c, k->line, k->col,
				  "key %d of '%s' is %s here, but %s at %d:%d",
				  i + 1, n->a->name, sema_a_type(kt), sema_a_type(have->key[i]),
				  tap_type_resolve(have->key[i])->line,
				  tap_type_resolve(have->key[i])->col);

		if (kind != TAP_T_NUM && kind != TAP_T_STR && kind != TAP_T_STACK &&
		    kind != TAP_T_SYM && kind != TAP_T_ANY)
			tap_error(s->c, k->line, k->col,
				  "a table key must be a number, a string or a stack, not %s",
				  sema_a_type(kt));
		want->key[i] = kt;
	}
	sema_unify_at(s, n, t, want);
	if (n->a->sym && n->a->sym->kind != TAP_SYM_GLOBAL)
		tap_error(s->c, n->line, n->col, "tables must be globals");
	if (tap_type_resolve(tap_type_resolve(t)->val)->kind == TAP_T_AGG && !s->agg_ok)
		tap_error(s->c, n->line, n->col,
			  "%s is an aggregation: read it with count(), sum(), avg(), min(), max() or print_hist()",
			  describe(s, n));
	return tap_type_resolve(t)->val;
}

/*
 * k in t, (k1, k2) in t, t[k] == nil, t[k] != nil: whether the element
 * exists.  Reading a missing element gives 0 or "", so this is the only
 * way to tell a missing element from one that holds 0.
 */
static struct tap_type *exists(struct sema *s, struct tap_node *n)
{
	bool saved = s->agg_ok;

	sema_table_only(s, n->a, "'in' and '== nil' test");

	s->agg_ok = true;
	sema_expr(s, n->a);
	s->agg_ok = saved;
	return sema_type_new(s, TAP_T_NUM, n);
}

void __noreturn sema_nil_error(struct sema *s, const struct tap_node *n)
{
	tap_error(s->c, n->line, n->col,
		  "'nil' stands only for a missing table element: 't[k] == nil' and 't[k] != nil' test for one, 't[k] = nil' deletes one");
}

static struct tap_type *binop(struct sema *s, struct tap_node *n)
{
	struct tap_type *a, *b;
	enum tap_type_kind kind;

	if (n->a->kind == TAP_N_NIL || n->b->kind == TAP_N_NIL) {
		struct tap_node *other = n->a->kind == TAP_N_NIL ? n->b : n->a;

		if ((n->op != TK_EQ && n->op != TK_NE) || other->kind != TAP_N_INDEX)
			sema_nil_error(s, n->a->kind == TAP_N_NIL ? n->a : n->b);
		/* t[k] == nil is "t[k] does not exist" */
		n->kind = TAP_N_EXISTS;
		n->num = n->op == TK_EQ;
		n->a = other;
		n->b = NULL;
		return exists(s, n);
	}
	a = sema_expr(s, n->a);
	b = sema_expr(s, n->b);

	switch (n->op) {
	case TK_EQ: case TK_NE: case TK_CH('<'): case TK_CH('>'): case TK_LE: case TK_GE:
		sema_unify_at(s, n->b, a, b);
		kind = tap_type_resolve(a)->kind;
		if (kind != TAP_T_NUM && kind != TAP_T_STR && kind != TAP_T_ANY &&
		    !(kind == TAP_T_STACK && (n->op == TK_EQ || n->op == TK_NE)))
			tap_error(s->c, n->line, n->col, "cannot compare %s", sema_a_type(a));
		if (kind == TAP_T_ANY)
			sema_need(s, n->a, a, TAP_T_NUM);
		return sema_type_new(s, TAP_T_NUM, n);
	case TK_CONCAT:
		sema_need(s, n->a, a, TAP_T_STR);
		sema_need(s, n->b, b, TAP_T_STR);
		return sema_type_new(s, TAP_T_STR, n);
	default:
		sema_need(s, n->a, a, TAP_T_NUM);
		sema_need(s, n->b, b, TAP_T_NUM);
		return sema_type_new(s, TAP_T_NUM, n);
	}
}

/* The value of a walk over an aggregation is only for count() and the like. */
static void __noreturn agg_local_error(struct sema *s, const struct tap_node *n)
{
	tap_error(s->c, n->line, n->col,
		  "'%s' holds the statistics of an aggregation element: read them with count(%s), sum(%s), avg(%s), min(%s) or max(%s)",
		  n->name, n->name, n->name,
		  n->name, n->name, n->name);
}

/*
 * {[k] = v, ...}, {v1, v2, ...}: the entries' keys and values give the
 * table's types; a bare value's key is its place among them, from 1.
 */
static struct tap_type *table(struct sema *s, struct tap_node *n)
{
	struct tap_type *t = sema_type_new(s, TAP_T_TABLE, n);
	struct tap_node *e, *k;
	long long pos = 0;
	int i, nk;

	t->val = sema_type_new(s, TAP_T_ANY, n);
	for (e = n->list; e; e = e->next) {
		enum tap_type_kind kind;
		struct tap_type *vt;

		if (!e->list) {
			e->list = tap_node_new(s->c, TAP_N_NUM, e->line, e->col);
			e->list->num = ++pos;
		}
		nk = tap_list_len(e->list);
		if (t->nkeys < 0) {
			t->nkeys = nk;
			for (i = 0; i < nk; i++)
				t->key[i] = sema_type_new(s, TAP_T_ANY, e);
		} else if (nk != t->nkeys) {
			tap_error(s->c, e->line, e->col,
				  "this entry has %d key%s, the entries before it %d", nk,
				  nk == 1 ? "" : "s", t->nkeys);
		}
		for (k = e->list, i = 0; k; k = k->next, i++) {
			struct tap_type *kt = sema_expr(s, k);

			kind = tap_type_resolve(kt)->kind;
			if (kind != TAP_T_NUM && kind != TAP_T_STR && kind != TAP_T_STACK &&
			    kind != TAP_T_ANY)
				tap_error(s->c, k->line, k->col,
					  "a table key must be a number, a string or a stack, not %s",
					  sema_a_type(kt));
			sema_unify_at(s, k, t->key[i], kt);
		}
		vt = sema_expr(s, e->b);
		kind = tap_type_resolve(vt)->kind;
		if (kind != TAP_T_NUM && kind != TAP_T_STR && kind != TAP_T_STACK &&
		    kind != TAP_T_ANY)
			tap_error(s->c, e->b->line, e->b->col,
				  "a table value must be a number, a string or a stack, not %s",
				  sema_a_type(vt));
		sema_unify_at(s, e->b, t->val, vt);
	}
	return t;
}

struct tap_type *sema_expr(struct sema *s, struct tap_node *n)
{
	const struct tap_builtin_def *b;
	bool kmem_ok = s->kmem_ok;
	struct tap_type *t;

	s->kmem_ok = false;
	switch (n->kind) {
	case TAP_N_NUM:
		t = sema_type_new(s, TAP_T_NUM, n);
		break;
	case TAP_N_STR:
		if (n->num >= s->c->str_size)
			tap_error(s->c, n->line, n->col,
				  "string literal longer than %u bytes", s->c->str_size - 1);
		t = sema_type_new(s, TAP_T_STR, n);
		break;
	case TAP_N_TABLE:
		t = table(s, n);
		break;
	case TAP_N_NAME:
		b = tap_builtin_find(n->name, false);
		if (b && !sema_find_local(s, n->name)) {
			t = sema_builtin_value(s, n, b);
			break;
		}
		n->sym = resolve_name(s, n);
		if (n->sym->kind == TAP_SYM_FUNC)
			tap_error(s->c, n->line, n->col,
				  "'%s' is a function: call it as %s(...)", n->name, n->name);
		t = n->sym->type;
		if (n->sym->kind == TAP_SYM_LOCAL && tap_type_resolve(t)->kind == TAP_T_AGG &&
		    !s->agg_ok)
			agg_local_error(s, n);
		break;
	case TAP_N_INDEX:
		if (sema_is_elem(n))
			t = sema_elem(s, n);
		else
			t = index_expr(s, n);
		break;
	case TAP_N_MEMBER:
		t = sema_member(s, n);
		break;
	case TAP_N_CAST:
		t = sema_cast(s, n);
		break;
	case TAP_N_FIELD:
		t = field(s, n);
		break;
	case TAP_N_CALL:
		t = sema_call(s, n);
		break;
	case TAP_N_BINOP:
		t = binop(s, n);
		break;
	case TAP_N_EXISTS:
		t = exists(s, n);
		break;
	case TAP_N_NIL:
		sema_nil_error(s, n);
	case TAP_N_TUPLE:
		tap_error(s->c, n->line, n->col,
			  "a list of keys '(a, b)' can only be tested with 'in': (a, b) in t");
	case TAP_N_UNOP:
		sema_need(s, n->a, sema_expr(s, n->a), TAP_T_NUM);
		t = sema_type_new(s, TAP_T_NUM, n);
		break;
	default:
		tap_error(s->c, n->line, n->col, "not an expression");
	}
	if (tap_type_resolve(t)->kind == TAP_T_KMEM && !kmem_ok)
		sema_kmem_error(s, n, tap_type_resolve(t));
	n->type = t;
	return t;
}

/* Parameters exist before the body is checked: calls may come first. */
static void declare_params(struct sema *s, struct tap_node *n)
{
	struct tap_node *param, *other;

	for (param = n->list; param; param = param->next) {
		for (other = n->list; other != param; other = other->next)
			if (!strcmp(other->name, param->name))
				tap_error(s->c, param->line, param->col,
					  "two parameters are named '%s'", param->name);
		if (tap_builtin_is_name(param->name))
			tap_error(s->c, param->line, param->col,
				  "'%s' is built in and cannot be a parameter", param->name);
		param->sym = sema_sym_new(s, param->name, TAP_SYM_LOCAL, param);
		param->sym->assigned = true;
		param->type = param->sym->type;
	}
}

/* Every function is known before any call is checked, wherever it is defined. */
static void declare_functions(struct sema *s, struct tap_node *items)
{
	struct tap_node *n;
	struct tap_sym *sym;

	for (n = items; n; n = n->next) {
		if (n->kind != TAP_N_FUNC)
			continue;
		if (tap_builtin_is_name(n->name))
			tap_error(s->c, n->line, n->col, "'%s' is built in", n->name);
		sym = sema_find_global(s, n->name);
		if (sym)
			tap_error(s->c, n->line, n->col, "'%s' is already defined at %d:%d",
				  n->name, sym->line, sym->col);
		sym = sema_add_global(s, n->name, n);
		sym->kind = TAP_SYM_FUNC;
		sym->func = n;
		sym->assigned = true;
		n->sym = sym;
		declare_params(s, n);
	}
}

static void function(struct sema *s, struct tap_node *n)
{
	struct scope sc = { 0 };
	struct tap_node *param;

	s->ctx = CTX_FUNC;
	s->func = n->sym;
	s->scope = &sc;
	for (param = n->list; param; param = param->next) {
		param->sym->next = sc.syms;
		sc.syms = param->sym;
	}
	sema_block(s, n->b);
	s->scope = NULL;
	s->func = NULL;
}

enum { UNSEEN, ON_PATH, DONE };

static void __noreturn recursion_error(struct sema *s, struct tap_sym *f,
				       const struct tap_callee *call)
{
	if (call->sym == f)
		tap_error(s->c, call->line, call->col,
			  "recursion is not allowed: '%s' calls itself", f->name);
	tap_error(s->c, call->line, call->col,
		  "recursion is not allowed: '%s' calls '%s', which leads back to '%s'",
		  f->name, call->sym->name, f->name);
}

/* Callees were prepended as calls were met: put them in script order. */
static void order_callees(struct tap_sym *f)
{
	struct tap_callee *c = f->callees, *rev = NULL, *next;

	for (; c; c = next) {
		next = c->next;
		c->next = rev;
		rev = c;
	}
	f->callees = rev;
}

/*
 * Calls are inlined, so a function may not reach itself.  A depth-first
 * walk of the call graph, with an explicit stack: a call to a function
 * still on the path closes a cycle.  Each function and call is visited
 * once, so the check is linear in the script's size.
 */
static void check_recursion(struct sema *s)
{
	struct frame { struct tap_sym *f; struct tap_callee *next; } *stack;
	struct tap_sym *sym, *root;
	int nfuncs = 0, sp;

	for (sym = s->globals; sym; sym = sym->next) {
		if (sym->kind == TAP_SYM_FUNC) {
			order_callees(sym);
			sym->mark = UNSEEN;
			nfuncs++;
		}
	}
	stack = tap_alloc(s->c, (nfuncs + 1) * sizeof(*stack));
	for (root = s->globals; root; root = root->next) {
		if (root->kind != TAP_SYM_FUNC || root->mark != UNSEEN)
			continue;
		root->mark = ON_PATH;
		stack[0] = (struct frame){ root, root->callees };
		sp = 1;
		while (sp) {
			struct frame *top = &stack[sp - 1];
			struct tap_callee *call = top->next;

			if (!call) {
				top->f->mark = DONE;
				sp--;
				continue;
			}
			top->next = call->next;
			if (call->sym->mark == ON_PATH)
				recursion_error(s, top->f, call);
			if (call->sym->mark == UNSEEN) {
				call->sym->mark = ON_PATH;
				stack[sp++] = (struct frame){ call->sym, call->sym->callees };
			}
		}
	}
}

/* A walk's names cannot hold keys that are only named when printed. */
static void check_sym_names(struct sema *s, struct tap_node *name)
{
	for (; name; name = name->next)
		if (name->sym && tap_type_resolve(name->sym->type)->kind == TAP_T_SYM)
			tap_error(s->c, name->line, name->col,
				  "'%s' would hold a key made by usym(), ksym(), strftime() or time(), which is only named when printed: print_hist() prints such a table",
				  name->name);
}

/*
 * A walk's value became an aggregation's statistics only after its uses
 * were checked (the table was first used as one after the loop): check
 * them again now that every type is known.
 */
static void check_agg_locals(struct sema *s, struct tap_node *n)
{
	for (; n; n = n->next) {
		if (n->kind == TAP_N_NAME && n->sym && n->sym->kind == TAP_SYM_LOCAL &&
		    tap_type_resolve(n->sym->type)->kind == TAP_T_AGG)
			agg_local_error(s, n);
		if (n->kind == TAP_N_FOR)
			check_sym_names(s, n->list);
		if (n->kind == TAP_N_CALL && n->builtin >= TAP_B_COUNT &&
		    n->builtin <= TAP_B_MAX)
			continue;
		check_agg_locals(s, n->a);
		check_agg_locals(s, n->b);
		check_agg_locals(s, n->c);
		if (n->kind != TAP_N_FOR)
			check_agg_locals(s, n->list);
	}
}

/* Sizes and offsets, once every type is known. */
static void layout(struct sema *s)
{
	struct tap_sema *out = s->out;
	struct tap_sym *sym;
	int off = TAP_G_FIRST, i = 0;

	out->globals = s->globals;
	for (sym = s->globals; sym; sym = sym->next) {
		struct tap_type *t = tap_type_resolve(sym->type);

		if (sym->kind == TAP_SYM_FUNC) {
			/* a function that returns nothing has no value */
			if (t->kind == TAP_T_ANY)
				t->kind = TAP_T_VOID;
			continue;
		}
		if (sym->kind != TAP_SYM_GLOBAL)
			continue;
		if (!sym->assigned && tap_builtin_closest(sym->name, false))
			tap_error(s->c, sym->line, sym->col,
				  "'%s' is used but never assigned (did you mean '%s'?)", sym->name,
				  tap_builtin_closest(sym->name, false));
		if (!sym->assigned)
			tap_error(s->c, sym->line, sym->col, "'%s' is used but never assigned",
				  sym->name);
		if (t->kind == TAP_T_ANY)
			*t = (struct tap_type){ .kind = TAP_T_NUM, .line = sym->line,
						.col = sym->col };
		if (t->kind == TAP_T_TABLE) {
			if (t->nkeys < 0) {
				/* never indexed: an empty table of numbers */
				t->nkeys = 1;
				t->key[0] = sema_type_new(s, TAP_T_NUM, NULL);
			}
			if (!t->val)
				t->val = sema_type_new(s, TAP_T_NUM, NULL);
			for (int k = 0; k < t->nkeys; k++)
				if (tap_type_resolve(t->key[k])->kind == TAP_T_ANY)
					tap_type_resolve(t->key[k])->kind = TAP_T_NUM;
			if (tap_type_resolve(t->val)->kind == TAP_T_ANY)
				tap_type_resolve(t->val)->kind = TAP_T_NUM;
			sym->map = out->ntables++;
			continue;
		}
		sym->offset = off;
		off += t->kind == TAP_T_STR ? (int)((s->c->str_size + 7) & ~7U) : 8;
	}
	out->globals_size = off;
	for (struct tap_callee *use = s->value_uses; use; use = use->next)
		if (tap_type_resolve(use->sym->type)->kind == TAP_T_VOID)
			tap_error(s->c, use->line, use->col,
				  "'%s' returns no value, so its call has none to use",
				  use->sym->name);
	out->tables = tap_alloc(s->c, sizeof(*out->tables) * (out->ntables + 1));
	for (sym = s->globals; sym; sym = sym->next)
		if (sym->map >= 0)
			out->tables[i++] = sym;
}

static bool is_execname(const struct tap_node *n)
{
	return n->kind == TAP_N_NAME && !n->sym && n->builtin == TAP_B_EXECNAME;
}

/*
 * Clear the comm_keys of the tables that @n indexes with other keys than
 * execname; *@all: a table was indexed under another name (a function's
 * parameter), or one was given entries '{[k] = v}', whose table is not
 * told here.
 */
static void comm_key_uses(struct tap_node *n, bool *all)
{
	for (; n; n = n->next) {
		struct tap_node *k;
		int i = 0;

		if (n->kind == TAP_N_INDEX && n->a->kind == TAP_N_NAME && n->a->sym &&
		    tap_type_resolve(n->a->sym->type)->kind == TAP_T_TABLE) {
			if (n->a->sym->map < 0)
				*all = true;
			for (k = n->list; k; k = k->next, i++)
				if (!is_execname(k))
					n->a->sym->comm_keys &= ~(1U << i);
		}
		if (n->kind == TAP_N_TABLE && n->list)
			*all = true;
		if (n->kind == TAP_N_INDEX && n->a->kind == TAP_N_NAME) {
			comm_key_uses(n->list, all);
			continue;
		}
		comm_key_uses(n->a, all);
		comm_key_uses(n->b, all);
		comm_key_uses(n->c, all);
		comm_key_uses(n->list, all);
	}
}

/*
 * The key parts of a table that only ever hold execname are stored in
 * TAP_COMM_SIZE bytes, not str_size: a comm is at most 16 bytes, and a
 * smaller key is quicker to build, hash and compare.  Only what the
 * kernel gives can be such a key: a table also indexed by anything else
 * (a string that may be longer, a variable) keeps the full size.  Tables
 * cannot be copied; what only reads one (print(t), pairs(t), len(t)) or
 * deletes from it by index does not count.
 */
static void comm_keys(struct sema *s, struct tap_node *items)
{
	bool all = false;
	int i;

	for (i = 0; i < s->out->ntables; i++)
		s->out->tables[i]->comm_keys = s->c->str_size > TAP_COMM_SIZE ? ~0U : 0;
	comm_key_uses(items, &all);
	for (i = 0; i < s->out->ntables; i++)
		if (all)
			s->out->tables[i]->comm_keys = 0;
}

/* A probe's or a timer's /filter/: a number, in a scope of its own. */
static void filter(struct sema *s, struct tap_node *n)
{
	struct scope sc = { 0 };

	if (!n)
		return;
	s->scope = &sc;
	sema_need(s, n, sema_expr(s, n), TAP_T_NUM);
	s->scope = NULL;
}

void tap_sema(struct tap_compiler *c, struct tap_node *items, struct tap_sema *out)
{
	struct sema s = { .c = c, .out = out };
	struct tap_node *n;

	memset(out, 0, sizeof(*out));
	s.globals_tail = &s.globals;
	declare_functions(&s, items);
	for (n = items; n; n = n->next) {
		s.ctx = CTX_MAIN;
		switch (n->kind) {
		case TAP_N_FUNC:
			function(&s, n);
			break;
		case TAP_N_TRACE:
			s.ctx = CTX_TRACE;
			s.trace = n;
			s.specs = tap_block_specs(c, n, &s.nr_specs);
			filter(&s, n->a);
			sema_block(&s, n->b);
			s.trace = NULL;
			break;
		case TAP_N_TIMER:
			s.ctx = CTX_TIMER;
			filter(&s, n->a);
			sema_block(&s, n->b);
			break;
		case TAP_N_TRACE_END:
			s.ctx = CTX_END;
			sema_block(&s, n->b);
			break;
		default:
			sema_stmt(&s, n);
			break;
		}
	}
	check_recursion(&s);
	check_agg_locals(&s, items);
	layout(&s);
	comm_keys(&s, items);
}
