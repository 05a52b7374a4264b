// SPDX-License-Identifier: GPL-2.0
/*
 * tap-core: the perf tap compiler without perf, for sanitizer builds and
 * for tests that only compile.  It takes the compile-only options of
 * 'perf tap' and exits as it does: 0 after --dump-ast, --dump-bpf or
 * --syntax-only, 1 on a compile error, 129 on a usage error.  It cannot
 * load or run anything: without a dump option it compiles and exits 0.
 *
 * Field types (arg.NAME) come from tracefs in perf; here there is no
 * resolver, so every field is a number, as in perf tap --syntax-only.
 *
 * Run as "perf" (a symlink, see the Makefile), it expects perf's command
 * word first, "perf tap ARGS", so tests/run can use it as $PERF.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "object.h"

#define EXIT_USAGE 129		/* what perf's usage_with_options() exits with */

static const char *prog = "tap-core";

/*
 * The sanitizer builds (make core-asan): a report ends the program with
 * status 23, not the sanitizers' default 1, which a test expecting a
 * compile error would take for one.  The environment (ASAN_OPTIONS,
 * UBSAN_OPTIONS) still overrides these.  Unused without sanitizers.
 */
const char *__asan_default_options(void);
const char *__ubsan_default_options(void);

const char *__asan_default_options(void)
{
	return "exitcode=23";
}

const char *__ubsan_default_options(void)
{
	return "exitcode=23:print_stacktrace=1";
}

static void usage(FILE *fp)
{
	fprintf(fp,
		"usage: %s [<options>] -e 'SCRIPT' [-- <command>...]\n"
		"       %s [<options>] FILE [-- <command>...]\n"
		"\n"
		"  -e, --script SCRIPT   compile this script text\n"
		"      --syntax-only     only parse (with --dump-ast: the untyped tree)\n"
		"      --dump-ast        print the typed syntax tree\n"
		"      --dump-bpf        print the BPF programs with script lines\n"
		"      --str-size N      bytes in a string value (default 64)\n"
		"      --table-size N    maximum entries in a table (default 10240)\n"
		"      --loop-max N      iterations after which a while loop stops\n"
		"      --roundtrip       go on with the object as read back from its bytes\n"
		"  -v, --verbose         accepted; nothing more to say without perf\n"
		"\n"
		"The compiler of 'perf tap' alone: it never loads or runs a script.\n",
		prog, prog);
}

/* "--str-size 64": a whole unsigned number, as perf's OPT_UINTEGER takes. */
static bool parse_uint(const char *opt, const char *s, unsigned int *v)
{
	unsigned long n;
	char *end;

	errno = 0;
	n = strtoul(s, &end, 0);
	if (errno || end == s || *end || *s == '-' || n > 0xffffffffUL) {
		fprintf(stderr, "%s: --%s expects an unsigned number, not '%s'\n", prog, opt, s);
		return false;
	}
	*v = (unsigned int)n;
	return true;
}

/* The whole file (or stdin for "-"), NUL terminated; NULL with errno set. */
static char *read_script(const char *path, size_t *size)
{
	FILE *fp = strcmp(path, "-") ? fopen(path, "r") : stdin;
	size_t len = 0, cap = 0, n;
	char *buf = NULL, *nbuf;
	int err = 0;

	if (!fp)
		return NULL;
	for (;;) {
		if (cap - len < 4096) {
			nbuf = realloc(buf, cap + 65536);
			if (!nbuf) {
				err = ENOMEM;
				break;
			}
			buf = nbuf;
			cap += 65536;
		}
		n = fread(buf + len, 1, cap - len - 1, fp);
		len += n;
		if (n)
			continue;
		if (ferror(fp))
			err = errno ?: EIO;
		break;
	}
	if (fp != stdin)
		fclose(fp);
	if (err) {
		free(buf);
		errno = err;
		return NULL;
	}
	buf[len] = 0;
	*size = len;
	return buf;
}

/*
 * --roundtrip: replace the object by its copy through the bytes perf tap
 * record saves, so that what follows (--dump-bpf) shows the copy.
 */
static int object_roundtrip(struct tap_object **obj)
{
	struct tap_object *copy;
	void *data = NULL;
	size_t size;
	int err;

	err = tap_object__serialize(*obj, &data, &size);
	if (!err)
		err = tap_object__deserialize(data, size, &copy);
	if (err) {
		fprintf(stderr, "%s: the object does not survive serialization: %s\n", prog,
			strerror(-err));
		tap_object__delete(*obj);
		free(data);
		return -1;
	}
	free(data);
	tap_object__delete(*obj);
	*obj = copy;
	return 0;
}

