/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __TAP_RUNTIME_H
#define __TAP_RUNTIME_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include "object.h"
#include "output.h"

struct runtime;

/*
 * Where the records go instead of being printed (perf tap record).
 * @start runs once the programs are loaded, before the top-level code;
 * @sample gets every record in the order live mode prints them; @finish
 * runs after trace_end, while the maps are still there, and also after a
 * failure once @start succeeded, so what was recorded is kept.  A
 * non-zero return from @start or @finish fails the run.
 */
struct tap_sink {
	int (*start)(void *arg, struct runtime *rt);
	tap_output_cb sample;
	int (*finish)(void *arg, struct runtime *rt);
	void *arg;
};

struct tap_run_opts {
	pid_t pids[TAP_MAX_TARGETS];	/* -p: trace only these processes */
	int nr_pids;
	const char **argv;		/* -- cmd: run and trace only it */
	bool verbose;
	bool no_inherit;		/* -i: not the children of -p's processes or the command */
	bool verify_only;		/* load every program (the verifier runs), then stop */
	const char *cpus;		/* -C: the CPUs to trace on, perf's list syntax */
	unsigned int mmap_pages;
	FILE *output;			/* -o: the script's output, NULL for stdout */
	bool json;			/* --json: one JSON object a record */
	const struct tap_sink *sink;	/* record: the records go there */
};

/*
 * Load @obj into the kernel, run its top-level code, attach its probes,
 * print what they emit until exit(), the end of the workload or a signal,
 * then detach everything and run trace_end.  Returns the exit status.
 */
int tap_run(struct tap_object *obj, const struct tap_run_opts *opts);

#endif /* __TAP_RUNTIME_H */
