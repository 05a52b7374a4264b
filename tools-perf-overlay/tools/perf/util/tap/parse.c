// SPDX-License-Identifier: GPL-2.0
/*
 * Recursive-descent parser for perf tap scripts.
 *
 *   script    := { item }
 *   item      := 'var' NAME ['=' expr] | 'function' NAME '(' [NAME {',' NAME}] ')' block
 *              | 'trace' SPEC {',' SPEC} ['/' expr '/'] block
 *              | stmt | 'trace_end' block | TIMER ['/' expr '/'] block
 *   stmt      := 'var' NAME ['=' expr] | 'if' expr block {'elseif' expr block} ['else' block]
 *              | 'while' expr block | 'for' '(' NAME ',' NAME 'in' 'pairs' '(' expr ')' ')' block
 *              | 'for' '(' NAME '=' expr ',' expr [',' expr] ')' block
 *              | 'return' [expr] | 'break' | block | ';'
 *              | suffixed (ASSIGN-OP expr | '<<<' expr | <a call>)
 *   block     := '{' { stmt } '}'
 *
 * Binary operators by increasing precedence:
 *   ||   &&   == != < <= > >=   |   ^   &   << >>   .. (right)   + -   * / %
 * then unary ! - ~ and casts (struct NAME *), then postfix t[k, ...], f(args),
 * p->member and s.member (after anything but a plain NAME: arg.NAME is a
 * field, NAME.x a ktap library).
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <linux/compiler.h>
#include <linux/kernel.h>

#include "lex.h"
#include "parse.h"

struct parser {
	struct tap_compiler *c;
	struct tap_lexer lx;
	struct tap_token tok;
	bool in_filter;		/* '/' ends the expression instead of dividing */
	int depth;		/* nesting of the constructs being parsed */
};

static void next(struct parser *p)
{
	tap_lex_next(&p->lx, &p->tok);
}

static bool is(struct parser *p, int kind)
{
	return p->tok.kind == kind;
}

static void __noreturn unexpected(struct parser *p, const char *what)
{
	const char *found = tap_tok_name(p->tok.kind);

	if (p->tok.kind == TK_NAME)
		tap_error(p->c, p->tok.line, p->tok.col, "expected %s, found '%s'", what,
			  p->tok.str);
	tap_error(p->c, p->tok.line, p->tok.col, "expected %s, found %s", what, found);
}

static void expect(struct parser *p, int kind, const char *what)
{
	if (!is(p, kind))
		unexpected(p, what);
	next(p);
}

static bool accept(struct parser *p, int kind)
{
	if (!is(p, kind))
		return false;
	next(p);
	return true;
}

/*
 * Every recursive rule goes through here, so that deep nesting is an
 * error at the token where it went too deep, not a stack overflow.
 */
static void enter(struct parser *p)
{
	if (++p->depth > TAP_MAX_DEPTH)
		tap_error(p->c, p->tok.line, p->tok.col,
			  "nested more than %d levels deep", TAP_MAX_DEPTH);
}

static void leave(struct parser *p)
{
	p->depth--;
}

static struct tap_node *node(struct parser *p, enum tap_node_kind kind)
{
	return tap_node_new(p->c, kind, p->tok.line, p->tok.col);
}

/* Append @n to the list at *@tail, return the new tail pointer. */
static struct tap_node **append(struct tap_node **tail, struct tap_node *n)
{
	*tail = n;
	return &n->next;
}

static struct tap_node *expr(struct parser *p);
static struct tap_node *block(struct parser *p);
static struct tap_node *stmt(struct parser *p);

static struct tap_node *expr_list(struct parser *p, int close, const char *what)
{
	struct tap_node *list = NULL, **tail = &list;

	if (accept(p, close))
		return NULL;
	do {
		tail = append(tail, expr(p));
	} while (accept(p, TK_CH(',')));
	if (!is(p, close))
		unexpected(p, what);
	next(p);
	return list;
}

/* The token after the current one, without consuming anything. */
static int peek(struct parser *p)
{
	struct tap_lexer lx = p->lx;
	struct tap_token tok;

	tap_lex_next(&lx, &tok);
	return tok.kind;
}