enum { OPT_SYNTAX_ONLY = 256, OPT_DUMP_AST, OPT_DUMP_BPF, OPT_STR_SIZE, OPT_TABLE_SIZE,
	OPT_LOOP_MAX, OPT_ROUNDTRIP };

static const struct option long_options[] = {
	{ "script",	 required_argument, NULL, 'e' },
	{ "syntax-only", no_argument,	    NULL, OPT_SYNTAX_ONLY },
	{ "dump-ast",	 no_argument,	    NULL, OPT_DUMP_AST },
	{ "dump-bpf",	 no_argument,	    NULL, OPT_DUMP_BPF },
	{ "str-size",	 required_argument, NULL, OPT_STR_SIZE },
	{ "table-size",	 required_argument, NULL, OPT_TABLE_SIZE },
	{ "loop-max",	 required_argument, NULL, OPT_LOOP_MAX },
	{ "roundtrip",	 no_argument,	    NULL, OPT_ROUNDTRIP },
	{ "verbose",	 no_argument,	    NULL, 'v' },
	{ "help",	 no_argument,	    NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

int main(int argc, char **argv)
{
	struct tap_compile_opts opts = { .str_size = 64 };
	bool dump_bpf = false, roundtrip = false;
	const char *script = NULL;
	struct tap_object *obj;
	char *text;
	int ch;

	/* as "perf": "perf tap ARGS" */
	if (!strcmp(strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0], "perf")) {
		prog = "perf tap";
		if (argc < 2 || strcmp(argv[1], "tap")) {
			fprintf(stderr, "this perf is tap-core: it only has 'perf tap'\n");
			return EXIT_USAGE;
		}
		argv[1] = argv[0];
		argc--;
		argv++;
	}
	/* "+": stop at the script file, like perf's PARSE_OPT_STOP_AT_NON_OPTION */
	while ((ch = getopt_long(argc, argv, "+e:vh", long_options, NULL)) != -1) {
		switch (ch) {
		case 'e':
			script = optarg;
			break;
		case OPT_SYNTAX_ONLY:
			opts.syntax_only = true;
			break;
		case OPT_DUMP_AST:
			opts.dump_ast = stdout;
			break;
		case OPT_DUMP_BPF:
			dump_bpf = true;
			break;
		case OPT_STR_SIZE:
			if (!parse_uint("str-size", optarg, &opts.str_size))
				return EXIT_USAGE;
			break;
		case OPT_TABLE_SIZE:
			if (!parse_uint("table-size", optarg, &opts.table_entries))
				return EXIT_USAGE;
			break;
		case OPT_LOOP_MAX:
			if (!parse_uint("loop-max", optarg, &opts.loop_max))
				return EXIT_USAGE;
			break;
		case OPT_ROUNDTRIP:
			roundtrip = true;
			break;
		case 'v':
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	argc -= optind;
	argv += optind;

	if (script) {
		opts.file = "<cmdline>";
		text = strdup(script);
		if (!text) {
			fprintf(stderr, "%s: out of memory\n", prog);
			return 1;
		}
	} else {
		if (argc < 1 || !strcmp(argv[0], "--")) {
			usage(stderr);
			return EXIT_USAGE;
		}
		opts.file = argv[0];
		text = read_script(opts.file, &opts.text_len);
		if (!text) {
			fprintf(stderr, "%s: cannot read %s: %s\n", prog, opts.file, strerror(errno));
			return 1;
		}
		argc--;
		argv++;
	}
	/* the same checks as perf tap, so that the exit status is the same */
	if (argc > 0 && strcmp(argv[0], "--")) {
		fprintf(stderr, "%s: a command to run goes after '--': %s %s -- %s\n", prog,
			prog, script ? "-e '...'" : opts.file, argv[0]);
		free(text);
		return 1;
	}
	if (opts.loop_max > 100000) {
		fprintf(stderr, "%s: --loop-max is at most 100000\n", prog);
		free(text);
		return 1;
	}
	if (opts.str_size < 16 || opts.str_size > 4096) {
		fprintf(stderr, "%s: --str-size must be between 16 and 4096\n", prog);
		free(text);
		return 1;
	}

	obj = tap_compile(text, &opts);
	if (!obj) {
		free(text);
		return 1;
	}
	if (roundtrip && !opts.syntax_only && object_roundtrip(&obj)) {
		free(text);
		return 1;
	}
	if (dump_bpf && !opts.syntax_only)
		tap_object__dump_bpf(obj, stdout);
	tap_object__delete(obj);
	free(text);
	return 0;
}
