// SPDX-License-Identifier: GPL-2.0
/*
 * Semantic analysis of statements: assignments and declarations, '<<<'
 * and the histogram it keeps, if, while, return, and the for loops, whose
 * variables are locals of their bodies.
 */
#include <string.h>

#include "lex.h"
#include "sema-int.h"

static void for_stmt(struct sema *s, struct tap_node *n);
static void for_numeric(struct sema *s, struct tap_node *n);

static void check_assignable(struct sema *s, struct tap_node *target)
{
	struct tap_node *name = target->kind == TAP_N_INDEX ? target->a : target;

	sema_table_only(s, target, "assignments and '<<<' change");
	if (name->kind == TAP_N_NAME && tap_builtin_find(name->name, false) &&
	    !sema_find_local(s, name->name))
		tap_error(s->c, name->line, name->col, "'%s' is built in and cannot be assigned",
			  name->name);
	if (name->kind == TAP_N_NAME && !sema_find_local(s, name->name) &&
	    sema_find_global(s, name->name) &&
	    sema_find_global(s, name->name)->kind == TAP_SYM_FUNC)
		tap_error(s->c, name->line, name->col, "'%s' is a function and cannot be assigned",
			  name->name);
}

static void assign(struct sema *s, struct tap_node *n)
{
	struct tap_type *lhs, *rhs;
	enum tap_type_kind kind;

	check_assignable(s, n->a);
	rhs = sema_expr(s, n->b);
	lhs = sema_expr(s, n->a);
	if (n->a->sym)
		n->a->sym->assigned = true;
	if (n->a->kind == TAP_N_INDEX && n->a->a->sym)
		n->a->a->sym->assigned = true;
	if (n->op != TK_CH('=')) {
		sema_need(s, n->a, lhs, TAP_T_NUM);
		sema_need(s, n->b, rhs, TAP_T_NUM);
		return;
	}
	sema_unify_at(s, n->a, lhs, rhs);
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
		sym = sema_find_global(s, n->name);
		if (sym && sym->assigned)
			tap_error(s->c, n->line, n->col, "'%s' is already declared at %d:%d",
				  n->name, sym->line, sym->col);
		if (!sym)
			sym = sema_add_global(s, n->name, n);
	} else {
		for (sym = s->scope->syms; sym; sym = sym->next)
			if (!strcmp(sym->name, n->name))
				tap_error(s->c, n->line, n->col,
					  "'%s' is already declared at %d:%d", n->name,
					  sym->line, sym->col);
		sym = sema_sym_new(s, n->name, TAP_SYM_LOCAL, n);
		sym->next = s->scope->syms;
		s->scope->syms = sym;
	}
	n->sym = sym;
	n->type = sym->type;
	sym->assigned = true;
	if (n->a) {
		struct tap_type *t = sema_expr(s, n->a);

		if (tap_type_resolve(t)->kind == TAP_T_VOID)
			tap_error(s->c, n->a->line, n->a->col, "this call has no value");
		if (tap_type_resolve(t)->kind == TAP_T_TABLE && s->scope)
			tap_error(s->c, n->line, n->col,
				  "tables must be globals: declare them at top level");
		sema_unify_at(s, n, sym->type, t);
	}
}

/* A number literal, maybe negated: an lhist() bound. */
static long long constant(struct sema *s, const struct tap_node *n)
{
	const struct tap_node *at = n;
	bool neg = false;

	while (n->kind == TAP_N_UNOP && n->op == TK_CH('-')) {
		neg = !neg;
		n = n->a;
	}
	if (n->kind != TAP_N_NUM)
		tap_error(s->c, at->line, at->col,
			  "lhist(): the bounds and the step must be number literals");
	/* two's complement, as the BPF code negates */
	return neg ? (long long)(0ULL - (unsigned long long)n->num) : n->num;
}

/*
 * The histogram an aggregation keeps: log2 buckets, or lhist()'s linear
 * ones, the same at every '<<<' into it.  lhist(v, min, max, step) has
 * a bucket for the values below min, ceil((max - min) / step) buckets of
 * step values (the last one cut at max), and one from max up.
 */
