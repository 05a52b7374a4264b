/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __TAP_FORMAT_H
#define __TAP_FORMAT_H

#include <stdbool.h>
#include <stdio.h>
#include <linux/types.h>

#include "object.h"

/* Decodes the records BPF programs emit, and prints them. */
struct tap_printer {
	struct tap_object *obj;
	FILE *fp;
	int *map_fds;		/* to read tables for print_hist */
	bool exited;		/* an exit() record was seen */
	u64 bad;		/* records that did not decode */
};

/* A tap_output_cb: @arg is the struct tap_printer. */
int tap_print_record(void *arg, int cpu, u64 time, const void *data, u32 size);

#endif /* __TAP_FORMAT_H */
