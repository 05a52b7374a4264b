// SPDX-License-Identifier: GPL-2.0
/*
 * Names for stack() and ustack() frames, and the functions a uprobe may go
 * on, from perf's machine, thread, map, dso and symbol code.
 */
#include <elf.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/zalloc.h>
#include <perf/threadmap.h>

#include "util/addr_location.h"
#include "util/debug.h"
#include "util/demangle-cxx.h"
#include "util/demangle-rust.h"
#include "util/dso.h"
#include "util/env.h"
#include "util/event.h"
#include "util/machine.h"
#include "util/map.h"
#include "util/symbol.h"
#include "util/symsrc.h"
#include "util/synthetic-events.h"
#include "util/thread.h"
#include "util/thread_map.h"
#include "util/tool.h"
#include "usym.h"

/* thread__priv() of a process whose mappings were read from /proc */
static char read_from_proc;

int tap_usym__init(void)
{
	symbol_conf.demangle = false;
	return symbol__init(NULL);
}

struct machine *tap_usym__host_machine(void)
{
	struct machine *machine;

	if (tap_usym__init())
		return NULL;
	/* machine__new_host() without its kernel maps: kallsyms is read 3 times */
	machine = zalloc(sizeof(*machine));
	if (!machine)
		return NULL;
	if (machine__init(machine, "", HOST_KERNEL_ID)) {
		free(machine);
		return NULL;
	}
	machine->env = &perf_env;
	return machine;
}

/*
 * A C++ (or Rust) function's name as its source spells it.  Perf would
 * demangle with __cxa_demangle, when built without libbfd, every name it
 * loads, and that reads the C functions a() and b() as the types "signed
 * char" and "bool": only names mangled as the Itanium C++ ABI says, which
 * start with _Z, are handed to it here.
 */
static char *demangle(const char *name)
{
	char *s;

	if (strncmp(name, "_Z", 2))
		return NULL;
	s = cxx_demangle_sym(name, false, false);
	if (s && rust_is_mangled(s))
		rust_demangle_sym(s);
	return s;
}

/* Name @addr into @buf if a mapping of @pid covers it. */
static bool usym_name(struct machine *machine, int pid, u64 addr, char *buf, size_t size)
{
	struct thread *thread = machine ? machine__find_thread(machine, pid, pid) : NULL;
	struct addr_location al;
	const char *file;
	struct dso *dso;
	bool found;

	if (!thread)
		return false;
	addr_location__init(&al);
	thread__find_symbol(thread, PERF_RECORD_MISC_USER, addr, &al);
	found = al.map;
	if (!found)
		goto out;
	dso = map__dso(al.map);
	file = dso__long_name(dso);
	if (al.sym) {
		char *name = demangle(al.sym->name);

		snprintf(buf, size, "%s+0x%llx (%s)", name ?: al.sym->name,
			 (unsigned long long)(al.addr - al.sym->start), dso__short_name(dso));
		free(name);
	} else if (file[0] == '/' && !is_perf_pid_map_name(file)) {
		snprintf(buf, size, "0x%llx (%s)",
			 (unsigned long long)map__rip_2objdump(al.map, al.addr),
			 dso__short_name(dso));
	} else {	/* anonymous memory or the vdso, and no symbol for it */
		snprintf(buf, size, "0x%llx", (unsigned long long)addr);
	}
out:
	addr_location__exit(&al);
	thread__put(thread);
	return found;
}

const char *tap_usym__name(struct machine *machine, int pid, u64 addr, char *buf, size_t size)
{
	if (!usym_name(machine, pid, addr, buf, size))
		snprintf(buf, size, "0x%llx", (unsigned long long)addr);
	return buf;
}

const char *tap_ksym__name(struct machine *machine, u64 addr, char *buf, size_t size)
{
	struct symbol *sym = NULL;
	struct map *map = NULL;

	if (machine)
		sym = machine__find_kernel_symbol(machine, addr, &map);
	if (!sym)
		snprintf(buf, size, "0x%llx", (unsigned long long)addr);
	else
		snprintf(buf, size, "%s+0x%llx", sym->name,
			 (unsigned long long)(map__map_ip(map, addr) - sym->start));
	return buf;
}

