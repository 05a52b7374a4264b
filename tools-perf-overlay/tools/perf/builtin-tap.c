// SPDX-License-Identifier: GPL-2.0
/*
 * builtin-tap.c: 'perf tap', dynamic tracing with ktap's small scripting
 * language, compiled straight to eBPF (no LLVM at run time).
 *
 *   perf tap -e 'trace syscalls:sys_enter_* { s[probename] += 1 }' -- cmd
 *   perf tap script.tap
 *   perf tap record script.tap -- cmd; perf tap report
 *
 * The compiler lives in util/tap/ (lex, parse, sema, codegen) and knows
 * nothing of perf; util/tap/runtime.c loads, attaches and prints,
 * util/tap/record.c and report.c save a run to perf.data and print it.
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
#include "util/debug.h"
#include "util/evlist.h"
#include "util/tap/event.h"
#include "util/tap/object.h"
#include "util/tap/record.h"
#include "util/tap/report.h"
#include "util/tap/runtime.h"

static const char * const tap_usage[] = {
	"perf tap [<options>] -e 'SCRIPT' [-- <command> [<args>]]",
	"perf tap [<options>] FILE [-- <command> [<args>]]",
	"perf tap record [<options>] [-o perf.data] FILE|-e 'SCRIPT' [-- <command> [<args>]]",
	"perf tap report [-i perf.data] [-o FILE] [--json]",
	"perf tap -l [-v] ['SUBSYSTEM:EVENT' | 'probe:FUNC' | 'probe:/PATH:SYM']",
	NULL
};

static const char * const tap_report_usage[] = {
	"perf tap report [-i perf.data] [-o FILE] [--json]",
	NULL
};

/* perf tap report: the output of a recorded run, from the file alone. */
static int cmd_tap_report(int argc, const char **argv)
{
	struct tap_report_opts opts = { .input = "perf.data" };
	const char *output = NULL;
	int ret;
	const struct option options[] = {
	OPT_STRING('i', "input", &opts.input, "file",
		   "the perf.data perf tap record wrote (default perf.data)"),
	OPT_STRING('o', "output", &output, "file", "write the output to this file"),
	OPT_BOOLEAN(0, "json", &opts.json, "one JSON object a line for every record"),
	OPT_INCR('v', "verbose", &verbose, "say more"),
	OPT_END()
	};

	argc = parse_options(argc, argv, options, tap_report_usage, 0);
	if (argc)
		usage_with_options(tap_report_usage, options);
	if (output) {
		opts.output = fopen(output, "w");
		if (!opts.output) {
			fprintf(stderr, "perf tap: cannot write %s: %s\n", output, strerror(errno));
			return 1;
		}
	}
	ret = tap_report(&opts);
	if (opts.output && fclose(opts.output) && !ret) {
		fprintf(stderr, "perf tap: cannot write %s: %s\n", output, strerror(errno));
		ret = 1;
	}
	return ret;
}

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

#define TAP_TABLE_SIZE_MAX	(16U * 1024 * 1024)
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
			fprintf(stderr,
				"perf tap: -C: there is no CPU %.*s (this machine has CPUs 0-%d)\n",
				(int)(end - s), s, max - 1);
			return -1;
		}
		s = end;
	}
	return 0;
}

/* -p: process ids as perf takes them, "1234" or "1234,5678", each alive. */
static int parse_pids(const char *arg, struct tap_run_opts *ropts)
{
	const char *s = arg;

	while (ropts->nr_pids < TAP_MAX_TARGETS) {
		char *end;
		long n;

		errno = 0;
		n = strtol(s, &end, 10);
		if (errno || end == s || (*end && *end != ',') || n <= 0 || n > INT_MAX) {
			fprintf(stderr, "perf tap: -p: not a process id: '%.*s'\n",
				(int)strcspn(s, ","), s);
			return -1;
		}
		if (kill((pid_t)n, 0) && errno == ESRCH) {
			fprintf(stderr, "perf tap: no process with pid %ld\n", n);
			return -1;
		}
		ropts->pids[ropts->nr_pids++] = (pid_t)n;
		if (!*end)
			return 0;
		s = end + 1;
	}
	fprintf(stderr, "perf tap: -p: more than %d processes\n", TAP_MAX_TARGETS);
	return -1;
}

/*
 * --call-graph: how ustack() gets its frames, in perf record's syntax:
 * "fp" (frame pointers, walked in the kernel) or "dwarf[,SIZE]" (a copy of
 * SIZE bytes of stack, unwound in user space), SIZE rounded up to 8.
 */
static int parse_call_graph(const struct option *opt, const char *arg, int unset)
{
	unsigned int *size = opt->value;
	unsigned long n = TAP_USTACK_DEFAULT;
	char *end;

	if (unset || !strcmp(arg, "fp")) {
		*size = 0;
		return 0;
	}
	if (strncmp(arg, "dwarf", 5) || (arg[5] && arg[5] != ',')) {
		fprintf(stderr, "perf tap: --call-graph: '%s' is not fp or dwarf[,SIZE]\n", arg);
		return -1;
	}
	if (arg[5]) {
		errno = 0;
		n = strtoul(arg + 6, &end, 0);
		n = (n + 7) & ~7UL;
		if (errno || end == arg + 6 || *end || !n || n > TAP_USTACK_MAX) {
			fprintf(stderr,
				"perf tap: --call-graph dwarf,SIZE: SIZE must be a number of bytes from 8 to %d: '%s'\n",
				TAP_USTACK_MAX, arg + 6);
			return -1;
		}
	}
	*size = (unsigned int)n;
	return 0;
}

