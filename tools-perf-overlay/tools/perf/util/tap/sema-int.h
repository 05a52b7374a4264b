/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the parts of semantic analysis share: sema.c (types, names,
 * expressions, layout), sema-call.c (calls of built-ins and functions)
 * and sema-stmt.c (statements and loops).
 */
#ifndef __TAP_SEMA_INT_H
#define __TAP_SEMA_INT_H

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
	struct tap_spec *specs;		/* and its specs, for the resolver */
	int nr_specs;
	bool agg_ok;			/* an aggregation element may be named here */
	bool record_ok;			/* argstr may be named here (print arguments) */
	bool sym_ok;			/* usym() & co. may be called here (keys, print) */
	bool kmem_ok;			/* kernel data may be the next expression's value */
	struct tap_node *stmt_call;	/* the call a call statement makes */
	struct tap_callee *value_uses;	/* calls of user functions whose value is used */
};

/* sema.c */
struct tap_type *sema_type_new(struct sema *s, enum tap_type_kind kind,
			       const struct tap_node *at);
const char *sema_a_type(struct tap_type *t);
/* Make @a and @b the same type; a conflict is reported at @at. */
void sema_unify_at(struct sema *s, const struct tap_node *at, struct tap_type *a,
		   struct tap_type *b);
/* The context needs @kind at @at: say so if @t is something else. */
void sema_need(struct sema *s, const struct tap_node *at, struct tap_type *t,
	       enum tap_type_kind kind);
struct tap_sym *sema_sym_new(struct sema *s, const char *name, enum tap_sym_kind kind,
			     const struct tap_node *at);
struct tap_sym *sema_find_global(struct sema *s, const char *name);
struct tap_sym *sema_add_global(struct sema *s, const char *name, const struct tap_node *at);
struct tap_sym *sema_find_local(struct sema *s, const char *name);
struct tap_type *sema_builtin_type(struct sema *s, struct tap_node *n,
				   const struct tap_builtin_def *b);
void sema_builtin_check(struct sema *s, struct tap_node *n, const struct tap_builtin_def *b);
struct tap_type *sema_builtin_value(struct sema *s, struct tap_node *n,
				    const struct tap_builtin_def *b);
void __noreturn sema_nil_error(struct sema *s, const struct tap_node *n);
struct tap_type *sema_expr(struct sema *s, struct tap_node *n);

/* sema-call.c */
struct tap_node *sema_keyless(struct sema *s, struct tap_node *name);
struct tap_type *sema_call(struct sema *s, struct tap_node *n);

/* sema-btf.c: kernel data typed from BTF */
struct tap_type *sema_member(struct sema *s, struct tap_node *n);
struct tap_type *sema_elem(struct sema *s, struct tap_node *n);
/* Is @n an element of kernel data, x[i] of an array (not of a table)? */
bool sema_is_elem(const struct tap_node *n);
/* @what ("delete() takes") only table elements: say so if @n is kernel data. */
void sema_table_only(struct sema *s, const struct tap_node *n, const char *what);
struct tap_type *sema_cast(struct sema *s, struct tap_node *n);
struct tap_type *sema_curtask(struct sema *s, struct tap_node *n);
struct tap_type *sema_retval(struct sema *s, struct tap_node *n);
struct tap_type *sema_btf_kmem(struct sema *s, const struct tap_node *at, int id);
struct tap_type *sema_btf_field(struct sema *s, struct tap_node *n, int id,
				enum tap_type_kind kind);
const char *sema_btf_type_name(struct sema *s, int id);
/* Are kernel types @a and @b the same pointer? */
bool sema_btf_same(int a, int b);
void sema_ntop(struct sema *s, struct tap_node *n);
void sema_hex(struct sema *s, struct tap_node *n);
void __noreturn sema_kmem_error(struct sema *s, const struct tap_node *n, struct tap_type *t);

/* sema-stmt.c */
void sema_stmt(struct sema *s, struct tap_node *n);
void sema_block(struct sema *s, struct tap_node *n);

#endif /* __TAP_SEMA_INT_H */
