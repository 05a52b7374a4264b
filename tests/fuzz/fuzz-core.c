// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the perf tap compiler (see Documentation/tests.md,
 * "Fuzzing").  Each input is a script.  It is parsed alone, as
 * 'perf tap --syntax-only' does, then compiled through sema and codegen,
 * and both results are printed (--dump-ast, --dump-bpf) to /dev/null so
 * the printers run too.  Everything is freed: LeakSanitizer reports what
 * is not.
 *
 * A compiled object must survive serialization (what perf tap record
 * saves): its copy's --dump-bpf must be the same, or the target aborts.
 * An input that starts with the object's magic is read as an object, so
 * the reader meets damaged bytes too.
 *
 * In perf, arg.NAME is typed from tracefs.  Here a stand-in types fields
 * by their first letter, so that string fields and "no such field" errors
 * are reached too: 's' a string, 'x' missing, 'p' a struct task_struct *
 * where the kernel has BTF (as a field typed from an event's record in
 * BTF is), anything else a number.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>

#include "ktypes.h"
#include "object.h"

static FILE *devnull;
static int task_ptr;		/* BTF id of struct task_struct *, 0 without BTF */

static int field_type(void *arg, const struct tap_spec *specs, int nr_specs, const char *name,
		      int *btf, char *why, size_t why_size)
{
	*btf = 0;
	switch (name[0]) {
	case 'p':
		*btf = task_ptr;
		return TAP_T_NUM;
	case 's':
		return TAP_T_STR;
	case 'x':
		snprintf(why, why_size, "fuzz: no field '%s' in these events", name);
		return -1;
	default:
		return TAP_T_NUM;
	}
}

/* Some variants, chosen by the first spec's text, so that every mix is generated. */
static unsigned int code_kinds(void *arg, const struct tap_spec *specs, int nr_specs,
			       bool uses_argstr)
{
	unsigned int h = uses_argstr;
	const char *p;

	for (p = specs[0].text; *p; p++)
		h = h * 31 + (unsigned char)*p;
	return h & ((1U << TAP_CODE_NR) - 1);
}

static const struct tap_resolver resolver = {
	.field_type = field_type,
	.code_kinds = code_kinds,
};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct btf *btf = tap_ktypes__btf();
	__u32 k, nr = btf ? btf__type_cnt(btf) : 0;
	int task = btf ? btf__find_by_name_kind(btf, "task_struct", BTF_KIND_STRUCT) : -1;

	devnull = fopen("/dev/null", "w");
	if (!devnull) {
		perror("/dev/null");
		exit(1);
	}
	for (k = 1; k < nr && task > 0 && !task_ptr; k++) {
		const struct btf_type *t = btf__type_by_id(btf, k);

		if (btf_is_ptr(t) && t->type == (__u32)task)
			task_ptr = (int)k;
	}
	return 0;
}

/* --dump-bpf of @obj into memory; the caller frees it. */
static char *dump(struct tap_object *obj, size_t *len)
{
	char *buf = NULL;
	FILE *fp = open_memstream(&buf, len);

	if (!fp)
		abort();
	tap_object__dump_bpf(obj, fp);
	fclose(fp);
	return buf;
}

static void check_roundtrip(struct tap_object *obj)
{
	struct tap_object *copy;
	size_t size, len1, len2;
	char *dump1, *dump2;
	void *bytes;

	if (tap_object__serialize(obj, &bytes, &size))
		return;		/* out of memory */
	if (tap_object__deserialize(bytes, size, &copy)) {
		fprintf(stderr, "fuzz: a compiled object cannot be read back\n");
		abort();
	}
	dump1 = dump(obj, &len1);
	dump2 = dump(copy, &len2);
	if (len1 != len2 || memcmp(dump1, dump2, len1)) {
		fprintf(stderr, "fuzz: the object read back differs\n");
		abort();
	}
	free(dump1);
	free(dump2);
	free(bytes);
	tap_object__delete(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tap_compile_opts opts = { .file = "fuzz.tap", .str_size = 64 };
	struct tap_object *obj;
	/* the compiler takes a NUL-terminated script, as perf tap reads it */
	char *text = malloc(size + 1);

	if (!text)
		return 0;
	if (size >= 6 && !memcmp(data, "TAPOBJ", 6)) {
		struct tap_object *read;

		if (!tap_object__deserialize(data, size, &read)) {
			tap_object__dump_bpf(read, devnull);
			tap_object__delete(read);
		}
		free(text);
		return 0;
	}
	memcpy(text, data, size);
	text[size] = 0;
	opts.text_len = size;	/* NUL bytes inside are errors, as in perf tap */

	opts.syntax_only = true;
	opts.dump_ast = devnull;
	obj = tap_compile(text, &opts);
	if (!obj)
		goto out;	/* the full compile would stop at the same error */
	tap_object__delete(obj);

	opts.syntax_only = false;
	opts.resolver = &resolver;
	obj = tap_compile(text, &opts);
	if (obj) {
		tap_object__dump_bpf(obj, devnull);
		check_roundtrip(obj);
	}
	tap_object__delete(obj);
out:
	free(text);
	return 0;
}
