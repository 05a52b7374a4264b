// SPDX-License-Identifier: GPL-2.0
/*
 * AST nodes of perf tap scripts, and the tree printer behind --dump-ast.
 */
#include <string.h>

#include "ast.h"
#include "lex.h"

struct tap_node *tap_node_new(struct tap_compiler *c, enum tap_node_kind kind,
			      int line, int col)
{
	struct tap_node *n = tap_alloc(c, sizeof(*n));

	n->kind = kind;
	n->line = line;
	n->col = col;
	return n;
}

int tap_list_len(const struct tap_node *list)
{
	int n = 0;

	for (; list; list = list->next)
		n++;
	return n;
}

/* A block's specs (a timer's name is its one spec), in the compiler's memory. */
struct tap_spec *tap_block_specs(struct tap_compiler *c, const struct tap_node *block, int *nr)
{
	const struct tap_node *spec;
	struct tap_spec *specs;
	int i = 0;

	if (block->kind == TAP_N_TIMER) {
		specs = tap_alloc(c, sizeof(*specs));
		specs[0] = (struct tap_spec){ block->name, block->line, block->col };
		*nr = 1;
		return specs;
	}
	*nr = tap_list_len(block->list);
	specs = tap_alloc(c, (*nr ?: 1) * sizeof(*specs));
	for (spec = block->list; spec; spec = spec->next, i++)
		specs[i] = (struct tap_spec){ spec->name, spec->line, spec->col };
	return specs;
}

struct tap_type *tap_type_resolve(struct tap_type *t)
{
	while (t && t->link)
		t = t->link;
	return t;
}

/* The name of a type that has no parts, as error messages say it. */
static const char *plain_type_name(enum tap_type_kind kind)
{
	switch (kind) {
	case TAP_T_ANY:
		return "unknown";
	case TAP_T_NUM:
		return "number";
	case TAP_T_STR:
		return "string";
	case TAP_T_STACK:
		return "stack";
	case TAP_T_AGG:
		return "aggregation";
	case TAP_T_VOID:
		return "nothing";
	case TAP_T_RECORD:
		return "event record";
	case TAP_T_KMEM:
		return "kernel data";
	default:
		return "?";
	}
}

const char *tap_type_str(struct tap_type *t, char *buf, size_t size)
{
	char k[128], v[128];
	size_t len;
	int i;

	t = tap_type_resolve(t);
	if (!t) {
		snprintf(buf, size, "nothing");
		return buf;
	}
	if ((t->kind == TAP_T_NUM || t->kind == TAP_T_KMEM) && t->ktype) {
		/* kernel data and typed pointers: "number (struct task_struct *)" */
		snprintf(buf, size, "%s (%s)", plain_type_name(t->kind), t->ktype);
		return buf;
	}
	if (t->kind != TAP_T_TABLE) {
		snprintf(buf, size, "%s", plain_type_name(t->kind));
		return buf;
	}
	snprintf(buf, size, "table (");
	for (i = 0; i < t->nkeys; i++) {
		len = strlen(buf);
		snprintf(buf + len, size - len, "%s%s", i ? ", " : "",
			 tap_type_str(t->key[i], k, sizeof(k)));
	}
	len = strlen(buf);
	snprintf(buf + len, size - len, ") -> %s", tap_type_str(t->val, v, sizeof(v)));
	return buf;
}

static const char * const kind_names[] = {
	[TAP_N_VAR] = "var", [TAP_N_FUNC] = "function", [TAP_N_TRACE] = "trace",
	[TAP_N_TRACE_END] = "trace_end", [TAP_N_TIMER] = "timer",
	[TAP_N_BLOCK] = "block", [TAP_N_IF] = "if", [TAP_N_WHILE] = "while",
	[TAP_N_FOR] = "for", [TAP_N_FORNUM] = "for-numeric", [TAP_N_RETURN] = "return",
	[TAP_N_BREAK] = "break",
	[TAP_N_ASSIGN] = "assign", [TAP_N_AGG] = "aggregate", [TAP_N_EXPR] = "call-stmt",
	[TAP_N_NUM] = "num", [TAP_N_STR] = "str", [TAP_N_NAME] = "name",
	[TAP_N_TABLE] = "table", [TAP_N_ENTRY] = "entry", [TAP_N_INDEX] = "index",
	[TAP_N_CALL] = "call",
	[TAP_N_BINOP] = "binop", [TAP_N_UNOP] = "unop", [TAP_N_SPEC] = "spec",
	[TAP_N_FIELD] = "field", [TAP_N_NIL] = "nil", [TAP_N_EXISTS] = "exists",
	[TAP_N_TUPLE] = "keys", [TAP_N_MEMBER] = "member", [TAP_N_CAST] = "cast",
};

static void dump_node(FILE *fp, const struct tap_node *n, int depth);

static void dump_list(FILE *fp, const struct tap_node *n, int depth)
{
	for (; n; n = n->next)
		dump_node(fp, n, depth);
}

static void dump_node(FILE *fp, const struct tap_node *n, int depth)
{
	char tbuf[256];

	fprintf(fp, "%*s%s", depth * 2, "", kind_names[n->kind]);
	switch (n->kind) {
	case TAP_N_NUM:
		fprintf(fp, " %lld", n->num);
		break;
	case TAP_N_STR:
		fputs(" \"", fp);
		for (long long i = 0; i < n->num; i++) {
			unsigned char ch = (unsigned char)n->name[i];

			if (ch == '\n')
				fputs("\\n", fp);
			else if (ch == '"' || ch == '\\')
				fprintf(fp, "\\%c", ch);
			else if (ch < 32 || ch > 126)
				fprintf(fp, "\\x%02x", ch);
			else
				fputc(ch, fp);
		}
		fputc('"', fp);
		break;
	case TAP_N_BINOP:
	case TAP_N_UNOP:
	case TAP_N_ASSIGN:
		fprintf(fp, " %s", tap_tok_name(n->op));
		break;
	case TAP_N_TIMER:
		fprintf(fp, " %s (%lld ns)", n->name, n->num);
		break;
	case TAP_N_FOR:
		for (const struct tap_node *name = n->list; name; name = name->next)
			fprintf(fp, "%s%s", name == n->list ? " " : ", ", name->name);
		fputs(n->num == TAP_ORDER_VALUE ? " (by value)" :
		      n->num == TAP_ORDER_KEY ? " (by key)" : "", fp);
		break;
	case TAP_N_EXISTS:
		fputs(n->num ? " (not)" : "", fp);
		break;
	default:
		if (n->name)
			fprintf(fp, " %s", n->name);
		break;
	}
	if (n->type)
		fprintf(fp, " : %s", tap_type_str(n->type, tbuf, sizeof(tbuf)));
	fprintf(fp, "  @%d:%d\n", n->line, n->col);
	dump_list(fp, n->list, depth + 1);
	if (n->a)
		dump_node(fp, n->a, depth + 1);
	if (n->b)
		dump_node(fp, n->b, depth + 1);
	if (n->c)
		dump_node(fp, n->c, depth + 1);
}

void tap_ast_dump(FILE *fp, const struct tap_node *items)
{
	dump_list(fp, items, 0);
}