/*
 * A table constructor, as in ktap (and Lua): {} or entries separated by
 * ',' or ';': [k] = v, [k1, k2] = v, NAME = v (the key is the string
 * "NAME"), or a bare value v, whose key is its position among the bare
 * values, from 1.
 */
static struct tap_node *table(struct parser *p)
{
	struct tap_node *n = node(p, TAP_N_TABLE), **tail = &n->list, *e, *key;

	enter(p);
	next(p);
	while (!is(p, TK_CH('}'))) {
		e = node(p, TAP_N_ENTRY);
		if (accept(p, TK_CH('['))) {
			e->list = expr_list(p, TK_CH(']'), "',' or ']'");
			if (!e->list)
				tap_error(p->c, e->line, e->col,
					  "a table entry's '[ ]' needs a key");
			if (tap_list_len(e->list) > TAP_MAX_KEYS)
				tap_error(p->c, e->line, e->col, "at most %d keys", TAP_MAX_KEYS);
			expect(p, TK_CH('='), "'=' and the value after the keys");
		} else if (is(p, TK_NAME) && peek(p) == TK_CH('=')) {
			key = node(p, TAP_N_STR);
			key->name = p->tok.str;
			key->num = (long long)strlen(p->tok.str);
			e->list = key;
			next(p);
			next(p);
		}
		e->b = expr(p);
		tail = append(tail, e);
		if (!accept(p, TK_CH(',')) && !accept(p, TK_CH(';')))
			break;
	}
	expect(p, TK_CH('}'), "',' or '}' in the table");
	leave(p);
	return n;
}

/*
 * NAME.NAME other than arg.FIELD: a ktap library.  Say what to write
 * instead of "expected ..., found '.'".
 */
static void __noreturn library(struct parser *p, const struct tap_node *n)
{
	static const struct {
		const char *lib, *hint;
	} libs[] = {
		{ "ffi",
		  "ktap's ffi (C declarations and calls) is not supported: kernel data is typed from the kernel's BTF, read it with p->member and casts (struct NAME *)x",
		},
		{ "kdebug",
		  "kdebug.kprobe(...) and kdebug.kretprobe(...) are probe blocks, only allowed at top level",
		},
		{ "ansi",
		  "ktap's ansi library is not supported: printf(\"\\x1b[H\\x1b[2J\") clears the screen",
		},
		{ "table",
		  "tables need no table.new(): they grow as elements are stored, up to --table-size",
		},
		{ "string",
		  "ktap's string library is not supported: sprintf() formats, '..' joins",
		},
		{ "os",
		  "ktap's os library is not supported: gettimeofday_s() and the like give the time",
		},
		{ "timer",
		  "ktap's timer library is not supported: write tick-1s { ... } or profile-10ms { ... }",
		},
	};
	size_t i;

	if (!strcmp(n->name, "curtask"))
		tap_error(p->c, p->tok.line, p->tok.col + 7,
			  "'curtask' is a pointer, struct task_struct *: write curtask->NAME");
	for (i = 0; i < ARRAY_SIZE(libs); i++)
		if (!strcmp(n->name, libs[i].lib))
			tap_error(p->c, n->line, n->col, "'%s.': %s", n->name, libs[i].hint);
	tap_error(p->c, p->tok.line, p->tok.col + (int)strlen(n->name),
		  "'.' after '%s': names have no fields or libraries here (arg.NAME is the only dotted name)",
		  n->name);
}

static struct tap_node *unary(struct parser *p);

/*
 * '(' 'struct' NAME '*' ')' unary: a cast to a pointer to a kernel struct
 * (or union), known by the two names after '(', so 'struct' and 'union'
 * stay ordinary names everywhere else.  NULL if this '(' is no cast.
 */
static struct tap_node *pointer_cast(struct parser *p)
{
	struct tap_lexer lx = p->lx;
	struct tap_token kw, name;
	struct tap_node *n;

