/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Probe providers: one per kind of probe, each in a file of its own
 * (provider-*.c), the way ply's are.  A provider says which specs are its
 * own, turns them into events, says which code variant each event runs
 * and where its fields are, and attaches it.  event.c and attach.c hold
 * what all of them share and ask the provider of each spec or event.
 */
#ifndef __TAP_PROVIDER_H
#define __TAP_PROVIDER_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "event.h"
#include "object.h"

struct perf_event_attr;
struct runtime;
struct tep_event;

/* arg.NAME over a block's events: the type so far, or why it has none. */
struct tap_field_check {
	const char *name;
	int type;		/* TAP_T_NUM, TAP_T_STR, or -1 before the first event */
	int btf;		/* its BTF type in every event so far, 0: none, -1: no event yet */
	char *why;
	size_t why_size;
};

struct tap_provider {
	const char *name;
	/*
	 * Is @spec one of mine?  Several providers may share a spec: a
	 * SYS:EVENT glob is the syscall provider's where it matches
	 * syscalls:* views, the tracepoint provider's elsewhere.
	 */
	bool (*claims)(const char *spec);
	/*
	 * Add the events of @spec that are mine, for block @prog: 0, or -1
	 * after an error at the spec's line and column.  A spec that
	 * matches nothing at all is an error; one that matches only other
	 * providers' events is not.
	 */
	int (*resolve)(struct tap_events *evs, struct tap_object *obj,
		       const struct tap_spec *spec, int prog);
	/*
	 * The code variants (1 << TAP_CODE_*) my events of @spec run, as
	 * attach() attaches them, given whether the block reads the record
	 * (argstr); -errno when the events cannot be read.
	 */
	int (*code_kinds)(const char *spec, bool uses_argstr);
	/* Type field @fc->name in my events of @spec: 0, or -1 with @fc->why. */
	int (*field_type)(const char *spec, struct tap_field_check *fc);
	/* Where field @name is in event @ev (NULL: nowhere, it reads 0). */
	void (*field)(const struct tap_event *ev, const char *name, struct tap_field *f);
	/*
	 * Attach those of my events that go together (all syscalls at
	 * raw_syscalls, a file's uprobes in one link, the timers), marking
	 * them grouped: 0, or -errno to give up attaching altogether.  A
	 * group may leave some of its events' errors in rt->attach_err.
	 */
	int (*attach_group)(struct runtime *rt);
	/* Attach event @idx on its own: 0, or -errno and the event is skipped. */
	int (*attach)(struct runtime *rt, int idx);
	/* Event @ev in messages: "sched:sched_switch", "kprobe vfs_read", ... */
	void (*describe)(const struct tap_event *ev, char *buf, size_t size);
};

/* Every provider, the syscall provider before the tracepoint provider. */
extern const struct tap_provider *const tap_providers[];
extern const size_t tap_nr_providers;

extern const struct tap_provider tap_provider_syscall;
extern const struct tap_provider tap_provider_tracepoint;
extern const struct tap_provider tap_provider_kprobe;
extern const struct tap_provider tap_provider_uprobe;
extern const struct tap_provider tap_provider_usdt;
extern const struct tap_provider tap_provider_timer;

/*
 * event.c: event sys:name of @p for block @prog: a new one, or the one an
 * earlier spec of the block added; NULL (said) if out of memory.
 */
struct tap_event *tap_events__add(struct tap_events *evs, const struct tap_provider *p,
				  const char *sys, const char *name, int prog);
/* An error at @spec: "FILE:LINE:COL: error: MSG 'SPEC'" and the script line. */
void tap_spec__error(struct tap_object *obj, const struct tap_spec *spec, const char *msg);
/*
 * The kernel cannot tell what @spec's events are (no PMU, say): error @msg
 * at the spec, -1; but for --dump-ast and --dump-bpf a warning that the
 * spec was not checked because of @why, 0.
 */
int tap_spec__cannot_tell(const struct tap_events *evs, struct tap_object *obj,
			  const struct tap_spec *spec, const char *why, const char *msg);

/*
 * provider-tracepoint.c: the tracefs events a SYS:EVENT spec matches,
 * found with one walk of tracefs per spec, and each event's format, parsed
 * once.  Both stay for the rest of the run.
 */
struct tap_tp_name {
	char *sys;
	char *name;
};

bool tap_tp__is_spec(const char *spec);
/* Can the events in tracefs be read?  Else errno says why. */
bool tap_tp__can_read(void);
/* The matches of @spec: how many (0 is none), or -errno. */
int tap_tp__match(const char *spec, const struct tap_tp_name **names);
/* The same, where no match or no tracefs is an error at the spec: -1. */
int tap_tp__resolve_match(struct tap_object *obj, const struct tap_spec *spec,
			  const struct tap_tp_name **names);
struct tep_event *tap_tp__format(const char *sys, const char *name);
/* Type @fc->name in the syscalls:* events of @spec, or in the others: 0, or -1. */
int tap_tp__field_type(const char *spec, struct tap_field_check *fc, bool syscalls);
/* Where field @name is in the record of event @ev. */
void tap_tp__record_field(const struct tap_event *ev, const char *name, struct tap_field *f);
void tap_tp__describe(const struct tap_event *ev, char *buf, size_t size);
bool tap_tp__field_is_bytes(const char *sys, const char *name, const char *field);
/* The slow path: @idx as a perf tracepoint event with a tracepoint program. */
int tap_tp__attach_perf(struct runtime *rt, int idx);

/* provider-syscall.c: are @sys's events the syscall provider's (syscalls:*)? */
bool tap_syscall__owns(const char *sys);
/*
 * syscall-nr.c: the number the running kernel gives syscalls:@event
 * (sys_enter_NAME or sys_exit_NAME), or -1; why it gives none at all.
 */
int tap_syscall__kernel_nr(const char *event);
const char *tap_syscall__kernel_nr_missing(void);
void tap_syscall__kernel_nr_exit(void);

/*
 * provider-kprobe.c: "probe:TARGET%return" and "probe:TARGET": a copy of
 * TARGET and whether it is a return probe, or NULL after an error at @spec.
 */
char *tap_probe__target(struct tap_object *obj, const struct tap_spec *spec, bool *ret);
/*
 * Is there a PMU @pmu ("kprobe", "uprobe") with a retprobe format bit?
 * Its type and that bit.
 */
int tap_probe__pmu(const char *pmu, __u32 *type, __u64 *retprobe);
/* Probes have the code of a kprobe program, and no named fields. */
int tap_probe__code_kinds(const char *spec, bool uses_argstr);
int tap_probe__field_type(const char *spec, struct tap_field_check *fc);
/* Event @idx through the kprobe or uprobe PMU, as a kprobe program. */
int tap_probe__attach_pmu(struct runtime *rt, int idx, const char *pmu, const char *target,
			  __u64 offset);

/* attach.c: links and perf events, closed again by runtime__detach_all(). */
int runtime__add_link(struct runtime *rt, int fd);
int runtime__attach_raw(struct runtime *rt, int prog_fd, const char *tp, __u64 cookie);
int runtime__attach_perf_event(struct runtime *rt, struct perf_event_attr *attr, int cpu,
			       int prog_fd, __u64 cookie);

#endif /* __TAP_PROVIDER_H */
