/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __TAP_EVENT_H
#define __TAP_EVENT_H

#include <stdbool.h>
#include "object.h"

/*
 * One event a trace block or timer is attached to.  Its index in the
 * event table is the attach cookie, and names it for 'probename'.
 */
struct tap_event {
	char *sys;
	char *name;
	int prog;		/* index in tap_object.progs */
	int syscall_nr;		/* syscalls:* views: the syscall number, else -1 */
	bool sys_exit;		/* syscalls:sys_exit_* */
	bool kprobe;		/* probe:FUNC: name is the function */
	bool kretprobe;		/* probe:FUNC%return, probe:PATH:SYM%return */
	char *path;		/* uprobes: the ELF file; name is the symbol */
	unsigned long long offset;	/* uprobes: the symbol's file offset */
};

struct tap_events {
	struct tap_event *ev;
	int nr;
	int unmapped;		/* syscalls:* events with no known syscall number */
	bool check_only;	/* tap_events__check: only warn where the kernel cannot tell */
};

/*
 * Match every spec of every trace block against tracefs and add timers.
 * Errors (unknown event, unsupported probe kind) are reported against the
 * spec's script position; returns 0 or -1.
 */
int tap_events__resolve(struct tap_events *evs, struct tap_object *obj, bool verbose);
void tap_events__exit(struct tap_events *evs);
/*
 * --dump-ast, --dump-bpf: resolve the specs as a run would, and forget the
 * events.  An event the kernel does not have is an error; where the kernel
 * cannot tell (tracefs unreadable, no kprobe or uprobe PMU) a warning says
 * that the spec was not checked.
 */
int tap_events__check(struct tap_object *obj, bool verbose);
/*
 * The compiler's resolver (struct tap_resolver): the type every event of a
 * block's specs gives field arg.NAME, and the code variants the events
 * take; and, for the runtime, where the field is in event @ev.
 */
int tap_events__field_type(void *arg, const struct tap_spec *specs, int nr_specs,
			   const char *name, char *why, size_t why_size);
unsigned int tap_events__code_kinds(void *arg, const struct tap_spec *specs, int nr_specs,
				    bool uses_argstr);
void tap_events__field(const struct tap_event *ev, const char *name, struct tap_field *f);

/* -l: print the events @spec matches, one "sys:name" a line. */
int tap_events__list(const char *spec);

#endif /* __TAP_EVENT_H */