static void agg_hist(struct sema *s, struct tap_node *n)
{
	struct tap_sym *sym = n->a->a->sym;
	struct tap_node *call = n->c, *first;
	long long min = 0, max = 0, step = 0;
	unsigned long long range;
	int nr = 0;

	if (call) {
		min = constant(s, call->list->next);
		max = constant(s, call->list->next->next);
		step = constant(s, call->list->next->next->next);
		if (step <= 0)
			tap_error(s->c, call->list->next->next->next->line,
				  call->list->next->next->next->col,
				  "lhist(): the step must be positive");
		if (min >= max)
			tap_error(s->c, call->list->next->line, call->list->next->col,
				  "lhist(): the minimum must be below the maximum");
		range = (unsigned long long)max - (unsigned long long)min;
		if (range / (unsigned long long)step + !!(range % (unsigned long long)step) >
		    TAP_AGG_BUCKETS - 2)
			tap_error(s->c, call->line, call->col,
				  "lhist(): at most %d buckets from min to max: make the step larger",
				  TAP_AGG_BUCKETS - 2);
		nr = (int)(range / (unsigned long long)step + !!(range % (unsigned long long)step));
	}
	if (!sym->hist_at) {
		sym->hist_at = n;
		sym->hist_nr = nr;
		sym->hist_min = min;
		sym->hist_max = max;
		sym->hist_step = step;
		return;
	}
	if (sym->hist_nr == nr && sym->hist_min == min && sym->hist_max == max &&
	    sym->hist_step == step)
		return;
	first = sym->hist_at;
	if (!sym->hist_nr || !nr)
		tap_error(s->c, n->line, n->col,
			  "'%s' gets %s here, but %s at %d:%d (one aggregation has one kind of histogram)",
			  sym->name, nr ? "lhist() values" : "plain values",
			  nr ? "plain values" : "lhist() values", first->line, first->col);
	tap_error(s->c, n->line, n->col,
		  "'%s' gets lhist(v, %lld, %lld, %lld) here, but lhist(v, %lld, %lld, %lld) at %d:%d",
		  sym->name, min, max, step, sym->hist_min, sym->hist_max,
		  sym->hist_step, first->line, first->col);
}

void sema_stmt(struct sema *s, struct tap_node *n)
{
	struct tap_type *t;

	if (n->kind == TAP_N_ASSIGN && n->b->kind == TAP_N_NIL) {
		struct tap_node *del;

		if (n->op != TK_CH('=') || n->a->kind != TAP_N_INDEX)
			sema_nil_error(s, n->b);
		/* t[k] = nil is delete(t[k]) */
		del = tap_node_new(s->c, TAP_N_CALL, n->line, n->col);
		del->name = tap_strndup(s->c, "delete", 6);
		del->list = n->a;
		n->kind = TAP_N_EXPR;
		n->a = del;
		n->b = NULL;
	}
	switch (n->kind) {
	case TAP_N_VAR:
		var_decl(s, n);
		break;
	case TAP_N_BLOCK:
		sema_block(s, n);
		break;
	case TAP_N_IF:
		sema_need(s, n->a, sema_expr(s, n->a), TAP_T_NUM);
		sema_block(s, n->b);
		if (n->c)
			sema_stmt(s, n->c);
		break;
	case TAP_N_WHILE:
		sema_need(s, n->a, sema_expr(s, n->a), TAP_T_NUM);
		s->loop_depth++;
		sema_block(s, n->b);
		s->loop_depth--;
		break;
	case TAP_N_FOR:
		for_stmt(s, n);
		break;
	case TAP_N_FORNUM:
		for_numeric(s, n);
		break;
	case TAP_N_BREAK:
		if (!s->loop_depth)
			tap_error(s->c, n->line, n->col, "'break' outside a loop");
		break;
	case TAP_N_RETURN:
		if (!s->func && s->ctx == CTX_MAIN)
			tap_error(s->c, n->line, n->col,
				  "'return' outside a function, a probe, a timer or trace_end");
		if (!s->func && n->a)
			tap_error(s->c, n->a->line, n->a->col,
				  "'return' leaves the block here, it takes no value");
		if (n->a) {
			enum tap_type_kind kind;

			t = sema_expr(s, n->a);
			kind = tap_type_resolve(t)->kind;
			if (kind == TAP_T_TABLE || kind == TAP_T_VOID)
				tap_error(s->c, n->a->line, n->a->col,
					  "a function returns a number or a string, not %s",
					  sema_a_type(t));
			sema_unify_at(s, n->a, s->func->type, t);
		}
		break;
	case TAP_N_ASSIGN:
		assign(s, n);
		break;
	case TAP_N_AGG:
		if (n->a->kind == TAP_N_NAME)
			n->a = sema_keyless(s, n->a);
		check_assignable(s, n->a);
		if (n->b->kind == TAP_N_CALL && !strcmp(n->b->name, "lhist")) {
			sema_builtin_check(s, n->b, tap_builtin_find("lhist", true));
			n->c = n->b;
			n->b = n->c->list;
		}
		sema_need(s, n->b, sema_expr(s, n->b), TAP_T_NUM);
		s->agg_ok = true;
		t = sema_expr(s, n->a);
		s->agg_ok = false;
		sema_unify_at(s, n->a, t, sema_type_new(s, TAP_T_AGG, n->a));
		n->a->a->sym->assigned = true;
		agg_hist(s, n);
		break;
	case TAP_N_EXPR:
		s->stmt_call = n->a;
		sema_expr(s, n->a);
		s->stmt_call = NULL;
		break;
	default:
		tap_error(s->c, n->line, n->col, "not a statement");
	}
}

