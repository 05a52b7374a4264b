/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internal state shared by the passes of the perf tap compiler
 * (lex -> parse -> sema -> codegen).  Nothing here depends on perf:
 * the compiler can be built and tested on its own.
 */
#ifndef __TAP_COMPILER_H
#define __TAP_COMPILER_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <linux/compiler.h>
#include <stdbool.h>

struct tap_program;
struct tap_node;
struct tap_object;
struct tap_resolver;

struct tap_compiler {
	const char *file;		/* name shown in diagnostics */
	const char *text;		/* the whole script, NUL terminated */
	size_t text_len;		/* its length: a NUL before the end is an error */
	unsigned int str_size;		/* bytes in a string value */
	unsigned int ustack_dwarf;	/* ustack(): bytes of stack to copy, 0: frame pointers */
	jmp_buf on_error;		/* the first error unwinds to here */
	void *arena;			/* every allocation, freed at once */
	/* what the events of trace blocks are, may be NULL: see struct tap_resolver */
	const struct tap_resolver *resolver;
	struct tap_object *obj;
};

/* Allocations live until tap_compiler__exit(); out of memory unwinds as an error. */
void *tap_alloc(struct tap_compiler *c, size_t size);
char *tap_strndup(struct tap_compiler *c, const char *s, size_t len);

/*
 * Report "FILE:LINE:COL: error: ..." with the source line and a caret,
 * then unwind to c->on_error.  The compiler stops at the first error.
 */
void tap_error(struct tap_compiler *c, int line, int col, const char *fmt, ...)
	__printf(4, 5) __noreturn;

/*
 * The same report without unwinding, for whoever holds the script's text:
 * the runtime reports probe specs that match nothing this way.
 */
void tap_diag_v(const char *file, const char *text, int line, int col, const char *fmt,
		va_list ap) __printf(5, 0);

void tap_compiler__init(struct tap_compiler *c, const char *file, const char *text);
void tap_compiler__exit(struct tap_compiler *c);

#endif /* __TAP_COMPILER_H */
