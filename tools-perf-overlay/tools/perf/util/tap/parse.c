// SPDX-License-Identifier: GPL-2.0
/*
 * Recursive-descent parser for perf tap scripts.
 *
 *   script    := { item }
 *   item      := 'var' NAME ['=' expr] | 'function' NAME '(' [NAME {',' NAME}] ')' block
 *              | 'trace' SPEC {',' SPEC} ['/' expr '/'] block
 *              | stmt | 'trace_end' block | TIMER block
 *   stmt      := 'var' NAME ['=' expr] | 'if' expr block {'elseif' expr block} ['else' block]
 *              | 'while' expr block | 'for' '(' NAME ',' NAME 'in' 'pairs' '(' expr ')' ')' block
 *              | 'return' [expr] | 'break' | block | ';'
 *              | suffixed (ASSIGN-OP expr | '<<<' expr | <a call>)
 *   block     := '{' { stmt } '}'
 *
 * Binary operators by increasing precedence:
 *   ||   &&   == != < <= > >=   |   ^   &   << >>   .. (right)   + -   * / %
 * then unary ! - ~, then postfix t[k, ...] and f(args).
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <linux/compiler.h>

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
			if (!is(p, TK_NAME))
				unexpected(p, "a field name after 'arg.'");
			n->kind = TAP_N_FIELD;
			n->name = p->tok.str;
		}
		next(p);
		return n;
	case TK_CH('('):
		next(p);
		saved = p->in_filter;
		p->in_filter = false;
		n = expr(p);
		p->in_filter = saved;
		expect(p, TK_CH(')'), "')'");
		return n;
	case TK_CH('{'):
		n = node(p, TAP_N_TABLE);
		next(p);
		expect(p, TK_CH('}'), "'}' (only the empty table {} can be written)");
		return n;
	default:
		unexpected(p, "an expression");
	}
}

/* NAME, t[k, ...], f(args), in any chain the grammar allows */
static struct tap_node *suffixed(struct parser *p)
{
	struct tap_node *n = primary(p), *m;

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
		} else {
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
	case TK_CH('<'): case TK_CH('>'):
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

static struct tap_node *for_stmt(struct parser *p)
{
	struct tap_node *n = node(p, TAP_N_FOR);

	next(p);
	expect(p, TK_CH('('), "'(' after 'for'");
	if (!is(p, TK_NAME))
		unexpected(p, "a key variable name");
	n->name = p->tok.str;
	next(p);
	expect(p, TK_CH(','), "',' and a value variable name");
	if (!is(p, TK_NAME))
		unexpected(p, "a value variable name");
	n->name2 = p->tok.str;
	next(p);
	expect(p, TK_IN, "'in'");
	if (!is(p, TK_NAME) || strcmp(p->tok.str, "pairs"))
		unexpected(p, "'pairs'");
	next(p);
	expect(p, TK_CH('('), "'(' after 'pairs'");
	n->a = expr(p);
	expect(p, TK_CH(')'), "')'");
	expect(p, TK_CH(')'), "')'");
	n->b = block(p);
	return n;
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
		if (target->kind != TAP_N_INDEX)
			tap_error(p->c, line, col, "'<<<' needs a table element on its left");
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

static struct tap_node *trace(struct parser *p)
{
	struct tap_node *n = node(p, TAP_N_TRACE), **tail = &n->list, *spec;

	do {
		tap_lex_spec(&p->lx, &p->tok);
		spec = node(p, TAP_N_SPEC);
		spec->name = p->tok.str;
		tail = append(tail, spec);
		next(p);
	} while (is(p, TK_CH(',')));
	if (accept(p, TK_CH('/'))) {
		p->in_filter = true;
		n->a = expr(p);
		p->in_filter = false;
		expect(p, TK_CH('/'), "'/' to end the filter");
	}
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
	if (!strcmp(unit, "s"))
		scale = 1000000000ULL;
	else if (!strcmp(unit, "ms"))
		scale = 1000000ULL;
	else if (!strcmp(unit, "us"))
		scale = 1000ULL;
	else if (!strcmp(unit, "ns"))
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
	n->b = block(p);
	return n;
}

/*
 * ktap's function-style probes, kept for its scripts:
 *   kdebug.kprobe("FUNC", function () { ... })
 *   kdebug.kretprobe("FUNC", function () { ... })
 * are the same as trace probe:FUNC { ... } and probe:FUNC%return.
 */
static struct tap_node *parse_kdebug(struct parser *p)
{
	struct tap_node *n = node(p, TAP_N_TRACE), *spec;
	bool ret;
	size_t len;

	next(p);
	expect(p, TK_CH('.'), "'.'");
	if (!is(p, TK_NAME) || (strcmp(p->tok.str, "kprobe") && strcmp(p->tok.str, "kretprobe")))
		unexpected(p, "kprobe or kretprobe after 'kdebug.'");
	ret = !strcmp(p->tok.str, "kretprobe");
	next(p);
	expect(p, TK_CH('('), "'('");
	if (!is(p, TK_STR))
		unexpected(p, "the function name as a string");
	spec = node(p, TAP_N_SPEC);
	len = strlen(p->tok.str);
	spec->name = tap_alloc(p->c, len + 16);
	snprintf(spec->name, len + 16, "probe:%s%s", p->tok.str, ret ? "%return" : "");
	n->list = spec;
	next(p);
	expect(p, TK_CH(','), "',' and a function");
	expect(p, TK_FUNCTION, "'function'");
	expect(p, TK_CH('('), "'('");
	expect(p, TK_CH(')'), "')' (the probe function takes no parameters)");
	n->b = block(p);
	expect(p, TK_CH(')'), "')'");
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
