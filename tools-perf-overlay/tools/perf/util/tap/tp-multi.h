/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tracepoint programs on many trace events through tracepoint_multi links,
 * where the kernel has them (Documentation/kernel-link.md).
 */
#ifndef __TAP_TP_MULTI_H
#define __TAP_TP_MULTI_H

#include <stdbool.h>

struct runtime;

/* Does the kernel have the link (and PERF_TAP_TP_MULTI is not 0)? Asked once. */
bool tap_tp_multi__available(void);

/*
 * @linked: in, the events that need a perf tracepoint program; out, those
 * done with: attached through links, or failed because their program
 * cannot be loaded (the error is in rt->attach_err).  The others, all of
 * them on a kernel without the link, are the caller's to attach one perf
 * event each.  Returns how many were linked.
 */
int tap_tp_multi__attach(struct runtime *rt, bool *linked);

#endif /* __TAP_TP_MULTI_H */
