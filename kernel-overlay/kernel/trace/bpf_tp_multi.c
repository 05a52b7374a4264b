// SPDX-License-Identifier: GPL-2.0
/*
 * The tracepoint_multi BPF link: one BPF_PROG_TYPE_TRACEPOINT program on
 * many trace events, each with a cookie, detached with one grace period.
 *
 * A program attached to a tracepoint through a perf event runs from the
 * event's perf probe (perf_trace_<class>(), perf_syscall_enter/exit()):
 * the probe builds the event's record in the perf trace buffer and runs
 * every program of the event's prog_array on it, with each program's
 * cookie, before it hands the record to the perf events on the event's
 * per-CPU lists. The perf event contributes two things: a perf reference
 * to the event, which registers the probe on the first one, and its
 * program in the prog_array.
 *
 * This link takes both directly, for each of its events, without a perf
 * event: perf_trace_event_get() takes the same reference count a perf
 * event takes, and the program goes into the same prog_array with the
 * event's cookie. So the program sees exactly the record (and regs) a
 * program attached through a perf event sees, bpf_get_attach_cookie()
 * works as there, and the link coexists with perf events, ftrace and other
 * links on the same events, as perf events coexist with each other.
 *
 * What it saves: closing a perf event that holds the last perf reference
 * to its event waits for a tracepoint grace period, under event_mutex, so
 * N such events close one after the other in N grace periods. The link
 * drops all its references first and then waits once
 * (perf_trace_event_put(), tracepoint_synchronize_unregister(),
 * perf_trace_event_free()).
 *
 * Only tracepoint and syscall events can be attached: their perf probe
 * passes the record to the program, which is what a TRACEPOINT program
 * expects. kprobe and uprobe events pass pt_regs to KPROBE programs, and
 * the other events (ftrace's own, synthetic, user events) have no perf
 * probe that runs programs.
 *
 * Documentation: kernel-link.md in the perf tap tree.
 */

#include <linux/bpf.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/mm.h>
#include <linux/bsearch.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/syscalls.h>
#include <linux/trace_events.h>
#include <linux/tracepoint_batch.h>
#include <linux/uaccess.h>

#include "trace.h"

/*
 * Trace event ids are the 16-bit type of struct trace_entry, so no kernel
 * has more events than this, and a link needs no more.
 */
#define TP_MULTI_MAX_CNT	TRACE_EVENT_TYPE_MAX

struct tp_multi_event {
	struct trace_event_call *call;
	u64 cookie;
	u32 id;
	/* perf_trace_event_put() dropped the event's last perf reference */
	bool last;
};

struct bpf_tp_multi_link {
	struct bpf_link link;
	/* ascending id, no id twice */
	struct tp_multi_event *events;
	u32 cnt;
};

static int tp_multi_cmp(const void *a, const void *b)
{
	const struct tp_multi_event *ea = a, *eb = b;

	if (ea->id == eb->id)
		return 0;
	return ea->id < eb->id ? -1 : 1;
}

static int tp_multi_cmp_id(const void *key, const void *elt)
{
	const struct tp_multi_event *e = elt;
	u32 id = *(const u32 *)key;

	if (id == e->id)
		return 0;
	return id < e->id ? -1 : 1;
}

/*
 * Whether a TRACEPOINT program can run on @call's perf probe. Not on an
 * event with a perf_perm callback: that judges each perf event, and the
 * link has none to show it. The one such event, x86's irq_work_exit,
 * refuses sampling events because a sample raises an irq_work and so the
 * event again; a link program can emit samples (bpf_perf_event_output())
 * and would loop the same way.
 */
static bool tp_multi_event_usable(struct trace_event_call *call)
{
	if (!call->class || !call->class->reg || call->perf_perm)
		return false;
	return (call->flags & TRACE_EVENT_FL_TRACEPOINT) || is_syscall_trace_event(call);
}

