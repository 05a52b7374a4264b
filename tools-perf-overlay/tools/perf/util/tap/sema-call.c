// SPDX-License-Identifier: GPL-2.0
/*
 * Semantic analysis of calls: built-in functions (their arguments, formats
 * and where they are allowed) and user functions, whose arguments unify
 * with their parameters.
 */
#include <string.h>

#include <linux/kernel.h>

#include "lex.h"
#include "object.h"
#include "sema-int.h"

/*
 * printf's format, formatted in user space; or sprintf's (@kernel),
 * formatted by the kernel's bpf_snprintf(), which knows less: no '#', no
 * precision, no %o, and the string must not hold a NUL.
 */
static void check_format(struct sema *s, struct tap_node *n, bool kernel)
{
	const char *what = kernel ? "sprintf" : "printf";
	struct tap_node *fmt = n->list, *arg;
	const char *p;

	if (!fmt || fmt->kind != TAP_N_STR)
		tap_error(s->c, n->line, n->col,
			  "%s needs a string literal as its format", what);
	if (kernel && memchr(fmt->name, 0, (size_t)fmt->num))
		tap_error(s->c, fmt->line, fmt->col, "sprintf: the format holds a NUL byte");
	arg = fmt->next;
	for (p = fmt->name; p < fmt->name + fmt->num; p++) {
		enum tap_type_kind want;

		if (*p != '%')
			continue;
		p++;
		if (*p == '%')
			continue;
		while (*p && strchr(kernel ? "-+ 0" : "-+ 0#", *p))
			p++;
		while (*p >= '0' && *p <= '9')
			p++;
		if (*p == '.' && kernel)
			tap_error(s->c, fmt->line, fmt->col,
				  "sprintf: no precision ('.') and no '#' in its conversions (the kernel's bpf_snprintf() formats them)");
		if (*p == '.') {
			p++;
			while (*p >= '0' && *p <= '9')
				p++;
		}
		while (*p == 'l' || *p == 'h')
			p++;
		switch (*p) {
		case 'o':
			if (kernel)
				tap_error(s->c, fmt->line, fmt->col,
					  "sprintf: unknown conversion '%%o' (use %%d %%u %%x %%s %%c %%%%)");
			want = TAP_T_NUM;
			break;
		case 'd': case 'i': case 'u': case 'x': case 'X': case 'c':
			want = TAP_T_NUM;
			break;
		case 's':
			want = TAP_T_STR;
			/* usym(), strftime() & co. print as %s */
			if (!kernel && arg && arg->kind == TAP_N_CALL) {
				struct tap_type *t;

				s->sym_ok = true;
				t = sema_expr(s, arg);
				s->sym_ok = false;
				if (tap_type_resolve(t)->kind != TAP_T_SYM)
					sema_need(s, arg, t, want);
				arg = arg->next;
				continue;
			}
			/* argstr prints as %s */
			if (!kernel && arg && arg->kind == TAP_N_NAME &&
			    !strcmp(arg->name, "argstr") && !sema_find_local(s, "argstr")) {
				s->record_ok = true;
				sema_expr(s, arg);
				s->record_ok = false;
				arg = arg->next;
				continue;
			}
			break;
		default:
			tap_error(s->c, fmt->line, fmt->col,
				  "%s: unknown conversion '%%%c' (use %%d %%u %%x %%s %%c %%%%)",
				  what, *p ? *p : ' ');
		}
		if (!arg)
			tap_error(s->c, n->line, n->col, "%s: too few arguments for the format",
				  what);
		sema_need(s, arg, sema_expr(s, arg), want);
		arg = arg->next;
	}
	if (arg)
		tap_error(s->c, arg->line, arg->col, "%s: more arguments than the format uses",
			  what);
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
		struct tap_type *t = sema_expr(s, arg), *pt = tap_type_resolve(param->sym->type);
		enum tap_type_kind kind = tap_type_resolve(t)->kind;

		if (pt->kind != TAP_T_ANY && kind != TAP_T_ANY && pt->kind != kind)
			tap_error(s->c, arg->line, arg->col,
				  "argument %d of '%s' is %s here, but %s at %d:%d", i, n->name,
				  sema_a_type(t), sema_a_type(pt), pt->line, pt->col);

		if (kind == TAP_T_TABLE || kind == TAP_T_VOID)
			tap_error(s->c, arg->line, arg->col,
				  "a function argument must be a number or a string, not %s",
				  sema_a_type(t));
		sema_unify_at(s, arg, param->sym->type, t);
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

/*
 * usym(a), ksym(a), strftime(fmt, ns), time([fmt]): values named only when
 * printed, so they can only be printed or be table keys.  A format is a
 * literal, kept in the object for the printer.
 */
static void sym_call(struct sema *s, struct tap_node *n, const struct tap_builtin_def *def)
{
	struct tap_object *obj = s->c->obj;
	struct tap_node *fmt = NULL;
	const char **f;
	int i;

	if (!s->sym_ok)
		tap_error(s->c, n->line, n->col,
			  "%s() can only be printed or be a table key: print(%s(...)), printf(\"%%s\", %s(...)), t[%s(...)] += 1",
			  def->name, def->name, def->name, def->name);
	s->sym_ok = false;
	if (def->id == TAP_B_STRFTIME || (def->id == TAP_B_TIME && n->list))
		fmt = n->list;
	if (fmt && (fmt->kind != TAP_N_STR || memchr(fmt->name, 0, (size_t)fmt->num)))
		tap_error(s->c, fmt->line, fmt->col,
			  "%s() takes its format as a string literal (without a NUL)", def->name);
	if (def->id == TAP_B_USYM || def->id == TAP_B_KSYM)
		sema_need(s, n->list, sema_expr(s, n->list), TAP_T_NUM);
	if (def->id == TAP_B_STRFTIME)
		sema_need(s, n->list->next, sema_expr(s, n->list->next), TAP_T_NUM);
	if (def->id == TAP_B_USYM || def->id == TAP_B_KSYM)
		return;
	for (i = 0; i < obj->nr_timefmts; i++)
		if (!strcmp(obj->timefmts[i], fmt ? fmt->name : TAP_TIME_FMT))
			return;
	f = tap_alloc(s->c, (i + 1) * sizeof(*f));
	if (i)
		memcpy(f, obj->timefmts, i * sizeof(*f));
	f[i] = fmt ? fmt->name : TAP_TIME_FMT;
	obj->timefmts = f;
	obj->nr_timefmts++;
}

/* x, an aggregation without keys: the element x[] of a table with none. */
struct tap_node *sema_keyless(struct sema *s, struct tap_node *name)
{
	struct tap_node *index = tap_node_new(s->c, TAP_N_INDEX, name->line, name->col);

	index->a = name;
	return index;
}

/* ktap's functions that perf tap has otherwise, or not: say what to write. */
static void ktap_hint(struct sema *s, const struct tap_node *n)
{
	static const struct {
		const char *name, *hint;
	} hints[] = {
		{ "ptable",
		  "ptable() is not needed: a table whose elements get '<<<' values is an aggregation; write 'var t = {}' or nothing",
		},
		{ "histogram", "histogram(t) is print_hist(t) here" },
		{ "print_backtrace", "print_backtrace() is print(stack()) here" },
		{ "backtrace", "backtrace() is stack() here (all frames, none skipped)" },
		{ "print_trace_clock",
		  "print_trace_clock() is not supported: gettimeofday_ns() reads the clock",
		},
		{ "curr_taskinfo", "curr_taskinfo() is not supported" },
		{ "in_iowait", "in_iowait() is not supported" },
		{ "num_cpus", "num_cpus() is not supported" },
		{ "arch", "arch() is not supported" },
		{ "pairs", "pairs() only walks a table in for (k, v in pairs(t)) { ... }" },
		{ "sort_pairs",
		  "sort_pairs() only walks a table in for (k, v in sort_pairs(t)) { ... }",
		},
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(hints); i++)
		if (!strcmp(n->name, hints[i].name))
			tap_error(s->c, n->line, n->col, "%s", hints[i].hint);
}

struct tap_type *sema_call(struct sema *s, struct tap_node *n)
{
	const struct tap_builtin_def *def = tap_builtin_find(n->name, true);
	int nargs = tap_list_len(n->list);
	struct tap_node *arg;
	struct tap_type *t;

	if (!def) {
		struct tap_sym *fsym = sema_find_global(s, n->name);
		const char *near = tap_builtin_closest(n->name, true);
		const struct tap_builtin_def *value = tap_builtin_find(n->name, false);

		if (fsym && fsym->kind == TAP_SYM_FUNC)
			return user_call(s, n, fsym);
		/* ktap's pid(), execname(), cpu(): the values */
		if (value && !nargs && !sema_find_local(s, n->name)) {
			n->kind = TAP_N_NAME;
			return sema_builtin_value(s, n, value);
		}
		if (value)
			tap_error(s->c, n->line, n->col,
				  "'%s' is a built-in value and takes no arguments: write %s",
				  n->name, n->name);
		ktap_hint(s, n);
		if (near)
			tap_error(s->c, n->line, n->col,
				  "unknown function '%s' (did you mean '%s'?)",
				  n->name, near);
		tap_error(s->c, n->line, n->col, "unknown function '%s'", n->name);
	}
	sema_builtin_check(s, n, def);
	switch (def->id) {
	case TAP_B_PRINT:
		for (arg = n->list; arg; arg = arg->next) {
			enum tap_type_kind kind;

			s->record_ok = true;
			s->sym_ok = true;
			kind = tap_type_resolve(sema_expr(s, arg))->kind;
			s->record_ok = false;
			s->sym_ok = false;

			if (kind == TAP_T_TABLE)
				tap_error(s->c, arg->line, arg->col,
					  "print cannot print a table; use print_hist()");
			if (kind == TAP_T_VOID)
				tap_error(s->c, arg->line, arg->col,
					  "this call has no value to print");
		}
		break;
	case TAP_B_PRINTF:
		check_format(s, n, false);
		break;
	case TAP_B_SPRINTF:
		check_format(s, n, true);
		s->out->uses_rodata = true;
		break;
	case TAP_B_TOSTRING:
		sema_need(s, n->list, sema_expr(s, n->list), TAP_T_NUM);
		s->out->uses_rodata = true;
		break;
	case TAP_B_LHIST:
		tap_error(s->c, n->line, n->col,
			  "lhist() is only the value of an aggregation: t[k] <<< lhist(v, min, max, step)");
	case TAP_B_PRINT_HIST:
		if (n->list->kind != TAP_N_NAME)
			tap_error(s->c, n->line, n->col, "%s() takes %s", def->name, def->args);
		t = sema_expr(s, n->list);
		sema_need(s, n->list, t, TAP_T_TABLE);
		t = tap_type_resolve(t);
		if (!t->val)
			t->val = sema_type_new(s, TAP_T_ANY, n);
		if (tap_type_resolve(t->val)->kind != TAP_T_ANY &&
		    tap_type_resolve(t->val)->kind != TAP_T_NUM &&
		    tap_type_resolve(t->val)->kind != TAP_T_AGG)
			tap_error(s->c, n->list->line, n->list->col,
				  "print_hist needs a table of numbers, '%s' holds %ss",
				  n->list->name, tap_type_resolve(t->val)->kind == TAP_T_STR ?
				  "string" : "other value");
		if (nargs == 2)
			sema_need(s, n->list->next, sema_expr(s, n->list->next), TAP_T_NUM);
		break;
	case TAP_B_DELETE:
		if (n->list->kind != TAP_N_NAME && n->list->kind != TAP_N_INDEX)
			tap_error(s->c, n->line, n->col, "%s() takes %s", def->name, def->args);
		sema_table_only(s, n->list, "delete() removes");
		s->agg_ok = true;
		t = sema_expr(s, n->list);
		s->agg_ok = false;
		if (n->list->kind == TAP_N_NAME)
			sema_need(s, n->list, t, TAP_T_TABLE);
		break;
	case TAP_B_COUNT ... TAP_B_MAX:
		/* t[k], an aggregation without keys, or the value of a walk */
		if (n->list->kind != TAP_N_INDEX && n->list->kind != TAP_N_NAME)
			tap_error(s->c, n->line, n->col, "%s() takes %s", def->name, def->args);
		if (n->list->kind == TAP_N_NAME && !sema_find_local(s, n->list->name))
			n->list = sema_keyless(s, n->list);
		s->agg_ok = true;
		t = sema_expr(s, n->list);
		s->agg_ok = false;
		sema_need(s, n->list, t, TAP_T_AGG);
		break;
	case TAP_B_KERNEL_V:
		if (n->list->kind != TAP_N_STR)
			tap_error(s->c, n->line, n->col, "%s() takes %s", def->name, def->args);
		kernel_sym(s, n->list->name);
		break;
	case TAP_B_KERNEL_STRING:
		/* an address, or a char array read as kernel data */
		s->kmem_ok = true;
		t = tap_type_resolve(sema_expr(s, n->list));
		if (t->kind != TAP_T_KMEM && !(t->kind == TAP_T_STR && t->btf))
			sema_need(s, n->list, t, TAP_T_NUM);
		break;
	case TAP_B_NTOP:
		sema_ntop(s, n);
		break;
	case TAP_B_HEX:
		sema_hex(s, n);
		break;
	case TAP_B_USER_STRING:
	case TAP_B_KERNEL_U64 ... TAP_B_USER_U32:
		sema_need(s, n->list, sema_expr(s, n->list), TAP_T_NUM);
		break;
	case TAP_B_STACK:
	case TAP_B_USTACK:
		/* the frames to print: a literal, cut when printed */
		if (n->list && (n->list->kind != TAP_N_NUM || n->list->num < 1 ||
				n->list->num > TAP_STACK_DEPTH))
			tap_error(s->c, n->list->line, n->list->col,
				  "%s(N): N, the frames to print, is a number literal from 1 to %d",
				  def->name, TAP_STACK_DEPTH);
		break;
	case TAP_B_USYM ... TAP_B_TIME:
		sym_call(s, n, def);
		break;
	case TAP_B_LEN:
		if (n->list->kind != TAP_N_NAME)
			tap_error(s->c, n->line, n->col, "%s() takes %s", def->name, def->args);
		sema_need(s, n->list, sema_expr(s, n->list), TAP_T_TABLE);
		break;
	default:
		break;
	}
	return sema_builtin_type(s, n, def);
}
