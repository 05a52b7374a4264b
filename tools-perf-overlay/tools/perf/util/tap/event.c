// SPDX-License-Identifier: GPL-2.0
/*
 * Resolving probe specs ("syscalls:sys_enter_*", "sched:sched_switch",
 * "*:*") to tracefs events, and the syscall numbers behind syscalls:*.
 */
#include <dirent.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <api/fs/tracing_path.h>
#include "util/syscalltbl.h"
#include "util/trace-event.h"
#include <linux/err.h>
#include <traceevent/event-parse.h>

#include "event.h"
#include "usym.h"

/* syscalls:* events are named after the kernel entry point, not the syscall */
static const struct {
	const char *entry;
	const char *name;
} entry_aliases[] = {
	{ "newstat", "stat" }, { "newfstat", "fstat" }, { "newlstat", "lstat" },
	{ "sendfile64", "sendfile" }, { "newuname", "uname" }, { "umount", "umount2" },
};

static int syscall_number(struct syscalltbl *tbl, const char *entry)
{
	size_t i;
	int nr = syscalltbl__id(tbl, entry);

	if (nr >= 0)
		return nr;
	for (i = 0; i < sizeof(entry_aliases) / sizeof(entry_aliases[0]); i++)
		if (!strcmp(entry, entry_aliases[i].entry))
			return syscalltbl__id(tbl, entry_aliases[i].name);
	return -1;
}

static int add_event(struct tap_events *evs, const char *sys, const char *name, int prog)
{
	struct tap_event *ev;
	int i;

	for (i = 0; i < evs->nr; i++)
		if (evs->ev[i].prog == prog && !strcmp(evs->ev[i].sys, sys) &&
		    !strcmp(evs->ev[i].name, name))
			return 0;	/* matched by two specs of one block */
	ev = realloc(evs->ev, (evs->nr + 1) * sizeof(*ev));
	if (!ev)
		return -ENOMEM;
	evs->ev = ev;
	ev = &evs->ev[evs->nr++];
	ev->sys = strdup(sys);
	ev->name = strdup(name);
	ev->prog = prog;
	ev->syscall_nr = -1;
	ev->sys_exit = false;
	ev->kprobe = ev->kretprobe = false;
	ev->path = NULL;
	ev->offset = 0;
	if (!ev->sys || !ev->name)
		return -ENOMEM;
	return 0;
}

static bool is_event_dir(const char *events, const char *sys, const char *name)
{
	char path[4096];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s/%s/id", events, sys, name);
	return stat(path, &st) == 0;
}

typedef int (*match_fn)(void *arg, const char *sys, const char *name);

