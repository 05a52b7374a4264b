/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __TAP_SEMA_H
#define __TAP_SEMA_H

#include "ast.h"

/* The result of semantic analysis: symbols with types, storage laid out. */
struct tap_sema {
	struct tap_sym *globals;	/* in declaration order */
	int globals_size;		/* bytes of the globals map value */
	int ntables;			/* tables, numbered from 0 in sym->map */
	bool uses_rodata;		/* sprintf(), tostring(): formats in a read-only map */
	struct tap_sym **tables;
};

/* Bytes of kernel data of type @t (TAP_T_KMEM), from the kernel's BTF; 0 if unknown. */
unsigned int sema_kmem_size(const struct tap_type *t);

void tap_sema(struct tap_compiler *c, struct tap_node *items, struct tap_sema *out);

#endif /* __TAP_SEMA_H */