const char *tap_ksym__name_live(struct machine *machine, u64 addr, char *buf, size_t size)
{
	if (machine && !machine__kernel_map(machine) && machine__create_kernel_maps(machine) < 0)
		pr_debug("perf tap: cannot make the kernel's maps\n");
	return tap_ksym__name(machine, addr, buf, size);
}

int tap_usym__read_proc(struct machine *machine, int pid)
{
	struct perf_thread_map *threads = thread_map__new_by_tid(pid);
	struct thread *thread;
	struct perf_tool tool;
	int err = -1;

	perf_tool__init(&tool, /*ordered_events=*/false);
	if (threads) {
		err = perf_event__synthesize_thread_map(&tool, threads, perf_event__process,
							machine, /*needs_mmap=*/true,
							/*mmap_data=*/false);
		perf_thread_map__put(threads);
	}
	/* gone or not, do not look again */
	thread = machine__findnew_thread(machine, pid, pid);
	if (thread) {
		thread__set_priv(thread, &read_from_proc);
		thread__put(thread);
	}
	return err;
}

const char *tap_usym__name_live(struct machine *machine, int pid, u64 addr, char *buf,
				size_t size)
{
	struct thread *thread;
	bool read;

	if (usym_name(machine, pid, addr, buf, size))
		return buf;
	if (!machine)
		return tap_usym__name(machine, pid, addr, buf, size);
	/* first seen, or mapped where no report said: read /proc, once */
	thread = machine__find_thread(machine, pid, pid);
	read = thread && thread__priv(thread) == &read_from_proc;
	thread__put(thread);
	if (!read)
		tap_usym__read_proc(machine, pid);
	return tap_usym__name(machine, pid, addr, buf, size);
}

/* The stubs perf makes up for the PLT's entries, named NAME@plt, and its header. */
static bool is_plt(const char *name)
{
	size_t len = strlen(name);

	return !strcmp(name, ".plt") || (len > 4 && !strcmp(name + len - 4, "@plt"));
}

int tap_usym__funcs(const char *path, tap_usym_func_fn fn, void *arg)
{
	bool aliases = symbol_conf.allow_aliases;
	struct symsrc ss;
	struct symbol *sym;
	struct rb_node *nd;
	struct map *map;
	int err = -1, stop;
	char *name;

	if (tap_usym__init())
		return -1;
	/* a map of the file at 0, as util/probe-event.c finds uprobe functions */
	map = dso__new_map(path);
	if (!map)
		return -1;
	/*
	 * The file's own symbol tables, not those of a debug file dso__load()
	 * would prefer: those add the internal functions of a library, and
	 * uprobes on all of libc's (a glob) broke the output of the very
	 * processes traced.
	 */
	if (symsrc__init(&ss, map__dso(map), path, DSO_BINARY_TYPE__SYSTEM_PATH_DSO) < 0)
		goto out;
	/* every alias of a function, not only the one perf would show */
	symbol_conf.allow_aliases = true;
	err = dso__load_sym(map__dso(map), map, &ss, &ss, 0);
	symbol_conf.allow_aliases = aliases;
	symsrc__destroy(&ss);
	if (err <= 0) {
		err = -1;
		goto out;
	}
	err = 0;
	map__for_each_symbol(map, sym, nd) {
		if (sym->type != STT_FUNC || is_plt(sym->name))
			continue;
		/* NAME@VERSION and NAME@@VERSION in some .symtab */
		name = strndup(sym->name, strcspn(sym->name, "@"));
		if (!name) {
			err = -1;
			break;
		}
		/* a file's symbols are kept as offsets in it: what uprobes take */
		stop = fn(arg, name, map__unmap_ip(map, sym->start));
		free(name);
		if (stop)
			break;
	}
out:
	map__put(map);
	return err;
}