	tap_lex_next(&lx, &kw);
	if (kw.kind != TK_NAME || (strcmp(kw.str, "struct") && strcmp(kw.str, "union")))
		return NULL;
	tap_lex_next(&lx, &name);
	if (name.kind != TK_NAME)
		return NULL;
	n = node(p, TAP_N_CAST);
	n->num = !strcmp(kw.str, "union");
	n->name = name.str;
	next(p);
	next(p);
	next(p);
	expect(p, TK_CH('*'), "'*': a cast is to a pointer, (struct NAME *)");
	if (is(p, TK_CH('*')))
		tap_error(p->c, p->tok.line, p->tok.col,
			  "a cast is to a pointer to a struct or union, (struct NAME *), not to a pointer to a pointer");
	expect(p, TK_CH(')'), "')' after the type of a cast");
	enter(p);
	n->a = unary(p);
	leave(p);
	return n;
}

static struct tap_node *primary(struct parser *p)
{
	struct tap_node *n;
	bool saved;

	switch (p->tok.kind) {
	case TK_NUM:
		n = node(p, TAP_N_NUM);
		n->num = p->tok.num;
		next(p);
		return n;
	case TK_STR:
		n = node(p, TAP_N_STR);
		n->name = p->tok.str;
		n->num = p->tok.str_len;
		next(p);
		return n;
	case TK_NAME:
		n = node(p, TAP_N_NAME);
		n->name = p->tok.str;
		/* arg.NAME: an event field by name */
		if (!strcmp(n->name, "arg") && p->lx.p[0] == '.' && p->lx.p[1] != '.') {
			next(p);
			next(p);
			if (!tap_tok_is_word(&p->tok))
				unexpected(p, "a field name after 'arg.'");
			n->kind = TAP_N_FIELD;
			n->name = p->tok.str;
		} else if (p->lx.p[0] == '.' && p->lx.p[1] != '.') {
			library(p, n);
		}
		next(p);
		return n;
	case TK_NIL:
		n = node(p, TAP_N_NIL);
		next(p);
		return n;
	case TK_TRUE:
	case TK_FALSE:
		n = node(p, TAP_N_NUM);
		n->num = p->tok.kind == TK_TRUE;
		next(p);
		return n;
	case TK_CH('('):
		n = pointer_cast(p);
		if (n)
			return n;
		n = node(p, TAP_N_TUPLE);
		next(p);
		saved = p->in_filter;
		p->in_filter = false;
		n->list = expr_list(p, TK_CH(')'), "',' or ')'");
		p->in_filter = saved;
		if (!n->list)
			tap_error(p->c, n->line, n->col, "expected an expression in '()'");
		if (!n->list->next)
			return n->list;
		/* (k1, k2) in t */
		if (tap_list_len(n->list) > TAP_MAX_KEYS)
			tap_error(p->c, n->line, n->col, "at most %d keys", TAP_MAX_KEYS);
		if (!is(p, TK_IN))
			unexpected(p, "'in' after a list of keys");
		return n;
	case TK_CH('{'):
		return table(p);
	default:
		unexpected(p, "an expression");
	}
}

/* NAME, t[k, ...], f(args), in any chain the grammar allows */
static struct tap_node *suffixed(struct parser *p)
{
	struct tap_node *n = primary(p), *m;
	int depth = p->depth;	/* member chains nest: a->b->c is ((a->b)->c) */

	for (;;) {
		if (is(p, TK_CH('['))) {
			m = tap_node_new(p->c, TAP_N_INDEX, n->line, n->col);
			next(p);
			m->a = n;
			m->list = expr_list(p, TK_CH(']'), "',' or ']'");
			if (!m->list)
				tap_error(p->c, m->line, m->col, "a table index needs a key");
			if (tap_list_len(m->list) > TAP_MAX_KEYS)
				tap_error(p->c, m->line, m->col, "at most %d keys", TAP_MAX_KEYS);
			n = m;
		} else if (is(p, TK_CH('('))) {
			if (n->kind != TAP_N_NAME)
				tap_error(p->c, p->tok.line, p->tok.col,
					  "only a function name can be called");
			next(p);
			n->kind = TAP_N_CALL;
			n->list = expr_list(p, TK_CH(')'), "',' or ')'");
		} else if (is(p, TK_ARROW) || (is(p, TK_CH('.')) && n->kind != TAP_N_NAME)) {
			m = node(p, TAP_N_MEMBER);
			m->op = p->tok.kind;
			m->a = n;
			next(p);
			if (!is(p, TK_NAME))
				unexpected(p, m->op == TK_ARROW ? "a member name after '->'" :
					   "a member name after '.'");
			/* errors about the member point at its name */
			m->name = p->tok.str;
			m->line = p->tok.line;
			m->col = p->tok.col;
			next(p);
			if (++p->depth > TAP_MAX_DEPTH)
				tap_error(p->c, m->line, m->col,
					  "nested more than %d levels deep", TAP_MAX_DEPTH);
			n = m;
		} else {
			p->depth = depth;
			return n;
		}
	}
}

