// SPDX-License-Identifier: GPL-2.0
/*
 * The events a script's probe specs stand for.  Each spec goes to the
 * providers that claim it (provider.h), which add its events, type its
 * fields and say how its events attach; this file holds the event table
 * and asks them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/kernel.h>

#include <api/fs/tracing_path.h>
#include <traceevent/event-parse.h>
#include "util/debug.h"

#include "event.h"
#include "provider.h"

/* In the order a spec's events are numbered: a glob's syscalls:* views first. */
const struct tap_provider *const tap_providers[] = {
	&tap_provider_syscall,
	&tap_provider_tracepoint,
	&tap_provider_kprobe,
	&tap_provider_uprobe,
	&tap_provider_usdt,
	&tap_provider_timer,
};

const size_t tap_nr_providers = ARRAY_SIZE(tap_providers);

/* The next provider after @from (NULL: the first) that claims @spec, or NULL. */
static const struct tap_provider *next_claim(const char *spec, const struct tap_provider *from)
{
	size_t i = 0;

	if (from)
		while (tap_providers[i++] != from)
			;
	for (; i < tap_nr_providers; i++)
		if (tap_providers[i]->claims(spec))
			return tap_providers[i];
	return NULL;
}

struct tap_event *tap_events__add(struct tap_events *evs, const struct tap_provider *p,
				  const char *sys, const char *name, int prog)
{
	struct tap_event *ev;
	int i;

	/* matched by an earlier spec of the block too: one spec's events differ */
	for (i = evs->block_start; i < evs->spec_start; i++)
		if (evs->ev[i].provider == p && evs->ev[i].prog == prog && !evs->ev[i].path &&
		    !strcmp(evs->ev[i].sys, sys) && !strcmp(evs->ev[i].name, name))
			return &evs->ev[i];
	ev = realloc(evs->ev, (evs->nr + 1) * sizeof(*ev));
	if (!ev)
		goto nomem;
	evs->ev = ev;
	ev = &evs->ev[evs->nr++];
	memset(ev, 0, sizeof(*ev));
	ev->provider = p;
	ev->prog = prog;
	ev->syscall_nr = -1;
	ev->sys = strdup(sys);
	ev->name = strdup(name);
	if (ev->sys && ev->name)
		return ev;
nomem:
	pr_err("perf tap: out of memory for the events of the probe specs\n");
	return NULL;
}

/* While a trace? block's spec is resolved, its errors are notes: the spec is left out. */
static bool optional_spec;

void tap_spec__error(struct tap_object *obj, const struct tap_spec *spec, const char *msg)
{
	if (optional_spec) {
		pr_info("%s:%d:%d: note: left out (trace?): %s '%s'\n", obj->file, spec->line,
			spec->col, msg, spec->text);
		return;
	}
	tap_object__error(obj, spec->line, spec->col, "%s '%s'", msg, spec->text);
}

/* Forget the events from @from on: those of a trace? spec left out. */
static void drop_events(struct tap_events *evs, int from)
{
	while (evs->nr > from) {
		struct tap_event *ev = &evs->ev[--evs->nr];

		free(ev->sys);
		free(ev->name);
		free(ev->path);
	}
}

int tap_spec__cannot_tell(const struct tap_events *evs, struct tap_object *obj,
			  const struct tap_spec *spec, const char *why, const char *msg)
{
	if (!evs->check_only) {
		tap_spec__error(obj, spec, msg);
		return -1;
	}
	pr_warning("%s:%d:%d: warning: '%s' not checked: %s\n", obj->file, spec->line,
		   spec->col, spec->text, why);
	return 0;
}

/* Every claiming provider adds its events of @spec. */
static int resolve_spec(struct tap_events *evs, struct tap_object *obj,
			const struct tap_spec *spec, int prog)
{
	const struct tap_provider *p;
	bool claimed = false;

	for (p = next_claim(spec->text, NULL); p; p = next_claim(spec->text, p)) {
		claimed = true;
		if (p->resolve(evs, obj, spec, prog))
			return -1;
	}
	if (!claimed) {
		tap_spec__error(obj, spec, "a probe spec is SUBSYSTEM:EVENT, not");
		return -1;
	}
	if (evs->verbose)
		pr_info("perf tap: %s:%d:%d: '%s' matches %d event%s\n", obj->file, spec->line,
			spec->col, spec->text, evs->nr - evs->spec_start,
			evs->nr - evs->spec_start == 1 ? "" : "s");
	return 0;
}

static int resolve(struct tap_events *evs, struct tap_object *obj, bool say_how, bool check_only)
{
	int i, s, err;

	memset(evs, 0, sizeof(*evs));
	evs->check_only = check_only;
	evs->verbose = say_how;
	for (i = 0; i < obj->nr_progs; i++) {
		struct tap_prog_def *prog = &obj->progs[i];

		if (prog->kind != TAP_PROG_TRACE && prog->kind != TAP_PROG_TIMER)
			continue;
		evs->block_start = evs->nr;
		for (s = 0; s < prog->nr_specs; s++) {
			evs->spec_start = evs->nr;
			optional_spec = prog->optional;
			err = resolve_spec(evs, obj, &prog->specs[s], i);
			optional_spec = false;
			if (err && !prog->optional)
				return -1;
			if (err)
				drop_events(evs, evs->spec_start);
		}
		if (prog->optional && evs->nr == evs->block_start)
			pr_info(
				"%s:%d:%d: note: no event for this trace? block: it stays unattached\n",
				obj->file, prog->line, prog->col);
	}
	return 0;
}

int tap_events__resolve(struct tap_events *evs, struct tap_object *obj, bool say_how)
{
	return resolve(evs, obj, say_how, false);
}