/*
 * Drop the perf references of the first @cnt events and the references
 * on their modules. The probes of the events whose last reference this
 * was are unregistered first, then one grace period covers them all
 * (and, with @sync, every probe that may still run the link's program
 * from a prog_array it was just removed from).
 */
static void tp_multi_put_locked(struct tp_multi_event *events, u32 cnt, bool sync)
{
	u32 i;

	lockdep_assert_held(&event_mutex);

	/* no text patching for the static calls of tracepoints left without probes */
	tracepoint_batch_begin();
	for (i = 0; i < cnt; i++) {
		events[i].last = perf_trace_event_put(events[i].call);
		sync |= events[i].last;
	}
	tracepoint_batch_end();
	if (sync)
		tracepoint_synchronize_unregister();
	for (i = 0; i < cnt; i++) {
		if (events[i].last)
			perf_trace_event_free(events[i].call);
		trace_event_put_ref(events[i].call);
	}
}

/*
 * Find the events by id and take a perf reference to each, all or none.
 * The lookup is one walk of the event list with a binary search in the
 * sorted ids, not one walk per id: a link may have thousands.
 */
static int tp_multi_get(struct tp_multi_event *events, u32 cnt)
{
	struct trace_event_call *call;
	struct tp_multi_event *ev;
	u32 i, id;
	int err = 0;

	mutex_lock(&event_mutex);
	list_for_each_entry(call, &ftrace_events, list) {
		id = call->event.type;
		ev = bsearch(&id, events, cnt, sizeof(*events), tp_multi_cmp_id);
		if (ev)
			ev->call = call;
	}

	/*
	 * Every event is checked before the first is registered: a caller
	 * that splits a refused set to find the refused events (perf tap
	 * does) then costs no probe registrations and grace periods.
	 */
	for (i = 0; i < cnt; i++) {
		call = events[i].call;
		if (!call) {
			err = -ENOENT;
			goto unlock;
		}
		if (!tp_multi_event_usable(call)) {
			err = -EOPNOTSUPP;
			goto unlock;
		}
	}
	/*
	 * Registering a tracepoint's first probe would retarget its static
	 * call, patching kernel text with IPIs to every CPU, hundreds of
	 * times: in a batch the tracepoints keep calling their iterators.
	 */
	tracepoint_batch_begin();
	for (i = 0; i < cnt; i++) {
		call = events[i].call;
		/* The module of the event is going away. */
		if (!trace_event_try_get_ref(call)) {
			err = -ENOENT;
			break;
		}
		/*
		 * No perf_trace_event_perm(): besides the event's perf_perm
		 * (see tp_multi_event_usable()), what it checks is the perf
		 * event's sampling and raw data access, which the link has
		 * not, and the link requires CAP_PERFMON anyway.
		 */
		err = perf_trace_event_get(call);
		if (err) {
			trace_event_put_ref(call);
			break;
		}
	}
	tracepoint_batch_end();
	if (err)
		tp_multi_put_locked(events, i, false);
unlock:
	mutex_unlock(&event_mutex);
	return err;
}

static inline struct bpf_prog_array *tp_multi_prog_array(struct trace_event_call *call)
{
	return rcu_dereference_protected(call->prog_array, lockdep_is_held(&bpf_event_mutex));
}

/*
 * Add the program, with each event's cookie, to every event's prog_array.
 * All new arrays are made before the first is published, so the program
 * runs on all events or on none.
 */
