/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __TAP_RECORD_H
#define __TAP_RECORD_H

#include <stddef.h>
#include <linux/types.h>

#include "runtime.h"

/*
 * perf tap record: a run's records as the samples of the bpf-output event
 * in a perf.data written with perf's session and header code, and in its
 * HEADER_TAP feature what report needs to decode them (saved.h).
 */
struct tap_record;

/* A recording into @path (perf.data.old keeps the file there); NULL if out of memory. */
struct tap_record *tap_record__new(const char *path);
/* What tap_run() needs to send the records to @rec (valid as long as @rec). */
const struct tap_sink *tap_record__sink(struct tap_record *rec);
void tap_record__delete(struct tap_record *rec);

#endif /* __TAP_RECORD_H */