int tap_events__check(struct tap_object *obj, bool say_how)
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
		pr_warning(
			"perf tap: warning: the probe specs were not checked against the kernel: cannot read tracefs (%s)\n",
			strerror(-err));
		return 0;
	}
	err = resolve(&evs, obj, say_how, true);
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
		free(evs->ev[i].args);
	}
	free(evs->ev);
	memset(evs, 0, sizeof(*evs));
}

int tap_events__field_type(void *arg, const struct tap_spec *specs, int nr_specs,
			   const char *name, int *btf, char *why, size_t why_size)
{
	struct tap_field_check fc = { name, -1, -1, why, why_size };
	const struct tap_provider *p;
	int i;

	(void)arg;
	for (i = 0; i < nr_specs; i++) {
		for (p = next_claim(specs[i].text, NULL); p; p = next_claim(specs[i].text, p)) {
			if (!p->field_type) {
				snprintf(why, why_size, "%s events have no named fields", p->name);
				return -1;
			}
			if (p->field_type(specs[i].text, &fc))
				return -1;
		}
	}
	*btf = fc.btf > 0 ? fc.btf : 0;
	return fc.type < 0 ? TAP_T_NUM : fc.type;
}

unsigned int tap_events__code_kinds(void *arg, const struct tap_spec *specs, int nr_specs,
				    bool uses_argstr)
{
	const struct tap_provider *p;
	unsigned int kinds = 0;
	int i, k;

	(void)arg;
	for (i = 0; i < nr_specs; i++) {
		for (p = next_claim(specs[i].text, NULL); p; p = next_claim(specs[i].text, p)) {
			k = p->code_kinds ? p->code_kinds(specs[i].text, uses_argstr) : -EINVAL;
			/* events that cannot be read: every variant; resolving says why */
			if (k < 0)
				return 0;
			kinds |= (unsigned int)k;
		}
	}
	return kinds;
}

void tap_events__field(const struct tap_event *ev, const char *name, struct tap_field *f)
{
	memset(f, 0, sizeof(*f));
	if (ev->provider->field)
		ev->provider->field(ev, name, f);
}

struct tep_event *tap_events__format(const struct tap_event *ev)
{
	return tap_tp__format(ev->sys, ev->name);
}

/* -l prints an event as a spec that would match just it. */
static char *list_name(const struct tap_event *ev)
{
	const char *ret = ev->kretprobe ? "%return" : "";
	char *name = NULL;
	int n;

	if (ev->args)
		n = asprintf(&name, "usdt:%s:%s:%s", ev->path, ev->sys, ev->name);
	else if (ev->path)
		n = asprintf(&name, "probe:%s:%s%s", ev->path, ev->name, ret);
	else
		n = asprintf(&name, "%s:%s%s", ev->sys, ev->name, ret);
	return n < 0 ? NULL : name;
}

struct listed {
	char *name;
	const struct tap_event *ev;
};

static int cmp_listed(const void *a, const void *b)
{
	return strcmp(((const struct listed *)a)->name, ((const struct listed *)b)->name);
}

/* -l -v: the fields arg.NAME can read, as the event's format declares them. */
static void list_fields(const struct tap_event *ev)
{
	struct tep_event *tp;
	struct tep_format_field *f;

	if (ev->args) {
		printf("\targuments: %s\n", ev->args);
		return;
	}
	if (ev->path || !strcmp(ev->sys, "probe"))
		return;
	tp = tap_tp__format(ev->sys, ev->name);
	for (f = tp ? tp->format.fields : NULL; f; f = f->next) {
		const char *note = "";

		if (tap_tp__field_is_bytes(ev->sys, ev->name, f->name))
			note = "\t(bytes: x[i], ntop(), hex())";
		else if (f->flags & TEP_FIELD_IS_STRING)
			note = "\t(a string)";
		printf("\t%s %s;%s\n", f->type, f->name, note);
	}
}

/*
 * -l SPEC: the events a probe spec matches, sorted, each as the spec that
 * matches it alone; -l -v: and their fields.  Any provider's spec:
 * tracepoints, syscalls, probe:FUNC* (kprobe-able functions) and
 * probe:/PATH:SYM* (a file's functions).
 */
int tap_events__list(const char *spec, bool fields)
{
	char file[] = "perf tap -l";
	struct tap_object obj = { .file = file, .text = (char *)spec, .text_len = strlen(spec) };
	struct tap_spec sp = { (char *)spec, 1, 1 };
	struct tap_events evs = { 0 };
	struct listed *l = NULL;
	int i, err = -1;

	if (tap_provider_timer.claims(spec)) {
		pr_err("perf tap: -l lists events, and '%s' is a timer\n", spec);
		return -1;
	}
	if (!tap_tp__can_read()) {
		pr_err(
			"perf tap: -l: cannot read the events in tracefs (%s): listing them needs root, or read access to tracefs\n",
			strerror(errno));
		return -1;
	}
	if (resolve_spec(&evs, &obj, &sp, 0))
		goto out;
	l = calloc(evs.nr ?: 1, sizeof(*l));
	if (!l)
		goto out;
	for (i = 0; i < evs.nr; i++) {
		l[i].name = list_name(&evs.ev[i]);
		l[i].ev = &evs.ev[i];
		if (!l[i].name)
			goto out;
	}
	qsort(l, evs.nr, sizeof(*l), cmp_listed);
	for (i = 0; i < evs.nr; i++) {
		if (i && !strcmp(l[i].name, l[i - 1].name))
			continue;
		printf("%s\n", l[i].name);
		if (fields)
			list_fields(l[i].ev);
	}
	err = 0;
out:
	for (i = 0; l && i < evs.nr; i++)
		free(l[i].name);
	free(l);
	tap_events__exit(&evs);
	return err;
}
