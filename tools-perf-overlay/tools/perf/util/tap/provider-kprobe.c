// SPDX-License-Identifier: GPL-2.0
/*
 * The kprobe provider: probe:FUNC and probe:FUNC%return, FUNC a glob over
 * the kernel functions kprobes may attach to (tracefs
 * available_filter_functions).  Each event is a perf event of the kprobe
 * PMU running the block as a kprobe program: perf_event_open creates the
 * probe and closing the event removes it, so nothing is left in
 * kprobe_events whatever happens to perf.  The uprobe provider uses the
 * same PMU code with the uprobe PMU.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/compiler.h>
#include <linux/perf_event.h>

#include <api/fs/tracing_path.h>
#include "util/debug.h"
#include "util/pmu.h"
#include "util/pmus.h"
#include "util/string2.h"

#include <bpf/btf.h>

#include "ktypes.h"
#include "provider.h"
#include "regs.h"
#include "runtime-int.h"

char *tap_probe__target(struct tap_object *obj, const struct tap_spec *spec, bool *ret)
{
	char *target = strdup(spec->text + 6), *pct;

	*ret = false;
	if (!target) {
		pr_err("perf tap: out of memory\n");
		return NULL;
	}
	pct = strchr(target, '%');
	if (!pct)
		return target;
	if (strcmp(pct, "%return")) {
		tap_spec__error(obj, spec, "the only kprobe suffix is %return, not");
		free(target);
		return NULL;
	}
	*pct = 0;
	*ret = true;
	return target;
}

int tap_probe__pmu(const char *name, __u32 *type, __u64 *retprobe)
{
	struct perf_pmu *pmu = perf_pmus__find(name);

	if (!pmu)
		return -ENOENT;
	*type = pmu->type;
	*retprobe = 0;
	/* the format's type loads its bits, which perf_pmu__format_bits() only reads */
	if (perf_pmu__format_type(pmu, "retprobe") == PERF_PMU_FORMAT_VALUE_CONFIG)
		*retprobe = perf_pmu__format_bits(pmu, "retprobe");
	return 0;
}

int tap_probe__attach_pmu(struct runtime *rt, int idx, const char *pmu, const char *target,
			  __u64 offset)
{
	struct tap_event *ev = &rt->evs.ev[idx];
	struct tap_prog_def *prog = &rt->obj->progs[ev->prog];
	struct prog_state *ps = &rt->progs[ev->prog];
	struct perf_event_attr attr = {
		.size = sizeof(attr),
		.sample_period = 1,
		.config1 = (__u64)(unsigned long)target,	/* kprobe_func, uprobe_path */
		.config2 = offset,				/* probe_offset */
	};
	__u64 retprobe;

	if (tap_probe__pmu(pmu, &attr.type, &retprobe) || (ev->kretprobe && !retprobe))
		return -ENOENT;
	if (ev->kretprobe)
		attr.config = retprobe;
	if (ps->kprobe_fd < 0) {
		ps->kprobe_fd = runtime__load_prog(rt, prog, BPF_PROG_TYPE_KPROBE,
						   &prog->code[TAP_CODE_KPROBE]);
		if (ps->kprobe_fd < 0)
			return ps->kprobe_fd;
	}
	return runtime__attach_perf_event(rt, &attr, 0, ps->kprobe_fd, (__u64)idx);
}

/* probe:FUNC; probe:/PATH:SYM and probe:LIB:SYM are uprobes */
static bool kp_claims(const char *spec)
{
	return !strncmp(spec, "probe:", 6) && spec[6] != '/' && !strchr(spec + 6, ':');
}