static int tp_multi_link_progs(struct bpf_tp_multi_link *link)
{
	struct bpf_prog *prog = link->link.prog;
	struct bpf_prog_array **arrays, *old;
	struct trace_event_call *call;
	u32 i;
	int err = 0;

	arrays = kvcalloc(link->cnt, sizeof(*arrays), GFP_KERNEL);
	if (!arrays)
		return -ENOMEM;

	mutex_lock(&bpf_event_mutex);
	for (i = 0; i < link->cnt; i++) {
		old = tp_multi_prog_array(link->events[i].call);
		if (old && bpf_prog_array_length(old) >= BPF_TRACE_MAX_PROGS) {
			err = -E2BIG;
			break;
		}
		/* -EEXIST: the program already runs on this event. */
		err = bpf_prog_array_copy(old, NULL, prog, link->events[i].cookie, &arrays[i]);
		if (err)
			break;
	}
	if (err) {
		while (i--)
			bpf_prog_array_free(arrays[i]);
		goto out;
	}

	for (i = 0; i < link->cnt; i++) {
		call = link->events[i].call;
		old = tp_multi_prog_array(call);
		rcu_assign_pointer(call->prog_array, arrays[i]);
		bpf_prog_array_free_sleepable(old);
	}
out:
	mutex_unlock(&bpf_event_mutex);
	kvfree(arrays);
	return err;
}

static void tp_multi_unlink_progs(struct bpf_tp_multi_link *link)
{
	struct bpf_prog *prog = link->link.prog;
	struct bpf_prog_array *old, *new;
	struct trace_event_call *call;
	u32 i;

	mutex_lock(&bpf_event_mutex);
	for (i = 0; i < link->cnt; i++) {
		call = link->events[i].call;
		old = tp_multi_prog_array(call);
		if (WARN_ON_ONCE(!old))
			continue;
		if (bpf_prog_array_copy(old, prog, NULL, 0, &new) < 0) {
			/* Out of memory: leave a dummy in the program's place. */
			bpf_prog_array_delete_safe(old, prog);
		} else {
			rcu_assign_pointer(call->prog_array, new);
			bpf_prog_array_free_sleepable(old);
		}
	}
	mutex_unlock(&bpf_event_mutex);
}

static void bpf_tp_multi_link_release(struct bpf_link *link)
{
	struct bpf_tp_multi_link *tl = container_of(link, struct bpf_tp_multi_link, link);

	tp_multi_unlink_progs(tl);
	/*
	 * Always one grace period, even when other users keep every probe
	 * registered: once the link is released, its program has stopped
	 * running on all events.
	 */
	mutex_lock(&event_mutex);
	tp_multi_put_locked(tl->events, tl->cnt, true);
	mutex_unlock(&event_mutex);
}

static void bpf_tp_multi_link_dealloc(struct bpf_link *link)
{
	struct bpf_tp_multi_link *tl = container_of(link, struct bpf_tp_multi_link, link);

	kvfree(tl->events);
	kfree(tl);
}

static int bpf_tp_multi_link_fill_link_info(const struct bpf_link *link,
					    struct bpf_link_info *info)
{
	const struct bpf_tp_multi_link *tl = container_of(link, struct bpf_tp_multi_link, link);
	u64 __user *ucookies = u64_to_user_ptr(info->tracepoint_multi.cookies);
	u32 __user *uids = u64_to_user_ptr(info->tracepoint_multi.ids);
	u32 ucount = info->tracepoint_multi.count;
	int err = 0;
	u32 i;

	if ((uids || ucookies) && !ucount)
		return -EINVAL;

	info->tracepoint_multi.count = tl->cnt;
	info->tracepoint_multi.flags = 0;
	if (!uids && !ucookies)
		return 0;

	if (ucount < tl->cnt)
		err = -ENOSPC;
	else
		ucount = tl->cnt;
	for (i = 0; i < ucount; i++) {
		if (uids && put_user(tl->events[i].id, uids + i))
			return -EFAULT;
		if (ucookies && put_user(tl->events[i].cookie, ucookies + i))
			return -EFAULT;
	}
	return err;
}

static void bpf_tp_multi_link_show_fdinfo(const struct bpf_link *link, struct seq_file *seq)
{
	const struct bpf_tp_multi_link *tl = container_of(link, struct bpf_tp_multi_link, link);
	const struct tp_multi_event *ev;
	u32 i;

	seq_printf(seq, "tp_cnt:\t%u\n", tl->cnt);
	seq_puts(seq, "id\tcookie\tevent\n");
	for (i = 0; i < tl->cnt; i++) {
		ev = &tl->events[i];
		seq_printf(seq, "%u\t%llu\t%s:%s\n", ev->id, ev->cookie,
			   ev->call->class->system, trace_event_name(ev->call));
	}
}

