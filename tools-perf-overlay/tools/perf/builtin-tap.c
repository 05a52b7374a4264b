// SPDX-License-Identifier: GPL-2.0
/*
 * builtin-tap.c: 'perf tap', dynamic tracing with ktap's small scripting
 * language, compiled straight to eBPF (no LLVM at run time).
 *
 *   perf tap -e 'trace syscalls:sys_enter_* { s[probename] += 1 }' -- cmd
 *   perf tap script.tap
 *
 * The compiler lives in util/tap/ (lex, parse, sema, codegen) and knows
 * nothing of perf; util/tap/runtime.c loads, attaches and prints.
 */
#include "builtin.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <subcmd/parse-options.h>

#include "util/tap/event.h"
#include "util/tap/object.h"
#include "util/tap/runtime.h"

static const char * const tap_usage[] = {
	"perf tap [<options>] -e 'SCRIPT' [-- <command> [<args>]]",
	"perf tap [<options>] FILE [-- <command> [<args>]]",
	"perf tap -l 'SUBSYSTEM:EVENT'",
	NULL
};

/* The whole file, NUL terminated; *@size: its length (it may hold NULs). */
static char *read_file(const char *path, size_t *size)
{
	char *buf = NULL;
	size_t len = 0, cap = 0;
	ssize_t n;
	int fd = strcmp(path, "-") ? open(path, O_RDONLY) : 0;

	if (fd < 0)
		return NULL;
	for (;;) {
		if (cap - len < 4096) {
			char *nbuf = realloc(buf, cap + 65536);

			if (!nbuf) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nbuf;
			cap += 65536;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0) {
			free(buf);
			buf = NULL;
			break;
		}
		if (!n) {
			buf[len] = 0;
			*size = len;
			break;
		}
		len += (size_t)n;
	}
	if (fd)
		close(fd);
	return buf;
}

int cmd_tap(int argc, const char **argv)
{
	struct tap_compile_opts copts = { .str_size = 64 };
	struct tap_run_opts ropts = { 0 };
	const char *script = NULL, *list = NULL, *file;
	bool dump_ast = false, dump_bpf = false, syntax_only = false;
	struct tap_object *obj;
	char *text = NULL;
	int pid = 0, ret;
	const struct option options[] = {
	OPT_STRING('e', "script", &script, "script", "run this script text"),
	OPT_STRING('C', "cpu", &ropts.cpus, "cpus", "trace only on these CPUs (0,2-3)"),
	OPT_INTEGER('p', "pid", &pid, "trace only this process (probe bodies run for it alone)"),
	OPT_STRING('l', "list", &list, "spec", "list the events a probe spec matches"),
	OPT_BOOLEAN('v', "verbose", &ropts.verbose, "say more (verifier log, skipped events)"),
	OPT_BOOLEAN(0, "dump-ast", &dump_ast, "print the typed syntax tree and exit"),
	OPT_BOOLEAN(0, "syntax-only", &syntax_only,
		    "only parse the script (with --dump-ast: the untyped tree) and exit; "
		    "probe specs are not checked"),
	OPT_BOOLEAN(0, "verify", &ropts.verify_only,
		    "load the programs into the kernel (the verifier checks them) and exit"),
	OPT_BOOLEAN(0, "dump-bpf", &dump_bpf, "print the BPF programs with script lines and exit"),
	OPT_UINTEGER(0, "str-size", &copts.str_size, "bytes in a string value (default 64)"),
	OPT_UINTEGER(0, "table-size", &copts.table_entries,
		     "maximum entries in a table (default 10240)"),
	OPT_UINTEGER(0, "loop-max", &copts.loop_max,
		     "iterations after which a while loop stops (default 1024)"),
	OPT_UINTEGER('m', "mmap-pages", &ropts.mmap_pages, "pages in each output ring"),
	OPT_END()
	};

	argc = parse_options(argc, argv, options, tap_usage, PARSE_OPT_STOP_AT_NON_OPTION | PARSE_OPT_KEEP_DASHDASH);
	if (list)
		return tap_events__list(list) ? 1 : 0;
	if (script) {
		file = "<cmdline>";
		text = strdup(script);
	} else {
		if (argc < 1 || !strcmp(argv[0], "--"))
			usage_with_options(tap_usage, options);
		file = argv[0];
		text = read_file(file, &copts.text_len);
		if (!text) {
			fprintf(stderr, "perf tap: cannot read %s: %s\n", file, strerror(errno));
			return 1;
		}
		argc--;
		argv++;
	}
	if (argc > 0 && !strcmp(argv[0], "--")) {
		argc--;
		argv++;
	} else if (argc > 0) {
		fprintf(stderr, "perf tap: a command to run goes after '--': "
			"perf tap %s -- %s\n", script ? "-e '...'" : file, argv[0]);
		free(text);
		return 1;
	}
	if (argc > 0 && pid) {
		fprintf(stderr, "perf tap: give either -p or a command, not both\n");
		free(text);
		return 1;
	}
	if (copts.loop_max > 100000) {
		fprintf(stderr, "perf tap: --loop-max is at most 100000\n");
		free(text);
		return 1;
	}
	if (copts.str_size < 16 || copts.str_size > 4096) {
		fprintf(stderr, "perf tap: --str-size must be between 16 and 4096\n");
		free(text);
		return 1;
	}
	if (pid && kill(pid, 0) && errno == ESRCH) {
		fprintf(stderr, "perf tap: no process with pid %d\n", pid);
		free(text);
		return 1;
	}
	copts.file = file;
	/* arg.NAME is typed from the events' formats in tracefs */
	if (!syntax_only)
		copts.field_type = tap_events__field_type;
	copts.dump_ast = dump_ast;
	copts.syntax_only = syntax_only;
	obj = tap_compile(text, &copts);
	if (!obj) {
		free(text);
		return 1;
	}
	/* as a run would, the compile-only modes check the specs against this kernel */
	if ((dump_ast || dump_bpf) && !syntax_only && tap_events__check(obj, ropts.verbose)) {
		tap_object__delete(obj);
		free(text);
		return 1;
	}
	if (dump_bpf && !syntax_only)
		tap_object__dump_bpf(obj, stdout);
	if (dump_ast || dump_bpf || syntax_only) {
		tap_object__delete(obj);
		free(text);
		return 0;
	}
	ropts.pid = pid;
	ropts.argv = argc > 0 ? argv : NULL;
	ret = tap_run(obj, &ropts);
	tap_object__delete(obj);
	free(text);
	return ret;
}