/* The functions of available_filter_functions that @glob matches: how many, or -1. */
static int add_functions(struct tap_events *evs, FILE *fp, const char *glob, bool ret, int prog)
{
	char line[512];
	int found = 0;

	while (fgets(line, sizeof(line), fp)) {
		struct tap_event *ev;

		line[strcspn(line, " \t\n")] = 0;
		if (!strglobmatch(line, glob))
			continue;
		/* one function may be listed twice (static copies): once is enough */
		if (evs->nr > evs->spec_start && !strcmp(evs->ev[evs->nr - 1].name, line))
			continue;
		ev = tap_events__add(evs, &tap_provider_kprobe, "probe", line, prog);
		if (!ev)
			return -1;
		ev->kretprobe = ret;
		found++;
	}
	return found;
}

/*
 * The kernel's probe-able functions, if it has the kprobe PMU; else NULL
 * and *@err says what to return (tap_spec__cannot_tell()).
 */
static FILE *open_functions(struct tap_events *evs, struct tap_object *obj,
			    const struct tap_spec *spec, int *err)
{
	__u64 retprobe;
	__u32 type;
	char *file;
	FILE *fp;

	if (tap_probe__pmu("kprobe", &type, &retprobe)) {
		*err = tap_spec__cannot_tell(evs, obj, spec, "this kernel has no kprobe PMU",
					     "this kernel has no kprobe PMU (CONFIG_KPROBE_EVENTS) for");
		return NULL;
	}
	file = get_tracing_file("available_filter_functions");
	fp = file ? fopen(file, "r") : NULL;
	put_tracing_file(file);
	if (!fp)
		*err = tap_spec__cannot_tell(evs, obj, spec,
					     "cannot read available_filter_functions",
					     "cannot read the kernel's probe-able functions for");
	return fp;
}

static int kp_resolve(struct tap_events *evs, struct tap_object *obj,
		      const struct tap_spec *spec, int prog)
{
	char *glob;
	bool ret;
	FILE *fp;
	int n;

	glob = tap_probe__target(obj, spec, &ret);
	if (!glob)
		return -1;
	fp = open_functions(evs, obj, spec, &n);
	if (fp) {
		n = add_functions(evs, fp, glob, ret, prog);
		fclose(fp);
		if (!n)
			tap_spec__error(obj, spec, "no kernel function matches");
		n = n > 0 ? 0 : -1;
	}
	free(glob);
	return n;
}

int tap_probe__code_kinds(const char *spec __maybe_unused, bool uses_argstr __maybe_unused)
{
	return 1 << TAP_CODE_KPROBE;
}

int tap_probe__field_type(const char *spec __maybe_unused, struct tap_field_check *fc)
{
	snprintf(fc->why, fc->why_size, "probes have no named fields: use arg0..arg5");
	return -1;
}

/*
 * Parameter @name of kernel function @func, from the function's prototype
 * in the kernel's BTF, or its return type for "$retval": the parameter's
 * index (0 for "$retval") and *@type; -1 if the function or the parameter
 * is unknown, -2 if it has no BTF prototype at all.
 */
static int kp_param(const char *func, const char *name, int *type)
{
	struct btf *btf = tap_ktypes__btf();
	const struct btf_type *t;
	const struct btf_param *p;
	int id, i;

	id = btf ? btf__find_by_name_kind(btf, func, BTF_KIND_FUNC) : -1;
	t = id > 0 ? btf__type_by_id(btf, btf__type_by_id(btf, id)->type) : NULL;
	if (!t || !btf_is_func_proto(t))
		return -2;
	if (!strcmp(name, "$retval")) {
		*type = (int)t->type;
		return 0;
	}
	p = btf_params(t);
	for (i = 0; i < btf_vlen(t); i++, p++) {
		if (!strcmp(btf__name_by_offset(btf, p->name_off), name)) {
			*type = (int)p->type;
			return i;
		}
	}
	return -1;
}