static struct tap_node *unary(struct parser *p)
{
	struct tap_node *n;

	if (is(p, TK_CH('!')) || is(p, TK_CH('-')) || is(p, TK_CH('~'))) {
		n = node(p, TAP_N_UNOP);
		n->op = p->tok.kind;
		next(p);
		enter(p);
		n->a = unary(p);
		leave(p);
		return n;
	}
	return suffixed(p);
}

/* Binding power of a binary operator token; 0 if it is none. */
static int binop_prec(struct parser *p, int kind)
{
	switch (kind) {
	case TK_OR:		return 1;
	case TK_AND:		return 2;
	case TK_EQ: case TK_NE: case TK_LE: case TK_GE:
	case TK_CH('<'): case TK_CH('>'): case TK_IN:
				return 3;
	case TK_CH('|'):	return 4;
	case TK_CH('^'):	return 5;
	case TK_CH('&'):	return 6;
	case TK_SHL: case TK_SHR:
				return 7;
	case TK_CONCAT:		return 8;
	case TK_CH('+'): case TK_CH('-'):
				return 9;
	case TK_CH('/'):
		if (p->in_filter)
			return 0;
		return 10;
	case TK_CH('*'): case TK_CH('%'):
				return 10;
	default:
		return 0;
	}
}

/* KEYS in TABLE: whether the table has an element with these keys. */
static struct tap_node *in_test(struct parser *p, struct tap_node *keys)
{
	struct tap_node *n = node(p, TAP_N_EXISTS), *index, *table;

	next(p);
	if (!is(p, TK_NAME))
		unexpected(p, "a table name after 'in'");
	table = node(p, TAP_N_NAME);
	table->name = p->tok.str;
	next(p);
	index = tap_node_new(p->c, TAP_N_INDEX, keys->line, keys->col);
	index->a = table;
	index->list = keys->kind == TAP_N_TUPLE ? keys->list : keys;
	n->a = index;
	return n;
}

/*
 * Left-associative chains (a + b + c) loop here rather than recurse; the
 * tree they make is as deep as they are long, which check_depth() bounds.
 */
static struct tap_node *binary(struct parser *p, int min_prec)
{
	struct tap_node *left, *n;
	int prec;

	enter(p);
	left = unary(p);
	while ((prec = binop_prec(p, p->tok.kind)) >= min_prec && prec) {
		if (is(p, TK_IN)) {
			left = in_test(p, left);
			continue;
		}
		n = node(p, TAP_N_BINOP);
		n->op = p->tok.kind;
		next(p);
		n->a = left;
		/* '..' is right associative, the others left */
		n->b = binary(p, n->op == TK_CONCAT ? prec : prec + 1);
		left = n;
	}
	leave(p);
	return left;
}

static struct tap_node *expr(struct parser *p)
{
	return binary(p, 1);
}

static struct tap_node *var_decl(struct parser *p)
{
	struct tap_node *n = node(p, TAP_N_VAR);

	next(p);
	if (!is(p, TK_NAME))
		unexpected(p, "a variable name after 'var'");
	n->name = p->tok.str;
	n->line = p->tok.line;
	n->col = p->tok.col;
	next(p);
	if (accept(p, TK_CH('=')))
		n->a = expr(p);
	return n;
}

