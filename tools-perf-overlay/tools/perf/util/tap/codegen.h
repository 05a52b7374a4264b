/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __TAP_CODEGEN_H
#define __TAP_CODEGEN_H

#include "object.h"
#include "sema.h"

/* Fill @obj's programs, maps and record layouts from the checked AST. */
void tap_codegen(struct tap_compiler *c, struct tap_node *items, struct tap_sema *sema,
		 struct tap_object *obj);

#endif /* __TAP_CODEGEN_H */
