/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __TAP_ATTACH_H
#define __TAP_ATTACH_H

#include "event.h"

/* The kernel's own "not supported" (include/linux/errno.h), not in libc's errno.h. */
#define TAP_ENOTSUPP	524

/* What tap_uprobes__attach needs from the runtime. */
struct tap_uprobe_ops {
	/* program @prog loaded for uprobe_multi links: its fd, or -errno */
	int (*prog_fd)(void *arg, int prog);
	/* keep link @fd until detach: 0, or -errno (the link is closed then) */
	int (*add_link)(void *arg, int fd);
	/* event @idx is attached (@err 0) or was refused (-errno) */
	void (*result)(void *arg, int idx, int err);
	void *arg;
};

/*
 * Attach every uprobe event of @evs (probe:/PATH:SYM) with BPF uprobe_multi
 * links: one link for all the functions a block probes in one file, so
 * attaching and detaching thousands of them takes one grace period, not one
 * per function.  Functions the kernel refuses are left out and reported
 * through ops->result.  Returns 0, -EOPNOTSUPP if this kernel has no
 * uprobe_multi links (nothing is attached then: attach them one by one),
 * or the -errno of ops->prog_fd.
 */
int tap_uprobes__attach(const struct tap_events *evs, const struct tap_uprobe_ops *ops);

/*
 * After attaching, @errs[i] is 0 if event i of @evs is attached, else its
 * -errno.  Warn about the events that are not (the first three, all with
 * @verbose), which are skipped; a trace block none of whose events is
 * attached is an error at the block: -ENOENT (the caller detaches all).
 */
int tap_attach__check(struct tap_object *obj, const struct tap_events *evs, const int *errs,
		      bool verbose);

/* Why attaching failed, in words, for error code @err (positive). */
const char *tap_attach_strerror(int err, bool uprobe);

#endif /* __TAP_ATTACH_H */
