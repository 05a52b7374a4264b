// SPDX-License-Identifier: GPL-2.0
/*
 * The syscall provider: the syscalls:* events of a SYS:EVENT glob.  They
 * are no tracepoints of their own but views of raw_syscalls:sys_enter and
 * sys_exit, so a block attaches there once for all of them and its code
 * dispatches on the syscall number; the arguments are read from pt_regs.
 * The numbers are the running kernel's (syscall-nr.c), else those of
 * perf's table; a syscalls:* event whose number neither knows attaches as
 * a perf tracepoint instead.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <linux/kernel.h>

#include <traceevent/event-parse.h>
#include "util/debug.h"
#include "util/syscalltbl.h"

#include "provider.h"
#include "regs.h"
#include "runtime-int.h"

/* syscalls:* events are named after the kernel entry point, not the syscall */
static const struct {
	const char *entry;
	const char *name;
} entry_aliases[] = {
	{ "newstat", "stat" }, { "newfstat", "fstat" }, { "newlstat", "lstat" },
	{ "sendfile64", "sendfile" }, { "newuname", "uname" }, { "umount", "umount2" },
};

/* The record of a syscalls:* event: 8 bytes of common fields, __syscall_nr padded to 8. */
#define SYSCALL_ARGS_OFFSET	16

bool tap_syscall__owns(const char *sys)
{
	return !strcmp(sys, "syscalls");
}

static int syscall_number(struct syscalltbl *tbl, const char *entry)
{
	size_t i;
	int nr = syscalltbl__id(tbl, entry);

	if (nr >= 0)
		return nr;
	for (i = 0; i < ARRAY_SIZE(entry_aliases); i++)
		if (!strcmp(entry, entry_aliases[i].entry))
			return syscalltbl__id(tbl, entry_aliases[i].name);
	return -1;
}

/*
 * The syscall behind syscalls:@name, and whether it is its exit: the
 * number, or -1 if neither the kernel nor perf's table knows it (or it is
 * beyond the dispatch table).
 */
static int view_number(struct syscalltbl *tbl, const char *name, bool *sys_exit)
{
	const char *entry;
	int nr;

	*sys_exit = false;
	if (!strncmp(name, "sys_enter_", 10)) {
		entry = name + 10;
	} else if (!strncmp(name, "sys_exit_", 9)) {
		entry = name + 9;
		*sys_exit = true;
	} else {
		return -1;
	}
	nr = tap_syscall__kernel_nr(name);
	if (nr < 0 && tbl)
		nr = syscall_number(tbl, entry);
	return nr < TAP_SYSCALL_SLOTS ? nr : -1;
}

static int sc_resolve(struct tap_events *evs, struct tap_object *obj,
		      const struct tap_spec *spec, int prog)
{
	const struct tap_tp_name *names;
	int i, err = 0, n = tap_tp__resolve_match(obj, spec, &names);
	struct syscalltbl *tbl;

	if (n < 0)
		return -1;
	tbl = syscalltbl__new();
	for (i = 0; i < n && !err; i++) {
		struct tap_event *ev;

		if (!tap_syscall__owns(names[i].sys))
			continue;
		ev = tap_events__add(evs, &tap_provider_syscall, names[i].sys, names[i].name,
				     prog);
		if (!ev) {
			err = -1;
			break;
		}
		ev->syscall_nr = view_number(tbl, ev->name, &ev->sys_exit);
		if (ev->syscall_nr >= 0 || !evs->verbose)
			continue;
		if (tap_syscall__kernel_nr_missing())
			pr_info(
				"perf tap: no syscall number known for syscalls:%s (perf's table lacks it, and the running kernel's numbers are unknown: %s); attaching it as a perf tracepoint\n",
				ev->name, tap_syscall__kernel_nr_missing());
		else
			pr_info(
				"perf tap: no syscall number known for syscalls:%s (neither the running kernel nor perf's table has one below %d); attaching it as a perf tracepoint\n",
				ev->name, TAP_SYSCALL_SLOTS);
	}
	syscalltbl__delete(tbl);
	return err;
}