static struct tap_node *if_stmt(struct parser *p)
{
	struct tap_node *n = node(p, TAP_N_IF);

	enter(p);
	next(p);
	n->a = expr(p);
	n->b = block(p);
	if (is(p, TK_ELSEIF)) {
		n->c = if_stmt(p);
	} else if (accept(p, TK_ELSE)) {
		if (is(p, TK_IF))
			n->c = if_stmt(p);
		else
			n->c = block(p);
	}
	leave(p);
	return n;
}

/* for (NAME = FIRST, LAST [, STEP]) block: NAME goes from FIRST to LAST */
static struct tap_node *for_numeric(struct parser *p, struct tap_node *n)
{
	n->kind = TAP_N_FORNUM;
	next(p);
	n->a = expr(p);
	expect(p, TK_CH(','), "',' and the last value: for (i = first, last [, step])");
	n->c = expr(p);
	if (accept(p, TK_CH(',')))
		n->list = expr(p);
	expect(p, TK_CH(')'), "')' (or ',' and a step)");
	n->b = block(p);
	return n;
}

/*
 * for (K..., [V] in pairs(T)) block, or sort_pairs(T [, "value" | "key"]):
 * the names are in n->list; n->num is the order (TAP_ORDER_*).
 */
static struct tap_node *for_pairs(struct parser *p, struct tap_node *n)
{
	struct tap_node **tail = &n->list, *name;
	const char *walk;

	name = tap_node_new(p->c, TAP_N_NAME, n->line, n->col);
	name->name = n->name;
	tail = append(tail, name);
	while (accept(p, TK_CH(','))) {
		if (!is(p, TK_NAME))
			unexpected(p, "a variable name");
		if (tap_list_len(n->list) > TAP_MAX_KEYS)
			tap_error(p->c, p->tok.line, p->tok.col,
				  "at most %d keys and a value", TAP_MAX_KEYS);
		name = node(p, TAP_N_NAME);
		name->name = p->tok.str;
		tail = append(tail, name);
		next(p);
	}
	if (!is(p, TK_IN))
		unexpected(p, tap_list_len(n->list) == 1 ?
			   "'=' (for (i = first, last)) or ',' (for (k, v in pairs(t)))" :
			   "',' or 'in'");
	next(p);
	if (!is(p, TK_NAME) || (strcmp(p->tok.str, "pairs") && strcmp(p->tok.str, "sort_pairs")))
		unexpected(p, "'pairs' or 'sort_pairs'");
	walk = p->tok.str;
	next(p);
	expect(p, TK_CH('('), walk[0] == 's' ? "'(' after 'sort_pairs'" : "'(' after 'pairs'");
	n->a = expr(p);
	n->num = walk[0] == 's' ? TAP_ORDER_VALUE : TAP_ORDER_NONE;
	if (walk[0] == 's' && accept(p, TK_CH(','))) {
		if (!is(p, TK_STR) || (strcmp(p->tok.str, "value") && strcmp(p->tok.str, "key")))
			tap_error(p->c, p->tok.line, p->tok.col,
				  "sort_pairs() sorts by \"value\" (the largest first) or by \"key\" (the smallest first); it takes no comparison function");
		if (!strcmp(p->tok.str, "key"))
			n->num = TAP_ORDER_KEY;
		next(p);
	}
	expect(p, TK_CH(')'), "')'");
	expect(p, TK_CH(')'), "')'");
	n->b = block(p);
	return n;
}

static struct tap_node *for_stmt(struct parser *p)
{
	struct tap_node *n = node(p, TAP_N_FOR);

	next(p);
	expect(p, TK_CH('('), "'(' after 'for'");
	if (!is(p, TK_NAME))
		unexpected(p, "a variable name");
	n->name = p->tok.str;
	next(p);
	if (is(p, TK_CH('=')))
		return for_numeric(p, n);
	return for_pairs(p, n);
}

static bool ends_statement(struct parser *p)
{
	return is(p, TK_CH('}')) || is(p, TK_CH(';')) || is(p, TK_EOF);
}

