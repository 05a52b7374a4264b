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
 * The tracepoint provider's attach_group(): the events that need a perf
 * tracepoint program, through links, marked grouped; on a kernel without
 * the link, none, and their providers attach them one perf event each.
 * An event whose program cannot be loaded is grouped with the error in
 * rt->attach_err (said once).  Always 0: nothing here stops attaching.
 */
int tap_tp_multi__attach(struct runtime *rt);

#endif /* __TAP_TP_MULTI_H */