/* As sc_attach_group() and sc_attach() attach them. */
static int sc_code_kinds(const char *spec, bool uses_argstr __maybe_unused)
{
	const struct tap_tp_name *names;
	int i, kinds = 0, n = tap_tp__match(spec, &names);
	struct syscalltbl *tbl;
	bool sys_exit;

	if (n < 0)
		return n;
	tbl = syscalltbl__new();
	for (i = 0; i < n; i++) {
		if (!tap_syscall__owns(names[i].sys))
			continue;
		/* at raw_syscalls argstr's record is rebuilt from the registers */
		if (view_number(tbl, names[i].name, &sys_exit) >= 0)
			kinds |= 1 << TAP_CODE_SYSCALL;
		else
			kinds |= 1 << TAP_CODE_PERF_TP;
	}
	syscalltbl__delete(tbl);
	return kinds;
}

static int sc_field_type(const char *spec, struct tap_field_check *fc)
{
	return tap_tp__field_type(spec, fc, true);
}

/* Argument @tf of a syscall: how the record types it, read from pt_regs. */
static void regs_arg(const struct tep_format_field *tf, int arg, struct tap_field *f)
{
	f->offset = (__u32)tap_regs_syscall_arg(arg);
	/* the record keeps every argument in 8 bytes; an int is 4 */
	if (!strcmp(tf->type, "int")) {
		f->size = 4;
	} else if (!strcmp(tf->type, "unsigned int") || !strcmp(tf->type, "u32")) {
		f->size = 4;
		f->is_signed = 0;
	} else if (strchr(tf->type, '*') || strstr(tf->type, "unsigned") ||
		   strstr(tf->type, "size_t")) {
		f->is_signed = 0;
	}
}

static void sc_field(const struct tap_event *ev, const char *name, struct tap_field *f)
{
	struct tep_event *tp;
	struct tep_format_field *tf;
	int arg;

	if (ev->syscall_nr < 0) {
		tap_tp__record_field(ev, name, f);
		return;
	}
	tp = tap_tp__format(ev->sys, ev->name);
	tf = tp ? tep_find_field(tp, name) : NULL;
	/* the common fields are not in pt_regs: they read 0 */
	if (!tf || tf->offset < 8)
		return;
	f->kind = TAP_FIELD_REGS;
	f->size = 8;
	f->is_signed = 1;
	arg = (tf->offset - SYSCALL_ARGS_OFFSET) / 8;
	if (tf->offset < SYSCALL_ARGS_OFFSET)
		f->offset = (__u32)TAP_REGS_SYSCALL_NR;		/* __syscall_nr */
	else if (ev->sys_exit || arg >= TAP_REGS_NR_ARGS)
		f->offset = (__u32)TAP_REGS_RET;		/* ret */
	else
		regs_arg(tf, arg, f);
}

/*
 * Each block's syscalls:* views with a number, at raw_syscalls:sys_enter
 * and sys_exit, the cookie telling the code where its dispatch table is.
 */
static int sc_attach_group(struct runtime *rt)
{
	int i, err = 0;

	for (i = 0; i < rt->obj->nr_progs && !err; i++) {
		struct prog_state *ps = &rt->progs[i];

		if (ps->enter_base >= 0)
			err = runtime__attach_raw(rt, ps->sys_fd, "sys_enter", TAP_COOKIE_SYSCALL |
						  (__u64)ps->enter_base * TAP_SYSCALL_SLOTS);
		if (!err && ps->exit_base >= 0)
			err = runtime__attach_raw(rt, ps->sys_fd, "sys_exit",
						  TAP_COOKIE_SYSCALL | (1ULL << 30) |
						  (__u64)ps->exit_base * TAP_SYSCALL_SLOTS);
	}
	if (err) {
		pr_err("perf tap: cannot attach to raw_syscalls: %s\n", strerror(-err));
		return err;
	}
	for (i = 0; i < rt->evs.nr; i++) {
		struct tap_event *ev = &rt->evs.ev[i];

		ev->grouped |= ev->provider == &tap_provider_syscall && ev->syscall_nr >= 0;
	}
	return 0;
}

/* A syscall perf knows no number of: its perf tracepoint. */
static int sc_attach(struct runtime *rt, int idx)
{
	return tap_tp__attach_perf(rt, idx);
}

const struct tap_provider tap_provider_syscall = {
	.name = "syscall",
	.claims = tap_tp__is_spec,
	.resolve = sc_resolve,
	.code_kinds = sc_code_kinds,
	.field_type = sc_field_type,
	.field = sc_field,
	.attach_group = sc_attach_group,
	.attach = sc_attach,
	.describe = tap_tp__describe,
};
