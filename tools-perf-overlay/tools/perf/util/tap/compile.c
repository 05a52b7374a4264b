// SPDX-License-Identifier: GPL-2.0
/*
 * tap_compile(): script text -> tap object, running the passes in order.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "codegen.h"
#include "object.h"
#include "parse.h"
#include "sema.h"

/* The passes; a diagnostic anywhere unwinds to the setjmp here. */
static int run_passes(struct tap_compiler *c, struct tap_object *obj,
		      const struct tap_compile_opts *opts)
{
	struct tap_sema sema;
	struct tap_node *ast;

	if (setjmp(c->on_error))
		return -1;
	ast = tap_parse(c);
	if (opts->syntax_only) {
		if (opts->dump_ast)
			tap_ast_dump(opts->dump_ast, ast);
		return 0;
	}
	tap_sema(c, ast, &sema);
	if (opts->dump_ast)
		tap_ast_dump(opts->dump_ast, ast);
	tap_codegen(c, ast, &sema, obj);
	return 0;
}

struct obj_chunk {
	struct obj_chunk *next;
	long long data[];	/* aligned for any member */
};

void *tap_object__alloc(struct tap_object *obj, size_t size)
{
	struct obj_chunk *chunk = calloc(1, sizeof(*chunk) + size);

	if (!chunk)
		return NULL;
	chunk->next = obj->mem;
	obj->mem = chunk;
	return chunk->data;
}

char *tap_object__strndup(struct tap_object *obj, const char *s, size_t len)
{
	char *p = tap_object__alloc(obj, len + 1);

	if (p)
		memcpy(p, s, len);
	return p;
}

void tap_object__error(const struct tap_object *obj, int line, int col, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tap_diag_v(obj->file, obj->text, line, col, fmt, ap);
	va_end(ap);
}

struct tap_object *tap_compile(const char *text, const struct tap_compile_opts *opts)
{
	struct tap_compiler *c = calloc(1, sizeof(*c));
	struct tap_object *obj = calloc(1, sizeof(*obj));

	if (!c || !obj) {
		free(c);
		free(obj);
		return NULL;
	}
	tap_compiler__init(c, opts->file ?: "<script>", text);
	if (opts->text_len)
		c->text_len = opts->text_len;
	c->resolver = opts->resolver;
	c->ustack_dwarf = opts->ustack_dwarf;
	c->obj = obj;
	if (opts->str_size)
		c->str_size = (opts->str_size + 7) & ~7U;
	obj->version = TAP_OBJECT_VERSION;
	obj->text_len = c->text_len;
	obj->text = tap_object__strndup(obj, text, c->text_len);
	obj->file = tap_object__strndup(obj, c->file, strlen(c->file));
	if (!obj->text || !obj->file)
		goto fail;
	c->file = obj->file;
	obj->str_size = c->str_size;
	obj->table_entries = opts->table_entries ?: 10240;
	obj->loop_max = opts->loop_max ?: 1024;
	if (run_passes(c, obj, opts))
		goto fail;
	/* the object is plain data now: the tree and the compiler's memory go */
	tap_compiler__exit(c);
	free(c);
	return obj;
fail:
	tap_compiler__exit(c);
	free(c);
	tap_object__delete(obj);
	return NULL;
}

void tap_object__delete(struct tap_object *obj)
{
	int i;

	if (!obj)
		return;
	for (i = 0; i < obj->nr_progs; i++) {
		for (int v = 0; v < TAP_CODE_NR; v++) {
			free(obj->progs[i].code[v].insns);
			free(obj->progs[i].code[v].lines);
			free(obj->progs[i].code[v].func_off);
		}
	}
	free(obj->recs);
	while (obj->mem) {
		struct obj_chunk *chunk = obj->mem;

		obj->mem = chunk->next;
		free(chunk);
	}
	free(obj);
}
