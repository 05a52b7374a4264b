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
#include "sema.h"

enum ctx_kind { CTX_MAIN, CTX_END, CTX_TRACE, CTX_TIMER, CTX_FUNC };

struct scope {
	struct tap_sym *syms;
	struct scope *up;
};

struct sema {
	struct tap_compiler *c;
	struct tap_sema *out;
	struct tap_sym *globals, **globals_tail;
	struct scope *scope;		/* innermost local scope, NULL at top level */
	enum ctx_kind ctx;
	int loop_depth;
	struct tap_sym *func;		/* the function being checked, if any */
	struct tap_node *trace;		/* the trace block being checked, if any */
	bool agg_ok;			/* an aggregation element may be named here */
	bool record_ok;			/* argstr may be named here (print arguments) */
	struct tap_node *stmt_call;	/* the call a call statement makes */
	struct tap_callee *value_uses;	/* calls of user functions whose value is used */
};

static struct tap_type *type_new(struct sema *s, enum tap_type_kind kind,
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

static const char *a_type(struct tap_type *t)
{
	switch (tap_type_resolve(t)->kind) {
	case TAP_T_NUM:   return "a number";
	case TAP_T_STR:   return "a string";
	case TAP_T_STACK: return "a stack";
	case TAP_T_TABLE: return "a table";
	case TAP_T_AGG:   return "an aggregation";
	case TAP_T_VOID:  return "nothing (no value)";
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
		if (n->a->kind == TAP_N_NAME)
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

static void unify_at(struct sema *s, const struct tap_node *at, struct tap_type *a,
		     struct tap_type *b);

/*
 * Make @a and @b the same type.  @at is the use being checked: it is where
 * a conflict is reported, and where a type variable becomes concrete.
 */
static void unify_at(struct sema *s, const struct tap_node *at, struct tap_type *a,
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
			  describe(s, at), a_type(b), a_type(a), a->line, a->col);
	if (a->kind != TAP_T_TABLE) {
		b->link = a;
		return;
	}
	if (a->nkeys < 0) {
		a->nkeys = b->nkeys;
		memcpy(a->key, b->key, sizeof(a->key));
	} else if (b->nkeys >= 0 && a->nkeys != b->nkeys) {
		tap_error(s->c, at->line, at->col,
			  "%s is indexed with %d key%s here, but with %d at %d:%d",
			  describe(s, at), b->nkeys, b->nkeys == 1 ? "" : "s", a->nkeys,
			  a->line, a->col);
	} else {
		for (i = 0; i < a->nkeys && b->nkeys >= 0; i++)
			unify_at(s, at, a->key[i], b->key[i]);
	}
	if (!a->val)
		a->val = b->val;
	else if (b->val)
		unify_at(s, at, a->val, b->val);
	b->link = a;
}

/* The context needs @kind at @at: say so if @t is something else. */
static void need(struct sema *s, const struct tap_node *at, struct tap_type *t,
		 enum tap_type_kind kind)
{
	struct tap_type *want = type_new(s, kind, at), *have = tap_type_resolve(t);

	if (have->kind != TAP_T_ANY && have->kind != kind) {
		if (have->line == at->line && have->col == at->col)
			tap_error(s->c, at->line, at->col, "%s is %s, but %s is needed here",
				  describe(s, at), a_type(have), a_type(want));
		tap_error(s->c, at->line, at->col, "%s is %s (since %d:%d), but %s is needed here",
			  describe(s, at), a_type(have), have->line, have->col, a_type(want));
	}
	unify_at(s, at, t, want);
}

static struct tap_sym *sym_new(struct sema *s, const char *name, enum tap_sym_kind kind,
			       const struct tap_node *at)
{
	struct tap_sym *sym = tap_alloc(s->c, sizeof(*sym));

	sym->name = name;
	sym->kind = kind;
	sym->line = at->line;
	sym->col = at->col;
	sym->map = -1;
	sym->type = type_new(s, TAP_T_ANY, NULL);
	sym->type->line = at->line;
	sym->type->col = at->col;
	return sym;
}

static struct tap_sym *find_global(struct sema *s, const char *name)
{
	struct tap_sym *sym;

	for (sym = s->globals; sym; sym = sym->next)
		if (!strcmp(sym->name, name))
			return sym;
	return NULL;
}

static struct tap_sym *add_global(struct sema *s, const char *name, const struct tap_node *at)
{
	struct tap_sym *sym = sym_new(s, name, TAP_SYM_GLOBAL, at);

	*s->globals_tail = sym;
	s->globals_tail = &sym->next;
	return sym;
}

static struct tap_sym *find_local(struct sema *s, const char *name)
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
	struct tap_sym *sym = find_local(s, n->name);

	if (sym)
		return sym;
	sym = find_global(s, n->name);
	if (sym)
		return sym;
	if (n->name[0] == '$')
		tap_error(s->c, n->line, n->col,
			  "unknown name '%s': $retval is the only name that starts with '$'",
			  n->name);
	return add_global(s, n->name, n);
}

static struct tap_type *expr(struct sema *s, struct tap_node *n);
static void block(struct sema *s, struct tap_node *n);
static void for_stmt(struct sema *s, struct tap_node *n);

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

static struct tap_type *builtin_type(struct sema *s, struct tap_node *n,
				     const struct tap_builtin_def *b)
{
	switch (b->type) {
	case TAP_BT_STR:	return type_new(s, TAP_T_STR, n);
	case TAP_BT_STACK:	return type_new(s, TAP_T_STACK, n);
	case TAP_BT_VOID:	return type_new(s, TAP_T_VOID, n);
	default:		return type_new(s, TAP_T_NUM, n);
	}
}

/* What every built-in is checked for: being called right, and where. */
static void builtin_check(struct sema *s, struct tap_node *n, const struct tap_builtin_def *b)
{
	int nargs = tap_list_len(n->list);

	n->builtin = b->id;
	if (b->call && (nargs < b->min_args || (b->max_args >= 0 && nargs > b->max_args)))
		tap_error(s->c, n->line, n->col, "%s() takes %s", b->name, b->args);
	if (!(ctx_in(s) & b->in))
		tap_error(s->c, n->line, n->col, b->call ? "%s() has no value outside %s" :
			  "'%s' has no value outside %s", b->name, tap_builtin_where(b->in));
}

static struct tap_type *builtin_value(struct sema *s, struct tap_node *n,
				      const struct tap_builtin_def *b)
{
	builtin_check(s, n, b);
	if (b->id == TAP_B_ARGSTR) {
		if (!s->record_ok)
			tap_error(s->c, n->line, n->col,
				  "'argstr' can only be printed: print(argstr) or printf(\"%%s\", argstr)");
		return type_new(s, TAP_T_RECORD, n);
	}
	return builtin_type(s, n, b);
}

/* arg.NAME: numbered by name across the script; typed from tracefs. */
static struct tap_type *field(struct sema *s, struct tap_node *n)
{
	struct tap_object *obj = s->c->obj;
	enum tap_type_kind kind = TAP_T_NUM;
	char why[256] = "";
	int i;

	if (s->ctx == CTX_MAIN || s->ctx == CTX_END || s->ctx == CTX_TIMER)
		tap_error(s->c, n->line, n->col, "'arg.%s' has no value outside trace probes",
			  n->name);
	if (s->trace && s->c->field_type) {
		int k = s->c->field_type(s->c->field_type_arg, s->trace, n->name, why,
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
	return type_new(s, kind, n);
}

static struct tap_type *index_expr(struct sema *s, struct tap_node *n)
{
	struct tap_type *want, *t;
	struct tap_node *k;
	int i = 0;

	if (n->a->kind != TAP_N_NAME)
		tap_error(s->c, n->a->line, n->a->col, "only a named table can be indexed");
	t = expr(s, n->a);
	want = type_new(s, TAP_T_TABLE, n);
	want->nkeys = tap_list_len(n->list);
	want->val = type_new(s, TAP_T_ANY, n);
	for (k = n->list; k; k = k->next, i++) {
		struct tap_type *kt = expr(s, k), *have = tap_type_resolve(t);
		enum tap_type_kind kind = tap_type_resolve(kt)->kind;

		/* a key conflict names the key, not the element */
		if (have->kind == TAP_T_TABLE && have->nkeys > i &&
		    tap_type_resolve(have->key[i])->kind != TAP_T_ANY && kind != TAP_T_ANY &&
		    tap_type_resolve(have->key[i])->kind != kind)
			tap_error(s->c, k->line, k->col, "key %d of '%s' is %s here, but %s at %d:%d",
				  i + 1, n->a->name, a_type(kt), a_type(have->key[i]),
				  tap_type_resolve(have->key[i])->line,
				  tap_type_resolve(have->key[i])->col);

		if (kind != TAP_T_NUM && kind != TAP_T_STR && kind != TAP_T_STACK &&
		    kind != TAP_T_ANY)
			tap_error(s->c, k->line, k->col,
				  "a table key must be a number, a string or a stack, not %s",
				  a_type(kt));
		want->key[i] = kt;
	}
	unify_at(s, n, t, want);
	if (n->a->sym && n->a->sym->kind != TAP_SYM_GLOBAL)
		tap_error(s->c, n->line, n->col, "tables must be globals");
	if (tap_type_resolve(tap_type_resolve(t)->val)->kind == TAP_T_AGG && !s->agg_ok)
		tap_error(s->c, n->line, n->col,
			  "%s is an aggregation: read it with count(), sum(), avg(), min(), "
			  "max() or print_hist()", describe(s, n));
	return tap_type_resolve(t)->val;
}

static void check_printf(struct sema *s, struct tap_node *n)
{
	struct tap_node *fmt = n->list, *arg;
	const char *p;

	if (!fmt || fmt->kind != TAP_N_STR)
		tap_error(s->c, n->line, n->col,
			  "printf needs a string literal as its format");
	arg = fmt->next;
	for (p = fmt->name; p < fmt->name + fmt->num; p++) {
		enum tap_type_kind want;

		if (*p != '%')
			continue;
		p++;
		if (*p == '%')
			continue;
		while (*p && strchr("-+ 0#", *p))
			p++;
		while (*p >= '0' && *p <= '9')
			p++;
		if (*p == '.') {
			p++;
			while (*p >= '0' && *p <= '9')
				p++;
		}
		while (*p == 'l' || *p == 'h')
			p++;
		switch (*p) {
		case 'd': case 'i': case 'u': case 'x': case 'X': case 'o': case 'c':
			want = TAP_T_NUM;
			break;
		case 's':
			want = TAP_T_STR;
			/* argstr prints as %s */
			if (arg && arg->kind == TAP_N_NAME && !strcmp(arg->name, "argstr") &&
			    !find_local(s, "argstr")) {
				s->record_ok = true;
				expr(s, arg);
				s->record_ok = false;
				arg = arg->next;
				continue;
			}
			break;
		default:
			tap_error(s->c, fmt->line, fmt->col,
				  "printf: unknown conversion '%%%c' (use %%d %%u %%x %%s %%c %%%%)",
				  *p ? *p : ' ');
		}
		if (!arg)
			tap_error(s->c, n->line, n->col, "printf: too few arguments for the format");
		need(s, arg, expr(s, arg), want);
		arg = arg->next;
	}
	if (arg)
		tap_error(s->c, arg->line, arg->col, "printf: more arguments than the format uses");
}

/*
 * f(args): arguments unify with the parameters, so a function has one
 * type for all its callers; the call's value is the function's return type.
 */
static struct tap_type *user_call(struct sema *s, struct tap_node *n, struct tap_sym *fsym)
{
	struct tap_node *fn = fsym->func, *param = fn->list, *arg;
	struct tap_callee *callee;
	int i = 1;

	if (tap_list_len(n->list) != tap_list_len(fn->list))
		tap_error(s->c, n->line, n->col, "'%s' takes %d argument%s, not %d", n->name,
			  tap_list_len(fn->list), tap_list_len(fn->list) == 1 ? "" : "s",
			  tap_list_len(n->list));
	for (arg = n->list; arg; arg = arg->next, param = param->next, i++) {
		struct tap_type *t = expr(s, arg), *pt = tap_type_resolve(param->sym->type);
		enum tap_type_kind kind = tap_type_resolve(t)->kind;

		if (pt->kind != TAP_T_ANY && kind != TAP_T_ANY && pt->kind != kind)
			tap_error(s->c, arg->line, arg->col,
				  "argument %d of '%s' is %s here, but %s at %d:%d", i, n->name,
				  a_type(t), a_type(pt), pt->line, pt->col);

		if (kind == TAP_T_TABLE || kind == TAP_T_VOID)
			tap_error(s->c, arg->line, arg->col,
				  "a function argument must be a number or a string, not %s",
				  a_type(t));
		unify_at(s, arg, param->sym->type, t);
	}
	n->sym = fsym;
	if (n != s->stmt_call) {
		/* the value is used: the function must return one (checked in layout) */
		struct tap_callee *use = tap_alloc(s->c, sizeof(*use));

		use->sym = fsym;
		use->line = n->line;
		use->col = n->col;
		use->next = s->value_uses;
		s->value_uses = use;
	}
	if (s->func) {
		callee = tap_alloc(s->c, sizeof(*callee));
		callee->sym = fsym;
		callee->line = n->line;
		callee->col = n->col;
		callee->next = s->func->callees;
		s->func->callees = callee;
	}
	return fsym->type;
}

/* kernel_v("sym"): the runtime puts each symbol's address in TAP_MAP_KSYMS. */
static void kernel_sym(struct sema *s, const char *name)
{
	struct tap_object *obj = s->c->obj;
	const char **k;
	int i;

	for (i = 0; i < obj->nr_ksyms; i++)
		if (!strcmp(obj->ksyms[i], name))
			return;
	k = tap_alloc(s->c, (i + 1) * sizeof(*k));
	if (i)
		memcpy(k, obj->ksyms, i * sizeof(*k));
	k[i] = name;
	obj->ksyms = k;
	obj->nr_ksyms++;
}

static struct tap_type *call(struct sema *s, struct tap_node *n)
{
	const struct tap_builtin_def *def = tap_builtin_find(n->name, true);
	int nargs = tap_list_len(n->list);
	struct tap_node *arg;
	struct tap_type *t;

	if (!def) {
		struct tap_sym *fsym = find_global(s, n->name);
		const char *near = tap_builtin_closest(n->name, true);

		if (fsym && fsym->kind == TAP_SYM_FUNC)
			return user_call(s, n, fsym);
		if (near)
			tap_error(s->c, n->line, n->col, "unknown function '%s' (did you mean '%s'?)",
				  n->name, near);
		tap_error(s->c, n->line, n->col, "unknown function '%s'", n->name);
	}
	builtin_check(s, n, def);
	switch (def->id) {
	case TAP_B_PRINT:
		for (arg = n->list; arg; arg = arg->next) {
			enum tap_type_kind kind;

			s->record_ok = true;
			kind = tap_type_resolve(expr(s, arg))->kind;
			s->record_ok = false;

			if (kind == TAP_T_TABLE)
				tap_error(s->c, arg->line, arg->col,
					  "print cannot print a table; use print_hist()");
			if (kind == TAP_T_VOID)
				tap_error(s->c, arg->line, arg->col,
					  "this call has no value to print");
		}
		break;
	case TAP_B_PRINTF:
		check_printf(s, n);
		break;
	case TAP_B_PRINT_HIST:
		if (n->list->kind != TAP_N_NAME)
			tap_error(s->c, n->line, n->col, "%s() takes %s", def->name, def->args);
		t = expr(s, n->list);
		need(s, n->list, t, TAP_T_TABLE);
		t = tap_type_resolve(t);
		if (!t->val)
			t->val = type_new(s, TAP_T_ANY, n);
		if (tap_type_resolve(t->val)->kind != TAP_T_ANY &&
		    tap_type_resolve(t->val)->kind != TAP_T_NUM &&
		    tap_type_resolve(t->val)->kind != TAP_T_AGG)
			tap_error(s->c, n->list->line, n->list->col,
				  "print_hist needs a table of numbers, '%s' holds %ss",
				  n->list->name, tap_type_resolve(t->val)->kind == TAP_T_STR ?
				  "string" : "other value");
		if (nargs == 2)
			need(s, n->list->next, expr(s, n->list->next), TAP_T_NUM);
		break;
	case TAP_B_DELETE:
		if (n->list->kind != TAP_N_NAME && n->list->kind != TAP_N_INDEX)
			tap_error(s->c, n->line, n->col, "%s() takes %s", def->name, def->args);
		s->agg_ok = true;
		t = expr(s, n->list);
		s->agg_ok = false;
		if (n->list->kind == TAP_N_NAME)
			need(s, n->list, t, TAP_T_TABLE);
		break;
	case TAP_B_COUNT ... TAP_B_MAX:
		if (n->list->kind != TAP_N_INDEX)
			tap_error(s->c, n->line, n->col, "%s() takes %s", def->name, def->args);
		s->agg_ok = true;
		t = expr(s, n->list);
		s->agg_ok = false;
		need(s, n->list, t, TAP_T_AGG);
		break;
	case TAP_B_KERNEL_V:
		if (n->list->kind != TAP_N_STR)
			tap_error(s->c, n->line, n->col, "%s() takes %s", def->name, def->args);
		kernel_sym(s, n->list->name);
		break;
	case TAP_B_KERNEL_STRING:
	case TAP_B_USER_STRING:
		need(s, n->list, expr(s, n->list), TAP_T_NUM);
		break;
	case TAP_B_LEN:
		if (n->list->kind != TAP_N_NAME)
			tap_error(s->c, n->line, n->col, "%s() takes %s", def->name, def->args);
		need(s, n->list, expr(s, n->list), TAP_T_TABLE);
		break;
	default:
		break;
	}
	return builtin_type(s, n, def);
}

static struct tap_type *binop(struct sema *s, struct tap_node *n)
{
	struct tap_type *a = expr(s, n->a), *b = expr(s, n->b);
	enum tap_type_kind kind;

	switch (n->op) {
	case TK_EQ: case TK_NE: case TK_CH('<'): case TK_CH('>'): case TK_LE: case TK_GE:
		unify_at(s, n->b, a, b);
		kind = tap_type_resolve(a)->kind;
		if (kind != TAP_T_NUM && kind != TAP_T_STR && kind != TAP_T_ANY &&
		    !(kind == TAP_T_STACK && (n->op == TK_EQ || n->op == TK_NE)))
			tap_error(s->c, n->line, n->col, "cannot compare %s", a_type(a));
		if (kind == TAP_T_ANY)
			need(s, n->a, a, TAP_T_NUM);
		return type_new(s, TAP_T_NUM, n);
	case TK_CONCAT:
		need(s, n->a, a, TAP_T_STR);
		need(s, n->b, b, TAP_T_STR);
		return type_new(s, TAP_T_STR, n);
	default:
		need(s, n->a, a, TAP_T_NUM);
		need(s, n->b, b, TAP_T_NUM);
		return type_new(s, TAP_T_NUM, n);
	}
}

static struct tap_type *expr(struct sema *s, struct tap_node *n)
{
	const struct tap_builtin_def *b;
	struct tap_type *t;

	switch (n->kind) {
	case TAP_N_NUM:
		t = type_new(s, TAP_T_NUM, n);
		break;
	case TAP_N_STR:
		if (n->num >= s->c->str_size)
			tap_error(s->c, n->line, n->col,
				  "string literal longer than %u bytes", s->c->str_size - 1);
		t = type_new(s, TAP_T_STR, n);
		break;
	case TAP_N_TABLE:
		t = type_new(s, TAP_T_TABLE, n);
		t->val = type_new(s, TAP_T_ANY, n);
		break;
	case TAP_N_NAME:
		b = tap_builtin_find(n->name, false);
		if (b && !find_local(s, n->name)) {
			t = builtin_value(s, n, b);
			break;
		}
		n->sym = resolve_name(s, n);
		if (n->sym->kind == TAP_SYM_FUNC)
			tap_error(s->c, n->line, n->col,
				  "'%s' is a function: call it as %s(...)", n->name, n->name);
		t = n->sym->type;
		break;
	case TAP_N_INDEX:
		t = index_expr(s, n);
		break;
	case TAP_N_FIELD:
		t = field(s, n);
		break;
	case TAP_N_CALL:
		t = call(s, n);
		break;
	case TAP_N_BINOP:
		t = binop(s, n);
		break;
	case TAP_N_UNOP:
		need(s, n->a, expr(s, n->a), TAP_T_NUM);
		t = type_new(s, TAP_T_NUM, n);
		break;
	default:
		tap_error(s->c, n->line, n->col, "not an expression");
	}
	n->type = t;
	return t;
}

static void check_assignable(struct sema *s, struct tap_node *target)
{
	struct tap_node *name = target->kind == TAP_N_INDEX ? target->a : target;

	if (name->kind == TAP_N_NAME && tap_builtin_find(name->name, false) &&
	    !find_local(s, name->name))
		tap_error(s->c, name->line, name->col, "'%s' is built in and cannot be assigned",
			  name->name);
	if (name->kind == TAP_N_NAME && !find_local(s, name->name) &&
	    find_global(s, name->name) && find_global(s, name->name)->kind == TAP_SYM_FUNC)
		tap_error(s->c, name->line, name->col, "'%s' is a function and cannot be assigned",
			  name->name);
}

static void assign(struct sema *s, struct tap_node *n)
{
	struct tap_type *lhs, *rhs;
	enum tap_type_kind kind;

	check_assignable(s, n->a);
	rhs = expr(s, n->b);
	lhs = expr(s, n->a);
	if (n->a->sym)
		n->a->sym->assigned = true;
	if (n->a->kind == TAP_N_INDEX && n->a->a->sym)
		n->a->a->sym->assigned = true;
	if (n->op != TK_CH('=')) {
		need(s, n->a, lhs, TAP_T_NUM);
		need(s, n->b, rhs, TAP_T_NUM);
		return;
	}
	unify_at(s, n->a, lhs, rhs);
	kind = tap_type_resolve(lhs)->kind;
	if (kind == TAP_T_VOID)
		tap_error(s->c, n->b->line, n->b->col, "this call has no value to assign");
	if (kind == TAP_T_TABLE && n->b->kind != TAP_N_TABLE)
		tap_error(s->c, n->b->line, n->b->col, "tables cannot be copied");
	if (kind == TAP_T_TABLE && n->a->kind == TAP_N_INDEX)
		tap_error(s->c, n->b->line, n->b->col, "a table cannot be stored in a table");
	if (kind == TAP_T_TABLE && n->a->kind == TAP_N_NAME && s->scope)
		tap_error(s->c, n->line, n->col,
			  "tables are created by 'var t = {}' at top level or on first use");
}

static void var_decl(struct sema *s, struct tap_node *n)
{
	struct tap_sym *sym;

	if (tap_builtin_find(n->name, false))
		tap_error(s->c, n->line, n->col, "'%s' is built in and cannot be declared",
			  n->name);
	if (!s->scope) {
		sym = find_global(s, n->name);
		if (sym && sym->assigned)
			tap_error(s->c, n->line, n->col, "'%s' is already declared at %d:%d",
				  n->name, sym->line, sym->col);
		if (!sym)
			sym = add_global(s, n->name, n);
	} else {
		for (sym = s->scope->syms; sym; sym = sym->next)
			if (!strcmp(sym->name, n->name))
				tap_error(s->c, n->line, n->col,
					  "'%s' is already declared at %d:%d", n->name,
					  sym->line, sym->col);
		sym = sym_new(s, n->name, TAP_SYM_LOCAL, n);
		sym->next = s->scope->syms;
		s->scope->syms = sym;
	}
	n->sym = sym;
	n->type = sym->type;
	sym->assigned = true;
	if (n->a) {
		struct tap_type *t = expr(s, n->a);

		if (tap_type_resolve(t)->kind == TAP_T_VOID)
			tap_error(s->c, n->a->line, n->a->col, "this call has no value");
		if (tap_type_resolve(t)->kind == TAP_T_TABLE && s->scope)
			tap_error(s->c, n->line, n->col,
				  "tables must be globals: declare them at top level");
		unify_at(s, n, sym->type, t);
	}
}

static void stmt(struct sema *s, struct tap_node *n)
{
	struct tap_type *t;

	switch (n->kind) {
	case TAP_N_VAR:
		var_decl(s, n);
		break;
	case TAP_N_BLOCK:
		block(s, n);
		break;
	case TAP_N_IF:
		need(s, n->a, expr(s, n->a), TAP_T_NUM);
		block(s, n->b);
		if (n->c)
			stmt(s, n->c);
		break;
	case TAP_N_WHILE:
		need(s, n->a, expr(s, n->a), TAP_T_NUM);
		s->loop_depth++;
		block(s, n->b);
		s->loop_depth--;
		break;
	case TAP_N_FOR:
		for_stmt(s, n);
		break;
	case TAP_N_BREAK:
		if (!s->loop_depth)
			tap_error(s->c, n->line, n->col, "'break' outside a loop");
		break;
	case TAP_N_RETURN:
		if (!s->func)
			tap_error(s->c, n->line, n->col, "'return' outside a function");
		if (n->a) {
			enum tap_type_kind kind;

			t = expr(s, n->a);
			kind = tap_type_resolve(t)->kind;
			if (kind == TAP_T_TABLE || kind == TAP_T_VOID)
				tap_error(s->c, n->a->line, n->a->col,
					  "a function returns a number or a string, not %s",
					  a_type(t));
			unify_at(s, n->a, s->func->type, t);
		}
		break;
	case TAP_N_ASSIGN:
		assign(s, n);
		break;
	case TAP_N_AGG:
		check_assignable(s, n->a);
		need(s, n->b, expr(s, n->b), TAP_T_NUM);
		s->agg_ok = true;
		t = expr(s, n->a);
		s->agg_ok = false;
		unify_at(s, n->a, t, type_new(s, TAP_T_AGG, n->a));
		n->a->a->sym->assigned = true;
		break;
	case TAP_N_EXPR:
		s->stmt_call = n->a;
		expr(s, n->a);
		s->stmt_call = NULL;
		break;
	default:
		tap_error(s->c, n->line, n->col, "not a statement");
	}
}

/*
 * for (k, v in pairs(t)) { ... }: k and v are locals holding a copy of
 * each element's key and value.
 */
static void for_stmt(struct sema *s, struct tap_node *n)
{
	struct scope sc = { .up = s->scope };
	struct tap_type *t, *tt;
	struct tap_node *k, *v;

	if (n->a->kind != TAP_N_NAME)
		tap_error(s->c, n->a->line, n->a->col, "pairs() takes a table name");
	t = expr(s, n->a);
	need(s, n->a, t, TAP_T_TABLE);
	tt = tap_type_resolve(t);
	if (tt->nkeys < 0) {
		tt->nkeys = 1;
		tt->key[0] = type_new(s, TAP_T_ANY, n->a);
	}
	if (!tt->val)
		tt->val = type_new(s, TAP_T_ANY, n->a);
	if (tt->nkeys != 1)
		tap_error(s->c, n->a->line, n->a->col,
			  "for ... pairs() over a table with %d keys is not supported yet",
			  tt->nkeys);
	if (tap_type_resolve(tt->val)->kind == TAP_T_AGG)
		tap_error(s->c, n->a->line, n->a->col,
			  "for ... pairs() over an aggregation is not supported: use print_hist()");
	if (!strcmp(n->name, n->name2))
		tap_error(s->c, n->line, n->col, "the key and the value need two names");
	k = tap_node_new(s->c, TAP_N_NAME, n->line, n->col);
	k->name = n->name;
	v = tap_node_new(s->c, TAP_N_NAME, n->line, n->col);
	v->name = n->name2;
	k->next = v;
	n->list = k;
	k->sym = sym_new(s, k->name, TAP_SYM_LOCAL, k);
	v->sym = sym_new(s, v->name, TAP_SYM_LOCAL, v);
	k->sym->assigned = v->sym->assigned = true;
	unify_at(s, n->a, k->sym->type, tt->key[0]);
	unify_at(s, n->a, v->sym->type, tt->val);
	k->sym->next = v->sym;
	sc.syms = k->sym;
	s->scope = &sc;
	s->loop_depth++;
	block(s, n->b);
	s->loop_depth--;
	s->scope = sc.up;
}

static void block(struct sema *s, struct tap_node *n)
{
	struct scope sc = { .up = s->scope };
	struct tap_node *st;

	s->scope = &sc;
	for (st = n->list; st; st = st->next)
		stmt(s, st);
	s->scope = sc.up;
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
		param->sym = sym_new(s, param->name, TAP_SYM_LOCAL, param);
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
		sym = find_global(s, n->name);
		if (sym)
			tap_error(s->c, n->line, n->col, "'%s' is already defined at %d:%d",
				  n->name, sym->line, sym->col);
		sym = add_global(s, n->name, n);
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
	block(s, n->b);
	s->scope = NULL;
	s->func = NULL;
}

enum { UNSEEN, ON_PATH, DONE };

static void __attribute__((noreturn)) recursion_error(struct sema *s, struct tap_sym *f,
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
				t->key[0] = type_new(s, TAP_T_NUM, NULL);
			}
			if (!t->val)
				t->val = type_new(s, TAP_T_NUM, NULL);
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
			if (n->a) {
				struct scope sc = { 0 };

				s.scope = &sc;
				need(&s, n->a, expr(&s, n->a), TAP_T_NUM);
				s.scope = NULL;
			}
			block(&s, n->b);
			s.trace = NULL;
			break;
		case TAP_N_TIMER:
			s.ctx = CTX_TIMER;
			block(&s, n->b);
			break;
		case TAP_N_TRACE_END:
			s.ctx = CTX_END;
			block(&s, n->b);
			break;
		default:
			stmt(&s, n);
			break;
		}
	}
	check_recursion(&s);
	layout(&s);
}
