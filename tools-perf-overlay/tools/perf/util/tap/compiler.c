// SPDX-License-Identifier: GPL-2.0
/*
 * Memory and diagnostics for the perf tap compiler.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler.h"

struct arena_chunk {
	struct arena_chunk *next;
	char data[];
};

void *tap_alloc(struct tap_compiler *c, size_t size)
{
	struct arena_chunk *chunk = calloc(1, sizeof(*chunk) + size);

	if (!chunk) {
		/* unwind like any error: the caller frees what was made */
		fprintf(stderr, "%s: error: out of memory\n", c->file);
		longjmp(c->on_error, 1);
	}
	chunk->next = c->arena;
	c->arena = chunk;
	return chunk->data;
}

char *tap_strndup(struct tap_compiler *c, const char *s, size_t len)
{
	char *p = tap_alloc(c, len + 1);

	memcpy(p, s, len);
	return p;
}

void tap_compiler__init(struct tap_compiler *c, const char *file, const char *text)
{
	memset(c, 0, sizeof(*c));
	c->file = file;
	c->text = text;
	c->text_len = strlen(text);
	c->str_size = 64;
}

void tap_compiler__exit(struct tap_compiler *c)
{
	struct arena_chunk *chunk = c->arena, *next;

	for (; chunk; chunk = next) {
		next = chunk->next;
		free(chunk);
	}
	c->arena = NULL;
}

/* Columns of a long line shown around the caret. */
#define SHOW_WIDTH 120

/*
 * Print line @line of the script and a caret under column @col; of a long
 * line only the part around the column, with "..." where it was cut.
 */
static void show_source_line(const char *text, int line, int col)
{
	const char *p = text, *end, *from;
	int i;

	for (i = 1; i < line && *p; p++)
		if (*p == '\n')
			i++;
	if (i != line)
		return;
	end = strchr(p, '\n');
	if (!end)
		end = p + strlen(p);
	from = p;
	if (col > SHOW_WIDTH)
		from = p + col - SHOW_WIDTH / 2;
	if (from > end)
		from = end;
	if (end - from > SHOW_WIDTH)
		end = from + SHOW_WIDTH;
	fprintf(stderr, "%s%.*s%s\n", from > p ? "..." : "", (int)(end - from), from,
		*end && *end != '\n' ? "..." : "");
	if (from > p)
		fputs("   ", stderr);
	for (i = (int)(from - p) + 1; i < col && p + i - 1 < end; i++)
		fputc(p[i - 1] == '\t' ? '\t' : ' ', stderr);
	fputs("^\n", stderr);
}

void tap_diag_v(const char *file, const char *text, int line, int col, const char *fmt,
		va_list ap)
{
	fprintf(stderr, "%s:%d:%d: error: ", file, line, col);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	if (text)
		show_source_line(text, line, col);
}

void tap_error(struct tap_compiler *c, int line, int col, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tap_diag_v(c->file, c->text, line, col, fmt, ap);
	va_end(ap);
	longjmp(c->on_error, 1);
}