static int assign_op(int kind)
{
	switch (kind) {
	case TK_CH('='): case TK_ADD_ASSIGN: case TK_SUB_ASSIGN:
	case TK_MUL_ASSIGN: case TK_DIV_ASSIGN: case TK_MOD_ASSIGN:
		return kind;
	default:
		return 0;
	}
}

static struct tap_node *simple_stmt(struct parser *p)
{
	int line = p->tok.line, col = p->tok.col;
	struct tap_node *target, *n;

	target = suffixed(p);
	if (assign_op(p->tok.kind)) {
		if (target->kind != TAP_N_NAME && target->kind != TAP_N_INDEX)
			tap_error(p->c, line, col, "cannot assign to this expression");
		n = node(p, TAP_N_ASSIGN);
		n->op = p->tok.kind;
		next(p);
		n->a = target;
		n->b = expr(p);
		return n;
	}
	if (is(p, TK_AGG)) {
		if (target->kind != TAP_N_INDEX && target->kind != TAP_N_NAME)
			tap_error(p->c, line, col,
				  "'<<<' needs an aggregation or its element on its left");
		n = node(p, TAP_N_AGG);
		next(p);
		n->a = target;
		n->b = expr(p);
		return n;
	}
	if (target->kind != TAP_N_CALL) {
		if (is(p, TK_EOF) || is(p, TK_CH('}')))
			tap_error(p->c, line, col, "this expression is not a statement");
		unexpected(p, "an assignment or a call");
	}
	n = tap_node_new(p->c, TAP_N_EXPR, line, col);
	n->a = target;
	return n;
}

static struct tap_node *stmt(struct parser *p)
{
	struct tap_node *n;

	switch (p->tok.kind) {
	case TK_VAR:
		return var_decl(p);
	case TK_IF:
		return if_stmt(p);
	case TK_ELSEIF:
	case TK_ELSE:
		tap_error(p->c, p->tok.line, p->tok.col, "'%s' without 'if'",
			  tap_tok_name(p->tok.kind));
	case TK_WHILE:
		n = node(p, TAP_N_WHILE);
		next(p);
		n->a = expr(p);
		n->b = block(p);
		return n;
	case TK_FOR:
		return for_stmt(p);
	case TK_RETURN:
		n = node(p, TAP_N_RETURN);
		next(p);
		if (!ends_statement(p))
			n->a = expr(p);
		return n;
	case TK_BREAK:
		n = node(p, TAP_N_BREAK);
		next(p);
		return n;
	case TK_CH('{'):
		return block(p);
	case TK_TRACE:
	case TK_TRACE_END:
	case TK_FUNCTION:
	case TK_TIMER:
		tap_error(p->c, p->tok.line, p->tok.col, "'%s' is only allowed at top level",
			  p->tok.str ? p->tok.str : tap_tok_name(p->tok.kind));
	default:
		return simple_stmt(p);
	}
}

static struct tap_node *block(struct parser *p)
{
	struct tap_node *n = node(p, TAP_N_BLOCK), **tail = &n->list;

	enter(p);
	expect(p, TK_CH('{'), "'{'");
	while (!is(p, TK_CH('}'))) {
		if (is(p, TK_EOF))
			tap_error(p->c, n->line, n->col, "'{' is never closed");
		if (accept(p, TK_CH(';')))
			continue;
		tail = append(tail, stmt(p));
	}
	next(p);
	leave(p);
	return n;
}

static struct tap_node *parse_function(struct parser *p)
{
	struct tap_node *n = node(p, TAP_N_FUNC), **tail = &n->list, *param;

	next(p);
	if (!is(p, TK_NAME))
		unexpected(p, "a function name");
	n->name = p->tok.str;
	next(p);
	expect(p, TK_CH('('), "'('");
	if (!accept(p, TK_CH(')'))) {
		do {
			if (!is(p, TK_NAME))
				unexpected(p, "a parameter name");
			param = node(p, TAP_N_NAME);
			param->name = p->tok.str;
			tail = append(tail, param);
			next(p);
		} while (accept(p, TK_CH(',')));
		expect(p, TK_CH(')'), "',' or ')'");
	}
	n->b = block(p);
	return n;
}

