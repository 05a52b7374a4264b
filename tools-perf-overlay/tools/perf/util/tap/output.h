/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __PERF_TAP_OUTPUT_H
#define __PERF_TAP_OUTPUT_H

/*
 * perf tap's output channel: one 'bpf-output' software event per online CPU,
 * each with its own perf ring buffer. BPF programs write records into them
 * with bpf_perf_event_output(ctx, &map, BPF_F_CURRENT_CPU, data, size),
 * where map is a BPF_MAP_TYPE_PERF_EVENT_ARRAY of tap_output__nr_cpus()
 * entries holding tap_output__fd(out, cpu) at index cpu.
 */

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

struct tap_output;

/*
 * Called once per record: @cpu is the CPU the record was written on, @time
 * its CLOCK_MONOTONIC timestamp in ns (the clock of bpf_ktime_get_ns()),
 * @data/@size the payload given to bpf_perf_event_output() (PERF_SAMPLE_RAW;
 * @size may exceed what the program wrote by up to 7 bytes of padding of
 * undefined content, as the kernel keeps the sample 8-byte aligned).
 * @data is 8-byte aligned and valid only during the call. A non-zero return
 * stops the delivery.
 */
typedef int (*tap_output_cb)(void *arg, int cpu, u64 time, const void *data,
			     u32 size);

/*
 * Open and mmap a bpf-output event on every online CPU, enabled. @mmap_pages
 * is the size of each ring in pages: 0 for the default (4 MiB, less with
 * over 16 CPUs: 64 MiB in all, at least 128 KiB each), otherwise rounded up
 * to a power of two; at most 1 GiB. Poll reports a ring once it is a quarter full, not at every
 * record: the reader polls with a timeout to see records in a quiet ring.
 * Returns NULL on failure, with a message on stderr and errno set.
 */
struct tap_output *tap_output__new(unsigned int mmap_pages);

/*
 * The same on CPU @cpu alone, for a program whose output must not be lost
 * that runs there.
 */
struct tap_output *tap_output__new_cpu(int cpu, unsigned int mmap_pages);

/* The bpf-output event's attributes (perf tap record writes them to perf.data). */
struct perf_event_attr;
const struct perf_event_attr *tap_output__attr(struct tap_output *out);

/* The bytes each ring holds. */
size_t tap_output__ring_bytes(struct tap_output *out);

/* Entries the BPF perf event array needs: highest online CPU + 1. */
int tap_output__nr_cpus(struct tap_output *out);

/* The bpf-output event's fd on @cpu, -1 if there is none (offline CPU). */
int tap_output__fd(struct tap_output *out, int cpu);

/*
 * Wait up to @timeout_ms (-1: forever) for a ring to have data. Returns the
 * number of ready rings, 0 on timeout or when interrupted by a signal, or
 * -errno. Like poll() on perf events, it may report a ring ready whose
 * records an earlier drain already took.
 */
int tap_output__poll(struct tap_output *out, int timeout_ms);

/*
 * Read every ring up to where it was at the call, then hand the records to
 * @cb ordered by time across CPUs (ties keep ring order). Records written
 * while draining wait for the next call, so the order holds within one
 * drain, not across drains. Returns the number of records
 * delivered, or the first non-zero @cb return (the records after it are
 * dropped; everything read is consumed either way), or -errno.
 */
int tap_output__drain(struct tap_output *out, tap_output_cb cb, void *arg);

/* Records the kernel could not put into a full ring, so far. */
u64 tap_output__lost(struct tap_output *out);

void tap_output__delete(struct tap_output *out);

#endif /* __PERF_TAP_OUTPUT_H */
