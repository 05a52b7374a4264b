/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __TAP_AST_H
#define __TAP_AST_H

#include <stdio.h>

#include "builtin.h"
#include "compiler.h"
#include "object.h"

/* How deep blocks, expressions and operator chains may nest. */
#define TAP_MAX_DEPTH 500

enum tap_node_kind {
	/* top level */
	TAP_N_VAR,		/* var NAME [= a]; global at top level, else local */
	TAP_N_FUNC,		/* function NAME(list: params) b: body */
	TAP_N_TRACE,		/* trace list: specs [/a/] b: body; num 1: trace? (optional) */
	TAP_N_TRACE_END,	/* trace_end b: body */
	TAP_N_TIMER,		/* NAME (tick-1s, profile-10ms) [/a/] b: body; num = period ns */
	/* statements */
	TAP_N_BLOCK,		/* { list } */
	TAP_N_IF,		/* if (a) b else c (c: block, another if, or NULL) */
	TAP_N_WHILE,		/* while (a) b */
	TAP_N_FOR,		/* for (list: names in pairs(a)) b; num: TAP_ORDER_* */
	TAP_N_FORNUM,		/* for (NAME = a, c [, list]) b */
	TAP_N_RETURN,		/* return [a] */
	TAP_N_BREAK,
	TAP_N_ASSIGN,		/* a op b, op is '=' or TK_*_ASSIGN */
	TAP_N_AGG,		/* a <<< b */
	TAP_N_EXPR,		/* a (a call) */
	/* expressions */
	TAP_N_NUM,
	TAP_N_STR,		/* name holds the bytes, num their length */
	TAP_N_NAME,
	TAP_N_TABLE,		/* { list: entries } */
	TAP_N_ENTRY,		/* [list] = b, or b (list: its position, set by sema) */
	TAP_N_INDEX,		/* a[list] */
	TAP_N_CALL,		/* NAME(list) */
	TAP_N_BINOP,		/* a op b */
	TAP_N_UNOP,		/* op a */
	TAP_N_SPEC,		/* NAME: probe spec text */
	TAP_N_FIELD,		/* arg.NAME: a field of the event; num: field id */
	TAP_N_NIL,		/* nil: only in t[k] == nil, t[k] != nil, t[k] = nil */
	TAP_N_EXISTS,		/* a: t[k...] exists (num 0) or not (num 1): k in t, t[k] == nil */
	TAP_N_TUPLE,		/* (list): the keys before 'in' */
	TAP_N_MEMBER,		/* a->NAME (op TK_ARROW) or a.NAME (op '.'): kernel data */
	TAP_N_CAST,		/* (struct NAME *)a; name: NAME, num: 1 for a union */
};

/* The order a for walk visits a table in: pairs(), sort_pairs(t [, "key"]). */
enum tap_order {
	TAP_ORDER_NONE,		/* the hash map's */
	TAP_ORDER_VALUE,	/* by value, the largest first; then by key */
	TAP_ORDER_KEY,		/* by key, the smallest first */
};

/*
 * Types are union-find nodes: unifying two types links one to the other.
 * line/col tell where a type first became concrete, for conflict messages.
 */
struct tap_type {
	enum tap_type_kind kind;
	/*
	 * NUM: the kernel type of the number (a pointer, an integer, an enum)
	 * as a BTF type id, 0 for a plain number; KMEM: the struct, union or
	 * array the value is the address of.
	 */
	int btf;
	const char *ktype;			/* and its name: "struct sock *" */
	struct tap_type *link;
	int nkeys;				/* TABLE: -1 until known */
	struct tap_type *key[TAP_MAX_KEYS];
	struct tap_type *val;			/* TABLE */
	int line, col;
};

enum tap_sym_kind {
	TAP_SYM_GLOBAL,
	TAP_SYM_LOCAL,
	TAP_SYM_FUNC,
	TAP_SYM_BUILTIN,
};

struct tap_callee {
	struct tap_sym *sym;
	int line, col;
	struct tap_callee *next;
};

struct tap_sym {
	const char *name;
	enum tap_sym_kind kind;
	struct tap_type *type;
	int line, col;		/* declaration or first use */
	bool assigned;		/* globals: written somewhere */
	int offset;		/* global: offset in the globals map; local: stack slot */
	int map;		/* tables: index of the BPF map */
	unsigned int comm_keys;	/* tables: key parts only ever execname (bit k: part k) */
	/* aggregations: their histogram, fixed by the first '<<<' */
	struct tap_node *hist_at;	/* that '<<<' */
	long long hist_min, hist_max, hist_step;	/* lhist(): linear buckets */
	int hist_nr;			/* lhist(): buckets in [min, max); 0: log2 */
	struct tap_node *func;	/* TAP_SYM_FUNC */
	struct tap_callee *callees;	/* TAP_SYM_FUNC: the functions it calls */
	int mark;			/* TAP_SYM_FUNC: state of the recursion check */
	struct tap_sym *next;
};

/*
 * A read of kernel memory that sema-btf.c worked out for a member access
 * (TAP_N_MEMBER) or an array element (TAP_N_INDEX of kernel data).
 */
struct tap_kread {
	unsigned int off;		/* MEMBER: bytes from the base's address */
	unsigned int size;		/* bytes of a number; of an array of chars */
	unsigned int bit_off, bit_size;	/* bitfields: within the bytes read */
	bool is_signed;
	bool deref;			/* MEMBER: the base is a pointer ('->') */
	unsigned int elem_size, nelems;	/* INDEX: the array's */
};

struct tap_node {
	enum tap_node_kind kind;
	int op;			/* operator token for BINOP/UNOP/ASSIGN */
	int line, col;
	char *name;
	char *name2;
	long long num;
	struct tap_node *a, *b, *c;
	struct tap_node *list;	/* children in order, linked by next */
	struct tap_node *next;
	/* set by sema */
	struct tap_type *type;
	struct tap_sym *sym;
	enum tap_builtin builtin;	/* NAME and CALL: the built-in it names */
	struct tap_kread *kread;	/* MEMBER, INDEX of kernel data */
};

struct tap_node *tap_node_new(struct tap_compiler *c, enum tap_node_kind kind,
			      int line, int col);
int tap_list_len(const struct tap_node *list);
struct tap_spec *tap_block_specs(struct tap_compiler *c, const struct tap_node *block, int *nr);
void tap_ast_dump(FILE *fp, const struct tap_node *items);

struct tap_type *tap_type_resolve(struct tap_type *t);
/* "number", "string", "table (string) -> number", ... into buf. */
const char *tap_type_str(struct tap_type *t, char *buf, size_t size);

#endif /* __TAP_AST_H */