/* An optional /expr/ before a probe's or a timer's body. */
static struct tap_node *filter(struct parser *p)
{
	struct tap_node *n;

	if (!accept(p, TK_CH('/')))
		return NULL;
	p->in_filter = true;
	n = expr(p);
	p->in_filter = false;
	expect(p, TK_CH('/'), "'/' to end the filter");
	return n;
}

static struct tap_node *trace(struct parser *p)
{
	struct tap_node *n = node(p, TAP_N_TRACE), **tail = &n->list, *spec;

	/* trace? SPECS: optional, what matches nothing is left out */
	n->num = tap_lex_eat(&p->lx, '?');
	do {
		tap_lex_spec(&p->lx, &p->tok);
		spec = node(p, TAP_N_SPEC);
		spec->name = p->tok.str;
		tail = append(tail, spec);
		next(p);
	} while (is(p, TK_CH(',')));
	/* ktap's kprobe fetch arguments: probe:do_sys_open dfd=%di */
	if (is(p, TK_NAME) && peek(p) == TK_CH('='))
		tap_error(p->c, p->tok.line, p->tok.col,
			  "kprobe fetch arguments such as '%s=%%di' are not supported: arg0 ... arg5 are the function's arguments, $retval its value",
			  p->tok.str);
	n->a = filter(p);
	if (!is(p, TK_CH('{')))
		unexpected(p, "'{' after the probe spec");
	n->b = block(p);
	return n;
}

/* "tick-100ms", "profile-99hz": period in ns */
static struct tap_node *parse_timer(struct parser *p)
{
	struct tap_node *n = node(p, TAP_N_TIMER);
	const char *num = strchr(p->tok.str, '-') + 1;
	char *unit;
	unsigned long long v = strtoull(num, &unit, 10);
	unsigned long long scale;

	n->name = p->tok.str;
	/* ktap also spells them sec, msec, usec, nsec */
	if (!strcmp(unit, "s") || !strcmp(unit, "sec"))
		scale = 1000000000ULL;
	else if (!strcmp(unit, "ms") || !strcmp(unit, "msec"))
		scale = 1000000ULL;
	else if (!strcmp(unit, "us") || !strcmp(unit, "usec"))
		scale = 1000ULL;
	else if (!strcmp(unit, "ns") || !strcmp(unit, "nsec"))
		scale = 1;
	else if (!strcmp(unit, "hz"))
		scale = 0;
	else
		tap_error(p->c, n->line, n->col,
			  "bad timer '%s': the unit must be s, ms, us, ns or hz", n->name);
	if (!v)
		tap_error(p->c, n->line, n->col, "bad timer '%s': the period must not be 0",
			  n->name);
	if (v == ULLONG_MAX || (scale && v > (unsigned long long)LLONG_MAX / scale))
		tap_error(p->c, n->line, n->col, "bad timer '%s': the period is too long",
			  n->name);
	if (scale)
		n->num = (long long)(v * scale);
	else
		n->num = (long long)(1000000000ULL / v);
	if (n->num < 10000)
		tap_error(p->c, n->line, n->col,
			  "bad timer '%s': periods under 10us would swamp the machine", n->name);
	next(p);
	n->a = filter(p);
	if (!is(p, TK_CH('{')))
		unexpected(p, "'{' after the timer");
	n->b = block(p);
	return n;
}

/* kdebug.X("SPEC", function () { ... }): the function's body after the spec. */
static void kdebug_function(struct parser *p, struct tap_node *n)
{
	expect(p, TK_FUNCTION, "'function'");
	expect(p, TK_CH('('), "'('");
	expect(p, TK_CH(')'), "')' (the probe function takes no parameters)");
	n->b = block(p);
	expect(p, TK_CH(')'), "')'");
}

/*
 * ktap's function-style probes, kept for its scripts:
 *   kdebug.kprobe("FUNC", function () { ... })
 *   kdebug.kretprobe("FUNC", function () { ... })
 *   kdebug.tracepoint("SUBSYSTEM:EVENT", function () { ... })
 *   kdebug.probe_end(function () { ... })
 * are the same as trace probe:FUNC, probe:FUNC%return and
 * SUBSYSTEM:EVENT blocks, and trace_end.
 */