/* arg.NAME in one function @func of a kprobe spec: 0, or -1 with fc->why. */
static int kp_check_param(struct tap_field_check *fc, const char *func, bool ret)
{
	int type = 0, i;

	if (ret && strcmp(fc->name, "$retval")) {
		snprintf(fc->why, fc->why_size,
			 "'arg.%s' in a return probe: the arguments' registers have changed by then, read them in probe:%s",
			 fc->name, func);
		return -1;
	}
	if (!ret && !strcmp(fc->name, "$retval")) {
		snprintf(fc->why, fc->why_size, "$retval has a value in return probes only");
		return -1;
	}
	i = kp_param(func, fc->name, &type);
	if (i == -2) {
		snprintf(fc->why, fc->why_size,
			 "the kernel's BTF has no prototype of %s: use arg0..arg5", func);
		return -1;
	}
	if (i < 0) {
		snprintf(fc->why, fc->why_size, "kernel function %s has no parameter '%s'", func,
			 fc->name);
		return -1;
	}
	if (i >= TAP_REGS_NR_ARGS) {
		snprintf(fc->why, fc->why_size,
			 "parameter '%s' of %s is not in a register (only the first %d are)",
			 fc->name, func, TAP_REGS_NR_ARGS);
		return -1;
	}
	fc->type = TAP_T_NUM;
	if (fc->btf < 0)
		fc->btf = type;
	else if (fc->btf != type)
		fc->btf = 0;
	return 0;
}

/* arg.NAME: a parameter by its name in every function the spec matches. */
static int kp_field_type(const char *spec, struct tap_field_check *fc)
{
	char *glob, line[512];
	bool ret;
	FILE *fp = NULL;
	int err = 0;
	char *file;

	glob = strdup(spec + 6);
	if (!glob)
		return -1;
	ret = !!strstr(glob, "%return");
	glob[strcspn(glob, "%")] = 0;
	if (!strpbrk(glob, "*?[")) {
		err = kp_check_param(fc, glob, ret);
		free(glob);
		return err;
	}
	file = get_tracing_file("available_filter_functions");
	fp = file ? fopen(file, "r") : NULL;
	put_tracing_file(file);
	while (fp && !err && fgets(line, sizeof(line), fp)) {
		line[strcspn(line, " \t\n")] = 0;
		if (strglobmatch(line, glob))
			err = kp_check_param(fc, line, ret);
	}
	if (fp)
		fclose(fp);
	free(glob);
	return err;
}

/* Where parameter @name is: a register of pt_regs, the context of kprobes. */
static void kp_field(const struct tap_event *ev, const char *name, struct tap_field *f)
{
	struct btf *btf = tap_ktypes__btf();
	const struct btf_type *t;
	int type, i = kp_param(ev->name, name, &type);
	__s64 size;

	if (i < 0 || i >= TAP_REGS_NR_ARGS || ev->kretprobe)
		return;
	size = btf__resolve_size(btf, type);
	t = btf__type_by_id(btf, btf__resolve_type(btf, type));
	if (size <= 0 || size > 8 || !t)
		return;
	f->kind = TAP_FIELD_REGS;
	f->offset = (__u32)tap_regs_arg(i);
	f->size = (__u32)size;
	f->is_signed = (btf_is_int(t) && (btf_int_encoding(t) & BTF_INT_SIGNED)) ||
		       (btf_is_any_enum(t) && btf_kflag(t));
}

/* A glob may match a few functions that cannot be probed: they are skipped. */
static int kp_attach(struct runtime *rt, int idx)
{
	return tap_probe__attach_pmu(rt, idx, "kprobe", rt->evs.ev[idx].name, 0);
}

static void kp_describe(const struct tap_event *ev, char *buf, size_t size)
{
	snprintf(buf, size, "kprobe %s", ev->name);
}

const struct tap_provider tap_provider_kprobe = {
	.name = "kprobe",
	.claims = kp_claims,
	.resolve = kp_resolve,
	.code_kinds = tap_probe__code_kinds,
	.field_type = kp_field_type,
	.field = kp_field,
	.attach = kp_attach,
	.describe = kp_describe,
};
