/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __TAP_EVENT_H
#define __TAP_EVENT_H

#include <stdbool.h>
#include "object.h"

struct tap_provider;
struct tep_event;

/*
 * One event a trace block or timer is attached to.  Its index in the
 * event table is the attach cookie, and names it for 'probename'.
 */
struct tap_event {
	const struct tap_provider *provider;	/* resolves, types and attaches it */
	char *sys;
	char *name;
	int prog;		/* index in tap_object.progs */
	int syscall_nr;		/* syscalls:* views: the syscall number, else -1 */
	bool sys_exit;		/* syscalls:sys_exit_* */
	bool kretprobe;		/* probe:FUNC%return, probe:PATH:SYM%return */
	bool grouped;		/* attached with others, not on its own */
	char *path;		/* uprobes: the ELF file; name is the symbol */
	unsigned long long offset;	/* uprobes: the symbol's file offset */
	unsigned long long ref_ctr;	/* usdt: the semaphore's file offset, 0: none */
	char *args;		/* usdt: the note's operands, "-4@%eax 8@-16(%rbp)" */
};

struct tap_events {
	struct tap_event *ev;
	int nr;
	int block_start;	/* while resolving: the first event of the block, */
	int spec_start;		/* ... and of the spec */
	bool check_only;	/* tap_events__check: only warn where the kernel cannot tell */
	bool verbose;		/* say how events will be attached */
};

/*
 * The events of every spec of every trace block and timer, from the
 * providers that claim the spec (provider.h).  Errors (unknown event,
 * unsupported probe kind) are reported at the spec's script position;
 * returns 0 or -1.
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
			   const char *name, int *btf, char *why, size_t why_size);
unsigned int tap_events__code_kinds(void *arg, const struct tap_spec *specs, int nr_specs,
				    bool uses_argstr);
void tap_events__field(const struct tap_event *ev, const char *name, struct tap_field *f);
/* argstr: the format of event @ev, parsed once per run; NULL if it has none. */
struct tep_event *tap_events__format(const struct tap_event *ev);

/* -l: print the events @spec matches, sorted, one a line; @fields: and their fields. */
int tap_events__list(const char *spec, bool fields);

#endif /* __TAP_EVENT_H */