/* Call @fn for every tracefs event matching "SYS:EVENT" globs; count them. */
static int match_events(const char *spec, match_fn fn, void *arg)
{
	char *copy = strdup(spec), *colon, *events;
	struct dirent *sd, *ed;
	DIR *sys_dir, *ev_dir;
	int found = 0, err = 0;

	if (!copy)
		return -ENOMEM;
	colon = strchr(copy, ':');
	if (!colon || !colon[1] || colon == copy) {
		free(copy);
		return -EINVAL;
	}
	*colon = 0;
	events = get_tracing_file("events");
	sys_dir = events ? opendir(events) : NULL;
	if (!sys_dir) {
		fprintf(stderr, "perf tap: cannot read tracefs events (is tracefs mounted?)\n");
		free(copy);
		put_events_file(events);
		return -ENOENT;
	}
	while (!err && (sd = readdir(sys_dir))) {
		char path[4096];

		if (sd->d_name[0] == '.' || fnmatch(copy, sd->d_name, 0))
			continue;
		/* ftrace's own events (function, print, ...) take no BPF programs */
		if (strpbrk(copy, "*?[") && !strcmp(sd->d_name, "ftrace"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", events, sd->d_name);
		ev_dir = opendir(path);
		if (!ev_dir)
			continue;
		while (!err && (ed = readdir(ev_dir))) {
			if (ed->d_name[0] == '.' || fnmatch(colon + 1, ed->d_name, 0) ||
			    !is_event_dir(events, sd->d_name, ed->d_name))
				continue;
			err = fn(arg, sd->d_name, ed->d_name);
			found++;
		}
		closedir(ev_dir);
	}
	closedir(sys_dir);
	put_events_file(events);
	free(copy);
	return err ? err : found;
}

struct add_arg {
	struct tap_events *evs;
	int prog;
};

static int add_match(void *arg, const char *sys, const char *name)
{
	struct add_arg *a = arg;

	return add_event(a->evs, sys, name, a->prog);
}

/* An error about a probe spec, at the spec, with the script line and caret. */
static void spec_error(struct tap_object *obj, const struct tap_spec *spec, const char *msg)
{
	tap_object__error(obj, spec->line, spec->col, "%s '%s'", msg, spec->text);
}

/* --dump-ast, --dump-bpf: what the kernel cannot tell is not an error there. */
static int unchecked(struct tap_object *obj, const struct tap_spec *spec, const char *why)
{
	fprintf(stderr, "%s:%d:%d: warning: '%s' not checked: %s\n", obj->file, spec->line,
		spec->col, spec->text, why);
	return 0;
}

/* Number the syscalls:* views; the rest attach as raw tracepoints. */
static void map_syscalls(struct tap_events *evs, bool verbose)
{
	struct syscalltbl *tbl = syscalltbl__new();
	int i;

	for (i = 0; i < evs->nr; i++) {
		struct tap_event *ev = &evs->ev[i];
		const char *entry;

		if (strcmp(ev->sys, "syscalls"))
			continue;
		if (!strncmp(ev->name, "sys_enter_", 10)) {
			entry = ev->name + 10;
		} else if (!strncmp(ev->name, "sys_exit_", 9)) {
			entry = ev->name + 9;
			ev->sys_exit = true;
		} else {
			continue;
		}
		ev->syscall_nr = tbl ? syscall_number(tbl, entry) : -1;
		if (ev->syscall_nr >= TAP_SYSCALL_SLOTS)
			ev->syscall_nr = -1;
		if (ev->syscall_nr < 0) {
			evs->unmapped++;
			if (verbose)
				fprintf(stderr, "perf tap: no syscall number known for syscalls:%s;"
					" attaching it as a perf tracepoint\n", ev->name);
		}
	}
	syscalltbl__delete(tbl);
}

/*
 * The file offset of a symbol: its address in the PT_LOAD segment that
 * holds it, moved from the segment's address to its offset in the file.
 * That offset is what the uprobe PMU takes.
 */
static int elf_sym_offset(Elf *elf, GElf_Addr addr, unsigned long long *offset)
{
	size_t i, n;

	if (elf_getphdrnum(elf, &n))
		return -1;
	for (i = 0; i < n; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_LOAD ||
		    !(ph.p_flags & PF_X))
			continue;
		if (addr >= ph.p_vaddr && addr < ph.p_vaddr + ph.p_memsz) {
			*offset = addr - ph.p_vaddr + ph.p_offset;
			return 0;
		}
	}
	return -1;
}

struct uprobe_match {
	struct tap_events *evs;
	const char *path, *glob;
	int prog, found;
	bool ret;
};

static int add_uprobe(void *arg, Elf *elf, const char *name, GElf_Addr addr, GElf_Xword size)
{
	struct uprobe_match *um = arg;
	struct tap_events *evs = um->evs;
	unsigned long long off;

	(void)size;
	if (fnmatch(um->glob, name, 0) || elf_sym_offset(elf, addr, &off))
		return 0;
	/* aliases share an address: one probe each address */
	if (evs->nr && evs->ev[evs->nr - 1].path && evs->ev[evs->nr - 1].offset == off &&
	    evs->ev[evs->nr - 1].prog == um->prog)
		return 0;
	if (add_event(evs, "probe", name, um->prog))
		return 1;
	evs->ev[evs->nr - 1].kretprobe = um->ret;
	evs->ev[evs->nr - 1].path = strdup(um->path);
	evs->ev[evs->nr - 1].offset = off;
	um->found++;
	return 0;
}

/*
 * probe:/PATH:SYM and probe:/PATH:SYM%return, SYM a glob over the
 * functions in the file's symbol tables (.symtab, else .dynsym).
 */
static int resolve_uprobe(struct tap_events *evs, struct tap_object *obj,
			  const struct tap_spec *spec, int prog, char *pattern, bool ret)
{
	char *colon = strrchr(pattern, ':');
	struct uprobe_match um = { .evs = evs, .path = pattern, .prog = prog, .ret = ret };
	struct stat st;

	if (!colon || !colon[1]) {
		spec_error(obj, spec, "a uprobe is probe:/PATH:SYMBOL, not");
		return -1;
	}
	*colon = 0;
	um.glob = colon + 1;
	if (access("/sys/bus/event_source/devices/uprobe/type", F_OK)) {
		if (evs->check_only)
			return unchecked(obj, spec, "this kernel has no uprobe PMU");
		spec_error(obj, spec, "this kernel has no uprobe PMU (CONFIG_UPROBE_EVENTS) for");
		return -1;
	}
	/* a FIFO or a device would block or mean nothing: only regular files */
	if (stat(pattern, &st) || access(pattern, R_OK)) {
		spec_error(obj, spec, "cannot open the file of");
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		spec_error(obj, spec, "not a regular file (an executable or library):");
		return -1;
	}
	if (tap_elf_funcs(pattern, add_uprobe, &um)) {
		spec_error(obj, spec, "not an ELF file:");
		return -1;
	}
	if (!um.found) {
		spec_error(obj, spec, "no function in the file matches");
		return -1;
	}
	return 0;
}

/*
 * probe:FUNC and probe:FUNC%return, FUNC a glob: the kernel functions
 * kprobes may attach to are listed in tracefs available_filter_functions.
 */
static int resolve_kprobe(struct tap_events *evs, struct tap_object *obj,
			  const struct tap_spec *spec, int prog)
{
	char *pattern = strdup(spec->text + 6), *pct, *file, line[512];
	bool ret = false;
	int found = 0;
	FILE *fp;

	if (!pattern)
		return -1;
	pct = strchr(pattern, '%');
	if (pct) {
		if (strcmp(pct, "%return")) {
			spec_error(obj, spec, "the only kprobe suffix is %return, not");
			free(pattern);
			return -1;
		}
		*pct = 0;
		ret = true;
	}
	if (pattern[0] == '/') {
		int err = resolve_uprobe(evs, obj, spec, prog, pattern, ret);

		free(pattern);
		return err;
	}
	if (access("/sys/bus/event_source/devices/kprobe/type", F_OK)) {
		free(pattern);
		if (evs->check_only)
			return unchecked(obj, spec, "this kernel has no kprobe PMU");
		spec_error(obj, spec, "this kernel has no kprobe PMU (CONFIG_KPROBE_EVENTS) for");
		return -1;
	}
	file = get_tracing_file("available_filter_functions");
	fp = file ? fopen(file, "r") : NULL;
	put_tracing_file(file);
	if (!fp) {
		free(pattern);
		if (evs->check_only)
			return unchecked(obj, spec, "cannot read available_filter_functions");
		spec_error(obj, spec, "cannot read the kernel's probe-able functions for");
		return -1;
	}
	while (fgets(line, sizeof(line), fp)) {
		char *end = line + strcspn(line, " \t\n");

		*end = 0;
		if (fnmatch(pattern, line, 0))
			continue;
		/* one function may be listed twice (static copies): once is enough */
		if (evs->nr && !strcmp(evs->ev[evs->nr - 1].name, line) &&
		    evs->ev[evs->nr - 1].prog == prog)
			continue;
		if (add_event(evs, "probe", line, prog))
			break;
		evs->ev[evs->nr - 1].kprobe = true;
		evs->ev[evs->nr - 1].kretprobe = ret;
		found++;
	}
	fclose(fp);
	free(pattern);
	if (!found) {
		spec_error(obj, spec, "no kernel function matches");
		return -1;
	}
	return 0;
}

static int resolve(struct tap_events *evs, struct tap_object *obj, bool verbose, bool check_only)
{
	int i, n;

	memset(evs, 0, sizeof(*evs));
	evs->check_only = check_only;
	for (i = 0; i < obj->nr_progs; i++) {
		struct tap_prog_def *prog = &obj->progs[i];
		struct add_arg arg = { evs, i };
		const struct tap_spec *spec;

		if (prog->kind == TAP_PROG_TIMER) {
			if (add_event(evs, "timer", prog->specs[0].text, i))
				return -1;
			continue;
		}
		if (prog->kind != TAP_PROG_TRACE)
			continue;
		for (spec = prog->specs; spec < prog->specs + prog->nr_specs; spec++) {
			if (!strncmp(spec->text, "probe:", 6)) {
				if (resolve_kprobe(evs, obj, spec, i))
					return -1;
				continue;
			}
			n = match_events(spec->text, add_match, &arg);
			if (n == -EINVAL) {
				spec_error(obj, spec, "a probe spec is SUBSYSTEM:EVENT, not");
				return -1;
			}
			if (n == 0)
				spec_error(obj, spec, "no such event:");
			if (n <= 0)
				return -1;
		}
	}
	map_syscalls(evs, verbose);
	return 0;
}

int tap_events__resolve(struct tap_events *evs, struct tap_object *obj, bool verbose)
{
	return resolve(evs, obj, verbose, false);
}

int tap_events__check(struct tap_object *obj, bool verbose)
{
	struct tap_events evs;
	char *events;
	int i, err;

	for (i = 0; i < obj->nr_progs; i++)
		if (obj->progs[i].kind == TAP_PROG_TRACE)
			break;
	if (i == obj->nr_progs)
		return 0;	/* timers only: nothing to look up */
	events = get_tracing_file("events");
	err = events && !access(events, R_OK | X_OK) ? 0 : -errno;
	put_events_file(events);
	if (err) {
		fprintf(stderr, "perf tap: warning: the probe specs were not checked against the "
			"kernel: cannot read tracefs (%s)\n", strerror(-err));
		return 0;
	}
	err = resolve(&evs, obj, verbose, true);
	tap_events__exit(&evs);
	return err;
}

void tap_events__exit(struct tap_events *evs)
{
	int i;

	for (i = 0; i < evs->nr; i++) {
		free(evs->ev[i].sys);
		free(evs->ev[i].name);
		free(evs->ev[i].path);
	}
	free(evs->ev);
	memset(evs, 0, sizeof(*evs));
}

struct field_check {
	const char *name;
	int type;		/* TAP_T_NUM, TAP_T_STR, or -1 before the first event */
	char *why;
	size_t why_size;
};

static struct tep_format_field *find_field(const char *sys, const char *event, const char *name)
{
	struct tep_event *tp = trace_event__tp_format(sys, event);

	if (IS_ERR_OR_NULL(tp))
		return NULL;
	return tep_find_field(tp, name);
}

static int check_field(void *arg, const char *sys, const char *event)
{
	struct field_check *fc = arg;
	struct tep_format_field *f = find_field(sys, event, fc->name);
	int type;

	if (!f) {
		snprintf(fc->why, fc->why_size, "event %s:%s has no field '%s'", sys, event,
			 fc->name);
		return -EINVAL;
	}
	if (f->flags & TEP_FIELD_IS_STRING)
		type = TAP_T_STR;
	else if (f->flags & TEP_FIELD_IS_ARRAY)
		type = -2;
	else
		type = TAP_T_NUM;
	if (type == -2) {
		snprintf(fc->why, fc->why_size, "field '%s' of %s:%s is an array", fc->name, sys,
			 event);
		return -EINVAL;
	}
	if (fc->type >= 0 && fc->type != type) {
		snprintf(fc->why, fc->why_size,
			 "field '%s' is a string in some of these events, a number in others",
			 fc->name);
		return -EINVAL;
	}
	fc->type = type;
	return 0;
}

int tap_events__field_type(void *arg, const struct tap_node *trace, const char *name,
			   char *why, size_t why_size)
{
	struct field_check fc = { name, -1, why, why_size };
	const struct tap_node *spec;

	(void)arg;
	for (spec = trace->list; spec; spec = spec->next) {
		if (!strncmp(spec->name, "probe:", 6)) {
			snprintf(why, why_size, "probes have no named fields: use arg0..arg5");
			return -1;
		}
		if (match_events(spec->name, check_field, &fc) < 0) {
			if (!why[0])
				snprintf(why, why_size, "cannot read the events of '%s'",
					 spec->name);
			return -1;
		}
	}
	return fc.type < 0 ? TAP_T_NUM : fc.type;
}

void tap_events__field(const struct tap_event *ev, const char *name, struct tap_field *f)
{
	/* offsetof(struct pt_regs, di, si, dx, r10, r8, r9) on x86_64 */
	static const int regs_off[] = { 112, 104, 96, 56, 72, 64 };
	struct tep_format_field *tf = find_field(ev->sys, ev->name, name);

	memset(f, 0, sizeof(*f));
	if (!tf)
		return;
	if (ev->syscall_nr >= 0) {
		/* a view at raw_syscalls: the arguments are in pt_regs */
		int arg = (tf->offset - 16) / 8;

		f->kind = TAP_FIELD_REGS;
		f->size = 8;
		f->is_signed = 1;
		if (ev->sys_exit || tf->offset < 16 || arg >= 6) {
			f->offset = 80;		/* ax: the return value */
			return;
		}
		f->offset = (__u32)regs_off[arg];
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
		return;
	}
	f->offset = (__u32)tf->offset;
	f->size = (__u32)tf->size;
	f->is_signed = !!(tf->flags & TEP_FIELD_IS_SIGNED);
	if (tf->flags & TEP_FIELD_IS_DYNAMIC)
		f->kind = TAP_FIELD_DATA_LOC;
	else if (tf->flags & TEP_FIELD_IS_STRING)
		f->kind = TAP_FIELD_CHARS;
	else if (tf->size <= 8)
		f->kind = TAP_FIELD_INT;
}

static int print_match(void *arg, const char *sys, const char *name)
{
	(void)arg;
	printf("%s:%s\n", sys, name);
	return 0;
}

int tap_events__list(const char *spec)
{
	int n = match_events(spec, print_match, NULL);

	if (n == -EINVAL)
		fprintf(stderr, "perf tap: a probe spec is SUBSYSTEM:EVENT, not '%s'\n", spec);
	else if (n == 0)
		fprintf(stderr, "perf tap: no event matches '%s'\n", spec);
	return n > 0 ? 0 : -1;
}
