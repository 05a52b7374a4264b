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

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <subcmd/parse-options.h>

#include "util/cpumap.h"
#include "util/evlist.h"
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

#define TAP_TABLE_SIZE_MAX	(1U << 24)
#define TAP_LOOP_MAX_MAX	100000

/*
 * -C: only digits, ',' and '-', and no CPU number this machine cannot
 * have.  libperf's parser builds an array entry for every number of a
 * range, so "0-999999" must not reach it.
 */
static int check_cpu_list(const char *list)
{
	int max = cpu__max_cpu().cpu;
	const char *s = list;

	if (!*list || strspn(list, "0123456789,-") != strlen(list)) {
		fprintf(stderr, "perf tap: -C: not a CPU list: '%s'\n", list);
		return -1;
	}
	while (*s) {
		char *end;
		unsigned long cpu;

		if (!isdigit((unsigned char)*s)) {
			s++;
			continue;
		}
		errno = 0;
		cpu = strtoul(s, &end, 10);
		if (errno || cpu >= (unsigned long)max) {
			fprintf(stderr, "perf tap: -C: there is no CPU %.*s (this machine has "
				"CPUs 0-%d)\n", (int)(end - s), s, max - 1);
			return -1;
		}
		s = end;
	}
	return 0;
}

/* -p: one process id, a positive number. */
static int parse_pid(const char *arg, pid_t *pid)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(arg, &end, 10);
	if (errno || end == arg || *end || n <= 0 || n > INT_MAX) {
		fprintf(stderr, "perf tap: -p: not a process id: '%s'\n", arg);
		return -1;
	}
	*pid = (pid_t)n;
	return 0;
}

/* -m: perf record's syntax (pages, or a size such as 1M), at least one page. */
static int parse_mmap_pages(const char *arg, unsigned int *pages)
{
	char *end;

	if (!isdigit((unsigned char)*arg) ||
	    (strtoul(arg, &end, 10) == 0 && strspn(end, "BKMG") == strlen(end))) {
		fprintf(stderr, "perf tap: -m: not a number of pages or a size of at least "
			"one page: '%s'\n", arg);
		return -1;
	}
	return __evlist__parse_mmap_pages(pages, arg);
}

int cmd_tap(int argc, const char **argv)
{
	struct tap_compile_opts copts = {
		.str_size = 64,
		.table_entries = 10240,
		.loop_max = 1024,
	};
	struct tap_run_opts ropts = { 0 };
	const char *script = NULL, *list = NULL, *file, *pid_arg = NULL;
	const char *mmap_arg = NULL;
	bool dump_ast = false, dump_bpf = false, syntax_only = false;
	struct tap_object *obj;
	char *text = NULL;
	pid_t pid = 0;
	int ret;
	const struct option options[] = {
	OPT_STRING('e', "script", &script, "script", "run this script text"),
	OPT_STRING('C', "cpu", &ropts.cpus, "cpus", "trace only on these CPUs (0,2-3)"),
	OPT_STRING('p', "pid", &pid_arg, "pid",
		   "trace only this process (probe bodies run for it alone)"),
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
	OPT_STRING('m', "mmap-pages", &mmap_arg, "pages",
		   "pages (or a size: 512K, 1M) in each output ring"),
	OPT_END()
	};

	argc = parse_options(argc, argv, options, tap_usage,
			     PARSE_OPT_STOP_AT_NON_OPTION | PARSE_OPT_KEEP_DASHDASH);
	if (pid_arg && parse_pid(pid_arg, &pid))
		return 1;
	if (mmap_arg && parse_mmap_pages(mmap_arg, &ropts.mmap_pages))
		return 1;
	if (ropts.cpus && check_cpu_list(ropts.cpus))
		return 1;
	if (copts.table_entries < 1 || copts.table_entries > TAP_TABLE_SIZE_MAX) {
		fprintf(stderr, "perf tap: --table-size must be between 1 and %u\n",
			TAP_TABLE_SIZE_MAX);
		return 1;
	}
	if (copts.loop_max < 1 || copts.loop_max > TAP_LOOP_MAX_MAX) {
		fprintf(stderr, "perf tap: --loop-max must be between 1 and %u\n",
			TAP_LOOP_MAX_MAX);
		return 1;
	}
	if (copts.str_size < 16 || copts.str_size > 4096) {
		fprintf(stderr, "perf tap: --str-size must be between 16 and 4096\n");
		return 1;
	}
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
