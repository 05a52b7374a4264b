/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __TAP_REPORT_H
#define __TAP_REPORT_H

#include <stdbool.h>
#include <stdio.h>

struct tap_report_opts {
	const char *input;	/* -i: the perf.data perf tap record wrote */
	FILE *output;		/* -o: NULL for stdout */
	bool json;		/* --json: one JSON object a record */
};

/*
 * perf tap report: print what a perf tap record run printed, from the
 * file alone, with live mode's decoder.  Returns the exit status: 0, or 1
 * after one sentence on stderr for a file it cannot read.
 */
int tap_report(const struct tap_report_opts *opts);

#endif /* __TAP_REPORT_H */