/* -m: perf record's syntax (pages, or a size such as 1M), at least one page. */
static int parse_mmap_pages(const char *arg, unsigned int *pages)
{
	char *end;

	if (!isdigit((unsigned char)*arg) ||
	    (strtoul(arg, &end, 10) == 0 && strspn(end, "BKMG") == strlen(end))) {
		fprintf(stderr,
			"perf tap: -m: not a number of pages or a size of at least one page: '%s'\n",
			arg);
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
	static const struct tap_resolver resolver = {
		.field_type = tap_events__field_type,
		.code_kinds = tap_events__code_kinds,
	};
	struct tap_run_opts ropts = { 0 };
	const char *script = NULL, *file, *pid_arg = NULL;
	const char *mmap_arg = NULL, *output = NULL;
	bool dump_ast = false, dump_bpf = false, syntax_only = false, record = false;
	bool list = false, quiet_opt = false;
	struct tap_record *rec = NULL;
	struct tap_object *obj;
	char *text = NULL;
	int ret;
	const struct option options[] = {
	OPT_STRING('e', "script", &script, "script", "run this script text"),
	OPT_STRING('C', "cpu", &ropts.cpus, "cpus", "trace only on these CPUs (0,2-3)"),
	OPT_STRING('p', "pid", &pid_arg, "pid",
		   "trace only these processes, 1234,5678 (probe bodies run for them alone)"),
	OPT_BOOLEAN('i', "no-inherit", &ropts.no_inherit,
		    "not the children of -p's processes or of the command"),
	OPT_BOOLEAN('l', "list", &list,
		    "list the events a probe spec matches (default *:*); with -v, their fields"),
	OPT_BOOLEAN('v', "verbose", &ropts.verbose, "say more (verifier log, skipped events)"),
	OPT_BOOLEAN('q', "quiet", &quiet_opt, "no notes, progress or warnings: errors only"),
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
	OPT_CALLBACK(0, "call-graph", &copts.ustack_dwarf, "fp|dwarf[,SIZE]",
		     "ustack() frames: frame pointers (fp, default) or DWARF CFI on SIZE bytes (8192)",
		     parse_call_graph),
	OPT_STRING('m', "mmap-pages", &mmap_arg, "pages",
		   "pages (or a size: 512K, 1M) in each output ring"),
	OPT_STRING('o', "output", &output, "file",
		   "the script's output goes here; record: the perf.data (default perf.data)"),
	OPT_BOOLEAN(0, "json", &ropts.json, "one JSON object a line for every record"),
	OPT_END()
	};

	if (argc > 1 && !strcmp(argv[1], "report"))
		return cmd_tap_report(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "record")) {
		record = true;
		argc--;
		argv++;
	}
	argc = parse_options(argc, argv, options, tap_usage,
			     PARSE_OPT_STOP_AT_NON_OPTION | PARSE_OPT_KEEP_DASHDASH);
	if (quiet_opt && ropts.verbose) {
		fprintf(stderr, "perf tap: give -q or -v, not both\n");
		return 1;
	}
	if (quiet_opt)
		perf_quiet_option();
	if (record && ropts.json) {
		fprintf(stderr,
			"perf tap: record writes no output to format: give --json to perf tap report\n");
		return 1;
	}
	if (record && list) {
		fprintf(stderr, "perf tap: -l lists events; it records nothing\n");
		return 1;
	}
	if (pid_arg && parse_pids(pid_arg, &ropts))
		return 1;
	if (mmap_arg && parse_mmap_pages(mmap_arg, &ropts.mmap_pages))
		return 1;
	/* a stack snapshot is a record of up to 28 KiB: rings of a few make bursts lose them */
	if (!mmap_arg && copts.ustack_dwarf && parse_mmap_pages("4M", &ropts.mmap_pages))
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
	if (list) {
		if (argc > 1) {
			fprintf(stderr, "perf tap: -l takes one probe spec\n");
			return 1;
		}
		return tap_events__list(argc ? argv[0] : "*:*", ropts.verbose) ? 1 : 0;
	}
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
		fprintf(stderr,
			"perf tap: a command to run goes after '--': perf tap %s%s -- %s\n",
			record ? "record " : "", script ? "-e '...'" : file,
			argv[0]);
		free(text);
		return 1;
	}
	if (argc > 0 && ropts.nr_pids) {
		fprintf(stderr, "perf tap: give either -p or a command, not both\n");
		free(text);
		return 1;
	}
	copts.file = file;
	/* arg.NAME is typed from the events' formats, and code made for how they attach */
	if (!syntax_only)
		copts.resolver = &resolver;
	copts.dump_ast = dump_ast ? stdout : NULL;
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
	ropts.argv = argc > 0 ? argv : NULL;
	if (record) {
		rec = tap_record__new(output ?: "perf.data");
		if (!rec) {
			fprintf(stderr, "perf tap: not enough memory to record\n");
			ret = 1;
			goto out;
		}
		ropts.sink = tap_record__sink(rec);
	} else if (output) {
		ropts.output = fopen(output, "w");
		if (!ropts.output) {
			fprintf(stderr, "perf tap: cannot write %s: %s\n", output, strerror(errno));
			ret = 1;
			goto out;
		}
	}
	ret = tap_run(obj, &ropts);
	if (ropts.output && fclose(ropts.output) && !ret) {
		fprintf(stderr, "perf tap: cannot write %s: %s\n", output, strerror(errno));
		ret = 1;
	}
out:
	tap_record__delete(rec);
	tap_object__delete(obj);
	free(text);
	return ret;
}