/*
 * for (k1, ..., v in pairs(t)) { ... }: the names are locals holding a
 * copy of each element's keys and value; with as many names as keys, the
 * walk has no value.  The value of an aggregation element is its
 * statistics, which count(v), sum(v), avg(v), min(v) and max(v) read.
 */
static void for_stmt(struct sema *s, struct tap_node *n)
{
	struct scope sc = { .up = s->scope };
	int nnames = tap_list_len(n->list), i;
	struct tap_node *name, *other;
	struct tap_type *t, *tt;
	bool saved = s->agg_ok;

	if (n->a->kind != TAP_N_NAME)
		tap_error(s->c, n->a->line, n->a->col, "pairs() takes a table name");
	s->agg_ok = true;
	t = sema_expr(s, n->a);
	s->agg_ok = saved;
	sema_need(s, n->a, t, TAP_T_TABLE);
	tt = tap_type_resolve(t);
	if (tt->nkeys < 0) {
		/* not indexed yet: k, v for one key; one name is a key */
		tt->nkeys = nnames > 1 ? nnames - 1 : 1;
		for (i = 0; i < tt->nkeys; i++)
			tt->key[i] = sema_type_new(s, TAP_T_ANY, n->a);
	}
	if (!tt->val)
		tt->val = sema_type_new(s, TAP_T_ANY, n->a);
	if (!tt->nkeys)
		tap_error(s->c, n->a->line, n->a->col,
			  "'%s' has no keys to walk: read it with count(%s), sum(%s), ...",
			  n->a->name, n->a->name, n->a->name);
	if (nnames != tt->nkeys && nnames != tt->nkeys + 1)
		tap_error(s->c, n->line, n->col,
			  "'%s' has %d key%s: walk it with %d name%s for the keys and one more for the value, if wanted",
			  n->a->name, tt->nkeys,
			  tt->nkeys == 1 ? "" : "s", tt->nkeys, tt->nkeys == 1 ? "" : "s");
	for (name = n->list, i = 0; name; name = name->next, i++) {
		for (other = n->list; other != name; other = other->next)
			if (!strcmp(other->name, name->name))
				tap_error(s->c, name->line, name->col,
					  "'%s' names two things in this for", name->name);
		if (tap_builtin_find(name->name, false))
			tap_error(s->c, name->line, name->col,
				  "'%s' is built in and cannot be a loop variable", name->name);
		name->sym = sema_sym_new(s, name->name, TAP_SYM_LOCAL, name);
		name->sym->assigned = true;
		sema_unify_at(s, n->a, name->sym->type, i < tt->nkeys ? tt->key[i] : tt->val);
		name->type = name->sym->type;
		name->sym->next = sc.syms;
		sc.syms = name->sym;
	}
	s->scope = &sc;
	s->loop_depth++;
	sema_block(s, n->b);
	s->loop_depth--;
	s->scope = sc.up;
}

/* A literal 0, or -0: a step that never gets anywhere. */
static bool is_zero(const struct tap_node *n)
{
	while (n->kind == TAP_N_UNOP && n->op == TK_CH('-'))
		n = n->a;
	return n->kind == TAP_N_NUM && !n->num;
}

/*
 * for (i = first, last [, step]) { ... }: first, last and step are
 * numbers evaluated once, before the loop; i is a local of the body.
 */
static void for_numeric(struct sema *s, struct tap_node *n)
{
	struct scope sc = { .up = s->scope };
	struct tap_sym *i;

	sema_need(s, n->a, sema_expr(s, n->a), TAP_T_NUM);
	sema_need(s, n->c, sema_expr(s, n->c), TAP_T_NUM);
	if (n->list) {
		sema_need(s, n->list, sema_expr(s, n->list), TAP_T_NUM);
		if (is_zero(n->list))
			tap_error(s->c, n->list->line, n->list->col,
				  "the step of a for loop must not be 0");
	}
	if (tap_builtin_find(n->name, false))
		tap_error(s->c, n->line, n->col, "'%s' is built in and cannot be a loop variable",
			  n->name);
	i = sema_sym_new(s, n->name, TAP_SYM_LOCAL, n);
	i->assigned = true;
	sema_unify_at(s, n, i->type, sema_type_new(s, TAP_T_NUM, n));
	n->sym = i;
	sc.syms = i;
	s->scope = &sc;
	s->loop_depth++;
	sema_block(s, n->b);
	s->loop_depth--;
	s->scope = sc.up;
}

void sema_block(struct sema *s, struct tap_node *n)
{
	struct scope sc = { .up = s->scope };
	struct tap_node *st;

	s->scope = &sc;
	for (st = n->list; st; st = st->next)
		sema_stmt(s, st);
	s->scope = sc.up;
}
