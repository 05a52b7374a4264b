/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __TAP_ATTACH_CHECK_H
#define __TAP_ATTACH_CHECK_H

#include <stdbool.h>

#include "event.h"

/* The kernel's own "not supported" (include/linux/errno.h), not in libc's errno.h. */
#define TAP_ENOTSUPP	524

/*
 * After attaching, @errs[i] is 0 if event i of @evs is attached, else its
 * -errno.  Warn about the events that are not (the first three, all with
 * @list_all), which are skipped; a trace block none of whose events is
 * attached is an error at the block: -ENOENT (the caller detaches all).
 */
int tap_attach__check(struct tap_object *obj, const struct tap_events *evs, const int *errs,
		      bool list_all);

/* Why attaching failed, in words, for error code @err (positive). */
const char *tap_attach_strerror(int err, bool uprobe);

#endif /* __TAP_ATTACH_CHECK_H */