static struct tap_node *parse_kdebug(struct parser *p)
{
	struct tap_node *n = node(p, TAP_N_TRACE), *spec;
	const char *kind;
	size_t len;

	next(p);
	expect(p, TK_CH('.'), "'.'");
	if (!is(p, TK_NAME) || (strcmp(p->tok.str, "kprobe") && strcmp(p->tok.str, "kretprobe") &&
				strcmp(p->tok.str, "tracepoint") &&
				strcmp(p->tok.str, "probe_end")))
		unexpected(p, "kprobe, kretprobe, tracepoint or probe_end after 'kdebug.'");
	kind = p->tok.str;
	next(p);
	expect(p, TK_CH('('), "'('");
	if (!strcmp(kind, "probe_end")) {
		n->kind = TAP_N_TRACE_END;
		kdebug_function(p, n);
		return n;
	}
	if (!is(p, TK_STR))
		unexpected(p, !strcmp(kind, "tracepoint") ? "the event as a string" :
			   "the function name as a string");
	spec = node(p, TAP_N_SPEC);
	len = strlen(p->tok.str);
	spec->name = tap_alloc(p->c, len + 16);
	if (!strcmp(kind, "tracepoint")) {
		if (!strchr(p->tok.str, ':'))
			tap_error(p->c, p->tok.line, p->tok.col,
				  "kdebug.tracepoint() takes \"SUBSYSTEM:EVENT\", not \"%s\"",
				  p->tok.str);
		snprintf(spec->name, len + 16, "%s", p->tok.str);
	} else {
		snprintf(spec->name, len + 16, "probe:%s%s", p->tok.str,
			 !strcmp(kind, "kretprobe") ? "%return" : "");
	}
	n->list = spec;
	next(p);
	expect(p, TK_CH(','), "',' and a function");
	kdebug_function(p, n);
	return n;
}

/*
 * The later passes walk the tree recursively; bound its depth here (a
 * chain of 'a + b + ...' is as deep as it is long).  The walk itself
 * stops at the bound, and siblings are a loop, so it is shallow too.
 */
static void check_depth(struct tap_compiler *c, const struct tap_node *n, int depth)
{
	for (; n; n = n->next) {
		if (depth > TAP_MAX_DEPTH)
			tap_error(c, n->line, n->col,
				  "nested more than %d levels deep (each operator of 'a + b + ...' is a level: split it with variables)",
				  TAP_MAX_DEPTH);
		check_depth(c, n->a, depth + 1);
		check_depth(c, n->b, depth + 1);
		check_depth(c, n->c, depth + 1);
		check_depth(c, n->list, depth + 1);
	}
}

struct tap_node *tap_parse(struct tap_compiler *c)
{
	struct parser p = { .c = c };
	struct tap_node *items = NULL, **tail = &items, *end;

	tap_lex_init(&p.lx, c);
	next(&p);
	while (!is(&p, TK_EOF)) {
		switch (p.tok.kind) {
		case TK_CH(';'):
			next(&p);
			continue;
		case TK_FUNCTION:
			tail = append(tail, parse_function(&p));
			break;
		case TK_TRACE:
			tail = append(tail, trace(&p));
			break;
		case TK_TRACE_END:
			end = node(&p, TAP_N_TRACE_END);
			next(&p);
			end->b = block(&p);
			tail = append(tail, end);
			break;
		case TK_TIMER:
			tail = append(tail, parse_timer(&p));
			break;
		case TK_CH('}'):
			tap_error(c, p.tok.line, p.tok.col, "unexpected '}'");
		case TK_NAME:
			if (!strcmp(p.tok.str, "kdebug") && p.lx.p[0] == '.' && p.lx.p[1] != '.') {
				tail = append(tail, parse_kdebug(&p));
				break;
			}
			tail = append(tail, stmt(&p));
			break;
		default:
			tail = append(tail, stmt(&p));
			break;
		}
	}
	check_depth(c, items, 0);
	return items;
}