static const struct bpf_link_ops bpf_tp_multi_link_lops = {
	.release = bpf_tp_multi_link_release,
	/* release has waited for the grace period already */
	.dealloc = bpf_tp_multi_link_dealloc,
	.fill_link_info = bpf_tp_multi_link_fill_link_info,
	.show_fdinfo = bpf_tp_multi_link_show_fdinfo,
};

/* Copy and check the ids and cookies: sorted by id, no id twice. */
static int tp_multi_copy_events(struct tp_multi_event *events, u32 cnt,
				u32 __user *uids, u64 __user *ucookies)
{
	u32 i;

	for (i = 0; i < cnt; i++) {
		if (get_user(events[i].id, uids + i))
			return -EFAULT;
		if (ucookies && get_user(events[i].cookie, ucookies + i))
			return -EFAULT;
	}
	sort(events, cnt, sizeof(*events), tp_multi_cmp, NULL);
	for (i = 1; i < cnt; i++) {
		if (events[i].id == events[i - 1].id)
			return -EINVAL;
	}
	return 0;
}

int bpf_tp_multi_link_attach(const union bpf_attr *attr, struct bpf_prog *prog)
{
	u64 __user *ucookies = u64_to_user_ptr(attr->link_create.tracepoint_multi.cookies);
	u32 __user *uids = u64_to_user_ptr(attr->link_create.tracepoint_multi.ids);
	u32 cookies_cnt = attr->link_create.tracepoint_multi.cookies_cnt;
	u32 cnt = attr->link_create.tracepoint_multi.cnt;
	struct bpf_link_primer link_primer;
	struct bpf_tp_multi_link *link;
	struct tp_multi_event *events;
	int err;

	/* What a perf event with a BPF program needs, and the link is one. */
	if (!bpf_capable() || !perfmon_capable())
		return -EPERM;
	if (prog->type != BPF_PROG_TYPE_TRACEPOINT)
		return -EINVAL;
	if (attr->link_create.flags || attr->link_create.tracepoint_multi.flags)
		return -EINVAL;
	if (!cnt || !uids)
		return -EINVAL;
	if (cnt > TP_MULTI_MAX_CNT)
		return -E2BIG;
	if (!ucookies != !cookies_cnt || (cookies_cnt && cookies_cnt != cnt))
		return -EINVAL;

	events = kvcalloc(cnt, sizeof(*events), GFP_KERNEL);
	if (!events)
		return -ENOMEM;
	err = tp_multi_copy_events(events, cnt, uids, ucookies);
	if (err)
		goto free_events;

	err = tp_multi_get(events, cnt);
	if (err)
		goto free_events;

	link = kzalloc(sizeof(*link), GFP_KERNEL);
	if (!link) {
		err = -ENOMEM;
		goto put_events;
	}
	link->events = events;
	link->cnt = cnt;
	bpf_link_init(&link->link, BPF_LINK_TYPE_TRACEPOINT_MULTI, &bpf_tp_multi_link_lops, prog);
	err = bpf_link_prime(&link->link, &link_primer);
	if (err) {
		kfree(link);
		goto put_events;
	}

	err = tp_multi_link_progs(link);
	if (err) {
		mutex_lock(&event_mutex);
		tp_multi_put_locked(events, cnt, false);
		mutex_unlock(&event_mutex);
		/* The link's dealloc frees the events. */
		bpf_link_cleanup(&link_primer);
		return err;
	}
	return bpf_link_settle(&link_primer);

put_events:
	mutex_lock(&event_mutex);
	tp_multi_put_locked(events, cnt, false);
	mutex_unlock(&event_mutex);
free_events:
	kvfree(events);
	return err;
}
